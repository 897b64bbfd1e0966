"""WhatsApp through Twilio: POST /webhooks/whatsapp/webhook.

Twilio posts WhatsApp messages exactly as it posts SMS (the same form,
signed with ``X-Twilio-Signature`` over the public URL), from
``whatsapp:+E.164`` addresses. So this channel is bot.channels.sms's, with
WhatsApp's differences:

- the sender id is the address as Twilio gives it, ``whatsapp:+14155550101``,
  not the bare number. A conversation is keyed by its sender id (Rasa's
  tracker, the handoff service's conversation, the inbox's order): the same
  person texting by SMS and writing on WhatsApp has two conversations, each
  answered on its own channel, and an SMS STOP (kept by bare number) never
  silences WhatsApp. It is also exactly what Twilio sends to (``To``);
- each message's arrival is recorded (``last_inbound``) when it is accepted,
  before it is acknowledged: WhatsApp's 24-hour window runs from the
  customer's message, not from when our queue reaches it
  (bot.channels.whatsapp_send enforces the window);
- no keywords: STOP, START and HELP are text for the bot. WhatsApp has no
  carrier opt-out; a customer blocks the business in WhatsApp itself;
- a tapped button (bot.channels.whatsapp_content) arrives with
  ``ButtonPayload`` (its id, which is the button's Rasa payload) and
  ``ButtonText`` (its title): the payload is the turn's text. A list picker's
  choice is read from ``ListId`` when Twilio sends that instead. A typed "2"
  picks the second button of a numbered list, as on SMS;
- satisfaction surveys (bot.channels.survey_whatsapp sends them): a chosen
  score of the survey's list (``csat:*:<n>``) or a typed "4" / "cuatro" is
  taken before the bot, as on SMS (bot.channels.survey_answers).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import ClassVar

from bot.channels.errors import MalformedRequest
from bot.channels.inbox import InboxDelivery, OnNewMessage
from bot.channels.settings import WHATSAPP_PREFIX, ChannelSettings
from bot.channels.sms import NON_TEXT, NON_TEXT_REPLY, TEXT, SmsInput, parse_twilio_form
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.whatsapp_content import ContentTemplates
from bot.channels.whatsapp_send import CHANNEL, WhatsAppOutput, create_output, is_whatsapp_address

logger = logging.getLogger(__name__)

__all__ = ["CHANNEL", "WhatsAppInput", "create_output", "parse_whatsapp_form"]

# A tapped button, its payload the turn's text.
BUTTON = "button"
# WhatsApp's own limit on a message's text; longer ones are cut to it.
WHATSAPP_TEXT_LIMIT = 4096
# Our ids are Rasa payloads of at most 200 characters (the Content API's limit);
# a longer ButtonPayload is another template's, and is cut like any text.
BUTTON_FIELDS = ("ButtonPayload", "ListId")


def parse_whatsapp_form(params: Mapping[str, str]) -> InboxDelivery:
    """One inbound WhatsApp message from Twilio's form; raises MalformedRequest."""
    sender = params.get("From", "")
    if not is_whatsapp_address(sender):
        raise MalformedRequest("From is not a WhatsApp address (whatsapp:+E.164)")
    # Read as SMS's form (MessageSid, media), from the bare number; then WhatsApp's.
    delivery = parse_twilio_form({**params, "From": sender[len(WHATSAPP_PREFIX) :]})
    payload = next((params[f] for f in BUTTON_FIELDS if params.get(f, "").strip()), "")
    body = params.get("Body", "").strip()
    message = dict(delivery.message)
    if payload:
        message = {"kind": BUTTON, "text": payload.strip()}
    elif body:
        message["kind"], message["text"] = TEXT, body  # keywords are SMS's only
    return dataclasses.replace(delivery, sender_id=sender, message=message)


class WhatsAppInput(SmsInput):
    """SMS's webhook (signature, account, TwiML) with WhatsApp's parsing and window."""

    channel_name: ClassVar[str] = CHANNEL
    text_limit: ClassVar[int | None] = WHATSAPP_TEXT_LIMIT
    asks_surveys: ClassVar[bool] = True

    parse_form = staticmethod(parse_whatsapp_form)

    def __init__(self, settings: ChannelSettings, store: ChannelStore | None = None) -> None:
        super().__init__(settings, store)
        # The shapes of buttons made in the Content API, for this channel's life.
        self._contents = ContentTemplates(settings)

    @property
    def contents(self) -> ContentTemplates:
        """The channel's Content API shapes, which surveys share (one list made once)."""
        return self._contents

    def missing_settings(self) -> list[str]:
        return self.settings.twilio.whatsapp_missing()

    async def accept(self, deliveries: list[InboxDelivery], on_new_message: OnNewMessage) -> None:
        # The window opens when the message arrives (the module docstring).
        for delivery in deliveries:
            await self.store.touch_inbound(CHANNEL, delivery.sender_id)
        # SmsInput's accept applies SMS keywords: skipped, to the inbox's own.
        await super(SmsInput, self).accept(deliveries, on_new_message)

    async def process(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        kind = item.message.get("kind", TEXT)
        output = self.get_output_channel()
        if kind == BUTTON:
            await on_new_message(self.user_message(item, str(item.message["text"]), output))
        elif kind == TEXT:
            text = await self._button_payload(item.sender_id, str(item.message["text"]))
            await on_new_message(self.user_message(item, text, output))
        else:
            logger.debug("whatsapp: %s input answered with a request for words", NON_TEXT)
            await output.send_text_message(item.sender_id, NON_TEXT_REPLY)

    def get_output_channel(self) -> WhatsAppOutput:
        # Kept where SmsInput keeps its output, which its close() closes.
        if not isinstance(self._output, WhatsAppOutput):
            self._output = WhatsAppOutput(
                self.settings, self.store, raise_on_failure=False, contents=self._contents
            )
        return self._output

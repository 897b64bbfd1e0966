"""WhatsApp out, through Twilio's Messages API: bot.channels.sms's sender with WhatsApp's rules.

``From`` is ``TWILIO_WHATSAPP_FROM`` (``whatsapp:+E.164``, or a messaging
service), ``To`` the customer's sender id, which is already
``whatsapp:+E.164`` (bot.channels.whatsapp says why). Texts are split at
Twilio's 1,600 characters, as SMS; buttons are native where they fit
(bot.channels.whatsapp_content), a numbered list otherwise.

WhatsApp's 24-hour customer-service window: free-form messages may only be
sent within 24 hours of the customer's last message (the webhook records it
in the channels' store, ``last_inbound``). Outside it only an approved
template may be sent, by ``ContentSid``; Twilio refuses anything else with
error 63016. So, before Twilio would refuse:

- the bot's own messages outside the window are not sent (logged);
- an agent's reply (``human_agent``) goes as the ``agent_reply`` template of
  ``TWILIO_WHATSAPP_TEMPLATES``, the reply as its variable ``{{1}}``, when
  one is configured; without one it is refused, :class:`WindowClosed`, which
  POST /internal/deliveries answers 409 ``refused`` with code ``window_closed``;
- a satisfaction survey's question goes as the ``survey`` template, the
  question as its ``{{1}}`` (bot.channels.survey_whatsapp; without one the
  survey is not asked);
- images and buttons are never sent outside the window (templates carry text).

With no record of the customer's last message the window counts as closed:
WhatsApp opens it only with a message of theirs, which we would have
recorded. A 63016 from Twilio (its clock and ours disagree) is a
WindowClosed too.

Opt-outs: WhatsApp has no STOP keyword; a customer who does not want our
messages blocks the business in WhatsApp. So nothing here reads or writes
the SMS opt-out list (keyed by bare numbers, never ``whatsapp:`` ids).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from twilio.base.exceptions import TwilioRestException

from bot.channels.delivery import PermanentSendError, SendError
from bot.channels.settings import WHATSAPP_PREFIX, ChannelSettings
from bot.channels.sms import SmsOutput, mask_phone_number
from bot.channels.store import ChannelStore, window_closes_at
from bot.channels.text import numbered_buttons, split_text
from bot.channels.whatsapp_content import (
    BODY_LIMIT,
    BODY_VARIABLE,
    CONTENT_LANGUAGE,
    LIST_BUTTON_LABEL,
    ContentTemplates,
    ContentUnavailable,
    content_types,
)
from plumbing.clock import utc_now
from plumbing.phones import E164

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
# The template an agent's reply goes as once the window has closed.
AGENT_REPLY_TEMPLATE = "agent_reply"
# The template a satisfaction survey's question goes as then (bot.channels.survey_whatsapp).
SURVEY_TEMPLATE = "survey"
# Twilio's "Outside messaging window. For WhatsApp, use a Message Template instead".
TWILIO_OUTSIDE_WINDOW = 63016
# The code our refusal carries (the internal route's 409 shows it), as surveys' reason.
WINDOW_CLOSED = "window_closed"
# Twilio refuses a template send whose text, template and values together pass
# 1,024 characters (error 63021); what is left for the reply, with room for
# the template's own words.
TEMPLATE_VARIABLE_LIMIT = 900
# Meta refuses template values with line breaks, tabs or more than four spaces
# in a row: a reply goes as one line.
_TEMPLATE_WHITESPACE = re.compile(r"\s+")


class WindowClosed(PermanentSendError):
    """Not sent: WhatsApp's 24-hour window is closed and no template may carry it."""

    reason: ClassVar[str] = WINDOW_CLOSED

    def __init__(self, message: str) -> None:
        super().__init__(CHANNEL, f"{WINDOW_CLOSED}: {message}", WINDOW_CLOSED)


def is_whatsapp_address(address: str) -> bool:
    """``whatsapp:+E.164``: a WhatsApp sender id, and what Twilio sends to."""
    return address.startswith(WHATSAPP_PREFIX) and bool(
        E164.fullmatch(address[len(WHATSAPP_PREFIX) :])
    )


async def window_open(store: ChannelStore, recipient_id: str) -> bool:
    """Whether ``recipient_id`` wrote in the last 24 hours: free-form messages may go."""
    closes_at = await window_closes_at(store, recipient_id, channel=CHANNEL)
    return closes_at is not None and utc_now() < closes_at


def template_variable(text: str) -> str:
    """An agent's reply as a template's value: one line, within WhatsApp's limits."""
    value = _TEMPLATE_WHITESPACE.sub(" ", text).strip()
    if len(value) > TEMPLATE_VARIABLE_LIMIT:
        raise PermanentSendError(
            CHANNEL,
            f"{WINDOW_CLOSED}: a reply after the 24-hour window goes as a template, which "
            f"holds at most {TEMPLATE_VARIABLE_LIMIT} characters, not {len(value)}",
            WINDOW_CLOSED,
        )
    return value


class WhatsAppOutput(SmsOutput):
    """Sends to ``whatsapp:`` addresses; the window and the buttons are WhatsApp's."""

    records_opt_outs: ClassVar[bool] = False

    def __init__(
        self,
        settings: ChannelSettings,
        store: ChannelStore,
        *,
        raise_on_failure: bool = True,
        contents: ContentTemplates | None = None,
    ) -> None:
        super().__init__(settings, store, raise_on_failure=raise_on_failure)
        self._sender = settings.twilio.whatsapp_from  # From: whatsapp:+E.164, or "MG..."
        self._contents = contents or ContentTemplates(settings)

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    # -- what Rasa (and the handoff service) call ------------------------------------------

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if await self.window_open(recipient_id):
            await super().send_text_message(recipient_id, text)
        else:
            await self._outside_window(recipient_id, text, kwargs.get("human_agent") is True)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if not await self.window_open(recipient_id):
            human_agent = kwargs.get("human_agent") is True
            await self._outside_window(recipient_id, numbered_buttons(text, buttons), human_agent)
            return
        content_sid = await self.content_for(buttons)
        if content_sid is None:
            await super().send_text_message(recipient_id, numbered_buttons(text, buttons))
            return
        await self.send_content(recipient_id, content_sid, text)

    # -- native buttons and templates (also for bot.channels.survey_whatsapp) ---------------

    async def content_for(
        self,
        buttons: list[dict[str, Any]],
        *,
        list_button: str = LIST_BUTTON_LABEL,
        language: str = CONTENT_LANGUAGE,
    ) -> str | None:
        """The SID of a content showing ``buttons`` natively; None to send them as text."""
        types = content_types(buttons, list_button=list_button)
        if types is None:
            return None
        try:
            return await self._contents.sid_for(types, language)
        except ContentUnavailable as error:
            logger.warning("whatsapp: buttons sent as a numbered list: %s", error)
            return None

    async def send_content(self, recipient_id: str, content_sid: str, text: str) -> None:
        """``text`` as the content's ``{{1}}`` (inside the window: the caller checked)."""
        # The body of a content holds 1,024 characters: what comes before goes as text.
        parts = split_text(text, BODY_LIMIT) or [" "]
        messages: list[Mapping[str, Any]] = [{"body": part} for part in parts[:-1]]
        variables = json.dumps({BODY_VARIABLE: parts[-1]}, ensure_ascii=False)
        messages.append({"content_sid": content_sid, "content_variables": variables})
        await self._deliver(recipient_id, messages)

    async def send_template(self, recipient_id: str, name: str, text: str) -> None:
        """``text`` as the ``{{1}}`` of the approved template ``name`` (TWILIO_WHATSAPP_TEMPLATES),
        as may be sent outside the window; refused (WindowClosed) if none is configured."""
        template = self._twilio.whatsapp_template(name)
        if template is None:
            self._refuse(
                recipient_id,
                WindowClosed(f"the 24-hour window is closed and no {name} template is configured"),
            )
            return
        try:
            value = template_variable(text)
        except SendError as error:
            self._refuse(recipient_id, error)
            return
        variables = json.dumps({BODY_VARIABLE: value}, ensure_ascii=False)
        logger.debug("whatsapp: window closed, sent as template %s", template)
        await self._deliver(
            recipient_id, [{"content_sid": template, "content_variables": variables}]
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if await self.window_open(recipient_id):
            await super().send_image_url(recipient_id, image)
        else:
            self._refuse(recipient_id, WindowClosed("an image cannot be sent as a template"))

    # -- the window ------------------------------------------------------------------------

    async def window_open(self, recipient_id: str) -> bool:
        """Whether the customer wrote in the last 24 hours; raises for a non-WhatsApp id."""
        if not is_whatsapp_address(recipient_id):
            # Raised whatever raise_on_failure says: a caller's mistake, not a send failure.
            raise PermanentSendError(CHANNEL, "the recipient is not a whatsapp:+E.164 address")
        return await window_open(self._store, recipient_id)

    async def _outside_window(self, recipient_id: str, text: str, human_agent: bool) -> None:
        template = self._twilio.whatsapp_template(AGENT_REPLY_TEMPLATE) if human_agent else None
        if template is None:
            who = "an agent's reply needs the agent_reply template"
            if not human_agent:
                who = "the bot may not write"
            self._refuse(recipient_id, WindowClosed(f"the 24-hour window is closed: {who}"))
            return
        await self.send_template(recipient_id, AGENT_REPLY_TEMPLATE, text)

    def _refuse(self, recipient_id: str, error: SendError) -> None:
        if self._raise_on_failure:
            raise error
        logger.warning(
            "whatsapp: message to %s not sent: %s", mask_phone_number(recipient_id), error
        )

    # -- Twilio ----------------------------------------------------------------------------

    async def _send(self, to: str, message: Mapping[str, Any]) -> str:
        # No opt-out list to read: see the module docstring.
        return await self._post(to, message)

    def _send_error(self, error: TwilioRestException) -> SendError:
        if error.code == TWILIO_OUTSIDE_WINDOW:
            return WindowClosed("Twilio says the 24-hour window is closed (63016)")
        return super()._send_error(error)


def create_output(settings: ChannelSettings, store: ChannelStore) -> WhatsAppOutput:
    """A WhatsApp sender for code outside a Rasa turn (agents' replies); raises SendError."""
    return WhatsAppOutput(settings, store, raise_on_failure=True)

"""Facebook Messenger, through the Graph API's Send API: GET|POST /webhooks/messenger/webhook.

Inbound: GET is Meta's subscription handshake (``hub.verify_token`` checked in
constant time, ``hub.challenge`` echoed). Every POST must carry
``X-Hub-Signature-256``, the HMAC-SHA256 of the raw body with the app secret;
only then is the body parsed. Meta batches: one POST holds entries, each
holding messaging events, and every one of them is a delivery, in order.

    message           text (emoji included) goes to the bot; a tapped quick
                      reply sends its payload instead of its title (a
                      survey's, and answers typed to a survey, are taken
                      before the bot: bot.channels.survey_answers); photos,
                      stickers, voice notes, locations... get a polite reply
    postback          a tapped button (persistent menu, Get Started...): its
                      payload goes to the bot as the customer's text
    echo, delivery,   acknowledged and ignored: our own messages, receipts
    read, others

A message is keyed by its ``mid`` (a postback without one by a hash of
sender, time and payload), so Meta's retries never make a second bot turn.
The sender id is the page-scoped id (PSID).

A signed body is still the customer's doing in part, and Meta documents
shapes, not bounds: a body is refused (400) when it is nested deeper than
JSON ever needs or batches more than Meta's 1000 events; an event is skipped
(and logged, without the ids or text) when its sender id is not a whole number
of at most 64 bits, its mid not a string, or its timestamp not a time in
milliseconds between 2000 and 2100.

Every message, postback and attachment opens Meta's 24-hour window: its time
is recorded in the channels' store, where bot.channels.messenger_send reads it.

Outbound (the bot's replies, and agents' through bot.channels.outbound's
:func:`create_output`): bot.channels.messenger_send, the Send API.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, ClassVar

from rasa.core.channels.channel import OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.errors import ChannelDisabled, InvalidSignature, MalformedRequest
from bot.channels.inbox import InboxDelivery, OnNewMessage
from bot.channels.messenger_send import CHANNEL, MessengerOutput
from bot.channels.metrics import MeasuredWebhookChannel
from bot.channels.settings import ChannelSettings
from bot.channels.signatures import meta_signature_valid, secret_token_valid
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.text import MESSENGER_LIMIT
from plumbing.untrusted import UntrustedInput, parse_int, parse_json, parse_timestamp

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
# The subscription handshake's 403: a wrong verify token, or not a subscription.
VERIFICATION_REFUSED = "webhook verification refused"

# The inbox's delivery_id column holds 128 characters; longer ids are hashed.
DELIVERY_ID_LIMIT = 128

# Meta aggregates webhook events "in a batch with a maximum of 1000 updates"
# (Graph API webhooks documentation). A body with more entries, or more
# messaging events in all, is not one Meta sent: refused whole, since taking
# part of it would drop the rest silently.
MAX_BATCH_EVENTS = 1000
# The largest body the webhook reads: a full batch of 2000-character texts,
# each character escaped as \uXXXX (6 bytes), with 1 KB of envelope per event.
# Meta retries a refused delivery for 36 hours and then drops it, so this is
# what Meta may send, not what is usual. The server's SANIC_REQUEST_MAX_SIZE
# (1 MiB by default) refuses a larger body first, unauthenticated; this one
# applies when that is raised.
MAX_BODY_BYTES = 16 * 1024 * 1024

# What customers send that the bot cannot read: the attachment's type, as a
# customer would name it. A sticker arrives as an image with a sticker_id.
ATTACHMENT_NAMES = {
    "image": "the photo",
    "sticker": "the sticker",
    "video": "the video",
    "audio": "the voice message",
    "file": "the file",
    "location": "sharing your location",
}
POLITE_REPLY = (
    "Thanks for {what}! I can only read text messages, though. Please write what you "
    'need, for example "where is my order", or say "agent" to reach a person.'
)


def polite_reply(kind: str) -> str:
    """The answer to input the bot cannot read, e.g. a photo or a voice note."""
    return POLITE_REPLY.format(what=ATTACHMENT_NAMES.get(kind, "your message"))


# -- inbound -----------------------------------------------------------------------


def _delivery_id(raw: str) -> str:
    if len(raw) <= DELIVERY_ID_LIMIT:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def postback_id(sender_id: str, timestamp: int | None, payload: str) -> str:
    """A stable id for a postback without ``mid``: a retry of it hashes the same."""
    digest = hashlib.sha256(f"{sender_id}\n{timestamp}\n{payload}".encode()).hexdigest()
    return f"postback:{digest[:40]}"


def _attachment_kind(message: dict[str, Any]) -> str:
    if message.get("sticker_id"):
        return "sticker"
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        return str(attachments[0].get("type") or "attachment")
    return "attachment"


def page_scoped_id(value: object) -> str | None:
    """A PSID or page id (digits, given as a string or a number) in canonical form; or None."""
    try:
        return str(parse_int(value, name="id", minimum=1))
    except UntrustedInput:
        return None


def event_timestamp(event: dict[str, Any]) -> int | None:
    """The event's time in milliseconds (None if absent); raises UntrustedInput if nonsense."""
    value = event.get("timestamp")
    if value is None:
        return None
    milliseconds = parse_int(value, name="timestamp")
    parse_timestamp(milliseconds / 1000, name="timestamp")
    return milliseconds


def _string(value: object) -> str:
    """A text field Meta documents as a string; anything else counts as absent."""
    return value if isinstance(value, str) else ""


def event_delivery(event: dict[str, Any]) -> InboxDelivery | None:
    """The delivery in one messaging event, or None for an event the bot does not answer.

    Log lines name the event's problem only: ids and text are personal data.
    """
    sender = event.get("sender")
    sender_id = page_scoped_id(sender.get("id")) if isinstance(sender, dict) else None
    if sender_id is None:
        logger.warning("messenger: a messaging event without a valid sender id was ignored")
        return None
    try:
        timestamp = event_timestamp(event)
    except UntrustedInput as error:
        logger.warning("messenger: a messaging event was ignored: %s", error)
        return None
    recipient = event.get("recipient")
    metadata: dict[str, Any] = {}
    page_id = page_scoped_id(recipient.get("id")) if isinstance(recipient, dict) else None
    if page_id is not None:
        metadata["page_id"] = page_id

    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None  # our own message, sent back by Meta
        mid = _string(message.get("mid"))
        if not mid:
            logger.warning("messenger: a message without a valid mid was ignored")
            return None
        quick_reply = message.get("quick_reply")
        payload = _string(quick_reply.get("payload")) if isinstance(quick_reply, dict) else ""
        text = _string(message.get("text"))
        if payload:
            # The title is what the customer saw; the payload is what the bot offered.
            metadata["quick_reply"] = True
            content = {"text": payload, "metadata": metadata}
        elif text.strip():
            # A shared link also carries a "fallback" attachment: the text is what counts.
            content = {"text": text, "metadata": metadata}
        else:
            content = {"kind": _attachment_kind(message), "metadata": metadata}
        return InboxDelivery(_delivery_id(mid), sender_id, content)

    postback = event.get("postback")
    if isinstance(postback, dict):
        payload = _string(postback.get("payload")) or _string(postback.get("title"))
        if not payload:
            return None
        postback_mid = _string(postback.get("mid"))
        delivery_id = postback_mid or postback_id(sender_id, timestamp, payload)
        metadata["postback"] = True
        content = {"text": payload, "metadata": metadata}
        return InboxDelivery(_delivery_id(delivery_id), sender_id, content)

    # delivery and read receipts, reactions, optins, referrals...: nothing to answer.
    return None


def parse_body(body: bytes) -> list[InboxDelivery]:
    """Every delivery in a webhook body, entry after entry, event after event."""
    try:
        data = parse_json(body)
    except UntrustedInput as error:  # not JSON, not UTF-8, nested too deep
        raise MalformedRequest(str(error)) from error
    if not isinstance(data, dict) or data.get("object") != "page":
        raise MalformedRequest('the body is not a "page" notification')
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise MalformedRequest("the body has no entry list")
    if len(entries) > MAX_BATCH_EVENTS:
        raise MalformedRequest(f"more than {MAX_BATCH_EVENTS} entries")
    deliveries: list[InboxDelivery] = []
    events_seen = 0
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedRequest("an entry is not an object")
        # Entries without "messaging" (standby, page feed changes) carry nothing for the bot.
        events = entry.get("messaging", [])
        if not isinstance(events, list):
            raise MalformedRequest("an entry's messaging is not a list")
        events_seen += len(events)
        if events_seen > MAX_BATCH_EVENTS:
            raise MalformedRequest(f"more than {MAX_BATCH_EVENTS} messaging events")
        for event in events:
            if not isinstance(event, dict):
                raise MalformedRequest("a messaging event is not an object")
            delivery = event_delivery(event)
            if delivery is None:
                logger.debug("messenger: event %s ignored", sorted(event))
                continue
            deliveries.append(delivery)
    return deliveries


# -- output ------------------------------------------------------------------------


def create_output(settings: ChannelSettings, store: ChannelStore) -> OutputChannel:
    """An output for sending outside a Rasa turn (bot.channels.outbound); raises SendError.

    Its HTTP client is closed after each send, because outbound.send_to_customer
    creates an output per message and never closes it.
    """
    return MessengerOutput(settings, store, raise_errors=True, one_off=True)


# -- input ---------------------------------------------------------------------------


class MessengerInput(MeasuredWebhookChannel):
    channel_name: ClassVar[str] = CHANNEL
    text_limit: ClassVar[int | None] = MESSENGER_LIMIT
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES
    asks_surveys: ClassVar[bool] = True

    def __init__(self, settings: ChannelSettings, store: ChannelStore | None = None) -> None:
        super().__init__(settings, store)
        # One output (and so one HTTP client) for all of the channel's turns, made on first use.
        self._output: MessengerOutput | None = None

    def missing_settings(self) -> list[str]:
        return self.settings.messenger.missing()

    def authenticate(self, request: Request) -> bool:
        return meta_signature_valid(
            self.settings.messenger.app_secret, request.body, request.headers.get(SIGNATURE_HEADER)
        )

    def parse(self, request: Request) -> list[InboxDelivery]:
        return parse_body(request.body)

    async def process(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        # Every message, postback and attachment opens Meta's 24-hour window.
        await self.store.touch_inbound(CHANNEL, item.sender_id)
        output = self.get_output_channel()
        text = item.message.get("text")
        if text is None:
            await output.send_text_message(
                item.sender_id, polite_reply(str(item.message.get("kind")))
            )
            return
        await on_new_message(self.user_message(item, str(text), output))

    def get_output_channel(self) -> MessengerOutput:
        if self._output is None:
            self._output = MessengerOutput(self.settings, self.store)
        return self._output

    async def close(self) -> None:
        if self._output is not None:
            await self._output.close()

    def extra_routes(self, blueprint: Blueprint) -> None:
        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self.verify(request)

    def verify(self, request: Request) -> HTTPResponse:
        """Meta's handshake when the webhook is subscribed: echo the challenge.

        Meta's contract: ``hub.challenge`` back as the body on success, 403
        otherwise (Meta reads the status only). Each refusal is raised, for the
        blueprint's bot.channels.errors.error_response.
        """
        if not self.enabled:
            raise ChannelDisabled()
        token_ok = secret_token_valid(
            self.settings.messenger.verify_token, request.args.get("hub.verify_token")
        )
        challenge = request.args.get("hub.challenge")
        if request.args.get("hub.mode") == "subscribe" and token_ok and challenge:
            return response.text(challenge)
        logger.warning("messenger: webhook verification refused")
        raise InvalidSignature(VERIFICATION_REFUSED)

"""Facebook Messenger, through the Graph API's Send API: GET|POST /webhooks/messenger/webhook.

Inbound: GET is Meta's subscription handshake (``hub.verify_token`` checked in
constant time, ``hub.challenge`` echoed). Every POST must carry
``X-Hub-Signature-256``, the HMAC-SHA256 of the raw body with the app secret;
only then is the body parsed. Meta batches: one POST holds entries, each
holding messaging events, and every one of them is a delivery, in order.

    message           text (emoji included) goes to the bot; a tapped quick
                      reply sends its payload instead of its title; photos,
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

Outbound: POST {api_base_url}/{api_version}/me/messages with the page access
token. Texts split at 2000 characters on sentence boundaries, buttons as quick
replies under the last part, images as image attachments; every call retried
on 429, 5xx, network errors and Graph's rate-limit codes.

Meta's 24-hour window: a page may answer freely for 24 hours after the
customer's last message (``messaging_type`` RESPONSE). After that only a human
agent may write, for 7 days, with the HUMAN_AGENT tag; the bot is refused here,
before Meta would refuse it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx
from rasa.core.channels.channel import OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import (
    PermanentSendError,
    RetryableSendError,
    SendError,
    retry_after_seconds,
    with_retries,
)
from bot.channels.inbox import Delivery, MalformedRequest, OnNewMessage, WebhookChannel
from bot.channels.logs import hide_in_http_logs
from bot.channels.settings import ChannelSettings
from bot.channels.signatures import meta_signature_valid, secret_token_valid
from bot.channels.store import ChannelStore, InboxItem, utc_now
from bot.channels.text import MESSENGER_LIMIT, split_text
from plumbing.untrusted import UntrustedInput, parse_int, parse_json, parse_timestamp

logger = logging.getLogger(__name__)

CHANNEL = "messenger"
SIGNATURE_HEADER = "X-Hub-Signature-256"

# The Send API's limits on quick replies.
QUICK_REPLIES_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
QUICK_REPLY_PAYLOAD_LIMIT = 1000

# Meta's messaging windows, counted from the customer's last message.
STANDARD_WINDOW = dt.timedelta(hours=24)
HUMAN_AGENT_WINDOW = dt.timedelta(days=7)

# Graph error codes worth retrying: 1 unknown and 2 service errors (transient),
# 4, 17, 32 and 613 rate limits (application, user, page, custom).
RETRYABLE_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 613})

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


def event_delivery(event: dict[str, Any]) -> Delivery | None:
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
        return Delivery(_delivery_id(mid), sender_id, content)

    postback = event.get("postback")
    if isinstance(postback, dict):
        payload = _string(postback.get("payload")) or _string(postback.get("title"))
        if not payload:
            return None
        postback_mid = _string(postback.get("mid"))
        delivery_id = postback_mid or postback_id(sender_id, timestamp, payload)
        metadata["postback"] = True
        content = {"text": payload, "metadata": metadata}
        return Delivery(_delivery_id(delivery_id), sender_id, content)

    # delivery and read receipts, reactions, optins, referrals...: nothing to answer.
    return None


def parse_body(body: bytes) -> list[Delivery]:
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
    deliveries: list[Delivery] = []
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


# -- outbound ----------------------------------------------------------------------


def quick_replies(buttons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa's buttons as Messenger quick replies, within the Send API's limits."""
    if len(buttons) > QUICK_REPLIES_LIMIT:
        logger.warning(
            "messenger: %d buttons, only the first %d are shown",
            len(buttons),
            QUICK_REPLIES_LIMIT,
        )
    replies = []
    for button in buttons[:QUICK_REPLIES_LIMIT]:
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title)
        if not title:
            continue
        if len(title) > QUICK_REPLY_TITLE_LIMIT:
            title = title[: QUICK_REPLY_TITLE_LIMIT - 1].rstrip() + "…"
        replies.append(
            {
                "content_type": "text",
                "title": title,
                "payload": payload[:QUICK_REPLY_PAYLOAD_LIMIT],
            }
        )
    return replies


def text_messages(text: str, buttons: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The Send API ``message`` objects for a text: split, quick replies on the last part."""
    messages: list[dict[str, Any]] = [{"text": part} for part in split_text(text, MESSENGER_LIMIT)]
    replies = quick_replies(buttons)
    if replies and messages:
        messages[-1]["quick_replies"] = replies
    return messages


def image_message(url: str) -> dict[str, Any]:
    return {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}}


def graph_error(response: httpx.Response) -> SendError:
    """A refused Send API call as ours: worth retrying, or not.

    Graph answers errors as {"error": {"message", "type", "code",
    "error_subcode", "is_transient", "fbtrace_id"}}; a proxy in between may
    answer anything, so nothing of it is taken for granted.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    description = (
        f"HTTP {response.status_code}, {error.get('type', 'no Graph error')}"
        f" subcode {error.get('error_subcode')}: {error.get('message', response.reason_phrase)}"
        f" (fbtrace_id {error.get('fbtrace_id')})"
    )
    if (
        response.status_code == 429
        or response.status_code >= 500
        or code in RETRYABLE_GRAPH_CODES
        or error.get("is_transient") is True
    ):
        return RetryableSendError(
            CHANNEL,
            description,
            code,
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After")),
        )
    return PermanentSendError(CHANNEL, description, code)


class MessengerOutput(OutputChannel):
    """Sends the bot's (or an agent's) messages to a customer's PSID.

    ``raise_errors``: raise SendError when a message cannot be delivered
    (outbound.send_to_customer's contract), or log it and carry on (in a Rasa
    turn, where an exception would lose the turn and leave the delivery to be
    processed again at the next start). ``one_off``: close the HTTP client
    after each send, for an output that nobody closes. Failures are logged in
    both cases, once, with Graph's error code and subcode.
    """

    def __init__(
        self,
        settings: ChannelSettings,
        store: ChannelStore,
        *,
        raise_errors: bool = False,
        one_off: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.raise_errors = raise_errors
        self.one_off = one_off
        self._transport = transport  # tests pass httpx.MockTransport
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @property
    def url(self) -> str:
        messenger = self.settings.messenger
        return f"{messenger.api_base_url}/{messenger.api_version}/me/messages"

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running event loop it is bound to.
        if self._client is None:
            hide_in_http_logs(self.settings.messenger.page_access_token)
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout_s), transport=self._transport
            )
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # -- what Rasa (and the handoff service) call ------------------------------------

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # kwargs: the rest of Rasa's message, or human_agent from the handoff service.
        await self._send(recipient_id, text_messages(text), kwargs.get("human_agent") is True)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(
            recipient_id, text_messages(text, buttons), kwargs.get("human_agent") is True
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, [image_message(image)], kwargs.get("human_agent") is True)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        human_agent = kwargs.get("human_agent") is True
        if isinstance(attachment, dict) and "type" in attachment and "payload" in attachment:
            # Already a Send API attachment (a template, a file by URL...).
            await self._send(recipient_id, [{"attachment": attachment}], human_agent)
        else:
            await self._send(recipient_id, text_messages(str(attachment)), human_agent)

    async def send_elements(self, recipient_id: str, elements: Any, **kwargs: Any) -> None:
        template = {"template_type": "generic", "elements": list(elements)}
        await self._send(
            recipient_id,
            [{"attachment": {"type": "template", "payload": template}}],
            kwargs.get("human_agent") is True,
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # A custom response is taken to be a Send API message object; Rasa's
        # default would show the customer raw JSON.
        await self._send(recipient_id, [json_message], kwargs.get("human_agent") is True)

    # -- sending -------------------------------------------------------------------------

    async def _send(
        self, recipient_id: str, messages: list[dict[str, Any]], human_agent: bool
    ) -> None:
        try:
            if messages:
                window = await self._messaging_type(recipient_id, human_agent)
                # Stops at the first part that fails: the rest would arrive out
                # of context, or fail the same way.
                for message in messages:
                    body = {"recipient": {"id": recipient_id}, **window, "message": message}
                    await with_retries(functools.partial(self._post, body))
        except SendError as error:
            logger.error("messenger: message to %s not delivered: %s", recipient_id, error)
            if self.raise_errors:
                raise
        finally:
            if self.one_off:
                await self.close()

    async def _messaging_type(self, recipient_id: str, human_agent: bool) -> dict[str, str]:
        """RESPONSE inside the 24-hour window; the HUMAN_AGENT tag after it, for people only."""
        last = await self.store.last_inbound_at(CHANNEL, recipient_id)
        elapsed = utc_now() - last if last is not None else None
        if elapsed is not None and elapsed < STANDARD_WINDOW:
            return {"messaging_type": "RESPONSE"}
        if not human_agent:
            raise PermanentSendError(
                CHANNEL, "outside the 24-hour window, only a human agent may write"
            )
        if elapsed is not None and elapsed >= HUMAN_AGENT_WINDOW:
            raise PermanentSendError(
                CHANNEL, "the customer last wrote more than 7 days ago (HUMAN_AGENT window)"
            )
        # With no record of the customer's last message, Meta decides.
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}

    async def _post(self, body: dict[str, Any]) -> None:
        try:
            response = await self._http().post(
                self.url,
                params={"access_token": self.settings.messenger.page_access_token},
                json=body,
            )
        except httpx.TransportError as error:
            # Connection failures and timeouts alike. A timeout after Meta got
            # the message makes a retry send it twice: rarer and better than losing it.
            raise RetryableSendError(CHANNEL, f"{type(error).__name__}: {error}") from error
        if response.is_success:
            logger.debug("messenger: sent to %s", body["recipient"]["id"])
            return
        raise graph_error(response)


def create_output(settings: ChannelSettings, store: ChannelStore) -> OutputChannel:
    """An output for sending outside a Rasa turn (bot.channels.outbound); raises SendError.

    Its HTTP client is closed after each send, because outbound.send_to_customer
    creates an output per message and never closes it.
    """
    return MessengerOutput(settings, store, raise_errors=True, one_off=True)


# -- input ---------------------------------------------------------------------------


class MessengerInput(WebhookChannel):
    channel_name: ClassVar[str] = CHANNEL
    text_limit: ClassVar[int | None] = MESSENGER_LIMIT
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES

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

    def parse(self, request: Request) -> list[Delivery]:
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
            """Meta's handshake when the webhook is subscribed: echo the challenge."""
            if not self.enabled:
                return response.json({"error": "channel not configured"}, status=503)
            token_ok = secret_token_valid(
                self.settings.messenger.verify_token, request.args.get("hub.verify_token")
            )
            challenge = request.args.get("hub.challenge")
            if request.args.get("hub.mode") == "subscribe" and token_ok and challenge:
                return response.text(challenge)
            logger.warning("messenger: webhook verification refused")
            return response.text("forbidden", status=403)

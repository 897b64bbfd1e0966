"""SMS and MMS through Twilio Programmable Messaging: POST /webhooks/sms/webhook.

Inbound, Twilio posts a form per message, signed with ``X-Twilio-Signature``
over the public URL it called. What the customer sent decides what happens:

- STOP, START, HELP and their synonyms (the whole message): the opt-out is
  recorded, or the confirmation or help text is sent; none reaches the bot.
  STOP and START also set the slot ``sms_opted_out`` (True, False) in the
  number's conversation, if Rasa has one, for the handoff service; STOP
  drops a satisfaction survey waiting for the number's answer;
- text: a Rasa turn, where "2" stands for the second button of the bot's
  last message (SMS has no buttons, so they were sent as a numbered list),
  unless it answers a survey (bot.channels.survey_answers);
- a photo without text, an emoji, nothing: a polite request for words.

Outbound, messages go through Twilio's REST API with its (synchronous) SDK in
a worker thread, split at 1600 characters, retried on 429 and 5xx, and
never to a number that opted out.

WhatsApp (bot.channels.whatsapp) is the same webhook and Messages API: its
classes extend these, which is why they log and raise with ``name()``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import requests
from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import BotUttered, SlotSet
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from bot.channels.conversations import append_events
from bot.channels.delivery import (
    PermanentSendError,
    RetryableSendError,
    SendError,
    retry_after_seconds,
    with_retries,
)
from bot.channels.errors import MalformedRequest
from bot.channels.inbox import InboxDelivery, OnNewMessage
from bot.channels.metrics import MeasuredWebhookChannel
from bot.channels.settings import ChannelSettings
from bot.channels.signatures import twilio_signature_valid
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.survey_store import SurveyStore
from bot.channels.text import SMS_LIMIT, chosen_button, numbered_buttons, split_text
from plumbing.phones import E164
from plumbing.untrusted import UntrustedInput, parse_int

logger = logging.getLogger(__name__)

CHANNEL = "sms"

# Twilio's opt-out keywords; the whole message, in any case. Twilio itself
# confirms a STOP (and blocks what we send afterwards), so we only record it.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
# The slot (domain.yml) that tells the conversation's readers about STOP and START.
OPTED_OUT_SLOT = "sms_opted_out"

OPT_IN_REPLY = (
    "You're subscribed to Northwind support messages again. Reply HELP for help, STOP to opt out."
)
NON_TEXT_REPLY = (
    "Thanks! I can only read words, so I couldn't understand what you sent. "
    'Please tell me in a few words what you need, e.g. "where is my order".'
)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

# Twilio's error "Attempt to send to unsubscribed recipient".
TWILIO_UNSUBSCRIBED = 21610
# Twilio's form has some 30 fields, plus 2 per media item.
MAX_FORM_FIELDS = 100
# Twilio attaches at most 10 media to an MMS; NumMedia is only read up to that.
MAX_MEDIA = 10
# The inbox's delivery_id column holds 128 characters (a MessageSid has 34).
MESSAGE_SID_LIMIT = 128
# Phone numbers in Twilio's error messages ("The 'To' number +1555... is not...").
_PHONE_NUMBER = re.compile(r"\+?\d{7,15}")
# A list as long as any numbered reply can be: whether a reply is a number at all.
_ANY_BUTTONS: list[dict[str, Any]] = [{}] * 99

# What ``parse`` found in a message, in the inbox item's "kind".
TEXT = "text"
OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"
NON_TEXT = "non_text"


def mask_phone_number(number: str) -> str:
    """Enough of a number to tell log lines apart, not enough to identify anyone."""
    return f"***{number[-2:]}" if len(number) > 4 else "***"


def _redact(message: str) -> str:
    return _PHONE_NUMBER.sub(lambda m: mask_phone_number(m.group(0)), message)


def classify(body: str) -> str:
    """What an inbound message is: a keyword, text for the bot, or something else."""
    keyword = body.strip().rstrip(".!").strip().upper()
    if keyword in OPT_OUT_KEYWORDS:
        return OPT_OUT
    if keyword in OPT_IN_KEYWORDS:
        return OPT_IN
    if keyword in HELP_KEYWORDS:
        return HELP
    # Emoji alone go to the bot too: "👍" answers "shall I cancel it?", and
    # the NLU asks to rephrase what it cannot read. A photo with a caption
    # goes as its caption (the media URLs in metadata); without one, and
    # with no text at all, there is nothing for the bot to read.
    return TEXT if body.strip() else NON_TEXT


def parse_twilio_form(params: Mapping[str, str]) -> InboxDelivery:
    """One inbound message from Twilio's webhook form; raises MalformedRequest."""
    message_sid = params.get("MessageSid", "")
    sender = params.get("From", "")
    if not message_sid:
        raise MalformedRequest("no MessageSid")
    if len(message_sid) > MESSAGE_SID_LIMIT:
        raise MalformedRequest(f"MessageSid is longer than {MESSAGE_SID_LIMIT} characters")
    if not E164.fullmatch(sender):
        raise MalformedRequest("From is not an E.164 phone number")
    try:
        num_media = parse_int(params.get("NumMedia") or "0", name="NumMedia")
    except UntrustedInput as error:
        raise MalformedRequest(str(error)) from None
    body = params.get("Body", "")
    kind = classify(body)
    message: dict[str, Any] = {"kind": kind}
    if kind == TEXT:
        message["text"] = body.strip()
    media = [
        {"url": params[f"MediaUrl{i}"], "content_type": params.get(f"MediaContentType{i}", "")}
        for i in range(min(num_media, MAX_MEDIA))
        if params.get(f"MediaUrl{i}")
    ]
    if media:
        message["metadata"] = {"media": media}
    return InboxDelivery(delivery_id=message_sid, sender_id=sender, message=message)


class OptedOut(PermanentSendError):
    """Not sent: our own records say the number opted out (Twilio's code for it)."""


class _HeaderKeepingHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, remembering each thread's last response headers.

    twilio 8.2.2 turns an error response into a TwilioRestException with the
    status, Twilio's error code and message, but drops the headers, so a 429's
    Retry-After would be lost. The base class does keep the last response, in
    ``_test_only_last_response``: private, meant for tests, and one attribute
    shared by every worker thread sending at the same time. Here it is kept
    per thread, so the thread that got the exception reads its own response.
    """

    def __init__(self, timeout_s: float) -> None:
        super().__init__(timeout=timeout_s)
        self._local = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> TwilioResponse:
        self._local.headers = {}
        reply: TwilioResponse = super().request(*args, **kwargs)
        self._local.headers = reply.headers or {}
        return reply

    def last_headers(self) -> Mapping[str, str]:
        headers: Mapping[str, str] = getattr(self._local, "headers", {})
        return headers

    # The base class logs ~10 INFO lines per request; one DEBUG line is enough.
    def log_request(self, kwargs: dict[str, Any]) -> None:
        logger.debug("twilio: %s %s", kwargs["method"], kwargs["url"])

    def log_response(self, status_code: int, response: Any) -> None:
        logger.debug("twilio: status %d", status_code)


class SmsOutput(OutputChannel):
    """Sends through Twilio's Messages API; what the bot and agents say reaches phones here.

    A message is the SDK's fields but To and From (``{"body": ...}``), added by _fields.
    """

    # Twilio's 21610 (unsubscribed) is recorded as an SMS opt-out.
    records_opt_outs: ClassVar[bool] = True

    def __init__(
        self, settings: ChannelSettings, store: ChannelStore, *, raise_on_failure: bool = True
    ) -> None:
        self._twilio = settings.twilio
        self._sender = settings.twilio.from_number  # a number, or a messaging service
        self._store = store
        # Bot replies log failures and carry on (the webhook's turn must not
        # crash, nor be processed again and answered twice); agents' sends
        # raise, so the agent learns their message did not arrive.
        self._raise_on_failure = raise_on_failure
        self._http = _HeaderKeepingHttpClient(settings.timeout_s)
        self._client = Client(
            settings.twilio.account_sid, settings.twilio.auth_token, http_client=self._http
        )
        # The Api domain holds the host every Messages URL is built on;
        # TWILIO_API_BASE_URL points it at a fake API in tests or at a proxy.
        self._client.api.base_url = settings.twilio.api_base_url

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def close(self) -> None:
        if self._http.session is not None:
            self._http.session.close()

    # -- what Rasa calls -------------------------------------------------------------

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # kwargs: Rasa's other response keys, and human_agent from an agent's
        # send, which means nothing on SMS (no messaging window).
        await self._deliver(recipient_id, [{"body": part} for part in split_text(text, SMS_LIMIT)])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, numbered_buttons(text, buttons), **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, [{"media_url": [image]}])

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # Rasa's default would text the customer raw JSON.
        logger.warning("%s: custom payloads cannot be sent; dropped one", self.name())

    # -- sending -----------------------------------------------------------------------

    async def _deliver(self, to: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """Send messages in order; stop at the first that fails."""
        for message in messages:
            try:
                await self._send(to, message)
            except SendError as error:
                opted_out = error.code == TWILIO_UNSUBSCRIBED
                if opted_out and self.records_opt_outs and not isinstance(error, OptedOut):
                    # Twilio knew of an opt-out we did not (e.g. one made
                    # before this bot existed): remember it.
                    await self._store.opt_out(to)
                if self._raise_on_failure:
                    raise
                who = mask_phone_number(to)
                if opted_out:
                    logger.info("%s: not sent to %s, who opted out", self.name(), who)
                else:
                    logger.error("%s: message to %s not delivered: %s", self.name(), who, error)
                return

    async def _send(self, to: str, message: Mapping[str, Any]) -> str:
        # Checked before every message, so that a STOP received while a long
        # answer is being sent stops the rest of it too.
        if await self._store.is_opted_out(to):
            raise OptedOut(CHANNEL, "the recipient opted out", TWILIO_UNSUBSCRIBED)
        return await self._post(to, message)

    async def _post(self, to: str, message: Mapping[str, Any]) -> str:
        """One message sent, with retries; its SID."""
        fields = self._fields(to, message)
        return await with_retries(lambda: asyncio.to_thread(self._create, fields))

    def _fields(self, to: str, message: Mapping[str, Any]) -> dict[str, Any]:
        """The SDK's fields for ``message``: To, and From or the messaging service."""
        fields: dict[str, Any] = {"to": to, **message}
        sender = self._sender
        if sender.startswith("MG"):
            fields["messaging_service_sid"] = sender
        else:
            fields["from_"] = sender
        return fields

    def _create(self, fields: dict[str, Any]) -> str:
        """POST one message (in a worker thread: the SDK blocks); its SID."""
        channel = self.name()
        try:
            message = self._client.messages.create(**fields)
        except TwilioRestException as error:
            raise self._send_error(error) from error
        except requests.ConnectionError as error:
            # Includes ConnectTimeout: the request never reached Twilio.
            raise RetryableSendError(
                channel, f"cannot reach Twilio: {type(error).__name__}"
            ) from error
        except requests.Timeout as error:
            # Read timeout: Twilio may have queued the message already, and
            # Messages have no idempotency key, so a retry could send it twice.
            raise PermanentSendError(channel, "Twilio did not answer in time") from error
        except TwilioException as error:
            raise PermanentSendError(channel, _redact(str(error))) from error
        logger.debug("%s: sent %s", channel, message.sid)
        return str(message.sid)

    def _send_error(self, error: TwilioRestException) -> SendError:
        status = int(error.status)
        message = _redact(str(error.msg))
        if status == 429 or status >= 500:
            retry_after = retry_after_seconds(self._http.last_headers().get("Retry-After"))
            return RetryableSendError(self.name(), message, error.code, retry_after)
        return PermanentSendError(self.name(), message, error.code)


def create_output(settings: ChannelSettings, store: ChannelStore) -> OutputChannel:
    """An SMS sender for code outside a Rasa turn (agents' replies); raises SendError."""
    return SmsOutput(settings, store, raise_on_failure=True)


class SmsInput(MeasuredWebhookChannel):
    channel_name: ClassVar[str] = CHANNEL
    text_limit: ClassVar[int | None] = SMS_LIMIT
    asks_surveys: ClassVar[bool] = True
    parse_form = staticmethod(parse_twilio_form)  # WhatsApp's reads its own addresses

    def __init__(self, settings: ChannelSettings, store: ChannelStore | None = None) -> None:
        super().__init__(settings, store)
        self._output: SmsOutput | None = None
        self._warned_no_public_url = False

    def missing_settings(self) -> list[str]:
        return self.settings.twilio.missing()

    # -- inbound -----------------------------------------------------------------------

    def authenticate(self, request: Request) -> bool:
        params = _form(request)
        if params is None:
            return False  # not a form Twilio could have signed
        if not twilio_signature_valid(
            self.settings.twilio.auth_token,
            self._signed_url(request),
            params,
            request.headers.get("X-Twilio-Signature"),
        ):
            logger.debug("%s: request with a missing or wrong signature", self.channel_name)
            return False
        account_sid = params.get("AccountSid")
        # Signed with our token but for another account (a subaccount sharing
        # it): not a message for this bot. A missing one is a malformed body.
        if account_sid is not None and not hmac.compare_digest(
            account_sid.encode(), self.settings.twilio.account_sid.encode()
        ):
            logger.warning(
                "%s: signed request for another Twilio account refused", self.channel_name
            )
            return False
        return True

    def _signed_url(self, request: Request) -> str:
        """The URL Twilio called, which it signed: the public one behind a proxy."""
        public_url = self.settings.public_url
        if public_url:
            url = public_url + request.path
            return f"{url}?{request.query_string}" if request.query_string else url
        if not self._warned_no_public_url:
            self._warned_no_public_url = True
            logger.warning(
                "%s: PUBLIC_URL is not set; checking Twilio signatures against the URL this "
                "server sees, which fails behind a reverse proxy: set PUBLIC_URL there",
                self.channel_name,
            )
        return str(request.url)

    def parse(self, request: Request) -> list[InboxDelivery]:
        params = _form(request)
        if params is None:  # authenticate() refuses these first
            raise MalformedRequest("not a form")
        if not params.get("AccountSid"):
            raise MalformedRequest("no AccountSid")
        return [self.parse_form(params)]

    def acknowledge(self, request: Request) -> HTTPResponse:
        # Empty TwiML: Twilio sends nothing itself; replies go through the API.
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def accept(self, deliveries: list[InboxDelivery], on_new_message: OnNewMessage) -> None:
        # Opt-outs take effect when the STOP arrives, before it is acknowledged,
        # not when its turn in the sender's queue comes: replies still being
        # sent to earlier messages must stop too. START is applied here as
        # well so that the two keep the order they arrived in. (Applying them
        # again for a platform retry is harmless: it sets the same state.)
        for delivery in deliveries:
            kind = delivery.message.get("kind")
            if kind == OPT_OUT:
                await self.store.opt_out(delivery.sender_id)
                logger.info("sms: %s opted out", mask_phone_number(delivery.sender_id))
            elif kind == OPT_IN:
                await self.store.opt_in(delivery.sender_id)
                logger.info("sms: %s opted back in", mask_phone_number(delivery.sender_id))
        await super().accept(deliveries, on_new_message)

    async def process(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        kind = item.message.get("kind", TEXT)
        output = self.get_output_channel()
        if kind == TEXT:
            text = await self._button_payload(item.sender_id, str(item.message["text"]))
            await on_new_message(self.user_message(item, text, output))
        elif kind == OPT_OUT:
            # Recorded in accept(); Twilio sends the confirmation. A survey
            # waiting for an answer is dropped: its thanks could not be sent.
            await SurveyStore(self.store).clear(CHANNEL, item.sender_id)
            await self._record_opt_out(item.sender_id, True)
        elif kind == OPT_IN:
            await self._record_opt_out(item.sender_id, False)
            await output.send_text_message(item.sender_id, OPT_IN_REPLY)
        elif kind == HELP:
            await output.send_text_message(item.sender_id, self.settings.twilio.help_text)
        else:
            logger.debug("sms: %s input answered with a request for words", kind)
            await output.send_text_message(item.sender_id, NON_TEXT_REPLY)

    async def _record_opt_out(self, sender_id: str, opted_out: bool) -> None:
        """``sms_opted_out`` set in the number's conversation, if Rasa has one (the
        handoff service reads it from the event broker); raises if the store fails,
        so that the inbox tries again."""
        event = SlotSet(OPTED_OUT_SLOT, opted_out)
        if await append_events(self._app, sender_id, [event], only_if_exists=True):
            logger.debug("sms: opt-out state %s added to the conversation", opted_out)

    async def _button_payload(self, sender_id: str, text: str) -> str:
        """``text``, or the payload of the button it picks from the bot's last message."""
        if chosen_button(text, _ANY_BUTTONS) is None:
            return text  # not a number: no need to read the tracker
        button = chosen_button(text, await self._last_buttons(sender_id))
        if button is None or not button.get("payload"):
            return text
        logger.debug("sms: reply %r picks button %r", text, button.get("title"))
        return str(button["payload"])

    async def _last_buttons(self, sender_id: str) -> list[dict[str, Any]]:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return []
        for event in reversed(tracker.events):
            if isinstance(event, BotUttered):
                return list(event.data.get("buttons") or [])
        return []

    # -- outbound ----------------------------------------------------------------------

    def get_output_channel(self) -> SmsOutput:
        if self._output is None:
            self._output = SmsOutput(self.settings, self.store, raise_on_failure=False)
        return self._output

    async def close(self) -> None:
        if self._output is not None:
            self._output.close()


def _form(request: Request) -> dict[str, str] | None:
    """The POST form, blank values kept (Twilio signs an empty Body too); None if not one.

    Parsed here rather than with ``request.form``, which drops blank values
    and would make the signature of a photo without text fail.
    """
    cached: dict[str, str] | None = getattr(request.ctx, "twilio_form", None)
    if cached is not None:
        return cached
    try:
        pairs = parse_qsl(
            request.body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        return None
    request.ctx.twilio_form = dict(pairs)
    return dict(pairs)

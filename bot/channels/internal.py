"""The Rasa server's internal routes for reaching a customer: ``POST /internal/deliveries``
and ``POST /internal/surveys``; and ``POST /internal/privacy``, for a customer's data.

The handoff service sends agents' replies (and its "still in the queue"
notices) through this route, so that it holds none of the channels' secrets
and never writes channels.db: the Rasa server owns Twilio's, Telegram's and
Meta's credentials and the channels' store, and sends with the same output
channels, splitting, retries and SMS opt-out checks as the bot's own replies
(bot.channels.outbound.send_to_customer). The two processes share one
secret, ``HANDOFF_DELIVERY_TOKEN``::

    POST /internal/deliveries
    Authorization: Bearer $HANDOFF_DELIVERY_TOKEN
    {"channel": "sms", "recipient_id": "+14155550101", "text": "...", "human_agent": true}

Checked in this order, each answer JSON, ``{"error", "detail"}`` but the first::

    200  {"status": "sent"}
    401  unauthorized        no bearer token, the wrong one, or no HANDOFF_DELIVERY_TOKEN
                             here (then the route refuses everything, and says so in the log)
    413  too_large           a body over MAX_BODY_BYTES
    400  invalid_request     not a JSON object; a field missing, of the wrong type, empty
                             or too long (text: MAX_TEXT_CHARS); a field we do not know
    422  unknown_channel     no channel of that name on this server that can push a message
                             (the REST channel cannot: it only answers requests)
    422  channel_disabled    the channel's settings are missing on this server
    409  refused             refused for good, so a retry cannot help: an SMS opt-out, a
                             Telegram user who blocked the bot, Messenger's window closed,
                             a platform that did not answer in time (the message may have
                             arrived); ``code`` is the platform's error code, if any
    502  channel_failed      the platform's API kept failing through the channel's own
                             retries (bot.channels.delivery)
    500  internal_error      anything else went wrong (the log says what, with the traceback)

Every answer with ``error`` is the route's own, and final: the handoff
service does not send the same message again (part of it may have gone).

Exceptions, each answered by :func:`delivery_error_response`, the one handler
the route's blueprint registers (the route's own refusals carry their status
and kind; what sending raises is mapped in ``SEND_ERROR_ANSWERS``)::

    ChannelError (bot.channels.errors)
    ├── DeliveryRefused               the route's own refusals
    │   ├── Unauthorized              401  unauthorized
    │   ├── DeliveryTooLarge          413  too_large
    │   ├── InvalidDelivery           400  invalid_request
    │   ├── NoSuchChannel             422  unknown_channel
    │   ├── DeliveryChannelDisabled   422  channel_disabled
    │   └── SurveyRefused             409  refused, with its reason (surveys only)
    ├── UnknownChannel                422  unknown_channel (bot.channels.outbound: a
    │                                      channel Rasa loaded that has no sender)
    └── SendError                     502  channel_failed (bot.channels.delivery)
        └── PermanentSendError        409  refused
    anything else                     500  internal_error, logged with its traceback

Sanic's own HTTP errors (a chunked body over ``SANIC_REQUEST_MAX_SIZE``...)
keep Sanic's answer, as on any route.

``human_agent`` (default false) marks a person's message: Messenger then
tags one sent after its 24-hour window with HUMAN_AGENT.

``POST /internal/surveys`` asks a customer for a satisfaction score
(bot.channels.surveys), with the same token, size cap, checks and answers::

    {"survey_id": "<1..64 of [A-Za-z0-9_-]>",
     "channel": "sms"|"telegram"|"messenger"|"whatsapp",
     "recipient_id": "...", "conversation_id": "<Rasa sender id>", "kind": "handoff"|"bot"}

    200  {"status": "asked"}   asked now, or asked before under that survey_id (a retry:
                               nothing is sent again)
    409  refused               ``{"error": "refused", "detail", "reason"}``, ``reason`` one of
                               ``opted_out`` (SMS), ``window_closed`` (Messenger, WhatsApp
                               without a ``survey`` template: no message from the customer in
                               24 hours; no HUMAN_AGENT tag), ``refused`` (the platform refused
                               for good, e.g. a blocked Telegram bot; ``code`` then too)

and 401, 413, 400 (also for a field not listed, a survey_id or kind not as
shown), 422, 502 and 500 as above: ``SurveyRefused``, a DeliveryRefused,
is the 409.

``POST /internal/privacy`` (same token; bodies up to MAX_PRIVACY_BODY_BYTES)
is this server's share of a customer's export or erasure, asked by the
handoff service's admin route: the tracker store, the event broker and the
channels' store, read and erased here (bot.privacy), in
plumbing.privacy.owners' request and answers (400, 409 refused with
``reasons``).

The route is an input channel named in credentials.yml, which is how Rasa
lets a package add routes to its Sanic app; :meth:`DeliveryRoute.url_prefix`
puts it at ``/internal/`` rather than under ``/webhooks/``, so a proxy that
passes only ``/webhooks/<channel>/`` on to the internet keeps it private. It
sends through the channels Rasa loaded (``app.ctx.input_channels``), with
their own settings and store: a channel missing from credentials.yml, or
disabled for want of its settings, is refused here too.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.channels.delivery import PermanentSendError, SendError
from bot.channels.errors import ChannelError
from bot.channels.inbox import OnNewMessage, WebhookChannel
from bot.channels.outbound import UnknownChannel, send_to_customer
from bot.channels.store import ChannelStore
from bot.channels.surveys import (
    CHANNELS as SURVEY_CHANNELS,
)
from bot.channels.surveys import (
    InvalidSurveyRequest,
    SurveyNotAsked,
    SurveyRequest,
    ask_survey,
)
from bot.privacy import local_stores
from plumbing.privacy.owners import answer as privacy_answer
from plumbing.settings import read_env, setting
from plumbing.untrusted import UntrustedInput, header_bytes, parse_object

logger = logging.getLogger(__name__)

NAME = "internal"
URL_PREFIX = "/internal"
TOKEN_VARIABLE = "HANDOFF_DELIVERY_TOKEN"
# As ACTIONS_TOKEN: a token goes into an HTTP header, printable ASCII without spaces.
MIN_TOKEN_LENGTH = 16
TOKEN_PATTERN = re.compile(r"[!-~]+")
BEARER = b"bearer "
# An agent's reply is at most 10,000 characters (handoff.bodies.MAX_TEXT_LENGTH);
# a pickup notice is a sentence.
MAX_TEXT_CHARS = 10_000
# 10,000 characters as JSON escapes at worst: 12 bytes for a character beyond
# the BMP ("\ud83d\ude00", as httpx's json= writes it), plus the other fields.
MAX_BODY_BYTES = 128 * 1024
# POST /internal/privacy: a customer's identifiers (plumbing.privacy.subject's
# MAX_IDENTIFIERS of them at most, each with how it was found).
MAX_PRIVACY_BODY_BYTES = 1024 * 1024
# The handoff service's id columns hold 255 characters; a phone number, a
# Telegram chat id or a page-scoped id is far shorter.
RECIPIENT_LIMIT = 255
CHANNEL_NAME_LIMIT = 64
FIELDS = frozenset({"channel", "recipient_id", "text", "human_agent"})
BODY_SHAPE = (
    'the body must be a JSON object: {"channel": "...", "recipient_id": "...", '
    '"text": "...", "human_agent": false}'
)
INTERNAL_ERROR_DETAIL = "the send failed; see the Rasa server's log"
# Control characters (and lone surrogates) have no place in an id.
_NOT_PRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


# -- the route's answers -------------------------------------------------------------


class DeliveryRefused(ChannelError):
    """A request the route refuses itself: ``{"error": kind, "detail": str(self)}``.

    The detail is for the handoff service's log and its agent: it never names
    a recipient or quotes the token.
    """

    http_status: ClassVar[int] = 400
    kind: ClassVar[str] = "invalid_request"

    @property
    def public_message(self) -> str:
        return str(self)

    @property
    def extra(self) -> dict[str, Any]:
        """Fields of the answer besides ``error`` and ``detail``."""
        return {}


class Unauthorized(DeliveryRefused):
    http_status: ClassVar[int] = 401
    kind: ClassVar[str] = "unauthorized"

    def __init__(self) -> None:
        super().__init__(f"a bearer token ({TOKEN_VARIABLE}) is needed")


class DeliveryTooLarge(DeliveryRefused):
    http_status: ClassVar[int] = 413
    kind: ClassVar[str] = "too_large"

    def __init__(self, limit: int = MAX_BODY_BYTES) -> None:
        super().__init__(f"the body is larger than {limit} bytes")


class InvalidDelivery(DeliveryRefused):
    """Not a JSON object of the documented fields; the message says what is wrong."""

    http_status: ClassVar[int] = 400
    kind: ClassVar[str] = "invalid_request"


class NoSuchChannel(DeliveryRefused):
    """No channel of that name loaded here that can push a message."""

    http_status: ClassVar[int] = 422
    kind: ClassVar[str] = "unknown_channel"

    def __init__(self, channel: str) -> None:
        super().__init__(f"this server cannot send on channel {channel!r}")


class DeliveryChannelDisabled(DeliveryRefused):
    http_status: ClassVar[int] = 422
    kind: ClassVar[str] = "channel_disabled"

    def __init__(self, channel: str, missing: list[str]) -> None:
        super().__init__(
            f"the {channel} channel is disabled on this server: its settings "
            f"are missing ({', '.join(missing)})"
        )


class SurveyRefused(DeliveryRefused):
    """A customer who must not be asked (bot.channels.surveys.SurveyNotAsked): 409 and why."""

    http_status: ClassVar[int] = 409
    kind: ClassVar[str] = "refused"

    def __init__(self, reason: str, detail: str, code: str | int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.code = code

    @property
    def extra(self) -> dict[str, Any]:
        code = {"code": self.code} if self.code is not None else {}
        return {"reason": self.reason, **code}


# What sending raises, answered as (status, kind, log level): the first class
# that matches, so a subclass comes before its base.
SEND_ERROR_ANSWERS: tuple[tuple[type[ChannelError], int, str, int], ...] = (
    # Loaded, but with no sender in bot.channels.outbound: as NoSuchChannel.
    (UnknownChannel, 422, NoSuchChannel.kind, logging.ERROR),
    # Refused for good: an opt-out, a blocked bot, Messenger's window closed...
    (PermanentSendError, 409, "refused", logging.WARNING),
    # The platform kept failing through the channel's own retries.
    (SendError, 502, "channel_failed", logging.ERROR),
)


def answer(status: int, kind: str, detail: str, **extra: Any) -> HTTPResponse:
    """``{"error": kind, "detail": detail, **extra}`` with ``status``."""
    return json_response({"error": kind, "detail": detail, **extra}, status=status)


def delivery_error_response(request: Request, error: Exception) -> HTTPResponse:
    """The route's answer to whatever its handler raised (the module docstring's tree).

    Registered on the route's blueprint for every exception: answered here
    rather than by Sanic's 500, an unexpected error still tells the handoff
    service that the route answered, so it does not send again (part of the
    message may have gone).
    """
    if isinstance(error, DeliveryRefused):
        if isinstance(error, SurveyRefused):
            logger.info("survey on %s not asked: %s", _channel_of(request), error.reason)
        return answer(error.http_status, error.kind, error.public_message, **error.extra)
    if isinstance(error, SanicException):
        # Sanic's own HTTP errors, answered as on every route.
        response: HTTPResponse = request.app.error_handler.default(request, error)
        return response
    channel = _channel_of(request)
    for error_class, status, kind, level in SEND_ERROR_ANSWERS:
        if isinstance(error, error_class):
            # The channels' errors name no recipient (SMS masks phone numbers).
            logger.log(level, "delivery on %s: %s %s: %s", channel, status, kind, error)
            code = {"code": error.code} if isinstance(error, SendError) else {}
            return answer(status, kind, str(error), **code)
    logger.error("delivery on %s failed unexpectedly", channel, exc_info=error)
    return answer(500, "internal_error", INTERNAL_ERROR_DETAIL)


def _channel_of(request: Request) -> str:
    return str(getattr(request.ctx, "delivery_channel", "?"))


# -- the request -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRouteSettings:
    """``HANDOFF_DELIVERY_TOKEN``: the secret the handoff service sends; none: refuse all."""

    token: str = setting("", env=TOKEN_VARIABLE, secret=True)  # never in logs

    def __post_init__(self) -> None:
        if not self.token:
            return
        # The messages never quote the token.
        if not TOKEN_PATTERN.fullmatch(self.token):
            raise ValueError(
                f"{TOKEN_VARIABLE} must be printable ASCII without spaces "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if len(self.token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"{TOKEN_VARIABLE} must be at least {MIN_TOKEN_LENGTH} characters")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DeliveryRouteSettings:
        return read_env(cls, environ, prefix="")


@dataclass(frozen=True)
class DeliveryRequest:
    """What the handoff service asks to send."""

    channel: str
    recipient_id: str
    text: str
    human_agent: bool = False

    @classmethod
    def parse(cls, body: bytes) -> DeliveryRequest:
        """The request in ``body``; raises InvalidDelivery with a message for the client."""
        try:
            data = parse_object(body, FIELDS, BODY_SHAPE)
        except UntrustedInput as error:  # not a JSON object of those fields
            raise InvalidDelivery(str(error)) from None
        human_agent = data.get("human_agent", False)
        if not isinstance(human_agent, bool):
            raise InvalidDelivery("human_agent must be true or false")
        return cls(
            channel=_text(data, "channel", CHANNEL_NAME_LIMIT, printable=True),
            recipient_id=_text(data, "recipient_id", RECIPIENT_LIMIT, printable=True),
            text=_text(data, "text", MAX_TEXT_CHARS),
            human_agent=human_agent,
        )


def _text(data: Mapping[str, Any], name: str, limit: int, *, printable: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise InvalidDelivery(f"{name} must be a string; {BODY_SHAPE}")
    if not value.strip():
        raise InvalidDelivery(f"{name} must not be empty")
    if len(value) > limit:
        raise InvalidDelivery(f"{name} is longer than {limit} characters")
    if printable and _NOT_PRINTABLE.search(value):
        raise InvalidDelivery(f"{name} must not contain control characters")
    return value


# -- the route -------------------------------------------------------------------------


class DeliveryRoute(InputChannel):
    """``POST /internal/deliveries`` and ``/internal/surveys`` on Rasa's Sanic app.

    An input channel only in form: no customer writes here, and Rasa never
    runs a turn for it.
    """

    def __init__(self, settings: DeliveryRouteSettings) -> None:
        self.settings = settings
        if not settings.token:
            logger.warning(
                "%s is not set: POST %s/deliveries and /surveys refuse every request, so "
                "agents' replies cannot reach customers (give both the Rasa server and the "
                "handoff service the same value)",
                TOKEN_VARIABLE,
                URL_PREFIX,
            )

    @classmethod
    def name(cls) -> str:
        return NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> DeliveryRoute:
        # credentials.yml only names the route; the token comes from the environment.
        return cls(DeliveryRouteSettings.from_env())

    def url_prefix(self) -> str:
        # Rasa joins this to "/webhooks/" with urljoin: an absolute path replaces it.
        return URL_PREFIX

    def authorized(self, request: Request) -> bool:
        """A bearer token equal to ours, compared in constant time; never with none set."""
        expected = self.settings.token
        header = header_bytes(request.headers.get("Authorization"))
        if not expected or header is None or header[: len(BEARER)].lower() != BEARER:
            return False
        return hmac.compare_digest(header[len(BEARER) :].strip(), expected.encode())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint("internal_deliveries")

        @blueprint.route("/deliveries", methods=["POST"])
        async def deliveries(request: Request) -> HTTPResponse:
            return await self.deliver(request)

        @blueprint.route("/surveys", methods=["POST"])
        async def surveys(request: Request) -> HTTPResponse:
            return await self.ask(request)

        @blueprint.route("/privacy", methods=["POST"])
        async def privacy(request: Request) -> HTTPResponse:
            return await self.privacy(request)

        # Every error under the route, ours or not, is answered in one place.
        blueprint.exception(Exception)(delivery_error_response)
        return blueprint

    async def deliver(self, request: Request) -> HTTPResponse:
        """Send what the request asks; anything else raises, for delivery_error_response."""
        self.admit(request)
        delivery = DeliveryRequest.parse(request.body)
        channel, store = await self.channel(request, delivery.channel)
        await send_to_customer(
            delivery.channel,
            delivery.recipient_id,
            delivery.text,
            settings=channel.settings,
            store=store,
            human_agent=delivery.human_agent,
        )
        logger.debug("delivery on %s sent", delivery.channel)
        return json_response({"status": "sent"})

    async def ask(self, request: Request) -> HTTPResponse:
        """Ask the survey the request asks for (bot.channels.surveys); errors raise, as above."""
        self.admit(request)
        try:
            survey = SurveyRequest.parse(request.body)
        except InvalidSurveyRequest as error:
            raise InvalidDelivery(str(error)) from None
        if survey.channel not in SURVEY_CHANNELS:
            raise NoSuchChannel(survey.channel)
        channel, store = await self.channel(request, survey.channel)
        try:
            await ask_survey(survey, settings=channel.settings, store=store, app=request.app)
        except SurveyNotAsked as refusal:
            raise SurveyRefused(refusal.reason, str(refusal), refusal.code) from refusal
        return json_response({"status": "asked"})

    async def privacy(self, request: Request) -> HTTPResponse:
        """This server's stores' share of a customer's export or erasure (bot.privacy)."""
        self.admit(request, MAX_PRIVACY_BODY_BYTES)
        # The environment, as the server read it at start: the same stores it writes.
        stores = local_stores(os.environ)
        status, answer = await privacy_answer(stores, request.body)
        return json_response(answer, status=status)

    def admit(self, request: Request, limit: int = MAX_BODY_BYTES) -> None:
        """The token, then the size: raises Unauthorized or DeliveryTooLarge."""
        if not self.authorized(request):
            # The request's address only: never the header.
            logger.warning("refused a request without the right token from %s", request.ip)
            raise Unauthorized()
        if len(request.body) > limit:
            raise DeliveryTooLarge(limit)

    async def channel(self, request: Request, name: str) -> tuple[WebhookChannel, ChannelStore]:
        """The loaded, enabled channel ``name`` and its store; raises NoSuchChannel or
        DeliveryChannelDisabled."""
        request.ctx.delivery_channel = name  # for the error handler's log
        channel = _loaded_channel(request.app, name)
        if channel is None:
            raise NoSuchChannel(name)
        if not channel.enabled:
            raise DeliveryChannelDisabled(name, channel.missing_settings())
        # Created on first use, when the channel's start-up did not: its tables
        # are made then, off the event loop.
        store = await asyncio.to_thread(lambda: channel.store)
        return channel, store


def _loaded_channel(app: Any, name: str) -> WebhookChannel | None:
    """Of the channels Rasa loaded (credentials.yml), the one named ``name`` that can push."""
    channels = getattr(app.ctx, "input_channels", None) or []
    for channel in channels:
        if isinstance(channel, WebhookChannel) and channel.name() == name:
            return channel
    return None

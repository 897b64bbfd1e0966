"""The handoff service: the JSON API every agent-facing surface and contact-center
integration talks to, and a live event stream. ``create_app(settings) -> Sanic``.

Routes (all but /health need ``Authorization: Bearer <token>`` or a desk session, see
handoff.auth; ``main`` adds the desk's and the adapters' routes, handoff.desk and
handoff.integrations)::

    GET  /health                               no auth, for the launcher
    GET  /api/openapi.json                     no auth: this API's OpenAPI 3 document
    POST /api/handoffs                         admin (the bot's outbox)
    GET  /api/handoffs?status=&conversation_id=&limit=
    GET  /api/handoffs/<id>                    with its transcript
    POST /api/handoffs/<id>/claim              agent, supervisor
    POST /api/handoffs/<id>/transfer           {to}: the assignee, or a supervisor
    POST /api/handoffs/<id>/messages           the assignee, or a supervisor
    POST /api/handoffs/<id>/close              the assignee, a supervisor, admin
    POST /api/handoffs/<id>/customer-messages  admin (the bot relays the customer)
    POST /api/agents                           admin: {name, role} -> {token}, shown once
    GET  /api/events                           server-sent events (see handoff.events)

Tokens: the admin token (``HANDOFF_ADMIN_TOKEN``) or an agent's token (see
``python -m handoff.agents``). Admin may read, create handoffs and agents,
relay customer messages and close; claiming and replying take a person.
Errors are JSON ``{"error": ..., "detail"?: ...}``: 400 invalid body or
parameters, 401 missing or wrong token (always the same body), 403 wrong
role, 404 unknown handoff, 409 a lost claim, a handoff held by someone else
or already closed, 413 a body past MAX_REQUEST_BYTES (MAX_HANDOFF_BYTES for a
new handoff), 429/503 too many event streams (per caller / in all), 502 a
reply that was recorded but not delivered. No input is a 500: bodies, ids,
limits and times are read through handoff.inputs.

Every /api answer carries ``Cache-Control: no-store``: handoffs carry the
customer's messages, and the desk's answers a CSRF token.

Agent replies reach the customer through ``app.ctx.deliver``, an async
``(channel, recipient_id, text) -> None`` that raises :class:`DeliveryError`
on failure; by default the bot's own output channels
(bot.channels.outbound.send_to_customer). A reply is recorded first, with
delivery ``pending``, then marked ``sent`` or ``failed``: the transcript shows
every reply an agent wrote, even one that did not arrive, and a failed one
answers 502 with the recorded message so the desk can say so and offer to
resend. Internal notes are never delivered.

Closing calls ``app.ctx.on_close`` (async, ``(handoff) -> bool | None``): by
default :meth:`handoff.rasa_client.RasaClient.hand_back`, which resumes the
bot at ``RASA_URL`` and has it tell the customer it is back. When the hook
says False (Rasa stayed down) or raises, the close still succeeds, with
``"bot_resumed": false`` in its answer; True adds ``"bot_resumed": true``.

Customer messages sent while a person owns the conversation reach the
transcript through Rasa's event broker (handoff.broker), read by a background
task while the server runs: ``HANDOFF_BROKER=sql`` (the default: Rasa's SQL
broker) or ``rabbitmq`` (Rasa's pika broker, handoff.rabbitmq).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.helpers import STATUS_CODES
from sanic.log import error_logger
from sanic.request import Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response

from handoff import events as ev
from handoff import inputs, operations
from handoff.auth import ADMIN_ROLE, EVERYONE, PEOPLE, Principal, authorized, still_signed_in
from handoff.broker import create_consumer
from handoff.catch_up import catch_up, is_late, transcript_end
from handoff.desk import DeskSettings
from handoff.desk import install as install_desk
from handoff.events import EventHub
from handoff.inputs import MAX_INT32, UntrustedInput, json_object, query_int, query_text, stored_id
from handoff.integrations import IntegrationSettings
from handoff.integrations import install as install_integrations
from handoff.migrate import migrate
from handoff.models import (
    AGENT_ROLE,
    AGENT_ROLES,
    BOT,
    CLOSED,
    CUSTOMER,
    STATUSES,
    SUPERVISOR_ROLE,
    WAITING,
    utc_now,
)
from handoff.openapi import OPENAPI_PATH, load_openapi
from handoff.pickup import PickupWatcher
from handoff.rasa_client import RasaClient, RasaError, hide_conversation_ids
from handoff.settings import HandoffSettings
from handoff.store import (
    AgentExists,
    Handoff,
    HandoffConflict,
    HandoffNotFound,
    HandoffStore,
    NewMessage,
)

if TYPE_CHECKING:
    from bot.channels.settings import ChannelSettings
    from bot.channels.store import ChannelStore

logger = logging.getLogger(__name__)

# Comments keep idle streams open through proxies; Sanic's RESPONSE_TIMEOUT
# (60 s) also counts from the last write, so this must stay well below it.
KEEPALIVE_S = 15.0
# How long creating a late handoff may wait for Rasa's tracker (handoff.catch_up):
# the outbox that calls is waiting too.
CATCH_UP_TIMEOUT_S = 5.0
MAX_LIST_LIMIT = 500
MAX_TEXT_LENGTH = 10_000
MAX_ID_LENGTH = 255  # conversation, customer and source event ids: their columns
# Every request body but a new handoff's: the largest, a reply or a note, is
# 10,000 characters (60 kB as JSON escapes at worst). Sanic's default is 100 MB,
# which anyone could make the service hold in memory, signed in or not.
MAX_REQUEST_BYTES = 256 * 1024
# A new handoff carries the transcript (200 messages at most, each within its
# channel's limit: up to 4096 characters, 24 kB as JSON escapes): read as a
# stream, after the admin token was checked, up to this many bytes.
MAX_HANDOFF_BYTES = 8 * 1024 * 1024
# Live streams: each holds a connection and up to a thousand queued events.
# A desk tab opens one; a caller with more than a few is leaking them.
MAX_STREAMS = 200
MAX_STREAMS_PER_CALLER = 10
# Every /api answer may carry customer messages or a credential: no cache,
# shared or private, may keep it.
NO_STORE = "no-store"

Deliver = Callable[[str, str, str], Awaitable[None]]
# True/False: the bot was (not) resumed; None: the hook does not say.
OnClose = Callable[[Handoff], Awaitable[bool | None]]


class DeliveryError(Exception):
    """A reply could not be delivered to the customer (raised by ``deliver`` hooks)."""


class InvalidRequest(Exception):
    """400: the body or a parameter is not what the route expects."""


# -- hooks -------------------------------------------------------------------------------


class ChannelDeliverer:
    """The default ``deliver``: the bot's own output channels, with their retries and
    SMS opt-out checks. Settings and the channel store are made on first use:
    bot.channels pulls in Rasa, which the service does not otherwise need."""

    def __init__(self) -> None:
        self._settings: ChannelSettings | None = None
        self._store: ChannelStore | None = None

    async def __call__(self, channel: str, recipient_id: str, text: str) -> None:
        from bot.channels.delivery import SendError
        from bot.channels.outbound import UnknownChannel, send_to_customer
        from bot.channels.settings import ChannelSettings
        from bot.channels.store import ChannelStore

        if self._settings is None or self._store is None:
            self._settings = ChannelSettings.from_env()
            self._store = await asyncio.to_thread(ChannelStore, self._settings.database_url)
        try:
            await send_to_customer(
                channel,
                recipient_id,
                text,
                settings=self._settings,
                store=self._store,
                human_agent=True,
            )
        except (SendError, UnknownChannel) as error:
            raise DeliveryError(str(error)) from error

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class ServiceErrorHandler(ErrorHandler):
    """Sanic's error handler, with three changes.

    - Every error answers in the service's own shape, ``{"error", "detail"}``
      (Sanic's is ``{"description", "status", "message"}``); a 5xx says
      nothing of its cause.
    - A request that failed before it was routed on something other than
      Sanic's own checks (its header parser lets ``int()`` refuse a
      ``Content-Length: abc``) is the client's error, 400, not a 500.
    - The log names the method and path, not the URL: Sanic's line would
      carry the query string, where a conversation id (a phone number) may be.
    """

    def default(self, request: Request, exception: BaseException) -> HTTPResponse:
        self.log(request, exception)
        if isinstance(exception, SanicException):
            status = int(getattr(exception, "status_code", 500))
            headers = dict(getattr(exception, "headers", None) or {})
        elif getattr(request, "route", None) is None:
            status, headers = 400, {}
            exception = SanicException("the request is malformed")
        else:
            status, headers = 500, {}
        phrase = STATUS_CODES.get(status, b"error").decode("ascii").lower()
        body: dict[str, Any] = {"error": phrase}
        if status < 500:
            body["detail"] = str(exception)
        return json_response(body, status, headers=headers or None)

    @staticmethod
    def log(request: Request, exception: BaseException) -> None:
        if getattr(exception, "quiet", False):
            return
        if not isinstance(exception, SanicException) and getattr(request, "route", None) is None:
            return  # a malformed request: answered 400 above, nothing of ours failed
        error_logger.exception(
            "%s %s failed", getattr(request, "method", "?"), getattr(request, "path", "?")
        )


# -- request parsing ---------------------------------------------------------------------


def _body(request: Request) -> dict[str, Any]:
    """The JSON object in the body ({} for none); UntrustedInput (400) otherwise."""
    if not request.body:
        return {}
    return json_object(request.body)


def _string(
    body: dict[str, Any], name: str, *, max_length: int = 255, default: str | None = None
) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise InvalidRequest(f"{name} must be at most {max_length} characters")
    return value


def _optional_string(body: dict[str, Any], name: str, max_length: int = 255) -> str | None:
    if body.get(name) is None:
        return None
    return _string(body, name, max_length=max_length)


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name, {})
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be an object")
    return value


def _timestamp(value: Any, name: str = "timestamp") -> dt.datetime:
    """ISO 8601 (naive = UTC) or POSIX seconds, as Rasa events carry them; now for None.

    Naive UTC, as stored. Times outside 2000-2100 are refused (400): Python's
    own conversions raise OverflowError or OSError for some of them.
    """
    if value is None:
        return utc_now()
    return inputs.timestamp(value, name)


def _transcript(value: Any) -> list[NewMessage]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest("transcript must be a list")
    messages = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidRequest(f"transcript[{index}] must be an object")
        role = item.get("role")
        if role not in (CUSTOMER, BOT, AGENT_ROLE):
            raise InvalidRequest(f"transcript[{index}].role must be customer, bot or agent")
        text = item.get("text")
        if not isinstance(text, str):
            raise InvalidRequest(f"transcript[{index}].text must be a string")
        source = item.get("source_event_id")
        if source is not None and (not isinstance(source, str) or len(source) > MAX_ID_LENGTH):
            raise InvalidRequest(
                f"transcript[{index}].source_event_id must be a string "
                f"of at most {MAX_ID_LENGTH} characters"
            )
        messages.append(
            NewMessage(
                role,
                text,
                _timestamp(item.get("timestamp"), f"transcript[{index}].timestamp"),
                source,
            )
        )
    return messages


# -- the app -----------------------------------------------------------------------------


def expected_wait_s(
    position: int | None, agents: int, settings: HandoffSettings, now: dt.datetime
) -> float | None:
    """A rough estimate: the handoffs up to this one, shared among all enabled
    agents, each taking the average handle time; plus the time until opening.
    Rough on purpose (agents are not all online): it errs towards longer."""
    if position is None:
        return None
    wait = position * settings.average_handle_s / max(1, agents)
    opening = settings.business_hours.next_opening(now)
    if opening is not None:
        wait += (opening - now.replace(tzinfo=dt.timezone.utc)).total_seconds()
    return round(wait)


def create_app(
    settings: HandoffSettings,
    *,
    deliver: Deliver | None = None,
    on_close: OnClose | None = None,
    name: str = "handoff",
) -> Sanic:
    app = Sanic(name, error_handler=ServiceErrorHandler())
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # Per app, read by each connection; POST /api/handoffs reads its own larger body.
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    openapi_document = load_openapi()
    app.ctx.settings = settings
    app.ctx.events = EventHub()
    app.ctx.deliver = deliver or ChannelDeliverer()
    # The default hook needs an HTTP client, made with the other resources below.
    app.ctx.on_close = on_close
    app.ctx.rasa = None
    app.ctx.broker = None
    app.ctx.keepalive_s = KEEPALIVE_S
    # Open event streams per caller (see MAX_STREAMS_PER_CALLER).
    app.ctx.streams = Counter()

    @app.before_server_start
    async def open_store(app: Sanic, _loop: Any) -> None:
        await asyncio.to_thread(migrate, settings.database_url)
        app.ctx.store = HandoffStore(settings.database_url)
        if app.ctx.on_close is None:
            app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_auth_token)
            app.ctx.on_close = app.ctx.rasa.hand_back

    @app.after_server_start
    async def start_broker(app: Sanic, _loop: Any) -> None:
        app.ctx.broker = create_consumer(settings, app.ctx.store, app.ctx.events.publish)
        if app.ctx.broker is not None:
            app.ctx.broker.start()
        app.ctx.pickup = PickupWatcher(
            app.ctx.store,
            settings,
            app.ctx.deliver,
            app.ctx.events.publish,
            check_s=min(15.0, settings.pickup_timeout_s / 4),
        )
        app.ctx.pickup.start()

    @app.before_server_stop
    async def end_streams(app: Sanic, _loop: Any) -> None:
        # The background tasks first: they publish to the hub and write to the store.
        if getattr(app.ctx, "pickup", None) is not None:
            await app.ctx.pickup.stop()
            app.ctx.pickup = None
        if app.ctx.broker is not None:
            await app.ctx.broker.stop()
            app.ctx.broker = None
        app.ctx.events.close()

    @app.after_server_stop
    async def close_store(app: Sanic, _loop: Any) -> None:
        app.ctx.store.dispose()
        if isinstance(app.ctx.deliver, ChannelDeliverer):
            app.ctx.deliver.close()
        if app.ctx.rasa is not None:
            await app.ctx.rasa.aclose()
            app.ctx.rasa = None

    @app.exception(InvalidRequest, UntrustedInput)
    async def invalid(_request: Request, error: Exception) -> HTTPResponse:
        return json_response({"error": "invalid request", "detail": str(error)}, 400)

    @app.on_response
    async def never_cached(request: Request, response: HTTPResponse) -> None:
        # Errors too: Sanic's own (404, 405, 413) pass through here as well.
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = NO_STORE

    @app.exception(HandoffNotFound)
    async def not_found(_request: Request, _error: HandoffNotFound) -> HTTPResponse:
        return json_response({"error": "not found"}, 404)

    @app.exception(HandoffConflict)
    async def conflict(_request: Request, error: HandoffConflict) -> HTTPResponse:
        return json_response({"error": "conflict", "detail": str(error)}, 409)

    async def catch_up_if_late(app: Sanic, handoff: Handoff, sent: list[NewMessage]) -> None:
        # Also when the outbox retries (created False): an earlier attempt may
        # have created the handoff and failed before catching up.
        rasa: RasaClient | None = app.ctx.rasa
        sent_until = transcript_end(sent)
        if rasa is None or handoff.status == CLOSED or not is_late(handoff, sent_until):
            return
        try:
            await asyncio.wait_for(
                catch_up(app.ctx.store, rasa, handoff, app.ctx.events.publish, sent_until),
                CATCH_UP_TIMEOUT_S,
            )
        except (RasaError, asyncio.TimeoutError) as error:
            logger.error(
                "handoff %d was created late and what the customer wrote meanwhile "
                "could not be read from Rasa: %s",
                handoff.id,
                error or "timed out",
            )

    def store(request: Request) -> HandoffStore:
        handoff_store: HandoffStore = request.app.ctx.store
        return handoff_store

    def hub(request: Request) -> EventHub:
        event_hub: EventHub = request.app.ctx.events
        return event_hub

    def known(handoff_id: int) -> int:
        # Sanic's <id:int> takes any length: past 64 bits no row has it, and
        # SQLite could not even bind it.
        if not stored_id(handoff_id):
            raise HandoffNotFound(handoff_id)
        return handoff_id

    async def existing(request: Request, handoff_id: int, with_transcript: bool = True) -> Handoff:
        handoff = await store(request).get(known(handoff_id), with_transcript)
        if handoff is None:
            raise HandoffNotFound(handoff_id)
        return handoff

    @app.get("/health")
    async def health(_request: Request) -> HTTPResponse:
        return json_response({"status": "ok"})

    @app.get(OPENAPI_PATH)
    async def openapi(_request: Request) -> HTTPResponse:
        return raw(openapi_document, content_type="application/json")

    # Streamed: a transcript may be larger than MAX_REQUEST_BYTES, and the
    # body is read only once the admin token has been checked.
    @app.post("/api/handoffs", stream=True)
    @authorized(ADMIN_ROLE)
    async def create_handoff(request: Request) -> HTTPResponse:
        if request.stream is not None:
            # Sanic lifted the limit for this streamed route; the read below
            # answers 413 past this one.
            request.stream.request_max_size = MAX_HANDOFF_BYTES
        await request.receive_body()
        body = _body(request)
        customer = _object(body, "customer")
        conversation_id = _string(body, "conversation_id")
        reasons = body.get("reasons", [])
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise InvalidRequest("reasons must be a list of strings")
        priority = body.get("priority")
        # An INTEGER column: past 2**31 - 1 PostgreSQL refuses the row.
        if (
            not isinstance(priority, int)
            or isinstance(priority, bool)
            or not (1 <= priority <= MAX_INT32)
        ):
            raise InvalidRequest(f"priority must be an integer from 1 to {MAX_INT32}")
        anger = body.get("anger", 0.0)
        if not isinstance(anger, (int, float)) or isinstance(anger, bool) or not 0 <= anger <= 1:
            raise InvalidRequest("anger must be a number between 0 and 1")
        # Where replies go: the channel's sender id, however the caller names it.
        customer_id = (
            body.get("customer_id")
            or customer.get("sender_id")
            or customer.get("id")
            or conversation_id
        )
        if not isinstance(customer_id, str) or len(customer_id) > MAX_ID_LENGTH:
            raise InvalidRequest(
                f"customer_id must be a string of at most {MAX_ID_LENGTH} characters"
            )
        sent = _transcript(body.get("transcript"))
        handoff, created = await store(request).create_handoff(
            escalation_id=_string(body, "escalation_id", max_length=128),
            conversation_id=conversation_id,
            channel=_string(body, "channel", max_length=32),
            customer_id=customer_id,
            customer=customer,
            reasons=reasons,
            priority=priority,
            anger=float(anger),
            summary=_object(body, "summary"),
            transcript=sent,
        )
        if created:
            hub(request).publish(ev.HANDOFF_CREATED, {"handoff": handoff.to_json()})
        await catch_up_if_late(request.app, handoff, sent)
        now = utc_now()
        position = await store(request).queue_position(handoff.id)
        opening = settings.business_hours.next_opening(now)
        data = handoff.to_json()
        data.update(
            queue_position=position,
            expected_wait_s=expected_wait_s(
                position, await store(request).count_agents(), settings, now
            ),
            business_hours_open=opening is None,
            next_opening=None if opening is None else opening.isoformat(),
        )
        return json_response(data, 201 if created else 200)

    @app.get("/api/handoffs")
    @authorized(*EVERYONE)
    async def list_handoffs(request: Request) -> HTTPResponse:
        status = request.args.get("status") or None
        if status is not None and status not in STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
        limit = query_int(request.args, "limit", default=100, minimum=1, maximum=MAX_LIST_LIMIT)
        found = await store(request).list(
            status, query_text(request.args, "conversation_id"), limit
        )
        return json_response({"handoffs": [handoff.to_json() for handoff in found]})

    @app.get("/api/handoffs/<handoff_id:int>")
    @authorized(*EVERYONE)
    async def get_handoff(request: Request, handoff_id: int) -> HTTPResponse:
        handoff = await existing(request, handoff_id)
        data = handoff.to_json()
        if handoff.status == WAITING:
            data["queue_position"] = await store(request).queue_position(handoff_id)
        return json_response(data)

    @app.post("/api/handoffs/<handoff_id:int>/claim")
    @authorized(*PEOPLE)
    async def claim(request: Request, handoff_id: int) -> HTTPResponse:
        handoff = await store(request).claim(known(handoff_id), request.ctx.principal.name)
        hub(request).publish(ev.HANDOFF_ASSIGNED, {"handoff": handoff.to_json()})
        return json_response(handoff.to_json())

    @app.post("/api/handoffs/<handoff_id:int>/transfer")
    @authorized(*PEOPLE)
    async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
        known(handoff_id)
        to_agent = _string(_body(request), "to", max_length=128)
        principal: Principal = request.ctx.principal
        try:
            handoff = await store(request).transfer(handoff_id, principal.agent, to_agent)
        except ValueError as error:
            raise InvalidRequest(str(error)) from None
        hub(request).publish(ev.HANDOFF_ASSIGNED, {"handoff": handoff.to_json()})
        return json_response(handoff.to_json())

    @app.post("/api/handoffs/<handoff_id:int>/messages")
    @authorized(*PEOPLE)
    async def agent_message(request: Request, handoff_id: int) -> HTTPResponse:
        known(handoff_id)
        body = _body(request)
        text = _string(body, "text", max_length=MAX_TEXT_LENGTH)
        internal = body.get("internal", False)
        if not isinstance(internal, bool):
            raise InvalidRequest("internal must be true or false")
        principal: Principal = request.ctx.principal
        sent = await operations.reply(
            request.app, handoff_id, principal.agent, text, internal=internal
        )
        if internal or sent.delivered:
            return json_response({"message": sent.message.to_json()}, 201)
        return json_response(
            {
                "error": "delivery failed",
                "detail": "the reply was recorded but could not be delivered to the customer",
                "message": sent.message.to_json(),
            },
            502,
        )

    @app.post("/api/handoffs/<handoff_id:int>/close")
    @authorized(*EVERYONE)
    async def close(request: Request, handoff_id: int) -> HTTPResponse:
        known(handoff_id)
        resolution = _optional_string(_body(request), "resolution", max_length=MAX_TEXT_LENGTH)
        principal: Principal = request.ctx.principal
        handoff, resumed = await operations.close(
            request.app,
            handoff_id,
            principal.name,
            resolution,
            supervisor=principal.role in (SUPERVISOR_ROLE, ADMIN_ROLE),
        )
        data = handoff.to_json()
        if resumed is not None:
            data["bot_resumed"] = resumed
        return json_response(data)

    @app.post("/api/handoffs/<handoff_id:int>/customer-messages")
    @authorized(ADMIN_ROLE)
    async def customer_message(request: Request, handoff_id: int) -> HTTPResponse:
        known(handoff_id)
        body = _body(request)
        role = body.get("role", CUSTOMER)
        if role not in (CUSTOMER, BOT):
            raise InvalidRequest("role must be customer or bot")
        message, created = await store(request).append_message(
            handoff_id,
            role,
            _string(body, "text", max_length=MAX_TEXT_LENGTH),
            _timestamp(body.get("timestamp")),
            _optional_string(body, "source_event_id"),
        )
        if message.handoff_id != handoff_id:
            # The id was recorded for another handoff's message, which this
            # caller must not be shown.
            raise HandoffConflict("source_event_id belongs to another handoff's message")
        if created:
            hub(request).publish(
                ev.MESSAGE_CREATED, {"handoff_id": handoff_id, "message": message.to_json()}
            )
        return json_response({"message": message.to_json()}, 201 if created else 200)

    @app.post("/api/agents")
    @authorized(ADMIN_ROLE)
    async def create_agent(request: Request) -> HTTPResponse:
        body = _body(request)
        agent_name = _string(body, "name", max_length=128)
        role = body.get("role", AGENT_ROLE)
        if role not in AGENT_ROLES:
            raise InvalidRequest(f"role must be one of {', '.join(AGENT_ROLES)}")
        try:
            token = await store(request).create_agent(agent_name, role)
        except AgentExists:
            return json_response({"error": "conflict", "detail": "that name is taken"}, 409)
        return json_response({"name": agent_name, "role": role, "token": token}, 201)

    @app.get("/api/events")
    @authorized(*EVERYONE)
    async def events(request: Request) -> HTTPResponse | None:
        principal: Principal = request.ctx.principal
        streams: Counter[str] = request.app.ctx.streams
        caller = f"{principal.role}:{principal.name}"
        if sum(streams.values()) >= MAX_STREAMS:
            return json_response(
                {"error": "busy", "detail": "too many open event streams; try again later"},
                503,
                headers={"Retry-After": "5"},
            )
        if streams[caller] >= MAX_STREAMS_PER_CALLER:
            return json_response(
                {
                    "error": "too many streams",
                    "detail": f"at most {MAX_STREAMS_PER_CALLER} open event streams per caller",
                },
                429,
                headers={"Retry-After": "5"},
            )
        # No await between the check above and this count: none can slip in.
        streams[caller] += 1
        try:
            await stream_events(request)
        finally:
            streams[caller] -= 1
            if streams[caller] <= 0:
                del streams[caller]
        return None

    async def stream_events(request: Request) -> None:
        event_hub = hub(request)
        last_event_id = request.headers.get("last-event-id")
        response = await request.respond(
            content_type="text/event-stream",
            headers={"Cache-Control": NO_STORE, "X-Accel-Buffering": "no"},
        )
        # No await between subscribing and reading the buffer: no event can
        # fall in between, or be sent twice.
        with event_hub.subscribe() as subscription:
            backlog = event_hub.since(last_event_id) if last_event_id else []
            # A first write sends the headers now, so the client knows it is connected.
            await response.send(": connected\n\n")
            if backlog is None:
                await response.send(f"event: {ev.STREAM_RESET}\ndata: {{}}\n\n")
                backlog = []
            for event in backlog:
                await response.send(event.encode())
            while True:
                try:
                    next_event = await asyncio.wait_for(
                        subscription.get(), request.app.ctx.keepalive_s
                    )
                except asyncio.TimeoutError:
                    # A stream outlives the checks of single requests: one whose
                    # session expired, was signed out or whose agent was disabled
                    # ends here (the desk then asks to sign in again).
                    if not await still_signed_in(request):
                        break
                    await response.send(": keep-alive\n\n")
                    continue
                if next_event is None:
                    break
                await response.send(next_event.encode())
        await response.eof()

    return app


def configure_logging() -> None:
    """INFO to standard error, without the URLs that name conversations.

    httpx logs every request URL at INFO, and the calls to Rasa's API put the
    conversation id (a phone number on SMS) in the path: a filter replaces it
    (handoff.rasa_client.hide_conversation_ids), keeping the line itself.
    httpcore logs requests at DEBUG only, but a DEBUG root must not bring
    them back: it stays at WARNING.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    hide_conversation_ids()
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def main() -> None:
    configure_logging()
    try:
        settings = HandoffSettings.from_env()
        desk_settings = DeskSettings.from_env()
        integration_settings = IntegrationSettings.from_env()
    except ValueError as error:
        sys.exit(f"handoff service: {error}")
    if not settings.admin_token:
        sys.exit("handoff service: HANDOFF_ADMIN_TOKEN is not set; refusing to start")
    app = create_app(settings)
    install_desk(app, desk_settings)
    install_integrations(app, integration_settings)
    # Sanic has its own handlers: without this its lines would be logged twice.
    for name in ("sanic.root", "sanic.error", "sanic.access"):
        logging.getLogger(name).propagate = False
    # One worker: the event hub lives in this process's memory.
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()

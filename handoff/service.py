"""The handoff service: the JSON API every agent-facing surface and contact-center
integration talks to, and a live event stream. ``create_app(settings) -> Sanic``;
``python -m handoff.service`` runs it with the desk and the adapters.

The pieces, each in a module named for what it holds::

    handoff.routes     the service's own routes: handoffs, agents, the event stream,
                       health and the OpenAPI document (handoff/openapi.yaml)
    handoff.context    ServiceContext, the app's typed ``ctx``: settings, store, hooks...
    handoff.bodies     the request bodies' models, read one way (400 naming the field)
    handoff.errors     the errors routes raise, each with its answer
    handoff.auth       bearer tokens and desk sessions, roles
    handoff.desk       the agents' web desk (``install``)
    handoff.integrations  contact-center adapters (``install``)
    handoff.metrics    GET /metrics (Prometheus), GET /ready, request latency (``install``)

This module makes the app: its context, its routes, its one error handler
(:class:`ServiceErrorHandler`), the header every /api answer carries, and the
listeners that open what the routes use when the server starts and close it
when it stops.

Tokens: the admin token (``HANDOFF_ADMIN_TOKEN``) or an agent's token (see
``python -m handoff.agents``). Admin may read, create handoffs and agents,
relay customer messages and close; claiming and replying take a person.
Errors are JSON ``{"error": ..., "detail"?: ...}``: 400 invalid body or
parameters, 401 missing or wrong token (always the same body), 403 wrong
role, 404 unknown handoff, 409 a lost claim, a handoff held by someone else
or already closed, 413 a body past MAX_REQUEST_BYTES (a new handoff's own
cap, handoff.routes.handoffs), 429/503 too many event streams (per caller /
in all), 502 a reply that was recorded but not delivered. No input is a 500:
bodies, ids, limits and times are read through handoff.bodies and
handoff.inputs.

Every /api answer carries ``Cache-Control: no-store``: handoffs carry the
customer's messages, and the desk's answers a CSRF token.

Agent replies reach the customer through the context's ``deliver``, an async
``(channel, recipient_id, text) -> None`` that raises :class:`DeliveryError`
on failure; by default :class:`handoff.delivery.RasaDelivery`, which has the
Rasa server send it on its internal route with the bot's own output channels
(``RASA_URL``, ``HANDOFF_DELIVERY_TOKEN``): the service holds no channel
secret and never opens the channels' database. A reply is recorded first, with
delivery ``pending``, then marked ``sent`` or ``failed``: the transcript shows
every reply an agent wrote, even one that did not arrive, and a failed one
answers 502 with the recorded message so the desk can say so and offer to
resend. Internal notes are never delivered.

Closing calls the context's ``on_close`` (async, ``(handoff) -> bool | None``):
by default :meth:`handoff.rasa_client.RasaClient.hand_back`, which resumes the
bot at ``RASA_URL`` and has it tell the customer it is back. When the hook
says False (Rasa stayed down) or raises, the close still succeeds, with
``"bot_resumed": false`` in its answer; True adds ``"bot_resumed": true``.

Customer messages sent while a person owns the conversation reach the
transcript through Rasa's event broker (handoff.broker), read by a background
task while the server runs: ``HANDOFF_BROKER=sql`` (the default: Rasa's SQL
broker) or ``rabbitmq`` (Rasa's pika broker, handoff.broker.rabbitmq).
The same events keep the conversation records (handoff.insights.keeper),
from which the satisfaction surveys read their answers: the surveys' worker
(handoff.surveys) runs with the broker and the default delivery hook, and
asks through the Rasa server's ``POST /internal/surveys``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.helpers import STATUS_CODES
from sanic.log import error_logger
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse
from sanic.response import json as json_response

from handoff.broker import create_consumer
from handoff.context import Deliver, OnClose, ServiceContext, context_of
from handoff.delivery import DeliveryError as DeliveryError  # what deliver hooks raise
from handoff.delivery import RasaDelivery
from handoff.desk import DeskSettings
from handoff.desk import install as install_desk
from handoff.errors import HandoffServiceError
from handoff.insights.keeper import RecordKeeper
from handoff.insights.products import load_catalogue
from handoff.integrations import IntegrationSettings
from handoff.integrations import install as install_integrations
from handoff.metrics import CountedRasaDelivery, metrics_of, metrics_settings_from_env
from handoff.metrics import install as install_metrics
from handoff.migrate import migrate
from handoff.openapi import load_openapi
from handoff.pickup import PickupWatcher
from handoff.rasa_client import RasaClient, hide_conversation_ids
from handoff.reconcile import TranscriptReconciler
from handoff.retention import Retention
from handoff.routes import blueprints
from handoff.routes.events import KEEPALIVE_S, NO_STORE
from handoff.routing.router import DEFAULT_CHECK_S as DEFAULT_ROUTING_CHECK_S
from handoff.routing.router import Router
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore
from handoff.surveys import SurveyBook, SurveyRunner
from handoff.withdrawal import Withdrawals
from plumbing.log_masking import install_log_masking
from plumbing.logs import configure_logging as configure_log_format
from plumbing.logs import format_handlers_of
from plumbing.metrics import MetricsSettings
from plumbing.untrusted import UntrustedInput
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

# Every request body but a new handoff's: the largest, a reply or a note, is
# 10,000 characters (60 kB as JSON escapes at worst). Sanic's default is 100 MB,
# which anyone could make the service hold in memory, signed in or not.
MAX_REQUEST_BYTES = 256 * 1024


class ServiceErrorHandler(ErrorHandler):
    """The one place where what went wrong becomes an answer: Sanic's error handler,
    with four changes.

    - The service's own errors (handoff.errors) answer with their status,
      ``error``, ``detail`` and headers; plumbing.untrusted's ``UntrustedInput``
      is a 400. None of them is logged below 500: they are the client's.
    - Every other error answers in the same shape, ``{"error", "detail"}``
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
        status, error, detail, headers = self.answer(request, exception)
        body: dict[str, Any] = {"error": error}
        if detail is not None:
            body["detail"] = detail
        return json_response(body, status, headers=headers or None)

    @staticmethod
    def answer(
        request: Request, exception: BaseException
    ) -> tuple[int, str, str | None, dict[str, str]]:
        """Status, ``error``, ``detail`` (None: not shown) and headers for ``exception``."""
        if isinstance(exception, HandoffServiceError):
            return exception.status, exception.error, exception.detail, dict(exception.headers)
        if isinstance(exception, UntrustedInput):
            return 400, "invalid request", str(exception), {}
        if isinstance(exception, SanicException):
            status = int(getattr(exception, "status_code", 500))
            headers = dict(getattr(exception, "headers", None) or {})
            detail = str(exception)
        elif getattr(request, "route", None) is None:
            status, headers, detail = 400, {}, "the request is malformed"
        else:
            status, headers, detail = 500, {}, ""
        phrase = STATUS_CODES.get(status, b"error").decode("ascii").lower()
        return status, phrase, detail if status < 500 else None, headers

    @staticmethod
    def log(request: Request, exception: BaseException) -> None:
        if getattr(exception, "quiet", False) or isinstance(exception, UntrustedInput):
            return  # the client's error (handoff.errors' are quiet below 500), or a limit
        if not isinstance(exception, SanicException) and getattr(request, "route", None) is None:
            return  # a malformed request: answered 400 above, nothing of ours failed
        error_logger.exception(
            "%s %s failed", getattr(request, "method", "?"), getattr(request, "path", "?")
        )


def create_app(
    settings: HandoffSettings,
    *,
    deliver: Deliver | None = None,
    on_close: OnClose | None = None,
    name: str = "handoff",
    metrics: MetricsSettings | None = None,
) -> Sanic:
    """The service's app. ``deliver`` and ``on_close`` replace Rasa's hooks (tests do);
    ``metrics`` protects ``GET /metrics`` with a token (handoff.metrics)."""
    ctx = ServiceContext(
        settings=settings,
        openapi_document=load_openapi(),
        keepalive_s=KEEPALIVE_S,
        on_close_hook=on_close,
    )
    app = Sanic(name, ctx=ctx, error_handler=ServiceErrorHandler())
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # Per app, read by each connection; POST /api/handoffs reads its own larger body.
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    # First: its middleware times the whole request. /metrics, /ready.
    counted = install_metrics(app, metrics)
    if deliver is not None:
        ctx.deliver_hook = counted.counting(deliver)
    for blueprint in blueprints():
        app.blueprint(blueprint)
    app.register_middleware(never_cached, "response")
    app.register_listener(open_resources, "before_server_start")
    app.register_listener(start_background, "after_server_start")
    app.register_listener(stop_background, "before_server_stop")
    app.register_listener(close_resources, "after_server_stop")
    return app


async def never_cached(request: Request, response: BaseHTTPResponse) -> None:
    # Errors too: Sanic's own (404, 405, 413) pass through here as well.
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = NO_STORE


# -- while the server runs ---------------------------------------------------------------


async def open_resources(app: Sanic, _loop: Any) -> None:
    """The store (migrated first), and the default hooks' clients."""
    ctx = context_of(app)
    settings = ctx.settings
    await asyncio.to_thread(migrate, settings.database_url)
    ctx.opened_store = HandoffStore(settings.database_url)
    # The journal is the events' only source; the hub wakes its readers.
    ctx.opened_store.listen_to_journal(ctx.events.wake)
    if ctx.on_close_hook is None:
        ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_auth_token)
    if ctx.deliver_hook is None:
        metrics = metrics_of(app)
        ctx.delivery = (
            RasaDelivery(settings.rasa_url, settings.delivery_token)
            if metrics is None
            else CountedRasaDelivery(metrics, settings.rasa_url, settings.delivery_token)
        )


async def start_background(app: Sanic, _loop: Any) -> None:
    """The broker's consumer, the pickup watcher, the router (auto-assignment on),
    the transcript reconciler, retention."""
    ctx = context_of(app)
    # Conversation records, kept from the broker's events (handoff.insights.keeper).
    ctx.records = RecordKeeper(
        ctx.store.engine, catalogue=load_catalogue(ctx.settings.products_file)
    )
    # A customer taking back a request still queued (handoff.withdrawal); on_close
    # read at each call: the Rasa client it defaults to is made as the server starts.
    withdrawals = (
        Withdrawals(ctx.store, lambda handoff: ctx.on_close(handoff), ctx.settings.escalation)
        if ctx.settings.customer_withdrawal
        else None
    )
    ctx.broker = create_consumer(ctx.settings, ctx.store, ctx.records, withdrawals)
    if ctx.broker is not None:
        ctx.broker.start()
        ctx.settler = ctx.records.settling()
        ctx.settler.start()
        # Surveys read their answers from the records, and ask through the
        # Rasa server's route (tests that replace the delivery hook have none).
        if ctx.delivery is not None:
            ctx.surveys = survey_worker(ctx, ctx.delivery)
            ctx.surveys.start()
    ctx.pickup = PickupWatcher(
        ctx.store,
        ctx.settings,
        ctx.deliver,
        check_s=min(15.0, ctx.settings.pickup_timeout_s / 4),
    )
    ctx.pickup.start()
    if ctx.settings.auto_assign:
        # Auto-assignment (handoff.routing), woken by every journaled change.
        ctx.router = Router(
            ctx.store,
            ctx.settings,
            ctx.deliver,
            check_s=min(DEFAULT_ROUTING_CHECK_S, ctx.settings.offer_timeout_s / 4),
        )
        ctx.store.listen_to_journal(ctx.router.journaled)
        ctx.router.start()
    # Only with Rasa's hooks (tests that replace them have no Rasa to read).
    if ctx.rasa is not None and ctx.settings.reconcile_s > 0:
        ctx.reconciler = TranscriptReconciler(ctx.store, ctx.rasa, ctx.settings.reconcile_s)
        ctx.reconciler.start()
    if ctx.settings.retention_days > 0:
        ctx.retention = Retention(ctx.store.engine, ctx.settings.retention_days)
        ctx.retention.start()


def survey_worker(ctx: ServiceContext, delivery: RasaDelivery) -> Worker:
    """The customer-satisfaction surveys' worker (handoff.surveys), as the settings say."""
    settings = ctx.settings
    book = SurveyBook(
        ctx.store.engine,
        after_handoff=settings.csat_after_handoff,
        after_bot=settings.csat_after_bot,
        delay_s=settings.csat_delay_s,
        min_gap_s=settings.csat_min_gap_s,
    )
    runner = SurveyRunner(
        book,
        ctx.store,
        ask=delivery.ask_survey,
        pause=ctx.rasa.pause if ctx.rasa is not None else None,
        deliver=ctx.deliver,
        reopen_at_or_below=settings.csat_reopen_at_or_below,
    )
    return runner.worker()


async def stop_background(app: Sanic, _loop: Any) -> None:
    """The background tasks first (they write to the store, which wakes the hub),
    then the hub, which ends the open event streams."""
    ctx = context_of(app)
    pickup, ctx.pickup = ctx.pickup, None
    if pickup is not None:
        await pickup.stop()
    router, ctx.router = ctx.router, None
    if router is not None:
        await router.stop()
    reconciler, ctx.reconciler = ctx.reconciler, None
    if reconciler is not None:
        await reconciler.stop()
    broker, ctx.broker = ctx.broker, None
    if broker is not None:
        await broker.stop()
    settler, ctx.settler = ctx.settler, None
    if settler is not None:
        await settler.stop()
    surveys, ctx.surveys = ctx.surveys, None
    if surveys is not None:
        await surveys.stop()
    retention, ctx.retention = ctx.retention, None
    if retention is not None:
        await retention.stop()
    ctx.events.close()


async def close_resources(app: Sanic, _loop: Any) -> None:
    ctx = context_of(app)
    if ctx.opened_store is not None:
        ctx.opened_store.dispose()
    delivery, ctx.delivery = ctx.delivery, None
    if delivery is not None:
        await delivery.aclose()
    rasa, ctx.rasa = ctx.rasa, None
    if rasa is not None:
        await rasa.aclose()


# -- python -m handoff.service -----------------------------------------------------------


def configure_logging() -> None:
    """INFO to standard error (one JSON object a line with ``LOG_FORMAT=json``,
    plumbing.logs), without the URLs that name conversations.

    httpx logs every request URL at INFO, and the calls to Rasa's API put the
    conversation id (a phone number on SMS) in the path: a filter replaces it
    (handoff.rasa_client.hide_conversation_ids), keeping the line itself.
    httpcore logs requests at DEBUG only, but a DEBUG root must not bring
    them back: it stays at WARNING.
    """
    configure_log_format(logging.INFO)
    hide_conversation_ids()
    # Phone numbers and registered secrets masked in every line (plumbing.log_masking).
    install_log_masking()
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def main() -> None:
    try:
        configure_logging()
        settings = HandoffSettings.from_env()
        desk_settings = DeskSettings.from_env()
        integration_settings = IntegrationSettings.from_env()
        metrics_settings = metrics_settings_from_env()
    except ValueError as error:
        sys.exit(f"handoff service: {error}")
    if not settings.admin_token:
        sys.exit("handoff service: HANDOFF_ADMIN_TOKEN is not set; refusing to start")
    app = create_app(settings, metrics=metrics_settings)
    install_desk(app, desk_settings)
    install_integrations(app, integration_settings)
    # Sanic has its own handlers: without this its lines would be logged twice.
    sanic_loggers = ("sanic.root", "sanic.error", "sanic.access")
    for name in sanic_loggers:
        logging.getLogger(name).propagate = False
    format_handlers_of(sanic_loggers)
    # One worker: the event hub that wakes the streams lives in this process's
    # memory (another worker's changes would reach them only at a keep-alive).
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()

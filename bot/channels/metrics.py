"""The Rasa server's Prometheus metrics and readiness: ``GET /metrics``, ``GET /ready``.

Per channel (``rest``, ``sms``, ``telegram``, ``messenger``)::

    bot_messages_total{channel}    customer messages that reached the bot (one per turn)
    bot_message_seconds{channel}   from the webhook's arrival to the bot's replies handed
                                   to the channel's output (the end of the turn): for REST
                                   the request's duration; for the other channels it
                                   includes the wait behind the same customer's earlier
                                   messages. A delivery processed again at start-up (it
                                   failed before) is timed from then.

``GET /ready`` answers 200 ``{"status": "ready"}`` once the model is loaded
and the agent has its tracker store and processor (Rasa's ``agent.is_ready()``),
503 ``{"status": "not ready", "reason": ...}`` before. Rasa's own ``GET /``
stays the liveness check.

``RASA_METRICS_TOKEN`` (plumbing.metrics; named like the Rasa server's
other variables): set, ``/metrics`` needs it as a bearer token; it is not
``RASA_AUTH_TOKEN``, so a scraper cannot use Rasa's HTTP API.

How it is wired, without patching Rasa: Rasa lets a package add routes to
its Sanic app through an input channel named in credentials.yml.
:class:`MetricsChannel` is one (like bot.channels.internal's route), at the
root rather than under ``/webhooks/``, so a proxy that passes only
``/webhooks/<channel>/`` to the internet keeps it private. The metrics live
on the app (:func:`metrics_of`, ``app.ctx``): each customer channel wraps the
``on_new_message`` Rasa gives its blueprint (:class:`MeasuredTurns`), and
marks when its webhook was received (:func:`received`): the turns it starts
run in tasks that inherit that mark (a context variable).

It also applies ``LOG_FORMAT`` (plumbing.logs) when the server starts: Rasa's
command line installs its own colored log handler after bot.server's set-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from prometheus_client import Counter, Histogram
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.channels.inbox import OnNewMessage, WebhookChannel
from plumbing.logs import JSON, configure_logging, format_handlers_of, log_format
from plumbing.metrics import (
    LATENCY_BUCKETS_S,
    METRICS_PATH,
    MetricsSettings,
    metrics_handler,
    new_registry,
)

logger = logging.getLogger(__name__)

NAME = "metrics"
ENV_PREFIX = "RASA_"
READY_PATH = "/ready"
UNKNOWN_CHANNEL = "unknown"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")

# When the webhook request now being handled arrived (time.monotonic()).
_received_at: ContextVar[float | None] = ContextVar("bot_webhook_received_at", default=None)


class BotMetrics:
    """The Rasa server's metrics, in a registry of their own (plumbing.metrics)."""

    def __init__(self) -> None:
        self.registry = new_registry()
        self.messages = Counter(
            "bot_messages",
            "Customer messages that reached the bot, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.message_seconds = Histogram(
            "bot_message_seconds",
            "From a webhook's arrival to the bot's replies handed to the channel, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )


def metrics_of(app: Sanic) -> BotMetrics:
    """The app's metrics, made on first use."""
    metrics = getattr(app.ctx, "bot_metrics", None)
    if not isinstance(metrics, BotMetrics):
        metrics = BotMetrics()
        app.ctx.bot_metrics = metrics
    return metrics


@contextmanager
def received() -> Iterator[None]:
    """Mark the webhook request handled inside the block as received now.

    Tasks created inside the block (the inbox's turns) keep the mark; it is
    reset after, for the next request on the same connection.
    """
    token = _received_at.set(time.monotonic())
    try:
        yield
    finally:
        _received_at.reset(token)


class MeasuredTurns:
    """Counts and times the turns of one channel's blueprint, on its app's metrics."""

    def __init__(self) -> None:
        self.metrics: BotMetrics | None = None

    def bind(self, blueprint: Blueprint) -> None:
        """Use the metrics of the app the blueprint is registered on, once it starts."""

        @blueprint.listener("before_server_start")
        async def find_metrics(app: Sanic, _loop: Any) -> None:
            self.metrics = metrics_of(app)

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        """``on_new_message``, counted and timed (the module docstring)."""

        async def measured(message: UserMessage) -> Any:
            metrics = self.metrics
            if metrics is None:  # the server has not started: nothing to count on
                return await on_new_message(message)
            channel = message.input_channel or UNKNOWN_CHANNEL
            start = _received_at.get()
            if start is None:
                start = time.monotonic()
            metrics.messages.labels(channel=channel).inc()
            try:
                return await on_new_message(message)
            finally:
                metrics.message_seconds.labels(channel=channel).observe(time.monotonic() - start)

        return measured


class MeasuredWebhookChannel(WebhookChannel):
    """A bot.channels.inbox channel whose turns are counted and timed (the module docstring)."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        turns = MeasuredTurns()
        blueprint = super().blueprint(turns.wrap(on_new_message))
        turns.bind(blueprint)
        return blueprint

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        with received():
            return await super().receive(request, on_new_message)


# -- the route -------------------------------------------------------------------------


def not_ready_because(app: Sanic) -> str | None:
    """Why the server cannot answer customers yet, or None when it can."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None:
        return "no model is loaded yet"
    if not agent.is_ready():
        return "the agent has no model, tracker store or processor yet"
    return None


async def ready(request: Request) -> HTTPResponse:
    reason = not_ready_because(request.app)
    if reason is not None:
        return json_response({"status": "not ready", "reason": reason}, status=503)
    return json_response({"status": "ready"})


def apply_log_format() -> None:
    """``LOG_FORMAT=json``: JSON lines from here on, in place of Rasa's colored ones."""
    if log_format() != JSON:
        return
    root = logging.getLogger()
    configure_logging(root.level or logging.INFO)
    format_handlers_of(SANIC_LOGGERS)
    # Sanic's loggers have handlers of their own: one JSON line each, not two.
    for name in SANIC_LOGGERS:
        logging.getLogger(name).propagate = False


class MetricsChannel(InputChannel):
    """``GET /metrics`` and ``GET /ready`` on Rasa's Sanic app (the module docstring).

    An input channel only in form: no customer writes here.
    """

    def __init__(self, settings: MetricsSettings | None = None) -> None:
        self.settings = settings or MetricsSettings()

    @classmethod
    def name(cls) -> str:
        return NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MetricsChannel:
        # credentials.yml only names the channel; the token comes from the environment.
        return cls(MetricsSettings.from_env(ENV_PREFIX))

    def url_prefix(self) -> str:
        # Rasa joins this to "/webhooks/" with urljoin: an absolute path replaces it.
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("observability")
        blueprint.add_route(
            metrics_handler(lambda request: metrics_of(request.app).registry, self.settings.token),
            METRICS_PATH,
            methods=["GET"],
        )
        blueprint.add_route(ready, READY_PATH, methods=["GET"])

        @blueprint.listener("before_server_start")
        async def start(app: Sanic, _loop: Any) -> None:
            metrics_of(app)
            apply_log_format()

        return blueprint

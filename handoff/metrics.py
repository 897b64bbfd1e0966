"""The handoff service's Prometheus metrics and readiness: ``GET /metrics``, ``GET /ready``.

Counted as it happens (in this process, from its start)::

    handoff_escalations_total{reason}          handoffs created, once under each of their
                                               reasons (handoff.escalation.rules' codes;
                                               ``other`` for a code it does not know,
                                               ``unspecified`` for none)
    handoff_deliveries_failed_total{channel}   replies and pickup notices the customer's
                                               channel did not take (the deliver hook raised)
    handoff_http_request_seconds{route,status} request latency, by route pattern

Read from the database when scraped (cheap indexed counts, nothing kept in
memory, so they are right across restarts and whichever process changed the
rows)::

    handoff_queue_length{state}                open handoffs: ``waiting``, ``assigned``
    handoff_oldest_waiting_seconds             age of the longest-waiting handoff (0: none)
    handoff_adapter_backlog{adapter,status}    contact-center deliveries not yet done:
                                               ``pending`` (being retried) or ``dead``
                                               (given up; handoff.integrations.admin)
    handoff_adapter_unread_events{adapter}     journal events the adapter has not queued yet

A scrape whose database read fails leaves those four out (and logs why):
the scrape still answers, and ``GET /ready`` says what is wrong.

``GET /ready`` answers 200 ``{"status": "ready"}`` when the database answers
``SELECT 1`` and, with ``HANDOFF_BROKER`` set, the broker's consumer runs
(for RabbitMQ: is subscribed on a live connection); otherwise 503
``{"status": "not ready", "reason": ...}``. ``GET /health`` stays the
liveness check: it answers as long as the process serves requests.

``HANDOFF_METRICS_TOKEN`` (plumbing.metrics): set, ``/metrics`` needs it as
a bearer token. ``/ready`` and ``/health`` say nothing of the customers and
stay open.

The metrics of an app are found with :func:`metrics_of`. They are kept in a
table beside the app's context rather than in it: the context
(handoff.context) is the routes' shared typed state, and the metrics are
optional to it (an app made without :func:`install` has none).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from handoff.context import Deliver, ServiceContext, context_of
from handoff.delivery import RasaDelivery
from handoff.escalation.rules import REASON_PRIORITY
from handoff.integrations.journals import JOURNALS, journal_of
from handoff.models import (
    ASSIGNED,
    CLOSED,
    WAITING,
    handoffs,
    integration_cursors,
    integration_deliveries,
    utc_now,
)
from handoff.store import Handoff, HandoffStore
from plumbing.metrics import (
    LATENCY_BUCKETS_S,
    METRICS_PATH,
    MetricsSettings,
    measure_requests,
    metrics_handler,
    new_registry,
)

logger = logging.getLogger(__name__)

ENV_PREFIX = "HANDOFF_"
READY_PATH = "/ready"
READY_TIMEOUT_S = 2.0
OTHER = "other"
UNSPECIFIED = "unspecified"
# A channel name as the bot's channels write it; anything else is "other".
_CHANNEL_LABEL = re.compile(r"[a-z][a-z0-9_]{0,31}")

_METRICS: weakref.WeakKeyDictionary[ServiceContext, HandoffMetrics] = weakref.WeakKeyDictionary()


def reason_labels(reasons: Sequence[str]) -> list[str]:
    """A handoff's reasons as label values: each known code once, the rest ``other``."""
    labels = {reason if reason in REASON_PRIORITY else OTHER for reason in reasons}
    return sorted(labels) or [UNSPECIFIED]


def channel_label(channel: str) -> str:
    return channel if _CHANNEL_LABEL.fullmatch(channel) else OTHER


class StoreCollector(Collector):
    """The gauges read from the handoff database at each scrape (the module docstring)."""

    def __init__(self, store: Callable[[], HandoffStore | None]) -> None:
        self._store = store

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Without this the registry would collect once when it is registered,
        # before the store is open.
        return self._families()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        store = self._store()
        if store is None:
            return []  # the server is not running: there is nothing to read
        try:
            return self._read(store.engine, utc_now())
        except SQLAlchemyError as error:
            logger.warning(
                "metrics: the handoff database could not be read: %s", type(error).__name__
            )
            return []

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily("handoff_queue_length", "Open handoffs, by state.", labels=["state"]),
            GaugeMetricFamily(
                "handoff_oldest_waiting_seconds",
                "How long the longest-waiting handoff has waited (0 when none waits).",
            ),
            GaugeMetricFamily(
                "handoff_adapter_backlog",
                "Contact-center deliveries not yet done, by adapter and status (pending, dead).",
                labels=["adapter", "status"],
            ),
            GaugeMetricFamily(
                "handoff_adapter_unread_events",
                "Journal events a contact-center adapter has not queued yet.",
                labels=["adapter"],
            ),
        ]

    def _read(self, engine: Engine, now: dt.datetime) -> list[GaugeMetricFamily]:
        h, d, c = handoffs.c, integration_deliveries.c, integration_cursors.c
        with engine.connect() as db:
            # Both on ix_handoffs_queue (status, priority, created_at, id).
            states = dict(
                db.execute(
                    select(h.status, func.count()).where(h.status != CLOSED).group_by(h.status)
                ).all()
            )
            oldest = db.execute(select(func.min(h.created_at)).where(h.status == WAITING)).scalar()
            backlog = db.execute(
                select(d.adapter, d.status, func.count()).group_by(d.adapter, d.status)
            ).all()
            cursors = db.execute(select(c.adapter, c.position)).all()
            # Each adapter against the journal it reads (the records' webhook: its own).
            latest = {
                journal.table.name: int(
                    db.execute(select(func.coalesce(func.max(journal.table.c.id), 0))).scalar() or 0
                )
                for journal in JOURNALS
            }
        queue, waited, adapters, unread = self._families()
        for state in (WAITING, ASSIGNED):
            queue.add_metric([state], float(states.get(state, 0)))
        age = (now - oldest).total_seconds() if isinstance(oldest, dt.datetime) else 0.0
        waited.add_metric([], max(0.0, age))
        for adapter, status, count in backlog:
            adapters.add_metric([adapter, status], float(count))
        for adapter, position in cursors:
            newest = latest[journal_of(adapter).table.name]
            unread.add_metric([adapter], float(max(0, newest - int(position))))
        return [queue, waited, adapters, unread]


class HandoffMetrics:
    """One app's metrics, in a registry of their own (plumbing.metrics)."""

    def __init__(self, store: Callable[[], HandoffStore | None]) -> None:
        self.registry = new_registry()
        self.escalations = Counter(
            "handoff_escalations",
            "Handoffs created, once under each of their reasons.",
            ["reason"],
            registry=self.registry,
        )
        self.deliveries_failed = Counter(
            "handoff_deliveries_failed",
            "Agents' replies and pickup notices the customer's channel did not take.",
            ["channel"],
            registry=self.registry,
        )
        self.requests = Histogram(
            "handoff_http_request_seconds",
            "Time to answer an HTTP request, by route pattern and status.",
            ["route", "status"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(StoreCollector(store))

    def created(self, handoff: Handoff) -> None:
        for reason in reason_labels(handoff.reasons):
            self.escalations.labels(reason=reason).inc()

    def delivery_failed(self, channel: str) -> None:
        self.deliveries_failed.labels(channel=channel_label(channel)).inc()

    def counting(self, deliver: Deliver) -> Deliver:
        """``deliver``, counting what it fails to deliver."""

        async def counted(channel: str, recipient_id: str, text: str) -> None:
            try:
                await deliver(channel, recipient_id, text)
            except Exception:
                self.delivery_failed(channel)
                raise

        return counted


class CountedRasaDelivery(RasaDelivery):
    """The default deliver hook (handoff.delivery), counting what it fails to deliver."""

    def __init__(self, metrics: HandoffMetrics, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._metrics = metrics

    async def __call__(self, channel: str, recipient_id: str, text: str) -> None:
        try:
            await super().__call__(channel, recipient_id, text)
        except Exception:
            self._metrics.delivery_failed(channel)
            raise


def metrics_of(source: Request | Sanic) -> HandoffMetrics | None:
    """The metrics of the app serving ``source``; None if :func:`install` was not called."""
    return _METRICS.get(context_of(source))


# -- readiness ---------------------------------------------------------------------------


def _select_one(engine: Engine) -> None:
    with engine.connect() as db:
        db.execute(sql_text("SELECT 1"))


async def not_ready_because(ctx: ServiceContext) -> str | None:
    """Why the service cannot do its work now, or None when it can."""
    store = ctx.opened_store
    if store is None:
        return "the handoff database is not open yet"
    try:
        await asyncio.wait_for(asyncio.to_thread(_select_one, store.engine), READY_TIMEOUT_S)
    except asyncio.TimeoutError:
        return f"the handoff database did not answer within {READY_TIMEOUT_S:g} s"
    except SQLAlchemyError as error:
        return f"the handoff database does not answer ({type(error).__name__})"
    if ctx.settings.broker != "none":
        if ctx.broker is None:
            return f"the {ctx.settings.broker} broker's consumer is not running"
        # The RabbitMQ consumer says whether it is subscribed on a live
        # connection; the SQL one reads through the same kind of engine as above.
        if not getattr(ctx.broker, "consuming", True):
            return "the rabbitmq broker's consumer is not connected"
    return None


async def ready(request: Request) -> HTTPResponse:
    reason = await not_ready_because(context_of(request))
    if reason is not None:
        return json_response({"status": "not ready", "reason": reason}, status=503)
    return json_response({"status": "ready"})


# -- wiring ------------------------------------------------------------------------------


def install(app: Sanic, settings: MetricsSettings | None = None) -> HandoffMetrics:
    """``GET /metrics`` and ``GET /ready`` on the app, and the request histogram.

    Called by handoff.service.create_app before any other middleware, so the
    histogram times the whole request.
    """
    ctx = context_of(app)
    if ctx in _METRICS:
        raise RuntimeError("the metrics are already installed on this app")
    metrics = HandoffMetrics(lambda: ctx.opened_store)
    _METRICS[ctx] = metrics
    measure_requests(app, metrics.requests)
    token = (settings or MetricsSettings()).token
    bp = Blueprint("observability")
    bp.add_route(metrics_handler(metrics.registry, token), METRICS_PATH, methods=["GET"])
    bp.add_route(ready, READY_PATH, methods=["GET"])
    app.blueprint(bp)
    return metrics


def metrics_settings_from_env() -> MetricsSettings:
    """``HANDOFF_METRICS_TOKEN``."""
    return MetricsSettings.from_env(ENV_PREFIX)

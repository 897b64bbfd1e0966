"""The action server's Prometheus metrics and readiness: ``GET /metrics``, ``GET /ready``.

Counted as it happens (in this process, from its start)::

    actions_runs_total{action,outcome}         action calls, by action and outcome:
                                               ``ok``, ``rejected`` (the action refused the
                                               call, e.g. a form's validation), ``not_found``,
                                               ``failed`` (it raised), ``cancelled`` (the Rasa
                                               server hung up first)
    actions_run_seconds{action}                how long an action took
    actions_http_request_seconds{route,status} request latency, by route pattern

Read from the outbox when scraped (actions.handoff_outbox)::

    actions_handoff_outbox_pending             escalations recorded but not yet delivered
                                               to the handoff service

An action the server does not have is counted as ``unknown``: the label
takes the names of registered actions only.

``GET /ready``: 200 ``{"status": "ready"}`` when the outbox's database answers
(the one database this server owns: an escalation must be recorded there
before the customer is promised a person), 503 ``{"status": "not ready",
"reason": ...}`` otherwise. ``GET /health`` stays the liveness check. The
business backend (``ACTIONS_BACKEND``) is pluggable and may be another
company's API: its failures show as ``actions_runs_total{outcome="failed"}``.

``ACTIONS_METRICS_TOKEN`` (plumbing.metrics): set, ``/metrics`` needs it as a
bearer token; it is not ``ACTIONS_TOKEN``, so a scraper cannot run actions.

With several Sanic workers (``ACTION_SERVER_SANIC_WORKERS``), each worker
counts its own calls and a scrape reaches one of them: run one worker per
process and scale with processes (as ``make run-prod`` does) to keep the
counts whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import Counter, Gauge, Histogram
from sanic.request import Request

from actions.errors import ActionNotFound, ActionRejected
from actions.handoff_outbox import Outbox, OutboxUnavailable
from plumbing.metrics import LATENCY_BUCKETS_S, new_registry

logger = logging.getLogger(__name__)

ENV_PREFIX = "ACTIONS_"
READY_TIMEOUT_S = 2.0
UNKNOWN = "unknown"
OK = "ok"
REJECTED = "rejected"
NOT_FOUND = "not_found"
FAILED = "failed"
CANCELLED = "cancelled"


class ActionMetrics:
    """The action server's metrics, in a registry of their own (plumbing.metrics).

    ``outbox`` gives the handoff outbox while the server runs (None otherwise,
    or when the server was given a sender without one).
    """

    def __init__(self, outbox: Callable[[], Outbox | None]) -> None:
        self._outbox = outbox
        self.registry = new_registry()
        self.runs = Counter(
            "actions_runs",
            "Action calls, by action and outcome.",
            ["action", "outcome"],
            registry=self.registry,
        )
        self.run_seconds = Histogram(
            "actions_run_seconds",
            "How long an action took to run.",
            ["action"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.requests = Histogram(
            "actions_http_request_seconds",
            "Time to answer an HTTP request, by route pattern and status.",
            ["route", "status"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "actions_handoff_outbox_pending",
            "Escalations recorded in the outbox, not yet delivered to the handoff service.",
            registry=self.registry,
        )

    @contextlib.contextmanager
    def running(self, action_name: str, known: bool) -> Iterator[None]:
        """Count and time the action run inside the block, by how it ended."""
        label = action_name if known else UNKNOWN
        outcome = FAILED
        started = time.perf_counter()
        try:
            yield
            outcome = OK
        except ActionRejected:
            outcome = REJECTED
            raise
        except ActionNotFound:
            outcome = NOT_FOUND
            raise
        except asyncio.CancelledError:
            outcome = CANCELLED
            raise
        finally:
            self.runs.labels(action=label, outcome=outcome).inc()
            self.run_seconds.labels(action=label).observe(time.perf_counter() - started)

    async def refresh(self, _request: Request) -> None:
        """Read the outbox's gauges (before a scrape). Left as they were if it fails."""
        outbox = self._outbox()
        if outbox is None:
            return
        try:
            pending = await outbox.pending_count()
        except OutboxUnavailable as error:
            logger.warning("metrics: the handoff outbox could not be read: %s", error)
            return
        self.outbox_pending.set(pending)


async def not_ready_because(outbox: Outbox | None) -> str | None:
    """Why the server cannot record escalations now, or None when it can."""
    if outbox is None:
        return None  # a server given a sender without an outbox (tests): nothing to check
    try:
        await asyncio.wait_for(outbox.pending_count(), READY_TIMEOUT_S)
    except asyncio.TimeoutError:
        return f"the handoff outbox's database did not answer within {READY_TIMEOUT_S:g} s"
    except OutboxUnavailable:
        return "the handoff outbox's database does not answer"
    return None

"""Prometheus metrics for our Sanic services, with the ``prometheus-client`` package.

What every service does the same way:

- its metrics live in a registry of its own (:func:`new_registry`), never in
  prometheus-client's global default one: tests start many apps in one
  process, and one process may hold several services' apps, each with the
  same metric names;
- ``GET /metrics`` (:func:`metrics_handler`) serves the registry in the
  format the scraper's ``Accept`` asks for (prometheus-client's
  ``choose_encoder``: OpenMetrics, or Prometheus's classic text format, which
  ``generate_latest`` writes and a plain ``curl`` gets). Collecting runs in a
  worker thread: a service's gauges may be read from its database when scraped;
- the page may be protected by a bearer token of its own
  (:class:`MetricsSettings`, ``<PREFIX>METRICS_TOKEN``: ``HANDOFF_METRICS_TOKEN``,
  ``ACTIONS_METRICS_TOKEN``, ``BOT_METRICS_TOKEN``). Set, the page answers 401
  without it (compared in constant time); unset, it is open, which is safe
  only while the service listens on loopback. A separate token, not the
  service's API token: the scraper must not be able to act on the service.
  Prometheus sends it with ``authorization: {credentials_file: ...}`` in its
  scrape config;
- :func:`measure_requests` keeps a latency histogram of its HTTP requests by
  route (the route's pattern, never the URL: ids and phone numbers stay out
  of label values) and status.

A metric's labels take values from small fixed sets only (a route pattern, a
status, a channel name, a reason code): every distinct value is a time series
kept for ever.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.exposition import choose_encoder
from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, raw
from sanic.response import json as json_response

from plumbing.settings import read_env, setting
from plumbing.untrusted import header_bytes

__all__ = [
    "LATENCY_BUCKETS_S",
    "METRICS_PATH",
    "MetricsSettings",
    "bearer_matches",
    "measure_requests",
    "metrics_handler",
    "new_registry",
]

METRICS_PATH = "/metrics"
BEARER = b"bearer "  # the scheme is case-insensitive (RFC 7235)
# Seconds: from a cached answer (a few ms) to a turn that waited on a slow
# action server or a platform's API (tens of seconds).
LATENCY_BUCKETS_S = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip
# A request that matched no route: one label value for all of them (404s,
# scanners), not one per URL.
UNMATCHED_ROUTE = "unmatched"
MIN_TOKEN_LENGTH = 16
# As the services' other tokens: it goes into an HTTP header.
TOKEN_PATTERN = re.compile(r"[!-~]+")
_STARTED = "metrics_started_at"

Handler = Callable[[Request], Coroutine[Any, Any, HTTPResponse]]


def new_registry() -> CollectorRegistry:
    """A registry of one service's metrics (see the module docstring: never the global one)."""
    return CollectorRegistry(auto_describe=True)


@dataclass(frozen=True)
class MetricsSettings:
    """``<PREFIX>METRICS_TOKEN``: the bearer token of ``GET /metrics``; empty: open."""

    token: str = setting("", secret=True)  # never in logs
    # The variable's name, for messages (set by from_env).
    variable: str = "METRICS_TOKEN"

    def __post_init__(self) -> None:
        if not self.token:
            return
        # The messages never quote the token.
        if not TOKEN_PATTERN.fullmatch(self.token):
            raise ValueError(f"{self.variable} must be printable ASCII without spaces")
        if len(self.token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"{self.variable} must be at least {MIN_TOKEN_LENGTH} characters")

    @classmethod
    def from_env(cls, prefix: str, environ: Mapping[str, str] | None = None) -> MetricsSettings:
        """From ``prefix + "METRICS_TOKEN"`` (``HANDOFF_`` reads ``HANDOFF_METRICS_TOKEN``)."""
        variable = f"{prefix}METRICS_TOKEN"
        return read_env(cls, environ, prefix=f"{prefix}METRICS_", variable=variable)


def bearer_matches(request: Request, token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (constant time).

    False when ``token`` is empty: a caller that wants an open page does not ask.
    """
    header = header_bytes(request.headers.get("authorization"))
    if not token or header is None or header[: len(BEARER)].lower() != BEARER:
        return False
    return hmac.compare_digest(header[len(BEARER) :].strip(), token.encode())


def metrics_handler(
    registry: CollectorRegistry | Callable[[Request], CollectorRegistry],
    token: str = "",
    *,
    refresh: Callable[[Request], Awaitable[None]] | None = None,
) -> Handler:
    """The ``GET /metrics`` handler of ``registry`` (or of the registry a request's app holds).

    With ``token``, a request without it gets 401 and nothing is collected.
    ``refresh`` sets gauges that are read asynchronously, before collecting.
    """

    async def metrics(request: Request) -> HTTPResponse:
        if token and not bearer_matches(request, token):
            return json_response(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        if refresh is not None:
            await refresh(request)
        chosen = registry if isinstance(registry, CollectorRegistry) else registry(request)
        # The format the scraper asks for (OpenMetrics, or the classic text format).
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        # Off the event loop: collectors may read the database.
        body = await asyncio.to_thread(encode, chosen)
        return raw(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    return metrics


def route_label(request: Request) -> str:
    """The route's pattern (``/api/handoffs/<handoff_id:int>``), or ``unmatched``."""
    return request.uri_template if getattr(request, "route", None) is not None else UNMATCHED_ROUTE


def measure_requests(app: Sanic, histogram: Histogram) -> None:
    """Observe every request's duration in ``histogram`` (labels ``route``, ``status``).

    From the first request middleware to the response middleware: for a
    streamed answer (server-sent events), until its headers are sent.
    """

    async def started(request: Request) -> None:
        setattr(request.ctx, _STARTED, time.perf_counter())

    async def finished(request: Request, response: BaseHTTPResponse) -> None:
        start = getattr(request.ctx, _STARTED, None)
        if start is None:
            return  # failed before the request middleware ran: nothing to time
        histogram.labels(route=route_label(request), status=str(response.status)).observe(
            time.perf_counter() - start
        )

    # Request middleware runs in the order registered: call this before adding any.
    app.register_middleware(started, "request")
    app.register_middleware(finished, "response")

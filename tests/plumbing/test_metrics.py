"""plumbing.metrics: a registry per app, the page and its token, request latency by route."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from prometheus_client import Counter, Histogram
from prometheus_client.parser import text_string_to_metric_families
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request
from sanic.response import HTTPResponse, text

from plumbing.metrics import (
    LATENCY_BUCKETS_S,
    MetricsSettings,
    bearer_matches,
    measure_requests,
    metrics_handler,
    new_registry,
)
from tests.live_server import LiveServer

TOKEN = "metrics-token-" + "t" * 24


def request_with(authorization: str | None) -> Request:
    headers = Header({"authorization": authorization} if authorization is not None else {})
    return cast(Request, SimpleNamespace(headers=headers))


@pytest.mark.parametrize(
    ("authorization", "matches"),
    [
        (None, False),
        ("", False),
        (TOKEN, False),  # no scheme
        (f"Basic {TOKEN}", False),
        ("Bearer", False),
        (f"Bearer {TOKEN}x", False),
        (f"Bearer {TOKEN[:-1]}", False),
        ("Bearer t\udcc3\udcb6ken", False),  # bytes that are not ASCII, as Sanic passes them
        (f"Bearer {TOKEN}", True),
        (f"bearer  {TOKEN} ", True),  # the scheme in any case, spaces around
    ],
)
def test_only_the_bearer_token_matches(authorization: str | None, matches: bool) -> None:
    assert bearer_matches(request_with(authorization), TOKEN) is matches


def test_no_token_set_matches_nothing() -> None:
    assert bearer_matches(request_with("Bearer "), "") is False


def test_the_token_comes_from_the_service_s_variable_and_stays_out_of_repr() -> None:
    settings = MetricsSettings.from_env("HANDOFF_", {"HANDOFF_METRICS_TOKEN": f"  {TOKEN}  "})
    assert settings.token == TOKEN
    assert TOKEN not in repr(settings)
    assert MetricsSettings.from_env("HANDOFF_", {}).token == ""


@pytest.mark.parametrize(
    ("value", "problem"), [("short", "at least 16"), ("with a space " + "x" * 16, "printable")]
)
def test_a_weak_token_is_refused_naming_the_variable_not_the_value(
    value: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem) as raised:
        MetricsSettings.from_env("ACTIONS_", {"ACTIONS_METRICS_TOKEN": value})
    assert "ACTIONS_METRICS_TOKEN" in str(raised.value)
    assert value not in str(raised.value)


def test_two_registries_hold_the_same_names_apart() -> None:
    first, second = new_registry(), new_registry()
    Counter("jobs", "Jobs.", registry=first).inc(3)
    Counter("jobs", "Jobs.", registry=second)  # no clash: each service has its own
    assert first.get_sample_value("jobs_total") == 3
    assert second.get_sample_value("jobs_total") == 0


# -- served ----------------------------------------------------------------------------------


class Served(LiveServer):
    def __init__(self, token: str = "") -> None:
        app = Sanic(f"metrics_{uuid.uuid4().hex}")
        self.registry = new_registry()
        self.jobs = Counter("jobs", "Jobs done.", registry=self.registry)
        self.latency = Histogram(
            "requests_seconds",
            "Requests.",
            ["route", "status"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.refreshed = 0

        async def refresh(_request: Request) -> None:
            self.refreshed += 1

        measure_requests(app, self.latency)

        async def item(_request: Request, item_id: int) -> HTTPResponse:
            return text(f"item {item_id}")

        async def broken(_request: Request) -> HTTPResponse:
            raise RuntimeError("broken")

        app.add_route(item, "/items/<item_id:int>")
        app.add_route(broken, "/broken")
        app.add_route(metrics_handler(self.registry, token, refresh=refresh), "/metrics")
        super().__init__(app)

    async def page(self, **headers: str) -> dict[tuple[str, frozenset[Any]], float]:
        response = await self.client.get("/metrics", headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert response.headers["cache-control"] == "no-store"
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


@pytest.fixture
async def served(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    server = await Served().start()
    yield server
    await server.stop()


async def test_the_page_shows_the_registry_refreshed_first(served: Served) -> None:
    served.jobs.inc(2)

    found = await served.page()

    assert found[("jobs_total", frozenset())] == 2
    assert served.refreshed == 1


async def test_requests_are_timed_by_route_pattern_and_status(served: Served) -> None:
    await served.client.get("/items/12345678")
    await served.client.get("/items/87654321")
    await served.client.get("/no/such/page/4155550101")
    await served.client.get("/broken")

    found = await served.page()

    def count(route: str, status: str) -> float | None:
        labels = frozenset({"route": route, "status": status}.items())
        return found.get(("requests_seconds_count", labels))

    assert count("/items/<item_id:int>", "200") == 2
    assert count("unmatched", "404") == 1
    assert count("/broken", "500") == 1
    # Label values are patterns: no id, no path a client made up.
    assert not any("12345678" in str(labels) or "4155550101" in str(labels) for _, labels in found)


async def test_with_a_token_the_page_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    server = await Served(TOKEN).start()
    try:
        served = server
        served.jobs.inc()
        refused = await served.client.get("/metrics")
        wrong = await served.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        refreshed_while_refused = served.refreshed
        found = await served.page(Authorization=f"Bearer {TOKEN}")
    finally:
        await server.stop()

    for response in (refused, wrong):
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized"}
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "jobs" not in response.text
    assert refreshed_while_refused == 0  # nothing read for a refused scrape
    assert found[("jobs_total", frozenset())] == 1


async def test_a_scraper_that_asks_for_openmetrics_gets_it(served: Served) -> None:
    served.jobs.inc()

    response = await served.client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert "jobs_total 1.0" in response.text

"""actions.metrics: the action server's GET /metrics and GET /ready, served for real."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.handoff_outbox import HandoffSender
from actions.server import create_app
from actions.settings import ActionSettings
from plumbing.metrics import MetricsSettings
from tests.actions.conftest import Make
from tests.actions.test_server import (
    CrashingAction,
    RecordingAction,
    RejectingAction,
    action_call,
)
from tests.live_server import LiveServer

TOKEN = "actions-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
METRICS_TOKEN = "actions-metrics-token-" + "m" * 20
# Nothing listens there: escalations stay in the outbox.
NO_HANDOFF_SERVICE = "http://127.0.0.1:9"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
Serve = Callable[..., Awaitable[httpx.AsyncClient]]


def samples(page: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


@pytest.fixture(autouse=True)
def _several_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def executor() -> ActionExecutor:
    executor = ActionExecutor()
    for action in (RecordingAction(), RejectingAction(), CrashingAction()):
        executor.register_action(action)
    return executor


@pytest.fixture
async def serve(executor: ActionExecutor, make_sender: Make) -> AsyncIterator[Serve]:
    """Starts the action server with a real outbox (whose service is down)."""
    servers: list[LiveServer] = []

    async def start(
        sender: HandoffSender | None = None, metrics: MetricsSettings | None = None
    ) -> httpx.AsyncClient:
        app = create_app(
            ActionSettings(token=TOKEN),
            executor=executor,
            sender=sender or await make_sender(NO_HANDOFF_SERVICE),
            metrics=metrics,
            every_s=3600,
        )
        server = await LiveServer(app).start()
        servers.append(server)
        return server.client

    yield start
    for server in servers:
        await server.stop()


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_actions_are_counted_by_name_and_outcome(serve: Serve) -> None:
    client = await serve()
    for action in ("action_record", "action_record", "action_reject", "action_crash"):
        await client.post("/webhook", json=action_call(action), headers=AUTH)
    await client.post("/webhook", json=action_call("action_nobody_wrote"), headers=AUTH)

    found = await scrape(client)

    runs = "actions_runs_total"
    assert value(found, runs, action="action_record", outcome="ok") == 2
    assert value(found, runs, action="action_reject", outcome="rejected") == 1
    assert value(found, runs, action="action_crash", outcome="failed") == 1
    assert value(found, runs, action="unknown", outcome="not_found") == 1
    assert value(found, "actions_run_seconds_count", action="action_record") == 2
    # A name the server does not have never becomes a label.
    assert not any("action_nobody_wrote" in str(labels) for _, labels in found)


async def test_requests_are_timed_refused_ones_too(serve: Serve) -> None:
    client = await serve()
    await client.post("/webhook", json=action_call())  # no token: 401
    await client.post("/webhook", json=action_call(), headers=AUTH)

    found = await scrape(client)

    histogram = "actions_http_request_seconds_count"
    assert value(found, histogram, route="/webhook", status="401") == 1
    assert value(found, histogram, route="/webhook", status="200") == 1


async def test_the_outbox_backlog_counts_escalations_not_yet_delivered(
    serve: Serve, make_sender: Make
) -> None:
    sender = await make_sender(NO_HANDOFF_SERVICE)
    client = await serve(sender)
    for escalation_id in ("esc-1", "esc-2"):
        await sender.outbox.add(escalation_id, {"escalation_id": escalation_id}, 3600)

    found = await scrape(client)

    assert value(found, "actions_handoff_outbox_pending") == 2


async def test_with_a_metrics_token_the_page_needs_it(serve: Serve) -> None:
    client = await serve(metrics=MetricsSettings(token=METRICS_TOKEN))

    without = await client.get("/metrics")
    with_the_actions_token = await client.get("/metrics", headers=AUTH)
    found = await scrape(client, Authorization=f"Bearer {METRICS_TOKEN}")

    assert without.status_code == 401
    assert with_the_actions_token.status_code == 401
    assert "actions_" not in without.text + with_the_actions_token.text
    assert value(found, "actions_handoff_outbox_pending") == 0


def test_the_metrics_token_is_read_from_its_variable() -> None:
    settings = MetricsSettings.from_env("ACTIONS_", {"ACTIONS_METRICS_TOKEN": METRICS_TOKEN})
    assert settings.token == METRICS_TOKEN
    assert METRICS_TOKEN not in repr(settings)


async def test_ready_when_the_outbox_answers(serve: Serve) -> None:
    client = await serve()

    response = await client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_not_ready_when_the_outbox_s_database_does_not_answer(
    serve: Serve, make_sender: Make
) -> None:
    # Nothing listens on port 1: connecting is refused at once.
    sender = await make_sender(NO_HANDOFF_SERVICE, "postgresql://nobody@127.0.0.1:1/outbox")
    client = await serve(sender)

    response = await client.get("/ready")
    health = await client.get("/health")
    page = await client.get("/metrics")

    assert response.status_code == 503
    body: dict[str, Any] = response.json()
    assert body["status"] == "not ready" and "outbox" in body["reason"]
    assert health.status_code == 200
    assert page.status_code == 200  # the page still answers

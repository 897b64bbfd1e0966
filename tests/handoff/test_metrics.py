"""handoff.metrics: GET /metrics and GET /ready on the running service."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sanic import Sanic
from sqlalchemy import insert

from handoff.metrics import StoreCollector, not_ready_because, reason_labels
from handoff.models import (
    INTEGRATION_DEAD,
    INTEGRATION_PENDING,
    integration_cursors,
    integration_deliveries,
    utc_now,
)
from handoff.service import create_app
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore
from plumbing.metrics import MetricsSettings
from tests.handoff.conftest import (
    CloseRecorder,
    FakeDelivery,
    Service,
    claimed_by,
    create,
)

METRICS_TOKEN = "metrics-token-" + "m" * 24

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(page: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


async def scrape(service: Service, **headers: str) -> Samples:
    response = await service.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_escalations_by_reason_queue_length_and_oldest_wait(service: Service) -> None:
    await create(service, "ann", reasons=["anger"])
    await create(service, "bob", reasons=["explicit_request"])

    found = await scrape(service)

    assert value(found, "handoff_escalations_total", reason="anger") == 1
    assert value(found, "handoff_escalations_total", reason="explicit_request") == 1
    assert value(found, "handoff_queue_length", state="waiting") == 2
    assert value(found, "handoff_queue_length", state="assigned") == 0
    oldest = value(found, "handoff_oldest_waiting_seconds")
    assert oldest is not None and 0 < oldest < 60


async def test_a_retried_escalation_is_counted_once(service: Service) -> None:
    await create(service, "ann", reasons=["anger"])
    again = await service.admin(
        "POST",
        "/api/handoffs",
        json={
            "escalation_id": "esc-ann",
            "conversation_id": "conv-ann",
            "channel": "telegram",
            "reasons": ["anger"],
            "priority": 3,
        },
    )
    assert again.status_code == 200, again.text

    found = await scrape(service)

    assert value(found, "handoff_escalations_total", reason="anger") == 1


async def test_claimed_handoffs_leave_the_waiting_queue(service: Service) -> None:
    await claimed_by(service, "ann")

    found = await scrape(service)

    assert value(found, "handoff_queue_length", state="waiting") == 0
    assert value(found, "handoff_queue_length", state="assigned") == 1
    assert value(found, "handoff_oldest_waiting_seconds") == 0


def test_reason_codes_the_rules_do_not_know_share_one_label() -> None:
    assert reason_labels(["anger", "anger", "made-up-" + "x" * 200]) == ["anger", "other"]
    assert reason_labels([]) == ["unspecified"]


async def test_a_reply_the_channel_did_not_take_is_counted(
    service: Service, delivery: FakeDelivery
) -> None:
    handoff, token = await claimed_by(service, "ann")
    delivery.failing = True

    response = await service.as_(
        token, "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "Hello"}
    )

    assert response.status_code == 502, response.text
    found = await scrape(service)
    assert value(found, "handoff_deliveries_failed_total", channel="telegram") == 1


async def test_request_latency_is_kept_by_route_pattern_and_status(service: Service) -> None:
    handoff = await create(service, "ann")
    await service.admin("GET", f"/api/handoffs/{handoff['id']}")
    await service.admin("GET", "/api/handoffs/999999")

    found = await scrape(service)

    route = "/api/handoffs/<handoff_id:int>"
    histogram = "handoff_http_request_seconds_count"
    assert value(found, histogram, route="/api/handoffs", status="201") == 1
    assert value(found, histogram, route=route, status="200") == 1
    assert value(found, histogram, route=route, status="404") == 1
    # No label carries an id.
    assert not any("999999" in str(labels) for _, labels in found)


async def test_the_adapters_backlog_is_read_from_the_database(service: Service) -> None:
    handoff = await create(service, "ann")
    now = utc_now()
    row = {
        "adapter": "webhook",
        "conversation_id": "conv-ann",
        "handoff_id": handoff["id"],
        "event_type": "handoff.created",
        "attempts": 1,
        "queued_at": now,
        "next_attempt_at": now,
    }
    with service.context.store.engine.begin() as db:
        db.execute(
            insert(integration_deliveries),
            [
                {**row, "event_id": 1, "status": INTEGRATION_DEAD},
                {**row, "event_id": 2, "status": INTEGRATION_PENDING},
                {**row, "event_id": 3, "status": INTEGRATION_PENDING},
            ],
        )
        db.execute(
            insert(integration_cursors).values(adapter="webhook", position=0, updated_at=now)
        )

    found = await scrape(service)

    backlog = "handoff_adapter_backlog"
    assert value(found, backlog, adapter="webhook", status="pending") == 2
    assert value(found, backlog, adapter="webhook", status="dead") == 1
    unread = value(found, "handoff_adapter_unread_events", adapter="webhook")
    assert unread is not None and unread >= 1  # at least the handoff.created event


# -- the token -----------------------------------------------------------------------------


@pytest.fixture
async def guarded(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> AsyncIterator[Service]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = create_app(
        settings,
        deliver=delivery,
        on_close=closes,
        name=f"handoff_{uuid.uuid4().hex}",
        metrics=MetricsSettings(token=METRICS_TOKEN),
    )
    running = await Service(app).start()
    yield running
    await running.stop()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-" + "w" * 24}, {"Authorization": METRICS_TOKEN}],
)
async def test_with_a_metrics_token_the_page_needs_it(
    guarded: Service, headers: dict[str, str]
) -> None:
    response = await guarded.client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized"}
    assert "handoff_" not in response.text


async def test_with_the_metrics_token_the_page_is_served(guarded: Service) -> None:
    found = await scrape(guarded, Authorization=f"Bearer {METRICS_TOKEN}")

    assert value(found, "handoff_queue_length", state="waiting") == 0


async def test_the_admin_token_does_not_open_the_metrics(guarded: Service) -> None:
    response = await guarded.admin("GET", "/metrics")

    assert response.status_code == 401


def test_a_short_metrics_token_is_refused_naming_its_variable() -> None:
    with pytest.raises(ValueError, match="HANDOFF_METRICS_TOKEN"):
        MetricsSettings.from_env("HANDOFF_", {"HANDOFF_METRICS_TOKEN": "short"})


# -- readiness -----------------------------------------------------------------------------


async def test_ready_when_the_database_answers(service: Service) -> None:
    response = await service.client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_not_ready_when_the_database_does_not_answer(service: Service) -> None:
    ctx = service.context
    opened = ctx.opened_store
    # Nothing listens on port 1: connecting is refused at once.
    ctx.opened_store = HandoffStore("postgresql://nobody@127.0.0.1:1/handoff")
    try:
        response = await service.client.get("/ready")
        health = await service.client.get("/health")
    finally:
        assert ctx.opened_store is not None
        ctx.opened_store.dispose()
        ctx.opened_store = opened

    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert "database" in response.json()["reason"]
    assert health.status_code == 200  # alive all the same: a restart would not help


async def test_not_ready_when_the_configured_broker_is_not_consumed(service: Service) -> None:
    ctx = service.context
    ctx.settings = dataclasses.replace(ctx.settings, broker="sql")
    assert ctx.broker is None

    reason = await not_ready_because(ctx)
    response = await service.client.get("/ready")

    assert reason is not None and "broker" in reason
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": reason}


async def test_the_sql_broker_s_consumer_makes_the_service_ready(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    delivery: FakeDelivery,
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    with_broker = dataclasses.replace(
        settings, broker="sql", broker_url=settings.database_url.replace("handoff", "events")
    )
    app = create_app(with_broker, deliver=delivery, name=f"handoff_{uuid.uuid4().hex}")
    running = await Service(app).start()
    try:
        response = await running.client.get("/ready")
    finally:
        await running.stop()

    assert response.status_code == 200, response.text


def test_before_the_store_is_open_the_database_gauges_are_left_out() -> None:
    assert list(StoreCollector(lambda: None).collect()) == []

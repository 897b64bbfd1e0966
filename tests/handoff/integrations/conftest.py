"""Fixtures of the adapter tests: the fake contact centers, and the handoff service with
adapters installed, started (and restarted) on the same database.

Delivery runs with short delays here (retries from 50 ms, polls every 50 ms),
so a receiver that is down for a while costs a test well under a second.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sanic import Sanic

from handoff.integrations import install
from handoff.integrations.settings import IntegrationSettings
from handoff.integrations.zendesk import TicketMap
from handoff.integrations.zendesk_inbound import INBOUND_PATH
from handoff.service import create_app
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore, JournalEvent
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.zendesk import FakeZendesk, webhook_headers
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, FakeDelivery, Service
from tests.handoff.integrations.crm_receiver import FakeCrm

WEBHOOK_SECRET = "webhook-secret-" + "w" * 24
ZENDESK_EMAIL = "api@example.com"
ZENDESK_TOKEN = "zendesk-api-token-" + "z" * 20
ZENDESK_WEBHOOK_SECRET = "zendesk-signing-secret-" + "s" * 20
RECORDS_SECRET = "records-secret-" + "r" * 24

FAST = {"retry_base_s": 0.05, "retry_max_s": 0.2, "poll_s": 0.05, "timeout_s": 2.0}

StartService = Callable[[IntegrationSettings], Awaitable[Service]]


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    fake = FakeWebhookReceiver(WEBHOOK_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk(ZENDESK_EMAIL, ZENDESK_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def crm() -> Iterator[FakeCrm]:
    fake = FakeCrm(RECORDS_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def records_settings(crm: FakeCrm) -> IntegrationSettings:
    """The CRM webhook alone: no contact-center adapter."""
    return IntegrationSettings(
        records_webhook_url=crm.endpoint, records_webhook_secret=RECORDS_SECRET, **FAST
    )


@pytest.fixture
def webhook_settings(receiver: FakeWebhookReceiver) -> IntegrationSettings:
    return IntegrationSettings(
        adapters=("webhook",),
        webhook_url=receiver.endpoint,
        webhook_secret=WEBHOOK_SECRET,
        **FAST,
    )


@pytest.fixture
def zendesk_settings(zendesk: FakeZendesk) -> IntegrationSettings:
    return IntegrationSettings(
        adapters=("zendesk",),
        zendesk_url=zendesk.url,
        zendesk_email=ZENDESK_EMAIL,
        zendesk_api_token=ZENDESK_TOKEN,
        zendesk_webhook_secret=ZENDESK_WEBHOOK_SECRET,
        **FAST,
    )


@pytest.fixture
def handoff_settings(database_url: str) -> HandoffSettings:
    return HandoffSettings(database_url=database_url, admin_token=ADMIN_TOKEN, broker="none")


@pytest.fixture
async def start_service(
    monkeypatch: pytest.MonkeyPatch,
    handoff_settings: HandoffSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> AsyncIterator[StartService]:
    """Start the service with adapters; may be called again after ``stop`` (a restart)."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    started: list[Service] = []

    async def start(settings: IntegrationSettings) -> Service:
        app = create_app(
            handoff_settings,
            deliver=delivery,
            on_close=closes,
            name=f"handoff_{uuid.uuid4().hex}",
        )
        install(app, settings)
        service = await Service(app).start()
        started.append(service)
        return service

    yield start
    for service in started:
        await service.stop()


def with_settings(settings: IntegrationSettings, **changes: Any) -> IntegrationSettings:
    return replace(settings, **changes)


# -- driving the service --------------------------------------------------------------------


def handoff_body(name: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "escalation_id": f"esc-{name}",
        "conversation_id": f"conv-{name}",
        "channel": "telegram",
        "customer": {"id": f"tg-{name}", "name": name.title()},
        "reasons": ["explicit_request", "anger"],
        "priority": 3,
        "anger": 0.6,
        "summary": {"intents": ["order_status"], "order_number": "A1234"},
        "transcript": [
            {"role": "customer", "text": f"{name}: where is my order", "timestamp": 1740830400.0},
            {"role": "bot", "text": "It ships tomorrow.", "timestamp": 1740830401.0},
            {"role": "customer", "text": f"{name}: I want a person", "timestamp": 1740830410.0},
        ],
    }
    body.update(overrides)
    return body


async def create_handoff(service: Service, name: str, **overrides: Any) -> dict[str, Any]:
    response = await service.admin("POST", "/api/handoffs", json=handoff_body(name, **overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def customer_says(service: Service, handoff_id: int, text: str) -> None:
    response = await service.admin(
        "POST", f"/api/handoffs/{handoff_id}/customer-messages", json={"text": text}
    )
    assert response.status_code == 201, response.text


def store_of(service: Service) -> HandoffStore:
    store: HandoffStore = service.app.ctx.store
    return store


async def journal(service: Service) -> list[JournalEvent]:
    return await store_of(service).events_after(0, 10_000)


async def eventually(
    condition: Callable[[], Awaitable[bool]], timeout_s: float = 10.0, what: str = "condition"
) -> None:
    """Wait for ``condition`` (deliveries happen in the background), at most ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def queued(service: Service, **params: str) -> list[dict[str, Any]]:
    response = await service.admin("GET", "/api/integrations/deliveries", params=params)
    assert response.status_code == 200, response.text
    deliveries: list[dict[str, Any]] = response.json()["deliveries"]
    return deliveries


async def drained(service: Service) -> None:
    """Wait until every adapter has read the whole journal and delivered all it queued."""

    async def done() -> bool:
        response = await service.admin("GET", "/api/integrations/deliveries")
        body = response.json()
        caught_up = all(p == body["latest_event_id"] for p in body["read_up_to"].values())
        return caught_up and not [d for d in body["deliveries"] if d["status"] == "pending"]

    await eventually(done, what="every event to be delivered")


async def arrived(
    receiver: FakeWebhookReceiver, count: int, timeout_s: float = 10.0
) -> list[dict[str, Any]]:
    """The receiver's events once it has taken ``count`` (awaited: the sender runs in this loop)."""

    async def enough() -> bool:
        return len(receiver.events()) >= count

    await eventually(enough, timeout_s, f"{count} events at the receiver")
    return receiver.events()


# -- Zendesk ------------------------------------------------------------------------------


async def ticket_of(service: Service, zendesk: FakeZendesk, escalation_id: str) -> dict[str, Any]:
    """The handoff's ticket, once the service has recorded it too: Zendesk holds the
    ticket a moment before the service has read the answer, and a webhook for it
    in that moment would find no handoff (404)."""
    found: dict[str, Any] = {}

    async def created() -> bool:
        found.update(zendesk.ticket_by_external_id(f"handoff-{escalation_id}") or {})
        if not found:
            return False
        tickets = TicketMap(store_of(service).engine)
        return await tickets.for_ticket(found["id"]) is not None

    await eventually(created, what="the Zendesk ticket")
    return found


async def comments(zendesk: FakeZendesk, ticket_id: int, count: int) -> list[dict[str, Any]]:
    async def enough() -> bool:
        return len(zendesk.comments_of(ticket_id)) >= count

    await eventually(enough, what=f"{count} comments on ticket {ticket_id}")
    return zendesk.comments_of(ticket_id)


async def from_zendesk(
    service: Service, body: bytes, *, secret: str = ZENDESK_WEBHOOK_SECRET, **kwargs: Any
) -> Any:
    return await service.client.post(
        INBOUND_PATH, content=body, headers=webhook_headers(secret, body, **kwargs)
    )

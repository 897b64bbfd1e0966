"""handoff.reconcile: what Rasa never published reaches the open handoff's transcript, once."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sanic import Sanic

from handoff.rasa_client import RasaClient
from handoff.reconcile import TranscriptReconciler
from handoff.service import create_app
from handoff.settings import HandoffSettings
from tests.fakes.rasa import FakeRasa
from tests.fakes.server import Reply
from tests.handoff.conftest import FakeDelivery, Service

PHONE = "+4915112345678"


@pytest.fixture
async def service(
    monkeypatch: pytest.MonkeyPatch, settings: HandoffSettings, rasa: FakeRasa
) -> AsyncIterator[Service]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    # No on_close hook: the service reads (the fake) Rasa itself, and the
    # reconciler runs every 0.1 s.
    app = create_app(
        dataclasses.replace(settings, rasa_url=rasa.url, reconcile_s=0.1),
        deliver=FakeDelivery(),
        name=f"handoff_{uuid.uuid4().hex}",
    )
    running = await Service(app).start()
    yield running
    await running.stop()


def event(kind: str, text: str | None, at: float) -> dict[str, Any]:
    return {"event": kind, "text": text, "timestamp": at}


async def open_handoff(service: Service, rasa: FakeRasa) -> tuple[int, float]:
    now = time.time()
    rasa.events[PHONE] = [
        event("user", "where is my order", now - 20),
        event("bot", "It is on its way.", now - 19),
        event("user", "get me a human", now - 1),
    ]
    created = await service.admin(
        "POST",
        "/api/handoffs",
        json={
            "escalation_id": "esc-1",
            "conversation_id": PHONE,
            "channel": "sms",
            "priority": 2,
            "transcript": [
                {"role": "customer", "text": "where is my order", "timestamp": now - 20},
                {"role": "bot", "text": "It is on its way.", "timestamp": now - 19},
                {"role": "customer", "text": "get me a human", "timestamp": now - 1},
            ],
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"]), now


async def transcript(service: Service, handoff_id: int) -> list[tuple[str, str]]:
    detail = (await service.admin("GET", f"/api/handoffs/{handoff_id}")).json()
    return [(m["role"], m["text"]) for m in detail["transcript"]]


async def eventually(check: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.05)


async def test_a_message_rasa_never_published_reaches_the_transcript_once(
    service: Service, rasa: FakeRasa
) -> None:
    handoff_id, now = await open_handoff(service, rasa)
    # Written during the handoff; the broker never delivered them.
    rasa.events[PHONE] += [
        event("user", "hello? is anyone there", now + 1),
        event("user", "my order is 12345678", now + 2),
    ]
    expected = [
        ("customer", "where is my order"),
        ("bot", "It is on its way."),
        ("customer", "get me a human"),
        ("customer", "hello? is anyone there"),
        ("customer", "my order is 12345678"),
    ]

    async def complete() -> bool:
        return await transcript(service, handoff_id) == expected

    await eventually(complete)
    # Passes go on (every 0.1 s): nothing is added twice.
    await asyncio.sleep(0.4)
    assert await transcript(service, handoff_id) == expected


async def test_a_closed_handoff_is_left_alone(service: Service, rasa: FakeRasa) -> None:
    handoff_id, now = await open_handoff(service, rasa)
    closed = await service.admin("POST", f"/api/handoffs/{handoff_id}/close", json={})
    assert closed.status_code == 200, closed.text
    before = await transcript(service, handoff_id)
    rasa.events[PHONE] += [event("user", "thanks, bot again", now + 5)]
    await asyncio.sleep(0.4)
    assert await transcript(service, handoff_id) == before


async def test_rasa_down_is_tried_again_at_the_next_pass(service: Service, rasa: FakeRasa) -> None:
    # This test's own passes, not the service's.
    running = service.context.reconciler
    assert running is not None
    await running.stop()
    handoff_id, now = await open_handoff(service, rasa)
    rasa.events[PHONE] += [event("user", "still waiting", now + 1)]
    client = RasaClient(rasa.url, uuid.uuid4().hex)
    reconciler = TranscriptReconciler(service.context.store, client, every_s=60)
    try:
        # Every attempt of the client's (it retries) fails.
        rasa.fail_next(*[Reply(503, {"error": "restarting"})] * 4)
        assert await reconciler.reconcile() is None  # logged, not raised
        assert ("customer", "still waiting") not in await transcript(service, handoff_id)
        await reconciler.reconcile()
    finally:
        await client.aclose()
    assert ("customer", "still waiting") in await transcript(service, handoff_id)

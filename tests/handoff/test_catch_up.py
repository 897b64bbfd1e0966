"""handoff.catch_up: a handoff created late gets what the customer wrote meanwhile, once."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sanic import Sanic

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
    # No on_close hook given: the service talks to (the fake) Rasa itself.
    app = create_app(
        dataclasses.replace(settings, rasa_url=rasa.url),
        deliver=FakeDelivery(),
        name=f"handoff_{uuid.uuid4().hex}",
    )
    running = await Service(app).start()
    yield running
    await running.stop()


def event(kind: str, text: str | None, at: float) -> dict[str, Any]:
    return {"event": kind, "text": text, "timestamp": at}


def request(escalated_at: float) -> dict[str, Any]:
    """The bot's outbox request, as sent when the customer escalated."""
    return {
        "escalation_id": "esc-1",
        "conversation_id": PHONE,
        "channel": "sms",
        "priority": 2,
        "transcript": [
            {"role": "customer", "text": "where is my order", "timestamp": escalated_at - 20},
            {"role": "bot", "text": "It is on its way.", "timestamp": escalated_at - 19},
            {"role": "customer", "text": "get me a human", "timestamp": escalated_at},
        ],
    }


async def transcript(service: Service, handoff_id: int) -> list[tuple[str, str]]:
    detail = (await service.admin("GET", f"/api/handoffs/{handoff_id}")).json()
    return [(m["role"], m["text"]) for m in detail["transcript"]]


async def test_a_late_handoff_gets_the_messages_sent_meanwhile(
    service: Service, rasa: FakeRasa
) -> None:
    escalated = time.time() - 120  # the handoff service was down for two minutes
    rasa.events[PHONE] = [
        event("user", "where is my order", escalated - 20),
        event("bot", "It is on its way.", escalated - 19),
        event("user", "get me a human", escalated),
        event("action", None, escalated + 0.1),
        event("bot", "A person will take over.", escalated + 0.2),
        event("user", "hello? anyone?", escalated + 60),
        event("bot", None, escalated + 61),  # buttons alone: nothing to show an agent
    ]
    created = await service.admin("POST", "/api/handoffs", json=request(escalated))
    assert created.status_code == 201, created.text
    handoff_id = created.json()["id"]
    expected = [
        ("customer", "where is my order"),
        ("bot", "It is on its way."),
        ("customer", "get me a human"),
        ("bot", "A person will take over."),
        ("customer", "hello? anyone?"),
    ]
    assert await transcript(service, handoff_id) == expected

    # The outbox retries (it never heard the answer): nothing twice.
    again = await service.admin("POST", "/api/handoffs", json=request(escalated))
    assert again.status_code == 200
    assert await transcript(service, handoff_id) == expected


async def test_a_handoff_created_at_once_does_not_read_rasa(
    service: Service, rasa: FakeRasa
) -> None:
    created = await service.admin("POST", "/api/handoffs", json=request(time.time()))
    assert created.status_code == 201
    assert rasa.requests == []


async def test_rasa_down_still_creates_the_handoff_and_says_so(
    service: Service, rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.fail_next(*[Reply(503, {})] * 10)
    with caplog.at_level(logging.ERROR, logger="handoff.service"):
        created = await service.admin("POST", "/api/handoffs", json=request(time.time() - 60))
    assert created.status_code == 201
    assert len(await transcript(service, created.json()["id"])) == 3
    assert "could not be read from Rasa" in caplog.text
    assert PHONE not in caplog.text


async def test_a_retry_catches_up_what_came_before_a_later_broker_message(
    service: Service, rasa: FakeRasa
) -> None:
    escalated = time.time() - 120
    # The first attempt creates the handoff, but Rasa cannot be read then.
    rasa.fail_next(*[Reply(503, {})] * 4)
    created = await service.admin("POST", "/api/handoffs", json=request(escalated))
    assert created.status_code == 201
    handoff_id = created.json()["id"]
    # The broker consumer adds the customer's newest message meanwhile...
    newest = await service.admin(
        "POST",
        f"/api/handoffs/{handoff_id}/customer-messages",
        json={"text": "still waiting", "timestamp": escalated + 90, "source_event_id": "b-9"},
    )
    assert newest.status_code == 201
    # ...and the outbox's retry, with Rasa back, still finds the one before it.
    rasa.events[PHONE] = [
        event("user", "get me a human", escalated),
        event("user", "hello? anyone?", escalated + 60),
        event("user", "still waiting", escalated + 90),
    ]
    again = await service.admin("POST", "/api/handoffs", json=request(escalated))
    assert again.status_code == 200
    assert [text for _, text in await transcript(service, handoff_id)][-3:] == [
        "get me a human",
        "hello? anyone?",
        "still waiting",
    ]

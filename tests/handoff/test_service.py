"""handoff.service on a real server: auth, the handoff lifecycle, hooks, server-sent events."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Sanic

from handoff.service import (
    MAX_STREAMS_PER_CALLER,
    ChannelDeliverer,
    DeliveryError,
    create_app,
    expected_wait_s,
)
from handoff.settings import BusinessHours, HandoffSettings
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, FakeDelivery, Service


def handoff_body(name: str = "ann", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "escalation_id": f"esc-{name}",
        "conversation_id": f"conv-{name}",
        "channel": "telegram",
        "customer": {"id": f"tg-{name}", "name": name.title(), "email": f"{name}@example.com"},
        "reasons": ["explicit_request", "anger"],
        "priority": 3,
        "anger": 0.62,
        "summary": {"intents": ["order_status", "request_human"], "order_number": "A1234"},
        "transcript": [
            {"role": "customer", "text": "where is my order A1234", "timestamp": 1740830400.0},
            {"role": "bot", "text": "It ships tomorrow.", "timestamp": "2025-03-01T12:00:01Z"},
            {"role": "customer", "text": "I want a person", "timestamp": 1740830410.5},
        ],
    }
    body.update(overrides)
    return body


async def create(service: Service, name: str = "ann", **overrides: Any) -> dict[str, Any]:
    response = await service.admin("POST", "/api/handoffs", json=handoff_body(name, **overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


# -- auth ----------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/api/handoffs"),
    ("GET", "/api/handoffs/1"),
    ("POST", "/api/handoffs"),
    ("POST", "/api/handoffs/1/claim"),
    ("POST", "/api/handoffs/1/messages"),
    ("POST", "/api/handoffs/1/close"),
    ("POST", "/api/handoffs/1/customer-messages"),
    ("POST", "/api/agents"),
    ("GET", "/api/events"),
]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    ],
    ids=["missing", "wrong", "not-bearer", "empty", "admin-plus-one"],
)
async def test_every_route_needs_a_valid_token(service: Service, headers: dict[str, str]) -> None:
    await create(service)  # there is data to leak
    for method, url in ROUTES:
        response = await service.client.request(method, url, headers=headers, json={})
        assert response.status_code == 401, (method, url)
        assert response.json() == {"error": "unauthorized"}, (method, url)
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_health_needs_no_token(service: Service) -> None:
    response = await service.client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_roles(service: Service) -> None:
    agent = await service.new_agent("ann")
    supervisor = await service.new_agent("sue", "supervisor")
    for token in (agent, supervisor):
        assert (
            await service.as_(token, "POST", "/api/handoffs", json=handoff_body())
        ).status_code == 403
        response = await service.as_(token, "POST", "/api/agents", json={"name": "eve"})
        assert response.status_code == 403 and response.json() == {"error": "forbidden"}
    handoff = await create(service)
    response = await service.admin("POST", f"/api/handoffs/{handoff['id']}/claim")
    assert response.status_code == 403  # the admin token is not a person
    response = await service.as_(
        agent, "POST", f"/api/handoffs/{handoff['id']}/customer-messages", json={"text": "hi"}
    )
    assert response.status_code == 403


async def test_agents_are_created_by_admin_only_once(service: Service) -> None:
    response = await service.admin(
        "POST", "/api/agents", json={"name": "ann", "role": "supervisor"}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "ann" and response.json()["role"] == "supervisor"
    response = await service.admin("POST", "/api/agents", json={"name": "ann"})
    assert response.status_code == 409 and "token" not in response.json()
    for body in ({"name": ""}, {"name": "bob", "role": "admin"}, {}):
        assert (await service.admin("POST", "/api/agents", json=body)).status_code == 400


# -- handoffs ------------------------------------------------------------------------------


async def test_create_returns_the_handoff_with_queue_information(service: Service) -> None:
    await service.new_agent("ann")
    first = await create(service, "first", priority=2)
    data = await create(service)

    assert data["status"] == "waiting"
    assert data["conversation_id"] == "conv-ann" and data["channel"] == "telegram"
    assert data["customer_id"] == "tg-ann"
    assert data["reasons"] == ["explicit_request", "anger"]
    assert (data["priority"], data["anger"], data["assigned_to"]) == (3, 0.62, None)
    assert data["summary"]["order_number"] == "A1234"
    assert first["queue_position"] == 1 and data["queue_position"] == 2
    assert data["expected_wait_s"] == 240  # 2 in line x 120 s, one agent
    assert data["business_hours_open"] is True and data["next_opening"] is None

    again = await service.admin("POST", "/api/handoffs", json=handoff_body())
    assert again.status_code == 200 and again.json()["id"] == data["id"]


async def test_get_returns_the_transcript_in_order(service: Service) -> None:
    data = await create(service)
    token = await service.new_agent("ann")
    response = await service.as_(token, "GET", f"/api/handoffs/{data['id']}")
    assert response.status_code == 200
    transcript = response.json()["transcript"]
    assert [(m["role"], m["text"]) for m in transcript] == [
        ("customer", "where is my order A1234"),
        ("bot", "It ships tomorrow."),
        ("customer", "I want a person"),
    ]
    assert transcript[1]["timestamp"] == "2025-03-01T12:00:01+00:00"
    assert response.json()["queue_position"] == 1

    missing = await service.as_(token, "GET", "/api/handoffs/999")
    assert missing.status_code == 404 and missing.json() == {"error": "not found"}


async def test_list_filters(service: Service) -> None:
    token = await service.new_agent("ann")
    low = await create(service, "low", priority=3)
    high = await create(service, "high", priority=1)
    response = await service.as_(token, "GET", "/api/handoffs", params={"status": "waiting"})
    assert [h["id"] for h in response.json()["handoffs"]] == [high["id"], low["id"]]
    assert "transcript" not in response.json()["handoffs"][0]
    response = await service.as_(
        token, "GET", "/api/handoffs", params={"conversation_id": "conv-low"}
    )
    assert [h["id"] for h in response.json()["handoffs"]] == [low["id"]]
    for params in ({"status": "lost"}, {"limit": "0"}, {"limit": "x"}):
        assert (await service.as_(token, "GET", "/api/handoffs", params=params)).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"priority": "high"},
        {"priority": 0},
        {"anger": 2},
        {"reasons": "anger"},
        {"escalation_id": ""},
        {"customer": []},
        {"transcript": [{"role": "system", "text": "x"}]},
        {"transcript": [{"role": "bot", "text": "x", "timestamp": "yesterday"}]},
    ],
)
async def test_create_rejects_invalid_fields(service: Service, change: dict[str, Any]) -> None:
    response = await service.admin("POST", "/api/handoffs", json=handoff_body(**change))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid request"


async def test_invalid_json_is_400(service: Service) -> None:
    response = await service.admin("POST", "/api/handoffs", content=b"{not json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    response = await service.admin("POST", "/api/handoffs", content=b"[1, 2]")
    assert response.status_code == 400


async def test_two_agents_claim_at_once_one_wins(service: Service) -> None:
    ann, bob = await service.new_agent("ann"), await service.new_agent("bob")
    for name in ("a", "b", "c", "d", "e"):
        handoff = await create(service, name)
        url = f"/api/handoffs/{handoff['id']}/claim"
        responses = await asyncio.gather(
            service.as_(ann, "POST", url), service.as_(bob, "POST", url)
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        winner = next(r for r in responses if r.status_code == 200).json()
        assert winner["status"] == "assigned" and winner["assigned_to"] in ("ann", "bob")
        loser = next(r for r in responses if r.status_code == 409).json()
        assert loser["error"] == "conflict"
    assert (await service.as_(ann, "POST", "/api/handoffs/999/claim")).status_code == 404


async def test_reply_note_and_close(
    service: Service, delivery: FakeDelivery, closes: CloseRecorder
) -> None:
    ann, bob = await service.new_agent("ann"), await service.new_agent("bob")
    sue = await service.new_agent("sue", "supervisor")
    handoff = await create(service)
    base = f"/api/handoffs/{handoff['id']}"

    response = await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hi"})
    assert response.status_code == 409  # not claimed yet
    assert (await service.as_(ann, "POST", f"{base}/claim")).status_code == 200

    response = await service.as_(bob, "POST", f"{base}/messages", json={"text": "Hi"})
    assert response.status_code == 409
    response = await service.as_(bob, "POST", f"{base}/close", json={"resolution": "x"})
    assert response.status_code == 409

    response = await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hi, I'm Ann."})
    assert response.status_code == 201
    assert response.json()["message"]["delivery"] == "sent"
    response = await service.as_(
        ann, "POST", f"{base}/messages", json={"text": "VIP customer", "internal": True}
    )
    assert response.status_code == 201 and response.json()["message"]["internal"] is True
    response = await service.as_(sue, "POST", f"{base}/messages", json={"text": "Sue here."})
    assert response.status_code == 201
    assert delivery.sent == [
        ("telegram", "tg-ann", "Hi, I'm Ann."),
        ("telegram", "tg-ann", "Sue here."),
    ]

    for body in ({}, {"text": ""}, {"text": "x", "internal": "yes"}):
        assert (await service.as_(ann, "POST", f"{base}/messages", json=body)).status_code == 400

    response = await service.as_(
        ann, "POST", f"{base}/close", json={"resolution": "explained delay"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["resolution"] == "explained delay"
    assert [h.id for h in closes.closed] == [handoff["id"]]
    assert (await service.as_(sue, "POST", f"{base}/close")).status_code == 409
    assert (
        await service.as_(ann, "POST", f"{base}/messages", json={"text": "x"})
    ).status_code == 409

    transcript = (await service.as_(ann, "GET", base)).json()["transcript"]
    assert [(m["role"], m["author"], m["internal"]) for m in transcript[3:]] == [
        ("agent", "ann", False),
        ("agent", "ann", True),
        ("agent", "sue", False),
    ]


async def test_failed_delivery_is_recorded_and_reported(
    service: Service, delivery: FakeDelivery
) -> None:
    ann = await service.new_agent("ann")
    handoff = await create(service)
    base = f"/api/handoffs/{handoff['id']}"
    await service.as_(ann, "POST", f"{base}/claim")
    delivery.failing = True

    response = await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hello?"})

    assert response.status_code == 502
    assert response.json()["error"] == "delivery failed"
    assert "channel is down" not in response.text  # the cause is logged, not returned
    assert response.json()["message"]["delivery"] == "failed"
    transcript = (await service.as_(ann, "GET", base)).json()["transcript"]
    assert transcript[-1]["text"] == "Hello?" and transcript[-1]["delivery"] == "failed"


async def test_supervisor_closes_an_unclaimed_handoff(service: Service) -> None:
    sue = await service.new_agent("sue", "supervisor")
    ann = await service.new_agent("ann")
    handoff = await create(service)
    url = f"/api/handoffs/{handoff['id']}/close"
    assert (await service.as_(ann, "POST", url)).status_code == 409
    assert (await service.as_(sue, "POST", url, json={"resolution": "spam"})).status_code == 200


async def test_customer_messages_are_appended_once(service: Service) -> None:
    handoff = await create(service)
    url = f"/api/handoffs/{handoff['id']}/customer-messages"
    body = {"text": "hello??", "timestamp": 1740830700.0, "source_event_id": "rasa-ev-9"}

    first = await service.admin("POST", url, json=body)
    again = await service.admin("POST", url, json=body)

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    data = (await service.admin("GET", f"/api/handoffs/{handoff['id']}")).json()
    assert [m["text"] for m in data["transcript"]].count("hello??") == 1
    assert data["last_customer_message_at"] == "2025-03-01T12:05:00+00:00"
    assert (
        await service.admin("POST", "/api/handoffs/999/customer-messages", json=body)
    ).status_code == 404
    assert (
        await service.admin("POST", url, json={"text": "x", "role": "agent"})
    ).status_code == 400


# -- events --------------------------------------------------------------------------------


@asynccontextmanager
async def event_stream(
    service: Service,
    token: str = ADMIN_TOKEN,
    last_event_id: str | bytes | None = None,
    client: httpx.AsyncClient | None = None,
) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """Parsed events ({"id", "event", "data", or "comment"}) of GET /api/events."""
    headers: dict[str, str | bytes] = {**service.auth(token)}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    client = client or service.client
    async with client.stream("GET", "/api/events", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")

        async def parse() -> AsyncIterator[dict[str, Any]]:
            event: dict[str, Any] = {}
            async for line in response.aiter_lines():
                if not line:
                    if event:
                        yield event
                    event = {}
                elif line.startswith(":"):
                    yield {"comment": line[1:].strip()}
                else:
                    key, _, value = line.partition(": ")
                    event[key] = json.loads(value) if key == "data" else value

        events = parse()
        assert await anext(events) == {"comment": "connected"}
        yield events


async def next_event(events: AsyncIterator[dict[str, Any]], timeout: float = 1.0) -> dict[str, Any]:
    while True:
        event = await asyncio.wait_for(anext(events), timeout)
        if "comment" not in event:
            return event


async def test_events_stream_the_lifecycle(service: Service) -> None:
    ann = await service.new_agent("ann")
    async with event_stream(service, ann) as events:
        handoff = await create(service)
        created = await next_event(events)
        assert created["event"] == "handoff.created"
        assert created["data"]["type"] == "handoff.created"
        assert created["data"]["handoff"]["id"] == handoff["id"]
        assert created["id"]

        base = f"/api/handoffs/{handoff['id']}"
        await service.admin(
            "POST", f"{base}/customer-messages", json={"text": "hello?", "source_event_id": "e1"}
        )
        message = await next_event(events)
        assert message["event"] == "message.created"
        assert message["data"]["handoff_id"] == handoff["id"]
        assert message["data"]["message"]["role"] == "customer"
        assert message["data"]["message"]["text"] == "hello?"

        await service.as_(ann, "POST", f"{base}/claim")
        assigned = await next_event(events)
        assert assigned["event"] == "handoff.assigned"
        assert assigned["data"]["handoff"]["assigned_to"] == "ann"

        await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hi"})
        reply = await next_event(events)
        assert reply["event"] == "message.created"
        assert reply["data"]["message"]["role"] == "agent"

        await service.as_(ann, "POST", f"{base}/close")
        closed = await next_event(events)
        assert closed["event"] == "handoff.closed"

        ids = [created["id"], message["id"], assigned["id"], reply["id"], closed["id"]]
        assert len(set(ids)) == 5


async def test_events_resume_after_last_event_id(service: Service) -> None:
    async with event_stream(service) as events:
        await create(service, "first")
        first = await next_event(events)
    await create(service, "second")  # while disconnected

    async with event_stream(service, last_event_id=first["id"]) as events:
        missed = await next_event(events)
        assert missed["data"]["handoff"]["conversation_id"] == "conv-second"

    async with event_stream(service, last_event_id="0000-1") as events:
        assert (await next_event(events))["event"] == "stream.reset"


async def test_events_keep_alive(service: Service) -> None:
    service.app.ctx.keepalive_s = 0.05
    async with event_stream(service) as events:
        assert await asyncio.wait_for(anext(events), 1) == {"comment": "keep-alive"}


# -- pieces --------------------------------------------------------------------------------


def test_expected_wait_adds_the_time_until_opening() -> None:
    settings = HandoffSettings(
        average_handle_s=100, business_hours=BusinessHours.parse("Mon-Fri 09:00-17:00")
    )
    saturday_noon = dt.datetime(2025, 3, 1, 12, 0)
    monday_ten = dt.datetime(2025, 3, 3, 10, 0)
    assert expected_wait_s(3, 2, settings, monday_ten) == 150
    assert expected_wait_s(1, 1, settings, saturday_noon) == 100 + 45 * 3600
    assert expected_wait_s(None, 1, settings, monday_ten) is None


def test_service_refuses_to_start_without_admin_token(tmp_path: Path) -> None:
    env = {
        "PATH": "",
        "HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
        "HANDOFF_PORT": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "handoff.service"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "HANDOFF_ADMIN_TOKEN" in result.stderr


async def test_stopping_the_server_ends_open_streams(service: Service) -> None:
    # Otherwise the server would wait GRACEFUL_SHUTDOWN_TIMEOUT for each stream.
    async with httpx.AsyncClient(base_url=service.client.base_url, timeout=10) as own:
        async with event_stream(service, client=own) as events:
            await asyncio.wait_for(service.stop(), 5)
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(anext(events), 5)


async def test_default_delivery_uses_the_bot_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANNELS_DATABASE_URL", f"sqlite:///{tmp_path / 'channels.db'}")
    deliver = ChannelDeliverer()
    try:
        with pytest.raises(DeliveryError, match="fax"):
            await deliver("fax", "+15550001", "hello")
    finally:
        deliver.close()


# -- hostile input: a client error is a 4xx, never a 500 -------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
BIG_ID = "99999999999999999999"  # past 64 bits


async def claimed_by(service: Service, name: str = "ann") -> tuple[dict[str, Any], str]:
    """A handoff claimed by a new agent ``name``, and their token."""
    handoff = await create(service)
    token = await service.new_agent(name)
    response = await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
    assert response.status_code == 200, response.text
    return handoff, token


async def test_a_non_ascii_authorization_header_is_401(service: Service) -> None:
    for value in (b"Bearer \xff\xfe", b"Bearer caf\xc3\xa9", b"\xffearer token"):
        response = await service.client.get("/api/handoffs", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert response.json() == {"error": "unauthorized"}


async def test_deeply_nested_json_is_400_on_every_post(service: Service) -> None:
    handoff, ann = await claimed_by(service)
    base = f"/api/handoffs/{handoff['id']}"
    for token, url in [
        (ADMIN_TOKEN, "/api/handoffs"),
        (ADMIN_TOKEN, "/api/agents"),
        (ADMIN_TOKEN, f"{base}/customer-messages"),
        (ann, f"{base}/transfer"),
        (ann, f"{base}/messages"),
        (ann, f"{base}/close"),
    ]:
        for body in (DEEP, b'{"a":' * 5_000 + b"1" + b"}" * 5_000):
            response = await service.as_(token, "POST", url, content=body)
            assert response.status_code == 400, (url, response.text)
            assert "nested" in response.json()["detail"]


async def test_ids_past_64_bits_are_404(service: Service) -> None:
    _, ann = await claimed_by(service)
    for token, method, url in [
        (ann, "GET", f"/api/handoffs/{BIG_ID}"),
        (ann, "POST", f"/api/handoffs/{BIG_ID}/claim"),
        (ann, "POST", f"/api/handoffs/{BIG_ID}/transfer"),
        (ann, "POST", f"/api/handoffs/{BIG_ID}/messages"),
        (ann, "POST", f"/api/handoffs/{BIG_ID}/close"),
        (ADMIN_TOKEN, "POST", f"/api/handoffs/{BIG_ID}/customer-messages"),
        (ADMIN_TOKEN, "POST", f"/api/handoffs/{2**63}/close"),
        (ann, "GET", "/api/handoffs/-1"),
    ]:
        response = await service.as_(token, method, url, json={"text": "x", "to": "ann"})
        assert response.status_code == 404, (url, response.text)


@pytest.mark.parametrize("limit", ["²", "\uff11\uff12", "9" * 30, "-1", "1.0"])
async def test_a_limit_that_is_no_ascii_number_is_400(service: Service, limit: str) -> None:
    response = await service.admin("GET", "/api/handoffs", params={"limit": limit})
    assert response.status_code == 400, response.text
    assert "limit" in response.json()["detail"]


@pytest.mark.parametrize(
    "when", [1e20, -1e300, 10**30, "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"]
)
async def test_times_out_of_range_are_400(service: Service, when: Any) -> None:
    transcript = [{"role": "customer", "text": "hi", "timestamp": when}]
    response = await service.admin(
        "POST", "/api/handoffs", json=handoff_body(transcript=transcript)
    )
    assert response.status_code == 400, response.text
    assert "transcript[0].timestamp" in response.json()["detail"]
    handoff = await create(service, "other")
    response = await service.admin(
        "POST",
        f"/api/handoffs/{handoff['id']}/customer-messages",
        json={"text": "hi", "timestamp": when},
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "change",
    [
        {"priority": 2**31},  # PostgreSQL's INTEGER column refuses it
        {"priority": 10**30},
        {"customer_id": "x" * 256},
        {"transcript": [{"role": "bot", "text": "x", "source_event_id": "e" * 256}]},
        {"customer": {"score": float("nan")}},
        {"summary": {"anger": float("inf")}},
    ],
    ids=["priority-int32", "priority-huge", "customer-id", "source-event-id", "nan", "inf"],
)
async def test_values_no_column_can_hold_are_400(service: Service, change: dict[str, Any]) -> None:
    body = json.dumps(handoff_body(**change))  # NaN and Infinity as Python writes them
    response = await service.admin("POST", "/api/handoffs", content=body)
    assert response.status_code == 400, response.text


async def test_a_source_event_id_of_another_handoff_is_409(service: Service) -> None:
    first = await create(service, "first")
    response = await service.admin(
        "POST",
        f"/api/handoffs/{first['id']}/customer-messages",
        json={"text": "mine", "source_event_id": "rasa-sql-7"},
    )
    assert response.status_code == 201
    second = await create(service, "second")
    response = await service.admin(
        "POST",
        f"/api/handoffs/{second['id']}/customer-messages",
        json={"text": "other", "source_event_id": "rasa-sql-7"},
    )
    assert response.status_code == 409 and "mine" not in response.text
    transcript = [{"role": "customer", "text": "x", "source_event_id": "rasa-sql-7"}]
    response = await service.admin(
        "POST", "/api/handoffs", json=handoff_body("third", transcript=transcript)
    )
    assert response.status_code == 409, response.text


async def test_a_malformed_request_line_or_content_length_is_400(service: Service) -> None:
    for request in (
        b"GET /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n",
    ):
        answer = await service.raw(request)
        assert answer.startswith(b"HTTP/1.1 400 "), answer


async def test_bodies_are_capped_and_a_new_handoff_may_be_larger(service: Service) -> None:
    handoff, ann = await claimed_by(service)
    # Sent by hand: the service answers 413 from the headers and closes the
    # connection, which an HTTP client still sending the body reports as an error.
    answer = await service.raw(
        f"POST /api/handoffs/{handoff['id']}/messages HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {ann}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {300 * 1024}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert b"cache-control: no-store" in answer.lower()
    # A long transcript (over a megabyte) is fine for the admin...
    transcript = [
        {"role": "customer", "text": "é" * 4000, "timestamp": 1740830400.0 + n} for n in range(50)
    ]
    body = handoff_body("long", transcript=transcript)
    assert len(json.dumps(body)) > 1024 * 1024
    response = await service.admin("POST", "/api/handoffs", json=body)
    assert response.status_code == 201, response.text
    # ... but not without the token (the body is not even read), nor past its own cap.
    answer = await service.raw(
        b"POST /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2000000\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 401 "), answer
    answer = await service.raw(
        f"POST /api/handoffs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {9 * 1024 * 1024}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer


async def test_server_errors_say_nothing_and_log_no_query_string(
    service: Service, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(service.app.ctx.store, "list", broken)
    with caplog.at_level(logging.ERROR):
        response = await service.admin(
            "GET", "/api/handoffs", params={"conversation_id": "+15551234567"}
        )
    assert response.status_code == 500
    assert response.json() == {"error": "internal server error"}
    assert "GET /api/handoffs failed" in caplog.text
    assert "15551234567" not in caplog.text


# -- caching ---------------------------------------------------------------------------------


async def test_every_api_answer_is_no_store(service: Service) -> None:
    handoff, ann = await claimed_by(service)
    answers = [
        await service.as_(ann, "GET", f"/api/handoffs/{handoff['id']}"),
        await service.as_(ann, "GET", "/api/handoffs"),
        await service.as_(
            ann, "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "hi"}
        ),
        await service.admin("POST", "/api/handoffs", json=handoff_body("new")),
        await service.client.get(f"/api/handoffs/{handoff['id']}"),  # 401
        await service.as_(ann, "GET", "/api/handoffs/999"),  # 404
        await service.as_(ann, "GET", "/api/handoffs", params={"limit": "0"}),  # 400
        await service.as_(ann, "GET", "/api/nothing-here"),  # Sanic's own 404
        await service.as_(ann, "DELETE", "/api/handoffs"),  # Sanic's own 405
        await service.client.get("/api/openapi.json"),
    ]
    for response in answers:
        assert response.headers.get("cache-control") == "no-store", (
            response.request.url,
            response.status_code,
        )
    async with service.client.stream("GET", "/api/events", headers=service.auth(ann)) as stream:
        assert stream.status_code == 200
        assert stream.headers["cache-control"] == "no-store"


# -- event streams ---------------------------------------------------------------------------


async def test_event_streams_are_limited_per_caller(service: Service) -> None:
    ann = await service.new_agent("ann")
    async with contextlib.AsyncExitStack() as streams:
        for _ in range(MAX_STREAMS_PER_CALLER):
            await streams.enter_async_context(event_stream(service, ann))
        refused = await service.as_(ann, "GET", "/api/events")
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"]
        # Another caller is not held back by ann's streams.
        async with event_stream(service) as events:
            await create(service)
            assert (await next_event(events))["event"] == "handoff.created"
    # Closed streams are counted down (noticed at the next write: a keep-alive).
    service.app.ctx.keepalive_s = 0.05
    async with event_stream(service, ann):
        assert service.app.ctx.streams["agent:ann"] >= 1
    for _ in range(100):
        if "agent:ann" not in service.app.ctx.streams:
            break
        await asyncio.sleep(0.05)
    assert "agent:ann" not in service.app.ctx.streams


async def test_a_last_event_id_with_unicode_digits_resets_the_stream(service: Service) -> None:
    epoch = service.app.ctx.events.epoch
    for last_event_id in (f"{epoch}-²", f"{epoch}-{'9' * 30}", f"{epoch}-\uff11"):
        # As UTF-8 bytes: an HTTP client sends header text as ASCII only.
        async with event_stream(service, last_event_id=last_event_id.encode()) as events:
            assert (await next_event(events))["event"] == "stream.reset"


async def test_text_postgresql_cannot_hold_is_stored_as_replacement_characters(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    settings = HandoffSettings(database_url=database_url, admin_token=ADMIN_TOKEN, broker="none")
    app = create_app(settings, deliver=delivery, on_close=closes, name=f"nul_{uuid.uuid4().hex}")
    service = await Service(app).start()
    try:
        # JSON escapes for a NUL and a lone surrogate: PostgreSQL refuses the
        # first in text and JSON, and no UTF-8 encoder takes the second.
        body = json.dumps(
            handoff_body(
                "nul",
                conversation_id="conv-\x00",
                customer={"name": "N\x00ll", "\ud800": "x"},
                transcript=[{"role": "customer", "text": "a\x00b\udfff", "timestamp": 1.7e9}],
            )
        )
        response = await service.admin("POST", "/api/handoffs", content=body)
        assert response.status_code == 201, response.text
        handoff_id = response.json()["id"]
        response = await service.admin(
            "POST",
            f"/api/handoffs/{handoff_id}/customer-messages",
            content=json.dumps({"text": "c\x00d", "source_event_id": "e\x00"}),
        )
        assert response.status_code == 201, response.text
        data = (await service.admin("GET", f"/api/handoffs/{handoff_id}")).json()
        assert data["conversation_id"] == "conv-\ufffd"
        assert data["customer"] == {"name": "N\ufffdll", "\ufffd": "x"}
        assert [m["text"] for m in data["transcript"]] == ["a\ufffdb\ufffd", "c\ufffdd"]
        listed = await service.admin(
            "GET", "/api/handoffs", params={"conversation_id": "conv-\x00"}
        )
        assert [h["id"] for h in listed.json()["handoffs"]] == [handoff_id]
    finally:
        await service.stop()

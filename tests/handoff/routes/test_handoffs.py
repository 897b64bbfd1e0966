"""handoff.routes.handoffs on a real server: the queue, claims, replies, closes,
customer messages; and their inputs, refused with a 4xx rather than a 500."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from typing import Any

import pytest
from sanic import Sanic

from handoff.routes.handoffs import expected_wait_s
from handoff.service import create_app
from handoff.settings import BusinessHours, HandoffSettings
from tests.handoff.conftest import (
    ADMIN_TOKEN,
    CloseRecorder,
    FakeDelivery,
    Service,
    claimed_by,
    create,
    handoff_body,
)


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


def test_expected_wait_adds_the_time_until_opening() -> None:
    settings = HandoffSettings(
        average_handle_s=100, business_hours=BusinessHours.parse("Mon-Fri 09:00-17:00")
    )
    saturday_noon = dt.datetime(2025, 3, 1, 12, 0)
    monday_ten = dt.datetime(2025, 3, 3, 10, 0)
    assert expected_wait_s(3, 2, settings, monday_ten) == 150
    assert expected_wait_s(1, 1, settings, saturday_noon) == 100 + 45 * 3600
    assert expected_wait_s(None, 1, settings, monday_ten) is None


# -- hostile input: a client error is a 4xx, never a 500 -------------------------------------


BIG_ID = "99999999999999999999"  # past 64 bits


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


# -- WhatsApp's 24-hour window (handoff.desk.window) -----------------------------------------


def recent_transcript(ago_s: float) -> list[dict[str, Any]]:
    """A customer message ``ago_s`` seconds ago, the bot's answer a second later."""
    now = time.time()
    return [
        {"role": "customer", "text": "I need a person", "timestamp": now - ago_s},
        {"role": "bot", "text": "One moment.", "timestamp": now - ago_s + 1},
    ]


async def test_whatsapp_detail_says_when_the_window_closes(service: Service) -> None:
    ann = await service.new_agent("ann")
    handoff = await create(service, channel="whatsapp", transcript=recent_transcript(3600))
    base = f"/api/handoffs/{handoff['id']}"
    data = (await service.as_(ann, "GET", base)).json()
    customer_at = dt.datetime.fromisoformat(data["transcript"][0]["timestamp"])
    closes = dt.datetime.fromisoformat(data["window_closes_at"])
    assert closes == customer_at + dt.timedelta(hours=24)

    # The customer writes again: the window runs from that message.
    later = await service.admin("POST", f"{base}/customer-messages", json={"text": "still there?"})
    assert later.status_code == 201
    again = (await service.as_(ann, "GET", base)).json()
    last = dt.datetime.fromisoformat(later.json()["message"]["timestamp"])
    assert dt.datetime.fromisoformat(again["window_closes_at"]) == last + dt.timedelta(hours=24)


async def test_other_channels_have_no_window(service: Service) -> None:
    ann = await service.new_agent("ann")
    handoff = await create(service)  # telegram
    data = (await service.as_(ann, "GET", f"/api/handoffs/{handoff['id']}")).json()
    assert data["window_closes_at"] is None
    listed = (await service.as_(ann, "GET", "/api/handoffs")).json()["handoffs"]
    assert "window_closes_at" not in listed[0]  # the detail's only: it reads the transcript


async def test_a_reply_refused_after_the_window_says_so(
    service: Service, delivery: FakeDelivery
) -> None:
    ann = await service.new_agent("ann")
    # handoff_body's customer messages are from 2025: the window closed long ago.
    handoff = await create(service, channel="whatsapp")
    base = f"/api/handoffs/{handoff['id']}"
    data = (await service.as_(ann, "GET", base)).json()
    assert dt.datetime.fromisoformat(data["window_closes_at"]) < dt.datetime.now(dt.timezone.utc)
    await service.as_(ann, "POST", f"{base}/claim")
    delivery.failing = True  # a hook that does not say why: the record is read

    response = await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hello?"})

    assert response.status_code == 502
    body = response.json()
    assert body["error"] == "window_closed"
    assert "24-hour window" in body["detail"] and "templates" in body["detail"]
    assert body["message"]["delivery"] == "failed"


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        (None, "delivery failed"),
        # The channel, which enforces the window, says it has closed (a message
        # it never received), whatever the record says.
        ("window_closed", "window_closed"),
    ],
)
async def test_a_failed_reply_within_the_window_says_what_the_channel_said(
    service: Service, delivery: FakeDelivery, reason: str | None, error: str
) -> None:
    ann = await service.new_agent("ann")
    handoff = await create(service, channel="whatsapp", transcript=recent_transcript(60))
    base = f"/api/handoffs/{handoff['id']}"
    await service.as_(ann, "POST", f"{base}/claim")
    delivery.failing, delivery.reason = True, reason
    response = await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hello?"})
    assert response.status_code == 502
    assert response.json()["error"] == error

"""handoff.integrations.webhook: the generic webhook, against a local receiver, both ways."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from handoff.integrations.settings import IntegrationSettings
from handoff.integrations.webhook import OUTBOUND_TYPES
from handoff.store import JournalEvent
from tests.fakes.server import Reply
from tests.fakes.webhook_receiver import FakeWebhookReceiver, handoff_of, signed
from tests.handoff.conftest import CloseRecorder, FakeDelivery, Service
from tests.handoff.integrations.conftest import (
    WEBHOOK_SECRET,
    StartService,
    arrived,
    create_handoff,
    customer_says,
    eventually,
    journal,
    queued,
    with_settings,
)

INBOUND = "/api/integrations/webhook"


async def outbound(service: Service) -> list[JournalEvent]:
    """The journal events the webhook sends: not a reply's delivery status, nor overdue."""
    return [e for e in await journal(service) if e.type in OUTBOUND_TYPES]


async def conversation_activity(service: Service, name: str) -> dict[str, Any]:
    """A handoff with some life: customer messages, a claim, a reply, a note."""
    handoff = await create_handoff(service, name)
    await customer_says(service, handoff["id"], f"{name}: hello?")
    token = await service.new_agent(f"agent-{name}")
    claimed = await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
    assert claimed.status_code == 200, claimed.text
    for text, internal in ((f"Hi {name}, looking into it", False), ("VIP customer", True)):
        sent = await service.as_(
            token,
            "POST",
            f"/api/handoffs/{handoff['id']}/messages",
            json={"text": text, "internal": internal},
        )
        assert sent.status_code == 201, sent.text
    await customer_says(service, handoff["id"], f"{name}: thanks")
    return handoff


def assert_in_order_per_conversation(events: list[dict[str, Any]]) -> None:
    by_handoff: dict[int, list[int]] = {}
    for event in events:
        by_handoff.setdefault(handoff_of(event), []).append(event["id"])
    for ids in by_handoff.values():
        assert ids == sorted(ids)


async def test_every_event_arrives_once_in_order_after_the_receiver_recovers(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    receiver.down = True
    for name in ("ann", "bob", "cat"):
        await conversation_activity(service, name)
    expected = await outbound(service)
    # The replies' delivery status is journaled, and not sent.
    assert {e.type for e in await journal(service)} - set(OUTBOUND_TYPES) == {"message.updated"}

    async def retried() -> bool:
        return receiver.unavailable >= 6

    await eventually(retried, what="retries while the receiver is down")
    assert receiver.events() == []

    # Back up, but the first answers get lost after the events were stored:
    # they are sent again, and the receiver de-duplicates them by id.
    receiver.lose_answers = 2
    receiver.down = False
    events = await arrived(receiver, len(expected))

    assert sorted(e["id"] for e in events) == [e.id for e in expected]
    assert len(receiver.duplicates) == 2
    assert_in_order_per_conversation(events)
    first = events[0]
    assert first["type"] == "handoff.created"
    transcript = first["data"]["handoff"]["transcript"]
    assert transcript[0]["text"].endswith("where is my order")
    # Nothing is left in the queue.
    await eventually(
        lambda: _empty(service), what="the queue to empty after the lost answers were resent"
    )


async def _empty(service: Service) -> bool:
    return await queued(service) == []


async def test_events_left_undelivered_are_sent_after_a_restart(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    receiver.down = True
    handoff = await create_handoff(service, "ann")
    await customer_says(service, handoff["id"], "anyone?")
    expected = [e.id for e in await outbound(service)]
    await eventually(_attempted(receiver), what="a first attempt")
    await service.stop()

    receiver.down = False
    restarted = await start_service(webhook_settings)
    await customer_says(restarted, handoff["id"], "still there?")
    events = await arrived(receiver, len(expected) + 1)

    assert [e["id"] for e in events] == [*expected, expected[-1] + 1]
    assert receiver.duplicates == []


def _attempted(receiver: FakeWebhookReceiver) -> Any:
    async def condition() -> bool:
        return receiver.unavailable >= 1

    return condition


async def test_a_failing_conversation_does_not_hold_back_the_others(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    receiver.failing_handoffs = {1}  # the first handoff of a new database
    stuck = await create_handoff(service, "ann")
    assert stuck["id"] == 1
    await customer_says(service, stuck["id"], "ann: one")
    flowing = await create_handoff(service, "bob")
    await customer_says(service, flowing["id"], "bob: one")
    await customer_says(service, flowing["id"], "bob: two")

    events = await arrived(receiver, 3)
    assert {handoff_of(e) for e in events} == {flowing["id"]}

    receiver.failing_handoffs = set()
    events = await arrived(receiver, 5)
    assert [e["type"] for e in events if handoff_of(e) == stuck["id"]] == [
        "handoff.created",
        "message.created",
    ]
    assert_in_order_per_conversation(events)


async def test_a_refused_event_is_dead_lettered_and_its_conversation_goes_on(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = await start_service(webhook_settings)
    receiver.fail_next(Reply(422, {"error": "transcript too long"}))
    with caplog.at_level(logging.INFO, logger="handoff.integrations"):
        handoff = await create_handoff(service, "ann")
        await customer_says(service, handoff["id"], "a secret order number 98765")
        events = await arrived(receiver, 1)
    assert [e["type"] for e in events] == ["message.created"]

    dead = await queued(service, status="dead")
    assert [(d["type"], d["attempts"], d["last_error"]) for d in dead] == [
        ("handoff.created", 1, "HTTP 422")
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("dead-lettered" in w and f"handoff {handoff['id']}" in w for w in warnings)
    assert not any(
        "98765" in r.getMessage() or "where is my order" in r.getMessage() for r in caplog.records
    )

    # An operator sends it again: it arrives late, under its own id.
    retried = await service.admin(
        "POST", f"/api/integrations/deliveries/webhook/{dead[0]['event_id']}/retry"
    )
    assert retried.status_code == 200, retried.text
    events = await arrived(receiver, 2)
    assert [e["id"] for e in events][1] == dead[0]["event_id"]
    # The row leaves the queue once the answer is read, a moment after arrival.
    await eventually(lambda: _empty(service), what="the resent event to leave the queue")


async def test_a_receiver_that_rejects_our_signature_keeps_the_events_queued(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = with_settings(webhook_settings, webhook_secret="not-the-receivers-secret")
    with caplog.at_level(logging.WARNING, logger="handoff.integrations"):
        service = await start_service(wrong)
        await create_handoff(service, "ann")

        async def rejected() -> bool:
            return receiver.bad_signatures >= 2

        await eventually(rejected, what="signed requests to be rejected")
    pending = await queued(service)
    assert [(d["status"], d["last_error"]) for d in pending] == [
        ("pending", "HTTP 401: credentials or signature rejected")
    ]
    assert any("credentials or signature rejected" in r.getMessage() for r in caplog.records)


async def test_requests_carry_the_event_id_type_and_a_fresh_signature(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann")
    events = await arrived(receiver, 1)
    request = receiver.requests[-1]

    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-handoff-event-id"] == str(events[0]["id"])
    assert request.headers["x-handoff-event-type"] == "handoff.created"
    assert abs(int(request.headers["x-handoff-timestamp"]) - time.time()) < 10
    body = json.loads(request.body)
    assert set(body) == {"id", "type", "created_at", "data"}
    assert body["data"]["handoff"]["id"] == handoff["id"]
    assert body["created_at"].endswith("+00:00")


async def test_internal_notes_go_out_flagged_and_inbound_replies_are_not_echoed(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await conversation_activity(service, "ann")
    reply = await post_event(
        service,
        "evt-1",
        "message.created",
        {"handoff_id": handoff["id"], "agent": "Jane", "text": "from the contact center"},
    )
    assert reply.status_code == 201, reply.text
    await customer_says(service, handoff["id"], "ann: ok")
    expected = await outbound(service)
    events = await arrived(receiver, len(expected) - 1)
    await eventually(_empty_after(service), what="the queue to empty")

    messages = [e["data"]["message"] for e in events if e["type"] == "message.created"]
    assert [m["text"] for m in messages if m["internal"]] == ["VIP customer"]
    assert "from the contact center" not in [m["text"] for m in messages]
    assert messages[-1]["text"] == "ann: ok"
    assert ("telegram", "tg-ann", "from the contact center") in delivery.sent


def _empty_after(service: Service) -> Any:
    async def condition() -> bool:
        return await queued(service) == []

    return condition


# -- inbound ---------------------------------------------------------------------------------


async def post_event(
    service: Service, event_id: str, event_type: str, data: dict[str, Any], **kwargs: Any
) -> Any:
    body = json.dumps({"id": event_id, "type": event_type, "data": data}).encode()
    return await service.client.post(INBOUND, content=body, headers=signed(WEBHOOK_SECRET, body))


async def test_an_agent_reply_reaches_the_customer_once(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann")
    data = {"handoff_id": handoff["id"], "agent": "Jane Doe", "text": "Hello Ann, I'm Jane."}

    first = await post_event(service, "cc-1", "message.created", data)
    again = await post_event(service, "cc-1", "message.created", data)

    assert first.status_code == 201, first.text
    assert first.json()["delivered"] is True
    message = first.json()["message"]
    assert (message["author"], message["delivery"]) == ("webhook:Jane Doe", "sent")
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["message"]["id"] == message["id"]
    assert delivery.sent == [("telegram", "tg-ann", "Hello Ann, I'm Jane.")]
    # The waiting handoff was claimed for the external agent.
    current = (await service.admin("GET", f"/api/handoffs/{handoff['id']}")).json()
    assert (current["status"], current["assigned_to"]) == ("assigned", "webhook:Jane Doe")
    texts = [m["text"] for m in current["transcript"]]
    assert texts.count("Hello Ann, I'm Jane.") == 1


async def test_a_reply_by_conversation_id_and_an_internal_note(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann")
    note = await post_event(
        service,
        "cc-2",
        "message.created",
        {"conversation_id": "conv-ann", "agent": "Jane", "text": "call back", "internal": True},
    )
    assert note.status_code == 201, note.text
    assert note.json()["message"]["internal"] is True
    assert note.json()["handoff_id"] == handoff["id"]
    assert delivery.sent == []


async def test_a_close_resumes_the_bot_and_a_second_close_is_not_an_error(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    closes: CloseRecorder,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann")
    data = {"handoff_id": handoff["id"], "agent": "Jane", "resolution": "refund issued"}

    closed = await post_event(service, "cc-close", "handoff.closed", data)
    again = await post_event(service, "cc-close-2", "handoff.closed", data)

    assert closed.status_code == 200, closed.text
    assert closed.json()["handoff"]["status"] == "closed"
    assert closed.json()["handoff"]["resolution"] == "refund issued"
    assert closed.json()["already_closed"] is False
    assert [h.id for h in closes.closed] == [handoff["id"]]
    assert again.status_code == 200
    assert again.json()["already_closed"] is True
    late = await post_event(
        service, "cc-late", "message.created", {**data, "text": "one more thing"}
    )
    assert late.status_code == 409


# Validation does not depend on the database: SQLite only.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "are required"),
        ({"X-Handoff-Signature": "v1=" + "0" * 64}, "are required"),
        ({"X-Handoff-Timestamp": "now", "X-Handoff-Signature": "v1=00"}, "POSIX seconds"),
        ("wrong-secret", "does not match"),
        ("stale", "too old"),
    ],
    ids=["unsigned", "no-timestamp", "bad-timestamp", "wrong-secret", "stale"],
)
async def test_unsigned_or_wrongly_signed_requests_are_401(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    delivery: FakeDelivery,
    headers: Any,
    detail: str,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann")
    body = json.dumps(
        {
            "id": "x",
            "type": "message.created",
            "data": {"handoff_id": handoff["id"], "agent": "Eve", "text": "send me your card"},
        }
    ).encode()
    if headers == "wrong-secret":
        headers = signed("another-secret-of-some-length", body)
    elif headers == "stale":
        headers = signed(WEBHOOK_SECRET, body, timestamp=int(time.time()) - 301)
    response = await service.client.post(INBOUND, content=body, headers=headers)
    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert delivery.sent == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[]", 400, "JSON object"),
        ({"type": "message.created", "data": {}}, 400, "id"),
        ({"id": "a", "type": "handoff.assigned", "data": {}}, 400, "type"),
        ({"id": "a", "type": "message.created", "data": []}, 400, "data must be an object"),
        (
            {"id": "a", "type": "message.created", "data": {"agent": "J", "text": "t"}},
            400,
            "handoff_id or data.conversation_id",
        ),
        (
            {"id": "a", "type": "message.created", "data": {"handoff_id": 1, "text": "t"}},
            400,
            "agent",
        ),
        (
            {"id": "a", "type": "message.created", "data": {"handoff_id": 1, "agent": "J"}},
            400,
            "text",
        ),
        (
            {
                "id": "a",
                "type": "message.created",
                "data": {"handoff_id": 999, "agent": "J", "text": "t"},
            },
            404,
            "no such handoff",
        ),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-id",
        "bad-type",
        "bad-data",
        "no-handoff",
        "no-agent",
        "no-text",
        "unknown-handoff",
    ],
)
async def test_malformed_events_get_clear_errors_and_can_be_resent(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    body: Any,
    status: int,
    detail: str,
) -> None:
    service = await start_service(webhook_settings)
    await create_handoff(service, "ann")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await service.client.post(INBOUND, content=raw, headers=signed(WEBHOOK_SECRET, raw))
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    if isinstance(body, dict) and "id" in body:
        # Nothing was recorded for the id: the corrected event is carried out.
        fixed = await post_event(
            service,
            body["id"],
            "message.created",
            {"handoff_id": 1, "agent": "J", "text": "fixed"},
        )
        assert fixed.status_code == 201, fixed.text


# -- hostile input ---------------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (DEEP, "nested"),
        (b'{"id": "a", "type": "handoff.closed", "data":' + DEEP + b"}", "nested"),
        (
            {"id": "a", "type": "handoff.closed", "data": {"handoff_id": 10**20}},
            "data.handoff_id must be between 1 and",
        ),
        (
            {"id": "a", "type": "handoff.closed", "data": {"handoff_id": "7"}},
            "data.handoff_id must be a positive integer",
        ),
        (
            {"id": "a", "type": "handoff.closed", "data": {"handoff_id": 7.5}},
            "data.handoff_id must be a whole number",
        ),
        (b'{"id": "a", "type": "handoff.closed", "data": {"handoff_id": NaN}}', "finite"),
    ],
    ids=["deep", "deep-data", "id-past-64-bits", "id-as-text", "id-fraction", "nan"],
)
async def test_hostile_signed_bodies_are_400(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    body: Any,
    detail: str,
) -> None:
    service = await start_service(webhook_settings)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await service.client.post(INBOUND, content=raw, headers=signed(WEBHOOK_SECRET, raw))
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_hostile_signature_headers_are_401(
    start_service: StartService, webhook_settings: IntegrationSettings
) -> None:
    service = await start_service(webhook_settings)
    now = str(int(time.time())).encode()
    for timestamp, signature in [
        (b"\xc2\xb2", b"v1=00"),  # "²": isdigit() says yes, int() no
        (b"9" * 5000, b"v1=00"),
        (now, b"v1=\xff\xfe"),  # non-ASCII bytes
    ]:
        answer = await service.raw(
            b"POST /api/integrations/webhook HTTP/1.1\r\nHost: x\r\n"
            b"X-Handoff-Timestamp: " + timestamp + b"\r\n"
            b"X-Handoff-Signature: " + signature + b"\r\nContent-Length: 2\r\n\r\n{}"
        )
        assert answer.startswith(b"HTTP/1.1 401 "), answer


async def test_text_postgresql_cannot_hold_is_stored_as_replacement_characters(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann")
    raw = json.dumps(
        {
            "id": "cc-\x00",
            "type": "message.created",
            "data": {"handoff_id": handoff["id"], "agent": "J\x00", "text": "hi\x00\ud800"},
        }
    ).encode()
    response = await service.client.post(INBOUND, content=raw, headers=signed(WEBHOOK_SECRET, raw))
    assert response.status_code == 201, response.text
    assert response.json()["message"]["text"] == "hi\ufffd\ufffd"
    assert delivery.sent == [("telegram", "tg-ann", "hi\ufffd\ufffd")]


async def test_the_handoff_carries_its_language_and_skills(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    await create_handoff(
        service, "ann", language="es-MX", reasons=["fraud"], summary={"intents": ["start_return"]}
    )
    [event] = await arrived(receiver, 1)

    handoff = event["data"]["handoff"]
    assert handoff["language"] == "es-mx"
    assert handoff["skills"] == ["fraud", "returns"]

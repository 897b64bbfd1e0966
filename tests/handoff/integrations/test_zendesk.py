"""handoff.integrations.zendesk: tickets out, agents' comments and solves back in,
against a local fake of Zendesk's documented Tickets API and webhooks."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from handoff.integrations.settings import IntegrationSettings
from tests.fakes.server import Reply
from tests.fakes.zendesk import AGENT_NAME, FakeZendesk, webhook_headers
from tests.handoff.conftest import CloseRecorder, FakeDelivery, Service
from tests.handoff.integrations.conftest import (
    ZENDESK_EMAIL,
    ZENDESK_TOKEN,
    ZENDESK_WEBHOOK_SECRET,
    StartService,
    create_handoff,
    customer_says,
    drained,
    eventually,
    queued,
)

INBOUND = "/api/integrations/zendesk"


async def ticket_of(service: Service, zendesk: FakeZendesk, escalation_id: str) -> dict[str, Any]:
    """The handoff's ticket, once the service has recorded it too: Zendesk holds the
    ticket a moment before the service has read the answer, and a webhook for it
    in that moment would find no handoff (404)."""
    found: dict[str, Any] = {}

    async def created() -> bool:
        found.update(zendesk.ticket_by_external_id(f"handoff-{escalation_id}") or {})
        if not found:
            return False
        tickets = service.app.ctx.integrations.tickets
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
        INBOUND, content=body, headers=webhook_headers(secret, body, **kwargs)
    )


async def test_a_handoff_becomes_a_ticket_and_the_conversation_follows_it(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "ann", priority=2, reasons=["fraud", "anger"])
    ticket = await ticket_of(service, zendesk, "esc-ann")

    create = next(r for r in zendesk.requests if r.method == "POST")
    assert base64.b64decode(create.headers["authorization"].split()[1]).decode() == (
        f"{ZENDESK_EMAIL}/token:{ZENDESK_TOKEN}"
    )
    assert create.headers["idempotency-key"] == "handoff-esc-ann"
    sent = create.json()["ticket"]
    assert sent["priority"] == "high"
    assert sent["tags"] == ["handoff", "handoff_channel_telegram", "fraud", "anger"]
    assert sent["requester"] == {"name": "Ann"}
    assert sent["subject"] == "Ann (telegram): fraud, anger"
    [first] = zendesk.comments_of(ticket["id"])
    assert first["public"] is False
    lines = first["body"].splitlines()
    assert "Reasons: fraud, anger; priority 2." in lines
    assert "order_number: A1234" in lines
    assert "[2025-03-01 12:00:00 UTC] Customer: ann: where is my order" in lines
    assert "[2025-03-01 12:00:01 UTC] Bot: It ships tomorrow." in lines

    # The customer's next message is theirs in Zendesk; the desk's words are private notes.
    await customer_says(service, handoff["id"], "ann: any news?")
    token = await service.new_agent("bob")
    await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
    await service.as_(
        token, "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "checking"}
    )
    await service.as_(
        token,
        "POST",
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": "card looks stolen", "internal": True},
    )
    later = (await comments(zendesk, ticket["id"], 4))[1:]
    assert [(c["body"], c["public"], c["author_id"]) for c in later] == [
        ("ann: any news?", True, ticket["requester_id"]),
        ("bob replied to the customer: checking", False, 1000),
        ("Internal note by bob: card looks stolen", False, 1000),
    ]


async def test_agents_answer_in_zendesk_and_solving_the_ticket_resumes_the_bot(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> None:
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")

    body = zendesk.agent_comment(ticket["id"], "Hi Ann, your refund is on its way.")
    answered = await from_zendesk(service, body)
    replayed = await from_zendesk(service, body)

    assert answered.status_code == 200, answered.text
    assert answered.json()["comment"]["delivered"] is True
    assert replayed.json()["comment"]["duplicate"] is True
    assert delivery.sent == [("telegram", "tg-ann", "Hi Ann, your refund is on its way.")]
    current = (await service.admin("GET", f"/api/handoffs/{handoff['id']}")).json()
    assert current["assigned_to"] == f"zendesk:{AGENT_NAME}"
    assert current["transcript"][-1]["author"] == f"zendesk:{AGENT_NAME}"

    # The reply is not sent back to Zendesk: the next comment is the customer's.
    await customer_says(service, handoff["id"], "ann: thank you!")
    after = await comments(zendesk, ticket["id"], 3)
    assert [c["body"] for c in after[1:]] == [
        "Hi Ann, your refund is on its way.",
        "ann: thank you!",
    ]

    puts_before = len([r for r in zendesk.requests if r.method == "PUT"])
    solved = await from_zendesk(service, zendesk.solve(ticket["id"]))
    assert solved.status_code == 200, solved.text
    assert solved.json()["close"]["handoff"]["status"] == "closed"
    assert [h.id for h in closes.closed] == [handoff["id"]]
    await drained(service)
    # Zendesk solved it: the close is not sent back to solve it again.
    assert len([r for r in zendesk.requests if r.method == "PUT"]) == puts_before


async def test_closing_in_the_desk_solves_the_ticket(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    closed = await service.admin(
        "POST", f"/api/handoffs/{handoff['id']}/close", json={"resolution": "resent the parcel"}
    )
    assert closed.status_code == 200, closed.text
    await drained(service)
    assert zendesk.tickets[ticket["id"]]["status"] == "solved"
    note = zendesk.comments_of(ticket["id"])[-1]
    assert (note["body"], note["public"]) == (
        "Closed in the handoff service by an operator: resent the parcel",
        False,
    )


async def test_a_rate_limit_and_a_lost_answer_still_make_one_ticket(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    zendesk.fail_next(
        Reply(429, {"error": "TooManyRequests"}, {"Retry-After": "1"}),
    )
    service = await start_service(zendesk_settings)
    zendesk.lose_answers = 1  # the retry creates the ticket, but its answer is lost
    started = dt.datetime.now()
    await create_handoff(service, "ann")
    await ticket_of(service, zendesk, "esc-ann")
    await drained(service)

    assert len(zendesk.tickets) == 1
    calls = [(r.method, r.path) for r in zendesk.requests]
    assert calls == [
        ("POST", "/api/v2/tickets.json"),  # 429
        ("GET", "/api/v2/tickets.json"),  # a retry looks first: not there
        ("POST", "/api/v2/tickets.json"),  # created, answer lost
        ("GET", "/api/v2/tickets.json"),  # found by external_id
    ]
    # Retry-After was honoured before the second attempt.
    assert dt.datetime.now() - started >= dt.timedelta(seconds=1)
    assert (await queued(service)) == []


async def test_a_ticket_zendesk_refuses_dead_letters_the_handoffs_events(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    zendesk.fail_next(
        Reply(
            422,
            {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"requester": [{"description": "Requester: is invalid"}]},
            },
        )
    )
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "ann")
    await customer_says(service, handoff["id"], "hello?")

    async def both_dead() -> bool:
        return len(await queued(service, status="dead")) == 2

    await eventually(both_dead, what="two dead letters")
    dead = await queued(service, status="dead")
    assert [(d["type"], d["last_error"]) for d in dead] == [
        ("handoff.created", "HTTP 422: RecordInvalid; Record validation errors; fields: requester"),
        (
            "message.created",
            f"no Zendesk ticket for handoff {handoff['id']} "
            "(its handoff.created was not delivered)",
        ),
    ]
    assert zendesk.tickets == {}


# -- inbound ---------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_private_notes_and_the_customers_own_comments_are_not_sent(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    await customer_says(service, handoff["id"], "ann: still waiting")
    await comments(zendesk, ticket["id"], 2)

    note = await from_zendesk(service, zendesk.agent_comment(ticket["id"], "fraud?", public=False))
    own = await from_zendesk(service, zendesk.solve(ticket["id"]).replace(b"Solved", b"Open"))

    assert note.json()["comment"] == {"ignored": "a private note stays in Zendesk"}
    assert own.json()["comment"]["ignored"].startswith("the customer's own message")
    assert "close" not in own.json()
    assert delivery.sent == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_comments_without_an_id_are_still_delivered_once(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(zendesk_settings)
    await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    body = zendesk.agent_comment(ticket["id"], "Sorry for the wait.", with_id=False)
    assert (await from_zendesk(service, body)).json()["comment"]["delivered"] is True
    assert (await from_zendesk(service, body)).json()["comment"]["duplicate"] is True
    later = json.loads(body)
    later["comment"]["created_at"] = "2099-01-01T00:00:00Z"  # the same words, sent again later
    again = await from_zendesk(service, json.dumps(later).encode())
    assert again.json()["comment"]["delivered"] is True
    assert [text for _, _, text in delivery.sent] == ["Sorry for the wait."] * 2


def _payload(ticket_id: Any, **extra: Any) -> bytes:
    return json.dumps({"ticket_id": ticket_id, "status": "open", **extra}).encode()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("case", "status", "detail"),
    [
        ("wrong-secret", 401, "does not match"),
        ("stale", 401, "too old"),
        ("unsigned", 401, "are required"),
        ("not-json", 400, "not valid JSON"),
        ("no-ticket", 400, "ticket_id must be a Zendesk id"),
        ("bad-comment", 400, "comment.id must be a Zendesk id"),
        ("unknown-ticket", 404, "ticket 999 is not a handoff's"),
    ],
)
async def test_bad_webhooks_get_clear_errors(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
    case: str,
    status: int,
    detail: str,
) -> None:
    service = await start_service(zendesk_settings)
    await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    comment = {"id": "1", "public": "true", "body": "hi", "author": {"id": "2000", "name": "J"}}
    body = _payload(str(ticket["id"]), comment=comment)
    if case == "wrong-secret":
        response = await from_zendesk(service, body, secret="not-the-signing-secret")
    elif case == "stale":
        old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=6)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        response = await from_zendesk(service, body, timestamp=old)
    elif case == "unsigned":
        response = await service.client.post(INBOUND, content=body)
    elif case == "not-json":
        response = await from_zendesk(service, b"ticket=1")
    elif case == "no-ticket":
        response = await from_zendesk(service, _payload(""))
    elif case == "bad-comment":
        bad = {**comment, "id": "latest"}
        response = await from_zendesk(service, _payload(ticket["id"], comment=bad))
    else:
        response = await from_zendesk(service, _payload(999, comment=comment))
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    assert delivery.sent == []


# -- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (_payload("99999999999999999999"), "ticket_id must be a Zendesk id"),
        (_payload(10**20), "ticket_id must be a Zendesk id"),
        (_payload("²"), "ticket_id must be a Zendesk id"),  # isdigit() yes, int() no
        (_payload("\uff11"), "ticket_id must be a Zendesk id"),  # fullwidth 1
        (
            _payload("1", comment={"id": "9" * 25, "body": "hi"}),
            "comment.id must be a Zendesk id",
        ),
        (
            _payload("1", comment={"body": "hi", "author": {"id": "²"}}),
            "comment.author.id must be a Zendesk id",
        ),
    ],
    ids=[
        "deep",
        "id-past-64-bits",
        "id-number-past-64-bits",
        "superscript",
        "fullwidth",
        "comment-id",
        "author-id",
    ],
)
async def test_hostile_signed_bodies_are_400(
    start_service: StartService,
    zendesk_settings: IntegrationSettings,
    body: bytes,
    detail: str,
) -> None:
    service = await start_service(zendesk_settings)
    response = await from_zendesk(service, body)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_hostile_signature_headers_are_401(
    start_service: StartService, zendesk_settings: IntegrationSettings
) -> None:
    service = await start_service(zendesk_settings)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    for timestamp, signature in [
        (b"0001-01-01T00:00:00+14:00", b"x"),  # year 1: overflows as a time
        (now, b"\xff\xfe"),  # non-ASCII bytes
    ]:
        answer = await service.raw(
            b"POST /api/integrations/zendesk HTTP/1.1\r\nHost: x\r\n"
            b"X-Zendesk-Webhook-Signature-Timestamp: " + timestamp + b"\r\n"
            b"X-Zendesk-Webhook-Signature: " + signature + b"\r\nContent-Length: 2\r\n\r\n{}"
        )
        assert answer.startswith(b"HTTP/1.1 401 "), answer


async def test_an_escalation_id_a_header_cannot_carry_still_makes_a_ticket(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    """Found by fuzzing the API: the external id went into the Idempotency-Key header
    as it was, httpx refused the non-ASCII header, and every retry failed the same way."""
    service = await start_service(zendesk_settings)
    for escalation_id in ("esc-café", "esc with spaces"):
        await create_handoff(service, escalation_id.replace(" ", "-"), escalation_id=escalation_id)
        ticket = await ticket_of(service, zendesk, escalation_id)
        assert ticket["external_id"] == f"handoff-{escalation_id}"
    keys = [r.headers["idempotency-key"] for r in zendesk.requests if r.method == "POST"]
    assert len(keys) == 2 and all(key.startswith("handoff-sha256-") for key in keys)
    assert len(set(keys)) == 2
    await drained(service)  # nothing left failing in the queue

"""handoff.integrations.zendesk: tickets out, and the conversation following them both
ways, against a local fake of Zendesk's documented Tickets API and webhooks (what
comes back alone: test_zendesk_inbound)."""

from __future__ import annotations

import base64
import datetime as dt

from handoff.context import context_of
from handoff.insights.keeper import StreamEvent
from handoff.integrations.settings import IntegrationSettings
from tests.fakes.server import Reply
from tests.fakes.zendesk import AGENT_NAME, FakeZendesk
from tests.handoff.conftest import CloseRecorder, FakeDelivery
from tests.handoff.insights.conftest import Chat
from tests.handoff.integrations.conftest import (
    ZENDESK_EMAIL,
    ZENDESK_TOKEN,
    StartService,
    comments,
    create_handoff,
    customer_says,
    drained,
    eventually,
    from_zendesk,
    queued,
    ticket_of,
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
    # The skills routing reads: the language (English unless said) and the topics.
    assert sent["tags"] == [
        "handoff",
        "handoff_channel_telegram",
        "fraud",
        "anger",
        "lang_en",
        "skill_fraud",
    ]
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


async def test_the_ticket_carries_the_conversation_s_record(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    service = await start_service(zendesk_settings)
    chat = Chat(channel="telegram").session()
    chat.user("where is my order 12345678???", "check_order_status", order_id="12345678")
    chat.respond("utter_order_status_shipped", "Order 12345678 shipped on Monday.")
    chat.user("THIS IS USELESS, it never came, terrible service", "complain")
    chat.respond("utter_default", "Sorry, I didn't get that.")
    keeper = context_of(service.app).records
    assert keeper is not None
    keeper.add([StreamEvent("conv-ann", event) for event in chat.events])

    await create_handoff(service, "ann", reasons=["anger"])
    ticket = await ticket_of(service, zendesk, "esc-ann")

    sent = next(r for r in zendesk.requests if r.method == "POST").json()["ticket"]
    assert sent["tags"] == [
        "handoff",
        "handoff_channel_telegram",
        "anger",
        "lang_en",
        "contact_check_order_status",
        "contact_complain",
        "mood_negative",
    ]
    [first] = zendesk.comments_of(ticket["id"])
    lines = first["body"].splitlines()
    assert "Contact reasons: check_order_status, complain" in lines
    assert "Order numbers: 12345678" in lines
    assert "Turns: 2 by the customer, 2 by the bot; 1 not understood, 0 rephrased" in lines


async def test_without_a_record_the_ticket_is_as_before(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    service = await start_service(zendesk_settings)
    await create_handoff(service, "bea", reasons=["fraud"])
    ticket = await ticket_of(service, zendesk, "esc-bea")

    sent = next(r for r in zendesk.requests if r.method == "POST").json()["ticket"]
    assert sent["tags"] == [
        "handoff",
        "handoff_channel_telegram",
        "fraud",
        "lang_en",
        "skill_fraud",
    ]
    [first] = zendesk.comments_of(ticket["id"])
    assert "Contact reasons" not in first["body"]


async def test_the_ticket_carries_the_language_and_skills_as_tags(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    service = await start_service(zendesk_settings)
    await create_handoff(
        service,
        "cai",
        reasons=["payment_dispute"],
        language="es",
        skills=["returns"],
        summary={"intents": ["start_return"]},
    )
    await ticket_of(service, zendesk, "esc-cai")

    sent = next(r for r in zendesk.requests if r.method == "POST").json()["ticket"]
    assert sent["tags"] == [
        "handoff",
        "handoff_channel_telegram",
        "payment_dispute",
        "lang_es",
        "skill_payments",
        "skill_returns",
    ]

"""handoff.store on SQLite and PostgreSQL: idempotency, queue order, transcripts, atomic claims."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from handoff.escalation import queue_key
from handoff.models import agents
from handoff.store import (
    Agent,
    AgentExists,
    Handoff,
    HandoffConflict,
    HandoffNotFound,
    HandoffStore,
    NewMessage,
    hash_token,
)

T0 = dt.datetime(2025, 3, 1, 12, 0, 0)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def new_handoff(
    store: HandoffStore,
    name: str,
    *,
    priority: int = 3,
    created: float = 0,
    transcript: list[NewMessage] | None = None,
    **fields: Any,
) -> Handoff:
    handoff, created_now = await store.create_handoff(
        escalation_id=fields.pop("escalation_id", f"esc-{name}"),
        conversation_id=fields.pop("conversation_id", f"conv-{name}"),
        channel="sms",
        customer_id=f"+1555{abs(hash(name)) % 10**7:07d}",
        customer={"name": name},
        reasons=["explicit_request"],
        priority=priority,
        anger=0.2,
        summary={"intents": ["order_status"], "order_number": "A123"},
        transcript=transcript or [],
        now=at(created),
        **fields,
    )
    assert created_now
    return handoff


async def test_create_stores_every_field(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "ann", priority=2)
    found = await store.get(handoff.id)
    assert found is not None
    assert found.to_json() == {
        **handoff.to_json(),
        "transcript": [],
    }
    assert (found.status, found.priority, found.anger) == ("waiting", 2, 0.2)
    assert found.customer == {"name": "ann"}
    assert found.reasons == ["explicit_request"]
    assert found.summary == {"intents": ["order_status"], "order_number": "A123"}
    assert found.created_at == T0
    assert found.to_json()["created_at"] == "2025-03-01T12:00:00+00:00"


async def test_create_is_idempotent_on_escalation_id(store: HandoffStore) -> None:
    first = await new_handoff(store, "ann")
    again, created = await store.create_handoff(
        escalation_id="esc-ann",
        conversation_id="conv-ann",
        channel="sms",
        customer_id="x",
        priority=1,
        transcript=[NewMessage("customer", "hello", T0, "ev-1")],
    )
    assert not created
    assert again == first
    assert await store.list() == [first]
    found = await store.get(first.id)
    assert found is not None and found.transcript == []  # the retry's transcript is not added


async def test_a_conversation_has_one_open_handoff(store: HandoffStore) -> None:
    first = await new_handoff(store, "ann")
    second, created = await store.create_handoff(
        escalation_id="another-escalation",
        conversation_id="conv-ann",
        channel="sms",
        customer_id="x",
        priority=1,
    )
    assert not created and second.id == first.id
    assert await store.open_handoff_for("conv-ann") == first

    await store.close(first.id, "sue", "spam", supervisor=True)
    assert await store.open_handoff_for("conv-ann") is None
    third, created = await store.create_handoff(
        escalation_id="another-escalation",
        conversation_id="conv-ann",
        channel="sms",
        customer_id="x",
        priority=1,
    )
    assert created and third.id != first.id


async def test_waiting_list_is_in_queue_order(store: HandoffStore) -> None:
    specs = [("a", 3, 0), ("b", 1, 30), ("c", 3, -60), ("d", 2, 10), ("e", 1, 40), ("f", 3, 0)]
    for name, priority, created in specs:
        await new_handoff(store, name, priority=priority, created=created)

    waiting = await store.list(status="waiting")

    assert [h.customer["name"] for h in waiting] == ["b", "e", "d", "c", "a", "f"]
    assert waiting == sorted(waiting, key=lambda h: (*queue_key(h.priority, h.created_at), h.id))
    assert [await store.queue_position(h.id) for h in waiting] == [1, 2, 3, 4, 5, 6]


async def test_queue_position_ignores_handoffs_no_longer_waiting(store: HandoffStore) -> None:
    first = await new_handoff(store, "a", priority=1)
    second = await new_handoff(store, "b", priority=2)
    assert await store.queue_position(second.id) == 2
    await store.claim(first.id, "ann")
    assert await store.queue_position(second.id) == 1
    assert await store.queue_position(first.id) is None
    assert await store.queue_position(999) is None


async def test_list_filters_by_status_and_conversation(store: HandoffStore) -> None:
    a = await new_handoff(store, "a", created=0)
    b = await new_handoff(store, "b", created=10)
    await store.claim(b.id, "ann")

    assert [h.id for h in await store.list()] == [b.id, a.id]  # newest first
    assert [h.id for h in await store.list(status="assigned")] == [b.id]
    assert [h.id for h in await store.list(conversation_id="conv-a")] == [a.id]
    assert await store.list(status="closed") == []
    with pytest.raises(ValueError, match="unknown status"):
        await store.list(status="lost")


async def test_transcript_is_in_time_order_and_deduplicated(store: HandoffStore) -> None:
    handoff = await new_handoff(
        store,
        "ann",
        transcript=[
            NewMessage("customer", "where is my order", at(-30), "ev-1"),
            NewMessage("bot", "It ships tomorrow.", at(-29), "ev-2"),
            NewMessage("customer", "I WANT A HUMAN", at(-10), "ev-3"),
        ],
    )
    _, created = await store.append_message(handoff.id, "customer", "hello?", at(5), "ev-5")
    assert created
    # Delivered late, but written before the previous one: the transcript follows the clock.
    await store.append_message(handoff.id, "customer", "anyone?", at(2), "ev-4")
    duplicate, created = await store.append_message(handoff.id, "customer", "hello?", at(5), "ev-5")
    assert not created and duplicate.text == "hello?"
    _, created = await store.append_message(handoff.id, "customer", "x", at(6), "ev-1")
    assert not created  # already in the initial transcript

    found = await store.get(handoff.id)
    assert found is not None and found.transcript is not None
    assert [(m.role, m.text) for m in found.transcript] == [
        ("customer", "where is my order"),
        ("bot", "It ships tomorrow."),
        ("customer", "I WANT A HUMAN"),
        ("customer", "anyone?"),
        ("customer", "hello?"),
    ]
    assert found.last_customer_message_at == at(5)
    assert found.to_json()["transcript"][0] == {
        "id": found.transcript[0].id,
        "handoff_id": handoff.id,
        "role": "customer",
        "text": "where is my order",
        "timestamp": "2025-03-01T11:59:30+00:00",
        "internal": False,
        "author": None,
        "delivery": None,
    }


async def test_messages_without_source_event_id_are_all_kept(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "ann")
    for _ in range(2):
        _, created = await store.append_message(handoff.id, "bot", "One moment.", at(1))
        assert created
    found = await store.get(handoff.id)
    assert found is not None and found.transcript is not None
    assert len(found.transcript) == 2


async def test_append_to_unknown_or_closed_handoff(store: HandoffStore) -> None:
    with pytest.raises(HandoffNotFound):
        await store.append_message(999, "customer", "hi")
    handoff = await new_handoff(store, "ann")
    await store.close(handoff.id, "sue", None, supervisor=True)
    with pytest.raises(HandoffConflict):
        await store.append_message(handoff.id, "customer", "hi")
    with pytest.raises(ValueError, match="role"):
        await store.append_message(handoff.id, "robot", "hi")


async def test_concurrent_claims_exactly_one_wins(database_url: str, store: HandoffStore) -> None:
    # Two stores: two engines, two connection pools, as two service workers would have.
    other = HandoffStore(database_url)
    try:
        handoffs = [await new_handoff(store, f"c{i}", created=i) for i in range(15)]

        async def claim(via: HandoffStore, handoff: Handoff, agent: str) -> str | None:
            try:
                await via.claim(handoff.id, agent)
            except HandoffConflict:
                return None
            return agent

        for handoff in handoffs:
            results = await asyncio.gather(
                claim(store, handoff, "ann"), claim(other, handoff, "bob")
            )
            winners = [r for r in results if r is not None]
            assert len(winners) == 1, results
            found = await store.get(handoff.id)
            assert found is not None
            assert (found.status, found.assigned_to) == ("assigned", winners[0])
            assert found.assigned_at is not None
    finally:
        other.dispose()


async def test_claim_unknown_or_taken(store: HandoffStore) -> None:
    with pytest.raises(HandoffNotFound):
        await store.claim(999, "ann")
    handoff = await new_handoff(store, "x")
    await store.claim(handoff.id, "ann")
    with pytest.raises(HandoffConflict):
        await store.claim(handoff.id, "ann")  # not even the same agent twice


async def test_close_by_assignee_or_supervisor_only(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "x")
    with pytest.raises(HandoffConflict, match="not assigned to you"):
        await store.close(handoff.id, "ann", "done")  # waiting: an agent must claim first
    await store.claim(handoff.id, "ann")
    with pytest.raises(HandoffConflict, match="not assigned to you"):
        await store.close(handoff.id, "bob", "done")

    closed = await store.close(handoff.id, "ann", "refund issued", now=at(100))
    assert (closed.status, closed.resolution, closed.closed_at) == (
        "closed",
        "refund issued",
        at(100),
    )
    with pytest.raises(HandoffConflict, match="already closed"):
        await store.close(handoff.id, "sue", "again", supervisor=True)
    with pytest.raises(HandoffNotFound):
        await store.close(999, "sue", None, supervisor=True)

    other = await new_handoff(store, "y")
    assert (await store.close(other.id, "sue", "spam", supervisor=True)).status == "closed"


async def test_agent_messages(store: HandoffStore) -> None:
    ann, bob, sue = (
        Agent(1, "ann", "agent"),
        Agent(2, "bob", "agent"),
        Agent(3, "sue", "supervisor"),
    )
    handoff = await new_handoff(store, "x")
    with pytest.raises(HandoffConflict, match="waiting"):
        await store.agent_message(handoff.id, ann, "hello")
    await store.claim(handoff.id, "ann")
    with pytest.raises(HandoffConflict, match="not assigned to you"):
        await store.agent_message(handoff.id, bob, "hello")

    reply = await store.agent_message(handoff.id, ann, "Hi, I'm Ann.")
    note = await store.agent_message(handoff.id, sue, "check the refund policy", internal=True)
    assert (reply.role, reply.author, reply.internal, reply.delivery) == (
        "agent",
        "ann",
        False,
        "pending",
    )
    assert (note.author, note.internal, note.delivery) == ("sue", True, None)
    assert (await store.set_delivery(reply.id, "sent")).delivery == "sent"

    await store.close(handoff.id, "ann", "done")
    with pytest.raises(HandoffConflict, match="closed"):
        await store.agent_message(handoff.id, sue, "too late")
    with pytest.raises(HandoffNotFound):
        await store.agent_message(999, sue, "hello")


async def test_agents_and_tokens(store: HandoffStore) -> None:
    token = await store.create_agent("ann", "agent")
    supervisor_token = await store.create_agent("sue", "supervisor")

    assert len(token) >= 40 and token != supervisor_token
    ann = await store.agent_for_token(token)
    assert ann is not None and (ann.name, ann.role, ann.is_supervisor) == ("ann", "agent", False)
    sue = await store.agent_for_token(supervisor_token)
    assert sue is not None and sue.is_supervisor
    assert await store.agent_for_token(token + "x") is None
    assert await store.agent_for_token("") is None
    assert await store.count_agents() == 2

    with store.engine.connect() as db:
        stored = db.execute(select(agents.c.token_hash).where(agents.c.name == "ann")).scalar_one()
    assert stored == hash_token(token) and token not in stored

    with pytest.raises(AgentExists):
        await store.create_agent("ann", "supervisor")
    with pytest.raises(ValueError, match="role"):
        await store.create_agent("zed", "admin")


# -- the change journal, transfers, pickup notices -----------------------------------------


async def test_every_change_is_journaled_in_order(store: HandoffStore) -> None:
    handoff = await new_handoff(
        store, "ann", transcript=[NewMessage("customer", "WHERE IS IT", at(-5), "r-1")]
    )
    await store.append_message(handoff.id, "customer", "hello??", at(1), "r-2")
    await store.claim(handoff.id, "sam")
    await store.agent_message(handoff.id, Agent(1, "sam", "agent"), "On it")
    await store.close(handoff.id, "sam", "tracking given")

    journal = await store.events_after(0)
    assert [e.type for e in journal] == [
        "handoff.created",
        "message.created",
        "handoff.assigned",
        "message.created",
        "handoff.closed",
    ]
    assert all(e.handoff_id == handoff.id and e.conversation_id == "conv-ann" for e in journal)
    created = journal[0].payload["handoff"]
    assert [m["text"] for m in created["transcript"]] == ["WHERE IS IT"]
    assert journal[1].payload["message"]["text"] == "hello??"
    assert journal[3].payload["message"]["author"] == "sam"
    assert journal[4].payload["handoff"]["resolution"] == "tracking given"
    # A reader resumes after the last id it handled.
    assert [e.type for e in await store.events_after(journal[2].id)] == [
        "message.created",
        "handoff.closed",
    ]


async def test_changes_that_fail_journal_nothing(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "ann")
    await new_handoff(store, "bob")
    await store.claim(handoff.id, "sam")
    before = len(await store.events_after(0))
    with pytest.raises(HandoffConflict):
        await store.claim(handoff.id, "kim")
    # Idempotent retries record nothing new either.
    _, created = await store.create_handoff(
        escalation_id="esc-ann", conversation_id="conv-ann", channel="sms",
        customer_id="x", priority=3,
    )  # fmt: skip
    assert not created
    assert len(await store.events_after(0)) == before


async def test_transfer_by_assignee_or_supervisor(store: HandoffStore) -> None:
    await store.create_agent("sam", "agent")
    await store.create_agent("kim", "agent")
    await store.create_agent("sue", "supervisor")
    handoff = await new_handoff(store, "ann")
    sam, kim = Agent(1, "sam", "agent"), Agent(2, "kim", "agent")
    sue = Agent(3, "sue", "supervisor")

    with pytest.raises(HandoffConflict):
        await store.transfer(handoff.id, sam, "kim")  # waiting: not sam's to give
    await store.claim(handoff.id, "sam")
    with pytest.raises(HandoffConflict):
        await store.transfer(handoff.id, kim, "kim")  # kim cannot take it
    with pytest.raises(ValueError, match="no enabled agent"):
        await store.transfer(handoff.id, sam, "nobody")

    moved = await store.transfer(handoff.id, sam, "kim")
    assert (moved.status, moved.assigned_to) == ("assigned", "kim")
    assert (await store.transfer(handoff.id, sue, "sam")).assigned_to == "sam"
    journal = [e for e in await store.events_after(0) if e.type == "handoff.assigned"]
    assert [e.payload["handoff"]["assigned_to"] for e in journal] == ["sam", "kim", "sam"]

    await store.close(handoff.id, "sam")
    with pytest.raises(HandoffConflict):
        await store.transfer(handoff.id, sue, "kim")


async def test_unless_present_records_a_message_once_whatever_its_source(
    store: HandoffStore,
) -> None:
    handoff = await new_handoff(
        store, "ann", transcript=[NewMessage("customer", "hello?", at(1), None)]
    )
    # The same Rasa event through the broker, and through a catch-up read.
    earlier, created = await store.append_message(
        handoff.id, "customer", "hello?", at(1.0004), "rasa-sql-9", unless_present=True
    )
    assert not created and earlier.source_event_id is None
    _, created = await store.append_message(
        handoff.id, "customer", "hello?", at(2), "rasa-sql-10", unless_present=True
    )
    assert created  # the customer said it again, later
    _, created = await store.append_message(
        handoff.id, "bot", "hello?", at(1), unless_present=True
    )
    assert created  # another role
    full = await store.get(handoff.id)
    assert full is not None and full.transcript is not None
    assert [(m.role, m.text) for m in full.transcript] == [
        ("customer", "hello?"),
        ("bot", "hello?"),
        ("customer", "hello?"),
    ]


async def test_pickup_notices_are_claimed_once(store: HandoffStore) -> None:
    old = await new_handoff(store, "ann", created=0)
    claimed = await new_handoff(store, "bob", created=10)
    await new_handoff(store, "cy", created=600)
    await store.claim(claimed.id, "sam")

    overdue = await store.unnotified_waiting(at(300))
    assert [h.id for h in overdue] == [old.id]
    assert await store.mark_pickup_notified(old.id, at(301))
    assert not await store.mark_pickup_notified(old.id, at(302))  # told once
    assert not await store.mark_pickup_notified(claimed.id, at(302))  # not waiting
    assert await store.unnotified_waiting(at(300)) == []
    fetched = await store.get(old.id, with_transcript=False)
    assert fetched is not None and fetched.pickup_notified_at == at(301)


def test_database_errors_do_not_list_the_statements_parameters(store: HandoffStore) -> None:
    """They reach the logs (a 500's traceback, the broker's retry warning), and the
    parameters are conversation ids (phone numbers) and customers' words. (What the
    driver itself quotes, PostgreSQL's LINE and DETAIL, is its own.)"""
    words = "my card number is 4111 1111 1111 1111"
    with pytest.raises(SQLAlchemyError) as raised, store.engine.connect() as db:
        db.execute(text("SELECT :words FROM no_such_table"), {"words": words})
    message = str(raised.value)
    assert "parameters hidden" in message and "[parameters:" not in message
    assert "4111" not in message.split("[SQL:")[1]

"""handoff.store.messages on SQLite and PostgreSQL: transcripts in time order, idempotent
appends, agents' replies and notes, delivery status."""

from __future__ import annotations

import pytest

from handoff.store import (
    Agent,
    HandoffConflict,
    HandoffNotFound,
    HandoffStore,
    NewMessage,
)
from tests.handoff.store.conftest import at, new_handoff


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
    _, created = await store.append_message(handoff.id, "bot", "hello?", at(1), unless_present=True)
    assert created  # another role
    full = await store.get(handoff.id)
    assert full is not None and full.transcript is not None
    assert [(m.role, m.text) for m in full.transcript] == [
        ("customer", "hello?"),
        ("bot", "hello?"),
        ("customer", "hello?"),
    ]


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


async def test_a_delivery_status_change_is_journaled_once(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "ann")
    await store.claim(handoff.id, "sam")
    reply = await store.agent_message(handoff.id, Agent(1, "sam", "agent"), "On it")
    before = await store.events_after(0)

    sent = await store.set_delivery(reply.id, "sent")
    assert sent.delivery == "sent"
    again = await store.set_delivery(reply.id, "sent")  # no change: nothing to announce
    assert again == sent

    (updated,) = await store.events_after(before[-1].id)
    assert updated.type == "message.updated"
    assert (updated.handoff_id, updated.conversation_id) == (handoff.id, "conv-ann")
    assert updated.payload == {"handoff_id": handoff.id, "message": sent.to_json()}
    assert before[-1].payload["message"]["delivery"] == "pending"  # as it was then

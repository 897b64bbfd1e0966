"""handoff.store.handoffs on SQLite and PostgreSQL: idempotent creates, the queue's order,
pickup notices."""

from __future__ import annotations

import pytest

from handoff.escalation import queue_key
from handoff.store import (
    HandoffStore,
    NewMessage,
)
from tests.handoff.store.conftest import T0, at, new_handoff


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


async def test_marking_a_pickup_notice_journals_handoff_overdue(store: HandoffStore) -> None:
    await new_handoff(store, "bob", priority=1, created=50)
    ann = await new_handoff(store, "ann", created=0)
    before = (await store.events_after(0))[-1].id

    assert await store.mark_pickup_notified(ann.id, at(301))
    assert not await store.mark_pickup_notified(ann.id, at(400))  # told once

    (overdue,) = await store.events_after(before)
    assert overdue.type == "handoff.overdue"
    assert (overdue.handoff_id, overdue.conversation_id) == (ann.id, "conv-ann")
    assert overdue.payload == {"handoff_id": ann.id, "waited_s": 301, "queue_position": 2}

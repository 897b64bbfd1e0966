"""handoff.store.journal on SQLite and PostgreSQL: every change journaled in its transaction,
listeners told after the commit."""

from __future__ import annotations

import datetime as dt

import pytest

from handoff.store import (
    Agent,
    HandoffConflict,
    HandoffStore,
    JournalEvent,
    NewMessage,
    settled,
)
from tests.handoff.store.conftest import at, new_handoff


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


async def test_journal_listeners_hear_of_commits_that_journaled(
    store: HandoffStore, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[int] = []

    def broken(_latest: int) -> None:
        raise RuntimeError("a listener's bug")

    store.listen_to_journal(broken)
    store.listen_to_journal(heard.append)
    # Several events in one transaction: the latest id, once, after the commit.
    handoff = await new_handoff(
        store, "ann", transcript=[NewMessage("customer", "hi", at(-1), "r-1")]
    )
    assert heard == [(await store.journal_bounds())[1]]
    assert "a journal listener failed" in caplog.text  # logged; the change stands
    with pytest.raises(HandoffConflict):
        await store.close(handoff.id, "kim")  # not kim's: rolled back, nothing heard
    await store.create_agent("kim", "agent")  # journals nothing
    assert len(heard) == 1
    await store.claim(handoff.id, "sam")
    assert heard[-1] == (await store.journal_bounds())[1]


async def test_journal_bounds(store: HandoffStore) -> None:
    assert await store.journal_bounds() == (None, 0)
    await new_handoff(store, "ann")
    await new_handoff(store, "bob")
    ids = [e.id for e in await store.events_after(0)]
    assert await store.journal_bounds() == (ids[0], ids[-1])


def test_settled_stops_at_a_young_gap_only() -> None:
    now = dt.datetime(2027, 1, 1, 12, 0, 0)
    young, old = now, now - dt.timedelta(seconds=60)
    events = [JournalEvent(i, "t", 1, "c", {}, when) for i, when in ((4, old), (6, young))]
    assert [e.id for e in settled(events, 3, now, grace_s=5)] == [4]  # 5 may still commit
    assert [e.id for e in settled(events[1:], 4, now + dt.timedelta(seconds=10), 5)] == [6]
    assert [e.id for e in settled(events, 0, now, 5)] == [4]  # 1-3 missing for a minute
    assert settled([], 3, now) == []

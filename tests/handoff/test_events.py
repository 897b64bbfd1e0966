"""handoff.events: the hub that only wakes, the journal reader, the wire format, resuming."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading

import pytest
from sqlalchemy import insert

from handoff import events as ev
from handoff.events import EventHub, JournalReader, encode, reset, resume_after
from handoff.models import handoff_events, utc_now
from handoff.store import HandoffConflict, HandoffStore, JournalEvent, NewMessage


def journal_event(id_: int, type_: str, payload: dict[str, object]) -> JournalEvent:
    return JournalEvent(id_, type_, 1, "conv", dict(payload), dt.datetime(2027, 1, 1))


async def new_handoff(store: HandoffStore, name: str) -> int:
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{name}",
        conversation_id=f"conv-{name}",
        channel="sms",
        customer_id=name,
        priority=3,
        transcript=[NewMessage("customer", "help", dt.datetime(2027, 1, 1))],
    )
    return handoff.id


# -- the hub ---------------------------------------------------------------------------------


async def test_the_hub_wakes_every_reader_and_carries_only_the_latest_id() -> None:
    hub = EventHub()
    with hub.subscribe() as first, hub.subscribe() as second:
        hub.wake(3)
        hub.wake(7)
        hub.wake(5)  # PostgreSQL may commit a lower id later
        for wakeups in (first, second):
            assert await wakeups.wait(1) is True
            assert wakeups.latest == 7
            # Three wake-ups while the reader was busy: one wait returns, no queue grows.
            assert await wakeups.wait(0.01) is False
        assert hub.subscriber_count == 2
    assert hub.subscriber_count == 0


async def test_the_store_wakes_the_hub_from_its_worker_thread_after_the_commit(
    store: HandoffStore,
) -> None:
    hub = EventHub()
    seen: list[tuple[int, bool]] = []

    def listener(latest: int) -> None:
        # Called in the thread that committed: the event is already readable.
        seen.append((latest, threading.current_thread() is threading.main_thread()))
        hub.wake(latest)

    store.listen_to_journal(listener)
    with hub.subscribe() as wakeups:
        handoff_id = await new_handoff(store, "ann")
        assert await wakeups.wait(1) is True
        journal = await store.events_after(0)
        assert wakeups.latest == journal[-1].id
        assert seen == [(journal[-1].id, False)]
        # A change that journals nothing (a lost claim, a repeated delivery state) wakes no one.
        await store.claim(handoff_id, "sam")
        await wakeups.wait(1)
        with pytest.raises(HandoffConflict):
            await store.claim(handoff_id, "kim")
        await store.create_agent("kim", "agent")
        assert await wakeups.wait(0.05) is False
        assert len(seen) == 2


async def test_a_wake_from_another_thread_reaches_the_loop() -> None:
    hub = EventHub()
    with hub.subscribe() as wakeups:
        await asyncio.to_thread(hub.wake, 42)
        assert await wakeups.wait(1) is True
        assert wakeups.latest == 42


def test_a_hub_nobody_subscribed_to_ignores_wake_ups() -> None:
    EventHub().wake(1)  # no loop known yet: nothing to do, no error


async def test_close_ends_every_reader() -> None:
    hub = EventHub()
    with hub.subscribe() as wakeups:
        hub.close()
        assert await wakeups.wait(1) is True and wakeups.closed
        assert await wakeups.wait(1) is True  # stays closed
    with hub.subscribe() as late:
        assert await late.wait(1) is True and late.closed


# -- the wire format -------------------------------------------------------------------------


def test_encoding_is_one_event_with_the_journal_id_type_and_json() -> None:
    event = journal_event(12, "message.created", {"handoff_id": 1, "message": {"text": "a\nb"}})
    lines = encode(event).split("\n")
    assert lines[0] == "id: 12"
    assert lines[1] == "event: message.created"
    assert json.loads(lines[2].removeprefix("data: ")) == {
        "type": "message.created",
        "handoff_id": 1,
        "message": {"text": "a\nb"},
    }
    assert lines[3:] == ["", ""]


def test_the_stream_leaves_out_the_transcript_the_journal_keeps_for_the_adapters() -> None:
    payload = {"handoff": {"id": 1, "status": "waiting", "transcript": [{"text": "x"}]}}
    event = journal_event(3, "handoff.created", payload)
    data = json.loads(encode(event).split("\n")[2].removeprefix("data: "))
    assert data == {"type": "handoff.created", "handoff": {"id": 1, "status": "waiting"}}
    assert event.payload == payload  # the journal's copy is untouched


def test_a_reset_carries_the_id_the_stream_goes_on_from() -> None:
    assert reset(9) == "id: 9\nevent: stream.reset\ndata: {}\n\n"


@pytest.mark.parametrize(
    ("last_event_id", "expected"),
    [
        (None, 100),  # a new stream starts at the end
        ("", 100),
        ("100", 100),
        (" 62 ", 62),
        ("0", None),  # 100 behind, more than MAX_RESUME_EVENTS (patched to 50 below)
        ("50", 50),
        ("49", None),
        ("101", None),  # ahead of the journal: another database
        ("a1b2c3d4-7", None),  # the in-memory hub's ids of old
        ("-1", None),
        ("²", None),  # passes isdigit(), fails int()
        ("\uff13", None),
        ("9" * 5000, None),
    ],
)
def test_where_a_stream_resumes(
    monkeypatch: pytest.MonkeyPatch, last_event_id: str | None, expected: int | None
) -> None:
    monkeypatch.setattr(ev, "MAX_RESUME_EVENTS", 50)
    assert resume_after(last_event_id, 1, 100) == expected


def test_a_stream_cannot_resume_from_before_what_the_journal_keeps() -> None:
    assert resume_after("9", 10, 20) == 9  # the next one, 10, is there
    assert resume_after("8", 10, 20) is None  # 9 was pruned
    assert resume_after("0", None, 0) == 0  # an empty journal


# -- reading the journal ---------------------------------------------------------------------


async def test_the_reader_reads_pages_in_order_each_event_once(store: HandoffStore) -> None:
    for name in ("a", "b", "c", "d", "e"):
        await new_handoff(store, name)
    journal = [e.id for e in await store.events_after(0)]
    reader = JournalReader(store, journal[0], page_size=2)
    read: list[int] = []
    while True:
        page = await reader.read()
        assert len(page) <= 2  # a slow client holds a page, never the backlog
        read += [e.id for e in page]
        if not reader.more:
            break
    assert read == journal[1:]
    assert await reader.read() == []
    assert reader.position == journal[-1]


def _journal_row(store: HandoffStore, id_: int, age_s: float) -> None:
    with store.engine.begin() as db:
        db.execute(
            insert(handoff_events).values(
                id=id_,
                type="handoff.assigned",
                handoff_id=1,
                conversation_id="conv",
                payload={"handoff": {"id": 1}},
                created_at=utc_now() - dt.timedelta(seconds=age_s),
            )
        )


async def test_the_reader_waits_at_a_young_gap_and_passes_an_old_one(store: HandoffStore) -> None:
    # Ids handed out at insert, committed out of order (PostgreSQL): 2 is not there yet.
    _journal_row(store, 1, age_s=60)
    _journal_row(store, 3, age_s=0)
    reader = JournalReader(store, 0, gap_grace_s=5)
    assert [e.id for e in await reader.read()] == [1]
    assert reader.stalled and reader.position == 1
    _journal_row(store, 2, age_s=0)  # it committed after all
    assert [e.id for e in await reader.read()] == [2, 3]
    assert not reader.stalled
    # A gap older than the grace is a rolled-back transaction: read past it.
    _journal_row(store, 5, age_s=60)
    assert [e.id for e in await reader.read()] == [5]


async def test_a_reader_is_behind_when_woken_past_its_position(store: HandoffStore) -> None:
    hub = EventHub()
    reader = JournalReader(store, 10)
    with hub.subscribe() as wakeups:
        hub.wake(10)
        await wakeups.wait(1)
        assert not reader.behind(wakeups)  # it has read that far already
        hub.wake(11)
        await wakeups.wait(1)
        assert reader.behind(wakeups)

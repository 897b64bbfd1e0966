"""handoff.integrations.deliveries: the per-adapter queue, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, update

from handoff.integrations.deliveries import DeliveryQueue
from handoff.models import RECORDS_WEBHOOK, handoff_events, record_events, utc_now
from handoff.store import HandoffStore, JournalEvent


def journal_row(store: HandoffStore, event_id: int, conversation: str, age_s: float = 0) -> None:
    with store.engine.begin() as db:
        db.execute(
            insert(handoff_events).values(
                id=event_id,
                type="message.created",
                handoff_id=event_id,
                conversation_id=conversation,
                payload={"handoff_id": event_id, "message": {"text": "hi"}},
                created_at=utc_now() - dt.timedelta(seconds=age_s),
            )
        )


def everything(_event: JournalEvent) -> bool:
    return True


async def test_a_new_cursor_starts_at_the_end_of_the_journal(store: HandoffStore) -> None:
    journal_row(store, 1, "a")
    queue = DeliveryQueue(store.engine)
    assert await queue.open("webhook") == 1
    journal_row(store, 2, "a")
    assert await queue.open("webhook") == 1  # opening again keeps the cursor
    assert await queue.ingest("webhook", everything) == 1
    assert [d.event.id for d in await queue.due("webhook", 10)] == [2]


async def test_reading_waits_at_a_gap_until_it_is_old(store: HandoffStore) -> None:
    queue = DeliveryQueue(store.engine, gap_grace_s=5)
    await queue.open("webhook")
    journal_row(store, 1, "a")
    journal_row(store, 3, "a")  # 2 may still be committing
    assert await queue.ingest("webhook", everything) == 1
    assert await queue.ingest("webhook", everything) == 0
    with store.engine.begin() as db:
        db.execute(
            update(handoff_events)
            .where(handoff_events.c.id == 3)
            .values(created_at=utc_now() - dt.timedelta(seconds=6))
        )
    assert await queue.ingest("webhook", everything) == 1
    assert await queue.progress() == ({"webhook": 3}, 3)


async def test_only_each_conversations_first_pending_event_is_due(store: HandoffStore) -> None:
    queue = DeliveryQueue(store.engine)
    await queue.open("webhook")
    for event_id, conversation in [(1, "a"), (2, "b"), (3, "a"), (4, "b"), (5, "c")]:
        journal_row(store, event_id, conversation)
    await queue.ingest("webhook", lambda event: event.id != 5)  # not wanted: never queued
    assert [d.event.id for d in await queue.due("webhook", 10)] == [1, 2]

    later = utc_now() + dt.timedelta(seconds=60)
    await queue.failed("webhook", 1, attempts=1, error="HTTP 503", retry_at=later)
    await queue.delivered("webhook", 2)
    assert [d.event.id for d in await queue.due("webhook", 10)] == [4]

    # A dead event no longer holds its conversation back, and can be retried.
    await queue.failed("webhook", 1, attempts=2, error="HTTP 422", retry_at=None)
    assert [d.event.id for d in await queue.due("webhook", 10)] == [3, 4]
    [dead] = await queue.queued(status="dead")
    assert (dead.event.id, dead.attempts, dead.last_error) == (1, 2, "HTTP 422")
    assert await queue.retry("webhook", 1)
    assert not await queue.retry("webhook", 1)  # no longer dead
    assert not await queue.retry("zendesk", 3)
    assert [d.event.id for d in await queue.due("webhook", 10)] == [1, 4]


async def test_adapters_have_separate_queues(store: HandoffStore) -> None:
    queue = DeliveryQueue(store.engine)
    await queue.open("webhook")
    await queue.open("zendesk")
    journal_row(store, 1, "a")
    await queue.ingest("webhook", everything)
    await queue.ingest("zendesk", everything)
    await queue.delivered("webhook", 1)
    assert await queue.due("webhook", 10) == []
    assert [d.adapter for d in await queue.queued()] == ["zendesk"]


def outbox_row(store: HandoffStore, event_id: int, conversation: str) -> None:
    """A row of the records' outbox (handoff.insights.outbox writes them)."""
    now = utc_now()
    with store.engine.begin() as db:
        db.execute(
            insert(record_events).values(
                id=event_id, type="record.finished", conversation_id=conversation,
                started_at=now, ended_at=now, created_at=now,
                payload={"record_id": "r", "record": {"conversation_id": conversation}},
            )
        )  # fmt: skip


async def test_the_crm_webhook_reads_the_records_outbox_and_the_others_the_journal(
    store: HandoffStore,
) -> None:
    queue = DeliveryQueue(store.engine)
    journal_row(store, 1, "a")
    outbox_row(store, 1, "a")
    outbox_row(store, 2, "b")
    assert await queue.open("webhook") == 1
    assert await queue.open(RECORDS_WEBHOOK) == 2
    journal_row(store, 2, "a")
    outbox_row(store, 3, "a")
    assert await queue.unread() == {"webhook": 1, RECORDS_WEBHOOK: 1}

    assert await queue.ingest("webhook", everything) == 1
    assert await queue.ingest(RECORDS_WEBHOOK, everything) == 1
    [handoffs] = await queue.due("webhook", 10)
    [records] = await queue.due(RECORDS_WEBHOOK, 10)
    assert (handoffs.event.id, handoffs.event.type, handoffs.event.handoff_id) == (
        2,
        "message.created",
        2,
    )
    assert (records.event.id, records.event.type, records.event.handoff_id) == (
        3,
        "record.finished",
        0,
    )
    assert records.event.payload["record"] == {"conversation_id": "a"}
    # Both queues in one list, each event with its own journal's row.
    assert [(d.adapter, d.event.type) for d in await queue.queued()] == [
        ("webhook", "message.created"),
        (RECORDS_WEBHOOK, "record.finished"),
    ]
    assert await queue.unread() == {"webhook": 0, RECORDS_WEBHOOK: 0}
    assert await queue.progress() == ({"webhook": 2, RECORDS_WEBHOOK: 3}, 2)

"""The records' outbox forgets like the rest: retention (handoff.retention) and the
privacy erase (handoff.privacy) take its rows and the CRM webhook's queue of them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.insights.record import QUIET_S
from handoff.integrations.deliveries import DeliveryQueue
from handoff.models import (
    RECORDS_WEBHOOK,
    integration_cursors,
    integration_deliveries,
    record_events,
)
from handoff.privacy.stores import RULES
from handoff.retention import purge
from handoff.store import HandoffStore
from plumbing.clock import utc_now
from plumbing.privacy.locations import HANDOFF
from plumbing.privacy.stores import delete_picked, pick, refusals
from plumbing.privacy.subject import CONVERSATION, Subject
from tests.handoff.insights.conftest import Chat, at

NOW = utc_now().replace(microsecond=0)
CUTOFF = NOW - timedelta(days=30)
OLD = NOW - timedelta(days=60)
RECENT = NOW - timedelta(days=2)


def finished(store: HandoffStore, conversation: str, when: datetime) -> None:
    """A session of ``conversation`` at ``when``, kept and settled: one record.finished."""
    chat = Chat(channel="telegram", start=when.replace(tzinfo=timezone.utc).timestamp())
    chat.session().user(f"private words of {conversation}", "order_status")
    chat.respond("utter_order_status")
    events = [StreamEvent(conversation, event) for event in chat.events]
    RecordKeeper(store.engine).add(events, as_of=at(chat.now + QUIET_S))


def outbox(store: HandoffStore) -> list[tuple[int, str]]:
    with store.engine.connect() as db:
        rows = db.execute(select(record_events.c.id, record_events.c.conversation_id)).all()
    return sorted((int(row.id), row.conversation_id) for row in rows)


def queued_for_crm(store: HandoffStore) -> list[dict[str, Any]]:
    with store.engine.connect() as db:
        rows = db.execute(
            select(integration_deliveries).where(
                integration_deliveries.c.adapter == RECORDS_WEBHOOK
            )
        )
        return [dict(row._mapping) for row in rows]


@pytest.fixture
async def queue(store: HandoffStore) -> DeliveryQueue:
    """The CRM webhook's queue, opened: the keeper journals for it from now on."""
    delivery_queue = DeliveryQueue(store.engine)
    await delivery_queue.open(RECORDS_WEBHOOK)
    return delivery_queue


async def test_retention_takes_old_sessions_outbox_rows_and_their_deliveries(
    store: HandoffStore, queue: DeliveryQueue
) -> None:
    finished(store, "old", OLD)
    finished(store, "recent", RECENT)
    await queue.ingest(RECORDS_WEBHOOK, lambda _event: True)
    [old_id] = [event_id for event_id, conversation in outbox(store) if conversation == "old"]
    await queue.failed(RECORDS_WEBHOOK, old_id, attempts=9, error="HTTP 500", retry_at=None)
    assert {d["conversation_id"] for d in queued_for_crm(store)} == {"old", "recent"}

    counts = purge(store.engine, CUTOFF)

    assert [conversation for _, conversation in outbox(store)] == ["recent"]
    assert [d["conversation_id"] for d in queued_for_crm(store)] == ["recent"]
    assert (counts.record_events, counts.integration_deliveries) == (1, 1)
    assert purge(store.engine, CUTOFF).record_events == 0


async def test_retention_keeps_the_newest_outbox_row_and_holds_no_handoff_back_for_it(
    store: HandoffStore, queue: DeliveryQueue
) -> None:
    finished(store, "old", OLD)
    handoff, _ = await store.create_handoff(
        escalation_id="esc-old", conversation_id="old-handoff", channel="telegram",
        customer_id="old-handoff", priority=2, now=OLD,
    )  # fmt: skip
    await store.claim(handoff.id, "agent-1", now=OLD + timedelta(minutes=1))
    await store.close(handoff.id, "agent-1", "done", now=OLD + timedelta(hours=1))
    await store.create_handoff(
        escalation_id="esc-new", conversation_id="new-handoff", channel="telegram",
        customer_id="new-handoff", priority=2,
    )  # fmt: skip
    # The CRM webhook's cursor (a position in record_events) is behind the journal's ids.
    with store.engine.connect() as db:
        position = db.execute(
            select(integration_cursors.c.position).where(
                integration_cursors.c.adapter == RECORDS_WEBHOOK
            )
        ).scalar_one()
    assert position == 0

    counts = purge(store.engine, CUTOFF)

    # SQLite would hand the newest id out again, which the cursor has passed.
    assert [conversation for _, conversation in outbox(store)] == ["old"]
    assert (counts.record_events, counts.handoffs, counts.held_back) == (0, 1, 0)
    finished(store, "recent", RECENT)
    assert purge(store.engine, CUTOFF).record_events == 1
    assert [conversation for _, conversation in outbox(store)] == ["recent"]


async def test_erasing_a_customer_takes_their_outbox_rows_and_deliveries(
    store: HandoffStore, queue: DeliveryQueue
) -> None:
    finished(store, "+14155550177", RECENT)
    finished(store, "bob", RECENT)
    finished(store, "carl", RECENT)  # the newest row: neither customer's
    await queue.ingest(RECORDS_WEBHOOK, lambda _event: True)
    subject = Subject("+14155550177", CONVERSATION, conversations={"+14155550177": "given"})

    with store.engine.begin() as db:
        picked = pick(RULES, db, subject, include_kept=False)
        assert picked.unknown == []
        assert refusals(RULES, HANDOFF, db, picked) == []
        deleted = delete_picked(db, picked)

    assert (deleted["record_events"], deleted["integration_deliveries"]) == (1, 1)
    assert [conversation for _, conversation in outbox(store)] == ["bob", "carl"]
    assert {d["conversation_id"] for d in queued_for_crm(store)} == {"bob", "carl"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_an_erase_that_would_free_the_newest_outbox_id_is_refused(
    store: HandoffStore, queue: DeliveryQueue
) -> None:
    finished(store, "bob", RECENT)
    finished(store, "+14155550177", RECENT)
    subject = Subject("+14155550177", CONVERSATION, conversations={"+14155550177": "given"})
    with store.engine.connect() as db:
        picked = pick(RULES, db, subject, include_kept=False)
        [reason] = refusals(RULES, HANDOFF, db, picked)
        newest = db.execute(select(func.max(record_events.c.id))).scalar_one()
    assert "newest of record_events" in reason
    assert [row["id"] for row in picked.rows["record_events"]] == [newest]


async def test_a_cursor_row_is_no_customer_s_data(store: HandoffStore) -> None:
    with store.engine.begin() as db:
        db.execute(
            insert(integration_cursors).values(adapter=RECORDS_WEBHOOK, position=0, updated_at=NOW)
        )
        subject = Subject("bob", CONVERSATION, conversations={"bob": "given"})
        assert pick(RULES, db, subject, include_kept=False).unknown == []

"""Retention (handoff/retention.py): what a purge deletes, what it keeps, and the service's worker.

Each purge test builds its data through the store's and the keeper's own
API, on SQLite and PostgreSQL (the ``store`` fixture), and looks for what
should be gone in every table of the schema, not only the ones the purge
names: a table added later that quotes a handoff shows up here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from handoff import retention
from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.insights.record import QUIET_S
from handoff.models import (
    handoff_events,
    insight_events,
    integration_cursors,
    integration_deliveries,
    integration_inbound_events,
    metadata,
    zendesk_tickets,
)
from handoff.retention import PurgeCounts, Retention, purge
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore, NewMessage
from plumbing.clock import utc_now
from plumbing.settings import SettingsError
from tests.handoff.conftest import ADMIN_TOKEN, Service
from tests.handoff.insights.conftest import Chat, at

DAY = timedelta(days=1)
NOW = utc_now().replace(microsecond=0)
CUTOFF = NOW - 30 * DAY
OLD = NOW - 60 * DAY
RECENT = NOW - 2 * DAY


# -- building the data ---------------------------------------------------------------------


def said_by(name: str) -> str:
    """What ``name``'s customer wrote: searched for afterwards in every table."""
    return f"private words of {name}"


async def new_handoff(
    store: HandoffStore, name: str, created: datetime, *, claim: bool = True
) -> int:
    """A handoff of conversation ``name`` with a two-line transcript, claimed unless told."""
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{name}",
        conversation_id=name,
        channel="telegram",
        customer_id=f"tg-{name}",
        priority=2,
        reasons=["asked_for_human"],
        transcript=[
            NewMessage("customer", said_by(name), created),
            NewMessage("bot", "A person will be with you shortly.", created + timedelta(seconds=1)),
        ],
        now=created,
    )
    if claim:
        await store.claim(handoff.id, "agent-1", now=created + timedelta(minutes=1))
    return handoff.id


async def closed_handoff(store: HandoffStore, name: str, created: datetime) -> int:
    handoff_id = await new_handoff(store, name, created)
    await store.close(handoff_id, "agent-1", "sorted", now=created + timedelta(hours=1))
    return handoff_id


def contact_center_rows(engine: Engine, handoff_id: int, name: str, when: datetime) -> None:
    """What the adapters keep of a handoff: a dead delivery, a Zendesk ticket, an inbound answer."""
    with engine.begin() as db:
        event_id = db.execute(
            select(func.max(handoff_events.c.id)).where(handoff_events.c.handoff_id == handoff_id)
        ).scalar_one()
        db.execute(
            insert(integration_deliveries).values(
                adapter="webhook", event_id=event_id, conversation_id=name,
                handoff_id=handoff_id, event_type="handoff.closed", status="dead",
                attempts=8, queued_at=when, next_attempt_at=when, last_error="HTTP 500",
            )
        )  # fmt: skip
        db.execute(
            insert(zendesk_tickets).values(
                handoff_id=handoff_id, ticket_id=9000 + handoff_id, created_at=when
            )
        )
        db.execute(
            insert(integration_inbound_events).values(
                source="zendesk", event_id=f"zd-{handoff_id}", received_at=when, status_code=201,
                response={"handoff_id": handoff_id, "message": {"text": said_by(name)}},
            )
        )  # fmt: skip


def chat_at(start: datetime, name: str) -> Chat:
    """One session of ``name``: an order question the bot answers."""
    chat = Chat(channel="telegram", start=start.replace(tzinfo=timezone.utc).timestamp())
    chat.session().user(said_by(name), "order_status").respond("utter_order_status")
    return chat


def keep(store: HandoffStore, name: str, chat: Chat, *, settled: bool = True) -> int:
    """``chat``'s events through the keeper, as the broker consumer hands them; how many."""
    as_of = at(chat.now + QUIET_S) if settled else at(chat.now)
    events = [StreamEvent(name, event) for event in chat.events]
    return RecordKeeper(store.engine).add(events, as_of=as_of)


# -- reading it back -----------------------------------------------------------------------


def traces(engine: Engine, name: str, handoff_id: int | None = None) -> dict[str, int]:
    """Rows per table that mention conversation ``name``, its customer's words or the handoff."""
    found: dict[str, int] = {}
    with engine.connect() as db:
        for table in metadata.sorted_tables:
            rows = db.execute(select(table)).mappings().all()
            hits = sum(1 for row in rows if _mentions(table.name, dict(row), name, handoff_id))
            if hits:
                found[table.name] = hits
    return found


def _mentions(table: str, row: dict[str, Any], name: str, handoff_id: int | None) -> bool:
    text = json.dumps(row, default=str)
    if f'"{name}"' in text or said_by(name) in text:
        return True
    id_column = "id" if table == "handoffs" else "handoff_id"
    return handoff_id is not None and row.get(id_column, None) == handoff_id


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as db:
        return {
            table.name: db.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def kept_records(store: HandoffStore) -> list[tuple[str, datetime, str]]:
    return [
        (r.conversation_id, r.started_at, r.outcome) for r in RecordKeeper(store.engine).records()
    ]


def record_jsons(store: HandoffStore) -> list[dict[str, Any]]:
    return [record.to_json() for record in RecordKeeper(store.engine).records()]


# -- handoffs ------------------------------------------------------------------------------


@dataclass
class Handoffs:
    old_closed: int
    old_open: int
    old_waiting: int
    recent_closed: int
    recent_open: int


async def some_of_each(store: HandoffStore) -> Handoffs:
    old_closed = await closed_handoff(store, "old-closed", OLD)
    contact_center_rows(store.engine, old_closed, "old-closed", OLD)
    keep(store, "old-closed", chat_at(OLD, "old-closed"))
    made = Handoffs(
        old_closed=old_closed,
        old_open=await new_handoff(store, "old-open", OLD),
        old_waiting=await new_handoff(store, "old-waiting", OLD, claim=False),
        recent_closed=await closed_handoff(store, "recent-closed", RECENT),
        # Last: the newest rows are a recent handoff's (see test_the_newest_...).
        recent_open=await new_handoff(store, "recent-open", RECENT),
    )
    contact_center_rows(store.engine, made.recent_closed, "recent-closed", RECENT)
    return made


async def test_an_old_closed_handoff_goes_from_every_table(store: HandoffStore) -> None:
    made = await some_of_each(store)
    before = traces(store.engine, "old-closed", made.old_closed)
    assert before.keys() >= {
        "handoffs", "transcript_messages", "handoff_events", "integration_deliveries",
        "zendesk_tickets", "integration_inbound_events", "insight_events", "conversation_records",
    }  # fmt: skip

    counts = purge(store.engine, CUTOFF)

    assert traces(store.engine, "old-closed", made.old_closed) == {}
    assert counts == PurgeCounts(
        handoffs=1,
        transcript_messages=2,
        handoff_events=before["handoff_events"],  # created, assigned, closed
        integration_deliveries=1,
        zendesk_tickets=1,
        integration_inbound_events=1,
        insight_events=before["insight_events"],
        conversation_records=1,
    )
    assert await store.get(made.old_closed) is None


async def test_open_and_recent_handoffs_stay_whole(store: HandoffStore) -> None:
    made = await some_of_each(store)
    staying = {
        field.replace("_", "-"): handoff_id
        for field, handoff_id in vars(made).items()
        if field != "old_closed"
    }
    before = {name: traces(store.engine, name, hid) for name, hid in staying.items()}

    purge(store.engine, CUTOFF)

    for name, handoff_id in staying.items():
        assert traces(store.engine, name, handoff_id) == before[name], name
        handoff = await store.get(handoff_id)
        assert handoff is not None and handoff.transcript is not None
        assert handoff.transcript[0].text == said_by(name)
    assert (await store.get(made.old_open)).status == "assigned"  # type: ignore[union-attr]
    assert (await store.get(made.old_waiting)).status == "waiting"  # type: ignore[union-attr]


async def test_purging_again_changes_nothing(store: HandoffStore) -> None:
    await some_of_each(store)
    assert purge(store.engine, CUTOFF).deleted > 0
    rows = row_counts(store.engine)

    again = purge(store.engine, CUTOFF)

    assert again == PurgeCounts()
    assert row_counts(store.engine) == rows


async def test_large_purges_go_in_batches(store: HandoffStore) -> None:
    for n in range(5):
        await closed_handoff(store, f"old-{n}", OLD + n * timedelta(minutes=5))
        keep(store, f"old-{n}", chat_at(OLD + n * timedelta(minutes=5), f"old-{n}"))
    await new_handoff(store, "recent", RECENT)

    counts = purge(store.engine, CUTOFF, batch_size=2)

    assert (counts.handoffs, counts.transcript_messages, counts.conversation_records) == (5, 10, 5)
    assert all(traces(store.engine, f"old-{n}") == {} for n in range(5))
    assert traces(store.engine, "recent")


async def test_the_newest_handoff_is_kept_until_something_newer_comes(
    store: HandoffStore,
) -> None:
    # SQLite hands out the highest id + 1: deleting the newest rows would give
    # their ids again (handoff.events), to a handoff a contact center knows by it.
    old = await closed_handoff(store, "old-closed", OLD)

    assert purge(store.engine, CUTOFF).handoffs == 0
    assert await store.get(old) is not None

    newer = await new_handoff(store, "recent-open", RECENT)
    assert purge(store.engine, CUTOFF).handoffs == 1
    assert await store.get(old) is None
    assert newer > old
    assert await new_handoff(store, "later", NOW) > newer


async def test_journal_rows_an_adapter_has_not_read_hold_their_handoff_back(
    store: HandoffStore,
) -> None:
    old = await closed_handoff(store, "old-closed", OLD)
    await new_handoff(store, "recent-open", RECENT)
    with store.engine.begin() as db:
        behind = {"adapter": "zendesk", "position": 0, "updated_at": NOW}
        db.execute(insert(integration_cursors).values(**behind))

    counts = purge(store.engine, CUTOFF)

    assert (counts.handoffs, counts.held_back) == (0, 1)
    assert await store.get(old) is not None
    with store.engine.begin() as db:
        latest = db.execute(select(func.max(handoff_events.c.id))).scalar_one()
        db.execute(update(integration_cursors).values(position=latest))
    assert (purge(store.engine, CUTOFF).handoffs, await store.get(old)) == (1, None)


async def test_a_stopped_purge_deletes_nothing_more(store: HandoffStore) -> None:
    await some_of_each(store)
    rows = row_counts(store.engine)

    assert purge(store.engine, CUTOFF, stop=lambda: True).deleted == 0
    assert row_counts(store.engine) == rows


# -- conversation records and their events -------------------------------------------------


async def test_old_records_go_recent_and_ongoing_ones_stay(store: HandoffStore) -> None:
    finished_events = keep(store, "finished", chat_at(OLD, "finished"))
    ongoing_events = keep(store, "ongoing", chat_at(OLD, "ongoing"), settled=False)
    recent_events = keep(store, "recent", chat_at(RECENT, "recent"))
    assert {(cid, outcome) for cid, _, outcome in kept_records(store)} == {
        ("finished", "resolved"), ("ongoing", "ongoing"), ("recent", "resolved"),
    }  # fmt: skip

    counts = purge(store.engine, CUTOFF)

    assert [(cid, outcome) for cid, _, outcome in kept_records(store)] == [
        ("ongoing", "ongoing"),
        ("recent", "resolved"),
    ]
    assert traces(store.engine, "finished") == {}
    assert traces(store.engine, "ongoing")["insight_events"] == ongoing_events
    assert traces(store.engine, "recent")["insight_events"] == recent_events
    assert (counts.conversation_records, counts.insight_events) == (1, finished_events)


async def test_a_returning_customer_s_old_sessions_go_and_do_not_come_back(
    store: HandoffStore,
) -> None:
    chat = chat_at(OLD, "sam")
    old_events = len(chat.events)
    chat.session(after_s=(RECENT - OLD).total_seconds()).user("hello again", "greet")
    chat.respond("utter_greet")
    keep(store, "sam", chat)
    [_, recent] = record_jsons(store)

    counts = purge(store.engine, CUTOFF)

    assert record_jsons(store) == [recent]
    assert (counts.conversation_records, counts.insight_events) == (1, old_events)
    with store.engine.connect() as db:
        rows = db.execute(select(insight_events.c.data)).scalars().all()
    assert said_by("sam") not in " ".join(rows)
    # The keeper folds the whole conversation again at its next turn: what is
    # left must fold into the same record, not bring the old one back.
    RecordKeeper(store.engine).refold_all(as_of=at(chat.now + QUIET_S))
    assert record_jsons(store) == [recent]


# -- on a schedule, and in the service -----------------------------------------------------


def test_retention_is_off_unless_days_are_set() -> None:
    assert HandoffSettings.from_env({}).retention_days == 0
    assert HandoffSettings.from_env({"HANDOFF_RETENTION_DAYS": "30"}).retention_days == 30
    with pytest.raises(ValueError, match="HANDOFF_RETENTION_DAYS"):
        HandoffSettings.from_env({"HANDOFF_RETENTION_DAYS": "-1"})
    with pytest.raises(SettingsError, match="HANDOFF_RETENTION_DAYS"):
        HandoffSettings.from_env({"HANDOFF_RETENTION_DAYS": "a month"})
    with pytest.raises(ValueError, match="HANDOFF_RETENTION_DAYS"):
        HandoffSettings(retention_days=10**9)
    with pytest.raises(ValueError):
        Retention(None, 0)  # type: ignore[arg-type]


async def test_a_purge_logs_counts_and_nothing_of_the_conversations(
    store: HandoffStore, caplog: pytest.LogCaptureFixture
) -> None:
    await some_of_each(store)
    with store.engine.begin() as db:
        db.execute(insert(integration_cursors).values(adapter="gone", position=0, updated_at=NOW))
    caplog.set_level(logging.INFO, logger="handoff.retention")

    counts = Retention(store.engine, 30, clock=lambda: NOW).purge_now()

    assert counts.held_back == 1
    logged = [r.getMessage() for r in caplog.records if r.name == "handoff.retention"]
    assert any("handoffs=0" in line for line in logged)
    assert any("1 closed handoffs" in line for line in logged)
    for name in ("old-closed", "old-open", "recent-open"):
        assert all(name not in line and said_by(name) not in line for line in logged)


@pytest.fixture
def retention_days() -> int:
    return 30


@pytest.fixture
def settings(
    sqlite_url: str, retention_days: int, monkeypatch: pytest.MonkeyPatch
) -> HandoffSettings:
    # Purge every 50 ms instead of every hour, so a test sees the worker's next purge.
    monkeypatch.setattr(retention, "PURGE_EVERY_S", 0.05)
    return HandoffSettings(
        database_url=sqlite_url, admin_token=ADMIN_TOKEN, broker="none",
        retention_days=retention_days,
    )  # fmt: skip


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.05)


async def test_the_service_purges_on_a_schedule(service: Service) -> None:
    running = service.context.retention
    assert running is not None and running.running
    store = service.context.store
    old = await closed_handoff(store, "old-closed", OLD)
    old_open = await new_handoff(store, "old-open", OLD)
    recent = await new_handoff(store, "recent-open", RECENT)

    async def purged() -> bool:
        return await store.get(old) is None

    await eventually(purged)

    answer = await service.admin("GET", f"/api/handoffs/{old}")
    assert answer.status_code == 404
    for kept in (old_open, recent):
        assert (await service.admin("GET", f"/api/handoffs/{kept}")).status_code == 200
    assert traces(store.engine, "old-closed", old) == {}


@pytest.mark.parametrize("retention_days", [0])
async def test_no_retention_runs_without_days(service: Service) -> None:
    assert service.context.retention is None

"""Each adapter's delivery queue, kept in the handoff database: :class:`DeliveryQueue`.

The journal ``handoff_events`` is the durable outbox (handoff.store writes it
in the transaction of each change); the CRM webhook reads another,
``record_events`` (handoff.insights.outbox), the same way: which journal an
adapter reads is handoff.integrations.journals'. Per adapter, a cursor
(``integration_cursors``) says how far its journal has been read; the events
read and wanted are queued in ``integration_deliveries``, in the same
transaction as the cursor moves, so a crash neither loses nor double-queues
one.

A queued event is ``pending`` until delivered (its row is then deleted) or
``dead`` (kept for operators, see :meth:`DeliveryQueue.retry`). The events due
are the *heads*: per conversation, the pending event with the lowest journal
id, once its ``next_attempt_at`` has come. A conversation's later events wait
behind its head, which keeps them in order; other conversations do not wait.
A dead event no longer holds its conversation back.

Journal ids are handed out at insert, not at commit: on PostgreSQL a
transaction can commit id 7 after id 8 was committed and read. Reading stops
at such a gap until it is :data:`handoff.store.GAP_GRACE_S` old (every store
transaction is short; an id that is still missing by then was rolled back),
as the live event stream does (handoff.store.settled).

The first time an adapter runs, its cursor starts at the end of the journal:
it is sent the changes made from then on, not the whole history.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from handoff.integrations.journals import HANDOFFS, JOURNALS, Journal, journal_of
from handoff.models import (
    INTEGRATION_DEAD,
    INTEGRATION_PENDING,
    integration_cursors,
    integration_deliveries,
    utc_now,
)
from handoff.store import GAP_GRACE_S, JournalEvent, iso, settled, write_transaction

BATCH_SIZE = 200
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Delivery:
    adapter: str
    event: JournalEvent
    status: str
    attempts: int
    queued_at: dt.datetime
    next_attempt_at: dt.datetime
    last_attempt_at: dt.datetime | None
    last_error: str | None

    def to_json(self) -> dict[str, Any]:
        """For operators: where the event is, never what it says."""
        return {
            "adapter": self.adapter,
            "event_id": self.event.id,
            "type": self.event.type,
            "handoff_id": self.event.handoff_id,
            "conversation_id": self.event.conversation_id,
            "status": self.status,
            "attempts": self.attempts,
            "queued_at": iso(self.queued_at),
            "next_attempt_at": iso(self.next_attempt_at),
            "last_attempt_at": iso(self.last_attempt_at),
            "last_error": self.last_error,
        }


_d = integration_deliveries.c


def _queued_in(journal: Journal) -> Select:
    """The queued events of the adapters that read ``journal``, with their journal rows."""
    e = journal.table.c
    return (
        select(
            _d.adapter,
            _d.event_id,
            _d.status,
            _d.attempts,
            _d.queued_at,
            _d.next_attempt_at,
            _d.last_attempt_at,
            _d.last_error,
            e.type,
            # As queued: the journal's own, or NO_HANDOFF for a journal without handoffs.
            _d.handoff_id,
            e.conversation_id,
            e.payload,
            e.created_at,
        )
        .join(journal.table, e.id == _d.event_id)
        .where(journal.read_by(_d.adapter))
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        adapter=row.adapter,
        event=JournalEvent(
            row.event_id,
            row.type,
            row.handoff_id,
            row.conversation_id,
            dict(row.payload),
            row.created_at,
        ),
        status=row.status,
        attempts=row.attempts,
        queued_at=row.queued_at,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_error=row.last_error,
    )


class DeliveryQueue:
    def __init__(self, engine: Engine, gap_grace_s: float = GAP_GRACE_S) -> None:
        self._engine = engine
        self._gap_grace_s = gap_grace_s

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self._engine)

    # -- the cursor ----------------------------------------------------------------------

    async def open(self, adapter: str) -> int:
        """The adapter's cursor, created at the end of the journal the first time."""
        return await asyncio.to_thread(self._open, adapter)

    def _open(self, adapter: str) -> int:
        try:
            with self._write() as db:
                position = db.execute(
                    select(integration_cursors.c.position).where(
                        integration_cursors.c.adapter == adapter
                    )
                ).scalar_one_or_none()
                if position is not None:
                    return int(position)
                end = db.execute(
                    select(func.coalesce(func.max(journal_of(adapter).table.c.id), 0))
                ).scalar_one()
                db.execute(
                    insert(integration_cursors).values(
                        adapter=adapter, position=end, updated_at=utc_now()
                    )
                )
                return int(end)
        except IntegrityError:
            # Another process created it first (PostgreSQL does not serialize like SQLite).
            return self._open(adapter)

    async def ingest(self, adapter: str, wants: Callable[[JournalEvent], bool]) -> int:
        """Queue the journal's next events for ``adapter``; how many were read."""
        return await asyncio.to_thread(self._ingest, adapter, wants)

    def _ingest(self, adapter: str, wants: Callable[[JournalEvent], bool]) -> int:
        now = utc_now()
        journal = journal_of(adapter)
        e = journal.table.c
        try:
            with self._write() as db:
                position = db.execute(
                    select(integration_cursors.c.position).where(
                        integration_cursors.c.adapter == adapter
                    )
                ).scalar_one()
                rows = db.execute(
                    select(journal.table).where(e.id > position).order_by(e.id).limit(BATCH_SIZE)
                ).all()
                # Up to a gap an earlier id may still commit into: wait for it.
                accepted = settled(
                    [journal.event(row) for row in rows], position, now, self._gap_grace_s
                )
                if not accepted:
                    return 0
                queued = [
                    {
                        "adapter": adapter,
                        "event_id": event.id,
                        "conversation_id": event.conversation_id,
                        "handoff_id": event.handoff_id,
                        "event_type": event.type,
                        "status": INTEGRATION_PENDING,
                        "attempts": 0,
                        "queued_at": now,
                        "next_attempt_at": now,
                    }
                    for event in accepted
                    if wants(event)
                ]
                if queued:
                    db.execute(insert(integration_deliveries), queued)
                db.execute(
                    update(integration_cursors)
                    .where(integration_cursors.c.adapter == adapter)
                    .values(position=accepted[-1].id, updated_at=now)
                )
        except IntegrityError:
            return 0  # another process queued these events at the same time
        return len(accepted)

    # -- deliveries ----------------------------------------------------------------------

    async def due(self, adapter: str, limit: int, now: dt.datetime | None = None) -> list[Delivery]:
        """The heads of the adapter's conversations whose next attempt has come, oldest first."""
        return await asyncio.to_thread(self._due, adapter, limit, now or utc_now())

    def _due(self, adapter: str, limit: int, now: dt.datetime) -> list[Delivery]:
        earlier = integration_deliveries.alias("earlier")
        waiting_behind = (
            select(literal(1))
            .where(
                earlier.c.adapter == _d.adapter,
                earlier.c.conversation_id == _d.conversation_id,
                earlier.c.status == INTEGRATION_PENDING,
                earlier.c.event_id < _d.event_id,
            )
            .exists()
        )
        with self._engine.connect() as db:
            rows = db.execute(
                _queued_in(journal_of(adapter))
                .where(
                    _d.adapter == adapter,
                    _d.status == INTEGRATION_PENDING,
                    _d.next_attempt_at <= now,
                    ~waiting_behind,
                )
                .order_by(_d.event_id)
                .limit(limit)
            ).all()
        return [_delivery(row) for row in rows]

    async def delivered(self, adapter: str, event_id: int) -> None:
        await asyncio.to_thread(self._delivered, adapter, event_id)

    def _delivered(self, adapter: str, event_id: int) -> None:
        with self._write() as db:
            db.execute(
                delete(integration_deliveries).where(_d.adapter == adapter, _d.event_id == event_id)
            )

    async def failed(
        self,
        adapter: str,
        event_id: int,
        *,
        attempts: int,
        error: str,
        retry_at: dt.datetime | None,
        now: dt.datetime | None = None,
    ) -> None:
        """Record a failed attempt: retry at ``retry_at``, or dead-letter (None)."""
        await asyncio.to_thread(
            self._failed, adapter, event_id, attempts, error, retry_at, now or utc_now()
        )

    def _failed(
        self,
        adapter: str,
        event_id: int,
        attempts: int,
        error: str,
        retry_at: dt.datetime | None,
        now: dt.datetime,
    ) -> None:
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_error": error[:MAX_ERROR_LENGTH],
        }
        if retry_at is None:
            values["status"] = INTEGRATION_DEAD
        else:
            values["next_attempt_at"] = retry_at
        with self._write() as db:
            db.execute(
                update(integration_deliveries)
                .where(_d.adapter == adapter, _d.event_id == event_id)
                .values(**values)
            )

    # -- for operators -------------------------------------------------------------------

    async def queued(
        self, status: str | None = None, adapter: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Queued events, oldest first: the dead letters with ``status="dead"``."""
        return await asyncio.to_thread(self._queued, status, adapter, limit)

    def _queued(self, status: str | None, adapter: str | None, limit: int) -> list[Delivery]:
        rows: list[Row] = []
        with self._engine.connect() as db:
            for journal in JOURNALS if adapter is None else (journal_of(adapter),):
                query = _queued_in(journal)
                if status is not None:
                    query = query.where(_d.status == status)
                if adapter is not None:
                    query = query.where(_d.adapter == adapter)
                rows += db.execute(query.order_by(_d.event_id, _d.adapter).limit(limit)).all()
        # Each journal's ids, in one list: by id, then adapter, as one journal's would be.
        rows.sort(key=lambda row: (row.event_id, row.adapter))
        return [_delivery(row) for row in rows[:limit]]

    async def progress(self) -> tuple[dict[str, int], int]:
        """How far each adapter has read its journal, and the handoffs' journal's latest id."""
        cursors, latest = await asyncio.to_thread(self._progress)
        return cursors, latest[HANDOFFS.table.name]

    async def unread(self) -> dict[str, int]:
        """Per adapter with a cursor: how many ids of its journal lie past it (0: all read)."""
        cursors, latest = await asyncio.to_thread(self._progress)
        return {
            adapter: max(latest[journal_of(adapter).table.name] - position, 0)
            for adapter, position in cursors.items()
        }

    def _progress(self) -> tuple[dict[str, int], dict[str, int]]:
        """The cursors, and each journal's latest id."""
        with self._engine.connect() as db:
            cursors = db.execute(
                select(integration_cursors.c.adapter, integration_cursors.c.position)
            ).all()
            latest = {
                journal.table.name: int(
                    db.execute(select(func.coalesce(func.max(journal.table.c.id), 0))).scalar_one()
                )
                for journal in JOURNALS
            }
        return {row.adapter: int(row.position) for row in cursors}, latest

    async def retry(self, adapter: str, event_id: int) -> bool:
        """Give a dead event another round of attempts, due now; False if it is not dead.

        It is then the head of its conversation again: it goes before the
        conversation's pending events, after those already delivered.
        """
        return await asyncio.to_thread(self._retry, adapter, event_id)

    def _retry(self, adapter: str, event_id: int) -> bool:
        now = utc_now()
        with self._write() as db:
            changed = db.execute(
                update(integration_deliveries)
                .where(
                    _d.adapter == adapter,
                    _d.event_id == event_id,
                    _d.status == INTEGRATION_DEAD,
                )
                .values(status=INTEGRATION_PENDING, attempts=0, queued_at=now, next_attempt_at=now)
            ).rowcount
        return bool(changed)

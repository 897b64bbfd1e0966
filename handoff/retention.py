"""Retention: the handoff database forgets what is older than ``HANDOFF_RETENTION_DAYS``.

Why: a handoff holds what a customer wrote and who they are, and so do the
events conversation records are folded from; data protection keeps personal
data no longer than its purpose needs, and nobody reads a transcript months
after its handoff closed. Operators set a period (off by default: 0 keeps
everything); :class:`Retention` runs :func:`purge` every hour while the
service runs (handoff.service), in a worker thread.

What :func:`purge` deletes, given a cutoff:

- closed handoffs closed before it, with everything of theirs: transcript
  (``transcript_messages``), journal rows (``handoff_events``, whose payloads
  quote the handoff and its messages), deliveries queued for contact centers
  (``integration_deliveries``) and Zendesk ticket links (``zendesk_tickets``).
  An open handoff is never deleted, however old;
- the contact centers' events received before it
  (``integration_inbound_events``: their recorded answers quote agents' replies);
- ``insight_events`` of sessions whose every event is older than it, oldest
  sessions first; a conversation whose last session is still ``ongoing``
  keeps that session. Session by session, not conversation by conversation:
  a sender id (a phone number) may come back for years, and the keeper folds
  all of a conversation's events again at each turn, which would otherwise
  bring the old sessions' records back;
- ``conversation_records`` of sessions that ended before it, except ongoing ones;
- the records' outbox (``record_events``, handoff.insights.outbox) of those
  sessions, with the CRM webhook's deliveries of it (``integration_deliveries``),
  sent or not: the CRM is not told about a session older than the period;
- satisfaction surveys (``surveys``) planned before it, with their answers.

What it keeps, although old (handoff.events says why a pruner of the journal must):

- the handoff that holds the newest row of ``handoffs``, ``transcript_messages``
  or ``handoff_events``: SQLite hands out the highest id + 1, so deleting
  the newest row would give its id again, and a stream's ``Last-Event-ID``
  or a contact center's handoff or message id would name something else.
  That is only so when nothing happened for the whole period, and lasts
  until something does;
- handoffs whose journal rows a contact-center adapter has not read yet (its
  ``integration_cursors`` position is behind them): counted as held back and
  logged as a warning, since a cursor left by an adapter that was removed
  holds them back for good. (The CRM webhook's cursor is a position in
  ``record_events``, not in ``handoff_events``: it holds no handoff back.)
- the newest row of ``record_events``, for the same reason as the handoffs':
  the CRM webhook's cursor remembers its id.

Each batch of at most :data:`BATCH_SIZE` handoffs, conversations or rows is
one short write transaction (SQLite's other writers wait for its lock), not
one for the whole purge; a purge stopped between batches (the service
stopping) goes on at the next. The logs carry counts only: never a
conversation id, a name or a message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from handoff.insights.fold import sessions
from handoff.insights.outbox import forget_ended
from handoff.models import (
    CLOSED,
    RECORD_EVENT_READERS,
    conversation_records,
    handoff_events,
    handoffs,
    insight_events,
    integration_cursors,
    integration_deliveries,
    integration_inbound_events,
    transcript_messages,
    zendesk_tickets,
)
from handoff.surveys.book import purge_surveys
from plumbing.clock import to_naive_utc, utc_now
from plumbing.db import write_transaction
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
PURGE_EVERY_S = 3600.0
# A failed purge (the database away) is tried again sooner than the next hour.
RETRY_S = 60.0
ONGOING = "ongoing"

Stop = Callable[[], bool]

_h = handoffs.c
_e = handoff_events.c
_r = conversation_records.c
_i = insight_events.c
_in = integration_inbound_events.c

# A purged handoff's rows in other tables, deleted before the handoff itself:
# the foreign keys would cascade to two of them, but only where enforced.
_HANDOFF_CHILDREN = (
    ("integration_deliveries", integration_deliveries.c.handoff_id),
    ("handoff_events", _e.handoff_id),
    ("zendesk_tickets", zendesk_tickets.c.handoff_id),
    ("transcript_messages", transcript_messages.c.handoff_id),
)


@dataclass
class PurgeCounts:
    """Rows deleted per table by one purge, and the handoffs held back for an adapter."""

    handoffs: int = 0
    transcript_messages: int = 0
    handoff_events: int = 0
    integration_deliveries: int = 0
    zendesk_tickets: int = 0
    integration_inbound_events: int = 0
    insight_events: int = 0
    conversation_records: int = 0
    record_events: int = 0
    surveys: int = 0
    # Old enough, but with journal rows an adapter has not read yet (not deleted).
    held_back: int = 0

    @property
    def deleted(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "held_back")

    def add(self, table: str, rows: int) -> None:
        setattr(self, table, getattr(self, table) + rows)

    def describe(self) -> str:
        return ", ".join(f"{name}={count}" for name, count in asdict(self).items())


def purge(
    engine: Engine,
    older_than: datetime,
    *,
    batch_size: int = BATCH_SIZE,
    stop: Stop = lambda: False,
) -> PurgeCounts:
    """Delete what is older than ``older_than`` (see the module's docstring); what was deleted.

    ``older_than``: aware, or naive UTC. ``stop`` is asked between batches:
    True ends the purge there (what is left goes at the next one).
    """
    cutoff = to_naive_utc(older_than)
    counts = PurgeCounts()
    _purge_handoffs(engine, cutoff, counts, batch_size, stop)
    _purge_inbound_events(engine, cutoff, counts, batch_size, stop)
    # Events before records: a fold in between (the keeper's, at a new turn)
    # then only upserts records this purge deletes next, instead of bringing
    # back the ones it deleted.
    _purge_insight_events(engine, cutoff, counts, batch_size, stop)
    _purge_records(engine, cutoff, counts, batch_size, stop)
    _purge_record_events(engine, cutoff, counts, batch_size, stop)
    counts.add("surveys", purge_surveys(engine, cutoff))
    counts.held_back = _held_back(engine, cutoff)
    return counts


# -- handoffs ------------------------------------------------------------------------------


def _in_batches(
    engine: Engine, batch_size: int, stop: Stop, step: Callable[[Connection], int]
) -> None:
    """``step`` in a short write transaction of its own, again and again, until it
    finds fewer than ``batch_size`` rows to delete or the purge is stopped."""
    while not stop():
        with write_transaction(engine) as db:
            found = step(db)
        if found < batch_size:
            return


def _purge_handoffs(
    engine: Engine, cutoff: datetime, counts: PurgeCounts, batch_size: int, stop: Stop
) -> None:
    def step(db: Connection) -> int:
        ids = _expired_handoffs(db, cutoff, batch_size)
        if ids:
            _delete_handoffs(db, ids, counts)
        return len(ids)

    _in_batches(engine, batch_size, stop, step)


def _delete_handoffs(db: Connection, ids: list[int], counts: PurgeCounts) -> None:
    for table, column in _HANDOFF_CHILDREN:
        counts.add(table, db.execute(delete(column.table).where(column.in_(ids))).rowcount)
    # Closed again here, in the statement itself: an open handoff is never deleted.
    deleted = db.execute(delete(handoffs).where(_h.id.in_(ids), _h.status == CLOSED))
    counts.add("handoffs", deleted.rowcount)


def _expired_handoffs(db: Connection, cutoff: datetime, limit: int) -> list[int]:
    """Ids of closed handoffs that may go now, read in the transaction that deletes them."""
    query = select(_h.id).where(_h.status == CLOSED, _h.closed_at < cutoff)
    newest = _owners_of_newest_rows(db)
    if newest:
        query = query.where(_h.id.not_in(newest))
    unread = _unread_by_adapters(db)
    if unread is not None:
        query = query.where(~unread)
    return [int(i) for i in db.execute(query.order_by(_h.id).limit(limit)).scalars()]


def _owners_of_newest_rows(db: Connection) -> set[int]:
    """The handoffs that hold the newest handoff, message and journal row (kept: see above).

    Inside the write transaction: on SQLite no row can be added meanwhile,
    and PostgreSQL's sequences never hand an id out twice anyway.
    """
    m = transcript_messages.c
    owners = [
        db.execute(select(func.max(_h.id))).scalar(),
        db.execute(
            select(m.handoff_id).where(m.id == select(func.max(m.id)).scalar_subquery())
        ).scalar(),
        db.execute(
            select(_e.handoff_id).where(_e.id == select(func.max(_e.id)).scalar_subquery())
        ).scalar(),
    ]
    return {int(owner) for owner in owners if owner is not None}


def _unread_by_adapters(db: Connection) -> ColumnElement[bool] | None:
    """Whether a handoff has journal rows past the slowest adapter's cursor; None: no adapter."""
    # The CRM webhook's cursor is in another journal (record_events).
    slowest = db.execute(
        select(func.min(integration_cursors.c.position)).where(
            integration_cursors.c.adapter.not_in(RECORD_EVENT_READERS)
        )
    ).scalar()
    if slowest is None:
        return None
    return exists().where(_e.handoff_id == _h.id, _e.id > int(slowest))


def _held_back(engine: Engine, cutoff: datetime) -> int:
    with engine.connect() as db:
        unread = _unread_by_adapters(db)
        if unread is None:
            return 0
        query = select(func.count()).where(_h.status == CLOSED, _h.closed_at < cutoff, unread)
        return int(db.execute(query).scalar() or 0)


# -- the contact centers' inbound events ---------------------------------------------------


def _purge_inbound_events(
    engine: Engine, cutoff: datetime, counts: PurgeCounts, batch_size: int, stop: Stop
) -> None:
    key = tuple_(_in.source, _in.event_id)

    def step(db: Connection) -> int:
        keys = [
            tuple(row)
            for row in db.execute(
                select(_in.source, _in.event_id).where(_in.received_at < cutoff).limit(batch_size)
            )
        ]
        if keys:
            deleted = db.execute(delete(integration_inbound_events).where(key.in_(keys)))
            counts.add("integration_inbound_events", deleted.rowcount)
        return len(keys)

    _in_batches(engine, batch_size, stop, step)


# -- conversation records and their events -------------------------------------------------


def _purge_records(
    engine: Engine, cutoff: datetime, counts: PurgeCounts, batch_size: int, stop: Stop
) -> None:
    expired = and_(_r.ended_at < cutoff, _r.outcome != ONGOING)

    def step(db: Connection) -> int:
        conversations = (
            db.execute(select(_r.conversation_id).where(expired).distinct().limit(batch_size))
            .scalars()
            .all()
        )
        if conversations:
            deleted = db.execute(
                delete(conversation_records).where(expired, _r.conversation_id.in_(conversations))
            )
            counts.add("conversation_records", deleted.rowcount)
        return len(conversations)

    _in_batches(engine, batch_size, stop, step)


def _purge_record_events(
    engine: Engine, cutoff: datetime, counts: PurgeCounts, batch_size: int, stop: Stop
) -> None:
    def step(db: Connection) -> int:
        found, deliveries, events = forget_ended(db, cutoff, batch_size)
        counts.add("integration_deliveries", deliveries)
        counts.add("record_events", events)
        return found

    _in_batches(engine, batch_size, stop, step)


def _purge_insight_events(
    engine: Engine, cutoff: datetime, counts: PurgeCounts, batch_size: int, stop: Stop
) -> None:
    """Conversation by conversation, in pages of ``batch_size`` conversation ids.

    The events' times are in their JSON, out of SQL's reach: a conversation is
    read whole only when its first stored event is older than the cutoff, so
    a purge that finds nothing reads one event per conversation.
    """
    cutoff_ts = cutoff.replace(tzinfo=timezone.utc).timestamp()
    after: str | None = None
    while not stop():
        page = _first_events(engine, after, batch_size)
        if not page:
            return
        after = page[-1][0]
        stale = [cid for cid, first in page if not _newer(first, cutoff_ts)]
        ongoing = _with_ongoing_record(engine, stale)
        for conversation_id in stale:
            if stop():
                return
            ids = _expired_event_ids(engine, conversation_id, cutoff_ts, conversation_id in ongoing)
            _delete_events(engine, ids, counts, batch_size)
        if len(page) < batch_size:
            return


def _first_events(
    engine: Engine, after: str | None, limit: int
) -> list[tuple[str, dict[str, Any]]]:
    """The next ``limit`` conversations after ``after``, each with its first stored event."""
    firsts = select(_i.conversation_id, func.min(_i.id).label("first_id")).group_by(
        _i.conversation_id
    )
    if after is not None:
        firsts = firsts.where(_i.conversation_id > after)
    firsts = firsts.order_by(_i.conversation_id).limit(limit)
    with engine.connect() as db:
        rows = db.execute(firsts).all()
        ids = [row.first_id for row in rows]
        data = dict(db.execute(select(_i.id, _i.data).where(_i.id.in_(ids))).all()) if ids else {}
    return [(row.conversation_id, _decoded(data.get(row.first_id, ""))) for row in rows]


def _with_ongoing_record(engine: Engine, conversations: Sequence[str]) -> set[str]:
    if not conversations:
        return set()
    query = select(_r.conversation_id).where(
        _r.outcome == ONGOING, _r.conversation_id.in_(conversations)
    )
    with engine.connect() as db:
        return set(db.execute(query).scalars())


def _expired_event_ids(
    engine: Engine, conversation_id: str, cutoff_ts: float, keep_last: bool
) -> list[int]:
    """The ids of the conversation's leading sessions whose every event is older than the cutoff.

    Only leading ones: what is left is then the conversation as it was from
    some session on, which folds into the same records for those sessions.
    ``keep_last``: the last session stays, whatever its age (its record is ongoing).
    """
    with engine.connect() as db:
        rows = db.execute(
            select(_i.id, _i.data).where(_i.conversation_id == conversation_id).order_by(_i.id)
        ).all()
    events = [_decoded(data) for _, data in rows]
    cut = sessions(events)
    if keep_last:
        cut = cut[:-1]
    expired = 0
    for session in cut:
        times = [t for e in session if isinstance(t := e.get("timestamp"), (int, float))]
        if not times or max(times) >= cutoff_ts:
            break
        # sessions() keeps every event, in order: the next len(session) rows are this session's.
        expired += len(session)
    return [int(row_id) for row_id, _ in rows[:expired]]


def _delete_events(engine: Engine, ids: list[int], counts: PurgeCounts, batch_size: int) -> None:
    for start in range(0, len(ids), batch_size):
        with write_transaction(engine) as db:
            chunk = ids[start : start + batch_size]
            deleted = db.execute(delete(insight_events).where(_i.id.in_(chunk)))
            counts.add("insight_events", deleted.rowcount)


def _newer(event: dict[str, Any], cutoff_ts: float) -> bool:
    timestamp = event.get("timestamp")
    return isinstance(timestamp, (int, float)) and timestamp >= cutoff_ts


def _decoded(data: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError:
        # The keeper stores json.dumps; a row that is no JSON has no time and
        # opens no session: it goes with the session it is in.
        return {}
    return event if isinstance(event, dict) else {}


# -- on a schedule -------------------------------------------------------------------------


class Retention:
    """Runs :func:`purge` for the last ``days`` every ``interval_s``, in a worker thread.

    The first purge runs when it starts. Made only when retention is on
    (``days`` > 0): the service makes none for ``HANDOFF_RETENTION_DAYS=0``.
    """

    def __init__(
        self,
        engine: Engine,
        days: int,
        *,
        interval_s: float | None = None,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """``interval_s``: default :data:`PURGE_EVERY_S` (read at construction, so tests
        may shorten it); ``clock``: now, naive UTC or aware."""
        if days <= 0:
            raise ValueError(f"retention needs a positive number of days, not {days}")
        self._engine = engine
        self._days = days
        self._clock = clock
        self._batch_size = batch_size
        interval = PURGE_EVERY_S if interval_s is None else interval_s
        # Set before the worker's stop(): the purge under way ends at its next batch
        # rather than holding the service's shutdown until it is done.
        self._stopping = threading.Event()
        self._worker = Worker(
            "retention",
            self._step,
            interval_s=interval,
            retry_s=min(RETRY_S, interval),
            max_retry_s=interval,
        )
        self.last: PurgeCounts | None = None

    @property
    def running(self) -> bool:
        return self._worker.running

    def start(self) -> None:
        self._stopping.clear()
        self._worker.start()

    async def stop(self) -> None:
        self._stopping.set()
        await self._worker.stop()

    def purge_now(self) -> PurgeCounts:
        """One purge, here (synchronous): what the worker runs in its thread."""
        cutoff = to_naive_utc(self._clock()) - timedelta(days=self._days)
        counts = purge(
            self._engine, cutoff, batch_size=self._batch_size, stop=self._stopping.is_set
        )
        self.last = counts
        stopped = " (stopped early: the rest goes next time)" if self._stopping.is_set() else ""
        logger.info(
            "retention: purged what was older than %d days: %s%s",
            self._days,
            counts.describe(),
            stopped,
        )
        if counts.held_back:
            logger.warning(
                "retention: %d closed handoffs are past the retention period but kept, "
                "because a contact-center adapter has not read their events yet "
                "(integration_cursors); a removed adapter's cursor must be deleted",
                counts.held_back,
            )
        return counts

    async def _step(self) -> None:
        await asyncio.to_thread(self.purge_now)

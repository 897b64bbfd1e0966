"""Storage of handoffs, their transcripts and the agents: :class:`HandoffStore`.

The rules that make two agents, a retried outbox and a resent webhook safe
live here, in the database, not in the service:

- creating a handoff is idempotent on ``escalation_id`` (and a conversation
  has at most one open handoff);
- appending a message is idempotent on ``source_event_id``;
- claiming is one ``UPDATE ... WHERE status = 'waiting'``: whichever agent's
  statement runs first changes the row, the other's changes nothing (its
  rowcount is 0) and gets :class:`HandoffConflict`;
- closing and replying check the assignee in the same statement or
  transaction as the write;
- every change also writes its event to ``handoff_events`` in the same
  transaction (a transactional outbox), so a reader of that journal (the
  contact-center adapters) can neither miss a committed change nor see one
  that was rolled back.

SQLAlchemy's synchronous engine runs in worker threads (``asyncio.to_thread``),
as in bot.channels.store: Rasa pins SQLAlchemy 1.4, and its asyncio extension
would need another driver. The schema is made by :func:`handoff.migrate.migrate`.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, create_engine, event, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row, make_url
from sqlalchemy.exc import IntegrityError

from handoff.models import (
    AGENT,
    AGENT_ROLES,
    ASSIGNED,
    CLOSED,
    CUSTOMER,
    DELIVERY_PENDING,
    ROLES,
    STATUSES,
    SUPERVISOR_ROLE,
    WAITING,
    agents,
    handoff_events,
    handoffs,
    transcript_messages,
    utc_now,
)

HANDOFF_CREATED = "handoff.created"
HANDOFF_ASSIGNED = "handoff.assigned"
HANDOFF_CLOSED = "handoff.closed"
MESSAGE_CREATED = "message.created"

DEFAULT_LIST_LIMIT = 100
TOKEN_BYTES = 32  # 256 bits: unguessable, so sha256 without salt or stretching suffices


# -- errors ------------------------------------------------------------------------------


class HandoffError(Exception):
    """Base of the store's errors."""


class HandoffNotFound(HandoffError):
    pass


class HandoffConflict(HandoffError):
    """The handoff is not in a state that allows this (claimed by another agent, closed...)."""


class AgentExists(HandoffError):
    pass


# -- records -----------------------------------------------------------------------------


def to_utc(value: dt.datetime) -> dt.datetime:
    """Naive UTC, as stored; aware datetimes are converted, naive ones taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=dt.timezone.utc).isoformat()


@dataclass(frozen=True)
class NewMessage:
    """A message to record: what the bot's outbox sends with a new handoff."""

    role: str
    text: str
    timestamp: dt.datetime
    source_event_id: str | None = None


@dataclass(frozen=True)
class Message:
    id: int
    handoff_id: int
    role: str
    text: str
    timestamp: dt.datetime
    source_event_id: str | None
    internal: bool
    author: str | None
    delivery: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "handoff_id": self.handoff_id,
            "role": self.role,
            "text": self.text,
            "timestamp": iso(self.timestamp),
            "internal": self.internal,
            "author": self.author,
            "delivery": self.delivery,
        }


@dataclass(frozen=True)
class Handoff:
    id: int
    escalation_id: str
    conversation_id: str
    channel: str
    customer_id: str
    customer: dict[str, Any]
    reasons: list[str]
    priority: int
    anger: float
    summary: dict[str, Any]
    status: str
    assigned_to: str | None
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str | None
    last_customer_message_at: dt.datetime | None
    pickup_notified_at: dt.datetime | None = None
    # Only filled by get(); lists leave it None to stay small.
    transcript: list[Message] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "escalation_id": self.escalation_id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "customer": self.customer,
            "reasons": self.reasons,
            "priority": self.priority,
            "anger": self.anger,
            "summary": self.summary,
            "status": self.status,
            "assigned_to": self.assigned_to,
            "created_at": iso(self.created_at),
            "assigned_at": iso(self.assigned_at),
            "closed_at": iso(self.closed_at),
            "resolution": self.resolution,
            "last_customer_message_at": iso(self.last_customer_message_at),
            "pickup_notified_at": iso(self.pickup_notified_at),
        }
        if self.transcript is not None:
            data["transcript"] = [message.to_json() for message in self.transcript]
        return data


@dataclass(frozen=True)
class JournalEvent:
    """One row of ``handoff_events``: a committed change, in commit order."""

    id: int
    type: str
    handoff_id: int
    conversation_id: str
    payload: dict[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == SUPERVISOR_ROLE


def _handoff(row: Row, transcript: list[Message] | None = None) -> Handoff:
    return Handoff(
        id=row.id,
        escalation_id=row.escalation_id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        customer_id=row.customer_id,
        customer=dict(row.customer),
        reasons=list(row.reasons),
        priority=row.priority,
        anger=row.anger,
        summary=dict(row.summary),
        status=row.status,
        assigned_to=row.assigned_to,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        closed_at=row.closed_at,
        resolution=row.resolution,
        last_customer_message_at=row.last_customer_message_at,
        pickup_notified_at=row.pickup_notified_at,
        transcript=transcript,
    )


def _message(row: Row) -> Message:
    return Message(
        id=row.id,
        handoff_id=row.handoff_id,
        role=row.role,
        text=row.text,
        timestamp=row.timestamp,
        source_event_id=row.source_event_id,
        internal=bool(row.internal),
        author=row.author,
        delivery=row.delivery,
    )


def hash_token(token: str) -> str:
    # surrogatepass: a token read from a header may hold lone surrogates (bytes
    # that were not UTF-8); it then matches nothing instead of raising.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# -- engine ------------------------------------------------------------------------------


def build_engine(database_url: str) -> Engine:
    # hide_parameters: SQLAlchemy's error messages would otherwise list the
    # statement's parameters (a customer's text, a phone number as conversation
    # id), and those messages reach the logs (a 500's traceback, the broker's
    # "retrying" warning).
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        future=True,
        hide_parameters=True,
        connect_args={"timeout": 15, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite starts transactions lazily, at the first write: a transaction
    # that reads, then writes (a reply checks the assignee first) can then
    # fail at once with "database is locked" when another connection wrote in
    # between, whatever the busy timeout. Taking transactions over (see
    # _sqlite_begin) makes writers queue on the busy timeout instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers do not wait for writers. foreign_keys: SQLite ignores them otherwise.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("sqlite_immediate"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on SQLite it takes the write lock at BEGIN (see above).

    For every writer of the handoff database (the store, the desk's accounts).
    """
    with engine.connect() as db:
        db = db.execution_options(sqlite_immediate=True)
        with db.begin():
            yield db


# -- store -------------------------------------------------------------------------------


class HandoffStore:
    def __init__(self, database_url: str) -> None:
        self._engine = build_engine(database_url)
        self._postgres = self._engine.dialect.name == "postgresql"

    @property
    def engine(self) -> Engine:
        return self._engine

    def dispose(self) -> None:
        self._engine.dispose()

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self._engine)

    # -- handoffs ------------------------------------------------------------------------

    async def create_handoff(
        self,
        *,
        escalation_id: str,
        conversation_id: str,
        channel: str,
        customer_id: str,
        customer: Mapping[str, Any] | None = None,
        reasons: Sequence[str] = (),
        priority: int,
        anger: float = 0.0,
        summary: Mapping[str, Any] | None = None,
        transcript: Sequence[NewMessage] = (),
        now: dt.datetime | None = None,
    ) -> tuple[Handoff, bool]:
        """The new handoff and True, or the existing one and False.

        The existing one is the handoff with this ``escalation_id`` (the
        outbox retried), else the conversation's open handoff: a conversation
        already with a person is not queued twice; later messages are appended
        to the open handoff instead.
        """
        return await asyncio.to_thread(
            self._create_handoff,
            escalation_id,
            conversation_id,
            channel,
            customer_id,
            dict(customer or {}),
            list(reasons),
            priority,
            anger,
            dict(summary or {}),
            list(transcript),
            to_utc(now or utc_now()),
        )

    def _create_handoff(
        self,
        escalation_id: str,
        conversation_id: str,
        channel: str,
        customer_id: str,
        customer: dict[str, Any],
        reasons: list[str],
        priority: int,
        anger: float,
        summary: dict[str, Any],
        transcript: list[NewMessage],
        now: dt.datetime,
    ) -> tuple[Handoff, bool]:
        for message in transcript:
            _check_role(message.role)
        customer_times = [to_utc(m.timestamp) for m in transcript if m.role == CUSTOMER]
        try:
            with self._write() as db:
                handoff_id = db.execute(
                    insert(handoffs).values(
                        escalation_id=escalation_id,
                        conversation_id=conversation_id,
                        channel=channel,
                        customer_id=customer_id,
                        # Round trip through JSON: what is stored is what is returned.
                        customer=json.loads(json.dumps(customer)),
                        reasons=list(reasons),
                        priority=priority,
                        anger=anger,
                        summary=json.loads(json.dumps(summary)),
                        status=WAITING,
                        created_at=now,
                        last_customer_message_at=max(customer_times, default=None),
                    )
                ).inserted_primary_key[0]
                for message in transcript:
                    self._insert_message(db, handoff_id, message)
                created = self._read(db, int(handoff_id), with_transcript=True)
                assert created is not None
                self._emit(db, HANDOFF_CREATED, created, {"handoff": created.to_json()})
        except IntegrityError:
            with self._engine.connect() as db:
                existing = db.execute(
                    select(handoffs).where(handoffs.c.escalation_id == escalation_id)
                ).first()
                if existing is None:
                    existing = db.execute(
                        select(handoffs).where(
                            handoffs.c.conversation_id == conversation_id,
                            handoffs.c.status != CLOSED,
                        )
                    ).first()
            if existing is None:
                # A transcript message's source_event_id belongs to another
                # handoff: the caller's mistake (409), not the database's.
                raise HandoffConflict(
                    "a transcript message's source_event_id belongs to another handoff"
                ) from None
            return _handoff(existing), False
        handoff = self._get(int(handoff_id), with_transcript=False)
        assert handoff is not None
        return handoff, True

    def _insert_message(
        self,
        db: Connection,
        handoff_id: int,
        message: NewMessage,
        *,
        internal: bool = False,
        author: str | None = None,
        delivery: str | None = None,
    ) -> int:
        row_id = db.execute(
            insert(transcript_messages).values(
                handoff_id=handoff_id,
                role=message.role,
                text=message.text,
                timestamp=to_utc(message.timestamp),
                source_event_id=message.source_event_id,
                internal=internal,
                author=author,
                delivery=delivery,
            )
        ).inserted_primary_key[0]
        return int(row_id)

    async def list(
        self,
        status: str | None = None,
        conversation_id: str | None = None,
        limit: int = DEFAULT_LIST_LIMIT,
    ) -> list[Handoff]:
        """Waiting handoffs in queue order (priority, then longest wait); others newest first."""
        return await asyncio.to_thread(self._list, status, conversation_id, limit)

    def _list(
        self, status: str | None, conversation_id: str | None, limit: int
    ) -> builtins.list[Handoff]:
        query = select(handoffs)
        if status is not None:
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
            query = query.where(handoffs.c.status == status)
        if conversation_id is not None:
            query = query.where(handoffs.c.conversation_id == conversation_id)
        if status == WAITING:
            # Same order as handoff.escalation.queue_key, plus id to break ties.
            query = query.order_by(handoffs.c.priority, handoffs.c.created_at, handoffs.c.id)
        else:
            query = query.order_by(handoffs.c.created_at.desc(), handoffs.c.id.desc())
        with self._engine.connect() as db:
            rows = db.execute(query.limit(limit)).all()
        return [_handoff(row) for row in rows]

    async def get(self, handoff_id: int, with_transcript: bool = True) -> Handoff | None:
        """The handoff with its transcript (oldest message first), or None."""
        return await asyncio.to_thread(self._get, handoff_id, with_transcript)

    def _get(self, handoff_id: int, with_transcript: bool = True) -> Handoff | None:
        with self._engine.connect() as db:
            return self._read(db, handoff_id, with_transcript)

    def _read(self, db: Connection, handoff_id: int, with_transcript: bool) -> Handoff | None:
        row = db.execute(select(handoffs).where(handoffs.c.id == handoff_id)).first()
        if row is None:
            return None
        if not with_transcript:
            return _handoff(row)
        messages = db.execute(
            select(transcript_messages)
            .where(transcript_messages.c.handoff_id == handoff_id)
            .order_by(transcript_messages.c.timestamp, transcript_messages.c.id)
        ).all()
        return _handoff(row, [_message(m) for m in messages])

    def _emit(self, db: Connection, type_: str, handoff: Handoff, payload: dict[str, Any]) -> None:
        """Journal a change, inside the transaction that makes it."""
        db.execute(
            insert(handoff_events).values(
                type=type_,
                handoff_id=handoff.id,
                conversation_id=handoff.conversation_id,
                payload=json.loads(json.dumps(payload)),
                created_at=utc_now(),
            )
        )

    def _emit_handoff(self, db: Connection, type_: str, handoff_id: int) -> None:
        handoff = self._read(db, handoff_id, with_transcript=False)
        assert handoff is not None
        self._emit(db, type_, handoff, {"handoff": handoff.to_json()})

    def _emit_message(self, db: Connection, handoff: Handoff, message_id: int) -> None:
        row = db.execute(
            select(transcript_messages).where(transcript_messages.c.id == message_id)
        ).one()
        self._emit(
            db,
            MESSAGE_CREATED,
            handoff,
            {"handoff_id": handoff.id, "message": _message(row).to_json()},
        )

    async def events_after(self, event_id: int, limit: int = 100) -> builtins.list[JournalEvent]:
        """Journal events with an id above ``event_id``, oldest first."""
        return await asyncio.to_thread(self._events_after, event_id, limit)

    def _events_after(self, event_id: int, limit: int) -> builtins.list[JournalEvent]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(handoff_events)
                .where(handoff_events.c.id > event_id)
                .order_by(handoff_events.c.id)
                .limit(limit)
            ).all()
        return [
            JournalEvent(
                row.id,
                row.type,
                row.handoff_id,
                row.conversation_id,
                dict(row.payload),
                row.created_at,
            )
            for row in rows
        ]

    async def open_handoff_for(self, conversation_id: str) -> Handoff | None:
        """The conversation's waiting or assigned handoff, if any."""
        return await asyncio.to_thread(self._open_handoff_for, conversation_id)

    def _open_handoff_for(self, conversation_id: str) -> Handoff | None:
        with self._engine.connect() as db:
            row = db.execute(
                select(handoffs).where(
                    handoffs.c.conversation_id == conversation_id, handoffs.c.status != CLOSED
                )
            ).first()
        return None if row is None else _handoff(row)

    async def queue_position(self, handoff_id: int) -> int | None:
        """1 for the next handoff to be claimed; None if this one is not waiting."""
        return await asyncio.to_thread(self._queue_position, handoff_id)

    def _queue_position(self, handoff_id: int) -> int | None:
        h = handoffs.c
        with self._engine.connect() as db:
            row = db.execute(select(handoffs).where(h.id == handoff_id)).first()
            if row is None or row.status != WAITING:
                return None
            ahead = db.execute(
                select(func.count())
                .select_from(handoffs)
                .where(
                    h.status == WAITING,
                    or_(
                        h.priority < row.priority,
                        and_(h.priority == row.priority, h.created_at < row.created_at),
                        and_(
                            h.priority == row.priority,
                            h.created_at == row.created_at,
                            h.id < row.id,
                        ),
                    ),
                )
            ).scalar_one()
        return int(ahead) + 1

    async def claim(self, handoff_id: int, agent: str, now: dt.datetime | None = None) -> Handoff:
        """Assign a waiting handoff to ``agent``; HandoffConflict if it is not waiting."""
        return await asyncio.to_thread(self._claim, handoff_id, agent, to_utc(now or utc_now()))

    def _claim(self, handoff_id: int, agent: str, now: dt.datetime) -> Handoff:
        with self._write() as db:
            claimed = db.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id, handoffs.c.status == WAITING)
                .values(status=ASSIGNED, assigned_to=agent, assigned_at=now)
            ).rowcount
            if claimed:
                self._emit_handoff(db, HANDOFF_ASSIGNED, handoff_id)
        handoff = self._get(handoff_id, with_transcript=False)
        if handoff is None:
            raise HandoffNotFound(handoff_id)
        if not claimed:
            raise HandoffConflict("the handoff is not waiting")
        return handoff

    async def close(
        self,
        handoff_id: int,
        agent: str,
        resolution: str | None = None,
        *,
        supervisor: bool = False,
        now: dt.datetime | None = None,
    ) -> Handoff:
        """Close a handoff ``agent`` holds (a supervisor: any open one)."""
        return await asyncio.to_thread(
            self._close, handoff_id, agent, resolution, supervisor, to_utc(now or utc_now())
        )

    def _close(
        self,
        handoff_id: int,
        agent: str,
        resolution: str | None,
        supervisor: bool,
        now: dt.datetime,
    ) -> Handoff:
        allowed = (
            handoffs.c.status != CLOSED
            if supervisor
            else and_(handoffs.c.status == ASSIGNED, handoffs.c.assigned_to == agent)
        )
        with self._write() as db:
            closed = db.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id, allowed)
                .values(status=CLOSED, closed_at=now, resolution=resolution)
            ).rowcount
            if closed:
                self._emit_handoff(db, HANDOFF_CLOSED, handoff_id)
        handoff = self._get(handoff_id, with_transcript=False)
        if handoff is None:
            raise HandoffNotFound(handoff_id)
        if not closed:
            raise HandoffConflict(
                "the handoff is already closed"
                if handoff.status == CLOSED
                else "the handoff is not assigned to you"
            )
        return handoff

    async def transfer(
        self,
        handoff_id: int,
        by: Agent,
        to_agent: str,
        now: dt.datetime | None = None,
    ) -> Handoff:
        """Give an assigned handoff to another enabled agent: the assignee may hand
        over their own, a supervisor any open one (a waiting one too, which
        assigns it). HandoffConflict otherwise; ValueError for an unknown agent."""
        return await asyncio.to_thread(
            self._transfer, handoff_id, by, to_agent, to_utc(now or utc_now())
        )

    def _transfer(self, handoff_id: int, by: Agent, to_agent: str, now: dt.datetime) -> Handoff:
        with self._write() as db:
            target = db.execute(
                select(agents.c.name).where(agents.c.name == to_agent, agents.c.disabled.is_(False))
            ).first()
            if target is None:
                raise ValueError(f"no enabled agent is named {to_agent!r}")
            handoff = self._lock_handoff(db, handoff_id)
            if handoff.status == CLOSED:
                raise HandoffConflict("the handoff is closed")
            if not by.is_supervisor and (
                handoff.status != ASSIGNED or handoff.assigned_to != by.name
            ):
                raise HandoffConflict("the handoff is not assigned to you")
            db.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .values(status=ASSIGNED, assigned_to=to_agent, assigned_at=now)
            )
            self._emit_handoff(db, HANDOFF_ASSIGNED, handoff_id)
            moved = self._read(db, handoff_id, with_transcript=False)
        assert moved is not None
        return moved

    async def unnotified_waiting(self, created_before: dt.datetime) -> builtins.list[Handoff]:
        """Waiting handoffs created before the given time whose customer has not
        been told yet that nobody has picked them up (handoff.pickup)."""
        return await asyncio.to_thread(self._unnotified_waiting, to_utc(created_before))

    def _unnotified_waiting(self, created_before: dt.datetime) -> builtins.list[Handoff]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(handoffs)
                .where(
                    handoffs.c.status == WAITING,
                    handoffs.c.pickup_notified_at.is_(None),
                    handoffs.c.created_at < created_before,
                )
                .order_by(handoffs.c.priority, handoffs.c.created_at, handoffs.c.id)
            ).all()
        return [_handoff(row) for row in rows]

    async def mark_pickup_notified(self, handoff_id: int, now: dt.datetime | None = None) -> bool:
        """Record that the customer was told; False if already recorded or no longer waiting."""
        return await asyncio.to_thread(
            self._mark_pickup_notified, handoff_id, to_utc(now or utc_now())
        )

    def _mark_pickup_notified(self, handoff_id: int, now: dt.datetime) -> bool:
        with self._write() as db:
            changed = db.execute(
                update(handoffs)
                .where(
                    handoffs.c.id == handoff_id,
                    handoffs.c.status == WAITING,
                    handoffs.c.pickup_notified_at.is_(None),
                )
                .values(pickup_notified_at=now)
            ).rowcount
        return bool(changed)

    # -- transcript ----------------------------------------------------------------------

    async def append_message(
        self,
        handoff_id: int,
        role: str,
        text: str,
        timestamp: dt.datetime | None = None,
        source_event_id: str | None = None,
        *,
        unless_present: bool = False,
    ) -> tuple[Message, bool]:
        """Record a customer or bot message: (message, True), or (the earlier one, False)
        when ``source_event_id`` was recorded before. HandoffConflict once closed.

        ``unless_present``: also (the earlier one, False) when the transcript
        already holds a message of that role with that text at that time,
        whatever its source: the same Rasa event can arrive through the bot's
        outbox, the event broker and a catch-up read of the tracker, each with
        its own id (or none). Checked in the write transaction, so two of them
        racing still record it once.
        """
        return await asyncio.to_thread(
            self._append_message,
            handoff_id,
            NewMessage(role, text, to_utc(timestamp or utc_now()), source_event_id),
            unless_present,
        )

    def _append_message(
        self, handoff_id: int, message: NewMessage, unless_present: bool = False
    ) -> tuple[Message, bool]:
        _check_role(message.role)
        try:
            with self._write() as db:
                handoff = self._lock_handoff(db, handoff_id)
                if handoff.status == CLOSED:
                    raise HandoffConflict("the handoff is closed")
                if unless_present:
                    present = self._same_message(db, handoff_id, message)
                    if present is not None:
                        return present, False
                message_id = self._insert_message(db, handoff_id, message)
                if message.role == CUSTOMER:
                    self._touch_customer(db, handoff_id, message.timestamp)
                self._emit_message(db, handoff, message_id)
        except IntegrityError:
            with self._engine.connect() as db:
                row = db.execute(
                    select(transcript_messages).where(
                        transcript_messages.c.source_event_id == message.source_event_id
                    )
                ).first()
            if row is None:
                raise
            return _message(row), False
        return self._message(message_id), True

    def _same_message(self, db: Connection, handoff_id: int, message: NewMessage) -> Message | None:
        # A millisecond either way: times travel as floats and ISO strings.
        at = to_utc(message.timestamp)
        margin = dt.timedelta(milliseconds=1)
        m = transcript_messages.c
        row = db.execute(
            select(transcript_messages)
            .where(
                m.handoff_id == handoff_id,
                m.role == message.role,
                m.text == message.text,
                m.timestamp.between(at - margin, at + margin),
            )
            .limit(1)
        ).first()
        return None if row is None else _message(row)

    def _touch_customer(self, db: Connection, handoff_id: int, at: dt.datetime) -> None:
        last = handoffs.c.last_customer_message_at
        db.execute(
            update(handoffs)
            .where(handoffs.c.id == handoff_id, or_(last.is_(None), last < at))
            .values(last_customer_message_at=at)
        )

    async def agent_message(
        self,
        handoff_id: int,
        agent: Agent,
        text: str,
        *,
        internal: bool = False,
        now: dt.datetime | None = None,
    ) -> Message:
        """Record an agent's reply (delivery pending) or internal note.

        Only the assignee may write, or a supervisor, and only while the
        handoff is assigned; otherwise HandoffConflict.
        """
        return await asyncio.to_thread(
            self._agent_message, handoff_id, agent, text, internal, to_utc(now or utc_now())
        )

    def _agent_message(
        self, handoff_id: int, agent: Agent, text: str, internal: bool, now: dt.datetime
    ) -> Message:
        with self._write() as db:
            handoff = self._lock_handoff(db, handoff_id)
            if handoff.status != ASSIGNED:
                raise HandoffConflict(f"the handoff is {handoff.status}, not assigned")
            if handoff.assigned_to != agent.name and not agent.is_supervisor:
                raise HandoffConflict("the handoff is not assigned to you")
            message_id = self._insert_message(
                db,
                handoff_id,
                NewMessage(AGENT, text, now),
                internal=internal,
                author=agent.name,
                delivery=None if internal else DELIVERY_PENDING,
            )
            self._emit_message(db, handoff, message_id)
        return self._message(message_id)

    def _lock_handoff(self, db: Connection, handoff_id: int) -> Handoff:
        query = select(handoffs).where(handoffs.c.id == handoff_id)
        if self._postgres:
            # Hold the row until commit, so a close cannot slip in between the
            # check and the write (SQLite's BEGIN IMMEDIATE already serializes).
            query = query.with_for_update()
        row = db.execute(query).first()
        if row is None:
            raise HandoffNotFound(handoff_id)
        return _handoff(row)

    def _message(self, message_id: int) -> Message:
        with self._engine.connect() as db:
            row = db.execute(
                select(transcript_messages).where(transcript_messages.c.id == message_id)
            ).one()
        return _message(row)

    async def set_delivery(self, message_id: int, delivery: str) -> Message:
        return await asyncio.to_thread(self._set_delivery, message_id, delivery)

    def _set_delivery(self, message_id: int, delivery: str) -> Message:
        with self._write() as db:
            db.execute(
                update(transcript_messages)
                .where(transcript_messages.c.id == message_id)
                .values(delivery=delivery)
            )
        return self._message(message_id)

    # -- agents --------------------------------------------------------------------------

    async def create_agent(self, name: str, role: str) -> str:
        """Create an agent; their bearer token, which only this call ever returns."""
        return await asyncio.to_thread(self._create_agent, name, role)

    def _create_agent(self, name: str, role: str) -> str:
        if role not in AGENT_ROLES:
            raise ValueError(f"role must be one of {', '.join(AGENT_ROLES)}, not {role!r}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            with self._write() as db:
                db.execute(
                    insert(agents).values(
                        name=name,
                        role=role,
                        token_hash=hash_token(token),
                        created_at=utc_now(),
                        disabled=False,
                    )
                )
        except IntegrityError:
            raise AgentExists(name) from None
        return token

    async def agent_for_token(self, token: str) -> Agent | None:
        """The enabled agent holding ``token``, or None."""
        return await asyncio.to_thread(self._agent_for_token, token)

    def _agent_for_token(self, token: str) -> Agent | None:
        # Looking the hash up by equality leaks nothing useful through timing:
        # an attacker would learn about the hash, not the token.
        with self._engine.connect() as db:
            row = db.execute(
                select(agents.c.id, agents.c.name, agents.c.role).where(
                    agents.c.token_hash == hash_token(token), agents.c.disabled.is_(False)
                )
            ).first()
        return None if row is None else Agent(row.id, row.name, row.role)

    async def count_agents(self) -> int:
        """Enabled agents and supervisors (a rough capacity for wait estimates)."""
        return await asyncio.to_thread(self._count_agents)

    def _count_agents(self) -> int:
        with self._engine.connect() as db:
            count = db.execute(
                select(func.count()).select_from(agents).where(agents.c.disabled.is_(False))
            ).scalar_one()
        return int(count)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")

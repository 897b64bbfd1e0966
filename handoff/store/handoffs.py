"""Handoffs: creating them, reading them, and the queue of waiting ones.

Creating a handoff is idempotent on ``escalation_id`` (the bot's outbox
retries), and a conversation has at most one open handoff (a partial unique
index): a second escalation gets the open one back.

The waiting queue's order is priority (1 first), then the longest wait, then
the id: :meth:`Handoffs.list`, :meth:`Handoffs.queue_position` and
:meth:`Handoffs.unnotified_waiting` agree. Who holds a handoff is
handoff.store.assignment's.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from handoff.errors import HandoffConflict
from handoff.models import (
    CLOSED,
    CUSTOMER,
    DEFAULT_LANGUAGE,
    STATUSES,
    WAITING,
    handoffs,
    utc_now,
)
from handoff.store.engine import StoreBase
from handoff.store.journal import HANDOFF_CREATED, HANDOFF_OVERDUE, emit
from handoff.store.messages import insert_message
from handoff.store.records import Handoff, NewMessage, check_role
from handoff.store.rows import read_handoff
from plumbing.clock import to_naive_utc

DEFAULT_LIST_LIMIT = 100


class Handoffs(StoreBase):
    """The store's methods that create and read handoffs, and the queue's."""

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
        language: str = DEFAULT_LANGUAGE,
        skills: Sequence[str] = (),
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
            language,
            list(skills),
            to_naive_utc(now or utc_now()),
        )

    def _create_handoff(
        self,
        escalation_id: str,
        conversation_id: str,
        channel: str,
        customer_id: str,
        customer: dict[str, Any],
        reasons: builtins.list[str],
        priority: int,
        anger: float,
        summary: dict[str, Any],
        transcript: builtins.list[NewMessage],
        language: str,
        skills: builtins.list[str],
        now: dt.datetime,
    ) -> tuple[Handoff, bool]:
        for message in transcript:
            check_role(message.role)
        customer_times = [to_naive_utc(m.timestamp) for m in transcript if m.role == CUSTOMER]
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
                        language=language,
                        skills=skills,
                        passed_over=[],
                    )
                ).inserted_primary_key[0]
                for message in transcript:
                    insert_message(db, handoff_id, message)
                created = read_handoff(db, int(handoff_id), with_transcript=True)
                assert created is not None
                emit(db, HANDOFF_CREATED, created, {"handoff": created.to_json()})
        except IntegrityError:
            existing = self._existing(escalation_id, conversation_id)
            if existing is None:
                # A transcript message's source_event_id belongs to another
                # handoff: the caller's mistake (409), not the database's.
                raise HandoffConflict(
                    "a transcript message's source_event_id belongs to another handoff"
                ) from None
            return existing, False
        handoff = self._get(int(handoff_id), with_transcript=False)
        assert handoff is not None
        return handoff, True

    def _existing(self, escalation_id: str, conversation_id: str) -> Handoff | None:
        """What a create that broke a unique constraint found: the same escalation's
        handoff, else the conversation's open one."""
        with self._engine.connect() as db:
            row = db.execute(
                select(handoffs).where(handoffs.c.escalation_id == escalation_id)
            ).first()
            if row is None:
                row = db.execute(
                    select(handoffs).where(
                        handoffs.c.conversation_id == conversation_id,
                        handoffs.c.status != CLOSED,
                    )
                ).first()
        return None if row is None else Handoff.from_row(row)

    # -- reading ---------------------------------------------------------------------------

    async def list(
        self,
        status: str | None = None,
        conversation_id: str | None = None,
        limit: int = DEFAULT_LIST_LIMIT,
    ) -> builtins.list[Handoff]:
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
        return [Handoff.from_row(row) for row in rows]

    async def get(self, handoff_id: int, with_transcript: bool = True) -> Handoff | None:
        """The handoff with its transcript (oldest message first), or None."""
        return await asyncio.to_thread(self._get, handoff_id, with_transcript)

    def _get(self, handoff_id: int, with_transcript: bool = True) -> Handoff | None:
        with self._engine.connect() as db:
            return read_handoff(db, handoff_id, with_transcript)

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
        return None if row is None else Handoff.from_row(row)

    async def queue_position(self, handoff_id: int) -> int | None:
        """1 for the next handoff to be claimed; None if this one is not waiting."""
        return await asyncio.to_thread(self._queue_position, handoff_id)

    def _queue_position(self, handoff_id: int) -> int | None:
        with self._engine.connect() as db:
            return _position(db, handoff_id)

    # -- nobody picked it up (handoff.pickup) ------------------------------------------------

    async def unnotified_waiting(self, created_before: dt.datetime) -> builtins.list[Handoff]:
        """Waiting handoffs created before the given time whose customer has not
        been told yet that nobody has picked them up (handoff.pickup)."""
        return await asyncio.to_thread(self._unnotified_waiting, to_naive_utc(created_before))

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
        return [Handoff.from_row(row) for row in rows]

    async def mark_pickup_notified(self, handoff_id: int, now: dt.datetime | None = None) -> bool:
        """Record that the customer is being told, and journal ``handoff.overdue``
        (``{"handoff_id", "waited_s", "queue_position"}``) with it; False if
        already recorded or no longer waiting."""
        return await asyncio.to_thread(
            self._mark_pickup_notified, handoff_id, to_naive_utc(now or utc_now())
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
            if changed:
                handoff = read_handoff(db, handoff_id, with_transcript=False)
                assert handoff is not None
                waited_s = round((now - handoff.created_at).total_seconds())
                emit(
                    db,
                    HANDOFF_OVERDUE,
                    handoff,
                    {
                        "handoff_id": handoff_id,
                        "waited_s": waited_s,
                        "queue_position": _position(db, handoff_id),
                    },
                )
        return bool(changed)


def _position(db: Connection, handoff_id: int) -> int | None:
    h = handoffs.c
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

"""Who holds a handoff: claiming it, transferring it, closing it.

- claiming is one ``UPDATE ... WHERE status = 'waiting'``: whichever agent's
  statement runs first changes the row, the other's changes nothing (its
  rowcount is 0) and gets :class:`~handoff.errors.HandoffConflict`;
- closing and transferring check the assignee in the same statement or
  transaction as the write.

Each journals ``handoff.assigned`` or ``handoff.closed`` in its transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import and_, select, update

from handoff.errors import HandoffConflict, HandoffNotFound
from handoff.models import ASSIGNED, CLOSED, WAITING, agents, handoffs, utc_now
from handoff.store.engine import StoreBase
from handoff.store.journal import HANDOFF_ASSIGNED, HANDOFF_CLOSED, emit_handoff
from handoff.store.records import Agent, Handoff
from handoff.store.rows import lock_handoff, read_handoff
from plumbing.clock import to_naive_utc


class Assignment(StoreBase):
    """The store's methods that change who holds a handoff."""

    async def claim(self, handoff_id: int, agent: str, now: dt.datetime | None = None) -> Handoff:
        """Assign a waiting handoff to ``agent``; HandoffConflict if it is not waiting."""
        return await asyncio.to_thread(
            self._claim, handoff_id, agent, to_naive_utc(now or utc_now())
        )

    def _claim(self, handoff_id: int, agent: str, now: dt.datetime) -> Handoff:
        with self._write() as db:
            claimed = db.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id, handoffs.c.status == WAITING)
                .values(status=ASSIGNED, assigned_to=agent, assigned_at=now)
            ).rowcount
            if claimed:
                emit_handoff(db, HANDOFF_ASSIGNED, handoff_id)
        handoff = self._current(handoff_id)
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
            self._close, handoff_id, agent, resolution, supervisor, to_naive_utc(now or utc_now())
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
                emit_handoff(db, HANDOFF_CLOSED, handoff_id)
        handoff = self._current(handoff_id)
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
            self._transfer, handoff_id, by, to_agent, to_naive_utc(now or utc_now())
        )

    def _transfer(self, handoff_id: int, by: Agent, to_agent: str, now: dt.datetime) -> Handoff:
        with self._write() as db:
            target = db.execute(
                select(agents.c.name).where(agents.c.name == to_agent, agents.c.disabled.is_(False))
            ).first()
            if target is None:
                raise ValueError(f"no enabled agent is named {to_agent!r}")
            handoff = lock_handoff(db, handoff_id)
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
            emit_handoff(db, HANDOFF_ASSIGNED, handoff_id)
            moved = read_handoff(db, handoff_id, with_transcript=False)
        assert moved is not None
        return moved

    def _current(self, handoff_id: int) -> Handoff | None:
        """The handoff as it is after a change (or a refused one): what the caller gets."""
        with self._engine.connect() as db:
            return read_handoff(db, handoff_id, with_transcript=False)

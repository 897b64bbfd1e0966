"""Who holds a handoff: claiming it, transferring it, closing it.

- claiming is one ``UPDATE ... WHERE status = 'waiting'``: whichever agent's
  statement runs first changes the row, the other's changes nothing (its
  rowcount is 0) and gets :class:`~handoff.errors.HandoffConflict`;
- closing and transferring check the assignee in the same statement or
  transaction as the write;
- claiming ``within_capacity`` (routing on, handoff.routing) locks the
  handoff, then the agent's row, and counts the agent's load under that
  lock, as routing's offers do (handoff.store.routing), so a claim and an
  offer cannot together take an agent past their capacity. A claim or a
  transfer clears a pending offer of the handoff (it is no longer waiting).

Each journals ``handoff.assigned`` or ``handoff.closed`` in its transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection

from handoff.errors import HandoffConflict, HandoffNotFound
from handoff.models import ASSIGNED, CLOSED, WAITING, agents, handoffs, utc_now
from handoff.store.engine import StoreBase
from handoff.store.journal import HANDOFF_ASSIGNED, HANDOFF_CLOSED, emit_handoff
from handoff.store.records import Agent, Handoff
from handoff.store.rows import agent_loads, lock_agent, lock_handoff, read_handoff
from plumbing.clock import to_naive_utc

# What a claim or transfer does to a pending offer: it is no longer waiting.
_NO_OFFER = {"offered_to": None, "offered_at": None, "offer_expires_at": None}


class Assignment(StoreBase):
    """The store's methods that change who holds a handoff."""

    async def claim(
        self,
        handoff_id: int,
        agent: str,
        now: dt.datetime | None = None,
        *,
        within_capacity: bool = False,
    ) -> Handoff:
        """Assign a waiting handoff to ``agent``; HandoffConflict if it is not waiting,
        or, ``within_capacity``, if it would take them past their capacity (a handoff
        offered to them already counts: claiming it is accepting the offer)."""
        return await asyncio.to_thread(
            self._claim, handoff_id, agent, to_naive_utc(now or utc_now()), within_capacity
        )

    def _claim(
        self, handoff_id: int, agent: str, now: dt.datetime, within_capacity: bool = False
    ) -> Handoff:
        with self._write() as db:
            if within_capacity:
                self._check_capacity(db, handoff_id, agent)
            claimed = _from_waiting(
                db,
                handoff_id,
                HANDOFF_ASSIGNED,
                status=ASSIGNED,
                assigned_to=agent,
                assigned_at=now,
            )
        return self._unless_unchanged(handoff_id, claimed)

    @staticmethod
    def _check_capacity(db: Connection, handoff_id: int, agent: str) -> None:
        """HandoffConflict unless ``agent`` may claim the handoff within their capacity.

        The handoff is locked first, then the agent (the order of handoff.store.rows).
        """
        handoff = lock_handoff(db, handoff_id)
        if handoff.status != WAITING:
            return  # the claim's own update finds nothing and says so
        row = lock_agent(db, agent)
        if row is None or handoff.offered_to == agent:
            return  # not a routed agent (the admin's...), or already counted
        if agent_loads(db, [agent])[agent] >= row.capacity:
            raise HandoffConflict("you are at your capacity: close a handoff first")

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
                .values(status=CLOSED, closed_at=now, resolution=resolution, **_NO_OFFER)
            ).rowcount
            if closed:
                emit_handoff(db, HANDOFF_CLOSED, handoff_id)
                # Idle since their last close, for routing's "longest idle first".
                holder = read_handoff(db, handoff_id, with_transcript=False)
                if holder is not None and holder.assigned_to is not None:
                    db.execute(
                        update(agents)
                        .where(agents.c.name == holder.assigned_to)
                        .values(idle_since=now)
                    )
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

    async def withdraw(
        self, handoff_id: int, resolution: str, now: dt.datetime | None = None
    ) -> Handoff:
        """Close a handoff its customer took back while it waited: only if no agent holds it.

        HandoffConflict if an agent has it (theirs to close) or it is closed.
        A pending offer ends with it.
        """
        return await asyncio.to_thread(
            self._withdraw, handoff_id, resolution, to_naive_utc(now or utc_now())
        )

    def _withdraw(self, handoff_id: int, resolution: str, now: dt.datetime) -> Handoff:
        with self._write() as db:
            closed = _from_waiting(
                db, handoff_id, HANDOFF_CLOSED, status=CLOSED, closed_at=now, resolution=resolution
            )
        return self._unless_unchanged(handoff_id, closed)

    def _unless_unchanged(self, handoff_id: int, changed: bool) -> Handoff:
        """The handoff after a change from waiting; HandoffConflict if it was not waiting."""
        handoff = self._current(handoff_id)
        if handoff is None:
            raise HandoffNotFound(handoff_id)
        if not changed:
            raise HandoffConflict("the handoff is not waiting")
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
                .values(status=ASSIGNED, assigned_to=to_agent, assigned_at=now, **_NO_OFFER)
            )
            emit_handoff(db, HANDOFF_ASSIGNED, handoff_id)
            moved = read_handoff(db, handoff_id, with_transcript=False)
        assert moved is not None
        return moved

    def _current(self, handoff_id: int) -> Handoff | None:
        """The handoff as it is after a change (or a refused one): what the caller gets."""
        with self._engine.connect() as db:
            return read_handoff(db, handoff_id, with_transcript=False)


def _from_waiting(db: Connection, handoff_id: int, event: str, **values: object) -> bool:
    """Change a waiting handoff (ending any offer) and journal ``event``; whether it was waiting."""
    changed = db.execute(
        update(handoffs)
        .where(handoffs.c.id == handoff_id, handoffs.c.status == WAITING)
        .values(**values, **_NO_OFFER)
    ).rowcount
    if changed:
        emit_handoff(db, event, handoff_id)
    return bool(changed)

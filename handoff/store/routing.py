"""Routing's part of the store: agents' skills, capacity and state; offers of handoffs.

The rules that keep capacity under concurrent escalations live here:

- an agent's load is what they hold plus what they are offered and have
  not answered (handoff.store.rows.agent_loads): a pending offer counts;
- an offer is made in one transaction that locks the handoff (it must still
  be waiting, with no pending offer), then one agent's row
  (:func:`~handoff.store.rows.lock_agent`), and counts that agent's load
  under the lock: two offers to the same agent count one after the other,
  so neither can take them past their capacity. A transaction locks one
  agent at most: when the best agent turns out to be full, it ends and the
  next one is tried in a new transaction (holding two agents' locks, two
  offers could wait for each other);
- a handoff has at most one pending offer (``handoffs.offered_to``), and an
  agent who declined it or let it expire is in its ``passed_over`` and is
  never offered it again.

Each change journals its event in its transaction (handoff.store.journal):
``handoff.offered``, ``handoff.offer_ended``, ``handoff.assigned`` on
acceptance, ``handoff.awaiting_skill``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from handoff.errors import HandoffConflict, HandoffNotFound, NotFound
from handoff.models import AGENT_STATES, ASSIGNED, AVAILABLE, WAITING, agents, handoffs, utc_now
from handoff.store.engine import StoreBase
from handoff.store.journal import (
    HANDOFF_ASSIGNED,
    HANDOFF_AWAITING_SKILL,
    HANDOFF_OFFER_ENDED,
    HANDOFF_OFFERED,
    emit,
    emit_handoff,
)
from handoff.store.records import AgentProfile, Handoff
from handoff.store.rows import agent_loads, lock_agent, lock_handoff, read_handoff
from plumbing.clock import to_naive_utc

# How an offer ended without being accepted (accepted: handoff.assigned).
DECLINED = "declined"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"  # the agent stopped being available, or was disabled


class UnknownAgent(NotFound):
    """No enabled agent has that name (404)."""

    def __init__(self, name: str) -> None:
        super().__init__("no enabled agent has that name")
        self.name = name


@dataclass(frozen=True)
class _Attempt:
    """One transaction's try at offering a handoff: to whom, or whom to skip next."""

    offered_to: str | None = None
    full: str | None = None  # the best agent was at capacity under the lock: try without them


def ranked(profiles: Sequence[AgentProfile], handoff: Handoff) -> list[AgentProfile]:
    """Who may be offered ``handoff``, best first: the most spare capacity, then idle
    the longest (never offered anything first), then by name (a stable order)."""
    never = dt.datetime.min
    fit = [profile for profile in profiles if profile.can_be_offered(handoff)]
    return sorted(fit, key=lambda p: (-p.spare, p.idle_since or never, p.name))


class Routing(StoreBase):
    """The store's routing methods (handoff.routing decides when to call them)."""

    # -- agents' profiles -----------------------------------------------------------------

    async def agent_profiles(self) -> list[AgentProfile]:
        """Every enabled agent and supervisor, by name, with their load."""
        return await asyncio.to_thread(self._agent_profiles)

    def _agent_profiles(self) -> list[AgentProfile]:
        with self._engine.connect() as db:
            return _profiles(db)

    async def agent_profile(self, name: str) -> AgentProfile:
        """One enabled agent's profile; UnknownAgent (404) otherwise."""
        return await asyncio.to_thread(self._agent_profile, name)

    def _agent_profile(self, name: str) -> AgentProfile:
        with self._engine.connect() as db:
            return _profile(db, name)

    async def set_agent_routing(
        self, name: str, languages: Sequence[str], topics: Sequence[str], capacity: int
    ) -> AgentProfile:
        """Set what an agent can take and how much at once (a supervisor's call)."""
        return await asyncio.to_thread(
            self._set_agent_routing, name, list(languages), list(topics), capacity
        )

    def _set_agent_routing(
        self, name: str, languages: list[str], topics: list[str], capacity: int
    ) -> AgentProfile:
        with self._write() as db:
            changed = db.execute(
                update(agents)
                .where(agents.c.name == name, agents.c.disabled.is_(False))
                .values(languages=languages, topics=topics, capacity=capacity)
            ).rowcount
            if not changed:
                raise UnknownAgent(name)
            return _profile(db, name)

    async def set_agent_state(
        self, name: str, state: str, now: dt.datetime | None = None
    ) -> AgentProfile:
        """Set an agent available, away or offline; leaving ``available`` withdraws
        their pending offers (handoff.offer_ended, ``withdrawn``)."""
        return await asyncio.to_thread(
            self._set_agent_state, name, state, to_naive_utc(now or utc_now())
        )

    def _set_agent_state(self, name: str, state: str, now: dt.datetime) -> AgentProfile:
        if state not in AGENT_STATES:
            raise ValueError(f"state must be one of {', '.join(AGENT_STATES)}, not {state!r}")
        # The agent first, alone: an offer made after this commit sees the new
        # state under the agent's lock; one made before is withdrawn below, each
        # in its own transaction (handoff first, then agent: see rows).
        with self._write() as db:
            row = lock_agent(db, name)
            if row is None:
                raise UnknownAgent(name)
            if row.state != state:
                values: dict[str, object] = {"state": state, "state_since": now}
                if state == AVAILABLE:
                    values["idle_since"] = now  # idle from now, not from before the break
                db.execute(update(agents).where(agents.c.name == name).values(**values))
        if state != AVAILABLE:
            self._withdraw_offers_of(name)
        return self._agent_profile(name)

    # -- offers ------------------------------------------------------------------------------

    async def routable(self, limit: int = 500) -> list[Handoff]:
        """Waiting handoffs without a pending offer, in queue order (priority, longest wait)."""
        return await asyncio.to_thread(self._routable, limit)

    def _routable(self, limit: int) -> list[Handoff]:
        h = handoffs.c
        with self._engine.connect() as db:
            rows = db.execute(
                select(handoffs)
                .where(h.status == WAITING, h.offered_to.is_(None))
                .order_by(h.priority, h.created_at, h.id)
                .limit(limit)
            ).all()
        return [Handoff.from_row(row) for row in rows]

    async def offer(
        self, handoff_id: int, timeout_s: float, now: dt.datetime | None = None
    ) -> str | None:
        """Offer a waiting handoff to the best agent who can take it (see :func:`ranked`);
        their name, or None when it is not waiting, already offered, or nobody can."""
        return await asyncio.to_thread(
            self._offer, handoff_id, timeout_s, to_naive_utc(now or utc_now())
        )

    def _offer(self, handoff_id: int, timeout_s: float, now: dt.datetime) -> str | None:
        full: set[str] = set()
        while True:
            attempt = self._try_offer(handoff_id, timeout_s, now, full)
            if attempt.full is None:
                return attempt.offered_to
            full.add(attempt.full)

    def _try_offer(
        self, handoff_id: int, timeout_s: float, now: dt.datetime, full: set[str]
    ) -> _Attempt:
        with self._write() as db:
            handoff = lock_handoff(db, handoff_id)
            if handoff.status != WAITING or handoff.offered_to is not None:
                return _Attempt()
            candidates = [p for p in ranked(_profiles(db), handoff) if p.name not in full]
            if not candidates:
                return _Attempt()
            best = candidates[0].name
            row = lock_agent(db, best)
            if row is None or row.state != AVAILABLE:
                return _Attempt(full=best)
            load = agent_loads(db, [best])[best]
            if load >= row.capacity:
                return _Attempt(full=best)
            db.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .values(
                    offered_to=best,
                    offered_at=now,
                    offer_expires_at=now + dt.timedelta(seconds=timeout_s),
                )
            )
            db.execute(update(agents).where(agents.c.name == best).values(idle_since=now))
            emit_handoff(db, HANDOFF_OFFERED, handoff_id)
            return _Attempt(offered_to=best)

    async def accept_offer(
        self, handoff_id: int, agent: str, now: dt.datetime | None = None
    ) -> Handoff:
        """The offered agent takes the handoff (handoff.assigned); HandoffConflict when
        it is not offered to them (any more), or the offer expired."""
        return await asyncio.to_thread(
            self._accept_offer, handoff_id, agent, to_naive_utc(now or utc_now())
        )

    def _accept_offer(self, handoff_id: int, agent: str, now: dt.datetime) -> Handoff:
        with self._write() as db:
            handoff = _offered_to(db, handoff_id, agent)
            assert handoff.offer_expires_at is not None
            if handoff.offer_expires_at <= now:
                raise HandoffConflict("the offer has expired")
            db.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .values(
                    status=ASSIGNED,
                    assigned_to=agent,
                    assigned_at=now,
                    offered_to=None,
                    offered_at=None,
                    offer_expires_at=None,
                )
            )
            emit_handoff(db, HANDOFF_ASSIGNED, handoff_id)
            accepted = read_handoff(db, handoff_id, with_transcript=False)
        assert accepted is not None
        return accepted

    async def decline_offer(self, handoff_id: int, agent: str) -> Handoff:
        """The offered agent declines: it goes to the next one, never back to them."""
        return await asyncio.to_thread(self._decline_offer, handoff_id, agent)

    def _decline_offer(self, handoff_id: int, agent: str) -> Handoff:
        with self._write() as db:
            handoff = _offered_to(db, handoff_id, agent)
            return _end_offer(db, handoff, DECLINED)

    async def expire_offers(self, now: dt.datetime | None = None) -> list[int]:
        """End the offers nobody answered in time; the handoffs' ids."""
        return await asyncio.to_thread(self._expire_offers, to_naive_utc(now or utc_now()))

    def _expire_offers(self, now: dt.datetime) -> list[int]:
        h = handoffs.c
        with self._engine.connect() as db:
            due = (
                db.execute(select(h.id).where(h.status == WAITING, h.offer_expires_at <= now))
                .scalars()
                .all()
            )
        expired = []
        for handoff_id in due:
            # One transaction each: a handoff's lock at a time (see rows).
            with self._write() as db:
                handoff = lock_handoff(db, handoff_id)
                if (
                    handoff.status == WAITING
                    and handoff.offer_expires_at is not None
                    and handoff.offer_expires_at <= now
                ):
                    _end_offer(db, handoff, EXPIRED)
                    expired.append(handoff_id)
        return expired

    async def withdraw_stale_offers(self) -> list[int]:
        """End the offers held by agents no longer available (or disabled); the ids."""
        return await asyncio.to_thread(self._withdraw_offers_of, None)

    def _withdraw_offers_of(self, name: str | None) -> list[int]:
        h = handoffs.c
        query = select(h.id).where(h.status == WAITING, h.offered_to.is_not(None))
        if name is not None:
            query = query.where(h.offered_to == name)
        else:
            # Only the stale ones: a pass of the router reads this every time.
            taking = select(agents.c.name).where(
                agents.c.state == AVAILABLE, agents.c.disabled.is_(False)
            )
            query = query.where(h.offered_to.not_in(taking))
        withdrawn = []
        with self._engine.connect() as db:
            offered = db.execute(query).scalars().all()
        for handoff_id in offered:
            with self._write() as db:
                handoff = lock_handoff(db, handoff_id)
                holder = handoff.offered_to
                if handoff.status != WAITING or holder is None:
                    continue
                row = db.execute(
                    select(agents.c.state).where(
                        agents.c.name == holder, agents.c.disabled.is_(False)
                    )
                ).first()
                if row is None or row.state != AVAILABLE:
                    _end_offer(db, handoff, WITHDRAWN)
                    withdrawn.append(handoff_id)
        return withdrawn

    # -- nobody with the skills ------------------------------------------------------------

    async def mark_skill_notified(self, handoff_id: int, now: dt.datetime | None = None) -> bool:
        """Record that the customer is being told nobody with the skills is there, and
        journal ``handoff.awaiting_skill``; False if already told or no longer waiting."""
        return await asyncio.to_thread(
            self._mark_skill_notified, handoff_id, to_naive_utc(now or utc_now())
        )

    def _mark_skill_notified(self, handoff_id: int, now: dt.datetime) -> bool:
        with self._write() as db:
            changed = db.execute(
                update(handoffs)
                .where(
                    handoffs.c.id == handoff_id,
                    handoffs.c.status == WAITING,
                    handoffs.c.skill_notified_at.is_(None),
                )
                .values(skill_notified_at=now)
            ).rowcount
            if changed:
                handoff = read_handoff(db, handoff_id, with_transcript=False)
                assert handoff is not None
                emit(
                    db,
                    HANDOFF_AWAITING_SKILL,
                    handoff,
                    {
                        "handoff_id": handoff_id,
                        "language": handoff.language,
                        "skills": handoff.skills,
                    },
                )
        return bool(changed)


def _profiles(db: Connection) -> list[AgentProfile]:
    rows = db.execute(
        select(agents).where(agents.c.disabled.is_(False)).order_by(agents.c.name)
    ).all()
    loads = agent_loads(db)
    return [AgentProfile.from_row(row, loads[row.name]) for row in rows]


def _profile(db: Connection, name: str) -> AgentProfile:
    row = db.execute(
        select(agents).where(agents.c.name == name, agents.c.disabled.is_(False))
    ).first()
    if row is None:
        raise UnknownAgent(name)
    return AgentProfile.from_row(row, agent_loads(db, [name])[name])


def _offered_to(db: Connection, handoff_id: int, agent: str) -> Handoff:
    """The handoff, locked, if it is waiting with an offer to ``agent``; HandoffConflict else."""
    handoff = lock_handoff(db, handoff_id)
    if handoff.status != WAITING or handoff.offered_to != agent:
        raise HandoffConflict("the handoff is not offered to you")
    return handoff


def _end_offer(db: Connection, handoff: Handoff, outcome: str) -> Handoff:
    """Clear the pending offer (declined or expired: its agent is passed over for good)."""
    agent = handoff.offered_to
    assert agent is not None
    passed = handoff.passed_over
    if outcome != WITHDRAWN and agent not in passed:
        passed = [*passed, agent]
    db.execute(
        update(handoffs)
        .where(handoffs.c.id == handoff.id)
        .values(offered_to=None, offered_at=None, offer_expires_at=None, passed_over=passed)
    )
    ended = read_handoff(db, handoff.id, with_transcript=False)
    if ended is None:
        raise HandoffNotFound(handoff.id)
    emit(
        db,
        HANDOFF_OFFER_ENDED,
        ended,
        {"handoff": ended.to_json(), "agent": agent, "outcome": outcome},
    )
    return ended

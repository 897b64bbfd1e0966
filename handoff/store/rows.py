"""Reads every part of the store makes inside its own transaction.

Each takes the transaction's connection, so that what a change checks and
what it writes are seen the same way (and, for :func:`lock_handoff` and
:func:`lock_agent`, held).

Lock order: a transaction that locks a handoff and an agent locks the
handoff first, and at most one of each (routing's offers, a claim within
capacity, a close), so no two of them can wait for each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection, Row

from handoff.errors import HandoffNotFound
from handoff.models import ASSIGNED, WAITING, agents, handoffs, transcript_messages
from handoff.store.records import Handoff, Message


def read_handoff(db: Connection, handoff_id: int, with_transcript: bool) -> Handoff | None:
    """The handoff, with its transcript (oldest message first) if asked; None if unknown."""
    row = db.execute(select(handoffs).where(handoffs.c.id == handoff_id)).first()
    if row is None:
        return None
    if not with_transcript:
        return Handoff.from_row(row)
    messages = db.execute(
        select(transcript_messages)
        .where(transcript_messages.c.handoff_id == handoff_id)
        .order_by(transcript_messages.c.timestamp, transcript_messages.c.id)
    ).all()
    return Handoff.from_row(row, [Message.from_row(m) for m in messages])


def lock_handoff(db: Connection, handoff_id: int) -> Handoff:
    """The handoff (no transcript), held until the transaction ends; HandoffNotFound."""
    query = select(handoffs).where(handoffs.c.id == handoff_id)
    if db.dialect.name == "postgresql":
        # Hold the row until commit, so a close cannot slip in between the
        # check and the write (SQLite's BEGIN IMMEDIATE already serializes).
        query = query.with_for_update()
    row = db.execute(query).first()
    if row is None:
        raise HandoffNotFound(handoff_id)
    return Handoff.from_row(row)


def read_message(db: Connection, message_id: int) -> Message:
    """A message known to exist (just written, or named by a row that refers to it)."""
    row = db.execute(
        select(transcript_messages).where(transcript_messages.c.id == message_id)
    ).one()
    return Message.from_row(row)


def lock_agent(db: Connection, name: str) -> Row | None:
    """The enabled agent's row, held until the transaction ends; None if unknown or disabled.

    Whoever adds to an agent's load (an offer, a claim within capacity) holds
    this lock while counting it (:func:`agent_loads`), so two such changes
    count one after the other: on PostgreSQL the second's count, a statement
    run after the first committed, sees the first's (READ COMMITTED takes a
    snapshot per statement); SQLite's BEGIN IMMEDIATE serializes writers anyway.
    """
    query = select(agents).where(agents.c.name == name, agents.c.disabled.is_(False))
    if db.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.execute(query).first()


def agent_loads(db: Connection, names: Collection[str] | None = None) -> Counter[str]:
    """Per agent: the handoffs assigned to them plus those offered to them (waiting).

    One statement, so one snapshot on PostgreSQL: counted in two, an offer
    accepted between them (offered, then held) would be counted in neither.
    """
    h = handoffs.c
    holder = case((h.status == ASSIGNED, h.assigned_to), else_=h.offered_to)
    query = select(holder, func.count()).where(
        or_(
            and_(h.status == ASSIGNED, h.assigned_to.is_not(None)),
            and_(h.status == WAITING, h.offered_to.is_not(None)),
        )
    )
    if names is not None:
        query = query.where(holder.in_(list(names)))
    loads: Counter[str] = Counter()
    for name, count in db.execute(query.group_by(holder)).all():
        loads[name] += int(count)
    return loads

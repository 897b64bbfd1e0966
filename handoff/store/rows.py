"""Reads every part of the store makes inside its own transaction.

Each takes the transaction's connection, so that what a change checks and
what it writes are seen the same way (and, for :func:`lock_handoff`, held).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from handoff.errors import HandoffNotFound
from handoff.models import handoffs, transcript_messages
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

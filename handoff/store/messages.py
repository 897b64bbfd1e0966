"""Transcripts: customers' and the bot's messages, agents' replies and notes, delivery status.

Appending is idempotent on ``source_event_id`` (a unique column: a retried
append finds the earlier message), and, when asked, on role, text and time
(``unless_present``). Agents write only to a handoff they hold (a supervisor
to any assigned one), checked in the transaction that writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from handoff.errors import HandoffConflict
from handoff.models import (
    AGENT,
    ASSIGNED,
    CLOSED,
    CUSTOMER,
    DELIVERY_PENDING,
    handoffs,
    transcript_messages,
    utc_now,
)
from handoff.store.engine import StoreBase
from handoff.store.journal import MESSAGE_UPDATED, emit_message
from handoff.store.records import Agent, Message, NewMessage, check_role
from handoff.store.rows import lock_handoff, read_handoff, read_message
from plumbing.clock import to_naive_utc


def insert_message(
    db: Connection,
    handoff_id: int,
    message: NewMessage,
    *,
    internal: bool = False,
    author: str | None = None,
    delivery: str | None = None,
) -> int:
    """Write a message to the transcript (journaled by the caller); its id."""
    row_id = db.execute(
        insert(transcript_messages).values(
            handoff_id=handoff_id,
            role=message.role,
            text=message.text,
            timestamp=to_naive_utc(message.timestamp),
            source_event_id=message.source_event_id,
            internal=internal,
            author=author,
            delivery=delivery,
        )
    ).inserted_primary_key[0]
    return int(row_id)


class Messages(StoreBase):
    """The store's transcript methods."""

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
            NewMessage(role, text, to_naive_utc(timestamp or utc_now()), source_event_id),
            unless_present,
        )

    def _append_message(
        self, handoff_id: int, message: NewMessage, unless_present: bool = False
    ) -> tuple[Message, bool]:
        check_role(message.role)
        try:
            with self._write() as db:
                handoff = lock_handoff(db, handoff_id)
                if handoff.status == CLOSED:
                    raise HandoffConflict("the handoff is closed")
                if unless_present:
                    present = _same_message(db, handoff_id, message)
                    if present is not None:
                        return present, False
                message_id = insert_message(db, handoff_id, message)
                if message.role == CUSTOMER:
                    _touch_customer(db, handoff_id, message.timestamp)
                emit_message(db, handoff, message_id)
        except IntegrityError:
            with self._engine.connect() as db:
                row = db.execute(
                    select(transcript_messages).where(
                        transcript_messages.c.source_event_id == message.source_event_id
                    )
                ).first()
            if row is None:
                raise
            return Message.from_row(row), False
        return self._message(message_id), True

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
            self._agent_message, handoff_id, agent, text, internal, to_naive_utc(now or utc_now())
        )

    def _agent_message(
        self, handoff_id: int, agent: Agent, text: str, internal: bool, now: dt.datetime
    ) -> Message:
        with self._write() as db:
            handoff = lock_handoff(db, handoff_id)
            if handoff.status != ASSIGNED:
                raise HandoffConflict(f"the handoff is {handoff.status}, not assigned")
            if handoff.assigned_to != agent.name and not agent.is_supervisor:
                raise HandoffConflict("the handoff is not assigned to you")
            message_id = insert_message(
                db,
                handoff_id,
                NewMessage(AGENT, text, now),
                internal=internal,
                author=agent.name,
                delivery=None if internal else DELIVERY_PENDING,
            )
            emit_message(db, handoff, message_id)
        return self._message(message_id)

    async def set_delivery(self, message_id: int, delivery: str) -> Message:
        """Record whether an agent's reply reached the customer's channel, and journal
        ``message.updated`` (the message as it now is) when that changed it."""
        return await asyncio.to_thread(self._set_delivery, message_id, delivery)

    def _set_delivery(self, message_id: int, delivery: str) -> Message:
        m = transcript_messages.c
        with self._write() as db:
            changed = db.execute(
                update(transcript_messages)
                .where(m.id == message_id, or_(m.delivery.is_(None), m.delivery != delivery))
                .values(delivery=delivery)
            ).rowcount
            message = read_message(db, message_id)
            if changed:
                handoff = read_handoff(db, message.handoff_id, with_transcript=False)
                assert handoff is not None  # handoffs are never deleted
                emit_message(db, handoff, message_id, MESSAGE_UPDATED)
        return message

    def _message(self, message_id: int) -> Message:
        with self._engine.connect() as db:
            return read_message(db, message_id)


def _same_message(db: Connection, handoff_id: int, message: NewMessage) -> Message | None:
    # A millisecond either way: times travel as floats and ISO strings.
    at = to_naive_utc(message.timestamp)
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
    return None if row is None else Message.from_row(row)


def _touch_customer(db: Connection, handoff_id: int, at: dt.datetime) -> None:
    last = handoffs.c.last_customer_message_at
    db.execute(
        update(handoffs)
        .where(handoffs.c.id == handoff_id, or_(last.is_(None), last < at))
        .values(last_customer_message_at=at)
    )

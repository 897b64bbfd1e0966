"""The journal ``handoff_events``: written with every change, read by the event stream.

Every change of the store also writes its event to ``handoff_events`` in the
same transaction (a transactional outbox, :func:`emit`), so a reader of that
journal (the live event stream, the contact-center adapters) can neither miss
a committed change nor see one that was rolled back. Once such a transaction
has committed, the store tells its journal listeners the latest id it wrote
(handoff.store.engine). Readers page through it with
:meth:`JournalReads.events_after`, handing on what :func:`settled` allows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from handoff.models import handoff_events, utc_now
from handoff.store.engine import StoreBase, note_journaled
from handoff.store.records import Handoff, JournalEvent
from handoff.store.rows import read_handoff, read_message

# The journal's event types (handoff.events documents what each carries).
HANDOFF_CREATED = "handoff.created"
HANDOFF_ASSIGNED = "handoff.assigned"
HANDOFF_CLOSED = "handoff.closed"
# A handoff waited past the pickup timeout and its customer was told (handoff.pickup).
HANDOFF_OVERDUE = "handoff.overdue"
# Routing (handoff.routing): a handoff offered to an agent ({"handoff"}, with
# offered_to and offer_expires_at); the offer ended without being accepted
# ({"handoff", "agent", "outcome": declined|expired|withdrawn}; accepted is
# handoff.assigned); the customer was told nobody with the skills is there
# ({"handoff_id", "language", "skills"}).
HANDOFF_OFFERED = "handoff.offered"
HANDOFF_OFFER_ENDED = "handoff.offer_ended"
HANDOFF_AWAITING_SKILL = "handoff.awaiting_skill"
MESSAGE_CREATED = "message.created"
# A message changed after it was created: an agent's reply was sent, or failed.
MESSAGE_UPDATED = "message.updated"

# Journal ids are handed out at insert, not at commit: on PostgreSQL a
# transaction can commit id 7 after id 8 was committed and read. Readers stop
# at such a gap until it is this old (every store transaction is short: an id
# still missing by then was rolled back). SQLite hands ids out one writer at
# a time, so its journal has no gaps to wait at.
GAP_GRACE_S = 5.0


# -- writing, inside the change's transaction ----------------------------------------------


def emit(db: Connection, type_: str, handoff: Handoff, payload: dict[str, Any]) -> None:
    """Journal a change, inside the transaction that makes it.

    The row stores the event's data as it is now, rather than ids to
    render at read time: an event says what the change was when it was
    made (``handoff.assigned`` replayed after a close still shows the
    assignment, not the closed handoff), whoever reads it and however
    late; and a reader needs no further query per event. The cost is
    space (``handoff.created`` carries the transcript, which the
    adapters send on): see handoff.events on retention.
    """
    event_id = db.execute(
        insert(handoff_events).values(
            type=type_,
            handoff_id=handoff.id,
            conversation_id=handoff.conversation_id,
            payload=json.loads(json.dumps(payload)),
            created_at=utc_now(),
        )
    ).inserted_primary_key[0]
    # After the commit, the listeners hear of the latest id.
    note_journaled(db, int(event_id))


def emit_handoff(db: Connection, type_: str, handoff_id: int) -> None:
    """Journal ``{"handoff": ...}``: the handoff as this transaction has made it."""
    handoff = read_handoff(db, handoff_id, with_transcript=False)
    assert handoff is not None
    emit(db, type_, handoff, {"handoff": handoff.to_json()})


def emit_message(
    db: Connection, handoff: Handoff, message_id: int, type_: str = MESSAGE_CREATED
) -> None:
    """Journal ``{"handoff_id", "message"}``: the message as this transaction has made it."""
    message = read_message(db, message_id)
    emit(db, type_, handoff, {"handoff_id": handoff.id, "message": message.to_json()})


# -- reading -------------------------------------------------------------------------------


class _Journaled(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> dt.datetime: ...


J = TypeVar("J", bound=_Journaled)


def settled(
    events: Sequence[J], after: int, now: dt.datetime, grace_s: float = GAP_GRACE_S
) -> list[J]:
    """The leading ``events`` (read after id ``after``, in id order) a reader may hand on
    now: all of them, unless an id is missing and the event after the gap is younger
    than ``grace_s`` (the missing one may still commit: read again later)."""
    grace = dt.timedelta(seconds=grace_s)
    ready: list[J] = []
    expected = after + 1
    for journaled in events:
        if journaled.id != expected and now - journaled.created_at < grace:
            break
        ready.append(journaled)
        expected = journaled.id + 1
    return ready


class JournalReads(StoreBase):
    """The store's reads of its journal."""

    async def journal_bounds(self) -> tuple[int | None, int]:
        """The journal's oldest id (None while it is empty) and its latest (0 while empty)."""
        return await asyncio.to_thread(self._journal_bounds)

    def _journal_bounds(self) -> tuple[int | None, int]:
        with self._engine.connect() as db:
            row = db.execute(
                select(func.min(handoff_events.c.id), func.max(handoff_events.c.id))
            ).one()
        oldest, latest = row
        return (None if oldest is None else int(oldest)), int(latest or 0)

    async def events_after(self, event_id: int, limit: int = 100) -> list[JournalEvent]:
        """Journal events with an id above ``event_id``, oldest first.

        Committed ones only, but on PostgreSQL not necessarily all of them yet:
        see :func:`settled` for the gaps a reader must wait at.
        """
        return await asyncio.to_thread(self._events_after, event_id, limit)

    def _events_after(self, event_id: int, limit: int) -> list[JournalEvent]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(handoff_events)
                .where(handoff_events.c.id > event_id)
                .order_by(handoff_events.c.id)
                .limit(limit)
            ).all()
        return [JournalEvent.from_row(row) for row in rows]

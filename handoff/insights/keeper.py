"""Conversation records kept up to date from Rasa's event stream: :class:`RecordKeeper`.

Both broker consumers (handoff.broker) hand the keeper every event they
read, in order, before they move their cursor or acknowledge: so a record
is as durable as a transcript line. The keeper

1. stores each event once in ``insight_events`` (an event seen before, by
   its :attr:`StreamEvent.fingerprint`, is skipped: a broker's redelivery, or
   the backfill's read of the tracker store), so the records can be folded
   again without Rasa's stores, after a change of the fold or a restart;
2. folds again each conversation whose turn ended (:func:`ends_turn`), or
   whose customer wrote to a person during a handoff, with
   :func:`handoff.insights.fold.build_records` (the same fold as the
   export, with the product catalogue it is given), joins in what the
   handoff database knows of its handoffs (the reason, the wait in the
   queue and the time with a person), and upserts its records, one row per
   session, in ``conversation_records``.

A session's outcome depends on time as well as events: the last one is
``ongoing`` until it has been quiet ``quiet_s``. :meth:`RecordKeeper.settle`
folds again the conversations whose records are ongoing and quiet by now;
the service runs it every minute.

Folding runs the anger detector over each customer message of the
conversation: CPU work, so every public method here is synchronous and the
service calls it in a worker thread (``asyncio.to_thread``), never on the
event loop. A conversation is folded whole: a sender id that comes back for
years makes that slower, which retention (handoff.retention) bounds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from handoff.escalation import AngerDetector
from handoff.inputs import storable
from handoff.insights.fold import build_records
from handoff.insights.outbox import journal_change
from handoff.insights.products import Catalogue
from handoff.insights.record import QUIET_S, ConversationRecord, seconds_between
from handoff.models import (
    AGENT,
    conversation_records,
    handoffs,
    insight_events,
    transcript_messages,
)
from plumbing.clock import to_naive_utc, utc_now
from plumbing.db import write_transaction
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

# Events of a batch looked up for duplicates in one query at most this many.
LOOKUP_CHUNK = 500
SETTLE_EVERY_S = 60.0
OUTSIDE_TURN_SLOTS = frozenset({"csat_score", "csat_comment", "sms_opted_out"})


@dataclass(frozen=True)
class StreamEvent:
    """One of Rasa's serialised events, as a broker consumer or the backfill read it."""

    conversation_id: str
    event: Mapping[str, Any]

    @property
    def fingerprint(self) -> str:
        """The same for the same event, wherever it was read.

        Rasa's broker adds ``sender_id`` to the event its tracker store
        keeps; otherwise both hold ``event.as_dict()``. A hash of the
        conversation and the rest, keys sorted: a broker's redelivery and a
        backfill from the tracker store of events the stream delivered are
        both skipped. (Two events of one conversation alike to the
        microsecond of their time would be kept once, and fold the same.)
        """
        event = {k: v for k, v in self.event.items() if k != "sender_id"}
        canonical = json.dumps([self.conversation_id, event], sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def stream_event(event: Mapping[str, Any], sender_id: str | None = None) -> StreamEvent | None:
    """One of Rasa's events as the keeper takes it; None without a conversation.

    ``sender_id``: the conversation, when the source keeps it beside the
    event (a SQL table's column); else the event's own, which Rasa's tracker
    store adds to what it publishes.
    """
    conversation_id = sender_id or event.get("sender_id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return None
    return StreamEvent(storable(conversation_id), event)


def ends_turn(event: StreamEvent) -> bool:
    """Whether the conversation is worth folding again after ``event``.

    Rasa publishes a turn's events one by one (RabbitMQ: a message each) and
    ends every turn by listening: folding at each event would fold a turn ten
    times. A pause or resume (a handoff), and a session's start, change the
    outcome without a turn, and so do the slots the channels set outside
    one (a survey's answer, an opt-out).
    """
    kind = event.event.get("event")
    if kind == "slot":
        # A survey's answer or an SMS opt-out, set by the channels outside any turn.
        return event.event.get("name") in OUTSIDE_TURN_SLOTS
    if kind == "bot":
        metadata = event.event.get("metadata")
        return isinstance(metadata, Mapping) and metadata.get("survey") == "question"
    return (kind == "action" and event.event.get("name") == "action_listen") or kind in (
        "pause",
        "resume",
        "session_started",
        "restart",
    )


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


class RecordKeeper:
    """Stores the stream's events and keeps one record per session from them."""

    def __init__(
        self,
        engine: Engine,
        *,
        quiet_s: float = QUIET_S,
        detector: AngerDetector | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        """``catalogue``: the products to find (``HANDOFF_PRODUCTS_FILE``'s); the shipped one
        without."""
        self._engine = engine
        self._quiet_s = quiet_s
        self._detector = detector
        self._catalogue = catalogue

    # -- from the stream -------------------------------------------------------------------

    def add(self, events: Sequence[StreamEvent], as_of: datetime | None = None) -> int:
        """Store the new ones of ``events`` and fold again the conversations whose turn ended.

        Returns how many were new. Idempotent: the same events again change
        nothing. A store error propagates, and the consumer reads the batch
        again.
        """
        with write_transaction(self._engine) as db:
            new = self._new_events(db, events)
            if new:
                db.execute(
                    insert(insight_events),
                    [
                        {
                            "conversation_id": e.conversation_id,
                            "fingerprint": fingerprint,
                            "data": json.dumps(e.event),
                        }
                        for fingerprint, e in new.items()
                    ],
                )
            conversations = list(
                dict.fromkeys(e.conversation_id for e in new.values() if ends_turn(e))
            )
            conversations += self._told_a_person(db, new.values(), set(conversations))
            for conversation_id in conversations:
                self._refold(db, conversation_id, as_of)
        return len(new)

    def _told_a_person(
        self, db: Connection, events: Iterable[StreamEvent], folding: set[str]
    ) -> list[str]:
        """Conversations, not folded yet, whose new events end with a message to a person.

        A message written during a handoff ends no turn: Rasa, paused,
        predicts nothing after it (no ``action_listen``). Without this, what
        the customer told the agent (a product, how they feel) would reach
        the record only at the handoff's close (``resume``). A conversation
        whose latest record is handed off is folded again; any other's
        message is followed by its turn's end.
        """
        last: dict[str, StreamEvent] = {}
        for event in events:
            last[event.conversation_id] = event
        waiting = [
            cid for cid, e in last.items() if e.event.get("event") == "user" and cid not in folding
        ]
        handed_off: set[str] = set()
        for start in range(0, len(waiting), LOOKUP_CHUNK):
            chunk = waiting[start : start + LOOKUP_CHUNK]
            latest = (
                select(
                    conversation_records.c.conversation_id,
                    func.max(conversation_records.c.started_at).label("started_at"),
                )
                .where(conversation_records.c.conversation_id.in_(chunk))
                .group_by(conversation_records.c.conversation_id)
                .subquery()
            )
            handed_off.update(
                db.execute(
                    select(conversation_records.c.conversation_id).join(
                        latest,
                        and_(
                            conversation_records.c.conversation_id == latest.c.conversation_id,
                            conversation_records.c.started_at == latest.c.started_at,
                            conversation_records.c.outcome == "handed_off",
                        ),
                    )
                ).scalars()
            )
        return sorted(handed_off)

    def _new_events(self, db: Connection, events: Sequence[StreamEvent]) -> dict[str, StreamEvent]:
        """The events not stored yet, by fingerprint, in order (twice in ``events``: once)."""
        fresh: dict[str, StreamEvent] = {}
        for event in events:
            fresh.setdefault(event.fingerprint, event)
        keys = list(fresh)
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            for seen in db.execute(
                select(insight_events.c.fingerprint).where(insight_events.c.fingerprint.in_(chunk))
            ).scalars():
                del fresh[seen]
        return fresh

    # -- as time passes --------------------------------------------------------------------

    def settle(self, as_of: datetime | None = None) -> int:
        """Fold again the conversations whose ongoing session is quiet by ``as_of``."""
        now = as_of or datetime.now(timezone.utc)
        quiet_since = to_naive_utc(now) - timedelta(seconds=self._quiet_s)
        with write_transaction(self._engine) as db:
            conversations = (
                db.execute(
                    select(conversation_records.c.conversation_id)
                    .where(
                        conversation_records.c.outcome == "ongoing",
                        conversation_records.c.ended_at <= quiet_since,
                    )
                    .distinct()
                )
                .scalars()
                .all()
            )
            for conversation_id in conversations:
                self._refold(db, conversation_id, now)
        return len(conversations)

    def refold_all(self, as_of: datetime | None = None) -> int:
        """Fold every stored conversation again (after a change of the fold)."""
        with write_transaction(self._engine) as db:
            conversations = (
                db.execute(select(insight_events.c.conversation_id).distinct()).scalars().all()
            )
            for conversation_id in conversations:
                self._refold(db, conversation_id, as_of)
        return len(conversations)

    # -- reading ---------------------------------------------------------------------------

    def records(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[ConversationRecord]:
        """The records of sessions that started in [``since``, ``until``), oldest first."""
        query = select(conversation_records.c.record).order_by(
            conversation_records.c.started_at, conversation_records.c.conversation_id
        )
        if since is not None:
            query = query.where(conversation_records.c.started_at >= to_naive_utc(since))
        if until is not None:
            query = query.where(conversation_records.c.started_at < to_naive_utc(until))
        with self._engine.connect() as db:
            for (data,) in db.execute(query):
                yield ConversationRecord.from_json(data)

    def latest(
        self, conversation_id: str, started_by: datetime | None = None
    ) -> ConversationRecord | None:
        """The conversation's latest record, of a session started by ``started_by`` if given."""
        query = (
            select(conversation_records.c.record)
            .where(conversation_records.c.conversation_id == conversation_id)
            .order_by(conversation_records.c.started_at.desc())
            .limit(1)
        )
        if started_by is not None:
            query = query.where(conversation_records.c.started_at <= to_naive_utc(started_by))
        with self._engine.connect() as db:
            data = db.execute(query).scalar_one_or_none()
        return None if data is None else ConversationRecord.from_json(data)

    # -- folding ---------------------------------------------------------------------------

    def _refold(self, db: Connection, conversation_id: str, as_of: datetime | None) -> None:
        events = [
            json.loads(data)
            for data in db.execute(
                select(insight_events.c.data)
                .where(insight_events.c.conversation_id == conversation_id)
                .order_by(insight_events.c.id)
            ).scalars()
        ]
        now = as_of or datetime.now(timezone.utc)
        records = build_records(
            conversation_id, events, as_of=now, quiet_s=self._quiet_s,
            detector=self._detector, catalogue=self._catalogue,
        )  # fmt: skip
        records = with_handoffs(records, self._handoffs(db, conversation_id))
        for record in records:
            self._upsert(db, record)

    def _handoffs(self, db: Connection, conversation_id: str) -> list[Mapping[str, Any]]:
        # A person's first reply to the customer (not an internal note).
        first_reply = (
            select(func.min(transcript_messages.c.timestamp))
            .where(
                transcript_messages.c.handoff_id == handoffs.c.id,
                transcript_messages.c.role == AGENT,
                transcript_messages.c.internal.is_(False),
            )
            .scalar_subquery()
        )
        return [
            row._mapping
            for row in db.execute(
                select(
                    handoffs.c.reasons,
                    handoffs.c.created_at,
                    handoffs.c.assigned_at,
                    handoffs.c.closed_at,
                    first_reply.label("first_reply_at"),
                )
                .where(handoffs.c.conversation_id == conversation_id)
                .order_by(handoffs.c.created_at)
            )
        ]

    def _upsert(self, db: Connection, record: ConversationRecord) -> None:
        key = and_(
            conversation_records.c.conversation_id == record.conversation_id,
            conversation_records.c.started_at == to_naive_utc(record.started_at),
        )
        values = {
            "ended_at": to_naive_utc(record.ended_at),
            "channel": record.channel,
            "outcome": record.outcome,
            "record": record.to_json(),
            "updated_at": utc_now(),
        }
        # The row as it was: the CRM's outbox journals what changed (handoff.insights.outbox).
        previous = db.execute(select(conversation_records.c.record).where(key)).scalar_one_or_none()
        # One writer (the service's consumer), so read-then-write does not race.
        if previous is not None:
            db.execute(update(conversation_records).where(key).values(**values))
        else:
            db.execute(
                insert(conversation_records).values(
                    conversation_id=record.conversation_id,
                    started_at=to_naive_utc(record.started_at),
                    **values,
                )
            )
        # In this transaction: the event commits with the record, or neither does.
        journal_change(db, previous, record)

    def settling(self, interval_s: float = SETTLE_EVERY_S) -> Worker:
        """A background worker running :meth:`settle` every ``interval_s``, in a thread."""

        async def step() -> None:
            await asyncio.to_thread(self.settle)

        return Worker("records-settle", step, interval_s=interval_s)


def with_handoffs(
    records: Sequence[ConversationRecord], rows: Iterable[Mapping[str, Any]]
) -> list[ConversationRecord]:
    """``records`` with their handoff's reason, wait, first reply and handle times joined in.

    A handed-off session's handoff is the first one created in it: from its
    start until the next session's (the handoff service records it moments
    after ``action_handoff``). Times not reached yet stay None: a wait is
    known once an agent took the handoff, a handle time once it closed.
    """
    rows = list(rows)
    joined = []
    for index, record in enumerate(records):
        following = records[index + 1].started_at if index + 1 < len(records) else None
        match = None
        if record.outcome == "handed_off":
            match = next(
                (
                    row
                    for row in rows
                    if _aware(row["created_at"]) >= record.started_at  # type: ignore[operator]
                    and (following is None or _aware(row["created_at"]) < following)  # type: ignore[operator]
                ),
                None,
            )
        if match is None:
            joined.append(record)
            continue
        created, assigned, replied, closed = (
            _aware(match[k]) for k in ("created_at", "assigned_at", "first_reply_at", "closed_at")
        )
        reasons = match["reasons"] or []
        joined.append(
            replace(
                record,
                handoff_reason=str(reasons[0]) if reasons else None,
                handoff_wait_s=seconds_between(created, assigned),
                agent_first_response_s=seconds_between(created, replied),
                handoff_handle_s=seconds_between(assigned, closed),
            )
        )
    return joined

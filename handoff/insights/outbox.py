"""The records' outbox: a finished conversation record, journaled for the CRM in the
transaction that keeps it (:func:`journal_change`).

:meth:`handoff.insights.keeper.RecordKeeper._upsert` calls it with the
record's row as it was and as it is now, on the connection of the upsert, so
the event commits with the record or not at all (a transactional outbox,
like ``handoff_events`` for the handoffs). What it writes to
``record_events``:

- ``record.finished``: the session's first event: its record is final
  (its outcome is no longer ``ongoing``; inserted final, or settled after a
  quiet hour) and nothing was journaled for the session before;
- ``record.updated``: a final record whose JSON differs from the last one
  journaled for its session: a late customer-satisfaction score, a
  handoff's times joined in, a refold after a change of the fold;
- nothing: an ongoing record; a record equal to the last one journaled (a
  broker's redelivery, a refold that changed nothing); or nobody reads the
  outbox (below).

``payload`` is ``{"record_id", "record"}``: :meth:`ConversationRecord.to_json`
as the records' table holds it, personal data and all; the CRM webhook
(handoff.integrations.records) scrubs it when it sends it, by
``HANDOFF_EXPORT_SCRUB``, as the records' download does, so both follow the
one setting. :func:`record_id` is stable: the same for a session's every
event, whatever the scrub setting, and names nobody.

**Why a table of its own, not the journal ``handoff_events``.** That journal
is the desk's live stream (``GET /api/events``) and the contact centers'
feed: every one of its readers would have to learn to skip records, and one
that did not (a new adapter, the stream) would show a CRM's data to agents
or send it to a contact center. Its ids are the stream's ``Last-Event-ID``,
so records would count against a reconnecting desk's catch-up; its
``handoff_id`` is NOT NULL (a record may have no handoff); retention prunes
it handoff by handoff. And its readers step over an id still missing after
:data:`handoff.store.GAP_GRACE_S` (5 s), on the promise that every store
transaction is short, which the keeper's are not (it folds whole
conversations, and ``refold_all`` all of them, in one transaction). What is
shared is the delivery, not the table: handoff.integrations.journals
describes both tables to the one delivery queue (cursor in
``integration_cursors``, queue in ``integration_deliveries``), dispatcher
(retries, backoff, dead letters) and admin routes.

**Ids commit in order.** On PostgreSQL a transaction takes a lock
(``pg_advisory_xact_lock``) before its first insert here and holds it to its
commit, so an id is never visible before a lower one still committing: a
gap is a rollback, never a long fold in progress. SQLite has one writer at
a time anyway.

**Written only while someone reads it**: while a cursor of the records
webhook exists (:data:`handoff.models.RECORD_EVENT_READERS`; it is made the
first time the adapter runs, at the end of the journal). Before that an
event would never be sent, so writing it would only keep another copy of
customers' data; a removed adapter's cursor must be deleted, as for the
handoffs' journal (handoff.retention). A session that finished before the
webhook was turned on is sent as ``record.finished`` the next time its
record changes.

**Forgotten like the records.** Retention (handoff.retention) deletes the
rows of sessions that ended before its cutoff, with their deliveries
(:func:`forget_ended`); the privacy erase (scripts.privacy) finds a
customer's rows by their ``conversation_id``, the sender id as it is.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from handoff.insights.record import ConversationRecord
from handoff.models import (
    RECORD_EVENT_READERS,
    RECORD_FINISHED,
    RECORD_UPDATED,
    integration_cursors,
    integration_deliveries,
    record_events,
    utc_now,
)
from plumbing.clock import to_naive_utc
from plumbing.scrub import scrub_identifier

ONGOING = "ongoing"
# uuid5's namespace for record ids: fixed forever, or every id changes.
RECORD_ID_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-5b7a-9c41-2e5d7f0a9b13")
# PostgreSQL's advisory lock that orders the outbox's writers (a 32-bit key).
WRITERS_LOCK = zlib.crc32(b"handoff.record_events")

_r = record_events.c


def record_id(conversation_id: str, started_at: str) -> str:
    """The session's id for the CRM: ``uuid5(RECORD_ID_NAMESPACE, "<id>|<started_at>")``.

    ``<id>`` is the conversation id as the scrubbed export shows it
    (:func:`plumbing.scrub.scrub_identifier`: an SMS number hashed), and
    ``<started_at>`` the record's ``started_at`` as its JSON gives it. The
    same for every event of the session, with or without scrubbing, and it
    names nobody.
    """
    return str(uuid.uuid5(RECORD_ID_NAMESPACE, f"{scrub_identifier(conversation_id)}|{started_at}"))


def journal_change(
    db: Connection, previous: Mapping[str, Any] | None, record: ConversationRecord
) -> str | None:
    """Journal the record's change, on ``db`` (the upsert's transaction); the type written.

    ``previous``: the row's JSON before the upsert (None: it was inserted).
    """
    if record.outcome == ONGOING:
        return None
    now_json = record.to_json()
    if previous is not None and previous.get("outcome") != ONGOING and previous == now_json:
        return None  # final before, and unchanged: the common case, without a query
    if not _read(db):
        return None
    _take_writers_lock(db)
    started = to_naive_utc(record.started_at)
    last = db.execute(
        select(record_events.c.payload)
        .where(_r.conversation_id == record.conversation_id, _r.started_at == started)
        .order_by(_r.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if last is not None and last.get("record") == now_json:
        return None
    kind = RECORD_FINISHED if last is None else RECORD_UPDATED
    db.execute(
        insert(record_events).values(
            type=kind,
            conversation_id=record.conversation_id,
            started_at=started,
            ended_at=to_naive_utc(record.ended_at),
            payload={
                "record_id": record_id(record.conversation_id, now_json["started_at"]),
                "record": now_json,
            },
            created_at=utc_now(),
        )
    )
    return kind


def _read(db: Connection) -> bool:
    """Whether an adapter reads the outbox (has a cursor on it)."""
    reader = db.execute(
        select(integration_cursors.c.adapter)
        .where(integration_cursors.c.adapter.in_(RECORD_EVENT_READERS))
        .limit(1)
    ).scalar_one_or_none()
    return reader is not None


def _take_writers_lock(db: Connection) -> None:
    """PostgreSQL: wait for the outbox's other writers to commit (see the module)."""
    if db.dialect.name == "postgresql":
        db.execute(select(func.pg_advisory_xact_lock(WRITERS_LOCK)))


def forget_ended(db: Connection, cutoff: datetime, limit: int) -> tuple[int, int, int]:
    """Delete up to ``limit`` rows of sessions that ended before ``cutoff`` (naive UTC),
    with the CRM webhook's deliveries of them, sent or not (handoff.retention).

    The newest row stays, whatever its age: SQLite would hand its id out
    again, to a row the readers' cursors have passed. Returns the rows found,
    and the deliveries and rows deleted.
    """
    d = integration_deliveries.c
    newest = select(func.max(_r.id)).scalar_subquery()
    ids = [
        int(i)
        for i in db.execute(
            select(_r.id).where(_r.ended_at < cutoff, _r.id != newest).order_by(_r.id).limit(limit)
        ).scalars()
    ]
    if not ids:
        return 0, 0, 0
    readers = d.adapter.in_(RECORD_EVENT_READERS)
    deliveries = db.execute(delete(integration_deliveries).where(readers, d.event_id.in_(ids)))
    events = db.execute(delete(record_events).where(_r.id.in_(ids)))
    return len(ids), deliveries.rowcount, events.rowcount

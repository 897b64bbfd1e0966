"""The outboxes the adapters read, described once for the delivery queue: :class:`Journal`.

Two tables hold events to send, each written in the transaction of its change:

- ``handoff_events`` (:data:`HANDOFFS`): the handoffs' journal, which the
  live event stream reads too (handoff.events). The contact centers' adapters
  (``webhook``, ``zendesk``) read it.
- ``record_events`` (:data:`RECORDS`): finished conversation records
  (handoff.insights.outbox says why they have a table of their own). Only
  the adapters of :data:`handoff.models.RECORD_EVENT_READERS` read it: the
  CRM webhook (handoff.integrations.records).

Which one an adapter reads follows from its name (:func:`journal_of`), so the
queue's rows (``integration_cursors``, ``integration_deliveries``, keyed by
adapter) need no column to say it, and the operators' routes work unchanged.
Both tables have ``id``, ``type``, ``conversation_id``, ``payload`` and
``created_at``; a record's event has no handoff: its ``handoff_id`` is
:data:`NO_HANDOFF` (0, never a handoff's id) in the event and the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from handoff.models import RECORD_EVENT_READERS, handoff_events, record_events
from handoff.store import JournalEvent

NO_HANDOFF = 0


@dataclass(frozen=True)
class Journal:
    """One outbox table, and the adapters that read it."""

    table: Table
    # The adapters that read it; None: every adapter not named by another journal.
    readers: tuple[str, ...] | None

    @property
    def has_handoffs(self) -> bool:
        return "handoff_id" in self.table.c

    def event(self, row: Row) -> JournalEvent:
        """A row of the table, as the adapters take it."""
        handoff_id = int(row.handoff_id) if self.has_handoffs else NO_HANDOFF
        return JournalEvent(
            row.id, row.type, handoff_id, row.conversation_id, dict(row.payload), row.created_at
        )

    def read_by(self, adapter: Column[str]) -> ColumnElement[bool]:
        """Whether the adapter named in ``adapter`` reads this journal (a SQL condition)."""
        if self.readers is not None:
            return adapter.in_(self.readers)
        return adapter.not_in(_NAMED)


HANDOFFS = Journal(handoff_events, readers=None)
RECORDS = Journal(record_events, readers=RECORD_EVENT_READERS)
JOURNALS = (HANDOFFS, RECORDS)
_NAMED = tuple(name for journal in JOURNALS for name in journal.readers or ())


def journal_of(adapter: str) -> Journal:
    """The journal ``adapter`` reads."""
    for journal in JOURNALS:
        if journal.readers is not None and adapter in journal.readers:
            return journal
    return HANDOFFS

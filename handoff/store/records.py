"""What the store hands out and takes in: handoffs, messages, journal events, agents.

Frozen dataclasses, built from rows by :meth:`Handoff.from_row` and
:meth:`Message.from_row`; ``to_json()`` is their form in the API, the event
stream and the journal, with times as ISO strings in UTC (:func:`iso`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Row

from handoff.models import ROLES, SUPERVISOR_ROLE


def iso(value: dt.datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with ``+00:00``; None stays None."""
    return None if value is None else value.replace(tzinfo=dt.timezone.utc).isoformat()


def check_role(role: str) -> None:
    """ValueError unless ``role`` is a transcript role (customer, bot, agent)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


@dataclass(frozen=True)
class NewMessage:
    """A message to record: what the bot's outbox sends with a new handoff."""

    role: str
    text: str
    timestamp: dt.datetime
    source_event_id: str | None = None


@dataclass(frozen=True)
class Message:
    id: int
    handoff_id: int
    role: str
    text: str
    timestamp: dt.datetime
    source_event_id: str | None
    internal: bool
    author: str | None
    delivery: str | None

    @classmethod
    def from_row(cls, row: Row) -> Message:
        """A row of ``transcript_messages``."""
        return cls(
            id=row.id,
            handoff_id=row.handoff_id,
            role=row.role,
            text=row.text,
            timestamp=row.timestamp,
            source_event_id=row.source_event_id,
            internal=bool(row.internal),
            author=row.author,
            delivery=row.delivery,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "handoff_id": self.handoff_id,
            "role": self.role,
            "text": self.text,
            "timestamp": iso(self.timestamp),
            "internal": self.internal,
            "author": self.author,
            "delivery": self.delivery,
        }


@dataclass(frozen=True)
class Handoff:
    id: int
    escalation_id: str
    conversation_id: str
    channel: str
    customer_id: str
    customer: dict[str, Any]
    reasons: list[str]
    priority: int
    anger: float
    summary: dict[str, Any]
    status: str
    assigned_to: str | None
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str | None
    last_customer_message_at: dt.datetime | None
    pickup_notified_at: dt.datetime | None = None
    # Only filled by get(); lists leave it None to stay small.
    transcript: list[Message] | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: Row, transcript: list[Message] | None = None) -> Handoff:
        """A row of ``handoffs``, with the transcript if one was read."""
        return cls(
            id=row.id,
            escalation_id=row.escalation_id,
            conversation_id=row.conversation_id,
            channel=row.channel,
            customer_id=row.customer_id,
            customer=dict(row.customer),
            reasons=list(row.reasons),
            priority=row.priority,
            anger=row.anger,
            summary=dict(row.summary),
            status=row.status,
            assigned_to=row.assigned_to,
            created_at=row.created_at,
            assigned_at=row.assigned_at,
            closed_at=row.closed_at,
            resolution=row.resolution,
            last_customer_message_at=row.last_customer_message_at,
            pickup_notified_at=row.pickup_notified_at,
            transcript=transcript,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "escalation_id": self.escalation_id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "customer": self.customer,
            "reasons": self.reasons,
            "priority": self.priority,
            "anger": self.anger,
            "summary": self.summary,
            "status": self.status,
            "assigned_to": self.assigned_to,
            "created_at": iso(self.created_at),
            "assigned_at": iso(self.assigned_at),
            "closed_at": iso(self.closed_at),
            "resolution": self.resolution,
            "last_customer_message_at": iso(self.last_customer_message_at),
            "pickup_notified_at": iso(self.pickup_notified_at),
        }
        if self.transcript is not None:
            data["transcript"] = [message.to_json() for message in self.transcript]
        return data


@dataclass(frozen=True)
class JournalEvent:
    """One row of ``handoff_events``: a committed change, in commit order.

    ``payload`` is the event's data as it was when the change committed
    (see :func:`handoff.store.journal.emit`).
    """

    id: int
    type: str
    handoff_id: int
    conversation_id: str
    payload: dict[str, Any]
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Row) -> JournalEvent:
        """A row of ``handoff_events``."""
        return cls(
            row.id, row.type, row.handoff_id, row.conversation_id, dict(row.payload), row.created_at
        )


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == SUPERVISOR_ROLE

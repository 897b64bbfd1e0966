"""What the store hands out and takes in: handoffs, messages, journal events, agents
and their routing profiles.

Frozen dataclasses, built from rows by :meth:`Handoff.from_row` and
:meth:`Message.from_row`; ``to_json()`` is their form in the API, the event
stream and the journal, with times as ISO strings in UTC (:func:`iso`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Row

from handoff.models import AVAILABLE, DEFAULT_LANGUAGE, ROLES, SUPERVISOR_ROLE


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
    # Routing (handoff.routing): what it needs, and its pending offer.
    language: str = DEFAULT_LANGUAGE
    skills: list[str] = field(default_factory=list)
    offered_to: str | None = None
    offered_at: dt.datetime | None = None
    offer_expires_at: dt.datetime | None = None
    passed_over: list[str] = field(default_factory=list)
    skill_notified_at: dt.datetime | None = None
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
            language=row.language,
            skills=list(row.skills),
            offered_to=row.offered_to,
            offered_at=row.offered_at,
            offer_expires_at=row.offer_expires_at,
            passed_over=list(row.passed_over),
            skill_notified_at=row.skill_notified_at,
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
            "language": self.language,
            "skills": self.skills,
            "offered_to": self.offered_to,
            "offer_expires_at": iso(self.offer_expires_at),
            "passed_over": self.passed_over,
            "skill_notified_at": iso(self.skill_notified_at),
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


@dataclass(frozen=True)
class AgentProfile:
    """An enabled agent as routing sees them (handoff.routing).

    ``load``: the handoffs they hold plus those offered to them and not yet
    answered, which count against ``capacity`` like held ones.
    """

    name: str
    role: str
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    capacity: int
    state: str
    state_since: dt.datetime | None
    idle_since: dt.datetime | None
    load: int

    @classmethod
    def from_row(cls, row: Row, load: int) -> AgentProfile:
        """A row of ``agents``, and the load counted for them."""
        return cls(
            name=row.name,
            role=row.role,
            languages=tuple(row.languages),
            topics=tuple(row.topics),
            capacity=row.capacity,
            state=row.state,
            state_since=row.state_since,
            idle_since=row.idle_since,
            load=load,
        )

    @property
    def spare(self) -> int:
        return max(0, self.capacity - self.load)

    def has_skills(self, language: str, topics: list[str] | tuple[str, ...]) -> bool:
        """Speaks ``language`` and handles every one of ``topics`` (handoff.routing: why all).

        An agent who speaks ``es`` speaks ``es-mx`` too; one who speaks only
        ``pt-br`` is not offered a customer who wrote ``pt`` (they may be fine,
        but that is a supervisor's call: give them ``pt``).
        """
        speaks = language in self.languages or language.split("-", 1)[0] in self.languages
        return speaks and set(topics) <= set(self.topics)

    def can_be_offered(self, handoff: Handoff) -> bool:
        """Available, skilled, not passed over for it, with room: worth trying to offer."""
        return (
            self.state == AVAILABLE
            and self.spare > 0
            and self.name not in handoff.passed_over
            and self.has_skills(handoff.language, handoff.skills)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "languages": list(self.languages),
            "topics": list(self.topics),
            "capacity": self.capacity,
            "state": self.state,
            "state_since": iso(self.state_since),
            "idle_since": iso(self.idle_since),
            "load": self.load,
        }

"""A conversation as one record: :class:`ConversationRecord`, and its JSON and CSV forms.

One record per session of one sender id: channel, times, contact reasons,
order numbers, the products named, the customer's sentiment message by
message, the outcome and the counts of turns, fallbacks and rephrasings.
How Rasa's events are folded into it is :mod:`handoff.insights.fold` (its
docstring gives every rule); the handoff database's times are joined in by
:mod:`handoff.insights.keeper`.
``to_json``/``from_json`` are the form the table and the exports keep;
``to_row`` is a CSV row (:data:`COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, get_args

Event = Mapping[str, Any]
Outcome = Literal["resolved", "handed_off", "abandoned", "opted_out", "ongoing"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

# domain.yml's session_expiration_time (60 minutes): a customer who writes
# after that starts a new session, so a session this quiet is over.
QUIET_S = 3600.0
# Where a list becomes one CSV cell.
JOIN = ";"
EPOCH = datetime.fromtimestamp(0, timezone.utc)


@dataclass(frozen=True)
class Feeling:
    """How one customer message sounded."""

    at: datetime
    compound: float  # VADER's sentiment, -1 (negative) .. 1 (positive)
    anger: float  # the escalation rules' anger score, 0 .. 1


@dataclass(frozen=True)
class ConversationRecord:
    """One session of one conversation, as a supervisor, a CRM or a report reads it."""

    conversation_id: str  # Rasa's sender id (a phone number on SMS: scrub before showing)
    started_at: datetime  # UTC
    ended_at: datetime  # UTC: the session's last event
    channel: str | None = None  # the input channel of the first customer message
    customer_id: str | None = None  # the customer, once channels identify them
    contact_reasons: tuple[str, ...] = ()
    order_ids: tuple[str, ...] = ()
    # Products the customer named, by the catalogue's names (handoff.insights.products).
    products: tuple[str, ...] = ()
    sentiment: tuple[Feeling, ...] = ()
    outcome: Outcome = "resolved"
    handed_off_at: datetime | None = None
    # The bot's first answer: from the customer's first message to the bot's next one.
    first_response_s: float | None = None
    # From the handoff database (handoff.insights.keeper): why, how long in
    # the queue, until a person's first reply, and with a person until closed.
    handoff_reason: str | None = None
    handoff_wait_s: float | None = None
    agent_first_response_s: float | None = None
    handoff_handle_s: float | None = None
    opted_out_at: datetime | None = None
    customer_turns: int = 0
    bot_turns: int = 0
    fallbacks: int = 0
    rephrasings: int = 0
    # Customer satisfaction (handoff.surveys): the survey asked in this
    # session ("handoff" or "bot"), its id, and the answers, 1..5 and words.
    csat_kind: str | None = None
    csat_survey_id: str | None = None
    csat_score: int | None = None
    csat_comment: str | None = None

    @property
    def duration_s(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()

    @property
    def max_anger(self) -> float | None:
        return max((f.anger for f in self.sentiment), default=None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: times in ISO 8601 (UTC), lists as lists."""
        return {
            "conversation_id": self.conversation_id,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "channel": self.channel,
            "customer_id": self.customer_id,
            "contact_reasons": list(self.contact_reasons),
            "order_ids": list(self.order_ids),
            "products": list(self.products),
            "sentiment": [
                {"at": _iso(f.at), "compound": f.compound, "anger": f.anger} for f in self.sentiment
            ],
            "outcome": self.outcome,
            "first_response_s": self.first_response_s,
            "handed_off_at": _iso(self.handed_off_at),
            "handoff_reason": self.handoff_reason,
            "handoff_wait_s": self.handoff_wait_s,
            "agent_first_response_s": self.agent_first_response_s,
            "handoff_handle_s": self.handoff_handle_s,
            "opted_out_at": _iso(self.opted_out_at),
            "customer_turns": self.customer_turns,
            "bot_turns": self.bot_turns,
            "fallbacks": self.fallbacks,
            "rephrasings": self.rephrasings,
            "csat_kind": self.csat_kind,
            "csat_survey_id": self.csat_survey_id,
            "csat_score": self.csat_score,
            "csat_comment": self.csat_comment,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConversationRecord:
        """The record :meth:`to_json` gave (for a table that stores records as JSON)."""
        return cls(
            conversation_id=str(data["conversation_id"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            ended_at=datetime.fromisoformat(data["ended_at"]),
            channel=data.get("channel"),
            customer_id=data.get("customer_id"),
            contact_reasons=tuple(data.get("contact_reasons") or ()),
            order_ids=tuple(data.get("order_ids") or ()),
            products=tuple(data.get("products") or ()),
            sentiment=tuple(
                Feeling(datetime.fromisoformat(f["at"]), float(f["compound"]), float(f["anger"]))
                for f in data.get("sentiment") or ()
            ),
            outcome=_outcome(data.get("outcome")),
            first_response_s=data.get("first_response_s"),
            handed_off_at=_from_iso(data.get("handed_off_at")),
            handoff_reason=data.get("handoff_reason"),
            handoff_wait_s=data.get("handoff_wait_s"),
            agent_first_response_s=data.get("agent_first_response_s"),
            handoff_handle_s=data.get("handoff_handle_s"),
            opted_out_at=_from_iso(data.get("opted_out_at")),
            customer_turns=int(data.get("customer_turns") or 0),
            bot_turns=int(data.get("bot_turns") or 0),
            fallbacks=int(data.get("fallbacks") or 0),
            rephrasings=int(data.get("rephrasings") or 0),
            csat_kind=data.get("csat_kind"),
            csat_survey_id=data.get("csat_survey_id"),
            csat_score=_score(data.get("csat_score")),
            csat_comment=data.get("csat_comment"),
        )

    def to_row(self) -> dict[str, str | int | float | None]:
        """A flat dict of scalars for a CSV row: lists joined with ``;``.

        The sentiment trajectory becomes two aligned lists (``compound`` and
        ``anger``, one value per customer message) and two summaries.
        """
        return {
            "conversation_id": self.conversation_id,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "duration_s": round(self.duration_s, 3),
            "channel": self.channel,
            "customer_id": self.customer_id,
            "contact_reasons": JOIN.join(self.contact_reasons),
            "order_ids": JOIN.join(self.order_ids),
            "products": JOIN.join(self.products),
            "outcome": self.outcome,
            "first_response_s": self.first_response_s,
            "handed_off_at": _iso(self.handed_off_at),
            "handoff_reason": self.handoff_reason,
            "handoff_wait_s": self.handoff_wait_s,
            "agent_first_response_s": self.agent_first_response_s,
            "handoff_handle_s": self.handoff_handle_s,
            "opted_out_at": _iso(self.opted_out_at),
            "customer_turns": self.customer_turns,
            "bot_turns": self.bot_turns,
            "fallbacks": self.fallbacks,
            "rephrasings": self.rephrasings,
            "csat_kind": self.csat_kind,
            "csat_score": self.csat_score,
            "csat_comment": self.csat_comment,
            "compound": JOIN.join(f"{f.compound:.4f}" for f in self.sentiment),
            "anger": JOIN.join(f"{f.anger:.4f}" for f in self.sentiment),
            "last_compound": self.sentiment[-1].compound if self.sentiment else None,
            "max_anger": self.max_anger,
        }


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """From ``start`` to ``end`` in seconds; None unless both are known."""
    return (end - start).total_seconds() if start and end else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _from_iso(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _score(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _outcome(value: object) -> Outcome:
    for outcome in OUTCOMES:
        if value == outcome:
            return outcome
    raise ValueError(f"unknown outcome {value!r}")


# The CSV header: every record's row has these keys, in this order.
COLUMNS: tuple[str, ...] = tuple(ConversationRecord("", EPOCH, EPOCH).to_row())

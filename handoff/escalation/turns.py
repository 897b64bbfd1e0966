"""A conversation as the escalation rules read it: :class:`Turn`, and Rasa's events in, turns out.

The Rasa server (``bot.policies.escalation``) and the action server
(``actions.handoff``) must judge exactly the same conversation, so both go
through these functions. They take events as Rasa serialises them (dicts with
an ``"event"`` key): that is what the action server receives, and the Rasa
server gets the same with ``event.as_dict()``. No Rasa import, like the rest
of :mod:`handoff.escalation`.

Which events count:

- the current session only: ``restart`` and ``session_started`` start afresh;
- ``rewind`` (the two-stage fallback takes a message back) and ``undo`` are
  applied, the way Rasa applies them. Rasa's own ``applied_events()`` is not
  used: it also drops the customer's answers inside a form, which the rules
  need to see;
- for the escalation rules, only what came after the last hand-back
  (``resume``): the person who owned the conversation dealt with what was said
  before, and the bot must not escalate again at once because a bereavement
  was mentioned before the agent took over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from handoff.escalation.domain_names import HOUSEKEEPING_ACTIONS

# --- the conversation --------------------------------------------------------------

Role = Literal["customer", "bot"]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation.

    Customer turns carry the NLU's ``intent`` (retrieval intents in full, as
    ``faq/shipping_cost``), its ``confidence`` and extracted ``entities``; bot
    turns carry the ``action``: the response (``utter_invalid_email``) or
    action (``action_default_fallback``) that produced the message.
    """

    role: Role
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    # Excluded from the hash: a dict is not hashable, and turns are compared,
    # never used as keys.
    entities: Mapping[str, str] = field(default_factory=dict, hash=False)
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        if self.role not in ("customer", "bot"):
            raise ValueError(f"role must be 'customer' or 'bot', not {self.role!r}")

    @classmethod
    def customer(
        cls,
        text: str,
        intent: str | None = None,
        confidence: float | None = None,
        entities: Mapping[str, str] | None = None,
        timestamp: datetime | None = None,
    ) -> Turn:
        return cls(
            role="customer",
            text=text,
            intent=intent,
            confidence=confidence,
            entities=dict(entities or {}),
            timestamp=timestamp,
        )

    @classmethod
    def bot(cls, action: str, text: str = "", timestamp: datetime | None = None) -> Turn:
        return cls(role="bot", text=text, action=action, timestamp=timestamp)


# --- Rasa's events -------------------------------------------------------------------

Event = Mapping[str, Any]

# The kinds of event these functions read; any other (slots, active loops,
# reminders...) changes nothing here. The Rasa server serialises only these,
# for each customer message of a conversation.
EVENTS_READ = frozenset(
    {"user", "action", "bot", "restart", "session_started", "undo", "rewind", "pause", "resume"}
)


def session_events(events: Iterable[Event]) -> list[Event]:
    """The events of the current session, with rewound and undone ones removed."""
    applied: list[Event] = []
    for event in events:
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            applied = []
        elif kind == "undo":
            _undo_till(applied, "action")
        elif kind == "rewind":
            # A rewound message takes with it the action_listen before it.
            _undo_till(applied, "user")
            _undo_till(applied, "action")
        else:
            applied.append(event)
    return applied


def _undo_till(events: list[Event], kind: str) -> None:
    while events:
        if events.pop().get("event") == kind:
            return


def since_hand_back(events: Sequence[Event]) -> list[Event]:
    """The events after the last time a person handed the conversation back."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "resume":
            return list(events[index + 1 :])
    return list(events)


def is_paused(events: Sequence[Event]) -> bool:
    """Whether a person owns the conversation (paused and not handed back)."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "pause":
            return True
        if kind == "resume":
            return False
    return False


def event_time(event: Event) -> datetime | None:
    timestamp = event.get("timestamp")
    if isinstance(timestamp, (int, float)):
        return datetime.fromtimestamp(timestamp, timezone.utc)
    return None


def intent_of(event: Event) -> tuple[str | None, float | None]:
    """The intent of a user event, retrieval intents in full ("faq/shipping_cost")."""
    parse_data = event.get("parse_data") or {}
    intent = parse_data.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    if name is None:
        return None, None
    selector = (parse_data.get("response_selector") or {}).get(name) or {}
    full = (selector.get("response") or {}).get("intent_response_key")
    if isinstance(full, str) and full.startswith(f"{name}/"):
        name = full
    return str(name), float(confidence) if isinstance(confidence, (int, float)) else None


def turns(events: Iterable[Event]) -> list[Turn]:
    """The customer's and the bot's turns in ``events`` (already cut to a session)."""
    result: list[Turn] = []
    last_action = ""
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent, confidence = intent_of(event)
            entities = {
                str(e["entity"]): str(e.get("value"))
                for e in (event.get("parse_data") or {}).get("entities") or []
                if e.get("entity") and e.get("value") is not None
            }
            result.append(
                Turn.customer(
                    event.get("text") or "",
                    intent=intent,
                    confidence=confidence,
                    entities=entities,
                    timestamp=event_time(event),
                )
            )
        elif kind == "action":
            name = str(event.get("name") or "")
            last_action = name
            # A response's own message (below) names it: counting the action
            # too would count every response twice (form failures are counted).
            if name and name not in HOUSEKEEPING_ACTIONS and not name.startswith("utter_"):
                result.append(Turn.bot(name, timestamp=event_time(event)))
        elif kind == "bot":
            response = (event.get("metadata") or {}).get("utter_action")
            result.append(
                Turn.bot(
                    str(response or last_action),
                    text=event.get("text") or "",
                    timestamp=event_time(event),
                )
            )
    return result


def conversation_turns(events: Iterable[Event]) -> list[Turn]:
    """What the escalation rules judge: this session, since the last hand-back."""
    return turns(since_hand_back(session_events(events)))

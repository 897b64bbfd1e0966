"""``action_handoff``: hand the conversation to a person.

1. Recompute the escalation decision (reasons, priority, anger) from the
   conversation, with the same pure function and events as the
   ``EscalationPolicy`` that predicted this action (``decide`` is
   deterministic): nothing has to travel through slots, and a rule or a story
   may predict this action too.
2. Build the handoff request: who, where, why, a summary and the transcript.
3. Write it to the outbox (:mod:`actions.handoff_outbox`) FIRST, then try to
   deliver it at once.
4. Tell the customer, in their channel, what happens next:

   - delivered: their place in the queue and the expected wait, or, outside
     business hours, when agents are back (the conversation stays queued);
   - not delivered (service down): a person will take over as soon as
     possible. True: the outbox delivers it when the service is back;
   - not even recorded (the outbox's disk failed): sorry, try again. No
     promise and no pause, since nothing guarantees a person will come.

5. Pause the bot (``ConversationPaused``): it stays silent while a person
   owns the conversation. A form in progress is ended, so that the bot does
   not resume a half-filled form when the conversation is handed back.

Responses: ``utter_handoff_queued`` ({position}, {wait}),
``utter_handoff_closed_hours`` ({opening}), ``utter_handoff_pending``,
``utter_handoff_failed``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.handoff import HandoffReceipt
from actions.common import SPANISH, channel_identity, conversation_language, format_date
from actions.handoff_outbox import HandoffSender, OutboxUnavailable
from actions.settings import ActionSettings
from handoff.escalation import (
    Decision,
    EscalationSettings,
    conversation_turns,
    decide,
    event_time,
    intent_of,
    session_events,
)

logger = logging.getLogger(__name__)

# escalation_id = uuid5(namespace, conversation + triggering message): the
# same message escalated twice (an action retried, a message redelivered by
# a channel's inbox) is the same escalation, and the service creates one
# handoff for it. The namespace is fixed forever; changing it would change
# every id.
ESCALATION_NAMESPACE = uuid.UUID("5f0c8a53-93c1-4f0e-9d8e-2b7c4a1e6d10")
# The agent reads the conversation in the desk; a runaway session must not
# make the request unbounded.
MAX_TRANSCRIPT_MESSAGES = 200
# When something other than the escalation rules predicted action_handoff
# (a rule, a story) and the rules find no reason of their own.
DIALOGUE_REASON = "dialogue"
DIALOGUE_PRIORITY = 3

_shared_sender: HandoffSender | None = None


def shared_sender() -> HandoffSender:
    """The process-wide sender (outbox, client, forwarder), created on first use.

    rasa-sdk instantiates action classes itself, with no arguments, when it
    imports this package: creating the sender lazily keeps engines and
    clients out of import time.
    """
    global _shared_sender
    if _shared_sender is None:
        _shared_sender = HandoffSender.from_settings(ActionSettings.from_env())
    return _shared_sender


class ActionHandoff(Action):
    def __init__(
        self,
        sender: HandoffSender | None = None,
        escalation_settings: EscalationSettings | None = None,
    ) -> None:
        self._sender = sender
        self._escalation_settings = escalation_settings

    @property
    def sender(self) -> HandoffSender:
        return self._sender if self._sender is not None else shared_sender()

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        sender = self.sender
        # Every call (re)starts the outbox forwarder if it is not running: it
        # is how escalations left pending by a restart get delivered.
        sender.kick()
        settings = self._escalation_settings or EscalationSettings.from_env()
        # Scoring is CPU work: off the event loop, so that other conversations'
        # actions are not held up behind it.
        decision = await asyncio.to_thread(decide, conversation_turns(tracker.events), settings)
        escalation_id = escalation_id_for(tracker)
        request = handoff_request(tracker, decision, escalation_id)
        try:
            submitted = await sender.submit(escalation_id, request)
        except OutboxUnavailable:
            logger.exception("could not record escalation %s in the outbox", escalation_id)
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        # By escalation id only: sender ids are phone numbers on SMS.
        logger.info(
            "escalation %s: %s, priority %s", escalation_id,
            "delivered" if submitted.receipt else "pending in the outbox", request["priority"],
        )
        tell_customer(dispatcher, submitted.receipt, conversation_language(tracker))
        return [*end_form(tracker), ConversationPaused()]


def escalation_id_for(tracker: Tracker) -> str:
    """A stable id for escalating the conversation at its latest customer message."""
    latest = next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)
    if latest is None:
        # Nothing to tie it to (an escalation triggered by the API): unique.
        return str(uuid.uuid4())
    marker = latest.get("message_id") or latest.get("timestamp")
    return str(uuid.uuid5(ESCALATION_NAMESPACE, f"{tracker.sender_id}\x1f{marker}"))


def handoff_request(tracker: Tracker, decision: Decision, escalation_id: str) -> dict[str, Any]:
    """The body of ``POST /api/handoffs``."""
    channel, sender_id = channel_identity(tracker)
    events = session_events(tracker.events)
    if decision.escalate and decision.priority is not None:
        reasons, priority = list(decision.reasons), decision.priority
    else:
        reasons, priority = [DIALOGUE_REASON], DIALOGUE_PRIORITY
    return {
        "escalation_id": escalation_id,
        "conversation_id": sender_id,
        "channel": channel,
        # Routed to an agent who speaks it (handoff.routing).
        "language": conversation_language(tracker),
        "customer": {"sender_id": sender_id},
        "reasons": reasons,
        "priority": priority,
        "anger": round(decision.anger, 4),
        "summary": {
            "intents": detected_intents(events),
            "order_id": tracker.get_slot("order_id"),
            "email": tracker.get_slot("email") or tracker.get_slot("order_email"),
        },
        "transcript": transcript(tracker.events),
    }


def detected_intents(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The customer's intents in this session, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for event in events:
        if event.get("event") == "user":
            intent, _ = intent_of(event)
            if intent:
                seen.setdefault(intent, None)
    return list(seen)


def transcript(events: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every message of the session, customer and bot, oldest first (the latest ones if long).

    Everything that was really sent and received, whatever the policies took
    back: a fallback reverts the customer's message (``rewind``) and an
    ``undo`` reverts an action, but the customer did write that message and
    did read the bot's answer, and the agent must see both. So only a restart
    or a new session starts the transcript afresh; rewinds are not applied
    (the escalation rules, which judge what the bot understood, do apply them).
    """
    messages = []
    for event in since_session_start(events):
        kind = event.get("event")
        text = event.get("text")
        # Bot messages without text (an image, buttons alone) say nothing to an agent.
        if kind not in ("user", "bot") or not text:
            continue
        when = event_time(event) or dt.datetime.now(dt.timezone.utc)
        messages.append(
            {
                "role": "customer" if kind == "user" else "bot",
                "text": str(text) + truncation_note(event),
                "timestamp": when.isoformat(),
            }
        )
    return messages[-MAX_TRANSCRIPT_MESSAGES:]


def since_session_start(events: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """The events after the latest restart or session start, none taken back."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") in ("restart", "session_started"):
            return events[index + 1 :]
    return events


def truncation_note(event: Mapping[str, Any]) -> str:
    """A note for the agent when the channel cut a message that was over its length cap.

    The channels cut such a message at their cap rather than refuse it, and
    record its original length in the message's metadata (``truncated_from``).
    """
    original = (event.get("metadata") or {}).get("truncated_from")
    if event.get("event") != "user" or isinstance(original, bool) or not isinstance(original, int):
        return ""
    return f" [cut: the customer's message was {original} characters long]"


def end_form(tracker: Tracker) -> list[EventType]:
    if not (tracker.active_loop or {}).get("name"):
        return []
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


def tell_customer(
    dispatcher: CollectingDispatcher, receipt: HandoffReceipt | None, language: str = "en"
) -> None:
    if receipt is not None and not receipt.business_hours_open and receipt.next_opening:
        dispatcher.utter_message(
            response="utter_handoff_closed_hours",
            opening=format_opening(receipt.next_opening, language),
        )
    elif (
        receipt is not None
        and receipt.queue_position is not None
        and receipt.expected_wait_s is not None
    ):
        dispatcher.utter_message(
            response="utter_handoff_queued",
            position=receipt.queue_position,
            wait=format_wait(receipt.expected_wait_s, language),
        )
    else:
        dispatcher.utter_message(response="utter_handoff_pending")


@dataclass(frozen=True)
class _WaitWords:
    under_a_minute: str
    about: str
    joiner: str  # between the hours and the minutes
    hour: tuple[str, str]  # singular, plural
    minute: tuple[str, str]


# The words of a wait, by language: the duration sits inside a response the
# domain has already put in the customer's language ("the wait is {wait}").
_WAIT_WORDS = {
    "en": _WaitWords("less than a minute", "about", " ", ("hour", "hours"), ("minute", "minutes")),
    SPANISH: _WaitWords(
        "menos de un minuto", "aproximadamente", " y ", ("hora", "horas"), ("minuto", "minutos")
    ),
}


def format_wait(seconds: float, language: str = "en") -> str:
    """ "less than a minute", "about 4 minutes", "about 1 hour 20 minutes" (or in Spanish)."""
    words = _WAIT_WORDS[language]
    minutes = round(seconds / 60)
    if minutes < 1:
        return words.under_a_minute
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} {words.hour[0 if hours == 1 else 1]}")
    if minutes:
        parts.append(f"{minutes} {words.minute[0 if minutes == 1 else 1]}")
    return f"{words.about} {words.joiner.join(parts)}"


def format_opening(opening: dt.datetime, language: str = "en") -> str:
    """ "Monday 17 June at 09:00 UTC+01:00", in the business hours' own offset (or in Spanish)."""
    zone = opening.tzname() or "UTC"
    at = "a las" if language == SPANISH else "at"
    return f"{format_date(opening.date(), language)} {at} {opening:%H:%M} {zone}"

"""What both broker consumers share: reading Rasa's events and appending their messages.

:func:`decode_event` reads one of Rasa's serialised events (JSON, untrusted),
:func:`parse_event` finds the message in it (a :class:`BrokerEvent`), and
:class:`TranscriptWriter` appends it to its conversation's open handoff.
handoff.broker.sql and handoff.broker.rabbitmq import this module; it imports
neither.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handoff import inputs
from handoff.inputs import UntrustedInput, storable
from handoff.models import BOT, CUSTOMER, utc_now
from handoff.store import Handoff, HandoffConflict, HandoffStore
from plumbing.untrusted import parse_json

logger = logging.getLogger(__name__)

# Rasa's event types that carry a message, and the transcript's role for each.
ROLES = {"user": CUSTOMER, "bot": BOT}
SURVEY_COMMENT_SLOT = "csat_comment"


@dataclass(frozen=True)
class BrokerEvent:
    """A transcript-worthy event: a customer or bot message with text (a survey's
    comment is the customer's)."""

    source_event_id: str
    conversation_id: str
    role: str
    text: str
    timestamp: dt.datetime


def parse_event(
    event: Mapping[str, Any], source_event_id: str, sender_id: str | None = None
) -> BrokerEvent | None:
    """The message in one of Rasa's serialised events, or None for every other event.

    ``sender_id``: the conversation, when the broker keeps it beside the
    event (the SQL broker's column); otherwise the event's own ``sender_id``,
    which Rasa's tracker store adds to every event it publishes.
    """
    role = ROLES.get(event.get("event", ""))
    text = event.get("text")
    if event.get("event") == "slot" and event.get("name") == SURVEY_COMMENT_SLOT:
        # A satisfaction survey's comment (bot.channels.surveys) is the
        # customer's words: after a low score reopened the handoff, the
        # person who picks it up must read them.
        role, text = CUSTOMER, event.get("value")
    conversation_id = sender_id or event.get("sender_id")
    # Bot messages without text (an image, buttons alone) say nothing to an agent.
    if role is None or not isinstance(text, str) or not text or not conversation_id:
        return None
    raw_time = event.get("timestamp")
    timestamp = utc_now()
    if isinstance(raw_time, (int, float)):
        # Anything can set an event's time through Rasa's tracker API; one out
        # of range (fromtimestamp raises OverflowError) would stop the
        # consumer at this event for good, retrying it forever.
        with contextlib.suppress(UntrustedInput):
            timestamp = inputs.timestamp(raw_time)
    # Text the database cannot store (a NUL, on PostgreSQL) would do the same.
    return BrokerEvent(
        source_event_id,
        storable(str(conversation_id)),
        role,
        storable(text),
        timestamp,
    )


def decode_event(data: str | bytes | None) -> dict[str, Any] | None:
    """Rasa's JSON event as a dict; None when it is not a JSON object.

    Through plumbing.untrusted.parse_json: a deeply nested event raises
    RecursionError in ``json.loads``, which no ``except ValueError`` catches.
    """
    try:
        event = parse_json(data or "")
    except UntrustedInput:  # not JSON, too deep, or bytes that are no UTF-8
        return None
    return event if isinstance(event, dict) else None


# Called with each message appended to an open handoff (handoff, role, text): the
# service's handoff.withdrawal.Withdrawals. Whether it closed the handoff.
AfterAppend = Callable[[Handoff, str, str], Awaitable[bool]]


class TranscriptWriter:
    """Appends broker messages to the open handoffs' transcripts; both consumers use it.

    Store errors (``SQLAlchemyError``) propagate: the consumer retries the
    message later rather than lose it. ``after_append`` then sees each
    appended message (a customer taking their request back); its failures
    are logged, never raised: the message is in the transcript.
    """

    def __init__(self, store: HandoffStore, after_append: AfterAppend | None = None) -> None:
        self._store = store
        self._after_append = after_append

    async def open_handoff(self, conversation_id: str) -> Handoff | None:
        return await self._store.open_handoff_for(conversation_id)

    async def append(self, handoff: Handoff, message: BrokerEvent) -> bool:
        """Append one message; False if the handoff was closed in the meantime."""
        try:
            await self._store.append_message(
                handoff.id,
                message.role,
                message.text,
                message.timestamp,
                message.source_event_id,
                unless_present=True,
            )
        except HandoffConflict:
            return False
        if self._after_append is not None:
            try:
                if await self._after_append(handoff, message.role, message.text):
                    return False  # closed by it: later messages go back to the bot
            except Exception:
                logger.exception("handoff %d: after-append hook failed", handoff.id)
        return True

    async def write(self, message: BrokerEvent) -> bool:
        """Append a message if its conversation has an open handoff; whether it has one."""
        handoff = await self.open_handoff(message.conversation_id)
        return handoff is not None and await self.append(handoff, message)

"""What the customer wrote between the escalation and a late handoff's creation.

The bot pauses a conversation the moment it escalates, and the action
server's outbox creates the handoff, at once or (the handoff service was
down) later. A message the customer sends in between goes to Rasa's event
broker like any other, but the broker consumer finds no open handoff for it
then and passes it by. So when a handoff arrives late, its transcript is
completed from Rasa's tracker: every customer and bot message after the last
one the outbox sent. Appends are idempotent on role, text and time
(``unless_present``), so the broker consumer and this catch-up, which may see
the same messages, record each once.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable

from handoff import inputs
from handoff.broker.events import parse_event
from handoff.inputs import UntrustedInput
from handoff.rasa_client import RasaClient
from handoff.store import Handoff, HandoffConflict, HandoffStore, NewMessage
from plumbing.clock import to_naive_utc

logger = logging.getLogger(__name__)

# A handoff created this long after its transcript's last message was
# delivered late (a first attempt takes milliseconds): catch up.
LATE_AFTER_S = 2.0


def transcript_end(messages: Iterable[NewMessage]) -> dt.datetime | None:
    """When the last message the bot's outbox sent was written (None: it sent none)."""
    return max((to_naive_utc(m.timestamp) for m in messages), default=None)


def is_late(handoff: Handoff, sent_until: dt.datetime | None) -> bool:
    """Whether the handoff was created well after the outbox's transcript ends."""
    if sent_until is None:
        return True
    return (to_naive_utc(handoff.created_at) - sent_until).total_seconds() > LATE_AFTER_S


async def catch_up(
    store: HandoffStore,
    rasa: RasaClient,
    handoff: Handoff,
    since: dt.datetime | None,
) -> int:
    """Append the messages Rasa holds after ``since`` (the outbox transcript's end);
    how many were new (the store journals each as ``message.created``). Raises
    handoff.rasa_client.RasaError when Rasa cannot be read (after its retries).

    ``since`` is the outbox's end, not the stored transcript's: the broker
    consumer may already have added a later message, and what came between
    must still be caught up.
    """
    added = 0
    for event in await rasa.events(handoff.conversation_id):
        # A tracker event without a time cannot be placed in the transcript
        # (the broker's parser would date it now).
        when = event.get("timestamp")
        if not isinstance(when, (int, float)) or not math.isfinite(when):
            continue
        try:
            inputs.timestamp(when)
        except UntrustedInput:
            continue  # nor one outside 2000-2100 (set through Rasa's tracker API)
        # Recorded without a source id: unless_present matches it to the
        # broker's copy of the same event, whichever comes first.
        message = parse_event(event, "", handoff.conversation_id)
        if message is None or (since is not None and message.timestamp <= since):
            continue
        try:
            _, created = await store.append_message(
                handoff.id, message.role, message.text, message.timestamp, unless_present=True
            )
        except HandoffConflict:
            break  # closed meanwhile: the rest belongs to the bot again
        if created:
            added += 1
    if added:
        logger.info("handoff %d: %d message(s) from before it existed added", handoff.id, added)
    return added

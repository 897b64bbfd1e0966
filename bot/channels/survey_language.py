"""The language a satisfaction survey speaks: its conversation's.

The ``language`` slot (bot.nlu.language sets it: ``en``, ``es``, or None for
English) lives in Rasa's tracker, which the Rasa server's agent owns
(``app.ctx.agent``, bot.channels.conversations). So:

- when a survey is asked, :func:`conversation_language` reads the slot;
  the question recorded in the conversation keeps it in its metadata
  (``survey_language``), beside ``survey_id``;
- when the customer answers, :func:`survey_language` reads it back from that
  question, so the thanks speak the language the question spoke even if the
  slot changed meanwhile; the slot is the fallback (a question sent but not
  yet recorded).

Both read the tracker through the agent's tracker store, awaited as Rasa's
own turns read it (no thread of our own; bot.stores.tracker says why the
store keeps its reads on the event loop). Without an agent (a server with no
model yet) the survey speaks English; a store that fails raises, as in a turn,
so the request (or the customer's message) is tried again.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.conversations import rasa_agent
from bot.channels.survey_text import ENGLISH, language_of

LANGUAGE_SLOT = "language"
# Where the recorded question keeps the language it was asked in.
LANGUAGE_METADATA = "survey_language"
# How far back an answer looks for its question: a survey waits a day at most,
# and a conversation rarely has this many events in a day.
MAX_EVENTS_SCANNED = 2000


async def conversation_language(app: Any, conversation_id: str) -> str:
    """The conversation's language now (``en`` or ``es``)."""
    tracker = await _tracker(app, conversation_id)
    return ENGLISH if tracker is None else _slot_language(tracker)


async def survey_language(app: Any, conversation_id: str, survey_id: str) -> str:
    """The language survey ``survey_id`` was asked in, else the conversation's."""
    tracker = await _tracker(app, conversation_id)
    if tracker is None:
        return ENGLISH
    for scanned, event in enumerate(reversed(tracker.events)):
        if scanned >= MAX_EVENTS_SCANNED:
            break
        metadata = event.metadata if isinstance(event, BotUttered) else None
        if metadata and metadata.get("survey_id") == survey_id and LANGUAGE_METADATA in metadata:
            return language_of(metadata[LANGUAGE_METADATA])
    return _slot_language(tracker)


def _slot_language(tracker: DialogueStateTracker) -> str:
    slot = tracker.slots.get(LANGUAGE_SLOT)
    return language_of(slot.value if slot is not None else None)


async def _tracker(app: Any, conversation_id: str) -> DialogueStateTracker | None:
    agent = rasa_agent(app)
    if agent is None or agent.tracker_store is None:
        return None
    tracker: DialogueStateTracker | None = await agent.tracker_store.retrieve(conversation_id)
    return tracker

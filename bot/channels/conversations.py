"""Events the channels add to a Rasa conversation outside a bot turn.

A survey's question, the customer's score and comment, the thank-you, and
an SMS opt-out are not turns of the bot, but the handoff service reads them
from Rasa's event broker like everything else. They are appended as Rasa
3.6's own ``POST /conversations/<id>/tracker/events`` appends events
(rasa/server.py ``append_events``): under the conversation's lock
(``agent.lock_store``), to the tracker the agent's processor fetches (a new
conversation gets its session start first), saved with the agent's tracker
store, which publishes the new events to the event broker.

The agent is Rasa's, on the Sanic app (``app.ctx.agent``). A store that
fails (its database or Redis down) raises as in a turn, one of
``TRANSIENT_TURN_FAILURES``, so the inbox tries the customer's message
again rather than losing the answer; so does a conversation whose lock is
held too long (``LockError``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa.shared.core.events import Event

from bot.channels.errors import ChannelError

logger = logging.getLogger(__name__)


class NoAgent(ChannelError):
    """No Rasa agent with a model on the app: the events cannot be kept now."""

    def __init__(self) -> None:
        super().__init__("the Rasa agent is not loaded: conversation events cannot be saved")


def rasa_agent(app: Any) -> Any | None:
    """Rasa's agent on the Sanic app (``app.ctx.agent``), or None (not mounted on Rasa)."""
    return getattr(getattr(app, "ctx", None), "agent", None)


async def append_events(
    app: Any, conversation_id: str, events: Sequence[Event], *, only_if_exists: bool = False
) -> bool:
    """Append ``events`` to the conversation; whether they were.

    ``only_if_exists``: add nothing to a conversation Rasa has no tracker
    for (nor when the app has no agent at all); otherwise a missing agent
    raises :class:`NoAgent`.
    """
    agent = rasa_agent(app)
    if agent is None and only_if_exists:
        logger.debug("no Rasa agent: %d event(s) not appended", len(events))
        return False
    if agent is None or agent.processor is None or agent.tracker_store is None:
        raise NoAgent()
    async with agent.lock_store.lock(conversation_id):
        if only_if_exists and not await agent.tracker_store.exists(conversation_id):
            return False
        tracker = await agent.processor.fetch_tracker_with_initial_session(conversation_id)
        for event in events:
            tracker.update(event, agent.domain)
        await agent.tracker_store.save(tracker)
    logger.debug("%d event(s) appended to a conversation", len(events))
    return True

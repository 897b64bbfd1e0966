"""What an agent does to a handoff, whichever surface they work in: the JSON
API, the desk, or a contact center's own tool through an adapter
(handoff.integrations). Each records the change, announces it on the live
stream and carries it out (delivery to the customer, the bot's return).

The hooks live on ``app.ctx``: ``store`` (HandoffStore), ``events``
(EventHub), ``deliver`` and ``on_close`` (see handoff.service).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from handoff import events as ev
from handoff.models import DELIVERY_FAILED, DELIVERY_SENT
from handoff.store import Agent, Handoff, HandoffStore, Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    message: Message
    # False: recorded, but the customer's channel did not take it.
    delivered: bool


def _store(app: Any) -> HandoffStore:
    store: HandoffStore = app.ctx.store
    return store


def publish_message(app: Any, message: Message) -> None:
    app.ctx.events.publish(
        ev.MESSAGE_CREATED, {"handoff_id": message.handoff_id, "message": message.to_json()}
    )


async def reply(
    app: Any, handoff_id: int, agent: Agent, text: str, *, internal: bool = False
) -> Reply:
    """Record an agent's reply and deliver it to the customer, or record a note.

    The reply is recorded first (delivery ``pending``), then marked ``sent``
    or ``failed``: the transcript shows every reply an agent wrote, even one
    that did not arrive. HandoffConflict/HandoffNotFound as the store says.
    """
    store = _store(app)
    message = await store.agent_message(handoff_id, agent, text, internal=internal)
    if internal:
        publish_message(app, message)
        return Reply(message, delivered=False)
    handoff = await store.get(handoff_id, with_transcript=False)
    assert handoff is not None  # agent_message found it, and handoffs are never deleted
    try:
        await app.ctx.deliver(handoff.channel, handoff.customer_id, text)
    except Exception:
        # Whatever the hook raised, the reply is recorded and the agent must
        # learn it did not arrive; the cause goes to the log, not the client.
        logger.exception("delivery of message %d of handoff %d failed", message.id, handoff_id)
        message = await store.set_delivery(message.id, DELIVERY_FAILED)
        publish_message(app, message)
        return Reply(message, delivered=False)
    message = await store.set_delivery(message.id, DELIVERY_SENT)
    publish_message(app, message)
    return Reply(message, delivered=True)


async def close(
    app: Any,
    handoff_id: int,
    by: str,
    resolution: str | None,
    *,
    supervisor: bool,
) -> tuple[Handoff, bool | None]:
    """Close a handoff and give the conversation back to the bot.

    Returns the closed handoff and whether the bot was resumed (None: the
    hook does not say). A failing hook does not undo the close.
    """
    handoff = await _store(app).close(handoff_id, by, resolution, supervisor=supervisor)
    app.ctx.events.publish(ev.HANDOFF_CLOSED, {"handoff": handoff.to_json()})
    try:
        resumed = await app.ctx.on_close(handoff)
    except Exception:
        # The handoff is closed either way; resuming the bot is the hook's
        # job, and its failure must not undo the close, nor be hidden.
        logger.exception("on_close hook failed for handoff %d", handoff_id)
        resumed = False
    return handoff, resumed

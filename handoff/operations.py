"""What an agent does to a handoff, whichever surface they work in: the JSON
API, the desk, or a contact center's own tool through an adapter
(handoff.integrations). Each records the change and carries it out
(delivery to the customer, the bot's return). Announcing it is the store's
part: each change is journaled with it, and the journal is what the live
stream and the adapters read (handoff.events).

Each takes the service's context (handoff.context), for its store and its
``deliver`` and ``on_close`` hooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handoff.context import ServiceContext
from handoff.delivery import DeliveryError
from handoff.models import DELIVERY_FAILED, DELIVERY_SENT
from handoff.store import Agent, Handoff, Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    message: Message
    # False: recorded, but the customer's channel did not take it.
    delivered: bool
    # Why not, when the channel said (DeliveryError.reason: "window_closed"...).
    refusal: str | None = None


async def reply(
    ctx: ServiceContext, handoff_id: int, agent: Agent, text: str, *, internal: bool = False
) -> Reply:
    """Record an agent's reply and deliver it to the customer, or record a note.

    The reply is recorded first (delivery ``pending``: ``message.created``),
    then marked ``sent`` or ``failed`` (``message.updated``): the transcript
    shows every reply an agent wrote, even one that did not arrive.
    HandoffConflict/HandoffNotFound as the store says.
    """
    store = ctx.store
    message = await store.agent_message(handoff_id, agent, text, internal=internal)
    if internal:
        return Reply(message, delivered=False)
    handoff = await store.get(handoff_id, with_transcript=False)
    assert handoff is not None  # agent_message found it, and handoffs are never deleted
    try:
        await ctx.deliver(handoff.channel, handoff.customer_id, text)
    except DeliveryError as error:
        logger.warning(
            "delivery of message %d of handoff %d failed: %s", message.id, handoff_id, error
        )
        message = await store.set_delivery(message.id, DELIVERY_FAILED)
        return Reply(message, delivered=False, refusal=error.reason)
    except Exception:
        # Whatever the hook raised, the reply is recorded and the agent must
        # learn it did not arrive; the cause goes to the log, not the client.
        logger.exception("delivery of message %d of handoff %d failed", message.id, handoff_id)
        message = await store.set_delivery(message.id, DELIVERY_FAILED)
        return Reply(message, delivered=False)
    message = await store.set_delivery(message.id, DELIVERY_SENT)
    return Reply(message, delivered=True)


async def close(
    ctx: ServiceContext,
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
    handoff = await ctx.store.close(handoff_id, by, resolution, supervisor=supervisor)
    try:
        resumed = await ctx.on_close(handoff)
    except Exception:
        # The handoff is closed either way; resuming the bot is the hook's
        # job, and its failure must not undo the close, nor be hidden.
        logger.exception("on_close hook failed for handoff %d", handoff_id)
        resumed = False
    return handoff, resumed

"""What a contact center's agent does to a handoff, whichever adapter brought it in.

An agent reply goes through :func:`handoff.operations.reply` (recorded, then
delivered to the customer's channel) and a close through
:func:`handoff.operations.close` (closed, the bot resumed), exactly as from
the built-in desk. The external agent is named ``<adapter>:<their name>``
(``zendesk:Jane Doe``): the transcript shows where a reply came from, and the
adapter that brought a message in does not send it back out.

A waiting handoff is first claimed on the external agent's behalf. The
contact center then acts with a supervisor's rights: it assigns work its own
way, so a reply is recorded even when the handoff was claimed by someone else
in the meantime, rather than refused and lost.

Each inbound event is carried out once (:class:`InboundLog`): the sender's
event id is recorded before it is carried out, with the answer after; a
resent event gets that answer again (200, ``"duplicate": true``). An id that
is still being carried out is answered 409, so the sender tries again later;
one whose processing died with the process is taken over after
:data:`STALE_CLAIM_S`. A failure (404, 409, 5xx) records nothing: the sender
may resend the event once the cause is fixed. Failures are the service's
errors (handoff.errors: :class:`~handoff.errors.NotFound`,
:class:`~handoff.errors.HandoffConflict`), answered by its one error handler;
only the answers of what was carried out are recorded (:class:`Answer`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from handoff import operations
from handoff.bodies import MAX_NAME_LENGTH
from handoff.context import ServiceContext
from handoff.errors import HandoffConflict, NotFound
from handoff.models import (
    CLOSED,
    SUPERVISOR_ROLE,
    WAITING,
    integration_inbound_events,
    utc_now,
)
from handoff.store import Agent, Handoff, write_transaction

STALE_CLAIM_S = 120.0

_i = integration_inbound_events.c


def _in_progress() -> HandoffConflict:
    return HandoffConflict("this event is being processed; send it again later")


def agent_name(adapter: str, name: str) -> str:
    return f"{adapter}:{name.strip()}"[:MAX_NAME_LENGTH]


# -- once per event id -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    def response(self) -> HTTPResponse:
        return json_response(self.body, self.status)


class InboundLog:
    """``integration_inbound_events``: which inbound events were carried out, and the answer."""

    def __init__(self, engine: Engine, stale_after_s: float = STALE_CLAIM_S) -> None:
        self._engine = engine
        self._stale = dt.timedelta(seconds=stale_after_s)

    async def once(
        self, source: str, event_id: str, action: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        """Carry out ``action`` unless this event was carried out before."""
        earlier = await asyncio.to_thread(self._begin, source, event_id)
        if earlier is not None:
            return Answer(200, {**earlier.body, "duplicate": True})
        try:
            answer = await action()
        except BaseException:
            await asyncio.to_thread(self._forget, source, event_id)
            raise
        await asyncio.to_thread(self._finish, source, event_id, answer)
        return answer

    def _begin(self, source: str, event_id: str) -> Answer | None:
        now = utc_now()
        try:
            with write_transaction(self._engine) as db:
                db.execute(
                    integration_inbound_events.insert().values(
                        source=source, event_id=event_id, received_at=now
                    )
                )
            return None
        except IntegrityError:
            pass  # seen before: look at how far it got
        with write_transaction(self._engine) as db:
            row = db.execute(
                select(integration_inbound_events).where(
                    _i.source == source, _i.event_id == event_id
                )
            ).first()
            if row is None:
                # Its processing failed and was forgotten in between: start over.
                return self._begin(source, event_id)
            if row.response is not None:
                return Answer(row.status_code, dict(row.response))
            if now - row.received_at < self._stale:
                raise _in_progress()
            # Claimed by a process that died before answering: take it over.
            taken = db.execute(
                update(integration_inbound_events)
                .where(
                    _i.source == source,
                    _i.event_id == event_id,
                    _i.received_at == row.received_at,
                    _i.response.is_(None),
                )
                .values(received_at=now)
            ).rowcount
        if not taken:
            raise _in_progress()
        return None

    def _finish(self, source: str, event_id: str, answer: Answer) -> None:
        with write_transaction(self._engine) as db:
            db.execute(
                update(integration_inbound_events)
                .where(_i.source == source, _i.event_id == event_id)
                .values(status_code=answer.status, response=answer.body)
            )

    def _forget(self, source: str, event_id: str) -> None:
        with write_transaction(self._engine) as db:
            db.execute(
                delete(integration_inbound_events).where(
                    _i.source == source, _i.event_id == event_id, _i.response.is_(None)
                )
            )


# -- actions -----------------------------------------------------------------------------


async def find_handoff(
    ctx: ServiceContext, handoff_id: int | None, conversation_id: str | None
) -> Handoff:
    """By id, or the conversation's open handoff (else its latest one); NotFound (404)."""
    store = ctx.store
    handoff: Handoff | None
    if handoff_id is not None:
        handoff = await store.get(handoff_id, with_transcript=False)
    else:
        assert conversation_id is not None
        handoff = await store.open_handoff_for(conversation_id)
        if handoff is None:
            latest = await store.list(conversation_id=conversation_id, limit=1)
            handoff = latest[0] if latest else None
    if handoff is None:
        raise NotFound("no such handoff")
    return handoff


async def _claim_if_waiting(ctx: ServiceContext, handoff: Handoff, name: str) -> None:
    if handoff.status != WAITING:
        return
    try:
        await ctx.store.claim(handoff.id, name)
    except HandoffConflict:
        return  # claimed by someone else just now: the contact center acts anyway


async def agent_reply(
    ctx: ServiceContext, handoff: Handoff, name: str, text: str, *, internal: bool = False
) -> Answer:
    """An external agent's reply (or internal note) on ``handoff``: 201, with the message.

    HandoffConflict (409) when the handoff is closed.
    """
    if handoff.status == CLOSED:
        raise HandoffConflict("the handoff is closed")
    await _claim_if_waiting(ctx, handoff, name)
    sent = await operations.reply(
        ctx, handoff.id, Agent(0, name, SUPERVISOR_ROLE), text, internal=internal
    )
    return Answer(
        201,
        {
            "handoff_id": handoff.id,
            "message": sent.message.to_json(),
            # False: recorded, but the customer's channel did not take it.
            "delivered": sent.delivered,
        },
    )


async def close(ctx: ServiceContext, handoff: Handoff, name: str, resolution: str | None) -> Answer:
    """Close ``handoff`` on behalf of an external agent and resume the bot: 200.

    Closing a closed handoff is not an error (contact centers send "solved"
    and later "closed"): the answer says ``"already_closed": true``.
    """
    if handoff.status != CLOSED:
        await _claim_if_waiting(ctx, handoff, name)
        try:
            closed, resumed = await operations.close(
                ctx, handoff.id, name, resolution, supervisor=True
            )
        except HandoffConflict:
            pass  # closed by someone else just now
        else:
            body: dict[str, Any] = {"handoff": closed.to_json(), "already_closed": False}
            if resumed is not None:
                body["bot_resumed"] = resumed
            return Answer(200, body)
    current = await ctx.store.get(handoff.id, with_transcript=False)
    assert current is not None
    return Answer(200, {"handoff": current.to_json(), "already_closed": True})

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
may resend the event once the cause is fixed.
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

from handoff import events as ev
from handoff import operations
from handoff.inputs import UntrustedInput, parse_int
from handoff.inputs import json_object as parse_object
from handoff.models import (
    CLOSED,
    SUPERVISOR_ROLE,
    WAITING,
    integration_inbound_events,
    utc_now,
)
from handoff.store import Agent, Handoff, HandoffConflict, HandoffStore, write_transaction

MAX_TEXT_LENGTH = 10_000
MAX_NAME_LENGTH = 128  # handoffs.assigned_to and transcript_messages.author
MAX_EVENT_ID_LENGTH = 255
STALE_CLAIM_S = 120.0

_i = integration_inbound_events.c


class InboundError(Exception):
    """The answer to an inbound request that cannot be carried out."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail

    def response(self) -> HTTPResponse:
        return json_response({"error": self.error, "detail": self.detail}, self.status)


def invalid(detail: str) -> InboundError:
    return InboundError(400, "invalid request", detail)


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object (handoff.inputs: depth-capped, storable strings), else 400."""
    try:
        return parse_object(body)
    except UntrustedInput as error:
        raise invalid(str(error)) from None


def row_id(value: Any, name: str, *, digits: bool = False) -> int:
    """A positive id within 64 bits: a JSON integer, or with ``digits`` also a
    string of ASCII digits (Zendesk's placeholders render ids as strings). 400 otherwise."""
    if isinstance(value, str) and not digits:
        raise invalid(f"{name} must be a positive integer")
    try:
        return parse_int(value, name=name, minimum=1)
    except UntrustedInput as error:
        raise invalid(str(error)) from None


def text_field(data: dict[str, Any], name: str, max_length: int, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise invalid(f"{name} must be at most {max_length} characters")
    return value


def _in_progress() -> InboundError:
    return InboundError(409, "conflict", "this event is being processed; send it again later")


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


def _store(app: Any) -> HandoffStore:
    store: HandoffStore = app.ctx.store
    return store


async def find_handoff(app: Any, handoff_id: int | None, conversation_id: str | None) -> Handoff:
    """By id, or the conversation's open handoff (else its latest one)."""
    store = _store(app)
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
        raise InboundError(404, "not found", "no such handoff")
    return handoff


async def _claim_if_waiting(app: Any, handoff: Handoff, name: str) -> None:
    if handoff.status != WAITING:
        return
    try:
        claimed = await _store(app).claim(handoff.id, name)
    except HandoffConflict:
        return  # claimed by someone else just now: the contact center acts anyway
    app.ctx.events.publish(ev.HANDOFF_ASSIGNED, {"handoff": claimed.to_json()})


async def agent_reply(
    app: Any, handoff: Handoff, name: str, text: str, *, internal: bool = False
) -> Answer:
    """An external agent's reply (or internal note) on ``handoff``: 201, with the message."""
    if handoff.status == CLOSED:
        raise InboundError(409, "conflict", "the handoff is closed")
    await _claim_if_waiting(app, handoff, name)
    try:
        sent = await operations.reply(
            app, handoff.id, Agent(0, name, SUPERVISOR_ROLE), text, internal=internal
        )
    except HandoffConflict as error:
        raise InboundError(409, "conflict", str(error)) from None
    return Answer(
        201,
        {
            "handoff_id": handoff.id,
            "message": sent.message.to_json(),
            # False: recorded, but the customer's channel did not take it.
            "delivered": sent.delivered,
        },
    )


async def close(app: Any, handoff: Handoff, name: str, resolution: str | None) -> Answer:
    """Close ``handoff`` on behalf of an external agent and resume the bot: 200.

    Closing a closed handoff is not an error (contact centers send "solved"
    and later "closed"): the answer says ``"already_closed": true``.
    """
    if handoff.status != CLOSED:
        await _claim_if_waiting(app, handoff, name)
        try:
            closed, resumed = await operations.close(
                app, handoff.id, name, resolution, supervisor=True
            )
        except HandoffConflict:
            pass  # closed by someone else just now
        else:
            body: dict[str, Any] = {"handoff": closed.to_json(), "already_closed": False}
            if resumed is not None:
                body["bot_resumed"] = resumed
            return Answer(200, body)
    current = await _store(app).get(handoff.id, with_transcript=False)
    assert current is not None
    return Answer(200, {"handoff": current.to_json(), "already_closed": True})

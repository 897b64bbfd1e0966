"""What Zendesk sends back: agents' public comments and solved tickets.

``POST /api/integrations/zendesk``, from a Zendesk webhook (signing secret
``HANDOFF_ZENDESK_WEBHOOK_SECRET``) that a trigger calls with this JSON body
(see the README for the trigger; handoff.integrations.bodies.ZendeskEvent)::

    {"ticket_id": "123", "status": "solved",
     "comment": {"id": "456", "public": true, "body": "...",
                 "created_at": "2027-01-15T08:00:00Z",
                 "author": {"id": "789", "name": "Jane Doe"}}}

Ids may be numbers or strings of digits (placeholders render strings);
``comment`` is optional, and so are its ``id``, ``created_at``, ``public``
(default true) and ``author.id``. A public comment by anyone but the
requester is an agent reply, delivered to the customer once (per comment id,
or without one per ticket, author, time and text); a private one is ignored. Status
``solved`` or ``closed`` closes the handoff and resumes the bot (once per
ticket). Both may come in one request: the comment is handled first.
Answers: 200 with what was done; 401 bad signature; 400 malformed; 404 a
ticket that is not a handoff's; 409 a comment on a closed handoff.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.bodies import parse_body
from handoff.context import ServiceContext, context_of
from handoff.errors import NotFound, Unauthorized
from handoff.integrations import inbound
from handoff.integrations.bodies import ZendeskComment, ZendeskEvent
from handoff.integrations.inbound import Answer, InboundLog
from handoff.integrations.settings import ZENDESK, IntegrationSettings
from handoff.integrations.signatures import (
    ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
    SignatureError,
    zendesk_verify,
)
from handoff.integrations.zendesk import Ticket, TicketMap
from handoff.store import Handoff

INBOUND_PATH = "/api/integrations/zendesk"


def comment_key(ticket_id: int, comment: ZendeskComment) -> str:
    """What a comment is carried out once per: Zendesk's comment id when the
    trigger renders it; else a digest of ticket, author, time and text."""
    if comment.id is not None:
        return f"comment:{comment.id}"
    # The same comment resent has the same digest; two comments differ in time
    # (or text) unless an agent sends the same words twice within a second.
    digest = hashlib.sha256(
        json.dumps([ticket_id, comment.author.id, comment.created_at, comment.body]).encode()
    ).hexdigest()
    return f"comment-digest:{digest}"


async def carry_out(ctx: ServiceContext, event: ZendeskEvent) -> dict[str, Any]:
    """The comment, then the solve; what was done, for the answer."""
    engine = ctx.store.engine
    log, tickets = InboundLog(engine), TicketMap(engine)
    ticket = await tickets.for_ticket(event.ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {event.ticket_id} is not a handoff's")
    handoff = await ctx.store.get(ticket.handoff_id, with_transcript=False)
    assert handoff is not None  # zendesk_tickets cascades with handoffs
    result: dict[str, Any] = {"handoff_id": handoff.id, "ticket_id": event.ticket_id}
    comment = event.new_comment
    if comment is not None:
        result["comment"] = await _agent_comment(ctx, log, handoff, ticket, comment)
    if event.solved:
        # Recorded first: the handoff.closed this close journals is then not
        # sent back to solve the ticket again.
        await tickets.mark_solved(event.ticket_id)
        current = await ctx.store.get(handoff.id, with_transcript=False)
        assert current is not None
        name = inbound.agent_name(ZENDESK, comment.author.display_name if comment else "Zendesk")
        resolution = f"solved in Zendesk ticket #{event.ticket_id}"
        closed = await log.once(
            ZENDESK,
            f"ticket:{event.ticket_id}:solved",
            lambda: inbound.close(ctx, current, name, resolution),
        )
        result["close"] = closed.body
    return result


async def _agent_comment(
    ctx: ServiceContext,
    log: InboundLog,
    handoff: Handoff,
    ticket: Ticket,
    comment: ZendeskComment,
) -> dict[str, Any]:
    if not comment.public:
        return {"ignored": "a private note stays in Zendesk"}
    if ticket.requester_id is not None and comment.author.id == ticket.requester_id:
        return {"ignored": "the customer's own message, posted by this service"}
    name = inbound.agent_name(ZENDESK, comment.author.display_name)

    async def reply() -> Answer:
        return await inbound.agent_reply(ctx, handoff, name, comment.body)

    answer = await log.once(ZENDESK, comment_key(ticket.ticket_id, comment), reply)
    return answer.body


async def receive(request: Request, secret: str) -> HTTPResponse:
    """``POST /api/integrations/zendesk``: authenticate, then parse, then carry out."""
    body = request.body or b""
    try:
        zendesk_verify(
            secret,
            body,
            request.headers.get(ZENDESK_TIMESTAMP_HEADER),
            request.headers.get(ZENDESK_SIGNATURE_HEADER),
        )
    except SignatureError as error:
        raise Unauthorized(str(error)) from None
    event = parse_body(ZendeskEvent, body)
    return json_response(await carry_out(context_of(request), event), 200)


def blueprint(settings: IntegrationSettings) -> Blueprint:
    """The inbound route; a new blueprint per app (Sanic binds a blueprint to its apps)."""
    bp = Blueprint(f"integrations_{ZENDESK}")

    @bp.post(INBOUND_PATH)
    async def zendesk_inbound(request: Request) -> HTTPResponse:
        return await receive(request, settings.zendesk_webhook_secret)

    return bp

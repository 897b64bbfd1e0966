"""The handoffs: the queue, and what agents and the bot do to each one.

::

    POST /api/handoffs                         admin (the bot's outbox): idempotent on escalation_id
    GET  /api/handoffs?status=&conversation_id=&limit=
    GET  /api/handoffs/<id>                    with its transcript
    POST /api/handoffs/<id>/claim              agent, supervisor (within capacity, routing on)
    POST /api/handoffs/<id>/accept             the agent it is offered to (handoff.routing)
    POST /api/handoffs/<id>/decline            the agent it is offered to: on to the next
    POST /api/handoffs/<id>/transfer           {to}: the assignee, or a supervisor
    POST /api/handoffs/<id>/messages           the assignee, or a supervisor
    POST /api/handoffs/<id>/close              the assignee, a supervisor, admin
    POST /api/handoffs/<id>/customer-messages  admin (the bot relays the customer)

A new handoff needs its customer's language (``language``, "en" when the bot
sends none) and the topics of its reasons, intents and ``skills``
(handoff.routing.topics), stored with it for routing.

A new handoff answers with its place in the queue and a rough expected wait
(:func:`expected_wait_s`). One created late (the service was down while the
outbox retried) first gets what the customer wrote meanwhile, from Rasa's
tracker (handoff.catch_up).

A reply is recorded, then delivered (handoff.operations.reply); one that did
not arrive answers 502 with the recorded message, so the desk can say so and
offer to resend it: the one error answer with more than ``{"error", "detail"}``.
Its ``error`` is ``window_closed`` when the Rasa side refused it for
WhatsApp's 24-hour window (its code, passed on by handoff.delivery; with a
deliver hook that gives no reason, when the window has closed by the record,
handoff.desk.window): the detail of a handoff carries ``window_closes_at``
for the same reason.

What people (agents, supervisors) are answered has card numbers and the like
masked (handoff.desk.masking, ``HANDOFF_DESK_MASK``); the admin token reads
what was stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff import operations
from handoff.auth import ADMIN_ROLE, EVERYONE, PEOPLE, authorized, caller
from handoff.bodies import (
    AgentReply,
    Close,
    CustomerMessage,
    NewHandoff,
    Transfer,
    parse_body,
)
from handoff.catch_up import catch_up, is_late, transcript_end
from handoff.context import ServiceContext, context_of
from handoff.delivery import WINDOW_CLOSED
from handoff.desk.masking import masked_handoff, masked_handoffs, masked_message
from handoff.desk.window import window_closed, window_closes_at
from handoff.errors import HandoffConflict, HandoffNotFound, InvalidRequest
from handoff.inputs import query_int, query_text, stored_id
from handoff.metrics import metrics_of
from handoff.models import CLOSED, STATUSES, SUPERVISOR_ROLE, WAITING, utc_now
from handoff.rasa_client import RasaError
from handoff.routing import language_of, topics_for
from handoff.settings import HandoffSettings
from handoff.store import Handoff, NewMessage, iso

logger = logging.getLogger(__name__)

# A new handoff carries the transcript (200 messages at most, each within its
# channel's limit: up to 4096 characters, 24 kB as JSON escapes): read as a
# stream, after the admin token was checked, up to this many bytes. Every
# other body is capped by the app (handoff.service.MAX_REQUEST_BYTES).
MAX_HANDOFF_BYTES = 8 * 1024 * 1024
# How long creating a late handoff may wait for Rasa's tracker (handoff.catch_up):
# the outbox that calls is waiting too.
CATCH_UP_TIMEOUT_S = 5.0
MAX_LIST_LIMIT = 500


def expected_wait_s(
    position: int | None, agents: int, settings: HandoffSettings, now: dt.datetime
) -> float | None:
    """A rough estimate: the handoffs up to this one, shared among all enabled
    agents, each taking the average handle time; plus the time until opening.
    Rough on purpose (agents are not all online): it errs towards longer."""
    if position is None:
        return None
    wait = position * settings.average_handle_s / max(1, agents)
    opening = settings.business_hours.next_opening(now)
    if opening is not None:
        wait += (opening - now.replace(tzinfo=dt.timezone.utc)).total_seconds()
    return round(wait)


def known(handoff_id: int) -> int:
    """``handoff_id`` if a row could have it. Sanic's <id:int> takes any length:
    past 64 bits no row has it (404), and SQLite could not even bind it."""
    if not stored_id(handoff_id):
        raise HandoffNotFound(handoff_id)
    return handoff_id


async def catch_up_if_late(ctx: ServiceContext, handoff: Handoff, sent: list[NewMessage]) -> None:
    # Also when the outbox retries (created False): an earlier attempt may
    # have created the handoff and failed before catching up.
    sent_until = transcript_end(sent)
    if ctx.rasa is None or handoff.status == CLOSED or not is_late(handoff, sent_until):
        return
    try:
        await asyncio.wait_for(
            catch_up(ctx.store, ctx.rasa, handoff, sent_until), CATCH_UP_TIMEOUT_S
        )
    except (RasaError, asyncio.TimeoutError) as error:
        logger.error(
            "handoff %d was created late and what the customer wrote meanwhile "
            "could not be read from Rasa: %s",
            handoff.id,
            error or "timed out",
        )


# Streamed: a transcript may be larger than the app's cap on bodies, and the
# body is read only once the admin token has been checked.
@authorized(ADMIN_ROLE)
async def create_handoff(request: Request) -> HTTPResponse:
    if request.stream is not None:
        # Sanic lifted the limit for this streamed route; the read below
        # answers 413 past this one.
        request.stream.request_max_size = MAX_HANDOFF_BYTES
    await request.receive_body()
    body = parse_body(NewHandoff, request.body)
    ctx = context_of(request)
    sent = body.sent()
    handoff, created = await ctx.store.create_handoff(
        escalation_id=body.escalation_id,
        conversation_id=body.conversation_id,
        channel=body.channel,
        customer_id=body.customer_id,
        customer=body.customer,
        reasons=body.reasons,
        priority=body.priority,
        anger=body.anger,
        summary=body.summary,
        transcript=sent,
        language=language_of(body.language),
        skills=topics_for(body.reasons, body.summary, body.skills),
    )
    metrics = metrics_of(request)
    if created and metrics is not None:
        metrics.created(handoff)
    await catch_up_if_late(ctx, handoff, sent)
    now = utc_now()
    position = await ctx.store.queue_position(handoff.id)
    opening = ctx.settings.business_hours.next_opening(now)
    agents = await ctx.store.count_agents()
    data = handoff.to_json()
    data.update(
        queue_position=position,
        expected_wait_s=expected_wait_s(position, agents, ctx.settings, now),
        business_hours_open=opening is None,
        next_opening=None if opening is None else opening.isoformat(),
    )
    return json_response(data, 201 if created else 200)


@authorized(*EVERYONE)
async def list_handoffs(request: Request) -> HTTPResponse:
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
    limit = query_int(request.args, "limit", default=100, minimum=1, maximum=MAX_LIST_LIMIT)
    conversation_id = query_text(request.args, "conversation_id")
    found = await context_of(request).store.list(status, conversation_id, limit)
    shown = await masked_handoffs(request, [handoff.to_json() for handoff in found])
    return json_response({"handoffs": shown})


@authorized(*EVERYONE)
async def get_handoff(request: Request, handoff_id: int) -> HTTPResponse:
    store = context_of(request).store
    handoff = await store.get(known(handoff_id), with_transcript=True)
    if handoff is None:
        raise HandoffNotFound(handoff_id)
    data = await masked_handoff(request, handoff.to_json())
    if handoff.status == WAITING:
        data["queue_position"] = await store.queue_position(handoff_id)
    data["window_closes_at"] = iso(window_closes_at(handoff))
    return json_response(data)


@authorized(*PEOPLE)
async def claim(request: Request, handoff_id: int) -> HTTPResponse:
    ctx = context_of(request)
    # Routing on, a claim by hand respects capacity too (409 past it).
    handoff = await ctx.store.claim(
        known(handoff_id), caller(request).name, within_capacity=ctx.settings.auto_assign
    )
    return json_response(await masked_handoff(request, handoff.to_json()))


@authorized(*PEOPLE)
async def accept(request: Request, handoff_id: int) -> HTTPResponse:
    # HandoffConflict (409): not offered to the caller (any more), or expired.
    handoff = await context_of(request).store.accept_offer(known(handoff_id), caller(request).name)
    return json_response(await masked_handoff(request, handoff.to_json()))


@authorized(*PEOPLE)
async def decline(request: Request, handoff_id: int) -> HTTPResponse:
    # The journaled handoff.offer_ended wakes the router, which offers it on.
    handoff = await context_of(request).store.decline_offer(known(handoff_id), caller(request).name)
    return json_response(await masked_handoff(request, handoff.to_json()))


@authorized(*PEOPLE)
async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
    known(handoff_id)
    body = parse_body(Transfer, request.body)
    store = context_of(request).store
    try:
        handoff = await store.transfer(handoff_id, caller(request).agent, body.to)
    except ValueError as error:  # no such agent to transfer to
        raise InvalidRequest(str(error)) from None
    return json_response(await masked_handoff(request, handoff.to_json()))


@authorized(*PEOPLE)
async def agent_message(request: Request, handoff_id: int) -> HTTPResponse:
    known(handoff_id)
    body = parse_body(AgentReply, request.body)
    sent = await operations.reply(
        context_of(request), handoff_id, caller(request).agent, body.text, internal=body.internal
    )
    message = await masked_message(request, sent.message.to_json())
    if body.internal or sent.delivered:
        return json_response({"message": message}, 201)
    if sent.refusal == WINDOW_CLOSED or (
        sent.refusal is None and await _window_closed(request, handoff_id)
    ):
        # The Rasa side refuses free text after WhatsApp's window (409
        # refused, code window_closed) unless a template can carry it, and
        # the window is what the agent must learn. A deliver hook of one's
        # own may not say why: then the window is judged from the record.
        return json_response(
            {
                "error": "window_closed",
                "detail": (
                    "WhatsApp's 24-hour window has closed: only approved templates may be "
                    "sent until the customer writes again"
                ),
                "message": message,
            },
            502,
        )
    return json_response(
        {
            "error": "delivery failed",
            "detail": "the reply was recorded but could not be delivered to the customer",
            "message": message,
        },
        502,
    )


async def _window_closed(request: Request, handoff_id: int) -> bool:
    # last_customer_message_at is enough here (handoff.desk.window): no transcript read.
    handoff = await context_of(request).store.get(handoff_id, with_transcript=False)
    return handoff is not None and window_closed(handoff, utc_now())


@authorized(*EVERYONE)
async def close(request: Request, handoff_id: int) -> HTTPResponse:
    known(handoff_id)
    body = parse_body(Close, request.body)
    principal = caller(request)
    handoff, resumed = await operations.close(
        context_of(request),
        handoff_id,
        principal.name,
        body.resolution,
        supervisor=principal.role in (SUPERVISOR_ROLE, ADMIN_ROLE),
    )
    data = await masked_handoff(request, handoff.to_json())
    if resumed is not None:
        data["bot_resumed"] = resumed
    return json_response(data)


@authorized(ADMIN_ROLE)
async def customer_message(request: Request, handoff_id: int) -> HTTPResponse:
    known(handoff_id)
    body = parse_body(CustomerMessage, request.body)
    message, created = await context_of(request).store.append_message(
        handoff_id, body.role, body.text, body.timestamp, body.source_event_id
    )
    if message.handoff_id != handoff_id:
        # The id was recorded for another handoff's message, which this
        # caller must not be shown.
        raise HandoffConflict("source_event_id belongs to another handoff's message")
    return json_response({"message": message.to_json()}, 201 if created else 200)


def blueprint() -> Blueprint:
    bp = Blueprint("handoffs")
    one = "/api/handoffs/<handoff_id:int>"
    bp.add_route(create_handoff, "/api/handoffs", methods=["POST"], stream=True)
    bp.add_route(list_handoffs, "/api/handoffs", methods=["GET"])
    bp.add_route(get_handoff, one, methods=["GET"])
    bp.add_route(claim, f"{one}/claim", methods=["POST"])
    bp.add_route(accept, f"{one}/accept", methods=["POST"])
    bp.add_route(decline, f"{one}/decline", methods=["POST"])
    bp.add_route(transfer, f"{one}/transfer", methods=["POST"])
    bp.add_route(agent_message, f"{one}/messages", methods=["POST"])
    bp.add_route(close, f"{one}/close", methods=["POST"])
    bp.add_route(customer_message, f"{one}/customer-messages", methods=["POST"])
    return bp

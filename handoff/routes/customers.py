"""One customer across channels: a handoff's earlier conversations, and linking by hand.

::

    GET    /api/handoffs/<id>/history                everyone who may see the handoff
    PUT    /api/customers/links/<conversation_id>    {customer_key}: supervisor, admin
    DELETE /api/customers/links/<conversation_id>    supervisor, admin

The history is what an agent needs beside a handoff: the customer's other
sessions (on any channel, linked by handoff.customers) and their outcomes,
not their messages. Linking by hand is a supervisor's: a wrong link shows one
person's history to the agent of another. Changes with the desk's cookie
need the CSRF token, as every change does (handoff.auth).

Automatic links are made as handoffs are created: the blueprint adds
handoff.customers' journal listener to the store once the server has
started (so handoff.routes.handoffs and the store stay as they are). Not
when a history is read: a supervisor's unlink would be undone by the next
read; a conversation unlinked stays so until its next handoff.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, EVERYONE, authorized, caller
from handoff.bodies import Body, parse_body, rule_field
from handoff.context import context_of
from handoff.customers import CustomerLinks, customer_key, valid_conversation_id
from handoff.desk.masking import kinds_for
from handoff.errors import HandoffNotFound, InvalidRequest, NotFound
from handoff.models import SUPERVISOR_ROLE
from handoff.routes.handoffs import known
from plumbing.redaction import redact


class LinkBody(Body):
    """``PUT /api/customers/links/<conversation_id>``."""

    customer_key: str = rule_field(customer_key)


def links_of(request: Request) -> CustomerLinks:
    # A thin wrapper around the store's engine: nothing to keep between requests.
    return CustomerLinks(context_of(request).store.engine)


def conversation(conversation_id: str) -> str:
    """The path's conversation id, if a conversation could have it (400 otherwise)."""
    if not valid_conversation_id(conversation_id):
        raise InvalidRequest("conversation_id must be 1 to 255 printable characters")
    return conversation_id


@authorized(*EVERYONE)
async def history(request: Request, handoff_id: int) -> HTTPResponse:
    handoff = await context_of(request).store.get(known(handoff_id), with_transcript=False)
    if handoff is None:
        raise HandoffNotFound(handoff_id)
    history = await links_of(request).ahistory(handoff.conversation_id, handoff.created_at)
    found = history.to_json()
    # A satisfaction comment is the customer's words: masked as transcripts are.
    kinds = kinds_for(request)
    for earlier in found["conversations"]:
        if earlier["csat_comment"] and kinds:
            earlier["csat_comment"] = redact(earlier["csat_comment"], kinds)
    return json_response(
        {"handoff_id": handoff.id, "conversation_id": handoff.conversation_id, **found}
    )


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def link(request: Request, conversation_id: str) -> HTTPResponse:
    conversation(conversation_id)
    body = parse_body(LinkBody, request.body)
    links = links_of(request)
    if not await links.aconversation_exists(conversation_id):
        raise NotFound("no handoff or conversation record has this conversation id")
    made = await links.alink(conversation_id, body.customer_key, caller(request).name)
    return json_response(made.to_json())


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def unlink(request: Request, conversation_id: str) -> HTTPResponse:
    conversation(conversation_id)
    removed = await links_of(request).aunlink(conversation_id)
    if removed is None:
        raise NotFound("this conversation is not linked to a customer")
    return json_response(removed.to_json())


async def link_new_handoffs(app: Sanic, _loop: Any) -> None:
    """Link each new handoff's conversation as its creation commits (handoff.customers)."""
    store = context_of(app).store
    store.listen_to_journal(CustomerLinks(store.engine).on_journal)


def blueprint() -> Blueprint:
    bp = Blueprint("customers")
    bp.add_route(history, "/api/handoffs/<handoff_id:int>/history", methods=["GET"])
    one = "/api/customers/links/<conversation_id:str>"
    # Conversation ids hold "+" (SMS), and may hold "/": the desk sends them
    # percent-encoded, and Sanic leaves path parameters encoded unless told.
    bp.route(one, methods=["PUT"], unquote=True)(link)
    bp.route(one, methods=["DELETE"], unquote=True)(unlink)
    bp.after_server_start(link_new_handoffs)
    return bp

"""``POST /api/agents`` (admin): a new agent or supervisor, and their API token,
shown this once (only its hash is stored). The desk's ``GET /api/agents``, whom
to transfer to, is in handoff.desk.routes."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, authorized
from handoff.bodies import NewAgent, parse_body
from handoff.context import context_of


@authorized(ADMIN_ROLE)
async def create_agent(request: Request) -> HTTPResponse:
    body = parse_body(NewAgent, request.body)
    # AgentExists (409) when the name is taken.
    token = await context_of(request).store.create_agent(body.name, body.role)
    return json_response({"name": body.name, "role": body.role, "token": token}, 201)


def blueprint() -> Blueprint:
    bp = Blueprint("agents")
    bp.add_route(create_agent, "/api/agents", methods=["POST"])
    return bp

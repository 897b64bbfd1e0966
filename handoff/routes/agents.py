"""Agents: creating them (admin), and what routing knows of them (handoff.routing).

::

    POST /api/agents                  admin: a new agent or supervisor, and their API
                                      token, shown this once (only its hash is stored)
    GET  /api/agents/routing          everyone: each enabled agent's skills, capacity,
                                      state and load; whether auto-assignment is on
    PUT  /api/agents/me/state         agent, supervisor: {state} available|away|offline
    PUT  /api/agents/<name>/routing   supervisor, admin: {languages, topics, capacity}
    GET  /api/queues                  supervisor, admin: waiting handoffs per skill

The desk's ``GET /api/agents``, whom to transfer to, is in handoff.desk.routes.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, EVERYONE, PEOPLE, authorized, caller
from handoff.bodies import AgentRouting, AgentState, NewAgent, parse_body
from handoff.context import context_of
from handoff.models import SUPERVISOR_ROLE, WAITING
from handoff.routing import skill_queues
from handoff.routing.router import Router

# Waiting handoffs the queues' figures are read from: past it, the oldest
# count and the rest do not (a queue that long is the figure that matters).
MAX_QUEUED = 2000


@authorized(ADMIN_ROLE)
async def create_agent(request: Request) -> HTTPResponse:
    body = parse_body(NewAgent, request.body)
    # AgentExists (409) when the name is taken.
    token = await context_of(request).store.create_agent(body.name, body.role)
    return json_response({"name": body.name, "role": body.role, "token": token}, 201)


@authorized(*EVERYONE)
async def routing_profiles(request: Request) -> HTTPResponse:
    ctx = context_of(request)
    profiles = await ctx.store.agent_profiles()
    return json_response(
        {
            "auto_assign": ctx.settings.auto_assign,
            "offer_timeout_s": ctx.settings.offer_timeout_s,
            "agents": [profile.to_json() for profile in profiles],
        }
    )


@authorized(*PEOPLE)
async def set_my_state(request: Request) -> HTTPResponse:
    body = parse_body(AgentState, request.body)
    ctx = context_of(request)
    # UnknownAgent (404): disabled since the credential was checked.
    profile = await ctx.store.set_agent_state(caller(request).name, body.state)
    wake(ctx.router)
    return json_response(profile.to_json())


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def set_routing(request: Request, name: str) -> HTTPResponse:
    body = parse_body(AgentRouting, request.body)
    ctx = context_of(request)
    profile = await ctx.store.set_agent_routing(name, body.languages, body.topics, body.capacity)
    wake(ctx.router)
    return json_response(profile.to_json())


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def queues(request: Request) -> HTTPResponse:
    store = context_of(request).store
    waiting = await store.list(WAITING, limit=MAX_QUEUED)
    profiles = await store.agent_profiles()
    return json_response(skill_queues(waiting, profiles))


def wake(router: Router | None) -> None:
    """Route now rather than at the router's next check (auto-assignment on)."""
    if router is not None:
        router.wake()


def blueprint() -> Blueprint:
    bp = Blueprint("agents")
    bp.add_route(create_agent, "/api/agents", methods=["POST"])
    bp.add_route(routing_profiles, "/api/agents/routing", methods=["GET"])
    bp.add_route(set_my_state, "/api/agents/me/state", methods=["PUT"])
    bp.add_route(set_routing, "/api/agents/<name:str>/routing", methods=["PUT"])
    bp.add_route(queues, "/api/queues", methods=["GET"])
    return bp

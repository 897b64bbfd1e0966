"""Who is calling the handoff service, and what they may do.

Every route but /health takes ``Authorization: Bearer <token>``: the admin
token (``HANDOFF_ADMIN_TOKEN``: the bot's outbox, operators) or an agent's
own token (``python -m handoff.agents``, stored hashed). Roles: ``admin``,
``agent`` and ``supervisor``. A missing or wrong token gets 401 with the same
body every time; a known caller without the role, 403.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.models import AGENT_ROLE, SUPERVISOR_ROLE
from handoff.settings import HandoffSettings
from handoff.store import Agent

ADMIN_ROLE = "admin"
PEOPLE = (AGENT_ROLE, SUPERVISOR_ROLE)
EVERYONE = (ADMIN_ROLE, *PEOPLE)

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the admin, or an agent with their role."""

    name: str
    role: str

    @property
    def agent(self) -> Agent:
        return Agent(0, self.name, self.role)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def authenticate(request: Request) -> Principal | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    settings: HandoffSettings = request.app.ctx.settings
    # Digests have one length, so the comparison time says nothing about the token.
    if settings.admin_token and hmac.compare_digest(_digest(token), _digest(settings.admin_token)):
        return Principal(ADMIN_ROLE, ADMIN_ROLE)
    agent = await request.app.ctx.store.agent_for_token(token)
    return None if agent is None else Principal(agent.name, agent.role)


def authorized(*roles: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse | None:
            principal = await authenticate(request)
            if principal is None:
                return json_response(
                    {"error": "unauthorized"}, 401, headers={"WWW-Authenticate": "Bearer"}
                )
            if principal.role not in roles:
                return json_response({"error": "forbidden"}, 403)
            request.ctx.principal = principal
            return await handler(request, *args, **kwargs)

        return checked

    return decorate

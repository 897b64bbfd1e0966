"""Who is calling the handoff service, and what they may do.

Two ways in, to the same JSON API:

- ``Authorization: Bearer <token>``: the admin token (``HANDOFF_ADMIN_TOKEN``:
  the bot's outbox, operators) or an agent's own token
  (``python -m handoff.agents``, stored hashed). Scripts and integrations.
- The desk's session cookie (handoff.desk): set at sign-in, HttpOnly, so the
  page's JavaScript never holds a credential; the browser sends it with the
  desk's ``fetch`` calls and its EventSource. Because browsers attach cookies
  to requests other sites trigger, every state-changing request made with
  the cookie must also carry ``X-CSRF-Token`` (a value only the desk's own
  page can read, from ``GET /api/me`` or the sign-in answer) and, when the
  browser sends an ``Origin``, come from the desk's own origin (or one of
  ``HANDOFF_DESK_TRUSTED_ORIGINS``). The cookie is also ``SameSite=Strict``.

The CSRF token is derived from the session token with HMAC (a per-session
token that needs no column of its own): it can be recomputed from the cookie
on every request, and knowing it does not reveal the cookie.

Roles: ``admin``, ``agent`` and ``supervisor``. A missing or wrong credential
gets 401 with the same body every time (a token or cookie that is not ASCII
is a wrong one: every credential we issue is ASCII, and Sanic hands other
bytes over as lone surrogates that no encoder takes); a known caller without
the role, or a cookie request without a valid CSRF token or from another
origin, 403. These are raised (handoff.errors: :class:`CredentialsRequired`,
:class:`Forbidden`, :class:`CsrfRejected`) and answered by the service's
error handler. A bearer token wins over a cookie when a request has both.
A route reads who is calling with :func:`caller`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from http.cookies import CookieError
from typing import Any
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from handoff.context import context_of
from handoff.errors import CredentialsRequired, Forbidden
from handoff.models import AGENT_ROLE, SUPERVISOR_ROLE
from handoff.store import Agent
from plumbing.untrusted import header_bytes

ADMIN_ROLE = "admin"
PEOPLE = (AGENT_ROLE, SUPERVISOR_ROLE)
EVERYONE = (ADMIN_ROLE, *PEOPLE)

SESSION_COOKIE = "desk_session"
CSRF_HEADER = "X-CSRF-Token"
# What a cross-site form or script could make a browser send with the cookie.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CSRF_CONTEXT = b"handoff desk csrf v1"

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


class CsrfRejected(Forbidden):
    """A cookie-authenticated, state-changing request without a valid CSRF token or origin."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the admin, or an agent with their role."""

    name: str
    role: str
    # Set when the caller came in with the desk's session cookie.
    csrf_token: str | None = field(default=None, repr=False, compare=False)

    @property
    def agent(self) -> Agent:
        return Agent(0, self.name, self.role)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def csrf_token_for(session_token: str) -> str:
    return hmac.new(session_token.encode("utf-8"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def origin_allowed(request: Request, trusted_origins: tuple[str, ...] = ()) -> bool:
    """Whether a request's ``Origin`` (if the browser sent one) is the desk's own.

    Same host and port as the request's ``Host`` header: the scheme is left
    out because a proxy that terminates TLS makes the service see http while
    the browser says https. Browsers send ``Origin`` with every cross-site
    POST, so an attacker's page cannot leave it out; a request without one
    came from a same-origin page or from no browser at all.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin.rstrip("/").lower() in trusted_origins:
        return True
    host = request.headers.get("host", "").lower()
    try:
        netloc = urlsplit(origin.lower()).netloc
    except ValueError:  # "http://[": not an origin any browser sends
        return False
    return bool(host) and netloc == host


def session_cookie(request: Request) -> str | None:
    """The desk's session cookie, if the request has one.

    Sanic parses the Cookie header with the standard library's SimpleCookie,
    which raises CookieError on a header no browser sends (``Cookie: ===``):
    such a request has no session, rather than a 500.
    """
    try:
        cookie: str | None = request.cookies.get(SESSION_COOKIE)
    except CookieError:
        return None
    return cookie


async def _session_principal(request: Request, cookie: str) -> Principal | None:
    desk = context_of(request).desk
    if desk is None:
        return None  # the desk is not installed: the cookie means nothing here
    sessions = desk.accounts
    if not cookie.isascii():
        return None  # not one we set (see the module docstring)
    csrf = csrf_token_for(cookie)
    if request.method.upper() in UNSAFE_METHODS:
        # Checked before the session is looked up: a forged request must not
        # even extend the session's idle time.
        sent = header_bytes(request.headers.get(CSRF_HEADER)) or b""
        if not hmac.compare_digest(sent, csrf.encode("ascii")):
            raise CsrfRejected("missing or wrong X-CSRF-Token header")
        if not origin_allowed(request, sessions.trusted_origins):
            raise CsrfRejected("the request comes from another origin")
    agent = await sessions.agent_for_session(cookie)
    return None if agent is None else Principal(agent.name, agent.role, csrf_token=csrf)


async def authenticate(request: Request) -> Principal | None:
    """The caller, or None; raises CsrfRejected (403) for a forged cookie request."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        cookie = session_cookie(request)
        return await _session_principal(request, cookie) if cookie else None
    if not token.isascii():
        return None  # not a token we issued (see the module docstring)
    ctx = context_of(request)
    admin_token = ctx.settings.admin_token
    # Digests have one length, so the comparison time says nothing about the token.
    if admin_token and hmac.compare_digest(_digest(token), _digest(admin_token)):
        return Principal(ADMIN_ROLE, ADMIN_ROLE)
    agent = await ctx.store.agent_for_token(token)
    return None if agent is None else Principal(agent.name, agent.role)


async def still_signed_in(request: Request) -> bool:
    """Whether the credential a long request (the event stream) came with still holds:
    the session not expired nor ended, the agent not disabled. Not activity: a
    desk left open does not keep its session alive by listening."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await authenticate(request) is not None
    cookie = session_cookie(request)
    desk = context_of(request).desk
    if not cookie or not cookie.isascii() or desk is None:
        return False
    return await desk.accounts.agent_for_session(cookie, touch=False) is not None


def authorized(*roles: str) -> Callable[[Handler], Handler]:
    """Let the handler run for callers with one of ``roles``; :func:`caller` says who.

    CredentialsRequired (401) without a valid credential, Forbidden (403)
    without the role, CsrfRejected (403) for a forged cookie request.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse | None:
            principal = await authenticate(request)
            if principal is None:
                raise CredentialsRequired()
            if principal.role not in roles:
                raise Forbidden()
            request.ctx.principal = principal
            return await handler(request, *args, **kwargs)

        return checked

    return decorate


def caller(request: Request) -> Principal:
    """Who is calling, in a handler behind :func:`authorized`."""
    principal = getattr(request.ctx, "principal", None)
    if not isinstance(principal, Principal):
        raise TypeError("caller() is for handlers behind handoff.auth.authorized")
    return principal

"""The desk's routes: its page and static files, sign-in and sign-out, and the
JSON the page needs besides the handoff API (handoff.service).

    GET    /desk                     the page (index.html, desk.js, desk.css under /desk/)
    POST   /api/session              {name, password} -> sets the session cookie;
                                     {name, role, csrf_token}
    DELETE /api/session              sign out (ends the session, clears the cookie)
    GET    /api/me                   who is signed in, the CSRF token, the SLA thresholds
    GET    /api/agents               enabled agents and supervisors (whom to transfer to)
    GET    /api/stats?period=        supervisor, admin: handoff.stats (today|week|month)
    GET    /api/canned-responses     handoff.desk.canned
    GET    /api/channels             each channel's reply length limit (handoff.desk.channels)

Every /api route but sign-in goes through handoff.auth.authorized, so a bearer
token works as well as the desk's cookie. The page is static and carries no
data and no secret: the script loads everything through the API. It is sent
with a strict Content-Security-Policy (scripts and styles from this origin
only, no inline code, no framing), so an injected ``<script>`` would not run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response

from handoff import stats
from handoff.auth import (
    ADMIN_ROLE,
    EVERYONE,
    SESSION_COOKIE,
    Principal,
    authorized,
    csrf_token_for,
    origin_allowed,
    session_cookie,
)
from handoff.desk.accounts import AccountStore
from handoff.desk.canned import CannedResponse
from handoff.desk.channels import channels_json
from handoff.desk.passwords import MAX_PASSWORD_LENGTH, HashingBusy
from handoff.desk.settings import DeskSettings
from handoff.desk.throttle import LoginThrottle, Throttled
from handoff.inputs import UntrustedInput, json_object
from handoff.models import SUPERVISOR_ROLE, utc_now
from handoff.settings import HandoffSettings
from handoff.store import iso

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSET_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "desk.js": "text/javascript; charset=utf-8",
    "desk.css": "text/css; charset=utf-8",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    # Small files: revalidate each load, so a deploy is seen at once.
    "Cache-Control": "no-cache",
}
NO_STORE = {"Cache-Control": "no-store"}
GENERIC_SIGN_IN_ERROR = "wrong name or password"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str


def load_assets(directory: Path = STATIC_DIR) -> dict[str, Asset]:
    return {
        name: Asset((directory / name).read_bytes(), content_type)
        for name, content_type in ASSET_TYPES.items()
    }


def _error(status: int, error: str, detail: str, **headers: str) -> HTTPResponse:
    return json_response({"error": error, "detail": detail}, status, headers=headers or None)


def _json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; UntrustedInput (400) otherwise, nested too deep included."""
    return json_object(request.body or b"")


def create_blueprint(
    settings: DeskSettings, canned: list[CannedResponse], assets: dict[str, Asset]
) -> Blueprint:
    bp = Blueprint("desk")
    throttle: LoginThrottle = LoginThrottle()

    def accounts(request: Request) -> AccountStore:
        store: AccountStore = request.app.ctx.desk_sessions
        return store

    def serve(name: str) -> HTTPResponse:
        asset = assets[name]
        return raw(asset.body, content_type=asset.content_type, headers=PAGE_HEADERS)

    # -- the page ------------------------------------------------------------------------

    @bp.get("/desk")
    async def page(_request: Request) -> HTTPResponse:
        return serve("index.html")

    @bp.get("/desk/desk.js")
    async def script(_request: Request) -> HTTPResponse:
        return serve("desk.js")

    @bp.get("/desk/desk.css")
    async def style(_request: Request) -> HTTPResponse:
        return serve("desk.css")

    # -- signing in and out --------------------------------------------------------------

    @bp.post("/api/session")
    async def sign_in(request: Request) -> HTTPResponse:
        # No session yet, so no CSRF token: a cross-site page is stopped by
        # the Origin check, and by JSON, which a plain form cannot send
        # (a script on another origin would need a CORS preflight we refuse).
        if not origin_allowed(request, settings.trusted_origins):
            return _error(403, "forbidden", "the request comes from another origin")
        if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
            return _error(415, "unsupported media type", "send the name and password as JSON")
        try:
            body = _json_body(request)
        except UntrustedInput as error:
            return _error(400, "invalid request", str(error))
        name = body.get("name")
        password = body.get("password")
        if not isinstance(name, str) or not name.strip() or not isinstance(password, str):
            return _error(400, "invalid request", "name and password must be strings")
        name = name.strip()
        if not password or len(name) > 128 or len(password) > MAX_PASSWORD_LENGTH:
            return _error(401, "unauthorized", GENERIC_SIGN_IN_ERROR)
        ip = request.remote_addr or request.ip
        # The attempt is reserved before the password is checked: attempts
        # sent at once cannot all pass the check (handoff.desk.throttle).
        try:
            attempt = throttle.begin(name, ip)
        except Throttled as throttled:
            seconds = max(1, math.ceil(throttled.retry_after_s))
            return _error(
                429,
                "too many attempts",
                f"too many failed sign-ins; try again in {seconds} seconds",
                **{"Retry-After": str(seconds)},
            )
        with attempt:
            try:
                agent = await accounts(request).check_password(name, password)
            except HashingBusy:
                # Not counted as a failure: the password was not checked.
                return _error(
                    503,
                    "busy",
                    "too many sign-ins at once; try again in a moment",
                    **{"Retry-After": "1"},
                )
            if agent is None:
                attempt.failed()
                return _error(401, "unauthorized", GENERIC_SIGN_IN_ERROR)
            attempt.succeeded()
        previous = session_cookie(request)
        if previous:
            await accounts(request).end_session(previous)
        token = await accounts(request).start_session(agent)
        response = json_response(
            {"name": agent.name, "role": agent.role, "csrf_token": csrf_token_for(token)},
            headers={**SECURITY_HEADERS, **NO_STORE},
        )
        response.cookies[SESSION_COOKIE] = token
        cookie = response.cookies[SESSION_COOKIE]
        cookie["path"] = "/"
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["secure"] = settings.cookie_secure
        # The browser may drop it when the server would anyway; the server decides.
        cookie["max-age"] = int(settings.session_max_s)
        return response

    @bp.delete("/api/session")
    @authorized(*EVERYONE)
    async def sign_out(request: Request) -> HTTPResponse:
        token = session_cookie(request)
        if token:
            await accounts(request).end_session(token)
        response = HTTPResponse(status=204, headers=NO_STORE)
        del response.cookies[SESSION_COOKIE]
        return response

    # -- what the page needs -------------------------------------------------------------

    @bp.get("/api/me")
    @authorized(*EVERYONE)
    async def me(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        return json_response(
            {
                "name": principal.name,
                "role": principal.role,
                "csrf_token": principal.csrf_token,
                "server_time": iso(utc_now()),
                "sla": {"amber_s": settings.sla_amber_s, "red_s": settings.sla_red_s},
            },
            headers={**SECURITY_HEADERS, **NO_STORE},
        )

    @bp.get("/api/agents")
    @authorized(*EVERYONE)
    async def list_agents(request: Request) -> HTTPResponse:
        people = await accounts(request).enabled_agents()
        return json_response(
            {"agents": [{"name": agent.name, "role": agent.role} for agent in people]}
        )

    @bp.get("/api/stats")
    @authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
    async def supervisor_stats(request: Request) -> HTTPResponse:
        period = request.args.get("period") or stats.DEFAULT_PERIOD
        if period not in stats.PERIODS:
            return _error(
                400, "invalid request", f"period must be one of {', '.join(stats.PERIODS)}"
            )
        handoff_settings: HandoffSettings = request.app.ctx.settings
        numbers = await stats.desk_stats(
            request.app.ctx.store.engine,
            utc_now(),
            handoff_settings.business_hours.timezone,
            period,
        )
        return json_response(numbers.to_json())

    @bp.get("/api/canned-responses")
    @authorized(*EVERYONE)
    async def canned_responses(_request: Request) -> HTTPResponse:
        return json_response({"canned_responses": [item.to_json() for item in canned]})

    @bp.get("/api/channels")
    @authorized(*EVERYONE)
    async def channel_limits(_request: Request) -> HTTPResponse:
        return json_response(channels_json())

    return bp

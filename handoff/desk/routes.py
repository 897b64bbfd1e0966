"""The desk's routes: its page and static files, sign-in and sign-out, and the
JSON the page needs besides the handoff API (handoff.service).

    GET    /desk                     the page (index.html, desk.js, desk.css, and the
                                     modules routing.js and i18n.js under /desk/)
    GET    /desk/review.html         the trainers' review inbox, read-only (review.js)
    POST   /api/session              {name, password} -> sets the session cookie;
                                     {name, role, csrf_token}
    DELETE /api/session              sign out (ends the session, clears the cookie)
    GET    /api/me                   who is signed in, the CSRF token, the SLA thresholds
    GET    /api/agents               enabled agents and supervisors (whom to transfer to)
    GET    /api/stats?period=        supervisor, admin: handoff.stats (today|week|month)
    GET    /api/insights...          supervisor, admin: handoff.desk.insights
    GET    /api/review?conversation= supervisor, admin: handoff.desk.review
    GET    /api/canned-responses?language=
                                     handoff.desk.canned: all, or those for a
                                     conversation's language (English when none)
    GET    /api/channels             each channel's reply length limit (handoff.desk.channels)

Every /api route but sign-in goes through handoff.auth.authorized, so a bearer
token works as well as the desk's cookie. Handlers are plain functions; what
they share (settings, canned responses, the page's files, the sign-in
throttle, the sessions) is the desk's part of the service's context
(:func:`desk_of`, handoff.desk.parts). What goes wrong is raised
(handoff.errors: 403 another origin, 415 not JSON, 400 a wrong body, 401 a
wrong name or password, 429 throttled, 503 too many password checks waiting)
and answered by the service's error handler. The page is static and carries no
data and no secret: the script loads everything through the API. It is sent
with a strict Content-Security-Policy (scripts and styles from this origin
only, no inline code, no framing), so an injected ``<script>`` would not run.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response

from handoff import stats
from handoff.auth import (
    ADMIN_ROLE,
    EVERYONE,
    SESSION_COOKIE,
    authorized,
    caller,
    csrf_token_for,
    origin_allowed,
    session_cookie,
)
from handoff.bodies import MAX_NAME_LENGTH, SignIn, parse_body
from handoff.context import context_of
from handoff.desk import insights, review
from handoff.desk.canned import MAX_LANGUAGE_LENGTH, for_language
from handoff.desk.channels import channels_json
from handoff.desk.parts import DeskParts
from handoff.desk.passwords import MAX_PASSWORD_LENGTH
from handoff.errors import Forbidden, InvalidRequest, Unauthorized, UnsupportedMediaType
from handoff.models import SUPERVISOR_ROLE, utc_now
from handoff.routing.topics import LANGUAGE_PATTERN
from handoff.store import iso

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


def desk_of(request: Request) -> DeskParts:
    """The desk installed on the app serving ``request``."""
    desk = context_of(request).desk
    if desk is None:
        raise TypeError("the desk's routes run on an app the desk was installed on")
    return desk


# -- the page ----------------------------------------------------------------------------


def serve(request: Request, name: str) -> HTTPResponse:
    asset = desk_of(request).assets[name]
    return raw(asset.body, content_type=asset.content_type, headers=PAGE_HEADERS)


async def page(request: Request) -> HTTPResponse:
    return serve(request, "index.html")


async def script(request: Request) -> HTTPResponse:
    return serve(request, "desk.js")


async def style(request: Request) -> HTTPResponse:
    return serve(request, "desk.css")


async def routing_script(request: Request) -> HTTPResponse:
    return serve(request, "routing.js")


async def i18n_script(request: Request) -> HTTPResponse:
    return serve(request, "i18n.js")


async def review_page(request: Request) -> HTTPResponse:
    return serve(request, "review.html")


async def review_script(request: Request) -> HTTPResponse:
    return serve(request, "review.js")


# -- signing in and out ------------------------------------------------------------------


async def sign_in(request: Request) -> HTTPResponse:
    desk = desk_of(request)
    # No session yet, so no CSRF token: a cross-site page is stopped by the
    # Origin check, and by JSON, which a plain form cannot send (a script on
    # another origin would need a CORS preflight we refuse).
    if not origin_allowed(request, desk.settings.trusted_origins):
        raise Forbidden("the request comes from another origin")
    if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType("send the name and password as JSON")
    body = parse_body(SignIn, request.body)
    name, password = body.name.strip(), body.password
    if not password or len(name) > MAX_NAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise Unauthorized(GENERIC_SIGN_IN_ERROR)
    ip = request.remote_addr or request.ip
    # The attempt is reserved before the password is checked: attempts sent at
    # once cannot all pass the check (handoff.desk.throttle). Throttled (429)
    # before the check and HashingBusy (503) during it do not count.
    with desk.throttle.begin(name, ip) as attempt:
        agent = await desk.accounts.check_password(name, password)
        if agent is None:
            attempt.failed()
            raise Unauthorized(GENERIC_SIGN_IN_ERROR)
        attempt.succeeded()
    previous = session_cookie(request)
    if previous:
        await desk.accounts.end_session(previous)
    token = await desk.accounts.start_session(agent)
    response = json_response(
        {"name": agent.name, "role": agent.role, "csrf_token": csrf_token_for(token)},
        headers={**SECURITY_HEADERS, **NO_STORE},
    )
    response.cookies[SESSION_COOKIE] = token
    cookie = response.cookies[SESSION_COOKIE]
    cookie["path"] = "/"
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = desk.settings.cookie_secure
    # The browser may drop it when the server would anyway; the server decides.
    cookie["max-age"] = int(desk.settings.session_max_s)
    return response


@authorized(*EVERYONE)
async def sign_out(request: Request) -> HTTPResponse:
    token = session_cookie(request)
    if token:
        await desk_of(request).accounts.end_session(token)
    response = HTTPResponse(status=204, headers=NO_STORE)
    del response.cookies[SESSION_COOKIE]
    return response


# -- what the page needs -----------------------------------------------------------------


@authorized(*EVERYONE)
async def me(request: Request) -> HTTPResponse:
    principal = caller(request)
    settings = desk_of(request).settings
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


@authorized(*EVERYONE)
async def list_agents(request: Request) -> HTTPResponse:
    people = await desk_of(request).accounts.enabled_agents()
    return json_response({"agents": [{"name": agent.name, "role": agent.role} for agent in people]})


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def supervisor_stats(request: Request) -> HTTPResponse:
    period = request.args.get("period") or stats.DEFAULT_PERIOD
    if period not in stats.PERIODS:
        raise InvalidRequest(f"period must be one of {', '.join(stats.PERIODS)}")
    ctx = context_of(request)
    numbers = await stats.desk_stats(
        ctx.store.engine, utc_now(), ctx.settings.business_hours.timezone, period
    )
    return json_response(numbers.to_json())


@authorized(*EVERYONE)
async def canned_responses(request: Request) -> HTTPResponse:
    canned = desk_of(request).canned
    language = request.args.get("language")
    if language is not None:
        tag = language.lower().replace("_", "-")
        if len(language) > MAX_LANGUAGE_LENGTH or not LANGUAGE_PATTERN.match(tag):
            raise InvalidRequest("language must be a language tag such as en or es")
        canned = for_language(canned, tag)
    return json_response({"canned_responses": [item.to_json() for item in canned]})


@authorized(*EVERYONE)
async def channel_limits(_request: Request) -> HTTPResponse:
    return json_response(channels_json())


def blueprint() -> Blueprint:
    """The desk's routes on a new blueprint (Sanic binds a blueprint to its apps)."""
    bp = Blueprint("desk")
    bp.add_route(page, "/desk", methods=["GET"])
    bp.add_route(script, "/desk/desk.js", methods=["GET"])
    bp.add_route(style, "/desk/desk.css", methods=["GET"])
    bp.add_route(routing_script, "/desk/routing.js", methods=["GET"])
    bp.add_route(i18n_script, "/desk/i18n.js", methods=["GET"])
    bp.add_route(review_page, "/desk/review.html", methods=["GET"])
    bp.add_route(review_script, "/desk/review.js", methods=["GET"])
    bp.add_route(sign_in, "/api/session", methods=["POST"])
    bp.add_route(sign_out, "/api/session", methods=["DELETE"])
    bp.add_route(me, "/api/me", methods=["GET"])
    bp.add_route(list_agents, "/api/agents", methods=["GET"])
    bp.add_route(supervisor_stats, "/api/stats", methods=["GET"])
    bp.add_route(insights.insights, "/api/insights", methods=["GET"])
    bp.add_route(insights.records_download, "/api/insights/records", methods=["GET"])
    bp.add_route(review.review_inbox, "/api/review", methods=["GET"])
    bp.add_route(canned_responses, "/api/canned-responses", methods=["GET"])
    bp.add_route(channel_limits, "/api/channels", methods=["GET"])
    return bp

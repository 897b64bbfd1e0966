"""handoff.auth with the desk: bearer tokens and the session cookie, CSRF and Origin checks."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sanic.compat import Header
from sanic.request import Request

from handoff.auth import SESSION_COOKIE, csrf_token_for, origin_allowed
from tests.handoff.conftest import Service
from tests.handoff.desk.conftest import PASSWORD, Desk


def request_with(headers: dict[str, str]) -> Request:
    # Only the headers are read: no app or transport is needed.
    return Request(b"/api/x", Header(headers), "1.1", "POST", None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "trusted", "allowed"),
    [
        ({"host": "127.0.0.1:5080"}, (), True),  # no Origin: not a cross-site browser request
        ({"host": "127.0.0.1:5080", "origin": "http://127.0.0.1:5080"}, (), True),
        # Behind a TLS proxy the service sees http, the browser says https: same host, allowed.
        ({"host": "desk.example.com", "origin": "https://desk.example.com"}, (), True),
        ({"host": "127.0.0.1:5080", "origin": "http://127.0.0.1:5081"}, (), False),
        ({"host": "desk.example.com", "origin": "https://evil.example"}, (), False),
        ({"host": "desk.example.com", "origin": "null"}, (), False),
        (
            {"host": "10.0.0.5:5080", "origin": "https://desk.example.com"},
            ("https://desk.example.com",),
            True,
        ),
    ],
)
def test_origin_allowed(headers: dict[str, str], trusted: tuple[str, ...], allowed: bool) -> None:
    request = request_with(headers)
    assert origin_allowed(request, trusted) is allowed


def test_csrf_tokens_are_per_session_and_do_not_reveal_it() -> None:
    first, second = csrf_token_for("session-one"), csrf_token_for("session-two")
    assert first == csrf_token_for("session-one")
    assert first != second and len(first) == 64
    assert "session-one" not in first


@pytest.mark.parametrize("origin", ["http://[", "http://[::1", "https://[zz]:80"])
def test_a_malformed_origin_is_not_allowed(origin: str) -> None:
    assert origin_allowed(request_with({"host": "127.0.0.1:5080", "origin": origin})) is False


async def test_non_ascii_cookies_and_csrf_headers_are_refused_not_a_500(desk: Desk) -> None:
    await desk.agent("sam")
    handoff = await desk.create_handoff()
    # A cookie that is no session: as any wrong credential, 401.
    answer = await desk.raw(
        b"GET /api/handoffs HTTP/1.1\r\nHost: x\r\nCookie: desk_session=\xff\xfe\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 401 "), answer
    # A real session with a CSRF header that is not ASCII: the CSRF check says no.
    client, csrf = await desk.signed_in("sam")
    response = await client.post(
        f"/api/handoffs/{handoff['id']}/claim",
        headers={"X-CSRF-Token": csrf.encode() + b"\xff"},
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    claimed = await client.post(
        f"/api/handoffs/{handoff['id']}/claim", headers={"X-CSRF-Token": csrf}
    )
    assert claimed.status_code == 200
    await client.aclose()


async def test_a_bearer_token_wins_over_a_cookie(desk: Desk) -> None:
    token = await desk.agent("sam")
    await desk.agent("kim")
    kim, _ = await desk.signed_in("kim")
    me = await kim.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "sam"
    # And no CSRF token is needed then: the bearer token is the credential.
    handoff = await desk.create_handoff()
    claimed = await kim.post(
        f"/api/handoffs/{handoff['id']}/claim", headers={"Authorization": f"Bearer {token}"}
    )
    assert claimed.json()["assigned_to"] == "sam"
    await kim.aclose()


async def test_a_cookie_means_nothing_without_the_desk(service: Service) -> None:
    client = httpx.AsyncClient(
        base_url=str(service.client.base_url), cookies={SESSION_COOKIE: "anything"}
    )
    assert (await client.get("/api/handoffs")).status_code == 401
    await client.aclose()


async def test_the_event_stream_takes_the_cookie(desk: Desk) -> None:
    await desk.agent("sam")
    client, _ = await desk.signed_in("sam")
    async with client.stream("GET", "/api/events") as stream:
        assert stream.status_code == 200
        lines = stream.aiter_lines()
        assert await asyncio.wait_for(lines.__anext__(), 5) == ": connected"
        created = await desk.create_handoff()
        data = None
        while data is None:
            line = await asyncio.wait_for(lines.__anext__(), 5)
            if line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
        assert data["type"] == "handoff.created" and data["handoff"]["id"] == created["id"]
    await client.aclose()
    # Without a session, the stream is refused.
    anonymous = desk.new_client()
    assert (await anonymous.get("/api/events")).status_code == 401
    await anonymous.aclose()


async def test_signing_out_ends_an_open_event_stream(desk: Desk) -> None:
    desk.app.ctx.keepalive_s = 0.05
    await desk.agent("sam")
    token = await desk.agent("kim")
    client, csrf = await desk.signed_in("sam")
    async with client.stream("GET", "/api/events") as stream:
        lines = stream.aiter_lines()
        assert await asyncio.wait_for(anext(lines), 2) == ": connected"
        assert await asyncio.wait_for(anext(lines), 2) == "id: 0"  # where to resume from
        assert await asyncio.wait_for(anext(lines), 2) == ""
        signed_out = await client.delete("/api/session", headers={"X-CSRF-Token": csrf})
        assert signed_out.status_code in (200, 204)

        async def rest() -> list[str]:
            return [line async for line in lines]

        # The stream ends by itself at the next check: no keep-alive forever.
        await asyncio.wait_for(rest(), 2)
    # A bearer token's stream keeps going.
    async with desk.client.stream(
        "GET", "/api/events", headers={"Authorization": f"Bearer {token}"}
    ) as stream:
        lines = stream.aiter_lines()
        seen = [await asyncio.wait_for(anext(lines), 2) for _ in range(5)]
        assert seen == [": connected", "id: 0", "", ": keep-alive", ""]
    await client.aclose()


@pytest.mark.parametrize(
    "cookie", [b"===;;;", b'desk_session="unterminated', b"$Version=1; =x", b"a b=c"]
)
async def test_a_cookie_header_no_browser_sends_is_no_session(desk: Desk, cookie: bytes) -> None:
    # Sanic's cookie parser (the standard library's) raises CookieError on these: a 500 before.
    await desk.agent("sam")
    answer = await desk.raw(
        b"GET /api/handoffs HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + b"\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 401 "), answer
    # Signing in reads the old cookie, to end its session.
    body = json.dumps({"name": "sam", "password": PASSWORD}).encode()
    answer = await desk.raw(
        b"POST /api/session HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    assert answer.startswith(b"HTTP/1.1 200 "), answer

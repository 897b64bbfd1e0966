"""handoff.desk.routes on a real server: the page, sign-in and sign-out, the desk's JSON."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from handoff.auth import SESSION_COOKIE
from handoff.desk import DeskSettings, passwords
from handoff.desk.routes import CONTENT_SECURITY_POLICY
from tests.handoff.conftest import ADMIN_TOKEN
from tests.handoff.desk.conftest import PASSWORD, Desk

# -- the page ---------------------------------------------------------------------------


async def test_the_page_is_static_with_a_strict_content_security_policy(desk: Desk) -> None:
    page = await desk.client.get("/desk")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    html = page.text
    # One external module, no inline script, and nothing secret in the page.
    assert '<script type="module" src="/desk/desk.js"></script>' in html
    assert html.count("<script") == 1
    assert ADMIN_TOKEN not in html and "csrf" not in html.lower()

    script = await desk.client.get("/desk/desk.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    style = await desk.client.get("/desk/desk.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert (await desk.client.get("/desk/../handoff/settings.py")).status_code == 404


# -- signing in ---------------------------------------------------------------------------


async def test_sign_in_sets_a_session_cookie_that_works_on_the_json_api(desk: Desk) -> None:
    await desk.agent("sam")
    client = desk.new_client()
    response = await desk.sign_in(client, "sam")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "sam" and body["role"] == "agent" and body["csrf_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    assert "Secure" not in cookie  # HANDOFF_DESK_COOKIE_SECURE is off by default
    # The cookie is not the CSRF token, and neither is a bearer token.
    assert body["csrf_token"] not in cookie

    me = await client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["name"] == "sam" and me.json()["csrf_token"] == body["csrf_token"]
    assert me.json()["sla"] == {"amber_s": 120.0, "red_s": 300.0}
    assert (await client.get("/api/handoffs")).status_code == 200
    await client.aclose()


@pytest.mark.parametrize("desk_settings", [DeskSettings(cookie_secure=True)])
async def test_the_cookie_is_secure_when_configured(desk: Desk) -> None:
    await desk.agent("sam")
    client = desk.new_client()
    response = await desk.sign_in(client, "sam")
    assert "Secure" in response.headers["set-cookie"]
    await client.aclose()


async def test_wrong_credentials_get_one_generic_answer(desk: Desk) -> None:
    await desk.agent("sam")
    await desk.new_agent("tokenonly")  # an agent without a desk password
    client = desk.new_client()
    answers = [
        await desk.sign_in(client, "sam", "wrong password"),
        await desk.sign_in(client, "nobody", PASSWORD),
        await desk.sign_in(client, "tokenonly", PASSWORD),
        await desk.sign_in(client, "sam", ""),
    ]
    assert {r.status_code for r in answers} == {401}
    assert {r.text for r in answers} == {answers[0].text}
    assert "set-cookie" not in answers[0].headers
    assert (await client.get("/api/me")).status_code == 401
    await client.aclose()


async def test_sign_in_takes_json_only(desk: Desk) -> None:
    await desk.agent("sam")
    # What a cross-site HTML form could send: refused before any password check.
    form = await desk.client.post("/api/session", data={"name": "sam", "password": PASSWORD})
    assert form.status_code == 415
    bad = await desk.client.post("/api/session", json={"name": ["sam"]})
    assert bad.status_code == 400


async def test_sign_in_from_another_origin_is_refused(desk: Desk) -> None:
    await desk.agent("sam")
    response = await desk.client.post(
        "/api/session",
        json={"name": "sam", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    same = await desk.client.post(
        "/api/session", json={"name": "sam", "password": PASSWORD}, headers={"Origin": desk.url}
    )
    assert same.status_code == 200


async def test_repeated_failures_lock_the_name_out_even_with_the_right_password(
    desk: Desk,
) -> None:
    await desk.agent("sam")
    client = desk.new_client()
    for _ in range(5):
        assert (await desk.sign_in(client, "sam", "guess")).status_code == 401
    locked = await desk.sign_in(client, "SAM", "guess")  # names count case-insensitively
    assert locked.status_code == 401  # the sixth failure starts the lockout
    response = await desk.sign_in(client, "sam", PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "try again" in response.json()["detail"]
    # Another agent is not locked out by sam's guesser.
    await desk.agent("kim")
    assert (await desk.sign_in(desk.new_client(), "kim")).status_code == 200
    await client.aclose()


async def test_wrong_passwords_sent_at_once_are_throttled_as_if_one_after_the_other(
    desk: Desk,
) -> None:
    await desk.agent("sam")
    clients = [desk.new_client() for _ in range(15)]
    answers = await asyncio.gather(
        *(desk.sign_in(client, "sam", f"guess {n}") for n, client in enumerate(clients))
    )
    statuses = sorted(answer.status_code for answer in answers)
    # Five free failures and the sixth that starts the lockout; the rest wait.
    assert statuses.count(429) >= 15 - 6, statuses
    assert set(statuses) <= {401, 429}
    # And the right password is locked out too, for now.
    assert (await desk.sign_in(clients[0], "sam")).status_code == 429
    for client in clients:
        await client.aclose()


async def test_sign_in_answers_503_when_too_many_checks_wait(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.agent("sam")
    monkeypatch.setattr(passwords._hashing, "max_queued", 0)
    client = desk.new_client()
    for _ in range(8):  # more than the free attempts: none of them counts
        busy = await desk.sign_in(client, "sam", "guess")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    monkeypatch.setattr(passwords._hashing, "max_queued", passwords.MAX_QUEUED_HASHES)
    assert (await desk.sign_in(client, "sam")).status_code == 200
    await client.aclose()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b'{"name":' * 5_000 + b"1" + b"}" * 5_000, 400),
        (b'{"name": "sam", "password": NaN}', 400),
        (b"\xff\xfe", 400),
        (b'{"name": "s\\u0000m", "password": "x"}', 401),  # PostgreSQL cannot hold a NUL
        (b'{"name": "sam", "password": "\\ud800"}', 401),  # nor UTF-8 a lone surrogate
    ],
    ids=["deep-list", "deep-object", "nan", "not-utf8", "nul", "surrogate"],
)
async def test_hostile_sign_in_bodies_are_client_errors(
    desk: Desk, body: bytes, status: int
) -> None:
    await desk.agent("sam")
    response = await desk.client.post(
        "/api/session", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text


async def test_a_malformed_origin_is_refused_not_a_500(desk: Desk) -> None:
    await desk.agent("sam")
    response = await desk.client.post(
        "/api/session", json={"name": "sam", "password": PASSWORD}, headers={"Origin": "http://["}
    )
    assert response.status_code == 403


# -- sessions -----------------------------------------------------------------------------


async def test_sign_out_ends_the_session_on_the_server(desk: Desk) -> None:
    await desk.agent("sam")
    client, csrf = await desk.signed_in("sam")
    stolen = client.cookies[SESSION_COOKIE]

    without_csrf = await client.delete("/api/session")
    assert without_csrf.status_code == 403
    response = await client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert 'desk_session=""' in response.headers["set-cookie"] or (
        "Max-Age=0" in response.headers["set-cookie"]
    )
    # Even a copy of the cookie kept from before is worthless now.
    replay = httpx.AsyncClient(base_url=desk.url, cookies={SESSION_COOKIE: stolen})
    assert (await replay.get("/api/me")).status_code == 401
    await replay.aclose()
    await client.aclose()


async def test_a_new_sign_in_replaces_the_old_session(desk: Desk) -> None:
    await desk.agent("sam")
    client, _ = await desk.signed_in("sam")
    first = client.cookies[SESSION_COOKIE]
    assert (await desk.sign_in(client, "sam")).status_code == 200
    assert client.cookies[SESSION_COOKIE] != first
    old = httpx.AsyncClient(base_url=desk.url, cookies={SESSION_COOKIE: first})
    assert (await old.get("/api/me")).status_code == 401
    await old.aclose()
    await client.aclose()


# -- CSRF -----------------------------------------------------------------------------------


async def test_changes_made_with_the_cookie_need_the_csrf_header(desk: Desk) -> None:
    await desk.agent("sam")
    handoff = await desk.create_handoff()
    client, csrf = await desk.signed_in("sam")
    url = f"/api/handoffs/{handoff['id']}/claim"

    missing = await client.post(url)
    assert missing.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    wrong = await client.post(url, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    other_origin = await client.post(
        url, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert other_origin.status_code == 403
    # Nothing happened: the handoff still waits.
    assert (await client.get(f"/api/handoffs/{handoff['id']}")).json()["status"] == "waiting"

    claimed = await client.post(url, headers={"X-CSRF-Token": csrf, "Origin": desk.url})
    assert claimed.status_code == 200
    assert claimed.json()["assigned_to"] == "sam"
    await client.aclose()


async def test_another_sessions_csrf_token_does_not_work(desk: Desk) -> None:
    await desk.agent("sam")
    await desk.agent("kim")
    handoff = await desk.create_handoff()
    sam, _ = await desk.signed_in("sam")
    _kim, kim_csrf = await desk.signed_in("kim")
    response = await sam.post(
        f"/api/handoffs/{handoff['id']}/claim", headers={"X-CSRF-Token": kim_csrf}
    )
    assert response.status_code == 403
    await sam.aclose()
    await _kim.aclose()


async def test_bearer_tokens_need_no_csrf_token(desk: Desk) -> None:
    token = await desk.agent("sam")
    handoff = await desk.create_handoff()
    response = await desk.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
    assert response.status_code == 200
    me = await desk.as_(token, "GET", "/api/me")
    assert me.json()["name"] == "sam" and me.json()["csrf_token"] is None


# -- what the page needs ----------------------------------------------------------------------


async def test_agents_lists_whom_to_transfer_to(desk: Desk) -> None:
    await desk.agent("sam")
    await desk.agent("sue", "supervisor")
    client, _ = await desk.signed_in("sam")
    response = await client.get("/api/agents")
    assert response.json() == {
        "agents": [{"name": "sam", "role": "agent"}, {"name": "sue", "role": "supervisor"}]
    }
    # The service's own POST /api/agents is still there, beside this GET.
    created = await desk.admin("POST", "/api/agents", json={"name": "lee"})
    assert created.status_code == 201
    await client.aclose()


async def test_transfer_with_the_desk_session(desk: Desk) -> None:
    await desk.agent("sam")
    await desk.agent("kim")
    handoff = await desk.create_handoff()
    sam, sam_csrf = await desk.signed_in("sam")
    kim, kim_csrf = await desk.signed_in("kim")
    base = f"/api/handoffs/{handoff['id']}"
    assert (await sam.post(f"{base}/claim", headers={"X-CSRF-Token": sam_csrf})).status_code == 200
    moved = await sam.post(
        f"{base}/transfer", json={"to": "kim"}, headers={"X-CSRF-Token": sam_csrf}
    )
    assert moved.status_code == 200 and moved.json()["assigned_to"] == "kim"
    # sam no longer holds it; kim does.
    late = await sam.post(
        f"{base}/messages", json={"text": "hi"}, headers={"X-CSRF-Token": sam_csrf}
    )
    assert late.status_code == 409
    reply = await kim.post(
        f"{base}/messages", json={"text": "Kim here"}, headers={"X-CSRF-Token": kim_csrf}
    )
    assert reply.status_code == 201
    await sam.aclose()
    await kim.aclose()


async def test_canned_responses_and_channel_limits(desk: Desk) -> None:
    await desk.agent("sam")
    client, _ = await desk.signed_in("sam")
    canned = (await client.get("/api/canned-responses")).json()["canned_responses"]
    assert canned and all(set(item) == {"title", "text", "language"} for item in canned)
    assert {item["language"] for item in canned} == {"en", "es"}
    assert any("{agent}" in item["text"] for item in canned)
    channels = (await client.get("/api/channels")).json()
    assert {name: c["max_length"] for name, c in channels["channels"].items()} == {
        "sms": 1600,
        "telegram": 4096,
        "messenger": 2000,
        "whatsapp": 1600,
    }
    assert (await desk.client.get("/api/canned-responses")).status_code == 401
    await client.aclose()


async def test_canned_responses_for_a_conversations_language(desk: Desk) -> None:
    await desk.agent("sam")
    client, _ = await desk.signed_in("sam")

    async def titles(language: str) -> list[str]:
        response = await client.get("/api/canned-responses", params={"language": language})
        assert response.status_code == 200, response.text
        items = response.json()["canned_responses"]
        return [item["title"] for item in items]

    spanish = await titles("es")
    assert "Saludo" in spanish and "Greeting" not in spanish
    assert await titles("es-MX") == spanish == await titles("es_mx")
    english = await titles("en")
    assert "Greeting" in english and "Saludo" not in english
    assert await titles("fr") == english  # none in French: the English ones
    for wrong in ("spanish", "e", "es-", "es mx", "x" * 17, "<script>"):
        response = await client.get("/api/canned-responses", params={"language": wrong})
        assert response.status_code == 400, wrong
        assert "language tag" in response.json()["detail"]
    await client.aclose()


async def test_the_page_modules_are_served_with_the_page_headers(desk: Desk) -> None:
    for name in ("routing.js", "i18n.js"):
        response = await desk.client.get(f"/desk/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/javascript")
        assert "script-src 'self'" in response.headers["content-security-policy"]
    page = (await desk.client.get("/desk")).text
    assert 'src="/desk/desk.js"' in page


async def test_stats_are_for_supervisors(desk: Desk) -> None:
    await desk.agent("sam")
    await desk.agent("sue", "supervisor")
    sam, _ = await desk.signed_in("sam")
    sue, _ = await desk.signed_in("sue")
    assert (await sam.get("/api/stats")).status_code == 403
    response = await sue.get("/api/stats?period=today")
    assert response.status_code == 200 and response.json()["reasons"]["bucket"] == "hour"
    assert (await sue.get("/api/stats?period=year")).status_code == 400
    assert (await desk.admin("GET", "/api/stats")).status_code == 200
    await sam.aclose()
    await sue.aclose()


async def test_installing_twice_is_an_error(desk: Desk) -> None:
    from handoff.desk import install

    with pytest.raises(RuntimeError, match="already installed"):
        install(desk.app, DeskSettings())

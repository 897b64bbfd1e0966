"""handoff.service: the app as a whole on a real server: every route behind its
credentials, one error shape (and no 500 for a client's error), bodies capped,
no answer cached, the default hooks, and refusing to start without a token.
Each route's own behaviour: tests/handoff/routes/."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sanic import Sanic

from handoff.context import context_of
from handoff.service import create_app
from handoff.settings import HandoffSettings
from tests.fakes.rasa import FakeRasa
from tests.handoff.conftest import ADMIN_TOKEN, Service, claimed_by, create, handoff_body

# -- auth ----------------------------------------------------------------------------------


ROUTES = [
    ("GET", "/api/handoffs"),
    ("GET", "/api/handoffs/1"),
    ("POST", "/api/handoffs"),
    ("POST", "/api/handoffs/1/claim"),
    ("POST", "/api/handoffs/1/messages"),
    ("POST", "/api/handoffs/1/close"),
    ("POST", "/api/handoffs/1/customer-messages"),
    ("POST", "/api/agents"),
    ("GET", "/api/events"),
]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    ],
    ids=["missing", "wrong", "not-bearer", "empty", "admin-plus-one"],
)
async def test_every_route_needs_a_valid_token(service: Service, headers: dict[str, str]) -> None:
    await create(service)  # there is data to leak
    for method, url in ROUTES:
        response = await service.client.request(method, url, headers=headers, json={})
        assert response.status_code == 401, (method, url)
        assert response.json() == {"error": "unauthorized"}, (method, url)
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_roles(service: Service) -> None:
    agent = await service.new_agent("ann")
    supervisor = await service.new_agent("sue", "supervisor")
    for token in (agent, supervisor):
        assert (
            await service.as_(token, "POST", "/api/handoffs", json=handoff_body())
        ).status_code == 403
        response = await service.as_(token, "POST", "/api/agents", json={"name": "eve"})
        assert response.status_code == 403 and response.json() == {"error": "forbidden"}
    handoff = await create(service)
    response = await service.admin("POST", f"/api/handoffs/{handoff['id']}/claim")
    assert response.status_code == 403  # the admin token is not a person
    response = await service.as_(
        agent, "POST", f"/api/handoffs/{handoff['id']}/customer-messages", json={"text": "hi"}
    )
    assert response.status_code == 403


# -- hostile input: a client error is a 4xx, never a 500 -------------------------------------


async def test_a_non_ascii_authorization_header_is_401(service: Service) -> None:
    for value in (b"Bearer \xff\xfe", b"Bearer caf\xc3\xa9", b"\xffearer token"):
        response = await service.client.get("/api/handoffs", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert response.json() == {"error": "unauthorized"}


DEEP = b"[" * 100_000 + b"]" * 100_000


async def test_deeply_nested_json_is_400_on_every_post(service: Service) -> None:
    handoff, ann = await claimed_by(service)
    base = f"/api/handoffs/{handoff['id']}"
    for token, url in [
        (ADMIN_TOKEN, "/api/handoffs"),
        (ADMIN_TOKEN, "/api/agents"),
        (ADMIN_TOKEN, f"{base}/customer-messages"),
        (ann, f"{base}/transfer"),
        (ann, f"{base}/messages"),
        (ann, f"{base}/close"),
    ]:
        for body in (DEEP, b'{"a":' * 5_000 + b"1" + b"}" * 5_000):
            response = await service.as_(token, "POST", url, content=body)
            assert response.status_code == 400, (url, response.text)
            assert "nested" in response.json()["detail"]


async def test_a_malformed_request_line_or_content_length_is_400(service: Service) -> None:
    for request in (
        b"GET /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n",
    ):
        answer = await service.raw(request)
        assert answer.startswith(b"HTTP/1.1 400 "), answer


async def test_bodies_are_capped_and_a_new_handoff_may_be_larger(service: Service) -> None:
    handoff, ann = await claimed_by(service)
    # Sent by hand: the service answers 413 from the headers and closes the
    # connection, which an HTTP client still sending the body reports as an error.
    answer = await service.raw(
        f"POST /api/handoffs/{handoff['id']}/messages HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {ann}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {300 * 1024}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert b"cache-control: no-store" in answer.lower()
    # A long transcript (over a megabyte) is fine for the admin...
    transcript = [
        {"role": "customer", "text": "é" * 4000, "timestamp": 1740830400.0 + n} for n in range(50)
    ]
    body = handoff_body("long", transcript=transcript)
    assert len(json.dumps(body)) > 1024 * 1024
    response = await service.admin("POST", "/api/handoffs", json=body)
    assert response.status_code == 201, response.text
    # ... but not without the token (the body is not even read), nor past its own cap.
    answer = await service.raw(
        b"POST /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2000000\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 401 "), answer
    answer = await service.raw(
        f"POST /api/handoffs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {9 * 1024 * 1024}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer


async def test_server_errors_say_nothing_and_log_no_query_string(
    service: Service, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(service.context.store, "list", broken)
    with caplog.at_level(logging.ERROR):
        response = await service.admin(
            "GET", "/api/handoffs", params={"conversation_id": "+15551234567"}
        )
    assert response.status_code == 500
    assert response.json() == {"error": "internal server error"}
    assert "GET /api/handoffs failed" in caplog.text
    assert "15551234567" not in caplog.text


# -- caching ---------------------------------------------------------------------------------


async def test_every_api_answer_is_no_store(service: Service) -> None:
    handoff, ann = await claimed_by(service)
    answers = [
        await service.as_(ann, "GET", f"/api/handoffs/{handoff['id']}"),
        await service.as_(ann, "GET", "/api/handoffs"),
        await service.as_(
            ann, "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "hi"}
        ),
        await service.admin("POST", "/api/handoffs", json=handoff_body("new")),
        await service.client.get(f"/api/handoffs/{handoff['id']}"),  # 401
        await service.as_(ann, "GET", "/api/handoffs/999"),  # 404
        await service.as_(ann, "GET", "/api/handoffs", params={"limit": "0"}),  # 400
        await service.as_(ann, "GET", "/api/nothing-here"),  # Sanic's own 404
        await service.as_(ann, "DELETE", "/api/handoffs"),  # Sanic's own 405
        await service.client.get("/api/openapi.json"),
    ]
    for response in answers:
        assert response.headers.get("cache-control") == "no-store", (
            response.request.url,
            response.status_code,
        )
    async with service.client.stream("GET", "/api/events", headers=service.auth(ann)) as stream:
        assert stream.status_code == 200
        assert stream.headers["cache-control"] == "no-store"


# -- starting and stopping -------------------------------------------------------------------


def test_service_refuses_to_start_without_admin_token(tmp_path: Path) -> None:
    env = {
        "PATH": "",
        "HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
        "HANDOFF_PORT": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "handoff.service"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "HANDOFF_ADMIN_TOKEN" in result.stderr


async def test_default_delivery_asks_the_rasa_server_s_channels(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, rasa: FakeRasa
) -> None:
    # Through the Rasa server's internal route (handoff.delivery), which owns the
    # channels: the service itself opens no channel and holds no channel secret.
    monkeypatch.setattr(Sanic, "test_mode", True)
    settings = HandoffSettings(
        database_url=sqlite_url,
        admin_token=ADMIN_TOKEN,
        broker="none",
        rasa_url=rasa.url,
        delivery_token="delivery-token-" + "x" * 20,
    )
    app = create_app(settings, name=f"default_{uuid.uuid4().hex}")
    running = await Service(app).start()
    try:
        await context_of(app).deliver("sms", "+15550001", "hello")
    finally:
        await running.stop()
    [sent] = rasa.deliveries()
    assert sent == {
        "channel": "sms",
        "recipient_id": "+15550001",
        "text": "hello",
        "human_agent": True,
    }
    assert context_of(app).delivery is None  # closed with the server

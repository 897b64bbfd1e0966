"""handoff.rasa_client against a fake of Rasa's HTTP API, alone and as the service's on_close."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sanic import Sanic

from handoff.models import WITHDRAWN
from handoff.rasa_client import RasaClient, RasaError
from handoff.service import configure_logging, create_app
from handoff.settings import HandoffSettings
from handoff.store import Handoff
from tests.fakes.rasa import FakeRasa
from tests.fakes.server import Reply
from tests.handoff.conftest import ADMIN_TOKEN, FakeDelivery, Service

TOKEN = "rasa-secret"
PHONE = "+4915112345678"  # a sender id that needs escaping in a path


@pytest.fixture
async def client(rasa: FakeRasa) -> AsyncIterator[RasaClient]:
    rasa_client = RasaClient(rasa.url, TOKEN, 5.0, backoff_s=0.01)
    yield rasa_client
    await rasa_client.aclose()


def handoff_for(conversation_id: str) -> Handoff:
    return Handoff(
        id=7,
        escalation_id="esc",
        conversation_id=conversation_id,
        channel="twilio_sms",
        customer_id=conversation_id,
        customer={},
        reasons=[],
        priority=2,
        anger=0.0,
        summary={},
        status="closed",
        assigned_to="ann",
        created_at=None,  # type: ignore[arg-type]
        assigned_at=None,
        closed_at=None,
        resolution="refunded",
        last_customer_message_at=None,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


async def test_resume_posts_a_resume_event(rasa: FakeRasa, client: RasaClient) -> None:
    await client.resume(PHONE)
    [request] = rasa.requests
    assert request.method == "POST"
    assert request.path == "/conversations/+4915112345678/tracker/events"
    assert request.query == {"token": [TOKEN]}
    assert request.json() == [{"event": "resume"}]


async def test_say_executes_the_response_on_the_latest_channel(
    rasa: FakeRasa, client: RasaClient
) -> None:
    await client.say("ann", "utter_handoff_resumed")
    [request] = rasa.requests
    assert request.path == "/conversations/ann/execute"
    assert request.query == {"token": [TOKEN], "output_channel": ["latest"]}
    assert request.json() == {"name": "utter_handoff_resumed"}


async def test_no_token_no_token_parameter(rasa: FakeRasa) -> None:
    rasa_client = RasaClient(rasa.url)
    try:
        await rasa_client.resume("ann")
    finally:
        await rasa_client.aclose()
    assert rasa.requests[0].query == {}


async def test_hand_back_resumes_then_says_it_is_back(rasa: FakeRasa, client: RasaClient) -> None:
    assert await client.hand_back(handoff_for("ann")) is True
    assert [request.path.rsplit("/", 1)[-1] for request in rasa.requests] == [
        "events",
        "execute",
        "events",
    ]
    assert rasa.requests[-1].json() == [{"event": "action", "name": "action_listen"}]


async def test_rasa_down_then_up_is_retried(rasa: FakeRasa, client: RasaClient) -> None:
    rasa.fail_next(Reply(502, {}), Reply(503, {}))
    await client.resume("ann")
    assert len(rasa.requests) == 3


async def test_a_refusal_is_not_retried(rasa: FakeRasa, client: RasaClient) -> None:
    rasa.fail_next(Reply(401, {"status": "failure", "reason": "NotAuthenticated"}))
    with pytest.raises(RasaError, match="401"):
        await client.resume("ann")
    assert len(rasa.requests) == 1


async def test_rasa_unreachable_fails_loudly(caplog: pytest.LogCaptureFixture) -> None:
    rasa_client = RasaClient(f"http://127.0.0.1:{closed_port()}", TOKEN, 1.0, backoff_s=0.01)
    try:
        with caplog.at_level(logging.WARNING, logger="handoff.rasa_client"):
            assert await rasa_client.hand_back(handoff_for("ann")) is False
    finally:
        await rasa_client.aclose()
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(retries) == 3
    assert len(errors) == 1 and "NOT resumed" in errors[0].getMessage()


async def test_the_notice_failing_still_reports_the_bot_resumed(
    rasa: FakeRasa, client: RasaClient, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.fail_next(Reply(200, {}), Reply(400, {"reason": "unknown action"}))
    with caplog.at_level(logging.ERROR, logger="handoff.rasa_client"):
        assert await client.hand_back(handoff_for("ann")) is True
    assert "not told" in caplog.records[-1].getMessage()


# -- as the service's on_close -------------------------------------------------------------


@pytest.fixture
async def service_with_rasa(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, rasa: FakeRasa
) -> AsyncIterator[Service]:
    monkeypatch.setattr(Sanic, "test_mode", True)  # see conftest's service fixture
    settings = HandoffSettings(
        database_url=sqlite_url,
        admin_token=ADMIN_TOKEN,
        broker="none",
        rasa_url=rasa.url,
        rasa_auth_token=TOKEN,
    )
    app = create_app(settings, deliver=FakeDelivery(), name=f"handoff_{uuid.uuid4().hex}")
    running = await Service(app).start()
    yield running
    await running.stop()


async def close_new_handoff(service: Service) -> dict[str, object]:
    created = await service.admin(
        "POST",
        "/api/handoffs",
        json={
            "escalation_id": "e1",
            "conversation_id": PHONE,
            "channel": "sms",
            "priority": 2,
            # Sent at once, as the bot's outbox does: no catch-up read of Rasa.
            "transcript": [
                {"role": "customer", "text": "a refund please", "timestamp": time.time()}
            ],
        },
    )
    assert created.status_code == 201, created.text
    closed = await service.admin(
        "POST", f"/api/handoffs/{created.json()['id']}/close", json={"resolution": "refunded"}
    )
    assert closed.status_code == 200, closed.text
    data: dict[str, object] = closed.json()
    assert data["status"] == "closed"
    return data


async def test_closing_a_handoff_gives_the_conversation_back_to_the_bot(
    service_with_rasa: Service, rasa: FakeRasa
) -> None:
    data = await close_new_handoff(service_with_rasa)
    assert data["bot_resumed"] is True
    resume, execute, listen = rasa.requests
    assert listen.json() == [{"event": "action", "name": "action_listen"}]
    assert resume.path == "/conversations/+4915112345678/tracker/events"
    assert resume.json() == [{"event": "resume"}]
    assert execute.path == "/conversations/+4915112345678/execute"
    assert execute.query == {"token": [TOKEN], "output_channel": ["latest"]}
    assert execute.json() == {"name": "utter_handoff_resumed"}


async def test_a_request_the_customer_took_back_is_said_cancelled_not_finished(
    client: RasaClient, rasa: FakeRasa
) -> None:
    withdrawn = replace(handoff_for(PHONE), resolution=WITHDRAWN, assigned_to=None)
    assert await client.hand_back(withdrawn) is True
    _, execute, _ = rasa.requests
    assert execute.json() == {"name": "utter_handoff_withdrawn"}


async def test_a_close_succeeds_but_says_so_when_rasa_refuses(
    service_with_rasa: Service, rasa: FakeRasa
) -> None:
    rasa.fail_next(Reply(401, {"status": "failure"}))
    data = await close_new_handoff(service_with_rasa)
    assert data["bot_resumed"] is False
    assert len(rasa.requests) == 1  # no notice from a bot that was not resumed


async def test_events_reads_the_current_session(client: RasaClient, rasa: FakeRasa) -> None:
    rasa.events[PHONE] = [{"event": "user", "text": "hi", "timestamp": 1.0}, "junk"]  # type: ignore[list-item]
    assert await client.events(PHONE) == [{"event": "user", "text": "hi", "timestamp": 1.0}]
    [request] = rasa.requests
    assert request.method == "GET"
    assert request.path == f"/conversations/{PHONE}/tracker"
    assert request.query == {"include_events": ["AFTER_RESTART"], "token": [TOKEN]}


async def test_events_retries_while_rasa_restarts(client: RasaClient, rasa: FakeRasa) -> None:
    rasa.fail_next(Reply(503, {}))
    assert await client.events(PHONE) == []
    assert len(rasa.requests) == 2


async def test_no_phone_number_reaches_the_log_at_info(
    rasa: FakeRasa, client: RasaClient, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs every request URL at INFO, and Rasa's URLs hold the conversation id."""
    rasa.fail_next(Reply(503, {}))  # a retry is logged by the client itself, too
    with caplog.at_level(logging.INFO):
        assert await client.hand_back(handoff_for(PHONE)) is True
        await client.events(PHONE)
    http_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(http_lines) >= 4  # the lines stay, with the id hidden
    assert all("/conversations/…/" in line for line in http_lines)
    assert "4915112345678" not in caplog.text
    assert TOKEN not in caplog.text


def test_the_services_logging_set_up_hides_conversation_ids(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Restored afterwards: loggers are global.
    monkeypatch.setattr(logging.getLogger("httpx"), "filters", [])
    monkeypatch.setattr(logging.getLogger("httpcore"), "level", logging.NOTSET)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    configure_logging()
    # configure_logging replaces the root's handlers, pytest's capture among them.
    root.addHandler(caplog.handler)
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING
    with caplog.at_level(logging.INFO):
        logging.getLogger("httpx").info(
            'HTTP Request: %s %s "%s %d %s"',
            "POST",
            "http://rasa:5005/conversations/+15551234567/tracker/events?token=x",
            "HTTP/1.1",
            200,
            "OK",
        )
    assert "15551234567" not in caplog.text and "/conversations/…/tracker" in caplog.text


async def test_a_tracker_nested_too_deep_is_a_rasa_error() -> None:
    deep = b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=deep))
    rasa_client = RasaClient("http://rasa", transport=transport)
    try:
        # Before: RecursionError, which no caller expects (a 500 for a late handoff).
        with pytest.raises(RasaError, match="not a JSON object"):
            await rasa_client.events(PHONE)
    finally:
        await rasa_client.aclose()

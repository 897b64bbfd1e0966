"""handoff.delivery: agents' replies reach the customer through the Rasa server's route.

First the client against a fake Rasa server (what it sends, which failures
it retries and which it does not); then the handoff service with its default
``deliver`` against the real route (bot.channels.internal) with the fake
platform APIs behind it: in this process, and as ``make run`` starts it, in a
process whose environment holds no channel secret at all.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Sanic

from handoff.delivery import (
    DELIVERIES_PATH,
    SURVEYS_PATH,
    DeliveryError,
    RasaDelivery,
    SurveyRequest,
)
from handoff.service import create_app
from handoff.settings import HandoffSettings
from scripts.run import CHANNEL_VARIABLES, DELIVERY_TOKEN, free_ports, services
from tests.conftest import DELIVERY_TOKEN as TOKEN
from tests.conftest import DeliveryRouteServer, channel_environment
from tests.fakes.messenger import FakeGraph
from tests.fakes.rasa import FakeRasa
from tests.fakes.server import Reply
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio, new_number
from tests.handoff.conftest import ADMIN_TOKEN, Service

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0


@pytest.fixture
async def deliver(rasa: FakeRasa) -> AsyncIterator[RasaDelivery]:
    client = RasaDelivery(rasa.url, TOKEN, backoff_s=0)
    yield client
    await client.aclose()


def route_error(status: int, kind: str, detail: str = "") -> Reply:
    return Reply(status, {"error": kind, "detail": detail})


# -- the client ----------------------------------------------------------------------------------


def survey_client(answer: httpx.Response | Exception, seen: list[httpx.Request]) -> RasaDelivery:
    def route(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return RasaDelivery("http://rasa.test", TOKEN, transport=httpx.MockTransport(route))


SURVEY = SurveyRequest("s-1", "telegram", "tg-1", "tg-1", "handoff")


@pytest.mark.parametrize(
    ("answer", "status", "detail"),
    [
        (httpx.Response(200, json={"status": "asked"}), "asked", ""),
        (httpx.Response(409, json={"error": "refused", "reason": "opted_out"}), "refused",
         "opted_out"),
        (httpx.Response(409, json={"error": "refused"}), "refused", "refused"),
        (httpx.Response(502, json={"error": "channel_failed"}), "retry", "HTTP 502 channel_failed"),
        (httpx.ConnectError("refused"), "retry", "no answer from the Rasa server (ConnectError)"),
        (httpx.Response(401, json={"error": "unauthorized"}), "failed",
         "telegram: the Rasa server refused the delivery token"),
    ],
)  # fmt: skip
async def test_a_survey_is_asked_once_and_the_route_s_answer_told_apart(
    answer: httpx.Response | Exception, status: str, detail: str
) -> None:
    seen: list[httpx.Request] = []
    client = survey_client(answer, seen)
    try:
        result = await client.ask_survey(SURVEY)
    finally:
        await client.aclose()

    assert result.status == status and result.detail.startswith(detail)
    (request,) = seen  # one attempt: the runner tries again on its own schedule
    assert request.url.path == SURVEYS_PATH
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == SURVEY.to_json()


async def test_a_reply_is_posted_with_the_token_as_a_person_s(
    deliver: RasaDelivery, rasa: FakeRasa
) -> None:
    await deliver("sms", "+15550001", "Maria here.")
    [request] = rasa.requests
    assert request.method == "POST" and request.path == DELIVERIES_PATH
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.query == {}  # the token never travels in the URL
    assert request.json() == {
        "channel": "sms",
        "recipient_id": "+15550001",
        "text": "Maria here.",
        "human_agent": True,
    }


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (route_error(409, "refused", "sms: the recipient opted out (code 21610)"), "opted out"),
        (route_error(422, "unknown_channel", "this server cannot send on 'rest'"), "'rest'"),
        (route_error(422, "channel_disabled", "set TWILIO_AUTH_TOKEN"), "TWILIO_AUTH_TOKEN"),
        (route_error(400, "invalid_request", "text must not be empty"), "empty"),
        (route_error(401, "unauthorized"), "HANDOFF_DELIVERY_TOKEN"),
        (route_error(502, "channel_failed", "sms: Too Many Requests"), "Too Many Requests"),
        (route_error(500, "internal_error", "see the Rasa server's log"), "log"),
        (Reply(404, {"description": "Not Found"}), "credentials.yml"),
    ],
)
async def test_the_route_s_own_answers_are_final(
    deliver: RasaDelivery, rasa: FakeRasa, reply: Reply, said: str
) -> None:
    rasa.fail_next(reply)
    with pytest.raises(DeliveryError, match=said) as raised:
        await deliver("sms", "+15550001", "hi")
    assert str(reply.status) in str(raised.value)
    # Not retried: a 4xx will not change, a 502 channel_failed comes after the
    # Rasa server's own retries of the platform, and after a 500 of the route's
    # own part of the message may have gone.
    assert len(rasa.deliveries()) == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(409, {"error": "refused", "detail": "closed", "code": "window_closed"}),
         "window_closed"),
        (Reply(409, {"error": "refused", "detail": "opted out", "code": 21610}), "21610"),
        (route_error(409, "refused", "blocked"), None),
        (Reply(502, {"error": "channel_failed", "code": "window_closed"}), None),
    ],
)  # fmt: skip
async def test_a_refusal_says_why_when_the_channel_did(
    deliver: RasaDelivery, rasa: FakeRasa, reply: Reply, reason: str | None
) -> None:
    rasa.fail_next(reply)
    with pytest.raises(DeliveryError) as raised:
        await deliver("whatsapp", "whatsapp:+15550001", "hi")
    assert raised.value.reason == reason


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_from_anyone_else_is_retried(
    deliver: RasaDelivery, rasa: FakeRasa, status: int
) -> None:
    # A proxy's or Sanic's own error page: no {"error": ...} of the route's.
    rasa.fail_next(Reply(status, {"description": "Service Unavailable"}))
    await deliver("sms", "+15550001", "hi")
    assert len(rasa.deliveries()) == 2


async def test_retries_give_up_after_the_last_attempt(rasa: FakeRasa) -> None:
    client = RasaDelivery(rasa.url, TOKEN, attempts=3, backoff_s=0)
    rasa.fail_next(*[Reply(503, "busy")] * 3)
    try:
        with pytest.raises(DeliveryError, match="HTTP 503, 3 times"):
            await client("sms", "+15550001", "hi")
    finally:
        await client.aclose()
    assert len(rasa.deliveries()) == 3


async def test_a_rasa_server_that_is_down_is_retried_then_reported() -> None:
    [port] = free_ports(1)
    client = RasaDelivery(f"http://127.0.0.1:{port}", TOKEN, attempts=3, backoff_s=0)
    try:
        with pytest.raises(DeliveryError, match=r"cannot be reached.*3 times"):
            await client("sms", "+15550001", "hi")
    finally:
        await client.aclose()


async def test_a_lost_answer_is_not_retried_the_message_may_have_gone() -> None:
    calls: list[httpx.Request] = []

    def slow(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("no answer", request=request)

    client = RasaDelivery(
        "http://rasa.test", TOKEN, transport=httpx.MockTransport(slow), backoff_s=0
    )
    try:
        with pytest.raises(DeliveryError, match="may or may not have arrived"):
            await client("sms", "+15550001", "hi")
    finally:
        await client.aclose()
    assert len(calls) == 1


async def test_without_a_token_nothing_is_sent(
    rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    client = RasaDelivery(rasa.url, "")
    try:
        assert "HANDOFF_DELIVERY_TOKEN" in caplog.text  # said at start-up
        with pytest.raises(DeliveryError, match="HANDOFF_DELIVERY_TOKEN"):
            await client("sms", "+15550001", "hi")
    finally:
        await client.aclose()
    assert rasa.requests == []


def test_the_token_is_kept_out_of_the_settings_repr() -> None:
    settings = HandoffSettings.from_env({"HANDOFF_DELIVERY_TOKEN": TOKEN})
    assert settings.delivery_token == TOKEN
    assert TOKEN not in repr(settings)


# -- the service's default deliver, against the real route ---------------------------------------


def handoff_body(
    customer_id: str, channel: str = "sms", written_at: float = 1740830400.0
) -> dict[str, Any]:
    return {
        "escalation_id": f"esc-{uuid.uuid4().hex}",
        "conversation_id": customer_id,
        "channel": channel,
        "customer": {"id": customer_id, "name": "Carmen"},
        "reasons": ["explicit_request"],
        "priority": 3,
        "transcript": [
            {"role": "customer", "text": "I want a person", "timestamp": written_at},
        ],
    }


async def claimed_handoff(
    client: httpx.AsyncClient, customer_id: str, channel: str, **body: Any
) -> tuple:
    """A new handoff for ``customer_id``, claimed by a new agent; (its id, their headers)."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = await client.post(
        "/api/handoffs", json=handoff_body(customer_id, channel, **body), headers=admin
    )
    assert response.status_code == 201, response.text
    handoff_id = response.json()["id"]
    name = f"maria{uuid.uuid4().hex[:8]}"
    response = await client.post("/api/agents", json={"name": name}, headers=admin)
    assert response.status_code == 201, response.text
    agent = {"Authorization": f"Bearer {response.json()['token']}"}
    response = await client.post(f"/api/handoffs/{handoff_id}/claim", headers=agent)
    assert response.status_code == 200, response.text
    return handoff_id, agent


@pytest.fixture
async def service(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, delivery_route: DeliveryRouteServer
) -> AsyncIterator[Service]:
    """The handoff service with its default hooks, its settings from an environment
    that holds no channel variable, pointed at the route."""
    for name in list(os.environ):
        if name.startswith(CHANNEL_VARIABLES):
            monkeypatch.delenv(name)
    monkeypatch.setattr(Sanic, "test_mode", True)
    settings = HandoffSettings.from_env(
        {
            "HANDOFF_DATABASE_URL": sqlite_url,
            "HANDOFF_ADMIN_TOKEN": ADMIN_TOKEN,
            "HANDOFF_BROKER": "none",
            "RASA_URL": delivery_route.url,
            DELIVERY_TOKEN: TOKEN,
        }
    )
    app = create_app(settings, name=f"handoff_{uuid.uuid4().hex}")
    running = await Service(app).start()
    yield running
    await running.stop()
    assert app.ctx.delivery is None  # its HTTP client closed with the server


async def test_an_agent_s_reply_reaches_the_customer_s_phone(
    service: Service, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    handoff_id, agent = await claimed_handoff(service.client, number, "sms")
    response = await service.client.post(
        f"/api/handoffs/{handoff_id}/messages", json={"text": "Maria here."}, headers=agent
    )
    assert response.status_code == 201, response.text
    assert response.json()["message"]["delivery"] == "sent"
    assert fake_twilio.bodies(number) == ["Maria here."]


async def test_a_refused_reply_is_recorded_failed_and_can_be_sent_again(
    service: Service, delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    handoff_id, agent = await claimed_handoff(service.client, number, "sms")
    await delivery_route.store.opt_out(number)
    url = f"/api/handoffs/{handoff_id}/messages"
    response = await service.client.post(url, json={"text": "Maria here."}, headers=agent)
    assert response.status_code == 502, response.text
    assert response.json()["message"]["delivery"] == "failed"
    assert fake_twilio.messages(number) == []

    await delivery_route.store.opt_in(number)
    response = await service.client.post(url, json={"text": "Maria here."}, headers=agent)
    assert response.status_code == 201, response.text
    assert fake_twilio.bodies(number) == ["Maria here."]


async def test_a_whatsapp_reply_the_rasa_side_refuses_for_the_window_says_window_closed(
    service: Service, fake_twilio: FakeTwilio
) -> None:
    # The handoff's record says the customer wrote a minute ago, but the
    # Rasa server, which enforces the window, has no message from them on
    # record (so its window is closed): its reason, not the record, is what
    # the agent hears.
    address = f"whatsapp:{new_number()}"
    handoff_id, agent = await claimed_handoff(
        service.client, address, "whatsapp", written_at=time.time() - 60
    )
    response = await service.client.post(
        f"/api/handoffs/{handoff_id}/messages", json={"text": "Maria here."}, headers=agent
    )
    assert response.status_code == 502, response.text
    assert response.json()["error"] == "window_closed"
    assert response.json()["message"]["delivery"] == "failed"
    assert fake_twilio.messages(address) == []


async def test_a_rest_conversation_cannot_be_pushed_to(service: Service) -> None:
    handoff_id, agent = await claimed_handoff(service.client, "demo-carmen", "rest")
    response = await service.client.post(
        f"/api/handoffs/{handoff_id}/messages", json={"text": "Maria here."}, headers=agent
    )
    assert response.status_code == 502
    assert response.json()["message"]["delivery"] == "failed"


# -- as `make run` starts it ---------------------------------------------------------------------


async def test_the_service_process_delivers_without_any_channel_secret(
    tmp_path: Path,
    delivery_route: DeliveryRouteServer,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
) -> None:
    [port] = free_ports(1)
    # What `make run` hands its children: every channel's secrets included.
    env = {
        **os.environ,
        **channel_environment(tmp_path, fake_twilio.url, fake_telegram.url, fake_graph.url),
        "RASA_PORT": "5005",
        "ACTIONS_PORT": "5055",
        "RASA_URL": delivery_route.url,
        "HANDOFF_PORT": str(port),
        "HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "HANDOFF_ADMIN_TOKEN": ADMIN_TOKEN,
        "HANDOFF_BROKER": "none",
        DELIVERY_TOKEN: TOKEN,
    }
    [handoff_service, *_] = services(env, handoff=True)
    given = handoff_service.environment(env)
    assert not [name for name in given if name.startswith(CHANNEL_VARIABLES)]
    assert given[DELIVERY_TOKEN] == TOKEN

    handoff_service.start(env)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not await asyncio.to_thread(handoff_service.healthy):
            assert handoff_service.running(), "the handoff service exited"
            assert time.monotonic() < deadline, "the handoff service did not start"
            await asyncio.sleep(0.2)
        number = new_number()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            handoff_id, agent = await claimed_handoff(client, number, "sms")
            response = await client.post(
                f"/api/handoffs/{handoff_id}/messages", json={"text": "Maria here."}, headers=agent
            )
        assert response.status_code == 201, response.text
        assert fake_twilio.bodies(number) == ["Maria here."]
    finally:
        await asyncio.to_thread(handoff_service.stop)


def test_the_service_imports_nothing_of_the_bot_nor_rasa(tmp_path: Path) -> None:
    # import-linter checks the source (make lint); this, what a started app loads.
    script = (
        "import sys\n"
        "from handoff.service import create_app\n"
        "from handoff.settings import HandoffSettings\n"
        "create_app(HandoffSettings(admin_token='x' * 32))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'bot', 'actions', 'rasa', 'rasa_sdk'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PATH": os.environ.get("PATH", "")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

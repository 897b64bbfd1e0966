"""bot.channels.metrics: messages and their latency per channel, GET /metrics and GET /ready.

Two layers:

- the channels mounted on a Sanic app by Rasa's own ``register`` (as ``rasa
  run`` mounts credentials.yml's channels), with a stand-in agent that takes
  a known time to answer: what is counted and timed, the token, readiness;
- end to end (``slow``): the running assistant serves both routes, at the
  root of the Rasa server, from credentials.yml.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.metrics import SANIC_LOGGERS, MetricsChannel, apply_log_format
from bot.channels.rest import RestInput
from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore
from bot.channels.telegram import SECRET_TOKEN_HEADER, TelegramInput
from plumbing.metrics import MetricsSettings
from tests.channels.test_telegram import new_id, settings, text_update
from tests.conftest import TELEGRAM_SECRET_TOKEN, Assistant
from tests.fakes.telegram import FakeTelegram
from tests.live_server import LiveServer

METRICS_TOKEN = "bot-metrics-token-" + "m" * 24
# How long the stand-in bot takes to answer: every measured latency is at least this,
# less the event loop's timer granularity (uvloop's libuv timers run on a millisecond
# clock cached per loop turn, so a sleep can end up to a millisecond early by
# time.monotonic(): a CI run measured 0.09978 s for two 0.05 s turns).
TURN_S = 0.05
TIMER_SLACK_S = 0.001

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(page: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


class SlowAgent:
    """Rasa's agent as the channels see it: answers through the output after TURN_S."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.turn_done = asyncio.Event()

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        await asyncio.sleep(TURN_S)
        assert message.output_channel is not None
        await message.output_channel.send_text_message(message.sender_id, "hello")
        self.messages.append(message)
        self.turn_done.set()


class RasaApp(LiveServer):
    def __init__(self, tmp_path: Path, telegram_api: str, metrics: MetricsSettings) -> None:
        app = Sanic(f"rasa_{uuid.uuid4().hex}")
        store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
        register(
            [
                RestInput(ChannelSettings()),
                TelegramInput(settings(telegram_api), store),
                MetricsChannel(metrics),
            ],
            app,
            route="/webhooks/",
        )
        super().__init__(app)

    async def scrape(self, **headers: str) -> Samples:
        response = await self.client.get("/metrics", headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        return samples(response.text)


async def serve(
    tmp_path: Path, fake_telegram: FakeTelegram, metrics: MetricsSettings, agent: SlowAgent | None
) -> RasaApp:
    server = RasaApp(tmp_path, fake_telegram.url, metrics)
    if agent is not None:
        server.app.ctx.agent = agent
    return await server.start()


@pytest.fixture
def agent() -> SlowAgent:
    return SlowAgent()


@pytest.fixture
async def rasa(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_telegram: FakeTelegram, agent: SlowAgent
) -> AsyncIterator[RasaApp]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    server = await serve(tmp_path, fake_telegram, MetricsSettings(), agent)
    yield server
    await server.stop()


async def test_rest_messages_are_counted_and_timed_for_the_request(rasa: RasaApp) -> None:
    for text in ("hi", "where is my order?"):
        response = await rasa.client.post(
            "/webhooks/rest/webhook", json={"sender": "demo-ada", "message": text}
        )
        assert response.status_code == 200
    refused = await rasa.client.post("/webhooks/rest/webhook", json={"message": "no sender"})
    assert refused.status_code == 400

    found = await rasa.scrape()

    assert value(found, "bot_messages_total", channel="rest") == 2
    assert value(found, "bot_message_seconds_count", channel="rest") == 2
    total = value(found, "bot_message_seconds_sum", channel="rest")
    assert total is not None and total >= 2 * (TURN_S - TIMER_SLACK_S)


async def test_a_telegram_message_is_timed_from_the_webhook_to_the_reply(
    rasa: RasaApp, agent: SlowAgent, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    forged = await rasa.client.post(
        "/webhooks/telegram/webhook",
        content=json.dumps(text_update(chat_id, "hi")),
        headers={SECRET_TOKEN_HEADER: "wrong-secret"},
    )
    assert forged.status_code == 403
    response = await rasa.client.post(
        "/webhooks/telegram/webhook",
        content=json.dumps(text_update(chat_id, "hi")),
        headers={SECRET_TOKEN_HEADER: TELEGRAM_SECRET_TOKEN},
    )
    assert response.status_code == 200
    await asyncio.wait_for(agent.turn_done.wait(), 10)

    found = await rasa.scrape()

    assert fake_telegram.sent_texts(chat_id) == ["hello"]
    assert value(found, "bot_messages_total", channel="telegram") == 1
    assert value(found, "bot_message_seconds_count", channel="telegram") == 1
    seconds = value(found, "bot_message_seconds_sum", channel="telegram")
    assert seconds is not None and seconds >= TURN_S - TIMER_SLACK_S
    assert value(found, "bot_messages_total", channel="rest") is None


async def test_ready_once_the_agent_is_loaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    server = await serve(tmp_path, fake_telegram, MetricsSettings(), agent=None)
    try:
        before = await server.client.get("/ready")
        server.app.ctx.agent = SlowAgent()
        after = await server.client.get("/ready")
    finally:
        await server.stop()

    assert before.status_code == 503
    assert before.json() == {"status": "not ready", "reason": "no model is loaded yet"}
    assert (after.status_code, after.json()) == (200, {"status": "ready"})


async def test_with_a_metrics_token_the_page_needs_it(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    agent: SlowAgent,
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    server = await serve(tmp_path, fake_telegram, MetricsSettings(token=METRICS_TOKEN), agent)
    try:
        without = await server.client.get("/metrics")
        wrong = await server.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        found = await server.scrape(Authorization=f"Bearer {METRICS_TOKEN}")
    finally:
        await server.stop()

    assert (without.status_code, wrong.status_code) == (401, 401)
    assert "bot_" not in without.text + wrong.text
    assert value(found, "bot_messages_total", channel="rest") is None  # nothing sent yet


def test_the_token_is_read_from_rasa_metrics_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_METRICS_TOKEN", METRICS_TOKEN)
    channel = MetricsChannel.from_credentials(None)
    assert channel.settings.token == METRICS_TOKEN


def test_log_format_json_replaces_rasa_s_colored_handler_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    colored = logging.StreamHandler(sys.stderr)  # what Rasa's command line installs
    root.addHandler(colored)
    for name in SANIC_LOGGERS:
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    monkeypatch.setenv("LOG_FORMAT", "json")
    try:
        apply_log_format()
        logging.getLogger("rasa.core.agent").warning("model loaded")
        installed = list(root.handlers)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)

    assert colored not in installed and len(installed) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "model loaded"
    assert not any(logging.getLogger(name).propagate for name in SANIC_LOGGERS)


# -- end to end: the running assistant ------------------------------------------------------


@pytest.mark.slow
def test_e2e_the_rasa_server_serves_metrics_and_readiness(assistant: Assistant) -> None:
    reply = httpx.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"metrics-{uuid.uuid4().hex[:8]}", "message": "hi"},
        timeout=30,
    )
    assert reply.status_code == 200

    ready = httpx.get(f"{assistant.rasa_url}/ready", timeout=10)
    page = httpx.get(f"{assistant.rasa_url}/metrics", timeout=10)

    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert page.status_code == 200
    sent = value(samples(page.text), "bot_messages_total", channel="rest")
    assert sent is not None and sent >= 1

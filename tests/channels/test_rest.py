"""bot.channels.rest: Rasa's REST channel with its input checked and its messages capped.

Three layers:

- ``read_body`` on raw bodies: what is accepted, cut or refused, and why;
- the channel mounted on a real Sanic app the way Rasa mounts input channels
  (``rasa.core.channels.channel.register``), with a stand-in agent: status
  codes, Rasa's response format (plain and streamed), the README's curl;
- end to end (``slow``): the running assistant, where a 100,000-character
  message used to hold the server for minutes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from rasa.core.channels.channel import UserMessage, register
from rasa.core.lock_store import LockError
from sanic import Sanic

from bot.channels.errors import INTERNAL_ERROR
from bot.channels.rest import SENDER_LIMIT, RestInput, RestRequestError, read_body
from bot.channels.settings import MAX_WEBHOOK_BODY_BYTES, ChannelSettings
from bot.channels.text import TRUNCATED_FROM
from tests.conftest import Assistant
from tests.live_server import LiveServer

WEBHOOK = "/webhooks/rest/webhook"


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


# -- read_body ---------------------------------------------------------------------------


def test_a_message_is_read_with_the_channel_s_own_metadata() -> None:
    message = read_body(body(sender="demo-alice", message="where is my order"), 4096)
    assert (message.sender_id, message.text) == ("demo-alice", "where is my order")
    assert message.metadata == {"channel": "rest"}
    assert message.truncated_from is None


def test_a_100000_character_message_is_cut_to_the_cap_and_its_length_kept() -> None:
    message = read_body(body(sender="demo-alice", message="a" * 100_000), 4096)
    assert message.text == "a" * 4096
    assert message.metadata == {"channel": "rest", TRUNCATED_FROM: 100_000}
    assert message.truncated_from == 100_000


def test_the_cap_counts_characters() -> None:
    message = read_body(body(sender="demo-alice", message="🙂" * 10), 4)
    assert message.text == "🙂" * 4 and message.truncated_from == 10


def test_what_the_client_says_of_channel_and_metadata_is_ignored() -> None:
    # The actions identify customers by (channel, sender): a client must not pick the channel.
    message = read_body(
        body(
            sender="demo-alice",
            message="hi",
            input_channel="sms",
            metadata={"channel": "sms", TRUNCATED_FROM: 5},
        ),
        4096,
    )
    assert message.metadata == {"channel": "rest"}


@pytest.mark.parametrize(
    "sender",
    ["demo-alice", "test-0123456789ab", "ann", "Zoë 🙂", "a" * SENDER_LIMIT, "+", "12ab", "#1"],
)
def test_senders_a_front_end_would_use_are_accepted(sender: str) -> None:
    assert read_body(body(sender=sender, message="hi"), 4096).sender_id == sender


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"message": "hi"}, "sender must be a string"),
        ({"sender": None, "message": "hi"}, "sender must be a string"),
        ({"sender": 42, "message": "hi"}, "sender must be a string"),
        ({"sender": {"id": "x"}, "message": "hi"}, "sender must be a string"),
        ({"sender": "", "message": "hi"}, "1 to 128 characters"),
        ({"sender": "   ", "message": "hi"}, "1 to 128 characters"),
        ({"sender": "a" * (SENDER_LIMIT + 1), "message": "hi"}, "1 to 128 characters"),
        ({"sender": "a" * 100_000, "message": "hi"}, "1 to 128 characters"),
        ({"sender": "alice\nbob", "message": "hi"}, "control characters"),
        ({"sender": "alice\x00", "message": "hi"}, "control characters"),
        ({"sender": "+14155550101", "message": "hi"}, "phone number"),
        ({"sender": "123456789", "message": "hi"}, "phone number"),
        ({"sender": "-1001234567", "message": "hi"}, "phone number"),
        ({"sender": "demo-alice"}, "message must be a string"),
        ({"sender": "demo-alice", "message": None}, "message must be a string"),
        ({"sender": "demo-alice", "message": 42}, "message must be a string"),
        ({"sender": "demo-alice", "message": ["hi"]}, "message must be a string"),
    ],
)
def test_a_body_without_a_sane_sender_and_message_is_refused_with_the_reason(
    fields: dict[str, Any], problem: str
) -> None:
    with pytest.raises(RestRequestError, match=problem):
        read_body(body(**fields), 4096)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "not valid JSON"),
        (b"sender=demo-alice&message=hi", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"hi"', "JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),  # RecursionError: a 500 in Rasa's
        (b'{"sender": "a", "message": "b", "x": ' + b"[" * 40 + b"]" * 40 + b"}", "nested"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(raw: bytes, problem: str) -> None:
    with pytest.raises(RestRequestError, match=problem):
        read_body(raw, 4096)


# -- mounted as Rasa mounts it -----------------------------------------------------------


class StandInAgent:
    """Rasa's agent as the channel sees it: handle_message, answering through the output."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.fail: Exception | None = None

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        assert message.output_channel is not None and message.text is not None
        await message.output_channel.send_text_message(
            message.sender_id, f"you wrote {len(message.text)} characters"
        )
        if self.fail is not None:
            raise self.fail
        await message.output_channel.send_text_message(message.sender_id, "anything else?")


class RestServer(LiveServer):
    def __init__(self, channel: RestInput, agent: StandInAgent) -> None:
        app = Sanic(f"test_rest_{uuid.uuid4().hex}")
        app.ctx.agent = agent
        register([channel], app, route="/webhooks/")
        super().__init__(app)


@pytest.fixture
async def agent() -> StandInAgent:
    return StandInAgent()


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch, agent: StandInAgent) -> AsyncIterator[RestServer]:
    # Sanic 21.12 can start several apps in one process only in test mode.
    monkeypatch.setattr(Sanic, "test_mode", True)
    running = await RestServer(RestInput(ChannelSettings()), agent).start()
    yield running
    await running.stop()


async def test_replies_come_back_in_rasa_s_format(server: RestServer, agent: StandInAgent) -> None:
    response = await server.client.post(WEBHOOK, json={"sender": "demo-alice", "message": "hi"})
    assert response.status_code == 200
    assert response.json() == [
        {"recipient_id": "demo-alice", "text": "you wrote 2 characters"},
        {"recipient_id": "demo-alice", "text": "anything else?"},
    ]
    [message] = agent.messages
    assert message.input_channel == "rest"
    assert message.metadata == {"channel": "rest"}


async def test_the_readme_s_curl_works(server: RestServer) -> None:
    # curl -d sends the JSON as a form's content type; Rasa's channel read it anyway.
    response = await server.client.post(
        WEBHOOK,
        content=b'{"sender": "demo-alice", "message": "where is my order 12345678"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json()[0]["text"] == "you wrote 26 characters"


async def test_streamed_replies_come_one_json_object_a_line(server: RestServer) -> None:
    # What `make shell` (Rasa's console) asks for.
    response = await server.client.post(
        WEBHOOK, params={"stream": "true"}, json={"sender": "demo-alice", "message": "hi"}
    )
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines() if line]
    assert [line["text"] for line in lines] == ["you wrote 2 characters", "anything else?"]


async def test_a_100000_character_message_reaches_the_bot_cut_and_marked(
    server: RestServer, agent: StandInAgent, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.channels"):
        response = await server.client.post(
            WEBHOOK, json={"sender": "demo-alice", "message": "secret " * 14_286}
        )
    assert response.status_code == 200
    assert response.json()[0]["text"] == "you wrote 4096 characters"
    [message] = agent.messages
    assert message.metadata == {"channel": "rest", TRUNCATED_FROM: 100_002}
    assert "100002" in caplog.text and "secret" not in caplog.text


async def test_a_deeply_nested_body_is_a_400_with_a_json_error(
    server: RestServer, agent: StandInAgent
) -> None:
    response = await server.client.post(WEBHOOK, content=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert "nested" in response.json()["error"]
    assert agent.messages == []


async def test_a_sender_too_long_is_a_400_saying_so(server: RestServer) -> None:
    response = await server.client.post(WEBHOOK, json={"sender": "a" * 500, "message": "hi"})
    assert response.status_code == 400
    assert response.json() == {"error": "sender must be 1 to 128 characters long"}


async def test_a_body_over_the_cap_is_a_413(server: RestServer, agent: StandInAgent) -> None:
    oversized = body(sender="demo-alice", message="a" * MAX_WEBHOOK_BODY_BYTES)
    response = await server.client.post(WEBHOOK, content=oversized)
    assert response.status_code == 413
    assert agent.messages == []


async def test_a_turn_failed_by_a_bug_is_a_500_that_logs_no_text(
    server: RestServer, agent: StandInAgent, caplog: pytest.LogCaptureFixture
) -> None:
    agent.fail = RuntimeError("the bot broke")
    with caplog.at_level(logging.ERROR, logger="bot.channels.rest"):
        response = await server.client.post(
            WEBHOOK, json={"sender": "demo-alice", "message": "my card is 4111"}
        )
    # Not 200 with the half of the answer said before the failure: the turn was not kept.
    assert response.status_code == 500
    assert response.json() == {"error": INTERNAL_ERROR}
    assert "the bot's turn failed" in caplog.text and "4111" not in caplog.text


@pytest.mark.parametrize(
    "failure",
    [
        sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection")),
        LockError("the conversation is locked"),
    ],
    ids=["database", "lock"],
)
async def test_a_turn_failed_by_a_store_is_a_503_to_send_again(
    server: RestServer, agent: StandInAgent, failure: Exception
) -> None:
    agent.fail = failure
    response = await server.client.post(WEBHOOK, json={"sender": "demo-alice", "message": "hi"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "send it again" in response.json()["error"]

    agent.fail = None
    again = await server.client.post(WEBHOOK, json={"sender": "demo-alice", "message": "hi"})
    assert again.status_code == 200 and len(again.json()) == 2


def test_the_channel_keeps_rasa_s_name_and_reads_the_cap_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHANNELS_MAX_MESSAGE_CHARS", "300")
    channel = RestInput.from_credentials(None)
    assert RestInput.name() == "rest" and channel.url_prefix() == "rest"
    assert channel.settings.max_message_chars == 300


# -- end to end: the running assistant ----------------------------------------------------


def user_events(assistant: Assistant, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{assistant.rasa_url}/conversations/{sender}/tracker",
        params={"token": assistant.auth_token},
        timeout=30,
    )
    response.raise_for_status()
    return [e for e in response.json().get("events") or [] if e["event"] == "user"]


@pytest.mark.slow
def test_e2e_a_100000_character_message_is_answered_promptly_and_others_meanwhile(
    assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    sender, other = f"test-{uuid.uuid4().hex[:12]}", f"test-{uuid.uuid4().hex[:12]}"
    long_text = ("where is my order " * 6000)[:100_000]

    async def both() -> tuple[float, float]:
        async with httpx.AsyncClient(base_url=assistant.rasa_url, timeout=120) as client:

            async def timed(who: str, text: str) -> float:
                started = time.perf_counter()
                response = await client.post(WEBHOOK, json={"sender": who, "message": text})
                assert response.status_code == 200, response.text
                assert response.json(), "no reply"
                return time.perf_counter() - started

            long_task = asyncio.create_task(timed(sender, long_text))
            await asyncio.sleep(0.05)
            return await long_task, await timed(other, "hi")

    long_s, short_s = asyncio.run(both())
    with capsys.disabled():
        print(
            f"\n100,000-character REST message answered in {long_s:.2f} s, 'hi' in {short_s:.2f} s"
        )
    assert long_s < 10 and short_s < 10
    [event] = user_events(assistant, sender)
    assert len(event["text"]) == 4096
    assert event["metadata"][TRUNCATED_FROM] == 100_000
    assert event["input_channel"] == "rest"


@pytest.mark.slow
def test_e2e_a_client_cannot_claim_another_channel(assistant: Assistant) -> None:
    sender = f"test-{uuid.uuid4().hex[:12]}"
    response = httpx.post(
        f"{assistant.rasa_url}{WEBHOOK}",
        json={"sender": sender, "message": "hi", "input_channel": "sms"},
        timeout=60,
    )
    assert response.status_code == 200
    [event] = user_events(assistant, sender)
    assert event["input_channel"] == "rest"


@pytest.mark.slow
def test_e2e_a_rest_client_cannot_write_into_an_sms_conversation(assistant: Assistant) -> None:
    # As Alice's "+14155550101" would be, on a number no other test uses.
    number = f"+1555099{uuid.uuid4().int % 10**4:04d}"
    response = httpx.post(
        f"{assistant.rasa_url}{WEBHOOK}",
        json={"sender": number, "message": "what is my balance"},
        timeout=60,
    )
    assert response.status_code == 400
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (number,)).fetchone()
    assert rows == (0,)

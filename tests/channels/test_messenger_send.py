"""bot.channels.messenger_send: rendering for the Send API, sending through it, Meta's window.

Rendering on plain functions; sending through ``MessengerOutput`` against the
fake Graph API (tests/fakes/messenger.py), which enforces the Send API's
limits. The fake is shared by the whole session, so every test uses
page-scoped ids (PSIDs) of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from bot.channels.delivery import PermanentSendError, RetryableSendError
from bot.channels.messenger import create_output
from bot.channels.messenger_send import (
    QUICK_REPLIES_LIMIT,
    QUICK_REPLY_TITLE_LIMIT,
    MessengerOutput,
    graph_error,
    image_message,
    text_messages,
)
from bot.channels.settings import ChannelSettings, MessengerSettings
from bot.channels.store import ChannelStore, last_inbound, utc_now
from bot.channels.text import MESSENGER_LIMIT
from tests.channels.test_messenger import channel_settings, new_psid
from tests.conftest import MESSENGER_PAGE_ACCESS_TOKEN
from tests.fakes.messenger import FakeGraph, rate_limited
from tests.fakes.messenger import graph_error as fake_graph_error

# -- rendering --------------------------------------------------------------------------


def test_buttons_become_quick_replies_under_the_last_part() -> None:
    buttons = [{"title": "Track my order", "payload": "/check_order_status"}]
    messages = text_messages("x " * 1500, buttons)
    assert len(messages) == 2
    assert "quick_replies" not in messages[0]
    assert messages[1]["quick_replies"] == [
        {"content_type": "text", "title": "Track my order", "payload": "/check_order_status"}
    ]


def test_quick_replies_keep_within_the_send_api_limits() -> None:
    buttons = [{"title": f"A rather long button title {i}", "payload": f"/p{i}"} for i in range(20)]
    [message] = text_messages("Choose one", buttons)
    replies = message["quick_replies"]
    assert len(replies) == QUICK_REPLIES_LIMIT
    assert all(len(r["title"]) <= QUICK_REPLY_TITLE_LIMIT for r in replies)
    assert [r["payload"] for r in replies] == [f"/p{i}" for i in range(QUICK_REPLIES_LIMIT)]


def test_images_are_image_attachments() -> None:
    assert image_message("https://cdn.example/p.png") == {
        "attachment": {
            "type": "image",
            "payload": {"url": "https://cdn.example/p.png", "is_reusable": True},
        }
    }


def graph_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers)


@pytest.mark.parametrize(
    "response",
    [
        graph_response(429, {}, {"Retry-After": "3"}),
        graph_response(500, {"error": {"code": 2, "message": "Service temporarily unavailable"}}),
        graph_response(502, b"<html>Bad gateway</html>"),
        graph_response(400, {"error": {"code": 613, "message": "Calls exceed the rate limit"}}),
        graph_response(403, {"error": {"code": 32, "message": "Page request limit reached"}}),
        graph_response(400, {"error": {"code": 1200, "is_transient": True, "message": "Temp"}}),
    ],
)
def test_rate_limits_and_server_errors_are_retryable(response: httpx.Response) -> None:
    error = graph_error(response)
    assert isinstance(error, RetryableSendError)
    if "Retry-After" in response.headers:
        assert error.retry_after_s == 3.0


def test_a_refusal_is_permanent_with_graphs_code_and_subcode() -> None:
    body = {
        "error": {
            "message": "(#10) This message is sent outside of allowed window.",
            "type": "OAuthException",
            "code": 10,
            "error_subcode": 2018278,
            "fbtrace_id": "AbCdEf",
        }
    }
    error = graph_error(graph_response(400, body))
    assert isinstance(error, PermanentSendError)
    assert error.code == 10
    assert "2018278" in str(error) and "AbCdEf" in str(error)


# -- sending, against the fake Graph API -----------------------------------------------


@pytest.fixture
def store(tmp_path: Any) -> Iterator[ChannelStore]:
    channel_store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
    yield channel_store
    channel_store.close()


@pytest.fixture
async def output(fake_graph: FakeGraph, store: ChannelStore) -> AsyncIterator[MessengerOutput]:
    """An output that raises what it cannot deliver, as outbound.send_to_customer's does."""
    messenger = MessengerOutput(channel_settings(fake_graph), store, raise_errors=True)
    yield messenger
    await messenger.close()


async def customer_wrote(store: ChannelStore, psid: str, ago: dt.timedelta) -> None:
    """Record the customer's last message as ``ago`` in the past."""
    await store.touch_inbound("messenger", psid)
    with store.engine.begin() as db:
        db.execute(
            update(last_inbound)
            .where(last_inbound.c.channel == "messenger", last_inbound.c.sender_id == psid)
            .values(received_at=utc_now() - ago)
        )


async def test_a_long_text_arrives_split_at_2000_characters_in_order(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    sentences = [f"Sentence number {i} says a little about your order." for i in range(100)]
    text = " ".join(sentences)
    assert len(text) >= 5000
    await output.send_text_message(psid, text)
    sent = fake_graph.sent_to(psid)
    parts = [body["message"]["text"] for body in sent]
    assert len(parts) == 3
    assert all(len(part) <= MESSENGER_LIMIT for part in parts)
    assert " ".join(parts) == text  # in order, nothing lost, cut between sentences
    assert all(part.endswith(".") for part in parts)
    assert {body["messaging_type"] for body in sent} == {"RESPONSE"}


async def test_a_429_is_retried_and_the_message_delivered_once(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    fake_graph.fail_next_for(psid, rate_limited(retry_after=0))
    await output.send_text_message(psid, "Your order has shipped.")
    assert fake_graph.texts_to(psid) == ["Your order has shipped."]
    assert len(fake_graph.requests_to(psid)) == 2


async def test_graph_rate_limit_codes_are_retried(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    fake_graph.fail_next_for(psid, fake_graph_error(400, 613, "Calls to this api have exceeded"))
    await output.send_text_message(psid, "Hello")
    assert fake_graph.texts_to(psid) == ["Hello"]


async def test_a_permanent_error_is_not_retried_and_is_logged_with_code_and_subcode(
    output: MessengerOutput,
    store: ChannelStore,
    fake_graph: FakeGraph,
    caplog: pytest.LogCaptureFixture,
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    unavailable = fake_graph_error(
        400, 551, "This person isn't available right now.", subcode=1545041
    )
    fake_graph.fail_next_for(psid, unavailable)
    with caplog.at_level(logging.ERROR, logger="bot.channels.messenger_send"):
        with pytest.raises(PermanentSendError) as raised:
            await output.send_text_message(psid, "Hello")
    assert raised.value.code == 551
    assert len(fake_graph.requests_to(psid)) == 1
    assert "code 551" in caplog.text and "1545041" in caplog.text
    assert "Hello" not in caplog.text


async def test_in_a_rasa_turn_a_failed_send_is_logged_not_raised(
    fake_graph: FakeGraph, store: ChannelStore, caplog: pytest.LogCaptureFixture
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    turn_output = MessengerOutput(channel_settings(fake_graph), store)
    fake_graph.fail_next_for(psid, fake_graph_error(400, 100, "(#100) No matching user found"))
    try:
        with caplog.at_level(logging.ERROR, logger="bot.channels.messenger_send"):
            await turn_output.send_response(psid, {"text": "First"})
        await turn_output.send_response(psid, {"text": "Second"})
    finally:
        await turn_output.close()
    assert "not delivered" in caplog.text
    assert fake_graph.texts_to(psid) == ["Second"]


async def test_images_and_buttons_pass_the_send_api_checks(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    buttons = [{"title": f"Option {i}", "payload": f"/option_{i}"} for i in range(15)]
    await output.send_response(
        psid, {"text": "Pick one", "buttons": buttons, "image": "https://cdn.example/p.png"}
    )
    first, second = fake_graph.sent_to(psid)
    assert len(first["message"]["quick_replies"]) == QUICK_REPLIES_LIMIT
    assert second["message"]["attachment"]["payload"]["url"] == "https://cdn.example/p.png"
    assert fake_graph.refused_for(psid) == []


async def test_the_page_token_is_sent_but_never_logged(
    output: MessengerOutput,
    store: ChannelStore,
    fake_graph: FakeGraph,
    caplog: pytest.LogCaptureFixture,
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    with caplog.at_level(logging.DEBUG):
        await output.send_text_message(psid, "Hello")
    [request] = fake_graph.requests_to(psid)
    assert request.query["access_token"] == [MESSENGER_PAGE_ACCESS_TOKEN]
    assert "/me/messages" in caplog.text  # httpx's line about the request is still there
    assert MESSENGER_PAGE_ACCESS_TOKEN not in caplog.text


async def test_a_wrong_page_token_is_refused_by_the_fake_like_graph(
    fake_graph: FakeGraph, store: ChannelStore
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(minutes=1))
    wrong = ChannelSettings(
        messenger=MessengerSettings(
            page_access_token="not-the-page-token", api_base_url=fake_graph.url
        )
    )
    with pytest.raises(PermanentSendError) as raised:
        await create_output(wrong, store).send_text_message(psid, "Hello")
    assert raised.value.code == 190
    assert fake_graph.sent_to(psid) == []


async def test_a_bot_message_after_24_hours_is_refused_and_not_sent(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(hours=25))
    with pytest.raises(PermanentSendError, match="24-hour window"):
        await output.send_text_message(psid, "Anything else?")
    assert fake_graph.requests_to(psid) == []


async def test_a_human_agent_after_24_hours_uses_the_human_agent_tag(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(hours=30))
    await output.send_text_message(psid, "Hi, Sam here.", human_agent=True)
    [body] = fake_graph.sent_to(psid)
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_a_human_agent_inside_24_hours_answers_as_a_response(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(hours=2))
    await output.send_text_message(psid, "Hi, Sam here.", human_agent=True)
    [body] = fake_graph.sent_to(psid)
    assert body["messaging_type"] == "RESPONSE" and "tag" not in body


async def test_a_human_agent_after_7_days_is_refused(
    output: MessengerOutput, store: ChannelStore, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await customer_wrote(store, psid, dt.timedelta(days=8))
    with pytest.raises(PermanentSendError, match="7 days"):
        await output.send_text_message(psid, "Hi, Sam here.", human_agent=True)
    assert fake_graph.requests_to(psid) == []

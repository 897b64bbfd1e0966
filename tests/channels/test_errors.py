"""bot.channels.errors: one root for the channels' errors, one answer for each on every route.

Through the inbox's test channel (tests/channels/test_inbox.py's FakeChannel),
mounted as Rasa mounts channels on a real server: an error raised deep inside
a channel still answers with the status the README documents, and one that
is not a refusal says nothing of itself (it may name a customer).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sanic import Sanic
from sanic.request import Request

from bot.channels.delivery import PermanentSendError, RetryableSendError, SendError
from bot.channels.errors import (
    INTERNAL_ERROR,
    BodyTooLarge,
    ChannelDisabled,
    ChannelError,
    InvalidSignature,
    MalformedRequest,
    error_response,
)
from bot.channels.inbox import InboxDelivery, OnNewMessage
from bot.channels.internal import DeliveryRefused
from bot.channels.outbound import UnknownChannel
from bot.channels.rest import RestRequestError
from bot.channels.settings import ChannelSettings
from bot.channels.sms import OptedOut
from bot.channels.store import ChannelStore
from plumbing.untrusted import parse_int
from tests.channels.test_inbox import (
    SECRET,
    SECRET_HEADER,
    WEBHOOK,
    ChannelServer,
    FakeChannel,
    RecordingBot,
    message,
)


class DeepParseChannel(FakeChannel):
    """Reads an id with plumbing's parser, which raises UntrustedInput, not MalformedRequest."""

    def parse(self, request: Request) -> list[InboxDelivery]:
        deliveries = super().parse(request)
        for delivery in deliveries:
            parse_int(delivery.delivery_id, name="id")
        return deliveries


class FailingAcceptChannel(FakeChannel):
    """Authenticates and parses, then fails while accepting with ``error``."""

    def __init__(self, settings: ChannelSettings, store: ChannelStore, error: Exception) -> None:
        super().__init__(settings, store)
        self.error = error

    async def accept(self, deliveries: list[InboxDelivery], on_new_message: OnNewMessage) -> None:
        raise self.error


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChannelStore]:
    channel_store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
    yield channel_store
    channel_store.close()


@pytest.fixture
async def servers(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[ChannelServer]]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    started: list[ChannelServer] = []
    yield started
    for server in started:
        await server.stop()


async def serve(
    servers: list[ChannelServer], channel: FakeChannel, bot: RecordingBot
) -> ChannelServer:
    server = await ChannelServer(channel, bot).start()
    servers.append(server)
    return server


async def test_a_parser_error_from_deep_inside_a_channel_is_a_400_and_reaches_no_bot(
    servers: list[ChannelServer], store: ChannelStore
) -> None:
    bot = RecordingBot()
    server = await serve(servers, DeepParseChannel(ChannelSettings(), store), bot)

    response = await server.post({"messages": [message("not-a-number", "alice", "hi")]})

    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed request: id ")
    assert bot.messages == []


async def test_a_refusal_raised_after_the_checks_still_answers_its_status(
    servers: list[ChannelServer], store: ChannelStore
) -> None:
    bot = RecordingBot()
    channel = FailingAcceptChannel(ChannelSettings(), store, ChannelDisabled("inbox closed"))
    server = await serve(servers, channel, bot)

    response = await server.post({"messages": [message("m1", "alice", "hi")]})

    assert (response.status_code, response.json()) == (503, {"error": "inbox closed"})


async def test_a_send_error_escaping_a_webhook_is_a_500_that_names_no_one(
    servers: list[ChannelServer], store: ChannelStore, caplog: pytest.LogCaptureFixture
) -> None:
    error = PermanentSendError("sms", "The 'To' number +14155550101 is not valid", 21211)
    channel = FailingAcceptChannel(ChannelSettings(), store, error)
    server = await serve(servers, channel, RecordingBot())

    with caplog.at_level(logging.ERROR, logger="bot.channels.errors"):
        response = await server.post({"messages": [message("m1", "alice", "hi")]})

    # A 5xx: the platform retries, and the delivery is not lost.
    assert (response.status_code, response.json()) == (500, {"error": INTERNAL_ERROR})
    assert "+1415" not in response.text
    assert "21211" in caplog.text  # the operator sees what failed


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (ChannelDisabled(), 503, {"error": "channel not configured"}),
        (BodyTooLarge(1024), 413, {"error": "the body is larger than 1024 bytes"}),
        (InvalidSignature(), 403, {"error": "invalid signature"}),
        (MalformedRequest("no MessageSid"), 400, {"error": "malformed request: no MessageSid"}),
        (RestRequestError("message must be a string"), 400,
         {"error": "message must be a string"}),
        (UnknownChannel("no output for channel 'fax'"), 500, {"error": INTERNAL_ERROR}),
        (RetryableSendError("telegram", "Bad Gateway", 502), 500, {"error": INTERNAL_ERROR}),
    ],
)  # fmt: skip
def test_each_error_answers_as_the_readme_documents(
    error: ChannelError, status: int, body: dict[str, str]
) -> None:
    response = error_response(None, error)

    assert response.status == status
    assert response.body is not None and json.loads(response.body) == body


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html", "text/plain"])
async def test_an_error_of_no_channel_class_is_a_500_that_shows_neither_it_nor_a_traceback(
    servers: list[ChannelServer], store: ChannelStore, accept: str | None
) -> None:
    # Sanic's default handler answers it, as on Rasa's own routes (the module
    # docstring of bot.channels.errors): Rasa never runs Sanic in debug mode.
    error = RuntimeError("database is locked for +14155550101")
    channel = FailingAcceptChannel(ChannelSettings(), store, error)
    server = await serve(servers, channel, RecordingBot())
    headers = {SECRET_HEADER: SECRET, **({"Accept": accept} if accept is not None else {})}
    body = json.dumps({"messages": [message("m1", "alice", "hi")]})

    response = await server.client.post(WEBHOOK, content=body, headers=headers)

    # A 5xx: the platform retries, and the delivery is not lost.
    assert response.status_code == 500
    for leak in ("database is locked", "+1415", "Traceback", "RuntimeError", "alice"):
        assert leak not in response.text
    if accept in (None, "*/*", "application/json"):  # what the platforms send
        assert response.headers["content-type"] == "application/json"


def test_the_channels_errors_share_the_root() -> None:
    for error in (
        MalformedRequest, RestRequestError, DeliveryRefused, UnknownChannel, SendError, OptedOut
    ):  # fmt: skip
        assert issubclass(error, ChannelError)
    assert issubclass(RestRequestError, MalformedRequest)

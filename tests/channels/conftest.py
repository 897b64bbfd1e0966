"""Fixtures shared by the channels' tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sanic import Sanic

from bot.channels.inbox import OnNewMessage, WebhookChannel
from tests.channels.test_inbox import ChannelServer, ServerFactory


@pytest.fixture
async def serve(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ServerFactory]:
    """Starts channel servers (``await serve(channel, bot)``); stops them after the test."""
    # Sanic 21.12 rewrites its HTTP parser's methods in place when an app
    # starts; only in test mode can several apps start in one process.
    monkeypatch.setattr(Sanic, "test_mode", True)
    started: list[ChannelServer] = []

    async def start(channel: WebhookChannel, on_new_message: OnNewMessage) -> ChannelServer:
        server = await ChannelServer(channel, on_new_message).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()

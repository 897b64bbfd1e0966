"""actions.server: the action server delivers the outbox's pending handoffs from start-up."""

from __future__ import annotations

import asyncio

import pytest
from sanic import Sanic

from actions.server import create_app
from tests.actions.conftest import Make
from tests.fakes.handoff import FakeHandoffService
from tests.live_server import LiveServer


async def test_pending_handoffs_are_delivered_at_start_up_without_an_escalation(
    monkeypatch: pytest.MonkeyPatch, make_sender: Make, service: FakeHandoffService
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    sender = await make_sender(service.url)
    # Written before a crash: due now, and no escalation will come to kick the forwarder.
    await sender.outbox.add("e-1", {"escalation_id": "e-1"}, first_attempt_in_s=0)
    service.down = True

    server = await LiveServer(create_app(sender, every_s=0.05)).start()
    try:
        health = await server.client.get("/health")
        assert health.status_code == 200
        await asyncio.sleep(0.2)
        assert service.handoffs == {}
        # Retried with backoff: the handoff arrives once the service is back.
        service.down = False
        for _ in range(100):
            if await sender.outbox.pending_count() == 0:
                break
            await asyncio.sleep(0.05)
        assert list(service.handoffs) == ["e-1"]
        assert await sender.outbox.pending_count() == 0
    finally:
        await server.stop()

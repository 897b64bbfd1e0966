"""Fixtures of the handoff tests: databases (SQLite and PostgreSQL), a store, a running service.

PostgreSQL tests use the server at TEST_POSTGRES_URL (default: the
local one, database ``test``); each test gets its own schema, selected with
``search_path`` in the URL, and dropped afterwards. They are skipped, with
the reason, when that server does not answer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Sanic

from handoff.context import ServiceContext, context_of
from handoff.migrate import migrate
from handoff.service import DeliveryError, create_app
from handoff.settings import HandoffSettings
from handoff.store import Handoff, HandoffStore
from tests.fakes.rasa import FakeRasa
from tests.live_server import LiveServer
from tests.postgres import postgres_schema

ADMIN_TOKEN = "test-admin-token-" + "x" * 32


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'handoff.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    with postgres_schema("handoff_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[HandoffStore]:
    migrate(database_url)
    handoff_store = HandoffStore(database_url)
    yield handoff_store
    handoff_store.dispose()


# -- a running service ---------------------------------------------------------------------


@dataclass
class FakeDelivery:
    """The ``deliver`` hook: records (channel, recipient, text); can be made to fail."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)
    failing: bool = False
    # What a failure says about why (DeliveryError.reason), when failing.
    reason: str | None = None

    async def __call__(self, channel: str, recipient_id: str, text: str) -> None:
        if self.failing:
            raise DeliveryError("the channel is down", self.reason)
        self.sent.append((channel, recipient_id, text))


@dataclass
class CloseRecorder:
    closed: list[Handoff] = field(default_factory=list)

    async def __call__(self, handoff: Handoff) -> None:
        self.closed.append(handoff)


class Service(LiveServer):
    """The handoff app on a real server on a free port, and an httpx client for it."""

    @property
    def context(self) -> ServiceContext:
        """The app's typed context (handoff.context): its store, hooks, streams..."""
        return context_of(self.app)

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def admin(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=self.auth(ADMIN_TOKEN), **kwargs)

    async def as_(self, token: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=self.auth(token), **kwargs)

    async def raw(self, request: bytes, timeout_s: float = 5.0) -> bytes:
        """Send ``request`` as it is on a new connection (bytes no HTTP client would
        send: a bad Content-Length, non-ASCII header bytes); the answer's first bytes."""
        reader, writer = await asyncio.open_connection(
            self.client.base_url.host, self.client.base_url.port
        )
        try:
            writer.write(request)
            await writer.drain()
            return await asyncio.wait_for(reader.read(4096), timeout_s)
        finally:
            writer.close()

    async def new_agent(self, name: str, role: str = "agent") -> str:
        response = await self.admin("POST", "/api/agents", json={"name": name, "role": role})
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token


@pytest.fixture
def delivery() -> FakeDelivery:
    return FakeDelivery()


@pytest.fixture
def closes() -> CloseRecorder:
    return CloseRecorder()


@pytest.fixture
def settings(sqlite_url: str) -> HandoffSettings:
    # No broker: these tests post customer messages; test_broker runs the consumer.
    return HandoffSettings(
        database_url=sqlite_url, admin_token=ADMIN_TOKEN, average_handle_s=120, broker="none"
    )


@pytest.fixture
async def service(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> AsyncIterator[Service]:
    # Sanic 21.12 rewrites its HTTP parser's methods in place when an app
    # starts; only in test mode can several apps start in one process.
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = create_app(
        settings, deliver=delivery, on_close=closes, name=f"handoff_{uuid.uuid4().hex}"
    )
    running = await Service(app).start()
    yield running
    await running.stop()


# -- driving the API -----------------------------------------------------------------------


def handoff_body(name: str = "ann", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "escalation_id": f"esc-{name}",
        "conversation_id": f"conv-{name}",
        "channel": "telegram",
        "customer": {"id": f"tg-{name}", "name": name.title(), "email": f"{name}@example.com"},
        "reasons": ["explicit_request", "anger"],
        "priority": 3,
        "anger": 0.62,
        "summary": {"intents": ["order_status", "request_human"], "order_number": "A1234"},
        "transcript": [
            {"role": "customer", "text": "where is my order A1234", "timestamp": 1740830400.0},
            {"role": "bot", "text": "It ships tomorrow.", "timestamp": "2025-03-01T12:00:01Z"},
            {"role": "customer", "text": "I want a person", "timestamp": 1740830410.5},
        ],
    }
    body.update(overrides)
    return body


async def create(service: Service, name: str = "ann", **overrides: Any) -> dict[str, Any]:
    response = await service.admin("POST", "/api/handoffs", json=handoff_body(name, **overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def claimed_by(service: Service, name: str = "ann") -> tuple[dict[str, Any], str]:
    """A handoff claimed by a new agent ``name``, and their token."""
    handoff = await create(service)
    token = await service.new_agent(name)
    response = await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
    assert response.status_code == 200, response.text
    return handoff, token


# -- Rasa's API ----------------------------------------------------------------------------


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()

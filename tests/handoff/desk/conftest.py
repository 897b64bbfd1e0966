"""Fixtures of the desk tests: the handoff service with the desk installed,
agents with desk passwords, signed-in API clients, and a real headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make test``'s
prerequisites; ``DESK_TEST_CHROMIUM`` overrides the path), driven by
Playwright: Playwright's own browser downloads are never used. Without it
the browser tests are skipped on a developer's machine and fail in CI.

Passwords here are hashed with a cheap scrypt cost so that each test signs in
in milliseconds; the hash format and its check are the production ones, and
test_passwords covers the production cost.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sanic import Sanic

from handoff.context import context_of
from handoff.desk import DeskSettings, install
from handoff.desk.accounts import AccountStore
from handoff.desk.passwords import ScryptParams
from handoff.service import create_app
from handoff.settings import HandoffSettings
from tests.handoff.conftest import CloseRecorder, FakeDelivery, Service
from tests.postgres import skip_or_fail

CHROMIUM = Path(os.environ.get("DESK_TEST_CHROMIUM", "/usr/bin/chromium"))
FAST_HASH = ScryptParams(log_n=4, r=8, p=1)
PASSWORD = "correct horse battery"
UI_TIMEOUT_MS = 5000

expect.set_options(timeout=UI_TIMEOUT_MS)

_numbers = itertools.count(1)


def new_number() -> str:
    return f"+1555010{next(_numbers):04d}"


def handoff_body(name: str = "ann", **overrides: Any) -> dict[str, Any]:
    """A realistic POST /api/handoffs body, as the bot's outbox sends it."""
    number = new_number()
    body: dict[str, Any] = {
        "escalation_id": f"esc-{name}-{uuid.uuid4().hex[:8]}",
        "conversation_id": number,
        "channel": "sms",
        "customer": {"sender_id": number},
        "reasons": ["strong_anger", "explicit_request"],
        "priority": 1,
        "anger": 0.86,
        "summary": {
            "intents": ["order_status", "request_human"],
            "order_id": "12345678",
            "email": f"{name}@example.com",
        },
        "transcript": [
            {"role": "customer", "text": "where is my order 12345678", "timestamp": 1767225600.0},
            {
                "role": "bot",
                "text": "Your order 12345678 shipped with UPS on Monday.",
                "timestamp": 1767225601.0,
            },
            {
                "role": "customer",
                "text": "THAT'S WHAT YOU SAID LAST WEEK. Get me a person now!!",
                "timestamp": 1767225630.0,
            },
        ],
    }
    body.update(overrides)
    return body


class Desk(Service):
    """The handoff service with the desk, on a real server."""

    @property
    def url(self) -> str:
        return str(self.client.base_url)

    @property
    def accounts(self) -> AccountStore:
        desk = context_of(self.app).desk
        assert desk is not None
        return desk.accounts

    async def agent(self, name: str, role: str = "agent", password: str = PASSWORD) -> str:
        """A new agent with a desk password; their bearer token."""
        token = await self.new_agent(name, role)
        await self.accounts.set_password(name, password, FAST_HASH)
        return token

    def new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10)

    async def sign_in(
        self, client: httpx.AsyncClient, name: str, password: str = PASSWORD
    ) -> httpx.Response:
        return await client.post("/api/session", json={"name": name, "password": password})

    async def signed_in(self, name: str, password: str = PASSWORD) -> tuple[httpx.AsyncClient, str]:
        """A client holding ``name``'s session cookie, and the session's CSRF token."""
        client = self.new_client()
        response = await self.sign_in(client, name, password)
        assert response.status_code == 200, response.text
        return client, str(response.json()["csrf_token"])

    async def create_handoff(self, name: str = "ann", **overrides: Any) -> dict[str, Any]:
        response = await self.admin("POST", "/api/handoffs", json=handoff_body(name, **overrides))
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture
def desk_settings() -> DeskSettings:
    return DeskSettings()


async def start_desk(
    settings: HandoffSettings,
    desk_settings: DeskSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
    port: int = 0,
) -> Desk:
    app = create_app(settings, deliver=delivery, on_close=closes, name=f"desk_{uuid.uuid4().hex}")
    install(app, desk_settings)
    return await Desk(app).start(port)


@pytest.fixture
async def desk(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    desk_settings: DeskSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> AsyncIterator[Desk]:
    # Several Sanic apps in one process need test mode (see tests.live_server).
    monkeypatch.setattr(Sanic, "test_mode", True)
    running = await start_desk(settings, desk_settings, delivery, closes)
    yield running
    await running.stop()


# -- a real browser ---------------------------------------------------------------------


def require_chromium() -> None:
    """Skip without Chromium on a developer's machine; fail in CI, where `make test` installs it."""
    if not CHROMIUM.exists():
        skip_or_fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        await launched.close()


async def open_desk(browser: Browser, desk_url: str, name: str, password: str = PASSWORD) -> Page:
    """A new browser context (its own cookies) signed in to the desk as ``name``."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Uncaught errors and the script's own console errors; the browser's
    # note of each 4xx answer (401 before signing in) is expected.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.desk_errors = errors  # type: ignore[attr-defined]
    await page.goto(f"{desk_url}/desk")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    return page

"""Fixtures shared by the whole suite: the trained model and a running assistant."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sanic import Sanic

from scripts.run import isolated_environment, running, services
from tests.fakes.credentials import (
    MESSENGER_APP_SECRET,
    MESSENGER_PAGE_ACCESS_TOKEN,
    MESSENGER_VERIFY_TOKEN,
    PUBLIC_URL,
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_SECRET_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
)
from tests.fakes.messenger import FakeGraph
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.live_server import LiveServer

if TYPE_CHECKING:
    from bot.channels.settings import ChannelSettings
    from bot.channels.store import ChannelStore

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "retail-bot.tar.gz"


def channel_environment(
    state: Path, twilio_url: str, telegram_url: str, graph_url: str
) -> dict[str, str]:
    """Every channel enabled, with the test credentials, sending to the fake APIs."""
    return {
        "PUBLIC_URL": PUBLIC_URL,
        "CHANNELS_DATABASE_URL": f"sqlite:///{state / 'channels.db'}",
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": TWILIO_FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_url,
        "TWILIO_CONTENT_API_BASE_URL": twilio_url,
        "TWILIO_WHATSAPP_FROM": f"whatsapp:{TWILIO_FROM_NUMBER}",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "MESSENGER_PAGE_ACCESS_TOKEN": MESSENGER_PAGE_ACCESS_TOKEN,
        "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN,
        "MESSENGER_API_BASE_URL": graph_url,
    }


@pytest.fixture(autouse=True)
def log_masking_restored() -> Iterator[None]:
    """Secrets registered for masking, and the masking itself, undone after each test.

    Both are process-wide (plumbing.log_masking, plumbing.http_logs): a test
    that made a client with the token "token" would otherwise have every later
    log line's "access_token" masked.
    """
    from plumbing import http_logs

    secrets = set(http_logs._secret_filter.secrets)
    factory = logging.getLogRecordFactory()
    yield
    http_logs._secret_filter.secrets.clear()
    http_logs._secret_filter.secrets.update(secrets)
    logging.setLogRecordFactory(factory)


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL.relative_to(ROOT)} is missing: run `make test`, which trains first")
    return MODEL


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_graph() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@dataclass
class Assistant:
    """A running Rasa server, action server and handoff service, with their own databases."""

    rasa_url: str
    auth_token: str
    handoff_url: str
    handoff_admin_token: str
    business_db: Path
    tracker_db: Path
    channels_db: Path

    def say(self, sender: str, text: str) -> list[dict]:
        """Send a message through the REST channel; the bot's replies."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return list(response.json())

    def say_text(self, sender: str, text: str) -> str:
        return "\n".join(reply.get("text", "") for reply in self.say(sender, text))


@pytest.fixture(scope="session")
def assistant(
    model_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
) -> Iterator[Assistant]:
    """The real servers, started once for the session on free ports.

    The channels send to the fake platform APIs, never to the real ones.
    """
    state = tmp_path_factory.mktemp("assistant")
    env = isolated_environment(state, model_path)
    env.update(channel_environment(state, fake_twilio.url, fake_telegram.url, fake_graph.url))
    with running(services(env, handoff=True), env):
        yield Assistant(
            rasa_url=f"http://127.0.0.1:{env['RASA_PORT']}",
            auth_token=env["RASA_AUTH_TOKEN"],
            handoff_url=env["HANDOFF_URL"],
            handoff_admin_token=env["HANDOFF_ADMIN_TOKEN"],
            business_db=state / "business.db",
            tracker_db=state / "tracker.db",
            channels_db=state / "channels.db",
        )


# -- the Rasa server's delivery route, without Rasa's agent ---------------------------------

DELIVERY_TOKEN = "test-delivery-token-" + "d" * 24


class DeliveryRouteServer(LiveServer):
    """The channels and bot.channels.internal's route on a Sanic app, mounted by Rasa's
    own ``register`` as ``rasa run`` mounts credentials.yml's channels; no model, no agent.

    ``store`` is the channels' store (SMS opt-outs, Messenger's last inbound times).
    """

    def __init__(self, settings: ChannelSettings, store: ChannelStore, token: str) -> None:
        # Imported here: Rasa takes seconds to import, and most tests never need it.
        from rasa.core.channels.channel import register

        from bot.channels.internal import DeliveryRoute, DeliveryRouteSettings
        from bot.channels.messenger import MessengerInput
        from bot.channels.rest import RestInput
        from bot.channels.sms import SmsInput
        from bot.channels.telegram import TelegramInput
        from bot.channels.whatsapp import WhatsAppInput

        app = Sanic(f"rasa_{uuid.uuid4().hex}")
        channels = [
            RestInput(settings),
            SmsInput(settings, store),
            TelegramInput(settings, store),
            MessengerInput(settings, store),
            WhatsAppInput(settings, store),
            DeliveryRoute(DeliveryRouteSettings(token=token)),
        ]
        register(channels, app, route="/webhooks/")
        super().__init__(app)
        self.settings = settings
        self.store = store
        self.token = token

    @property
    def url(self) -> str:
        return str(self.client.base_url)

    async def deliver(self, body: Any, *, token: str | None = None) -> httpx.Response:
        """POST /internal/deliveries with the route's token (or ``token``); a dict as JSON."""
        headers = {"Authorization": f"Bearer {self.token if token is None else token}"}
        content = body if isinstance(body, (bytes, str)) else None
        return await self.client.post(
            "/internal/deliveries",
            content=content,
            json=None if content is not None else body,
            headers=headers,
        )


ServeDeliveryRoute = Callable[..., Awaitable[DeliveryRouteServer]]


@pytest.fixture
async def serve_delivery_route(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
) -> AsyncIterator[ServeDeliveryRoute]:
    """Starts a DeliveryRouteServer: every channel enabled and sending to the fake APIs,
    unless ``environ`` (channel variables) or ``token`` say otherwise."""
    from bot.channels.settings import ChannelSettings
    from bot.channels.store import ChannelStore

    # Sanic 21.12 can start several apps in one process only in test mode.
    monkeypatch.setattr(Sanic, "test_mode", True)
    started: list[DeliveryRouteServer] = []
    stores: list[ChannelStore] = []

    async def start(
        environ: dict[str, str] | None = None, token: str = DELIVERY_TOKEN
    ) -> DeliveryRouteServer:
        if environ is None:
            environ = channel_environment(
                tmp_path, fake_twilio.url, fake_telegram.url, fake_graph.url
            )
        settings = ChannelSettings.from_env(environ)
        store = ChannelStore(settings.database_url)
        stores.append(store)
        server = await DeliveryRouteServer(settings, store, token).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()
    for store in stores:
        store.close()


@pytest.fixture
async def delivery_route(serve_delivery_route: ServeDeliveryRoute) -> DeliveryRouteServer:
    """The route with every channel enabled, sending to the fake APIs."""
    return await serve_delivery_route()

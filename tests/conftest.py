"""Fixtures shared by the whole suite: the trained model and a running assistant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

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
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "MESSENGER_PAGE_ACCESS_TOKEN": MESSENGER_PAGE_ACCESS_TOKEN,
        "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN,
        "MESSENGER_API_BASE_URL": graph_url,
    }


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

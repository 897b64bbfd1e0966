"""Fixtures shared by the whole suite: the trained model and a running assistant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scripts.run import isolated_environment, services, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "retail-bot.tar.gz"


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL.relative_to(ROOT)} is missing: run `make test`, which trains first")
    return MODEL


@dataclass
class Assistant:
    """A running Rasa server and action server, with their own databases."""

    rasa_url: str
    auth_token: str
    business_db: Path
    tracker_db: Path

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
def assistant(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The real servers, started once for the session on free ports."""
    state = tmp_path_factory.mktemp("assistant")
    env = isolated_environment(state, model_path)
    all_services = services(env)
    for service in all_services:
        service.start(env)
    try:
        if not wait_until_healthy(all_services, lambda: False):
            pytest.fail("the assistant did not start; see the captured output above")
        yield Assistant(
            rasa_url=f"http://127.0.0.1:{env['RASA_PORT']}",
            auth_token=env["RASA_AUTH_TOKEN"],
            business_db=state / "business.db",
            tracker_db=state / "tracker.db",
        )
    finally:
        for service in reversed(all_services):
            service.stop()

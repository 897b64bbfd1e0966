"""Fixtures shared by the whole suite: the trained model and a running assistant."""
from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scripts.run import Service, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "retail-bot.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    tracker_db, business_db = state / "tracker.db", state / "business.db"
    endpoints = state / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker_db}\n"
    )
    rasa_port, actions_port = free_port(), free_port()
    token = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "RASA_PORT": str(rasa_port),
        "RASA_AUTH_TOKEN": token,
        "RASA_MODEL": str(model_path),
        "RASA_ENDPOINTS": str(endpoints),
        "ACTIONS_PORT": str(actions_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "ACTIONS_DATABASE_URL": f"sqlite:///{business_db}",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    services = [
        Service(
            "action server",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
            f"http://127.0.0.1:{actions_port}/health",
        ),
        Service("Rasa server", [sys.executable, "-m", "bot.server"], f"http://127.0.0.1:{rasa_port}/"),
    ]
    for service in services:
        service.start(env)
    try:
        if not wait_until_healthy(services, lambda: False):
            pytest.fail("the assistant did not start; see the captured output above")
        yield Assistant(f"http://127.0.0.1:{rasa_port}", token, business_db, tracker_db)
    finally:
        for service in reversed(services):
            service.stop()

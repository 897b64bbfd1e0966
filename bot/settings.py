"""Settings of the Rasa server, read from ``RASA_*`` environment variables."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 5005
# Loopback only: Rasa's own default is 0.0.0.0, every interface of the
# machine, and the REST channel believes whatever sender it is given.
DEFAULT_INTERFACE = "127.0.0.1"
DEFAULT_MODEL = "models/retail-bot.tar.gz"
TOKEN_FILE = Path("var/rasa_auth_token")


@dataclass(frozen=True)
class BotSettings:
    port: int = DEFAULT_PORT
    # The address the server listens on (RASA_INTERFACE): 0.0.0.0 or a
    # public address only behind a proxy that authenticates REST users.
    interface: str = DEFAULT_INTERFACE
    model: str = DEFAULT_MODEL
    endpoints: str = "endpoints.yml"
    credentials: str = "credentials.yml"
    # Protects Rasa's HTTP API (/status, /conversations/...); the webhooks are
    # protected by their channels' own signatures.
    auth_token: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BotSettings:
        env = os.environ if environ is None else environ
        return cls(
            port=int(env.get("RASA_PORT", DEFAULT_PORT)),
            interface=env.get("RASA_INTERFACE", "").strip() or DEFAULT_INTERFACE,
            model=env.get("RASA_MODEL", DEFAULT_MODEL),
            endpoints=env.get("RASA_ENDPOINTS", "endpoints.yml"),
            credentials=env.get("RASA_CREDENTIALS", "credentials.yml"),
            auth_token=env.get("RASA_AUTH_TOKEN", ""),
        )


def local_auth_token(path: Path = TOKEN_FILE) -> str:
    """A token for the embedded default, generated once and kept under var/.

    Used for Rasa's HTTP API token and the handoff service's admin token.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    # Created readable by the owner only: the token grants the whole HTTP API.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token

"""Settings of the Rasa server, read from ``RASA_*`` environment variables.

``RASA_PORT``, ``RASA_INTERFACE``, ``RASA_MODEL``, ``RASA_ENDPOINTS``,
``RASA_CREDENTIALS``, ``RASA_AUTH_TOKEN``: one per field below, read by
plumbing.settings' rules (a malformed value is a ValueError naming it).
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from plumbing.settings import read_env

ENV_PREFIX = "RASA_"

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
    # protected by their channels' own signatures. A secret: not in repr.
    auth_token: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"RASA_PORT must be between 1 and 65535, not {self.port}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BotSettings:
        """Each field from ``RASA_`` and its name in capitals (``RASA_PORT``)."""
        return read_env(cls, environ, prefix=ENV_PREFIX)


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

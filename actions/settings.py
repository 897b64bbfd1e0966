"""Settings of the action server, read from ``ACTIONS_*`` environment variables.

- ``ACTIONS_HOST`` / ``ACTIONS_PORT``: where the server listens (127.0.0.1:5055;
  ``python -m actions.server --port`` overrides the port). Its only caller is
  the Rasa server: 0.0.0.0 only when that runs on another host.
- ``ACTIONS_TOKEN``: the shared secret the Rasa server sends on every call
  (``Authorization: Bearer ...``, from ``endpoints.yml``); at least 16
  characters, no spaces. The server refuses to start without it (``make run``
  generates one into ``var/actions_token``).
- ``ACTIONS_MAX_BODY_BYTES``: the largest action call accepted, as sent and
  after ``Content-Encoding: deflate`` is undone (8 MiB).
- ``ACTIONS_BACKEND``, ``ACTIONS_DATABASE_URL``, ``ACTIONS_RETURN_WINDOW_DAYS``,
  ``ACTIONS_SEED_SAMPLE_DATA``: the company's systems (see the fields below).
- ``HANDOFF_URL``, ``HANDOFF_ADMIN_TOKEN``, ``ACTIONS_HANDOFF_OUTBOX_URL``,
  ``ACTIONS_HANDOFF_TIMEOUT``: the handoff service and the outbox.

Secrets are never shown by ``repr``. Values are read by plumbing.settings'
rules (one per type: how a flag, a number, a duration is written); a
malformed value is a ValueError naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from plumbing.settings import Seconds, read_env, setting

ENV_PREFIX = "ACTIONS_"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
DEFAULT_DATABASE_URL = "sqlite:///var/business.db"
DEFAULT_BACKEND = "actions.backend.sql:SqlBackend"
DEFAULT_RETURN_WINDOW_DAYS = 30
DEFAULT_HANDOFF_URL = "http://127.0.0.1:5080"
DEFAULT_HANDOFF_OUTBOX_URL = "sqlite:///var/handoff_outbox.db"
DEFAULT_HANDOFF_TIMEOUT_S = 5.0
# Rasa posts the whole tracker (every event of every session) and the domain
# on every call. Measured on this bot: about 4 KB a turn (the user event with
# its intent ranking and entities is 2 KB) and 13 KB of domain, so 8 MiB holds
# some 2,000 turns. A longer conversation is refused with a 413, which the
# action server logs with this variable's name.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
# Shorter secrets can be guessed; the generated ones have 43 characters.
MIN_TOKEN_LENGTH = 16
# A token goes into an HTTP header through a YAML plain scalar: printable
# ASCII without spaces (RFC 6750's token68 alphabet and a little more).
TOKEN_PATTERN = re.compile(r"[!-~]+")


@dataclass(frozen=True)
class ActionSettings:
    # Where the server listens. Not 0.0.0.0 by default: anyone who reaches
    # the port reaches every customer's orders (the token is the second lock).
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # The shared secret of the Rasa server. Empty is allowed here, for the
    # tools that share these settings without serving (the outbox's flush, the
    # backend); actions.server.create_app refuses to start without it.
    token: str = field(default="", repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # "module:Class" of the Backend implementation; the class is built with
    # the settings object as its only argument.
    backend: str = DEFAULT_BACKEND
    database_url: str = DEFAULT_DATABASE_URL
    return_window_days: int = DEFAULT_RETURN_WINDOW_DAYS
    # Seed the default database with sample customers and orders when empty.
    seed_sample_data: bool = True
    # The handoff service (HANDOFF_URL, HANDOFF_ADMIN_TOKEN: the same variables
    # the service reads) and the outbox that makes escalations durable
    # (ACTIONS_HANDOFF_OUTBOX_URL). The timeout bounds how long a customer
    # waits for "you are number 3 in the queue" before hearing "a person will
    # take over" and the outbox retrying in the background.
    handoff_url: str = setting(DEFAULT_HANDOFF_URL, env="HANDOFF_URL")
    handoff_token: str = setting("", env="HANDOFF_ADMIN_TOKEN", secret=True)
    handoff_outbox_url: str = DEFAULT_HANDOFF_OUTBOX_URL
    handoff_timeout_s: Seconds = setting(DEFAULT_HANDOFF_TIMEOUT_S, env="ACTIONS_HANDOFF_TIMEOUT")

    def __post_init__(self) -> None:
        # Checked here rather than in from_env, so that settings built in code
        # (tests, another launcher) cannot skip the checks.
        if not 0 < self.port < 65536:
            raise ValueError(f"ACTIONS_PORT must be between 1 and 65535, not {self.port}")
        if self.max_body_bytes < 1:
            raise ValueError(
                f"ACTIONS_MAX_BODY_BYTES must be at least 1, not {self.max_body_bytes}"
            )
        if self.return_window_days < 0:
            raise ValueError(
                f"ACTIONS_RETURN_WINDOW_DAYS must not be negative, not {self.return_window_days}"
            )
        if self.token:
            # The message never quotes the token.
            if not TOKEN_PATTERN.fullmatch(self.token):
                raise ValueError(
                    "ACTIONS_TOKEN must be printable ASCII without spaces "
                    "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
            if len(self.token) < MIN_TOKEN_LENGTH:
                raise ValueError(f"ACTIONS_TOKEN must be at least {MIN_TOKEN_LENGTH} characters")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ActionSettings:
        """Each field from ``ACTIONS_`` + its name (``ACTIONS_PORT``), or the variable it names."""
        return read_env(cls, environ, prefix=ENV_PREFIX)

"""Settings of the action server, read from ``ACTIONS_*`` environment variables."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite:///var/business.db"
DEFAULT_BACKEND = "actions.backend.sql:SqlBackend"
DEFAULT_RETURN_WINDOW_DAYS = 30
DEFAULT_HANDOFF_URL = "http://127.0.0.1:5080"
DEFAULT_HANDOFF_OUTBOX_URL = "sqlite:///var/handoff_outbox.db"
DEFAULT_HANDOFF_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ActionSettings:
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
    handoff_url: str = DEFAULT_HANDOFF_URL
    handoff_token: str = field(default="", repr=False)
    handoff_outbox_url: str = DEFAULT_HANDOFF_OUTBOX_URL
    handoff_timeout_s: float = DEFAULT_HANDOFF_TIMEOUT_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ActionSettings:
        env = os.environ if environ is None else environ
        return cls(
            backend=env.get("ACTIONS_BACKEND", DEFAULT_BACKEND),
            database_url=env.get("ACTIONS_DATABASE_URL", DEFAULT_DATABASE_URL),
            return_window_days=int(
                env.get("ACTIONS_RETURN_WINDOW_DAYS", DEFAULT_RETURN_WINDOW_DAYS)
            ),
            seed_sample_data=env.get("ACTIONS_SEED_SAMPLE_DATA", "1").lower()
            not in {"0", "false", "no"},
            handoff_url=env.get("HANDOFF_URL", "").strip() or DEFAULT_HANDOFF_URL,
            handoff_token=env.get("HANDOFF_ADMIN_TOKEN", "").strip(),
            handoff_outbox_url=env.get("ACTIONS_HANDOFF_OUTBOX_URL", "").strip()
            or DEFAULT_HANDOFF_OUTBOX_URL,
            handoff_timeout_s=float(
                env.get("ACTIONS_HANDOFF_TIMEOUT", "").strip() or DEFAULT_HANDOFF_TIMEOUT_S
            ),
        )

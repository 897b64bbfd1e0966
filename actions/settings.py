"""Settings of the action server, read from ``ACTIONS_*`` environment variables."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///var/business.db"
DEFAULT_BACKEND = "actions.backend.sql:SqlBackend"
DEFAULT_RETURN_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ActionSettings:
    # "module:Class" of the Backend implementation; the class is built with
    # the settings object as its only argument.
    backend: str = DEFAULT_BACKEND
    database_url: str = DEFAULT_DATABASE_URL
    return_window_days: int = DEFAULT_RETURN_WINDOW_DAYS
    # Seed the default database with sample customers and orders when empty.
    seed_sample_data: bool = True

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
        )

"""Bring a handoff database to the latest schema: ``migrate(database_url)``.

Alembic is configured in code (no alembic.ini): the scripts live next to this
module in ``handoff/migrations``, and the connection is handed to env.py, so
a URL with characters configparser would misread (``%`` in a password) works.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from handoff.store import build_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Upgrade to ``revision`` (blocking: call it in a thread from async code)."""
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str = "base") -> None:
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()


if __name__ == "__main__":
    from handoff.settings import HandoffSettings

    migrate(HandoffSettings.from_env().database_url)

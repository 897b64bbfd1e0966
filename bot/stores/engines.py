"""The engines of Rasa's own stores in the Rasa server: plumbing.db's RASA_STORES profile."""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import create_engine_kwargs
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

import plumbing.db


class Store:
    """What Rasa's SQL tracker store and broker both have: an engine and its sessions."""

    engine: Engine
    sessionmaker: Any


def use_own_engine(store: Store) -> None:
    """Replace the engine Rasa built for ``store`` (after it created its tables).

    A SQLite file: pooled connections in WAL mode, synchronous=NORMAL (why:
    plumbing.db, RASA_STORES). Another database (PostgreSQL in production):
    Rasa's settings (pool size, schema) plus ``pool_pre_ping``. Without it a
    pooled connection the server had closed (a restart, a failover, an idle
    timeout) failed the next save, and Rasa then kept that conversation in
    memory only, while the customer got the bot's answer:
    tests/test_production_faults.py lost turns that way when it dropped the
    database's connections. A SQLite database in memory (tests) keeps Rasa's.
    """
    url = store.engine.url
    if plumbing.db.is_sqlite_memory(url):
        return
    store.engine.dispose()
    # future=False: Rasa's stores are written for SQLAlchemy 1.x engines.
    store.engine = plumbing.db.build_engine(
        url, plumbing.db.RASA_STORES, future=False, server_options=create_engine_kwargs(url)
    )
    store.sessionmaker = sessionmaker(bind=store.engine)

"""The engines of our Rasa-side stores: SQLite pooled in WAL mode, PostgreSQL checked before use."""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import create_engine_kwargs
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

# Rasa opens these files with SQLite's rollback journal, where every commit
# waits for three fsyncs: 2.1 ms a commit on this machine's idle disk, and
# 40 ms and more on a busy one, on the event loop, while every other
# conversation waits. WAL with synchronous=NORMAL commits without waiting for
# the disk (0.01 ms), and lets the handoff service and `make review` read
# while the Rasa server writes.
#
# What NORMAL gives up: a commit survives the process being killed (kill -9,
# a crash: tests/test_resilience.py), but the last moments of commits may be
# lost if the machine itself loses power; the file is never corrupted. These
# are Rasa's working copies of the conversation: the customer's message
# itself is already in the channels' inbox (plumbing/db.py's CHANNELS
# profile, synchronous=FULL), and the production profile keeps conversations
# in PostgreSQL.
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=15000")
# Connections kept open. Rasa's engines open and close one per operation
# (SQLAlchemy 1.4's default for SQLite files), and in WAL mode the last
# connection to close checkpoints the log into the database and deletes it:
# 0.8 ms of file work twice a turn, plus the pragmas again on each new one.
POOL_SIZE = 4


class Store:
    """What Rasa's SQL tracker store and broker both have: an engine and its sessions."""

    engine: Engine
    sessionmaker: Any


def use_own_engine(store: Store) -> None:
    """Replace the engine Rasa built for ``store`` (after it created its tables).

    A SQLite file: pooled connections in WAL mode (:data:`PRAGMAS`). Another
    database (PostgreSQL in production): Rasa's settings plus
    ``pool_pre_ping``. Without it a pooled connection the server had closed
    (a restart, a failover, an idle timeout) failed the next save, and Rasa
    then kept that conversation in memory only, while the customer got the
    bot's answer: tests/test_production_faults.py lost turns that way when it
    dropped the database's connections.
    """
    url = store.engine.url
    if url.get_backend_name() != "sqlite":
        store.engine.dispose()
        store.engine = create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        store.sessionmaker = sessionmaker(bind=store.engine)
        return
    if url.database in (None, "", ":memory:"):
        return
    store.engine.dispose()
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=POOL_SIZE,
        # Rasa uses the store from the event loop's thread; a pooled
        # connection may still be opened by one thread and reused by another.
        connect_args={"check_same_thread": False},
    )
    event.listen(engine, "connect", _set_pragmas)
    store.engine = engine
    store.sessionmaker = sessionmaker(bind=engine)


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()

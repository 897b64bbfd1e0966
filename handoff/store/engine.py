"""The handoff database's engine, and the write transaction every change of the store runs in.

:class:`StoreBase` is what every part of :class:`handoff.store.HandoffStore`
builds on: the engine, and :meth:`StoreBase._write`, a write transaction
that, once it has committed, tells the journal listeners the latest journal
id it wrote (see handoff.store.journal for who writes the journal and why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

import plumbing.db
from plumbing.db import write_transaction

__all__ = ["JournalListener", "StoreBase", "build_engine", "note_journaled", "write_transaction"]

logger = logging.getLogger(__name__)

# Told the highest journal id a transaction wrote, once it has committed. It
# runs in the thread that committed (a worker thread): it must be thread-safe
# and quick (handoff.events.EventHub.wake is both).
JournalListener = Callable[[int], None]

# Key in Connection.info: the highest journal id the current transaction wrote.
_JOURNALED = "handoff_journaled"


def build_engine(database_url: str) -> Engine:
    """The handoff database's engine (plumbing.db's HANDOFF profile), its SQLite folder made.

    WAL, foreign keys, and writers that take SQLite's write lock at BEGIN
    (:func:`write_transaction`, re-exported by handoff.store for every writer
    of the handoff database: the store, the desk's accounts, the adapters).
    """
    engine = plumbing.db.build_engine(database_url, plumbing.db.HANDOFF)
    plumbing.db.ensure_sqlite_directory(engine.url)
    return engine


def note_journaled(db: Connection, event_id: int) -> None:
    """Remember, for :meth:`StoreBase._write`, that this transaction journaled ``event_id``."""
    db.info[_JOURNALED] = max(event_id, db.info.get(_JOURNALED) or 0)


class StoreBase:
    """The engine and the write transaction; each part of the store adds its methods.

    SQLAlchemy's synchronous engine runs in worker threads: each of the
    store's async methods runs its synchronous twin (``_name``) in
    ``asyncio.to_thread``.
    """

    def __init__(self, database_url: str) -> None:
        self._engine = build_engine(database_url)
        self._journal_listeners: list[JournalListener] = []

    @property
    def engine(self) -> Engine:
        return self._engine

    def dispose(self) -> None:
        self._engine.dispose()

    def listen_to_journal(self, listener: JournalListener) -> None:
        """Call ``listener`` after every commit that journaled an event (see JournalListener)."""
        self._journal_listeners.append(listener)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; once it commits, the journal listeners hear what it journaled."""
        with write_transaction(self._engine) as db:
            db.info.pop(_JOURNALED, None)  # left by a transaction that failed
            try:
                yield db
            finally:
                latest: int | None = db.info.pop(_JOURNALED, None)
        if latest is not None:
            for listener in self._journal_listeners:
                try:
                    listener(latest)
                except Exception:
                    # The change is committed and journaled: readers still find
                    # it at their next poll. A listener's bug must not make
                    # the caller believe the change failed.
                    logger.exception("a journal listener failed")

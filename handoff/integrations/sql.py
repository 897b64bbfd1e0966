"""The one database helper the adapters' tables share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction on the store's engine.

    ``sqlite_immediate`` makes that engine take SQLite's write lock at BEGIN
    (see handoff.store): a transaction that reads, then writes, then waits its
    turn on the busy timeout instead of failing with "database is locked".
    Other databases ignore the option.
    """
    with engine.connect() as db:
        db = db.execution_options(sqlite_immediate=True)
        with db.begin():
            yield db

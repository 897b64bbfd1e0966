"""Rasa's SQL tracker store, read: the ``events`` table, one conversation at a time.

Rasa's ``SQLTrackerStore`` keeps every event of every conversation in one
table, ``events``: ``sender_id``, ``type_name`` (``user``, ``bot``,
``action``, ``slot``...), ``timestamp``, ``action_name`` and ``data``, the
event as Rasa serialises it (``event.as_dict()``, JSON). The trainers' review
(``training.review``) and the conversation records' export
(``training.export_records``) read it here, with SQLAlchemy, so any database
Rasa can use works.

The table is declared rather than imported from Rasa: plumbing imports no
Rasa (an import contract in pyproject.toml), and a declared table is only
read, never created in Rasa's database by accident. Open the engine with the
``RASA_EVENTS`` profile of :mod:`plumbing.db` (nothing set on Rasa's file).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect, select
from sqlalchemy.engine import Engine, make_url

import plumbing.db

# Rows fetched from the database at a time: memory stays bounded whatever
# the number of conversations, and one conversation's events are held at once.
YIELD_PER = 1000

metadata = MetaData()
# The columns of Rasa's SQLTrackerStore.SQLEvent that are read.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("action_name", String(255)),
    Column("data", Text),
)


class NoTrackerStore(Exception):
    """The tracker store to read is not there; the message says what to do."""


def open_tracker_store(url: str) -> Engine:
    """An engine on Rasa's tracker store at ``url``, which must hold an ``events`` table.

    Raises :class:`NoTrackerStore` for a SQLite file that does not exist
    (SQLite would create an empty one) or a database without the table.
    Rasa's database is only read: the ``RASA_EVENTS`` profile sets nothing on
    it (no WAL), and hides the password.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        if not Path(parsed.database).exists():
            raise NoTrackerStore(
                f"no tracker store at {parsed.database}: has the bot run (`make run`)?"
            )
    engine = plumbing.db.build_engine(parsed, plumbing.db.RASA_EVENTS)
    if not inspect(engine).has_table("events"):
        engine.dispose()
        where = parsed.render_as_string(hide_password=True)
        raise NoTrackerStore(f"no conversations in {where} (no `events` table)")
    return engine


def read_conversations(engine: Engine, since: dt.datetime) -> Iterator[list[Any]]:
    """Each conversation's event rows since ``since``, in order, one conversation at a time."""
    query = (
        select(events)
        .where(events.c.timestamp >= since.timestamp())
        .order_by(events.c.sender_id, events.c.id)
        .execution_options(yield_per=YIELD_PER)
    )
    with engine.connect() as connection:
        current: list[Any] = []
        for row in connection.execute(query):
            if current and row.sender_id != current[0].sender_id:
                yield current
                current = []
            current.append(row)
        if current:
            yield current


def event_of(row: Any) -> dict[str, Any] | None:
    """The event of a row as Rasa serialised it, or None if its ``data`` is not an event.

    The ``data`` column is written by Rasa, but a database restored by hand
    or edited may hold anything: one unreadable row must not stop a reader.
    """
    try:
        event = json.loads(row.data or "")
    except ValueError:
        return None
    return event if isinstance(event, dict) else None

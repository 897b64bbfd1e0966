"""Tests of plumbing/rasa_events.py: Rasa's tracker store read, one conversation at a time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

import plumbing.db
from plumbing.rasa_events import event_of, events, read_conversations

T0 = 1_780_000_000.0


@pytest.fixture
def tracker_db(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file with Rasa's own ``events`` table (SQLTrackerStore's model)."""
    from rasa.core.tracker_store import SQLTrackerStore

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = plumbing.db.build_engine(url, plumbing.db.RASA_EVENTS)
    SQLTrackerStore.SQLEvent.__table__.create(engine)
    yield engine
    engine.dispose()


def add(engine: Engine, sender_id: str, kind: str, at: float, data: str | None = None) -> None:
    event = data if data is not None else json.dumps({"event": kind, "timestamp": at})
    with engine.begin() as connection:
        connection.execute(
            insert(events).values(sender_id=sender_id, type_name=kind, timestamp=at, data=event)
        )


def test_the_declared_columns_are_rasas() -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    rasa_columns = SQLTrackerStore.SQLEvent.__table__.columns
    for column in events.columns:
        assert column.name in rasa_columns
        assert column.type._type_affinity is rasa_columns[column.name].type._type_affinity


def test_each_conversation_comes_whole_in_order_from_since_on(tracker_db: Engine) -> None:
    # Interleaved, as conversations are written at the same time.
    add(tracker_db, "b", "user", T0 - 86400)  # before since
    add(tracker_db, "b", "user", T0 + 1)
    add(tracker_db, "a", "user", T0 + 2)
    add(tracker_db, "b", "bot", T0 + 3)
    add(tracker_db, "a", "bot", T0 + 4)
    add(tracker_db, "c", "user", T0 - 60)  # only before since: not read at all

    since = dt.datetime.fromtimestamp(T0, dt.timezone.utc)
    read = [[(r.sender_id, r.type_name, r.timestamp) for r in rows]
            for rows in read_conversations(tracker_db, since)]  # fmt: skip

    assert read == [
        [("a", "user", T0 + 2), ("a", "bot", T0 + 4)],
        [("b", "user", T0 + 1), ("b", "bot", T0 + 3)],
    ]


def test_an_empty_store_has_no_conversations(tracker_db: Engine) -> None:
    since = dt.datetime.fromtimestamp(0, dt.timezone.utc)
    assert list(read_conversations(tracker_db, since)) == []


def test_a_row_is_its_event_or_none_when_its_data_is_not_one() -> None:
    event = {"event": "user", "text": "hi", "timestamp": T0}

    assert event_of(SimpleNamespace(data=json.dumps(event))) == event
    for data in (None, "", "{not json", "[1, 2]", '"text"'):
        assert event_of(SimpleNamespace(data=data)) is None

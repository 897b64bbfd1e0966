"""plumbing.db: each profile really sets what it promises on a SQLite file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from plumbing.db import (
    BUSINESS,
    CHANNELS,
    HANDOFF,
    OUTBOX,
    POSTGRES_CONNECT_TIMEOUT_S,
    RASA_EVENTS,
    RASA_STORES,
    SQLITE_BUSY_TIMEOUT_S,
    Profile,
    build_engine,
    ensure_sqlite_directory,
    write_transaction,
)

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(50), unique=True),
)


def pragmas(engine: Engine) -> dict[str, Any]:
    with engine.connect() as db:
        return {
            name: db.exec_driver_sql(f"PRAGMA {name}").scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.mark.parametrize("profile", [CHANNELS, OUTBOX, HANDOFF])
def test_our_shared_files_are_wal_full_sync_with_foreign_keys(
    profile: Profile, database: str
) -> None:
    engine = build_engine(database, profile)

    assert pragmas(engine) == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_S * 1000,
    }
    engine.dispose()


def test_the_business_database_keeps_the_rollback_journal(database: str) -> None:
    engine = build_engine(database, BUSINESS)

    assert pragmas(engine) == {
        "journal_mode": "delete",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_S * 1000,
    }
    engine.dispose()


def test_rasas_database_is_left_as_it_is_but_for_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    sqlite3.connect(path).execute("CREATE TABLE events (id INTEGER PRIMARY KEY)").close()
    engine = build_engine(f"sqlite:///{path}", RASA_EVENTS)

    assert pragmas(engine) == {
        "journal_mode": "delete",  # as Rasa made it: not switched to WAL
        "synchronous": 2,
        "foreign_keys": 0,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_S * 1000,
    }
    engine.dispose()


def test_rasas_own_stores_commit_without_waiting_for_the_disk_on_kept_connections(
    tmp_path: Path,
) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'rasa.db'}", RASA_STORES, future=False)

    assert pragmas(engine) == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "foreign_keys": 0,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_S * 1000,
    }
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    for _ in range(5):
        with engine.connect() as db:
            db.execute(text("SELECT 1"))
    assert opened == []  # the connection the pragmas were read on is reused
    engine.dispose()


def other_writer(path: Path) -> sqlite3.Connection:
    # Gives up at once instead of waiting for the lock.
    return sqlite3.connect(path, timeout=0, isolation_level=None)


def test_a_handoff_write_transaction_holds_the_write_lock_from_its_begin(tmp_path: Path) -> None:
    path = tmp_path / "handoff.db"
    engine = build_engine(f"sqlite:///{path}", HANDOFF)
    metadata.create_all(engine)
    other = other_writer(path)

    with write_transaction(engine) as db:
        db.execute(select(notes)).all()  # a read first: the lock is held all the same
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")

    # A read-only transaction takes no write lock.
    with engine.begin() as db:
        db.execute(select(notes)).all()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_elsewhere_write_transaction_is_an_ordinary_transaction(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    engine = build_engine(f"sqlite:///{path}", OUTBOX)
    metadata.create_all(engine)
    other = other_writer(path)

    with write_transaction(engine) as db:
        db.execute(select(notes)).all()
        other.execute("BEGIN IMMEDIATE")  # pysqlite has not begun yet: nothing is locked
        other.execute("ROLLBACK")
        db.execute(insert(notes).values(text="kept"))
    with engine.connect() as db:
        assert db.execute(select(notes.c.text)).scalars().all() == ["kept"]
    other.close()
    engine.dispose()


def test_an_in_memory_database_is_one_database_for_every_thread() -> None:
    engine = build_engine("sqlite://", CHANNELS)
    metadata.create_all(engine)
    seen: list[int] = []

    def count() -> None:
        with engine.connect() as db:
            seen.append(len(db.execute(select(notes)).all()))

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()

    assert seen == [0]  # the table exists there too


def test_errors_do_not_carry_the_statements_parameters(database: str) -> None:
    engine = build_engine(database, CHANNELS)
    metadata.create_all(engine)
    with engine.begin() as db:
        db.execute(insert(notes).values(text="+14155550101"))

    with pytest.raises(IntegrityError) as raised, engine.begin() as db:
        db.execute(insert(notes).values(text="+14155550101"))

    assert "+14155550101" not in str(raised.value)
    engine.dispose()


def test_building_an_engine_touches_no_file(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"

    engine = build_engine(f"sqlite:///{path}", OUTBOX)

    assert not path.parent.exists()
    ensure_sqlite_directory(engine.url)
    assert path.parent.is_dir() and not path.exists()
    with engine.connect() as db:
        db.execute(text("SELECT 1"))
    assert path.exists()
    engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "postgresql://db/x"])
def test_ensure_sqlite_directory_ignores_what_has_no_folder(url: str) -> None:
    ensure_sqlite_directory(url)


def test_postgresql_gets_pre_ping_and_a_connect_timeout() -> None:
    engine = build_engine("postgresql+psycopg2://bot:pw@127.0.0.1:1/shop", HANDOFF)
    asked: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def record(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        asked.update(params)

    with pytest.raises(OperationalError):  # nothing listens on port 1
        engine.connect()

    assert asked["connect_timeout"] == POSTGRES_CONNECT_TIMEOUT_S
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    assert engine.hide_parameters


def test_a_connect_timeout_in_the_url_wins() -> None:
    engine = build_engine("postgresql+psycopg2://bot@127.0.0.1:1/shop?connect_timeout=1", BUSINESS)
    asked: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def record(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        asked.update(params)

    with pytest.raises(OperationalError):
        engine.connect()

    assert asked["connect_timeout"] == "1"

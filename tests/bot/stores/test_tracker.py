"""Our tracker store saves what Rasa's saves, publishes what Rasa's publishes, in fewer commits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker as RasaSQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.broker import SQLEventBroker
from bot.stores.tracker import SQLTrackerStore
from tests.postgres import postgres_schema

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, order_status]
slots:
  order_number:
    type: text
    mappings: [{type: from_text}]
responses:
  utter_greet: [{text: "Hello!"}]
"""
)


def conversation(sender: str, turns: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    # As Rasa logs a session's start: the action's event is created once it
    # has run, after the SessionStarted it returned, and goes first.
    started = SessionStarted()
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(started)
    tracker.update(ActionExecuted("action_listen"))
    for _ in range(turns):
        add_turn(tracker)
    return tracker


def add_turn(tracker: DialogueStateTracker) -> None:
    """What one customer message adds: five events."""
    turn = len(tracker.events)
    tracker.update(UserUttered(f"hi {turn}", {"name": "greet", "confidence": 0.9}, []))
    tracker.update(SlotSet("order_number", f"{12345000 + turn}"))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered("Hello!"))
    tracker.update(ActionExecuted("action_listen"))


def rows(db: Path, table: str, columns: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        result = list(connection.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY id")))
    engine.dispose()
    return [tuple(row) for row in result]


def commits_on(engine: sa.engine.Engine) -> list[int]:
    counted = [0]

    def count(_connection: Any) -> None:
        counted[0] += 1

    sa.event.listen(engine, "commit", count)
    return counted


@pytest.fixture
def ours(tmp_path: Path) -> SQLTrackerStore:
    broker = SQLEventBroker(db=str(tmp_path / "ours-events.db"))
    return SQLTrackerStore(DOMAIN, db=str(tmp_path / "ours-tracker.db"), event_broker=broker)


@pytest.fixture
def rasas(tmp_path: Path) -> RasaSQLTrackerStore:
    broker = RasaSQLEventBroker(db=str(tmp_path / "rasa-events.db"))
    return RasaSQLTrackerStore(DOMAIN, db=str(tmp_path / "rasa-tracker.db"), event_broker=broker)


async def test_the_same_rows_and_events_as_rasas_store_over_several_saves(
    ours: SQLTrackerStore, rasas: RasaSQLTrackerStore, tmp_path: Path
) -> None:
    alice, bob = conversation("alice", 1), conversation("bob", 1)
    for tracker, more in ((alice, 0), (alice, 1), (bob, 0), (alice, 3), (bob, 1)):
        for _ in range(more):
            add_turn(tracker)
        await ours.save(tracker)
        await rasas.save(tracker)

    columns = "sender_id, type_name, intent_name, action_name, data"
    assert rows(tmp_path / "ours-tracker.db", "events", columns) == rows(
        tmp_path / "rasa-tracker.db", "events", columns
    )
    published = rows(tmp_path / "ours-events.db", "events", "sender_id, data")
    assert published == rows(tmp_path / "rasa-events.db", "events", "sender_id, data")
    # Each of alice's events once, in order.
    events = [json.loads(data) for sender, data in published if sender == "alice"]
    assert events == [event.as_dict() | {"sender_id": "alice"} for event in alice.events]
    assert [event["event"] for event in events[:4]] == [
        "action", "session_started", "action", "user",
    ]  # fmt: skip


async def test_what_is_saved_comes_back_as_the_same_conversation(ours: SQLTrackerStore) -> None:
    tracker = conversation("carol", 3)
    await ours.save(tracker)
    restored = await ours.retrieve("carol")
    assert restored is not None
    assert list(restored.events) == list(tracker.events)
    assert restored.get_slot("order_number") == tracker.get_slot("order_number")


async def test_the_same_sessions_come_back_as_from_rasas_store(
    ours: SQLTrackerStore, rasas: RasaSQLTrackerStore
) -> None:
    erin = conversation("erin", 2)
    for store in (ours, rasas):
        await store.save(erin)
    # A second session: what retrieve returns; the whole conversation: retrieve_full_tracker.
    erin.update(ActionExecuted("action_session_start"))
    erin.update(SessionStarted())
    erin.update(ActionExecuted("action_listen"))
    add_turn(erin)
    for store in (ours, rasas):
        await store.save(erin)

    for sender in ("erin", "nobody"):
        mine, theirs = await ours.retrieve(sender), await rasas.retrieve(sender)
        assert (mine and list(mine.events)) == (theirs and list(theirs.events))
        mine = await ours.retrieve_full_tracker(sender)
        theirs = await rasas.retrieve_full_tracker(sender)
        assert (mine and list(mine.events)) == (theirs and list(theirs.events))
    latest = await ours.retrieve("erin")
    # From the SessionStarted on (the action_session_start before it is older), as Rasa.
    assert latest is not None and len(latest.events) == 2 + 5
    # The next turn's events, as Rasa's store counts them.
    add_turn(latest)
    with ours.session_scope() as session:
        unsaved = ours._unsaved(session, latest)
    with rasas.session_scope() as session:
        assert unsaved == [e.as_dict() for e in rasas._additional_events(session, latest)]
    assert len(unsaved) == 5


async def test_a_turn_is_one_commit_on_each_database(
    ours: SQLTrackerStore, rasas: RasaSQLTrackerStore
) -> None:
    dave = conversation("dave", 1)
    await ours.save(dave)
    await rasas.save(dave)
    ours_tracker, ours_broker = commits_on(ours.engine), commits_on(ours.event_broker.engine)
    rasa_tracker, rasa_broker = commits_on(rasas.engine), commits_on(rasas.event_broker.engine)

    add_turn(dave)
    await ours.save(dave)
    await rasas.save(dave)

    assert (ours_tracker[0], ours_broker[0]) == (1, 1)
    # Rasa's: one commit per event published (five in a turn), one for the rows.
    assert (rasa_tracker[0], rasa_broker[0]) == (1, 5)


async def test_both_files_are_in_wal_mode(ours: SQLTrackerStore, tmp_path: Path) -> None:
    await ours.save(conversation("erin", 1))
    for name in ("ours-tracker.db", "ours-events.db"):
        engine = sa.create_engine(f"sqlite:///{tmp_path / name}")
        with engine.connect() as connection:
            mode = connection.execute(sa.text("PRAGMA journal_mode")).scalar()
        engine.dispose()
        assert mode == "wal", name


class RecordingBroker:
    """A broker without publish_many, like Rasa's RabbitMQ and Kafka brokers."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


async def test_a_broker_without_batches_gets_each_event_in_order(tmp_path: Path) -> None:
    broker = RecordingBroker()
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"), event_broker=broker)
    tracker = conversation("frank", 1)
    await store.save(tracker)
    add_turn(tracker)
    await store.save(tracker)

    assert [event["sender_id"] for event in broker.published] == ["frank"] * len(tracker.events)
    assert [event["event"] for event in broker.published[-5:]] == [
        "user", "slot", "action", "bot", "action",
    ]  # fmt: skip


def postgres_store(cls: type, url: str, broker: Any) -> Any:
    parsed = sa.engine.make_url(url)
    return cls(
        DOMAIN,
        dialect="postgresql",
        host=parsed.host,
        port=parsed.port,
        db=parsed.database,
        username=parsed.username,
        query=dict(parsed.query),
        event_broker=broker,
    )


async def test_on_postgresql_the_same_rows_and_events_as_rasas_store() -> None:
    # The production profile: PostgreSQL, and a broker that takes events one
    # at a time (RabbitMQ's).
    with postgres_schema("ours") as ours_url, postgres_schema("rasas") as rasas_url:
        ours_broker, rasas_broker = RecordingBroker(), RecordingBroker()
        ours = postgres_store(SQLTrackerStore, ours_url, ours_broker)
        rasas = postgres_store(RasaSQLTrackerStore, rasas_url, rasas_broker)
        alice, bob = conversation("alice", 1), conversation("bob", 2)
        for tracker, more in ((alice, 0), (bob, 0), (alice, 2), (bob, 1)):
            for _ in range(more):
                add_turn(tracker)
            await ours.save(tracker)
            await rasas.save(tracker)

        def stored(store: Any) -> list[tuple[Any, ...]]:
            with store.engine.connect() as connection:
                result = connection.execute(
                    sa.text(
                        "SELECT sender_id, type_name, intent_name, action_name, data"
                        " FROM events ORDER BY id"
                    )
                )
                return [tuple(row) for row in result]

        assert stored(ours) == stored(rasas)
        assert ours_broker.published == rasas_broker.published
        restored = await ours.retrieve("alice")
        assert restored is not None and list(restored.events) == list(alice.events)
        ours.engine.dispose()
        rasas.engine.dispose()


async def test_on_postgresql_a_connection_the_server_dropped_is_replaced() -> None:
    with postgres_schema("ours") as url:
        store = postgres_store(SQLTrackerStore, url, None)
        tracker = conversation("gina", 1)
        await store.save(tracker)
        with store.engine.connect() as connection:
            pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        # The pooled connection is closed by the server (a restart, a failover).
        admin = sa.create_engine(url)
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()

        add_turn(tracker)
        await store.save(tracker)

        restored = await store.retrieve("gina")
        assert restored is not None and list(restored.events) == list(tracker.events)
        store.engine.dispose()


async def test_a_save_whose_connection_dropped_midway_is_made_once_more(tmp_path: Path) -> None:
    broker = RecordingBroker()
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"), event_broker=broker)
    tracker = conversation("hana", 1)
    insert = store._insert
    calls = []

    def dropped_once(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise sa.exc.DBAPIError(
                "INSERT", {}, Exception("server closed"), connection_invalidated=True
            )
        insert(*args)

    store._insert = dropped_once  # type: ignore[method-assign,assignment]
    await store.save(tracker)

    restored = await store.retrieve("hana")
    assert restored is not None and list(restored.events) == list(tracker.events)
    # Published once, though saved twice.
    assert len(broker.published) == len(tracker.events)


async def test_other_database_errors_are_not_retried(tmp_path: Path) -> None:
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"))

    def broken(*_args: Any) -> None:
        raise sa.exc.DBAPIError("INSERT", {}, Exception("disk full"), connection_invalidated=False)

    store._insert = broken  # type: ignore[method-assign,assignment]
    with pytest.raises(sa.exc.DBAPIError):
        await store.save(conversation("ivan", 1))


async def test_a_read_whose_connection_dropped_midway_is_made_once_more(tmp_path: Path) -> None:
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"))
    tracker = conversation("jude", 2)
    await store.save(tracker)
    session_scope = store.session_scope
    scopes = []

    def dropped_once() -> Any:
        scopes.append(1)
        if len(scopes) == 1:
            raise sa.exc.DBAPIError(
                "SELECT", {}, Exception("server closed"), connection_invalidated=True
            )
        return session_scope()

    store.session_scope = dropped_once  # type: ignore[method-assign]
    # Rasa's fail-safe store took a failed read for a new conversation: the
    # turn then ran without the customer's history.
    restored = await store.retrieve("jude")

    assert restored is not None and list(restored.events) == list(tracker.events)
    assert len(scopes) == 2


async def test_a_read_that_fails_twice_raises(tmp_path: Path) -> None:
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"))

    def dropped() -> Any:
        raise sa.exc.DBAPIError("SELECT", {}, Exception("server down"), connection_invalidated=True)

    store.session_scope = dropped  # type: ignore[method-assign]
    with pytest.raises(sa.exc.DBAPIError):
        await store.retrieve("kim")

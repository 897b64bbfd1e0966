"""handoff.broker.sql: Rasa's own SQL event broker writes the rows, the consumer reads them.

Also create_consumer (handoff.broker), which picks it or RabbitMQ's from the settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    Event,
    UserUttered,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from handoff.broker import SqlEventConsumer, create_consumer
from handoff.broker.rabbitmq import RabbitEventConsumer
from handoff.migrate import migrate
from handoff.models import WITHDRAWN
from handoff.settings import HandoffSettings
from handoff.store import Handoff, HandoffStore, NewMessage
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, Service
from tests.postgres import POSTGRES_URL, skip_or_fail_without_postgres

T0 = 1_740_830_400.0  # 2025-03-01 12:00:00 UTC


def publish(broker: SQLEventBroker, sender_id: str, event: Event) -> None:
    """What Rasa's processor does with every new tracker event."""
    broker.publish({"sender_id": sender_id, **event.as_dict()})


@pytest.fixture
def events_path(tmp_path: Path) -> Path:
    return tmp_path / "rasa" / "events.db"


@pytest.fixture
def broker(events_path: Path) -> Iterator[SQLEventBroker]:
    events_path.parent.mkdir(parents=True, exist_ok=True)
    rasa_broker = SQLEventBroker(dialect="sqlite", db=str(events_path))
    yield rasa_broker
    rasa_broker.engine.dispose()


@pytest.fixture
def handoff_store(tmp_path: Path) -> Iterator[HandoffStore]:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    migrate(url)
    store = HandoffStore(url)
    yield store
    store.dispose()


async def journaled(store: HandoffStore) -> list[tuple[str, int, str]]:
    """The messages the store journaled (what the event stream and the adapters read)."""
    return [
        (e.type, e.handoff_id, e.payload["message"]["text"])
        for e in await store.events_after(0, 1000)
        if e.type.startswith("message.")
    ]


@pytest.fixture
async def consumer(
    events_path: Path, handoff_store: HandoffStore
) -> AsyncIterator[SqlEventConsumer]:
    running = SqlEventConsumer(f"sqlite:///{events_path}", handoff_store)
    yield running
    await running.stop()


async def open_handoff(
    store: HandoffStore, conversation_id: str, transcript: list[NewMessage] | None = None
) -> Handoff:
    handoff, created = await store.create_handoff(
        escalation_id=f"esc-{conversation_id}",
        conversation_id=conversation_id,
        channel="telegram",
        customer_id=conversation_id,
        priority=2,
        transcript=transcript or [],
    )
    assert created
    return handoff


async def transcript(store: HandoffStore, handoff_id: int) -> list[tuple[str, str]]:
    handoff = await store.get(handoff_id)
    assert handoff is not None and handoff.transcript is not None
    return [(m.role, m.text) for m in handoff.transcript]


async def test_messages_of_an_open_handoff_are_appended_in_order(
    broker: SQLEventBroker,
    consumer: SqlEventConsumer,
    handoff_store: HandoffStore,
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    publish(broker, "ann", ConversationPaused(timestamp=T0))
    publish(broker, "ann", UserUttered("is anyone there?", timestamp=T0 + 1))
    publish(broker, "bob", UserUttered("not in a handoff", timestamp=T0 + 2))
    publish(broker, "ann", ActionExecuted("action_listen", timestamp=T0 + 3))
    publish(broker, "ann", BotUttered("Please hold on.", timestamp=T0 + 4))
    publish(broker, "ann", BotUttered(None, {"image": "x.png"}, timestamp=T0 + 5))
    publish(broker, "ann", UserUttered("my order is A1234", timestamp=T0 + 6))

    assert await consumer.poll_once() == 7

    assert await transcript(handoff_store, handoff.id) == [
        ("customer", "is anyone there?"),
        ("bot", "Please hold on."),
        ("customer", "my order is A1234"),
    ]
    stored = await handoff_store.get(handoff.id)
    assert stored is not None and stored.transcript is not None
    assert [m.source_event_id for m in stored.transcript] == [
        "rasa-sql-2",
        "rasa-sql-5",
        "rasa-sql-7",
    ]
    assert stored.transcript[0].timestamp == dt.datetime(2025, 3, 1, 12, 0, 1)
    assert stored.last_customer_message_at == dt.datetime(2025, 3, 1, 12, 0, 6)
    assert await journaled(handoff_store) == [
        ("message.created", handoff.id, "is anyone there?"),
        ("message.created", handoff.id, "Please hold on."),
        ("message.created", handoff.id, "my order is A1234"),
    ]
    assert await consumer.position() == 7
    assert await consumer.poll_once() == 0  # nothing new


async def test_rereading_from_an_old_cursor_adds_no_duplicates(
    broker: SQLEventBroker,
    consumer: SqlEventConsumer,
    handoff_store: HandoffStore,
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    for second in range(3):
        publish(broker, "ann", UserUttered(f"message {second}", timestamp=T0 + second))
    await consumer.poll_once()
    before = await journaled(handoff_store)

    # As after a crash between storing a batch and saving the cursor.
    with handoff_store.engine.begin() as db:
        db.execute(text("UPDATE broker_cursors SET position = 1"))
    assert await consumer.poll_once() == 2

    assert await transcript(handoff_store, handoff.id) == [
        ("customer", "message 0"),
        ("customer", "message 1"),
        ("customer", "message 2"),
    ]
    assert await journaled(handoff_store) == before  # nothing announced twice
    assert await consumer.position() == 3


async def test_the_cursor_survives_a_new_consumer(
    broker: SQLEventBroker,
    events_path: Path,
    consumer: SqlEventConsumer,
    handoff_store: HandoffStore,
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    publish(broker, "ann", UserUttered("before the restart", timestamp=T0))
    await consumer.poll_once()
    await consumer.stop()
    publish(broker, "ann", UserUttered("after the restart", timestamp=T0 + 1))

    restarted = SqlEventConsumer(f"sqlite:///{events_path}", handoff_store)
    try:
        assert await restarted.position() == 1
        assert await restarted.poll_once() == 1  # only the new row
    finally:
        await restarted.stop()
    assert await transcript(handoff_store, handoff.id) == [
        ("customer", "before the restart"),
        ("customer", "after the restart"),
    ]


async def test_a_missing_events_table_just_waits(
    events_path: Path, consumer: SqlEventConsumer, handoff_store: HandoffStore
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    assert await consumer.poll_once() == 0
    assert not events_path.exists()  # not created in Rasa's place
    events_path.parent.mkdir(parents=True)
    events_path.touch()  # a database without the table yet
    assert await consumer.poll_once() == 0

    rasa_broker = SQLEventBroker(dialect="sqlite", db=str(events_path))  # Rasa starts
    try:
        publish(rasa_broker, "ann", UserUttered("hello?", timestamp=T0))
    finally:
        rasa_broker.engine.dispose()
    assert await consumer.poll_once() == 1
    assert await transcript(handoff_store, handoff.id) == [("customer", "hello?")]


async def test_batches_keep_the_order(
    broker: SQLEventBroker, events_path: Path, handoff_store: HandoffStore
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    for number in range(5):
        publish(broker, "ann", UserUttered(f"m{number}", timestamp=T0 + number))
    small = SqlEventConsumer(f"sqlite:///{events_path}", handoff_store, batch_size=2)
    try:
        assert [await small.poll_once() for _ in range(4)] == [2, 2, 1, 0]
    finally:
        await small.stop()
    assert [text for _, text in await transcript(handoff_store, handoff.id)] == [
        "m0",
        "m1",
        "m2",
        "m3",
        "m4",
    ]


async def test_messages_the_outbox_already_sent_are_not_repeated(
    broker: SQLEventBroker, consumer: SqlEventConsumer, handoff_store: HandoffStore
) -> None:
    # The escalating message reaches the broker before the handoff exists, and
    # the outbox sends it in the handoff's transcript (without a broker id).
    publish(broker, "ann", UserUttered("I want a person", timestamp=T0 + 0.123456))
    handoff = await open_handoff(
        handoff_store,
        "ann",
        [NewMessage("customer", "I want a person", dt.datetime(2025, 3, 1, 12, 0, 0, 123456))],
    )
    later = dt.datetime.now(dt.timezone.utc).timestamp() + 1
    publish(broker, "ann", UserUttered("I want a person", timestamp=later))  # said again
    await consumer.poll_once()
    assert await transcript(handoff_store, handoff.id) == [
        ("customer", "I want a person"),
        ("customer", "I want a person"),
    ]


async def test_messages_after_the_close_are_the_bots_again(
    broker: SQLEventBroker, consumer: SqlEventConsumer, handoff_store: HandoffStore
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    publish(broker, "ann", UserUttered("during", timestamp=T0))
    await consumer.poll_once()
    await handoff_store.close(handoff.id, "admin", "solved", supervisor=True)
    publish(broker, "ann", UserUttered("after", timestamp=T0 + 1))
    assert await consumer.poll_once() == 1
    assert await transcript(handoff_store, handoff.id) == [("customer", "during")]


async def test_the_background_task_polls_until_stopped(
    broker: SQLEventBroker, events_path: Path, handoff_store: HandoffStore
) -> None:
    handoff = await open_handoff(handoff_store, "ann")
    running = SqlEventConsumer(f"sqlite:///{events_path}", handoff_store, poll_s=0.02)
    running.start()
    try:
        publish(broker, "ann", UserUttered("live", timestamp=T0))
        for _ in range(200):
            if await journaled(handoff_store):
                break
            await asyncio.sleep(0.02)
    finally:
        await running.stop()
    assert await transcript(handoff_store, handoff.id) == [("customer", "live")]


# -- PostgreSQL as the broker's database ---------------------------------------------------


@pytest.fixture
def postgres_events_url() -> Iterator[str]:
    name = f"handoff_events_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail_without_postgres(f"no PostgreSQL at {POSTGRES_URL}: {error.orig}")
    try:
        yield str(make_url(POSTGRES_URL).set(database=name))
    finally:
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


async def test_a_postgresql_broker(postgres_events_url: str, handoff_store: HandoffStore) -> None:
    url = make_url(postgres_events_url)
    rasa_broker = SQLEventBroker(
        dialect=url.drivername,
        host=url.host,
        port=url.port,
        db=url.database or "",
        username=url.username,
        password=url.password,
    )
    consumer = SqlEventConsumer(postgres_events_url, handoff_store)
    try:
        handoff = await open_handoff(handoff_store, "ann")
        publish(rasa_broker, "ann", UserUttered("via postgres", timestamp=T0))
        publish(rasa_broker, "ann", BotUttered("noted", timestamp=T0 + 1))
        assert await consumer.poll_once() == 2
    finally:
        await consumer.stop()
        rasa_broker.engine.dispose()
    assert await transcript(handoff_store, handoff.id) == [
        ("customer", "via postgres"),
        ("bot", "noted"),
    ]


# -- choosing the consumer -----------------------------------------------------------------


async def test_create_consumer_follows_handoff_broker(
    events_path: Path, handoff_store: HandoffStore
) -> None:
    sql = create_consumer(
        HandoffSettings(broker="sql", broker_url=f"sqlite:///{events_path}"), handoff_store
    )
    assert isinstance(sql, SqlEventConsumer)
    await sql.stop()
    assert not events_path.exists()  # made, not started: Rasa's file is left alone

    rabbit = create_consumer(
        HandoffSettings(
            broker="rabbitmq",
            rabbitmq_url="amqp://handoff:s3cret@rabbitmq:5672/prod",
            rabbitmq_queue="handoff_events",
            rabbitmq_exchange="events",
        ),
        handoff_store,
    )
    assert isinstance(rabbit, RabbitEventConsumer)
    assert (rabbit.queue, rabbit.exchange) == ("handoff_events", "events")
    assert rabbit.address == "amqp://handoff:******@rabbitmq:5672/prod"
    assert not rabbit.consuming
    await rabbit.stop()  # never started: nothing to stop, no connection made

    assert create_consumer(HandoffSettings(broker="none"), handoff_store) is None
    assert create_consumer(HandoffSettings(broker="sql", broker_url=""), handoff_store) is None


# -- in the service ------------------------------------------------------------------------


@pytest.fixture
def settings(sqlite_url: str, events_path: Path) -> HandoffSettings:
    # Overrides conftest's: this module's service runs the consumer.
    return HandoffSettings(
        database_url=sqlite_url,
        admin_token=ADMIN_TOKEN,
        broker="sql",
        broker_url=f"sqlite:///{events_path}",
        broker_poll_s=0.02,
    )


async def test_the_service_reads_the_broker_while_it_runs(
    service: Service, broker: SQLEventBroker
) -> None:
    response = await service.admin(
        "POST",
        "/api/handoffs",
        json={
            "escalation_id": "esc-ann",
            "conversation_id": "ann",
            "channel": "telegram",
            "priority": 2,
        },
    )
    assert response.status_code == 201, response.text
    handoff_id = response.json()["id"]
    publish(broker, "ann", UserUttered("still there?", timestamp=T0))
    for _ in range(200):
        data = (await service.admin("GET", f"/api/handoffs/{handoff_id}")).json()
        if data["transcript"]:
            break
        await asyncio.sleep(0.02)
    assert [m["text"] for m in data["transcript"]] == ["still there?"]


async def test_a_customer_taking_the_request_back_closes_it_while_it_waits(
    service: Service, broker: SQLEventBroker, closes: CloseRecorder
) -> None:
    response = await service.admin(
        "POST",
        "/api/handoffs",
        json={
            "escalation_id": "esc-bea",
            "conversation_id": "bea",
            "channel": "telegram",
            "priority": 3,
            "language": "es",
        },
    )
    assert response.status_code == 201, response.text
    handoff_id = response.json()["id"]
    publish(broker, "bea", UserUttered("ya lo encontré en spam, olvídalo", timestamp=T0))
    # Closed first, then given back to the bot: wait for both.
    for _ in range(300):
        data = (await service.admin("GET", f"/api/handoffs/{handoff_id}")).json()
        if data["status"] == "closed" and closes.closed:
            break
        await asyncio.sleep(0.02)
    assert (data["status"], data["resolution"]) == ("closed", WITHDRAWN)
    assert [m["text"] for m in data["transcript"]] == ["ya lo encontré en spam, olvídalo"]
    # Given back to the bot (which says the request is cancelled: test_rasa_client).
    assert [(h.id, h.resolution) for h in closes.closed] == [(handoff_id, WITHDRAWN)]


# -- events that must not stop the consumer ------------------------------------------------


async def test_hostile_events_do_not_stop_the_consumer(
    broker: SQLEventBroker,
    consumer: SqlEventConsumer,
    handoff_store: HandoffStore,
) -> None:
    """Anything can reach the broker through Rasa's tracker API or a channel. Before,
    each of these raised in poll_once, and the consumer retried that batch forever:
    no later customer message reached any transcript."""
    handoff = await open_handoff(handoff_store, "ann")
    rows = [
        # A time far out of range: fromtimestamp raised OverflowError.
        json.dumps({"event": "user", "text": "from the far future", "timestamp": 1e20}),
        json.dumps({"event": "user", "text": "from year -10^300", "timestamp": -1e300}),
        # Nested too deep for json.loads: RecursionError, which is no ValueError.
        '{"event": "user", "text": "deep", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}",
        # A NUL (PostgreSQL refuses it) and a lone surrogate (UTF-8 does).
        json.dumps({"event": "user", "text": "a\x00b\ud800", "timestamp": T0 + 1}),
        json.dumps({"event": "user", "text": "still heard", "timestamp": T0 + 2}),
    ]
    with broker.engine.begin() as db:
        for row in rows:
            db.execute(
                text("INSERT INTO events (sender_id, data) VALUES (:sender, :data)"),
                {"sender": "ann", "data": row},
            )
    assert await consumer.poll_once() == len(rows)
    texts = [text_ for _, text_ in await transcript(handoff_store, handoff.id)]
    # The two out-of-range times are dated now, as events without a time are.
    assert texts == ["a\ufffdb\ufffd", "still heard", "from the far future", "from year -10^300"]

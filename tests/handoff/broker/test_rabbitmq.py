"""handoff.broker.rabbitmq: Rasa's own PikaEventBroker publishes to a real RabbitMQ, we consume.

Events go through Rasa's real publishing path: a tracker store with the
PikaEventBroker as its event broker, saving a tracker, publishes each new
event the way ``rasa run`` does. Each test has its own exchange and queue.
RabbitMQ is the one at HANDOFF_TEST_RABBITMQ_URL (default: the local one);
without it these tests are skipped, except in CI, where they fail.

Connection failures are made with a TCP relay between the consumer and
RabbitMQ that can cut every connection, as a RabbitMQ restart does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    Event,
    UserUttered,
)
from rasa.utils.endpoints import read_endpoint_config
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from yarl import URL

from handoff.broker import create_consumer
from handoff.broker.rabbitmq import RabbitEventConsumer
from handoff.migrate import migrate
from handoff.models import handoff_events
from handoff.settings import DEFAULT_RABBITMQ_EXCHANGE, DEFAULT_RABBITMQ_QUEUE, HandoffSettings
from handoff.store import Handoff, HandoffStore, Message
from tests.postgres import skip_or_fail

RABBITMQ_URL = os.environ.get("HANDOFF_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
PRODUCTION_ENDPOINTS = Path(__file__).parents[3] / "endpoints.production.yml"
T0 = 1_740_830_400.0  # 2025-03-01 12:00:00 UTC
WAIT_S = 5.0
# Retry and reconnect quickly: the tests wait for them.
RETRY_S = 0.05


async def eventually(check: Callable[[], Any], timeout: float = WAIT_S) -> None:
    """Wait until ``check()`` (sync or async) is true; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"still not true after {timeout} s: {check}")
        await asyncio.sleep(0.02)


class FlakyStore(HandoffStore):
    """The real store, with hooks around appends: to fail one, or to cut RabbitMQ after one."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.attempts: list[str] = []
        self.before: Callable[[str], None] | None = None
        self.after: Callable[[str], None] | None = None

    async def append_message(  # type: ignore[override]
        self, handoff_id: int, role: str, text: str, *args: Any, **kwargs: Any
    ) -> tuple[Message, bool]:
        self.attempts.append(text)
        if self.before is not None:
            self.before(text)
        result = await super().append_message(handoff_id, role, text, *args, **kwargs)
        if self.after is not None:
            self.after(text)
        return result


class Relay:
    """A TCP relay to RabbitMQ that can cut every connection or refuse new ones."""

    def __init__(self, target: URL) -> None:
        self.target = (target.host or "127.0.0.1", target.port or 5672)
        self.refusing = False
        self.port = 0
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> Relay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, base: URL) -> str:
        return str(base.with_host("127.0.0.1").with_port(self.port))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._links.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()

    def cut(self) -> None:
        """Abort every relayed connection, both ways, as a restarting RabbitMQ would."""
        links, self._links = self._links, set()
        for writer in links:
            writer.transport.abort()

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@dataclass
class Rabbit:
    """The test's RabbitMQ: an admin connection, and an exchange and queue no other test uses."""

    connection: AbstractConnection
    url: URL
    exchange: str
    queue: str

    async def depth(self, queue: str | None = None) -> int:
        """Messages ready in the queue (not those delivered and unacknowledged)."""
        async with self.connection.channel() as channel:
            declared = await channel.declare_queue(queue or self.queue, passive=True)
            count = declared.declaration_result.message_count
        return int(count or 0)

    async def publish_raw(self, body: bytes) -> None:
        """A message no Rasa would publish, to the same exchange."""
        async with self.connection.channel() as channel:
            exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.FANOUT)
            await exchange.publish(aio_pika.Message(body), routing_key="")


@pytest.fixture
async def rabbit() -> AsyncIterator[Rabbit]:
    try:
        connection = await aio_pika.connect(RABBITMQ_URL, timeout=5)
    except (*CONNECTION_EXCEPTIONS, asyncio.TimeoutError) as error:
        skip_or_fail(f"no RabbitMQ at {URL(RABBITMQ_URL).with_password('***')}: {error!r}")
    suffix = uuid.uuid4().hex[:12]
    test_rabbit = Rabbit(
        connection, URL(RABBITMQ_URL), f"test-handoff-{suffix}", f"test_handoff_{suffix}"
    )
    try:
        yield test_rabbit
    finally:
        async with connection.channel() as channel:
            for queue in (test_rabbit.queue, f"{test_rabbit.queue}_handoff"):
                await channel.queue_delete(queue)
            await channel.exchange_delete(test_rabbit.exchange)
        await connection.close()


@pytest.fixture
async def rasa_broker(rabbit: Rabbit) -> AsyncIterator[PikaEventBroker]:
    """Rasa's broker as endpoints.production.yml configures it, on the test's exchange and queue."""
    broker = PikaEventBroker(
        rabbit.url.host or "127.0.0.1",
        rabbit.url.user or "guest",
        rabbit.url.password or "guest",
        port=rabbit.url.port or 5672,
        queues=[rabbit.queue],
        exchange_name=rabbit.exchange,
    )
    await broker.connect()
    yield broker
    await broker.close()


class Rasa:
    """Rasa's tracker store: saving a tracker publishes its new events to the broker."""

    def __init__(self, broker: EventBroker) -> None:
        self._trackers = InMemoryTrackerStore(Domain.empty(), event_broker=broker)

    async def say(self, sender_id: str, *events: Event) -> None:
        tracker = await self._trackers.get_or_create_tracker(sender_id)
        for event in events:
            tracker.update(event)
        await self._trackers.save(tracker)


def body(sender_id: str, event: Event) -> bytes:
    """What PikaEventBroker publishes for one event of one conversation."""
    return json.dumps({"sender_id": sender_id, **event.as_dict()}).encode()


@pytest.fixture
def rasa(rasa_broker: PikaEventBroker) -> Rasa:
    return Rasa(rasa_broker)


class Journaled:
    """The messages the store journaled (what the event stream and the adapters read),
    read afresh at every look: ``len``, iteration as (type, data), ``texts()``."""

    def __init__(self, store: HandoffStore) -> None:
        self._store = store

    def _read(self) -> list[tuple[str, dict[str, Any]]]:
        with self._store.engine.connect() as db:
            rows = db.execute(
                select(handoff_events)
                .where(handoff_events.c.type == "message.created")
                .order_by(handoff_events.c.id)
            ).all()
        return [(row.type, dict(row.payload)) for row in rows]

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return iter(self._read())

    def texts(self) -> list[str]:
        return [data["message"]["text"] for _, data in self._read()]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FlakyStore]:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    migrate(url)
    handoff_store = FlakyStore(url)
    yield handoff_store
    handoff_store.dispose()


@pytest.fixture
def published(store: FlakyStore) -> Journaled:
    return Journaled(store)


@pytest.fixture
async def relay(rabbit: Rabbit) -> AsyncIterator[Relay]:
    running = await Relay(rabbit.url).start()
    yield running
    await running.stop()


@pytest.fixture
async def consumers(
    rabbit: Rabbit, store: FlakyStore
) -> AsyncIterator[Callable[..., RabbitEventConsumer]]:
    """Makes started consumers of the test's queue; stops them all afterwards."""
    made: list[RabbitEventConsumer] = []

    def make(url: str = RABBITMQ_URL, **kwargs: Any) -> RabbitEventConsumer:
        kwargs = {"queue": rabbit.queue, "exchange": rabbit.exchange, "retry_s": RETRY_S, **kwargs}
        consumer = RabbitEventConsumer(url, store, **kwargs)
        made.append(consumer)
        consumer.start()
        return consumer

    yield make
    for consumer in made:
        await consumer.stop()


async def open_handoff(store: HandoffStore, conversation_id: str) -> Handoff:
    handoff, created = await store.create_handoff(
        escalation_id=f"esc-{conversation_id}",
        conversation_id=conversation_id,
        channel="telegram",
        customer_id=conversation_id,
        priority=2,
        transcript=[],
    )
    assert created
    return handoff


async def transcript(store: HandoffStore, handoff_id: int) -> list[Message]:
    handoff = await store.get(handoff_id)
    assert handoff is not None and handoff.transcript is not None
    return list(handoff.transcript)


async def texts(store: HandoffStore, handoff_id: int) -> list[str]:
    return [m.text for m in await transcript(store, handoff_id)]


def rabbitmq_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "handoff.broker.rabbitmq" and r.levelno == logging.WARNING
    ]


async def test_messages_of_an_open_handoff_reach_the_transcript_in_order(
    rabbit: Rabbit,
    rasa: Rasa,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
) -> None:
    handoff = await open_handoff(store, "ann")
    consumer = consumers()
    await eventually(lambda: consumer.consuming)

    first = UserUttered("is anyone there?", timestamp=T0 + 1)
    await rasa.say("ann", ConversationPaused(timestamp=T0), first)
    await rasa.say("bob", UserUttered("not in a handoff", timestamp=T0 + 2))
    await rasa.say(
        "ann",
        ActionExecuted("action_listen", timestamp=T0 + 3),
        BotUttered("Please hold on.", timestamp=T0 + 4),
        BotUttered(None, {"image": "x.png"}, timestamp=T0 + 5),
        UserUttered("my order is A1234", timestamp=T0 + 6),
    )

    await eventually(lambda: len(published) == 3)
    messages = await transcript(store, handoff.id)
    assert [(m.role, m.text) for m in messages] == [
        ("customer", "is anyone there?"),
        ("bot", "Please hold on."),
        ("customer", "my order is A1234"),
    ]
    assert messages[0].source_event_id == (
        "rasa-mq-" + hashlib.sha256(body("ann", first)).hexdigest()
    )
    assert messages[0].timestamp == dt.datetime(2025, 3, 1, 12, 0, 1)
    assert [(kind, data["handoff_id"]) for kind, data in published] == [
        ("message.created", handoff.id)
    ] * 3
    assert published.texts() == ["is anyone there?", "Please hold on.", "my order is A1234"]
    assert store.attempts == published.texts()  # bob's message never reached the store
    await consumer.stop()
    # Every message was acknowledged, the skipped ones too: none goes back to the queue.
    assert await rabbit.depth() == 0


async def test_messages_sent_while_the_service_is_down_wait_in_its_queue(
    rabbit: Rabbit,
    rasa: Rasa,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
) -> None:
    # A queue Rasa does not declare: the consumer's own binding keeps the messages.
    own_queue = f"{rabbit.queue}_handoff"
    handoff = await open_handoff(store, "ann")
    before = consumers(queue=own_queue)
    await eventually(lambda: before.consuming)
    await before.stop()

    await rasa.say(
        "ann",
        UserUttered("while you were away", timestamp=T0),
        UserUttered("hello?", timestamp=T0 + 1),
    )

    async def all_waiting() -> bool:
        # A new tracker's first event, action_listen, and the two messages.
        return await rabbit.depth(own_queue) == 3

    await eventually(all_waiting)
    consumers(queue=own_queue)
    await eventually(lambda: len(published) == 2)
    assert await texts(store, handoff.id) == ["while you were away", "hello?"]


async def test_a_message_redelivered_after_a_lost_acknowledgement_is_recorded_once(
    rabbit: Rabbit,
    rasa: Rasa,
    relay: Relay,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
) -> None:
    handoff = await open_handoff(store, "ann")
    consumer = consumers(relay.url(rabbit.url))
    await eventually(lambda: consumer.consuming)

    def cut_after_the_first_store(text: str) -> None:
        # Stored, but the connection drops before the acknowledgement leaves.
        if text == "first" and store.attempts.count("first") == 1:
            relay.cut()

    store.after = cut_after_the_first_store
    await rasa.say(
        "ann", UserUttered("first", timestamp=T0), UserUttered("second", timestamp=T0 + 1)
    )

    # RabbitMQ delivers it again once the consumer has reconnected.
    await eventually(lambda: store.attempts.count("first") == 2)
    await eventually(lambda: len(published) == 2)
    assert await texts(store, handoff.id) == ["first", "second"]
    assert published.texts() == ["first", "second"]


async def test_the_consumer_reconnects_when_the_connection_drops(
    rabbit: Rabbit,
    rasa: Rasa,
    relay: Relay,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
) -> None:
    handoff = await open_handoff(store, "ann")
    consumer = consumers(relay.url(rabbit.url))
    await eventually(lambda: consumer.consuming)
    await rasa.say("ann", UserUttered("before", timestamp=T0))
    await eventually(lambda: len(published) == 1)

    relay.cut()  # as a RabbitMQ restart does
    await eventually(lambda: not consumer.consuming)
    await rasa.say("ann", UserUttered("after", timestamp=T0 + 1))

    await eventually(lambda: len(published) == 2)
    assert consumer.consuming
    assert await texts(store, handoff.id) == ["before", "after"]


async def test_a_store_failure_returns_the_messages_to_the_queue_in_order(
    rabbit: Rabbit,
    rasa: Rasa,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handoff = await open_handoff(store, "ann")
    failures = ["m1"]

    def database_down_once(text: str) -> None:
        if text in failures:
            failures.remove(text)
            raise OperationalError("INSERT ...", {"text": text}, Exception("database restarting"))

    store.before = database_down_once
    consumer = consumers()
    await eventually(lambda: consumer.consuming)
    await rasa.say("ann", *(UserUttered(f"m{n}", timestamp=T0 + n) for n in range(4)))

    await eventually(lambda: len(published) == 4)
    # m1 came back before m2 and m3, which had been prefetched already.
    assert store.attempts == ["m0", "m1", "m1", "m2", "m3"]
    assert await texts(store, handoff.id) == ["m0", "m1", "m2", "m3"]
    [warning] = rabbitmq_warnings(caplog)
    assert "database restarting" in warning.getMessage()
    assert "m1" not in warning.getMessage()  # no customer text in logs


async def test_a_malformed_message_is_rejected_and_the_queue_moves_on(
    rabbit: Rabbit,
    rasa: Rasa,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handoff = await open_handoff(store, "ann")
    consumer = consumers()
    await eventually(lambda: consumer.consuming)
    for raw in (b"my card number, not JSON", b"\xff\xfe\x00", b'["my card number"]'):
        await rabbit.publish_raw(raw)
    await rasa.say("ann", UserUttered("after the garbage", timestamp=T0))

    await eventually(lambda: len(published) == 1)
    await consumer.stop()
    assert await texts(store, handoff.id) == ["after the garbage"]
    assert await rabbit.depth() == 0  # rejected for good, not requeued
    assert len(rabbitmq_warnings(caplog)) == 3
    assert not [r for r in caplog.records if "card number" in r.getMessage()]


async def test_an_unreachable_rabbitmq_is_retried_without_logging_the_password(
    relay: Relay,
    consumers: Callable[..., RabbitEventConsumer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    relay.refusing = True
    password = f"pw-{uuid.uuid4().hex}"
    consumer = consumers(f"amqp://handoff:{password}@127.0.0.1:{relay.port}/")
    assert consumer.address == f"amqp://handoff:******@127.0.0.1:{relay.port}/"

    await eventually(lambda: len(rabbitmq_warnings(caplog)) >= 2)  # retried, not given up
    assert not consumer.consuming
    await asyncio.wait_for(consumer.stop(), 1)
    assert not [r for r in caplog.records if password in r.getMessage()]


async def test_the_consumer_starts_consuming_once_rabbitmq_is_up(
    rabbit: Rabbit,
    rasa: Rasa,
    relay: Relay,
    consumers: Callable[..., RabbitEventConsumer],
    store: FlakyStore,
    published: Journaled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handoff = await open_handoff(store, "ann")
    relay.refusing = True
    consumer = consumers(relay.url(rabbit.url))
    await rasa.say("ann", UserUttered("sent before the service could connect", timestamp=T0))
    await eventually(lambda: rabbitmq_warnings(caplog))

    relay.refusing = False
    await eventually(lambda: len(published) == 1)
    assert consumer.consuming
    assert await texts(store, handoff.id) == ["sent before the service could connect"]


async def test_the_production_profile_pairs_rasa_with_the_consumer(
    rabbit: Rabbit,
    store: FlakyStore,
    published: Journaled,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rasa resolves every ${VAR} of the file, whichever section is read.
    for name in ("ACTION_ENDPOINT_URL", "ACTIONS_TOKEN", "DB_HOST", "DB_PORT", "DB_NAME"):
        monkeypatch.setenv(name, "unused")
    for name in ("DB_USER", "DB_PASSWORD", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"):
        monkeypatch.setenv(name, "unused")
    monkeypatch.setenv("RABBITMQ_HOST", rabbit.url.host or "127.0.0.1")
    monkeypatch.setenv("RABBITMQ_PORT", str(rabbit.url.port or 5672))
    monkeypatch.setenv("RABBITMQ_USERNAME", rabbit.url.user or "guest")
    monkeypatch.setenv("RABBITMQ_PASSWORD", rabbit.url.password or "guest")
    config = read_endpoint_config(str(PRODUCTION_ENDPOINTS), "event_broker")
    assert config is not None and config.type == "pika"
    # Rasa publishes where the service's defaults look.
    assert config.kwargs["queues"] == [DEFAULT_RABBITMQ_QUEUE]
    assert config.kwargs["exchange_name"] == DEFAULT_RABBITMQ_EXCHANGE
    # On the shared server, this test's own exchange and queue.
    config.kwargs.update(queues=[rabbit.queue], exchange_name=rabbit.exchange)
    broker = await EventBroker.create(config)
    assert isinstance(broker, PikaEventBroker)
    settings = HandoffSettings.from_env(
        {
            "HANDOFF_BROKER": "rabbitmq",
            "HANDOFF_RABBITMQ_URL": RABBITMQ_URL,
            "HANDOFF_RABBITMQ_QUEUE": rabbit.queue,
            "HANDOFF_RABBITMQ_EXCHANGE": rabbit.exchange,
        }
    )
    consumer = create_consumer(settings, store)
    assert isinstance(consumer, RabbitEventConsumer)
    handoff = await open_handoff(store, "ann")
    consumer.start()
    try:
        await Rasa(broker).say("ann", UserUttered("via the production profile", timestamp=T0))
        await eventually(lambda: published)
    finally:
        await consumer.stop()
        await broker.close()
    assert await texts(store, handoff.id) == ["via the production profile"]

"""Customer messages sent during a handoff, read from Rasa's event broker.

While a person owns a conversation the bot is paused (``ConversationPaused``),
and Rasa does not call the action server for a paused conversation: the only
place its messages still appear is the event broker, which receives every
tracker event. Two consumers read it, with one contract:

- :class:`SqlEventConsumer` (``HANDOFF_BROKER=sql``, the embedded default)
  reads Rasa's SQL broker (``rasa.core.brokers.sql.SQLEventBroker``: table
  ``events``, one row per event with an autoincrement ``id``, ``sender_id``
  and the event as JSON ``data``; endpoints.yml: ``event_broker: {type: SQL,
  dialect: sqlite, db: var/events.db}``);
- :class:`handoff.rabbitmq.RabbitEventConsumer` (``HANDOFF_BROKER=rabbitmq``,
  production) consumes the RabbitMQ queue Rasa's ``PikaEventBroker`` publishes
  to (endpoints.production.yml).

:func:`create_consumer` picks one from the settings. What they share lives
here: :func:`parse_event` finds the message in one of Rasa's serialised
events, and :class:`TranscriptWriter` appends it. Every ``user`` and ``bot``
event with text whose conversation has an open handoff is appended to that
handoff's transcript (role ``customer`` / ``bot``, at the event's time) and
announced as ``message.created``, like the messages the service receives over
HTTP. Events of other conversations are skipped.

Delivery is at least once, made exactly once by the store: each message has
a ``source_event_id`` derived from where it was read (``rasa-sql-<row id>``,
``rasa-mq-<hash>``) and appends are idempotent on it; they are also
idempotent on role, text and time (``unless_present``), so a message that
reached the transcript another way (the bot's outbox sent it with the
handoff, or a catch-up read of Rasa's tracker, handoff.catch_up) is not
recorded twice.

The SQL consumer reads rows in ``id`` order, in batches, after a cursor kept
in the handoff database (``broker_cursors``); the cursor moves only once a
batch is stored, so a crash re-reads rows rather than losing them. A broker
database or ``events`` table that does not exist yet (Rasa has not started)
is not an error: the consumer waits and looks again.

Known limits:

- the SQL consumer takes ids in commit order. That holds for one Rasa
  process (it commits each event before the next); with several Rasa
  processes writing to one PostgreSQL broker, a lower id can commit after a
  higher one was read and be skipped. Several Rasa processes should use
  RabbitMQ.
- a message sent after the bot paused but before the outbox delivered the
  handoff (the handoff service was down) finds no open handoff and is
  skipped here; handoff.catch_up completes such a late handoff's transcript
  from Rasa's tracker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from handoff import events as ev
from handoff import inputs
from handoff.inputs import UntrustedInput, storable
from handoff.models import BOT, CUSTOMER, broker_cursors, utc_now
from handoff.store import Handoff, HandoffConflict, HandoffStore
from plumbing.untrusted import parse_json

if TYPE_CHECKING:
    from handoff.settings import HandoffSettings

logger = logging.getLogger(__name__)

DEFAULT_POLL_S = 0.2
DEFAULT_BATCH_SIZE = 500
# After an error (a database down), wait longer than a poll before retrying,
# so a broken database is not hammered five times a second.
ERROR_BACKOFF_S = 5.0
CURSOR_NAME = "rasa-sql"
SOURCE_PREFIX = "rasa-sql-"
ROLES = {"user": CUSTOMER, "bot": BOT}


class Consumer(Protocol):
    """A background reader of Rasa's event broker, as the service runs one."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


# Rasa's table, as SQLEventBroker declares it; only read here, never created.
_metadata = MetaData()
rasa_events = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class BrokerEvent:
    """A transcript-worthy event: a customer or bot message with text."""

    source_event_id: str
    conversation_id: str
    role: str
    text: str
    timestamp: dt.datetime


def parse_event(
    event: Mapping[str, Any], source_event_id: str, sender_id: str | None = None
) -> BrokerEvent | None:
    """The message in one of Rasa's serialised events, or None for every other event.

    ``sender_id``: the conversation, when the broker keeps it beside the
    event (the SQL broker's column); otherwise the event's own ``sender_id``,
    which Rasa's tracker store adds to every event it publishes.
    """
    role = ROLES.get(event.get("event", ""))
    text = event.get("text")
    conversation_id = sender_id or event.get("sender_id")
    # Bot messages without text (an image, buttons alone) say nothing to an agent.
    if role is None or not isinstance(text, str) or not text or not conversation_id:
        return None
    raw_time = event.get("timestamp")
    timestamp = utc_now()
    if isinstance(raw_time, (int, float)):
        # Anything can set an event's time through Rasa's tracker API; one out
        # of range (fromtimestamp raises OverflowError) would stop the
        # consumer at this event for good, retrying it forever.
        with contextlib.suppress(UntrustedInput):
            timestamp = inputs.timestamp(raw_time)
    # Text the database cannot store (a NUL, on PostgreSQL) would do the same.
    return BrokerEvent(
        source_event_id,
        storable(str(conversation_id)),
        role,
        storable(text),
        timestamp,
    )


def decode_event(data: str | bytes | None) -> dict[str, Any] | None:
    """Rasa's JSON event as a dict; None when it is not a JSON object.

    Through plumbing.untrusted.parse_json: a deeply nested event raises
    RecursionError in ``json.loads``, which no ``except ValueError`` catches.
    """
    try:
        event = parse_json(data or "")
    except UntrustedInput:  # not JSON, too deep, or bytes that are no UTF-8
        return None
    return event if isinstance(event, dict) else None


def parse_row(row_id: int, sender_id: str | None, data: str | None) -> BrokerEvent | None:
    """The message in a row of Rasa's SQL broker, or None for every other event."""
    event = decode_event(data)
    if event is None:
        logger.warning("broker row %d is not a JSON object; skipped", row_id)
        return None
    return parse_event(event, f"{SOURCE_PREFIX}{row_id}", sender_id)


class TranscriptWriter:
    """Appends broker messages to the open handoffs' transcripts; both consumers use it.

    Store errors (``SQLAlchemyError``) propagate: the consumer retries the
    message later rather than lose it.
    """

    def __init__(self, store: HandoffStore, publish: ev.Publish) -> None:
        self._store = store
        self._publish = publish

    async def open_handoff(self, conversation_id: str) -> Handoff | None:
        return await self._store.open_handoff_for(conversation_id)

    async def append(self, handoff: Handoff, message: BrokerEvent) -> bool:
        """Append one message; False if the handoff was closed in the meantime."""
        try:
            stored, created = await self._store.append_message(
                handoff.id,
                message.role,
                message.text,
                message.timestamp,
                message.source_event_id,
                unless_present=True,
            )
        except HandoffConflict:
            return False
        if created:
            self._publish(
                ev.MESSAGE_CREATED, {"handoff_id": handoff.id, "message": stored.to_json()}
            )
        return True

    async def write(self, message: BrokerEvent) -> bool:
        """Append a message if its conversation has an open handoff; whether it has one."""
        handoff = await self.open_handoff(message.conversation_id)
        return handoff is not None and await self.append(handoff, message)


def build_broker_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # No WAL or other pragmas here: the database is Rasa's, not ours.
        return create_engine(url, future=True, hide_parameters=True, connect_args={"timeout": 15})
    # hide_parameters: errors are logged, and parameters would hold conversation ids.
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


class SqlEventConsumer:
    """Reads Rasa's SQL event broker into the open handoffs' transcripts.

    ``poll_once()`` handles one batch (tests call it directly); ``start()`` /
    ``stop()`` run it in a background task every ``poll_s`` seconds.
    """

    def __init__(
        self,
        broker_database_url: str,
        store: HandoffStore,
        publish: ev.Publish,
        *,
        poll_s: float = DEFAULT_POLL_S,
        batch_size: int = DEFAULT_BATCH_SIZE,
        name: str = CURSOR_NAME,
    ) -> None:
        self._url = make_url(broker_database_url)
        self._engine = build_broker_engine(broker_database_url)
        self._store = store
        self._writer = TranscriptWriter(store, publish)
        self._poll_s = poll_s
        self._batch_size = batch_size
        self._name = name
        self._table_seen = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- the cursor, in the handoff database ---------------------------------------------

    def _cursor(self) -> int:
        with self._store.engine.connect() as db:
            position = db.execute(
                select(broker_cursors.c.position).where(broker_cursors.c.name == self._name)
            ).scalar_one_or_none()
        return 0 if position is None else int(position)

    def _save_cursor(self, position: int) -> None:
        with self._store.engine.begin() as db:
            changed = db.execute(
                update(broker_cursors)
                .where(broker_cursors.c.name == self._name)
                .values(position=position, updated_at=utc_now())
            ).rowcount
            if not changed:
                # One consumer per name (the service runs one worker): no race
                # on this first insert.
                db.execute(
                    insert(broker_cursors).values(
                        name=self._name, position=position, updated_at=utc_now()
                    )
                )

    async def position(self) -> int:
        """The id of the last broker row handled (0 before the first)."""
        return await asyncio.to_thread(self._cursor)

    # -- reading Rasa's table --------------------------------------------------------------

    def _table_exists(self) -> bool:
        if self._table_seen:
            return True
        database = self._url.database
        if self._url.get_backend_name() == "sqlite" and database and database != ":memory:":
            # Connecting would create an empty file in Rasa's place.
            if not Path(database).exists():
                return False
        self._table_seen = inspect(self._engine).has_table(rasa_events.name)
        return self._table_seen

    def _rows(self, after: int) -> list[tuple[int, str | None, str | None]]:
        if not self._table_exists():
            return []
        with self._engine.connect() as db:
            rows = db.execute(
                select(rasa_events.c.id, rasa_events.c.sender_id, rasa_events.c.data)
                .where(rasa_events.c.id > after)
                .order_by(rasa_events.c.id)
                .limit(self._batch_size)
            ).all()
        return [(int(row.id), row.sender_id, row.data) for row in rows]

    # -- one batch -------------------------------------------------------------------------

    async def poll_once(self) -> int:
        """Handle the next batch of broker rows; the number of rows read."""
        after = await asyncio.to_thread(self._cursor)
        rows = await asyncio.to_thread(self._rows, after)
        if not rows:
            if not self._table_seen:
                logger.debug("no events table at %r yet; waiting for Rasa", self._url)
            return 0
        # Within a batch, look each conversation up once; None: no open handoff.
        open_handoffs: dict[str, Handoff | None] = {}
        for row_id, sender_id, data in rows:
            message = parse_row(row_id, sender_id, data)
            if message is None:
                continue
            if message.conversation_id not in open_handoffs:
                open_handoffs[message.conversation_id] = await self._writer.open_handoff(
                    message.conversation_id
                )
            handoff = open_handoffs[message.conversation_id]
            if handoff is None:
                continue
            if not await self._writer.append(handoff, message):
                # Closed meanwhile: later messages go back to the bot.
                open_handoffs[message.conversation_id] = None
        await asyncio.to_thread(self._save_cursor, rows[-1][0])
        return len(rows)

    # -- running in the background ---------------------------------------------------------

    async def run(self) -> None:
        """Poll until ``stop()``; errors are logged and retried, never fatal."""
        while not self._stopping.is_set():
            delay = self._poll_s
            try:
                read = await self.poll_once()
                if read >= self._batch_size:
                    delay = 0  # more is waiting: catch up before sleeping
            except SQLAlchemyError as error:
                # A database restarting or locked: the cursor did not move, so
                # the same rows are read again on the next attempt.
                logger.warning("reading the event broker failed, retrying: %s", error)
                delay = ERROR_BACKOFF_S
            except Exception:
                # A bug: stopping would silently lose every later message, so
                # log it loudly and keep going (the same batch is retried).
                logger.exception("event broker consumer failed, retrying")
                delay = ERROR_BACKOFF_S
            try:
                await asyncio.wait_for(self._stopping.wait(), delay)
            except asyncio.TimeoutError:
                continue

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name=f"broker-{self._name}")

    async def stop(self) -> None:
        """Stop after the current batch (its cursor is saved), then close the engine."""
        self._stopping.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task
        self._engine.dispose()


def create_consumer(
    settings: HandoffSettings, store: HandoffStore, publish: ev.Publish
) -> Consumer | None:
    """The consumer ``HANDOFF_BROKER`` names, not yet started; None for ``none``."""
    if settings.broker == "sql" and settings.broker_url:
        return SqlEventConsumer(settings.broker_url, store, publish, poll_s=settings.broker_poll_s)
    if settings.broker == "rabbitmq":
        # Imported here: handoff.rabbitmq builds on this module, and aio-pika
        # is only needed when RabbitMQ is the broker.
        from handoff.rabbitmq import RabbitEventConsumer

        return RabbitEventConsumer(
            settings.rabbitmq_url,
            store,
            publish,
            queue=settings.rabbitmq_queue,
            exchange=settings.rabbitmq_exchange,
        )
    return None

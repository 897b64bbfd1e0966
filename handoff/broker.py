"""Customer messages sent during a handoff, read from Rasa's event broker.

While a person owns a conversation the bot is paused (``ConversationPaused``),
and Rasa does not call the action server for a paused conversation: the only
place its messages still appear is the event broker, which receives every
tracker event. :class:`SqlEventConsumer` reads Rasa's SQL broker
(``rasa.core.brokers.sql.SQLEventBroker``: table ``events``, one row per event
with an autoincrement ``id``, ``sender_id`` and the event as JSON ``data``),
the broker of the embedded default (endpoints.yml: ``event_broker: {type: SQL,
dialect: sqlite, db: var/events.db}``).

Every ``user`` and ``bot`` event with text whose conversation has an open
handoff is appended to that handoff's transcript (role ``customer`` / ``bot``,
at the event's time) and announced as ``message.created``, like the messages
the service receives over HTTP. Events of other conversations are skipped.

Delivery is at least once, made exactly once by the store:

- rows are read in ``id`` order, in batches, after a cursor kept in the
  handoff database (``broker_cursors``); the cursor moves only once a batch
  is stored, so a crash re-reads rows rather than losing them;
- each message's ``source_event_id`` is ``rasa-sql-<row id>``, and appends are
  idempotent on it, so a re-read row adds nothing;
- the messages the bot's outbox sent with the handoff (its transcript, which
  carries no broker ids) are recognised by role, text and time and not
  appended a second time.

A broker database or ``events`` table that does not exist yet (Rasa has not
started) is not an error: the consumer waits and looks again.

Known limits:

- ids are taken in commit order. That holds for one Rasa process (it commits
  each event before the next); with several Rasa processes writing to one
  PostgreSQL broker, a lower id can commit after a higher one was read and be
  skipped. Several Rasa processes should use RabbitMQ (below).
- a message sent after the bot paused but before the outbox delivered the
  handoff (the handoff service was down) finds no open handoff and is skipped.

TODO(production): a RabbitMQ consumer (Rasa's ``PikaEventBroker``, queue
``rasa_production_events``) with the same contract: append with
``source_event_id`` = the message's ``message_id`` or a hash of the body,
publish ``message.created``, and ack only after the append is stored
(at-least-once, idempotent by source_event_id). Select it with
``HANDOFF_BROKER=rabbitmq``; the SQL broker is for the embedded default.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from handoff.models import BOT, CUSTOMER, broker_cursors, utc_now
from handoff.store import Handoff, HandoffConflict, HandoffStore, to_utc

logger = logging.getLogger(__name__)

DEFAULT_POLL_S = 0.2
DEFAULT_BATCH_SIZE = 500
# After an error (a database down), wait longer than a poll before retrying,
# so a broken database is not hammered five times a second.
ERROR_BACKOFF_S = 5.0
CURSOR_NAME = "rasa-sql"
SOURCE_PREFIX = "rasa-sql-"
ROLES = {"user": CUSTOMER, "bot": BOT}

Publish = Callable[[str, dict[str, Any]], object]

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

    row_id: int
    conversation_id: str
    role: str
    text: str
    timestamp: dt.datetime

    @property
    def source_event_id(self) -> str:
        return f"{SOURCE_PREFIX}{self.row_id}"


def parse_row(row_id: int, sender_id: str | None, data: str | None) -> BrokerEvent | None:
    """The message in a broker row, or None for every other event."""
    try:
        event = json.loads(data or "")
    except ValueError:
        logger.warning("broker row %d is not JSON; skipped", row_id)
        return None
    if not isinstance(event, dict):
        return None
    role = ROLES.get(event.get("event", ""))
    text = event.get("text")
    conversation_id = sender_id or event.get("sender_id")
    # Bot messages without text (an image, buttons alone) say nothing to an agent.
    if role is None or not isinstance(text, str) or not text or not conversation_id:
        return None
    raw_time = event.get("timestamp")
    if isinstance(raw_time, (int, float)) and math.isfinite(raw_time):
        timestamp = dt.datetime.fromtimestamp(raw_time, dt.timezone.utc).replace(tzinfo=None)
    else:
        timestamp = utc_now()
    return BrokerEvent(row_id, str(conversation_id), role, text, timestamp)


def _same_time(a: dt.datetime, b: dt.datetime) -> bool:
    # The outbox sends ISO times with microseconds from the same float Rasa
    # published; allow for rounding on the way, not for a different message.
    return abs((a - b).total_seconds()) < 0.001


def build_broker_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # No WAL or other pragmas here: the database is Rasa's, not ours.
        return create_engine(url, future=True, connect_args={"timeout": 15})
    return create_engine(url, future=True, pool_pre_ping=True)


class SqlEventConsumer:
    """Reads Rasa's SQL event broker into the open handoffs' transcripts.

    ``poll_once()`` handles one batch (tests call it directly); ``start()`` /
    ``stop()`` run it in a background task every ``poll_s`` seconds.
    """

    def __init__(
        self,
        broker_database_url: str,
        store: HandoffStore,
        publish: Publish,
        *,
        poll_s: float = DEFAULT_POLL_S,
        batch_size: int = DEFAULT_BATCH_SIZE,
        name: str = CURSOR_NAME,
    ) -> None:
        self._url = make_url(broker_database_url)
        self._engine = build_broker_engine(broker_database_url)
        self._store = store
        self._publish = publish
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
                open_handoffs[message.conversation_id] = await self._store.open_handoff_for(
                    message.conversation_id
                )
            handoff = open_handoffs[message.conversation_id]
            if handoff is None:
                continue
            if not await self._append(handoff, message):
                # Closed meanwhile: later messages go back to the bot.
                open_handoffs[message.conversation_id] = None
        await asyncio.to_thread(self._save_cursor, rows[-1][0])
        return len(rows)

    async def _append(self, handoff: Handoff, message: BrokerEvent) -> bool:
        """Append one message; False if the handoff was closed in the meantime."""
        if await self._in_outbox_transcript(handoff, message):
            return True
        try:
            stored, created = await self._store.append_message(
                handoff.id,
                message.role,
                message.text,
                message.timestamp,
                message.source_event_id,
            )
        except HandoffConflict:
            return False
        if created:
            self._publish(
                ev.MESSAGE_CREATED, {"handoff_id": handoff.id, "message": stored.to_json()}
            )
        return True

    async def _in_outbox_transcript(self, handoff: Handoff, message: BrokerEvent) -> bool:
        """Whether the outbox already sent this message with the handoff.

        Only messages from before the handoff was created can be there, so
        later ones (nearly all) cost no transcript read.
        """
        if message.timestamp > to_utc(handoff.created_at):
            return False
        full = await self._store.get(handoff.id)
        return full is not None and any(
            known.source_event_id is None
            and known.role == message.role
            and known.text == message.text
            and _same_time(known.timestamp, message.timestamp)
            for known in full.transcript or ()
        )

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

"""Rasa's SQL event broker, read into the open handoffs' transcripts: :class:`SqlEventConsumer`.

``HANDOFF_BROKER=sql``, the embedded default. Rasa's
``rasa.core.brokers.sql.SQLEventBroker`` writes table ``events``, one row
per event with an autoincrement ``id``, ``sender_id`` and the event as JSON
``data`` (endpoints.yml: ``event_broker: {type: SQL, dialect: sqlite, db:
var/events.db}``). Each row's ``source_event_id`` is ``rasa-sql-<row id>``.

The consumer reads rows in ``id`` order, in batches, after a cursor kept in
the handoff database (``broker_cursors``); the cursor moves only once a
batch is stored, so a crash re-reads rows rather than losing them. A broker
database or ``events`` table that does not exist yet (Rasa has not started)
is not an error: the consumer waits and looks again.

Known limit: the consumer takes ids in commit order. That holds for one
Rasa process (it commits each event before the next); with several Rasa
processes writing to one PostgreSQL broker, a lower id can commit after a
higher one was read and be skipped. Several Rasa processes should use
RabbitMQ (handoff.broker.rabbitmq).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

import plumbing.db
from handoff.broker.events import AfterAppend, TranscriptWriter, decode_event, parse_event
from handoff.insights.keeper import RecordKeeper, StreamEvent, stream_event
from handoff.models import broker_cursors, utc_now
from handoff.store import Handoff, HandoffStore
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

DEFAULT_POLL_S = 0.2
DEFAULT_BATCH_SIZE = 500
# After an error (a database down), wait longer than a poll before retrying,
# so a broken database is not hammered five times a second.
ERROR_BACKOFF_S = 5.0
CURSOR_NAME = "rasa-sql"
SOURCE_PREFIX = "rasa-sql-"

# Rasa's table, as SQLEventBroker declares it; only read here, never created.
_metadata = MetaData()
rasa_events = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)


def build_broker_engine(database_url: str) -> Engine:
    # plumbing.db's RASA_EVENTS profile: no WAL or other pragmas, the database
    # is Rasa's, not ours; hidden parameters, since errors are logged and
    # parameters would hold conversation ids.
    return plumbing.db.build_engine(database_url, plumbing.db.RASA_EVENTS)


class SqlEventConsumer:
    """Reads Rasa's SQL event broker into the open handoffs' transcripts.

    With ``records``, every event also goes to the conversation records
    (handoff.insights.keeper) before the cursor moves.

    ``poll_once()`` handles one batch (tests call it directly); ``start()`` /
    ``stop()`` run it in a background task every ``poll_s`` seconds.
    """

    def __init__(
        self,
        broker_database_url: str,
        store: HandoffStore,
        *,
        poll_s: float = DEFAULT_POLL_S,
        batch_size: int = DEFAULT_BATCH_SIZE,
        name: str = CURSOR_NAME,
        records: RecordKeeper | None = None,
        after_append: AfterAppend | None = None,
    ) -> None:
        self._url = make_url(broker_database_url)
        self._engine = build_broker_engine(broker_database_url)
        self._store = store
        self._writer = TranscriptWriter(store, after_append)
        self._records = records
        self._batch_size = batch_size
        self._name = name
        self._table_seen = False
        self._worker = Worker(
            f"broker-{name}",
            self._poll,
            interval_s=poll_s,
            retry_s=ERROR_BACKOFF_S,
            log_error=_log_poll_failure,
        )

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
        stream: list[StreamEvent] = []
        for row_id, sender_id, data in rows:
            event = decode_event(data)
            if event is None:
                logger.warning("broker row %d is not a JSON object; skipped", row_id)
                continue
            kept = stream_event(event, sender_id)
            if kept is not None:
                stream.append(kept)
            message = parse_event(event, f"{SOURCE_PREFIX}{row_id}", sender_id)
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
        if self._records is not None and stream:
            # Folding is CPU work (handoff.insights.keeper): in a thread.
            await asyncio.to_thread(self._records.add, stream)
        await asyncio.to_thread(self._save_cursor, rows[-1][0])
        return len(rows)

    # -- running in the background ---------------------------------------------------------

    async def _poll(self) -> float | None:
        """The worker's step: one batch; the next at once if it was full (catch up first)."""
        read = await self.poll_once()
        return 0 if read >= self._batch_size else None

    def start(self) -> None:
        """Poll every ``poll_s`` in a background worker (plumbing.worker); errors never end it."""
        self._worker.start()

    async def stop(self) -> None:
        """Stop after the current batch (its cursor is saved), then close the engine."""
        await self._worker.stop()
        self._engine.dispose()


def _log_poll_failure(error: Exception, retry_in_s: float) -> None:
    if isinstance(error, SQLAlchemyError):
        # A database restarting or locked: the cursor did not move, so the
        # same rows are read again on the next attempt.
        logger.warning("reading the event broker failed, retrying: %s", error)
    else:
        # A bug: stopping would silently lose every later message, so log it
        # loudly and keep going (the same batch is retried).
        logger.error("event broker consumer failed, retrying", exc_info=error)

"""The handoff outbox: escalations are recorded locally before the customer hears anything.

``action_handoff`` writes each handoff request to the ``handoff_outbox`` table
(a SQLite file by default, ``ACTIONS_HANDOFF_OUTBOX_URL``) and only then tries
to deliver it to the handoff service. If the service is down, the row stays
there and :class:`OutboxForwarder` delivers it when the service is back, in
order, with exponential backoff. The customer may therefore be told "a person
will take over" as soon as the row is written: a handoff will exist. Delivery
is at least once, and the service makes it exactly once: the request's
``escalation_id`` is its idempotency key.

The forwarder is a background worker (plumbing.worker) in the action
server's event loop, one per process, started by :meth:`HandoffSender.kick`:
at the server's start-up (actions.server, which kicks it again every 30 s)
and by the action after each escalation; nothing may run at import time
(rasa-sdk imports this package before its event loop exists). Once started
it runs until the server stops: it sleeps until the next row is due (at most
``retry_max_s``), each kick wakes it, and an outbox that fails (a full disk)
is logged and tried again with backoff. Operators can also deliver what is
pending at once with::

    python -m actions.handoff_outbox

which exits with 0 when nothing is left pending, 1 otherwise.

Like ``bot/channels/store.py``, SQLAlchemy's synchronous engine runs in worker
threads (``asyncio.to_thread``), so the action server's loop never waits on
the disk.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

import plumbing.db
from actions.api.handoff import (
    HandoffApiError,
    HandoffClient,
    HandoffReceipt,
    HandoffRejected,
)
from actions.errors import ActionServerError
from actions.settings import ActionSettings
from plumbing.backoff import backoff_delay
from plumbing.clock import utc_now
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

# Retries wait 2 s, 4 s, 8 s... up to a minute: customers were told a person
# will take over "as soon as possible", and a handoff service restarting
# should see them within a minute of coming back.
DEFAULT_RETRY_BASE_S = 2.0
DEFAULT_RETRY_MAX_S = 60.0
# A new row is not due before its first delivery attempt (made by the action
# that wrote it) has had time to finish, the HTTP timeout plus this margin:
# the forwarder would otherwise send the same request at the same moment. If
# the action server dies in between, the forwarder sends it after that delay.
FIRST_ATTEMPT_GRACE_S = 1.0
FLUSH_BATCH = 100

metadata = MetaData()

outbox_table = Table(
    "handoff_outbox",
    metadata,
    # The order of escalations: rows are delivered oldest first.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", String(64), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("handoff_id", String(64), nullable=True),
)


Clock = Callable[[], dt.datetime]


class OutboxUnavailable(ActionServerError):
    """The outbox could not be read or written (disk full, unwritable path...)."""


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    escalation_id: str
    payload: dict[str, Any]
    attempts: int
    delivered_at: dt.datetime | None
    handoff_id: str | None

    @classmethod
    def from_row(cls, row: Row) -> OutboxEntry:
        return cls(
            id=int(row.id),
            escalation_id=str(row.escalation_id),
            payload=dict(row.payload),
            attempts=int(row.attempts),
            delivered_at=row.delivered_at,
            handoff_id=row.handoff_id,
        )


def build_engine(database_url: str) -> Engine:
    """An engine that does not connect yet: the first use creates file and table.

    plumbing.db's OUTBOX profile: the row must survive a power cut once the
    customer has been told a person will take over (synchronous FULL), and
    WAL lets the operators' flush read while the action server writes.
    """
    return plumbing.db.build_engine(database_url, plumbing.db.OUTBOX)


class Outbox:
    """The ``handoff_outbox`` table. Every method raises :class:`OutboxUnavailable`."""

    def __init__(self, database_url: str, clock: Clock = utc_now) -> None:
        self._engine = build_engine(database_url)
        self._clock = clock
        self._ready = False
        self._ready_lock = threading.Lock()

    def close(self) -> None:
        self._engine.dispose()

    async def add(
        self,
        escalation_id: str,
        payload: Mapping[str, Any],
        first_attempt_in_s: float = FIRST_ATTEMPT_GRACE_S,
    ) -> OutboxEntry:
        """Record a handoff request; the existing entry if that escalation was recorded.

        The forwarder leaves the new entry alone for ``first_attempt_in_s``:
        the caller is about to attempt it.
        """
        return await self._run(self._add, escalation_id, payload, first_attempt_in_s)

    async def due(self, limit: int = FLUSH_BATCH, everything: bool = False) -> list[OutboxEntry]:
        """Undelivered entries whose next attempt is due (all if ``everything``), oldest first."""
        return await self._run(self._due, limit, everything)

    async def pending_count(self) -> int:
        return await self._run(self._pending_count)

    async def next_attempt_at(self) -> dt.datetime | None:
        """When the earliest undelivered entry is due; None if all are delivered."""
        return await self._run(self._next_attempt_at)

    async def mark_delivered(self, escalation_id: str, handoff_id: str) -> None:
        await self._run(self._mark_delivered, escalation_id, handoff_id)

    async def mark_failed(self, escalation_id: str, error: str, retry_at: dt.datetime) -> None:
        await self._run(self._mark_failed, escalation_id, error, retry_at)

    async def get(self, escalation_id: str) -> OutboxEntry | None:
        return await self._run(self._get, escalation_id)

    # -- in worker threads ---------------------------------------------------------

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(self._ready_then, fn, *args)
        except (SQLAlchemyError, OSError) as error:
            raise OutboxUnavailable(f"{type(error).__name__}: {error}") from error

    def _ready_then(self, fn: Callable[..., Any], *args: Any) -> Any:
        # The file and the table are created on first use, not when the
        # action server imports or builds this object.
        with self._ready_lock:
            if not self._ready:
                plumbing.db.ensure_sqlite_directory(self._engine.url)
                metadata.create_all(self._engine)
                self._ready = True
        return fn(*args)

    def _add(
        self, escalation_id: str, payload: Mapping[str, Any], first_attempt_in_s: float
    ) -> OutboxEntry:
        now = self._clock()
        try:
            with self._engine.begin() as db:
                db.execute(
                    insert(outbox_table).values(
                        escalation_id=escalation_id,
                        # Through JSON and back: what is stored is exactly what
                        # will be sent, and an unserialisable value fails here,
                        # before the customer is told anything.
                        payload=json.loads(json.dumps(payload)),
                        created_at=now,
                        attempts=0,
                        next_attempt_at=now + dt.timedelta(seconds=first_attempt_in_s),
                    )
                )
        except IntegrityError:
            logger.info("escalation %s is already in the outbox", escalation_id)
        entry = self._get(escalation_id)
        if entry is None:  # pragma: no cover - inserted or found just above
            raise OutboxUnavailable(f"escalation {escalation_id} vanished from the outbox")
        return entry

    def _get(self, escalation_id: str) -> OutboxEntry | None:
        with self._engine.connect() as db:
            row = db.execute(
                select(outbox_table).where(outbox_table.c.escalation_id == escalation_id)
            ).first()
        return None if row is None else OutboxEntry.from_row(row)

    def _due(self, limit: int, everything: bool) -> list[OutboxEntry]:
        query = select(outbox_table).where(outbox_table.c.delivered_at.is_(None))
        if not everything:
            query = query.where(outbox_table.c.next_attempt_at <= self._clock())
        with self._engine.connect() as db:
            rows = db.execute(query.order_by(outbox_table.c.id).limit(limit)).all()
        return [OutboxEntry.from_row(r) for r in rows]

    def _pending_count(self) -> int:
        with self._engine.connect() as db:
            return int(
                db.execute(
                    select(func.count()).where(outbox_table.c.delivered_at.is_(None))
                ).scalar_one()
            )

    def _next_attempt_at(self) -> dt.datetime | None:
        with self._engine.connect() as db:
            value = db.execute(
                select(func.min(outbox_table.c.next_attempt_at)).where(
                    outbox_table.c.delivered_at.is_(None)
                )
            ).scalar_one_or_none()
        return value if isinstance(value, dt.datetime) else None

    def _mark_delivered(self, escalation_id: str, handoff_id: str) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(outbox_table)
                .where(
                    outbox_table.c.escalation_id == escalation_id,
                    outbox_table.c.delivered_at.is_(None),
                )
                .values(
                    delivered_at=self._clock(),
                    handoff_id=handoff_id,
                    attempts=outbox_table.c.attempts + 1,
                    last_error=None,
                )
            )

    def _mark_failed(self, escalation_id: str, error: str, retry_at: dt.datetime) -> None:
        with self._engine.begin() as db:
            # A failed re-send of a delivered escalation changes nothing.
            db.execute(
                update(outbox_table)
                .where(
                    outbox_table.c.escalation_id == escalation_id,
                    outbox_table.c.delivered_at.is_(None),
                )
                .values(
                    attempts=outbox_table.c.attempts + 1,
                    last_error=error[:1000],
                    next_attempt_at=retry_at,
                )
            )


class Outcome(Enum):
    DELIVERED = "delivered"
    UNAVAILABLE = "unavailable"  # the service is down: later rows would fail too
    REJECTED = "rejected"  # this request was refused: later rows may still go


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    receipt: HandoffReceipt | None = None


@dataclass(frozen=True)
class FlushResult:
    delivered: int
    pending: int


class OutboxForwarder:
    """Delivers the outbox's pending rows, oldest first, with exponential backoff."""

    def __init__(
        self,
        outbox: Outbox,
        client: HandoffClient,
        clock: Clock = utc_now,
        retry_base_s: float = DEFAULT_RETRY_BASE_S,
        retry_max_s: float = DEFAULT_RETRY_MAX_S,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self._clock = clock
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self._worker = Worker(
            "handoff-outbox-forwarder",
            self._forward,
            interval_s=retry_max_s,  # when nothing is pending: kicks wake it sooner
            retry_s=retry_base_s,
            max_retry_s=retry_max_s,
            log_error=_log_failure,
        )

    def retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return backoff_delay(max(attempts, 1), base_s=self.retry_base_s, max_s=self.retry_max_s)

    async def deliver(self, entry: OutboxEntry) -> Attempt:
        """One attempt to create the entry's handoff; the outcome is recorded in the outbox."""
        try:
            receipt = await self.client.create_handoff(entry.payload)
        except HandoffApiError as error:
            rejected = isinstance(error, HandoffRejected)
            # A rejection needs a person (a wrong token, a request the service
            # does not accept): it is logged as an error, and still retried,
            # so the handoff is created once the configuration is fixed.
            logger.log(
                logging.ERROR if rejected else logging.WARNING,
                "handoff %s not delivered (attempt %d): %s",
                entry.escalation_id, entry.attempts + 1, error,
            )
            retry_at = self._clock() + dt.timedelta(seconds=self.retry_delay(entry.attempts + 1))
            try:
                await self.outbox.mark_failed(entry.escalation_id, str(error), retry_at)
            except OutboxUnavailable:
                # The row stays pending on its previous schedule: retried, not lost.
                logger.exception("could not record the failed attempt of %s", entry.escalation_id)
            return Attempt(Outcome.REJECTED if rejected else Outcome.UNAVAILABLE)
        logger.info("handoff %s delivered as %s", entry.escalation_id, receipt.handoff_id)
        try:
            await self.outbox.mark_delivered(entry.escalation_id, receipt.handoff_id)
        except OutboxUnavailable:
            # The handoff exists: that is what the customer is told. The row
            # stays pending and is sent again, which the service answers with
            # the same handoff (idempotency key).
            logger.exception("could not record the delivery of %s", entry.escalation_id)
        return Attempt(Outcome.DELIVERED, receipt)

    async def flush(self, everything: bool = False) -> FlushResult:
        """One pass over the due rows (all pending rows if ``everything``)."""
        delivered = 0
        for entry in await self.outbox.due(everything=everything):
            attempt = await self.deliver(entry)
            if attempt.outcome is Outcome.DELIVERED:
                delivered += 1
            elif attempt.outcome is Outcome.UNAVAILABLE:
                break  # the rest would fail the same way; their turn comes later
        return FlushResult(delivered, await self.outbox.pending_count())

    def kick(self) -> None:
        """Make sure the forwarder runs in the current event loop, and have it look now."""
        self._worker.start()
        self._worker.wake()

    async def _forward(self) -> float | None:
        """One pass of the worker; the seconds until the next row is due (None: none pending)."""
        await self.flush()
        due = await self.outbox.next_attempt_at()
        if due is None:
            return None
        wait = (due - self._clock()).total_seconds()
        return min(max(wait, 0.05), self.retry_max_s)

    async def stop(self) -> None:
        await self._worker.stop(cancel=True)


def _log_failure(error: Exception, retry_in_s: float) -> None:
    if isinstance(error, OutboxUnavailable):
        logger.error("the handoff outbox failed (%s); trying again in %.3g s", error, retry_in_s)
    else:
        # A bug must show in the logs with its traceback; the worker goes on.
        logger.error(
            "the handoff outbox forwarder failed; trying again in %.3g s",
            retry_in_s,
            exc_info=error,
        )


@dataclass(frozen=True)
class Submitted:
    entry: OutboxEntry
    # None when the service could not create the handoff now (the outbox will).
    receipt: HandoffReceipt | None


class HandoffSender:
    """Outbox first, then one delivery attempt at once; the forwarder does the rest."""

    def __init__(self, outbox: Outbox, forwarder: OutboxForwarder) -> None:
        self.outbox = outbox
        self.forwarder = forwarder

    @classmethod
    def from_settings(cls, settings: ActionSettings) -> HandoffSender:
        outbox = Outbox(settings.handoff_outbox_url)
        client = HandoffClient(
            settings.handoff_url, settings.handoff_token, settings.handoff_timeout_s
        )
        return cls(outbox, OutboxForwarder(outbox, client))

    def kick(self) -> None:
        self.forwarder.kick()

    async def submit(self, escalation_id: str, payload: Mapping[str, Any]) -> Submitted:
        """Record the request durably, then try to deliver it.

        Raises :class:`OutboxUnavailable` when it could not be recorded: then
        nothing guarantees a handoff, and the customer must not be promised one.
        """
        entry = await self.outbox.add(
            escalation_id,
            payload,
            first_attempt_in_s=self.forwarder.client.timeout_s + FIRST_ATTEMPT_GRACE_S,
        )
        # Sent even if delivered before: the service answers a known
        # escalation_id with the existing handoff and its place in the queue.
        attempt = await self.forwarder.deliver(entry)
        if attempt.outcome is not Outcome.DELIVERED:
            self.kick()
        return Submitted(entry, attempt.receipt)

    async def close(self) -> None:
        await self.forwarder.stop()
        self.outbox.close()


# -- the operators' one-shot flush ------------------------------------------------------


async def flush_once(settings: ActionSettings) -> FlushResult:
    sender = HandoffSender.from_settings(settings)
    try:
        return await sender.forwarder.flush(everything=True)
    finally:
        await sender.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actions.handoff_outbox",
        description="Deliver the pending handoff requests of the outbox now, oldest first.",
    )
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = ActionSettings.from_env()
    try:
        result = asyncio.run(flush_once(settings))
    except OutboxUnavailable as error:
        print(f"the outbox ({settings.handoff_outbox_url}) failed: {error}", file=sys.stderr)
        return 2
    print(f"delivered {result.delivered}, still pending {result.pending}")
    return 0 if result.pending == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

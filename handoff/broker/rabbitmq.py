"""Customer messages sent during a handoff, consumed from Rasa's RabbitMQ broker.

The production counterpart of :class:`handoff.broker.sql.SqlEventConsumer`,
with the same contract (see handoff.broker): messages of conversations with an
open handoff are appended to its transcript (and so journaled as
``message.created``); everything else is skipped.

What Rasa 3.6's ``PikaEventBroker`` (rasa/core/brokers/pika.py) does, and so
what this consumer expects: it declares a fanout exchange (``exchange_name``,
default ``rasa-exchange``, not durable), declares each of its ``queues``
durable and binds it to that exchange, and publishes every tracker event as
a persistent message whose body is the event as UTF-8 JSON, with the
conversation in ``sender_id`` (``{"sender_id": ..., "event": "user", "text":
..., "timestamp": ...}``). It sets no headers and no message id of its own:
the ``message_id`` a consumer sees is a random one aiormq gives every
publish.

The consumer declares the exchange and its queue the same way (a different
declaration of an existing one is refused by RabbitMQ) and binds them, so
events published while the handoff service is down wait in the queue, even
when Rasa does not list that queue. It must be the queue's only consumer:
RabbitMQ shares a queue's messages out between its consumers.

Delivery:

- manual acknowledgements, at most ``prefetch`` unacknowledged messages, one
  task handling them in delivery order. A message is acknowledged only once
  its append is stored (or it was skipped), so a crash redelivers it.
- ``source_event_id`` is ``rasa-mq-`` and the SHA-256 of the body. The body
  is the event, down to its float timestamp, and Rasa republishing an event
  after a failed publish sends the same body, under a new message id: the
  id names a publish, the body the event. Appends are idempotent on it, so a
  redelivered or republished message is not recorded twice.
- a store error does not lose the message: the connection is closed, which
  returns every unacknowledged message to the queue in its place, and after
  ``retry_s`` the consumer subscribes again. (Negatively acknowledging the
  failed message alone would requeue it behind the later ones already
  prefetched, which would be handled first, out of order.)
- a message that is no JSON object is logged (its id and size, never its
  content) and rejected without requeueing: dead-lettered if the queue has a
  dead-letter policy, dropped otherwise, and the queue moves on.
- aio-pika's robust connection reconnects when RabbitMQ restarts and
  subscribes again; messages received on the lost connection are not
  handled (RabbitMQ delivers them again). A first connection that fails, or
  any other error, is logged and retried after ``retry_s``: the consumer
  never stops on its own.

The URL's password never reaches a log: aio-pika prints connections with it
masked, and so does :attr:`RabbitEventConsumer.address`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from aiormq.tools import censor_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from yarl import URL

from handoff.broker.events import AfterAppend, TranscriptWriter, decode_event, parse_event
from handoff.insights.keeper import RecordKeeper, stream_event
from handoff.settings import DEFAULT_RABBITMQ_EXCHANGE, DEFAULT_RABBITMQ_QUEUE
from handoff.store import HandoffStore
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

SOURCE_PREFIX = "rasa-mq-"
# Enough to keep the connection busy while one message is stored; few enough
# that a backlog stays in RabbitMQ, not in the service's memory.
DEFAULT_PREFETCH = 50
DEFAULT_RETRY_S = 5.0
CONNECT_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 5.0
SETTLE_TIMEOUT_S = 10.0
CONNECTION_NAME = "handoff-service"

# What a RabbitMQ that is down, restarting or refusing a declaration raises.
BROKER_ERRORS = (*CONNECTION_EXCEPTIONS, asyncio.TimeoutError)


def source_event_id(message: AbstractIncomingMessage) -> str:
    """The event's id for idempotent appends: a hash of the body (see the module's docstring)."""
    return SOURCE_PREFIX + hashlib.sha256(message.body).hexdigest()


def redact(url: str) -> str:
    """The URL as it may be logged: with the password masked, as aio-pika logs it."""
    try:
        return str(censor_url(URL(url)))
    except ValueError:
        return "<invalid RabbitMQ URL>"


def _describe(error: BaseException) -> str:
    # SQLAlchemy's own message lists the statement's parameters, which hold
    # the customer's text; the driver's error does not.
    if isinstance(error, DBAPIError):
        error = error.orig
    return f"{type(error).__name__}: {error}"


class RabbitEventConsumer:
    """Consumes Rasa's RabbitMQ events into the open handoffs' transcripts.

    ``start()`` runs it in a background task; ``stop()`` ends it once the
    message being handled is acknowledged.
    """

    def __init__(
        self,
        url: str,
        store: HandoffStore,
        *,
        queue: str = DEFAULT_RABBITMQ_QUEUE,
        exchange: str = DEFAULT_RABBITMQ_EXCHANGE,
        prefetch: int = DEFAULT_PREFETCH,
        retry_s: float = DEFAULT_RETRY_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        records: RecordKeeper | None = None,
        after_append: AfterAppend | None = None,
    ) -> None:
        if prefetch < 1:
            raise ValueError(f"prefetch must be at least 1, not {prefetch}")
        self._url = url
        self.address = redact(url)
        self.queue = queue
        self.exchange = exchange
        self._writer = TranscriptWriter(store, after_append)
        self._records = records
        self._prefetch = prefetch
        self._retry_s = retry_s
        self._connect_timeout_s = connect_timeout_s
        self._connection: AbstractRobustConnection | None = None
        self._subscribed = False
        self._handling = False
        self._stopping = False
        self._worker = Worker(
            f"broker-rabbitmq-{queue}",
            self._consume,
            interval_s=retry_s,
            log_error=self._log_failure,
        )

    @property
    def consuming(self) -> bool:
        """Whether the queue is subscribed to on a live connection right now."""
        connection = self._connection
        return self._subscribed and connection is not None and connection.connected.is_set()

    # -- one connection --------------------------------------------------------------------

    def _connection_url(self) -> URL:
        url = URL(self._url)
        # aio-pika reads these from the URL alone (its keyword arguments are
        # ignored when a URL is given); the URL's own values come first.
        options = {"name": CONNECTION_NAME, "reconnect_interval": f"{self._retry_s:g}"}
        return url.with_query({**options, **url.query})

    async def _consume(self) -> None:
        """Subscribe and handle messages until stopped; raises when a message cannot be stored."""
        connection = await aio_pika.connect_robust(
            self._connection_url(), timeout=self._connect_timeout_s
        )
        self._connection = connection
        try:
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self._prefetch)
            # As Rasa declares them: an exchange that is not durable, a durable queue.
            exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(self.queue, durable=True)
            await queue.bind(exchange, routing_key="")
            # A plain function, not a coroutine: aio-pika schedules each call
            # in delivery order, so the inbox keeps the queue's order.
            await queue.consume(inbox.put_nowait)
            self._subscribed = True
            logger.info("consuming queue %r of RabbitMQ at %s", self.queue, self.address)
            while not self._stopping:
                message = await inbox.get()
                self._handling = True
                try:
                    await self._handle(message)
                finally:
                    self._handling = False
        finally:
            self._subscribed = False
            self._connection = None
            await self._close(connection)

    async def _close(self, connection: AbstractRobustConnection) -> None:
        # RabbitMQ returns the unacknowledged messages to the queue, in order.
        try:
            await asyncio.wait_for(connection.close(), CLOSE_TIMEOUT_S)
        except BROKER_ERRORS as error:
            logger.info("closing the RabbitMQ connection: %s", _describe(error))

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        if message.channel.is_closed:
            # Received before the connection dropped: RabbitMQ has requeued it
            # and delivers it again on the new connection.
            return
        source_id = source_event_id(message)
        event = decode_event(message.body)
        if event is None:
            logger.warning(
                "RabbitMQ message %s (%d bytes) is not a JSON object; rejected",
                source_id,
                len(message.body),
            )
            await self._settle(message, ack=False)
            return
        parsed = parse_event(event, source_id)
        if parsed is not None:
            await self._writer.write(parsed)  # a store error propagates: not acknowledged
        kept = stream_event(event)
        if self._records is not None and kept is not None:
            # Folding is CPU work (handoff.insights.keeper): in a thread.
            await asyncio.to_thread(self._records.add, [kept])
        await self._settle(message, ack=True)

    async def _settle(self, message: AbstractIncomingMessage, *, ack: bool) -> None:
        # If the connection dropped while the message was handled, RabbitMQ
        # delivers it again and the store ignores the copy. aiormq would wait
        # for ever to send an acknowledgement on a channel already closed,
        # hence the check first (nothing is awaited between it and the send)
        # and the timeout besides.
        if message.channel.is_closed:
            logger.info(
                "RabbitMQ message %s: its connection dropped; it will be redelivered",
                source_event_id(message),
            )
            return
        settle = message.ack() if ack else message.reject(requeue=False)
        try:
            await asyncio.wait_for(settle, SETTLE_TIMEOUT_S)
        except BROKER_ERRORS as error:
            logger.info(
                "settling RabbitMQ message %s failed (%s); it will be redelivered",
                source_event_id(message),
                _describe(error),
            )

    # -- running in the background ---------------------------------------------------------

    def start(self) -> None:
        """Consume in a background worker (plumbing.worker): every failure is logged
        and retried after ``retry_s``, never fatal."""
        self._stopping = False
        self._worker.start()

    async def stop(self) -> None:
        """Stop once the message being handled is settled; the rest go back to the queue."""
        self._stopping = True
        # Waiting for a message, a connection or a retry: nothing to finish.
        await self._worker.stop(cancel=not self._handling)

    def _log_failure(self, error: Exception, retry_in_s: float) -> None:
        if isinstance(error, BROKER_ERRORS):
            logger.warning(
                "RabbitMQ at %s: %s; trying again in %g s",
                self.address,
                _describe(error),
                retry_in_s,
            )
        elif isinstance(error, SQLAlchemyError):
            logger.warning(
                "storing a message from RabbitMQ failed (%s); it goes back to the queue, "
                "retried in %g s",
                _describe(error),
                retry_in_s,
            )
        else:
            # A bug: stopping would silently lose every later message.
            logger.error(
                "the RabbitMQ consumer failed; unacknowledged messages go back to the "
                "queue, retried in %g s",
                retry_in_s,
                exc_info=error,
            )

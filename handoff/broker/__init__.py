"""Customer messages sent during a handoff, read from Rasa's event broker.

While a person owns a conversation the bot is paused (``ConversationPaused``),
and Rasa does not call the action server for a paused conversation: the only
place its messages still appear is the event broker, which receives every
tracker event. Two consumers read it, with one contract:

- :class:`~handoff.broker.sql.SqlEventConsumer` (``HANDOFF_BROKER=sql``, the
  embedded default) reads Rasa's SQL broker;
- :class:`~handoff.broker.rabbitmq.RabbitEventConsumer`
  (``HANDOFF_BROKER=rabbitmq``, production) consumes the RabbitMQ queue Rasa's
  ``PikaEventBroker`` publishes to (endpoints.production.yml).

:func:`create_consumer` picks one from the settings. What they share lives
in handoff.broker.events: :func:`parse_event` finds the message in one of
Rasa's serialised events, and :class:`TranscriptWriter` appends it. Every
``user`` and ``bot`` event with text whose conversation has an open handoff
is appended to that handoff's transcript (role ``customer`` / ``bot``, at the
event's time), which journals it as ``message.created`` like the messages
the service receives over HTTP. Events of other conversations are skipped.

Delivery is at least once, made exactly once by the store: each message has
a ``source_event_id`` derived from where it was read (``rasa-sql-<row id>``,
``rasa-mq-<hash>``) and appends are idempotent on it; they are also
idempotent on role, text and time (``unless_present``), so a message that
reached the transcript another way (the bot's outbox sent it with the
handoff, or a catch-up read of Rasa's tracker, handoff.catch_up) is not
recorded twice.

Imports go one way: ``sql`` and ``rabbitmq`` build on ``events``, and this
module on all three (``rabbitmq`` only when it is the broker: aio-pika is
not needed otherwise).

Known limit (both consumers): a message sent after the bot paused but before
the outbox delivered the handoff (the handoff service was down) finds no
open handoff and is skipped; handoff.catch_up completes such a late
handoff's transcript from Rasa's tracker. The SQL consumer's own limit is in
handoff.broker.sql.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from handoff.broker.events import (
    AfterAppend,
    BrokerEvent,
    TranscriptWriter,
    decode_event,
    parse_event,
)
from handoff.broker.sql import SqlEventConsumer
from handoff.insights.keeper import RecordKeeper
from handoff.store import HandoffStore

if TYPE_CHECKING:
    from handoff.settings import HandoffSettings

__all__ = [
    "AfterAppend",
    "BrokerEvent",
    "Consumer",
    "SqlEventConsumer",
    "TranscriptWriter",
    "create_consumer",
    "decode_event",
    "parse_event",
]


class Consumer(Protocol):
    """A background reader of Rasa's event broker, as the service runs one."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


def create_consumer(
    settings: HandoffSettings,
    store: HandoffStore,
    records: RecordKeeper | None = None,
    after_append: AfterAppend | None = None,
) -> Consumer | None:
    """The consumer ``HANDOFF_BROKER`` names, not yet started; None for ``none``.

    With ``records``, it also keeps the conversation records (handoff.insights.keeper);
    ``after_append`` sees each message appended to a handoff (handoff.withdrawal).
    """
    if settings.broker == "sql" and settings.broker_url:
        return SqlEventConsumer(
            settings.broker_url,
            store,
            poll_s=settings.broker_poll_s,
            records=records,
            after_append=after_append,
        )
    if settings.broker == "rabbitmq":
        # Imported here: aio-pika is only needed when RabbitMQ is the broker.
        from handoff.broker.rabbitmq import RabbitEventConsumer

        return RabbitEventConsumer(
            settings.rabbitmq_url,
            store,
            queue=settings.rabbitmq_queue,
            exchange=settings.rabbitmq_exchange,
            records=records,
            after_append=after_append,
        )
    return None

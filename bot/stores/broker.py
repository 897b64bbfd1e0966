"""Rasa's event brokers as we run them: :class:`SQLEventBroker`, and RabbitMQ's log lines.

- :class:`SQLEventBroker`: Rasa's SQL broker, able to publish a turn's
  events in one transaction.
- :func:`hide_events_in_pika_logs`: Rasa's RabbitMQ broker (``type: pika``,
  endpoints.production.yml) logs the whole event it failed to publish, at
  ERROR, and every event it published, at DEBUG: the customer's message
  text, sender id (a phone number on SMS and WhatsApp) and metadata. A
  filter on its logger rewrites those lines to what an operator needs: that
  publishing failed, why, and the event's type (``event=user``).

Why a filter on the logger rather than a subclass of Rasa's broker: the
production endpoints name Rasa's own broker (``type: pika``), and the lines
come from the middle of its ``_publish``; a subclass would copy that method
whole. Why not plumbing.log_masking: it masks phone numbers, not message
text, and plumbing knows nothing of Rasa.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

from aiormq.exceptions import DeliveryError, PublishError
from rasa.core.brokers.sql import SQLEventBroker as RasaSQLEventBroker
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.stores.engines import use_own_engine
from plumbing.log_masking import mask

PIKA_LOGGER = "rasa.core.brokers.pika"
# The keys of Rasa's two lines (rasa/core/brokers/pika.py, _publish).
PUBLISHED = "pika.events.publish"
PUBLISH_FAILED = "pika.events.publish.failed"
# The serialized event's own type: `"event": "user"` (JSON lines) or
# `'event': 'user'` (Rasa's console lines). Sender id first, then this.
_EVENT_TYPE = re.compile(r"""["']event["']: ["']([a-z_]{1,64})["']""")
# What may be quoted of an exception: enough for a reason, not a payload.
MAX_REASON = 200
LEFT_OUT = "its text, sender id and metadata left out of the log"


class SQLEventBroker(RasaSQLEventBroker):
    """Rasa's broker (same table, same rows) plus :meth:`publish_many`.

    Rasa's publishes each event in a transaction of its own: about eight
    commits a customer message. The tracker store (bot.stores.tracker) hands
    it a turn's events at once instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_own_engine(self)

    def publish_many(self, events: Sequence[dict[str, Any]]) -> None:
        """Publish ``events`` in order, all or none."""
        if not events:
            return
        with self.session_scope() as session:
            # One executemany, not the ORM's INSERT a row (it fetches each id).
            session.execute(
                self.SQLBrokerEvent.__table__.insert(),
                [
                    {"sender_id": event.get("sender_id"), "data": json.dumps(event)}
                    for event in events
                ],
            )
            session.commit()


@cache
def rasa_event_types() -> frozenset[str]:
    """The type names of Rasa's events (``user``, ``bot``, ``slot``, ...)."""
    return frozenset(cls.type_name for cls in all_subclasses(Event))


def event_type(line: str) -> str:
    """The type of the event a Rasa pika line holds, or ``unknown``.

    Only a known type name is kept: a crafted sender id (the REST channel
    takes any) could otherwise put words of its choosing here.
    """
    start = line.find("rasa_event")
    found = _EVENT_TYPE.search(line, max(start, 0))
    if found and found.group(1) in rasa_event_types():
        return found.group(1)
    return "unknown"


def failure_reason(error: BaseException | None) -> str:
    """What went wrong, without the event: the exception's type and text, masked."""
    if error is None:
        return "not given"
    name = type(error).__name__
    if isinstance(error, DeliveryError) and not isinstance(error, PublishError):
        # Its text is the repr of the returned message: the body, the event itself.
        return f"{name}: the broker answered {type(error.frame).__qualname__}"
    text = str(error)
    if not text or "sender_id" in text:
        return name
    return mask(f"{name}: {text}"[:MAX_REASON])


class PikaEventFilter(logging.Filter):
    """Rewrites the lines of Rasa's RabbitMQ broker that hold an event (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            line = record.getMessage()
        except (TypeError, ValueError):
            line = str(record.msg)
        if PUBLISH_FAILED in line:
            # Rasa logs the failure inside its `except Exception` block, without
            # the exception; a filter runs synchronously in that block, so
            # sys.exc_info() is the exception that stopped the publish.
            reason = failure_reason(sys.exc_info()[1])
            text = f'{PUBLISH_FAILED} event={event_type(line)} reason="{reason}" ({LEFT_OUT})'
        elif PUBLISHED in line:
            text = f"{PUBLISHED} event={event_type(line)} ({LEFT_OUT})"
        elif "rasa_event" in line or "sender_id" in line:
            # A line of a later Rasa: withheld whole rather than guessed at.
            text = f"a line of Rasa's RabbitMQ broker holding an event ({LEFT_OUT})"
        else:
            return True
        record.msg, record.args = text, None
        record.exc_info = record.exc_text = None
        return True


def hide_events_in_pika_logs() -> None:
    """Install :class:`PikaEventFilter` on Rasa's RabbitMQ broker's logger (idempotent).

    Rasa's broker logs through structlog, which writes to the standard
    library's logger named after the module (``rasa.core.brokers.pika``):
    the filter sees each line there, rendered (JSON or console), before any
    handler does.
    """
    logger = logging.getLogger(PIKA_LOGGER)
    if not any(isinstance(existing, PikaEventFilter) for existing in logger.filters):
        logger.addFilter(PikaEventFilter())

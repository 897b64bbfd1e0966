"""bot.stores.broker: Rasa's RabbitMQ broker logs a failed event's type and reason, not its text.

Rasa's own PikaEventBroker publishes to a fake exchange that fails (no
RabbitMQ needed), with structlog set up by Rasa's own configure_structlog
in both its renderings (JSON when not on a terminal, as in production, and
console); what reaches the log handlers is read with caplog. The
SQLEventBroker's publish_many is tested with the tracker store
(tests/bot/stores/test_tracker.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import rasa.core.brokers.pika as rasa_pika
import rasa.shared.core.events  # noqa: F401  (Rasa's pika module uses it without importing it)
import structlog
from aiormq.abc import DeliveredMessage
from aiormq.exceptions import ChannelInvalidStateError, DeliveryError
from pamqp.commands import Basic
from pamqp.header import ContentHeader
from rasa.core.brokers.pika import PikaEventBroker
from rasa.shared.core.events import UserUttered
from rasa.utils.log_utils import configure_structlog

from bot import server
from bot.stores.broker import PIKA_LOGGER, PikaEventFilter, hide_events_in_pika_logs

PHONE = "+15551234567"
TEXT = "my card ending 4242 was stolen, call me on 555 0199"
METADATA_VALUE = "SM-northwind-metadata-1234"
REASON = "No active transport in channel"


def customer_event() -> dict[str, Any]:
    """An event as Rasa's tracker store publishes it: the sender id, then the event."""
    event = UserUttered(
        TEXT,
        intent={"name": "report_fraud", "confidence": 0.97},
        metadata={"twilio_message_sid": METADATA_VALUE, "from": PHONE},
    )
    return {"sender_id": PHONE, **event.as_dict()}


class FailingExchange:
    """aio_pika's exchange once its connection is gone: every publish raises ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    async def publish(self, message: Any, routing_key: str) -> None:
        if self.error is not None:
            raise self.error


async def publish(exchange: FailingExchange) -> None:
    """Rasa's broker publishes the customer's event; its background task is awaited."""
    broker = PikaEventBroker(
        "localhost", "guest", "guest", queues=["events"], event_loop=asyncio.get_running_loop()
    )
    broker._exchange = exchange  # what connect() sets
    broker.publish(customer_event())
    await asyncio.gather(*broker._background_tasks)


class Terminal:
    """Standard error as Rasa's configure_structlog sees it on a terminal."""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


@pytest.fixture(params=["json", "console"])
def rasa_logging(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[pytest.LogCaptureFixture]:
    """structlog as Rasa's CLI sets it up at DEBUG, rendering as ``request.param``; undone after."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with monkeypatch.context() as configuring:
        configuring.setattr("rasa.utils.log_utils.FORCE_JSON_LOGGING", request.param == "json")
        configuring.setattr(sys, "stderr", Terminal())
        configure_structlog(logging.DEBUG)
    # A fresh proxy: with cache_logger_on_first_use, Rasa's own would keep
    # this test's configuration for the rest of the session.
    monkeypatch.setattr(rasa_pika, "structlogger", structlog.get_logger())
    caplog.set_level(logging.DEBUG, logger=PIKA_LOGGER)
    try:
        yield caplog
    finally:
        structlog.configure(**config)
        root.handlers[:], root.level = handlers, level


@pytest.fixture
def pika_logger() -> Iterator[logging.Logger]:
    """Rasa's pika logger without our filter; its filters put back afterwards."""
    logger = logging.getLogger(PIKA_LOGGER)
    filters = list(logger.filters)
    for existing in filters:
        if isinstance(existing, PikaEventFilter):
            logger.removeFilter(existing)
    try:
        yield logger
    finally:
        logger.filters[:] = filters


def written(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        caplog.handler.format(record) for record in caplog.records if record.name == PIKA_LOGGER
    )


def assert_no_customer_data(output: str) -> None:
    assert TEXT not in output
    assert "stolen" not in output
    assert "5551234567" not in output
    assert METADATA_VALUE not in output


async def test_without_the_filter_rasa_logs_the_customers_message(
    rasa_logging: pytest.LogCaptureFixture, pika_logger: logging.Logger
) -> None:
    # What the filter is for: this is Rasa's own line, and why the test below can fail.
    await publish(FailingExchange(ChannelInvalidStateError(REASON)))
    output = written(rasa_logging)
    assert "pika.events.publish.failed" in output
    assert TEXT in output and METADATA_VALUE in output


async def test_a_failed_publish_logs_the_reason_and_event_type_not_the_message(
    rasa_logging: pytest.LogCaptureFixture, pika_logger: logging.Logger
) -> None:
    hide_events_in_pika_logs()
    await publish(FailingExchange(ChannelInvalidStateError(REASON)))
    [failure] = [r for r in rasa_logging.records if "publish.failed" in r.getMessage()]
    assert failure.levelno == logging.ERROR
    output = written(rasa_logging)
    assert_no_customer_data(output)
    assert "pika.events.publish.failed event=user" in output
    assert f'reason="ChannelInvalidStateError: {REASON}"' in output


async def test_a_refused_delivery_does_not_log_the_body_its_error_repeats(
    rasa_logging: pytest.LogCaptureFixture, pika_logger: logging.Logger
) -> None:
    # aiormq's DeliveryError (the broker's nack under publisher confirms)
    # reads as the repr of the message: its body, the event itself.
    body = repr(customer_event()).encode()
    returned = DeliveredMessage(Basic.Nack(delivery_tag=1), ContentHeader(), body, None)  # type: ignore[arg-type]
    error = DeliveryError(returned, Basic.Nack(delivery_tag=1))
    assert "stolen" in str(error)
    hide_events_in_pika_logs()
    await publish(FailingExchange(error))
    output = written(rasa_logging)
    assert_no_customer_data(output)
    assert 'reason="DeliveryError: the broker answered Basic.Nack"' in output


async def test_a_published_event_is_logged_at_debug_by_its_type_only(
    rasa_logging: pytest.LogCaptureFixture, pika_logger: logging.Logger
) -> None:
    hide_events_in_pika_logs()
    await publish(FailingExchange(None))
    [published] = rasa_logging.records
    assert published.levelno == logging.DEBUG
    output = written(rasa_logging)
    assert_no_customer_data(output)
    assert "pika.events.publish event=user" in output


def test_a_crafted_sender_id_cannot_choose_the_logged_event_type(
    pika_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    hide_events_in_pika_logs()
    # Rasa's JSON line for a sender id that imitates the event's type key.
    line = (
        '{"rasa_event": {"sender_id": "x\', \'event\': \'secretword", "event": "bot", '
        '"text": "hi"}, "event": "pika.events.publish.failed", "level": "error"}'
    )
    with caplog.at_level(logging.ERROR, logger=PIKA_LOGGER):
        pika_logger.error(line)
    assert "secretword" not in caplog.text
    assert "event=unknown" in caplog.text


def test_lines_without_an_event_are_left_as_they_are(
    pika_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    hide_events_in_pika_logs()
    with caplog.at_level(logging.INFO, logger=PIKA_LOGGER):
        pika_logger.info("RabbitMQ connection to '%s' was established.", "rabbit.internal")
    assert caplog.messages == ["RabbitMQ connection to 'rabbit.internal' was established."]


async def test_the_rasa_server_hides_the_events_before_rasa_starts(
    monkeypatch: pytest.MonkeyPatch,
    pika_logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
    rasa_as_it_was: None,
) -> None:
    # bot.server.main's own set-up, then Rasa's broker failing where Rasa's CLI would run.
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr("rasa.__main__.main", lambda: None)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setenv("RASA_AUTH_TOKEN", "test-token")
    monkeypatch.setattr(rasa_pika, "structlogger", structlog.get_logger())
    config = structlog.get_config()
    try:
        server.main()
        monkeypatch.setattr("rasa.utils.log_utils.FORCE_JSON_LOGGING", True)
        configure_structlog(logging.INFO)
        with caplog.at_level(logging.INFO, logger=PIKA_LOGGER):
            await publish(FailingExchange(ChannelInvalidStateError(REASON)))
    finally:
        structlog.configure(**config)
        logging.setLogRecordFactory(factory)
    assert_no_customer_data(caplog.text)
    assert "pika.events.publish.failed event=user" in caplog.text

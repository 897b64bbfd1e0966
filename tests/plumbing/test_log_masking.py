"""plumbing.log_masking: no phone number or registered secret in any log line, tracebacks too.

Each test installs the masking and puts the process's record factory back
afterwards, so that the rest of the suite logs as it did.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest

from plumbing.log_masking import install_log_masking, mask, mask_record
from plumbing.logs import TEXT_FORMAT
from tests.handoff.escalation.test_speed import assert_linear, growth, repeated

SECRET = "123456:log-masking-test-bot-token"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What a handler on a library's own logger (not the root) writes, masking installed."""
    factory = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    library = logging.getLogger("some.library")
    library.addHandler(handler)
    library.setLevel(logging.INFO)
    install_log_masking([SECRET])
    try:
        yield stream
    finally:
        logging.setLogRecordFactory(factory)
        library.removeHandler(handler)


def test_phone_numbers_in_any_loggers_lines_keep_their_last_two_digits(
    lines: io.StringIO,
) -> None:
    log = logging.getLogger("some.library.child")
    log.info("message from %s to %s", "+15551234567", "(415) 555-0101")
    log.warning("GET /conversations/%%2B447700900123/tracker took %d ms", 15)
    written = lines.getvalue()
    assert "message from ***67 to ***01" in written
    assert "/conversations/***23/tracker took 15 ms" in written
    assert "1234567" not in written and "7700900" not in written


def test_secrets_are_masked_in_tracebacks(lines: io.StringIO) -> None:
    request = httpx.Request("POST", f"https://api.telegram.org/bot{SECRET}/sendMessage")
    try:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)
    except httpx.ConnectError:
        logging.getLogger("some.library").exception("telegram: send to +15559876543 failed")
    written = lines.getvalue()
    assert SECRET not in written
    assert "/bot[redacted]/sendMessage" in written
    assert "send to ***43 failed" in written
    assert "Traceback" in written


def test_installing_twice_masks_once(lines: io.StringIO) -> None:
    install_log_masking()
    logging.getLogger("some.library").info("to +15551234567")
    assert "to ***67" in lines.getvalue()


def test_a_record_whose_arguments_do_not_fit_is_left_to_logging() -> None:
    record = logging.LogRecord("x", logging.INFO, "", 0, "%d items", ("many",), None)
    assert mask_record(record) is record
    assert record.args == ("many",)


def test_passwords_in_urls_are_masked(lines: io.StringIO) -> None:
    logging.getLogger("some.library").info(
        "no events table at %r yet", "postgresql://rasa:s3cret@127.0.0.1:5432/rasa"
    )
    written = lines.getvalue()
    assert "s3cret" not in written
    assert "postgresql://rasa:[redacted]@127.0.0.1:5432/rasa" in written


@pytest.mark.parametrize("unit", ["://a:b", "://", "a:b@", "x" * 7, "+1 "])
def test_masking_is_linear(unit: str) -> None:
    small, large = growth(lambda size: repeated(unit, size), mask)
    assert_linear(small, large, f"mask on {unit!r}")

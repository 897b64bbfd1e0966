"""plumbing.logs: LOG_FORMAT=json makes one JSON object a line; text stays the default."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from plumbing.logs import (
    JSON,
    TEXT,
    JsonFormatter,
    configure_logging,
    format_handlers_of,
    log_format,
)
from plumbing.settings import SettingsError

PHONE = "+14155550101"


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, given back its handlers and level after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def record(message: str, *args: Any, **extra: Any) -> logging.LogRecord:
    made = logging.getLogger("handoff.service").makeRecord(
        "handoff.service", logging.WARNING, __file__, 1, message, args, None, extra=extra
    )
    made.created = 1764750946.123456  # 2025-12-03T08:35:46.123Z
    return made


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, TEXT),
        ({"LOG_FORMAT": "  "}, TEXT),
        ({"LOG_FORMAT": "text"}, TEXT),
        ({"LOG_FORMAT": "json"}, JSON),
        ({"LOG_FORMAT": " JSON "}, JSON),
    ],
)
def test_the_format_is_read_from_log_format(environ: dict[str, str], expected: str) -> None:
    assert log_format(environ) == expected


def test_an_unknown_format_is_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="LOG_FORMAT must be one of text, json"):
        log_format({"LOG_FORMAT": "xml"})


def test_a_json_line_has_time_level_logger_message_and_the_extra_fields() -> None:
    line = JsonFormatter().format(record("handoff %d created", 7, handoff_id=7, queue="main"))

    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2025-12-03T08:35:46.123+00:00",
        "level": "WARNING",
        "logger": "handoff.service",
        "message": "handoff 7 created",
        "handoff_id": 7,
        "queue": "main",
    }


def test_a_traceback_stays_inside_its_line() -> None:
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        failed = record("a round failed")
        failed.exc_info = sys.exc_info()

    line = JsonFormatter().format(failed)

    [parsed] = [json.loads(text) for text in line.splitlines()]
    assert parsed["message"] == "a round failed"
    assert parsed["exception"].startswith("Traceback")
    assert "RuntimeError: the database went away" in parsed["exception"]


def test_extra_fields_are_masked_and_always_serialisable() -> None:
    # Sanic's access log puts the URL in an extra field: a conversation id
    # there may be a phone number.
    line = JsonFormatter().format(
        record("request", request=f"GET /conversations/{PHONE}/tracker", peer=object())
    )

    parsed = json.loads(line)
    assert PHONE not in line and "4155550101" not in line
    assert parsed["request"].startswith("GET /conversations/")
    assert parsed["peer"].startswith("<object object")


def test_json_lines_on_standard_error_with_log_format_json(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert configure_logging(logging.INFO, {"LOG_FORMAT": "json"}) == JSON
    # Twice (the Rasa server applies it again at start-up): still one handler.
    configure_logging(logging.INFO, {"LOG_FORMAT": "json"})

    logging.getLogger("actions.server").info("forwarder started", extra={"pending": 2})
    logging.getLogger("actions.server").debug("below the level")

    lines = capsys.readouterr().err.splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["forwarder started"]
    assert json.loads(lines[0])["pending"] == 2
    assert len(root_logger.handlers) == 1


def test_human_text_by_default(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert configure_logging(logging.INFO, {}) == TEXT

    logging.getLogger("handoff.service").warning("broker down")

    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith(" WARNING handoff.service: broker down")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_loggers_with_their_own_handlers_get_json_lines_too() -> None:
    own = logging.getLogger("tests.plumbing.own_handlers")
    handler = logging.StreamHandler()
    text_formatter = logging.Formatter("%(message)s")
    handler.setFormatter(text_formatter)
    own.addHandler(handler)
    try:
        format_handlers_of([own.name], {})
        assert handler.formatter is text_formatter  # text: left as they were
        format_handlers_of([own.name], {"LOG_FORMAT": "json"})
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        own.removeHandler(handler)

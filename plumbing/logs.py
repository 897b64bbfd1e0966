"""Log lines: human text by default, one JSON object a line with ``LOG_FORMAT=json``.

Every service calls :func:`configure_logging` at start-up (handoff.service,
actions.server, bot.server; the Rasa server again when its app starts, see
bot.channels.metrics, because Rasa's CLI installs its own colored handler).
It gives the root logger one handler, to standard error, in the format
``LOG_FORMAT`` names:

- ``text`` (the default): ``2026-12-03 08:15:46,123 INFO handoff.service: ...``;
- ``json``: one object a line, for a log collector (Loki, Elasticsearch,
  CloudWatch), with ``time`` (UTC, ISO 8601, milliseconds), ``level``,
  ``logger``, ``message``, the record's ``extra`` fields as they are, and
  ``exception`` (the traceback, as text) when there is one.

What the lines say is what the code logs: our modules never log message
text, tokens or phone numbers at INFO, and plumbing.log_masking masks phone
numbers and secrets in every record's message and traceback, whatever its
format. ``extra`` fields are added to a record after that masking (Sanic's
access log puts the URL in one, which may name a conversation by phone
number): the JSON lines mask them the same way.

Why not python-json-logger or structlog: a formatter of some twenty lines
does it, and structlog would change how every module logs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from plumbing.log_masking import mask
from plumbing.settings import SettingsError, one_of

LOG_FORMAT_VARIABLE = "LOG_FORMAT"
TEXT = "text"
JSON = "json"
FORMATS = (TEXT, JSON)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has: anything else on a record came in ``extra``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """``LOG_FORMAT``: ``text`` (unset or blank) or ``json``; SettingsError otherwise."""
    env = os.environ if environ is None else environ
    raw = env.get(LOG_FORMAT_VARIABLE, "")
    if not raw.strip():
        return TEXT
    try:
        return str(one_of(*FORMATS)(raw, LOG_FORMAT_VARIABLE))
    except ValueError as error:
        raise SettingsError(str(error)) from None


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # Anything else as its text, masked: a log line never fails to serialize.
    return mask(value if isinstance(value, str) else str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the extra fields (see above)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_") and key not in entry:
                entry[key] = _json_safe(value)
        # exc_text first: plumbing.log_masking leaves the masked traceback there.
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(name: str) -> logging.Formatter:
    """The formatter of format ``name`` (``text`` or ``json``)."""
    return JsonFormatter() if name == JSON else logging.Formatter(TEXT_FORMAT)


def configure_logging(level: int = logging.INFO, environ: Mapping[str, str] | None = None) -> str:
    """Give the root logger one handler to standard error, in ``LOG_FORMAT``; the format.

    Replaces the root's handlers (another library's, or this function's from
    an earlier call): each line is written once.
    """
    name = log_format(environ)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(name))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return name


def format_handlers_of(names: Iterable[str], environ: Mapping[str, str] | None = None) -> None:
    """With ``LOG_FORMAT=json``, give the handlers of the loggers ``names`` JSON lines too.

    For loggers with handlers of their own that do not reach the root (Sanic's
    ``sanic.root``, ``sanic.error`` and ``sanic.access``, set up when a Sanic
    app is created). With text they keep their own format.
    """
    if log_format(environ) != JSON:
        return
    chosen = JsonFormatter()
    for name in names:
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(chosen)

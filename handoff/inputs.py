"""What callers send the handoff service, read without a 500: bodies, ids, limits, times.

Built on plumbing.untrusted (JSON with a depth cap, whole numbers in ASCII
within 64 bits, times within 2000-2100), which raises
:class:`~plumbing.untrusted.UntrustedInput` (a ``ValueError``) with a message
fit for the client; the service's error handler answers it 400, and
handoff.bodies, which reads request bodies on top of this module, turns it
into :class:`~handoff.errors.InvalidRequest`. What this module adds is what
the handoff database needs on top:

- **Strings it can store.** JSON may spell a NUL (``"\\u0000"``), which
  PostgreSQL refuses in text and JSON columns, and an unpaired surrogate
  (``"\\ud800"``), which no UTF-8 encoder takes. Both are replaced with
  U+FFFD, as a UTF-8 decoder does with bytes it cannot read, rather than
  refused: customer text reaches us through the bot's outbox, and one odd
  character must not cost a customer their handoff. An id that held one no
  longer matches anything, which is the right answer for it too.
- **Finite numbers.** Python's JSON reader takes ``NaN``, ``Infinity`` and
  ``1e400``; no sender of ours writes them, and PostgreSQL's JSON refuses them.
- **Ids that fit a column.** A path segment Sanic parsed as ``int`` may be
  past 64 bits, which SQLite cannot bind: such an id names nothing (404).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from plumbing.untrusted import (
    MAX_INT64,
    UntrustedInput,
    parse_int,
    parse_json,
    parse_timestamp,
)

__all__ = [
    "MAX_INT32",
    "MAX_INT64",
    "UntrustedInput",
    "json_object",
    "parse_int",
    "query_int",
    "query_text",
    "storable",
    "stored_id",
    "timestamp",
]

# PostgreSQL's INTEGER, the type of handoffs.priority.
MAX_INT32 = 2**31 - 1
REPLACEMENT = "\ufffd"
# What the database cannot hold in a string (see the module docstring).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with NUL and unpaired surrogates replaced by U+FFFD (linear in its length)."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def _clean(value: Any) -> Any:
    """Strings made storable and numbers checked, all through the document.

    The nesting is at most plumbing.untrusted.MAX_JSON_DEPTH deep (parse_json
    checked it), so recursion is bounded here.
    """
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise UntrustedInput("numbers must be finite (no NaN or Infinity)")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): _clean(item) for key, item in value.items()}
    return value


def json_object(body: bytes | str) -> dict[str, Any]:
    """A request body that must be a JSON object; UntrustedInput otherwise."""
    value = parse_json(body)
    if not isinstance(value, dict):
        raise UntrustedInput("the body must be a JSON object")
    cleaned: dict[str, Any] = _clean(value)
    return cleaned


def query_text(args: Mapping[str, Any], name: str) -> str | None:
    """A query parameter as storable text; None when absent or empty."""
    value = args.get(name)
    if not isinstance(value, str) or not value:
        return None
    return storable(value)


def query_int(
    args: Mapping[str, Any], name: str, *, default: int, minimum: int, maximum: int
) -> int:
    """A whole-number query parameter in ASCII digits within bounds, else UntrustedInput."""
    raw = args.get(name) or None
    if raw is None:
        return default
    try:
        return parse_int(raw, name=name, minimum=minimum, maximum=maximum)
    except UntrustedInput:
        # One message for every wrong value: the bounds are what the caller needs.
        raise UntrustedInput(f"{name} must be an integer from {minimum} to {maximum}") from None


def stored_id(value: int) -> bool:
    """Whether ``value`` can be the id of a row (positive, within 64 bits)."""
    return 1 <= value <= MAX_INT64


def timestamp(value: object, name: str = "timestamp") -> dt.datetime:
    """POSIX seconds or ISO 8601 (naive = UTC) as naive UTC, as the store keeps times."""
    parsed = parse_timestamp(value, name=name)
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)

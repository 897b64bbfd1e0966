"""Reading values that came from outside: request bodies, headers, ids, numbers, times.

Python's own parsers are not made for hostile input: ``json.loads`` raises
``RecursionError`` on deeply nested arrays, ``str.isdigit`` accepts "²" that
``int`` then refuses, ``int`` accepts "\\uff11\\uff12" (fullwidth) and numbers of any size, and
``datetime.fromtimestamp`` raises ``OverflowError`` or ``OSError`` out of range.
Each of those became a 500. Everything here raises :class:`UntrustedInput`
(a ``ValueError``) instead, with a message fit to show the client, so each
surface turns it into its own 400.

Why not a library: the checks are a few lines each around the standard
library, and pydantic (which Rasa ships) would still need every one of them
spelled out as validators.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any

# Deeper than any document our callers send (Meta's webhook nests about 6
# levels, Telegram's updates 5, our own API 4).
MAX_JSON_DEPTH = 32
# The largest value a signed 64-bit database column holds.
MAX_INT64 = 2**63 - 1
# Unix times our services accept: 2000-01-01 to 2100-01-01.
MIN_TIMESTAMP = 946_684_800.0
MAX_TIMESTAMP = 4_102_444_800.0


class UntrustedInput(ValueError):
    """A value from outside that we refuse; ``str()`` is safe to show the client."""


def parse_json(body: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises only :class:`UntrustedInput`, nesting at most ``max_depth``."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise UntrustedInput(f"the JSON is nested more than {max_depth} levels deep") from None
    except (ValueError, TypeError) as error:  # UnicodeDecodeError is a ValueError
        raise UntrustedInput("the body is not valid JSON") from error
    if json_depth(value) > max_depth:
        raise UntrustedInput(f"the JSON is nested more than {max_depth} levels deep")
    return value


def parse_object(body: bytes | str, fields: Collection[str], shape: str) -> dict[str, Any]:
    """A JSON object of no other keys than ``fields``; UntrustedInput otherwise, its
    message ending with ``shape`` (what the body should look like) where that helps."""
    data = parse_json(body)
    if not isinstance(data, dict):
        raise UntrustedInput(shape)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise UntrustedInput(f"unknown field(s): {', '.join(unknown)}; {shape}")
    return data


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children)
    return deepest


def parse_int(
    value: object, *, name: str = "value", minimum: int = 0, maximum: int = MAX_INT64
) -> int:
    """An integer given as a JSON number or a string of ASCII digits, within bounds.

    Booleans, floats and Unicode digits ("²", "\\uff11\\uff12" (fullwidth)) are refused, and so is
    anything past ``maximum`` (a signed 64-bit column by default).
    """
    if isinstance(value, bool):
        raise UntrustedInput(f"{name} must be a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
            raise UntrustedInput(f"{name} must be a whole number")
        number = int(text)
    else:
        raise UntrustedInput(f"{name} must be a whole number")
    if not minimum <= number <= maximum:
        raise UntrustedInput(f"{name} must be between {minimum} and {maximum}")
    return number


def parse_timestamp(value: object, *, name: str = "timestamp") -> datetime:
    """An aware UTC datetime from a Unix time or an ISO 8601 string, between 2000 and 2100."""
    if isinstance(value, bool):
        raise UntrustedInput(f"{name} must be a Unix time or an ISO 8601 date and time")
    if isinstance(value, (int, float)):
        seconds = float(value)
        if not MIN_TIMESTAMP <= seconds <= MAX_TIMESTAMP:  # NaN fails both
            raise UntrustedInput(f"{name} is out of range")
        return datetime.fromtimestamp(seconds, timezone.utc)
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UntrustedInput(
                f"{name} must be a Unix time or an ISO 8601 date and time"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        if not MIN_TIMESTAMP <= parsed.timestamp() <= MAX_TIMESTAMP:
            raise UntrustedInput(f"{name} is out of range")
        return parsed.astimezone(timezone.utc)
    raise UntrustedInput(f"{name} must be a Unix time or an ISO 8601 date and time")


def header_bytes(value: str | None) -> bytes | None:
    """A header's raw bytes, for constant-time comparison with a secret.

    Sanic decodes header values with ``surrogateescape``, so a non-ASCII byte
    arrives as a lone surrogate that a plain ``.encode()`` refuses (a 500);
    this gives the bytes that were sent.
    """
    if value is None:
        return None
    return value.encode("utf-8", "surrogateescape")

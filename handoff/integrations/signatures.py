"""Signing what the adapters send, and checking what contact centers send us.

Two schemes, both HMAC-SHA256 over a timestamp and the raw body, so that a
captured request cannot be replayed later (the timestamp must be within
:data:`TOLERANCE_S` of our clock) nor altered:

- ours (generic webhook, both directions)::

      X-Handoff-Timestamp: <POSIX seconds>
      X-Handoff-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

  The header may carry several comma-separated ``v1=`` values (a sender that
  rotates its secret signs with both); one matching is enough.
- Zendesk's webhooks::

      X-Zendesk-Webhook-Signature-Timestamp: 2021-03-25T05:09:27Z
      X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256(secret, "<timestamp><raw body>")>

Comparisons are constant-time (``hmac.compare_digest``). The standard
library does all of it; no webhook library covers both schemes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from plumbing.untrusted import UntrustedInput, header_bytes, parse_int, parse_timestamp

TOLERANCE_S = 300.0

TIMESTAMP_HEADER = "X-Handoff-Timestamp"
SIGNATURE_HEADER = "X-Handoff-Signature"
EVENT_ID_HEADER = "X-Handoff-Event-Id"
EVENT_TYPE_HEADER = "X-Handoff-Event-Type"
SIGNATURE_VERSION = "v1"

ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


class SignatureError(Exception):
    """The request is not signed, is signed wrongly, or too long ago (answered 401)."""


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Handoff-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = _hmac(secret, timestamp.encode("ascii") + b"." + body).hex()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Timestamp and signature headers for ``body``, signed now."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def _check_age(sent_at: float, now: float | None) -> None:
    if abs((time.time() if now is None else now) - sent_at) > TOLERANCE_S:
        raise SignatureError("the timestamp is too old or in the future")


def verify(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> None:
    """Check our scheme; SignatureError says what is wrong."""
    if not timestamp or not signature:
        raise SignatureError(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required")
    timestamp = timestamp.strip()
    try:
        # ASCII digits within 64 bits: "²" passes isdigit() and fails int(),
        # and a thousand digits would not fit a float for the age check.
        sent_at = parse_int(timestamp, name=TIMESTAMP_HEADER)
    except UntrustedInput:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be POSIX seconds") from None
    _check_age(sent_at, now)
    expected = sign(secret, timestamp, body).encode("ascii")
    # As the bytes sent (Sanic hands non-ASCII header bytes over as lone
    # surrogates, which a plain encode() refuses).
    sent = header_bytes(signature) or b""
    # Each candidate is compared in full, even after a match: timing then
    # says nothing about which one matched.
    valid = False
    for candidate in sent.split(b","):
        valid |= hmac.compare_digest(expected, candidate.strip().lower())
    if not valid:
        raise SignatureError("the signature does not match")


def zendesk_sign(secret: str, timestamp: str, body: bytes) -> str:
    """What Zendesk puts in ``X-Zendesk-Webhook-Signature``."""
    return base64.b64encode(_hmac(secret, timestamp.encode("utf-8") + body)).decode("ascii")


def _zendesk_time(timestamp: str) -> float:
    if not timestamp.isascii():
        raise SignatureError(f"{ZENDESK_TIMESTAMP_HEADER} must be an ISO 8601 time")
    try:
        # In range (2000-2100): year 1 in a time zone east of UTC overflows.
        return parse_timestamp(timestamp, name=ZENDESK_TIMESTAMP_HEADER).timestamp()
    except UntrustedInput:
        raise SignatureError(f"{ZENDESK_TIMESTAMP_HEADER} must be an ISO 8601 time") from None


def zendesk_verify(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> None:
    """Check a Zendesk webhook's signature; SignatureError says what is wrong."""
    if not timestamp or not signature:
        raise SignatureError(
            f"{ZENDESK_TIMESTAMP_HEADER} and {ZENDESK_SIGNATURE_HEADER} are required"
        )
    _check_age(_zendesk_time(timestamp), now)
    expected = zendesk_sign(secret, timestamp, body).encode("ascii")
    if not hmac.compare_digest(expected, (header_bytes(signature) or b"").strip()):
        raise SignatureError("the signature does not match")

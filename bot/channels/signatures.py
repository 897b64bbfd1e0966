"""Authentication of inbound webhook requests, checked before anything is parsed.

Every comparison of a secret is constant-time (``hmac.compare_digest``), so
that response timing reveals nothing about how much of a forgery was right.
Headers are compared as the bytes that were sent (``header_bytes``): Sanic
hands a non-ASCII byte over as a lone surrogate, which ``str.encode`` refuses,
and that refusal used to answer a forged header with a 500 instead of a 403.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from plumbing.untrusted import header_bytes

META_SIGNATURE_PREFIX = b"sha256="


def twilio_signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Twilio's ``X-Twilio-Signature``: HMAC-SHA1 over the URL it called and the POST params.

    ``url`` must be the public URL Twilio requested (scheme, host, port, path
    and query string), not the one the server sees behind a proxy.
    """
    if not signature or not auth_token:
        return False
    try:
        return bool(RequestValidator(auth_token).validate(url, dict(params), signature))
    except ValueError:
        # The SDK parses the URL's port (ValueError past 65535 or not a
        # number, from a Host header when PUBLIC_URL is unset) and encodes the
        # URL as UTF-8 (UnicodeEncodeError, a ValueError, on a lone
        # surrogate): Twilio signed no such URL.
        return False


def meta_signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Meta's ``X-Hub-Signature-256``: ``sha256=`` + HMAC-SHA256 of the raw body."""
    received = header_bytes(header)
    if not received or not app_secret or not received.startswith(META_SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest().encode()
    # As bytes: compare_digest raises TypeError on str with non-ASCII
    # characters; bytes.lower() changes ASCII letters only.
    return hmac.compare_digest(expected, received[len(META_SIGNATURE_PREFIX) :].lower())


def secret_token_valid(expected: str, received: str | None) -> bool:
    """Telegram's ``X-Telegram-Bot-Api-Secret-Token`` (and Meta's verify token)."""
    received_bytes = header_bytes(received)
    if not expected or received_bytes is None:
        return False
    return hmac.compare_digest(expected.encode(), received_bytes)

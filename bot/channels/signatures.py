"""Authentication of inbound webhook requests, checked before anything is parsed.

Every comparison of a secret is constant-time (``hmac.compare_digest``), so
that response timing reveals nothing about how much of a forgery was right.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

META_SIGNATURE_PREFIX = "sha256="


def twilio_signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Twilio's ``X-Twilio-Signature``: HMAC-SHA1 over the URL it called and the POST params.

    ``url`` must be the public URL Twilio requested (scheme, host, port, path
    and query string), not the one the server sees behind a proxy.
    """
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def meta_signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Meta's ``X-Hub-Signature-256``: ``sha256=`` + HMAC-SHA256 of the raw body."""
    if not header or not app_secret or not header.startswith(META_SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    received = header[len(META_SIGNATURE_PREFIX) :].lower()
    # As bytes: compare_digest raises TypeError on str with non-ASCII characters.
    return hmac.compare_digest(expected.encode(), received.encode())


def secret_token_valid(expected: str, received: str | None) -> bool:
    """Telegram's ``X-Telegram-Bot-Api-Secret-Token`` (and Meta's verify token)."""
    if not expected or received is None:
        return False
    return hmac.compare_digest(expected.encode(), received.encode())

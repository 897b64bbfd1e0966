"""Keeping secrets out of httpx's log lines: :func:`hide_in_http_logs`.

httpx logs every request URL at INFO, and secrets travel in URLs: Telegram's
bot token is part of every Bot API path, Meta's page access token is a query
parameter, and so is the token of Rasa's HTTP API (``?token=``), which the
handoff service calls. Raising httpx's log level would hide the secrets but
also the useful line; a filter replaces just the secrets.

Here rather than in one process's package because every process that calls
out with httpx needs it: the Rasa server's channels and the handoff service.

The secrets registered here are also replaced in every other log line once
the service has called plumbing.log_masking.install_log_masking (an
exception's message or traceback may quote a URL too): :func:`mask_secrets`.
"""

from __future__ import annotations

import logging

REDACTED = "[redacted]"


def redact(text: str, secret: str) -> str:
    return text.replace(secret, REDACTED) if secret else text


def mask_secrets(text: str) -> str:
    """``text`` with every secret registered by :func:`hide_in_http_logs` replaced."""
    for secret in _secret_filter.secrets:
        text = redact(text, secret)
    return text


class _SecretFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = mask_secrets(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_secret_filter = _SecretFilter()


def hide_in_http_logs(secret: str) -> None:
    """Replace ``secret`` wherever it appears in httpx's log lines (idempotent)."""
    if not secret:
        return
    _secret_filter.secrets.add(secret)
    http_logger = logging.getLogger("httpx")
    if _secret_filter not in http_logger.filters:
        http_logger.addFilter(_secret_filter)

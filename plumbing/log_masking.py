"""Phone numbers and secrets out of every log line: :func:`install_log_masking`.

Each service calls it once at start-up. From then on every log record, of
any logger (ours, Rasa's, Sanic's, httpx's), leaves its creation with its
message formatted and masked: phone-number-like strings are cut to their
last two digits (plumbing.redaction.mask_phone_numbers) and the secrets
registered with plumbing.http_logs.hide_in_http_logs (bot tokens, API
tokens) and the passwords in URLs (``postgresql://user:[redacted]@db``) are
replaced, in the message and in a traceback's text alike. A
Telegram API error's traceback names the URL, and the URL holds the token.

Why a record factory rather than a logging.Filter: a filter on a logger
sees only that logger's own records, not its children's, and a filter on
a handler must be added to every handler of every library, some of which
(Rasa's, Sanic's) are installed after our start-up code and do not
propagate. The factory is called once per record that a logger lets
through, before any handler sees it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from plumbing.http_logs import hide_in_http_logs, mask_secrets
from plumbing.redaction import mask_phone_numbers

_MARK = "_masked_by_plumbing"
# The password of a URL's user info (a database or broker URL in an error
# message): matched from the "://", so each attempt starts at one.
_URL_PASSWORD = re.compile(r"://([^/\s:@]+):[^/\s@]+@")


def mask(text: str) -> str:
    """A log line's text with its phone numbers, URL passwords and registered secrets masked."""
    return mask_phone_numbers(_URL_PASSWORD.sub(r"://\1:[redacted]@", mask_secrets(text)))


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message (and traceback text) masked, formatted in place."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        # A record whose arguments do not fit its format: logging reports it
        # when a handler formats it; masked or not is then beside the point.
        return record
    masked = mask(message)
    if masked != message or record.args:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = mask(record.exc_text)
    return record


def install_log_masking(secrets: Iterable[str] = ()) -> None:
    """Mask every log record from now on (idempotent), ``secrets`` among what is masked.

    A service passes the secrets it knows at start-up (tokens from its
    settings); clients made later register theirs with hide_in_http_logs.
    """
    for secret in secrets:
        hide_in_http_logs(secret)
    factory = logging.getLogRecordFactory()
    if getattr(factory, _MARK, False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(factory(*args, **kwargs))

    setattr(masked_record, _MARK, True)
    logging.setLogRecordFactory(masked_record)

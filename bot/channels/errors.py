"""The channels' exceptions: one root, and the one way a webhook answers them.

Exceptions (the status a webhook answers with; where a class lives elsewhere, its module)::

    ChannelError                  500  the root: whatever our Rasa-side code raises on purpose
    ├── WebhookRefused            4xx  a webhook request refused; the message is for the caller
    │   ├── ChannelDisabled       503  the channel's settings are missing on this server
    │   ├── BodyTooLarge          413  a body larger than the webhook reads
    │   ├── InvalidSignature      403  forged or missing signature (or Messenger's verify
    │   │                              token): nothing reaches the bot
    │   └── MalformedRequest      400  not what the platform documents
    │       └── RestRequestError  400  bot.channels.rest: a body the REST channel refuses
    ├── DeliveryRefused           4xx  bot.channels.internal: the delivery route's own refusals
    ├── UnknownChannel                 bot.channels.outbound: no output for that channel
    └── SendError                      bot.channels.delivery: a message could not be delivered
        ├── PermanentSendError         the API refused it: retrying cannot help
        │   └── OptedOut               bot.channels.sms: the number opted out
        └── RetryableSendError         rate limited, or the API failed

Every channel route answers a ChannelError with :func:`error_response`:
``{"error": public_message}`` and the class's ``http_status``, the statuses
the README documents (forged: 403, malformed: 400, too large: 413; the
platforms act on the status alone). The webhooks raise the WebhookRefused
ones and answer them in ``receive`` (bot.channels.inbox, bot.channels.rest);
the channels' blueprints also register :func:`error_response` for any
ChannelError raised deeper under their routes, or by another route of
theirs (Messenger's GET handshake raises its 503 and 403).

Sending errors are not webhook answers: they are handled where the message
was sent (logged in a Rasa turn, mapped to the internal route's own answers
by bot.channels.internal), so a SendError or UnknownChannel that escaped to
a webhook would be a 500 that says nothing of it. The internal route answers
in its own shape, ``{"error": kind, "detail"}``, with its own handler
(bot.channels.internal.delivery_error_response), which the handoff service
reads.

An exception that is no ChannelError reaches Sanic's default handler, as on
Rasa's own routes: a 500 that names neither the error nor the request
(Rasa never runs Sanic in debug mode, which would show the traceback), JSON
unless the caller asks for HTML or plain text; the platforms retry a 5xx.

``str(error)`` is for the log; only WebhookRefused shows its message to the
caller (``MalformedRequest`` as ``"malformed request: ..."``), and
DeliveryRefused to the handoff service.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from rasa.core.lock_store import LockError
from redis.exceptions import ConnectionError as RedisConnectionError
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

# What fails a bot's turn for a moment, before anything of it was kept: a
# store's database or Redis down, the conversation's lock held by a turn that
# is still running (bot.stores.no_fallback lets these reach the channels).
# Sending the message again may work.
TRANSIENT_TURN_FAILURES = (DBAPIError, RedisConnectionError, LockError)

INTERNAL_ERROR = "internal error; see the Rasa server's log"


class ChannelError(Exception):
    """Root of the channels' own errors: a status and what the caller is told."""

    http_status: ClassVar[int] = 500

    @property
    def public_message(self) -> str:
        """What the caller reads: by default nothing of ``str(self)``."""
        return INTERNAL_ERROR


class WebhookRefused(ChannelError):
    """A webhook request refused; the message says why, to the platform (no personal data)."""

    http_status: ClassVar[int] = 400

    @property
    def public_message(self) -> str:
        return str(self)


class ChannelDisabled(WebhookRefused):
    http_status: ClassVar[int] = 503

    def __init__(self, message: str = "channel not configured") -> None:
        super().__init__(message)


class BodyTooLarge(WebhookRefused):
    http_status: ClassVar[int] = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class InvalidSignature(WebhookRefused):
    http_status: ClassVar[int] = 403

    def __init__(self, message: str = "invalid signature") -> None:
        super().__init__(message)


class MalformedRequest(WebhookRefused):
    """The body is not what the platform documents; answered with 400."""

    http_status: ClassVar[int] = 400

    @property
    def public_message(self) -> str:
        return f"malformed request: {self}"


def error_response(request: Request | None, error: ChannelError) -> HTTPResponse:
    """The answer of every channel route to a ChannelError (a Sanic error handler, too)."""
    if error.http_status >= 500 and not isinstance(error, WebhookRefused):
        path = request.path if request is not None else "?"
        logger.error("%s (%s)", error, path, exc_info=error)
    return response.json({"error": error.public_message}, status=error.http_status)

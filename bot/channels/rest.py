"""The REST channel: POST /webhooks/rest/webhook, answered with the bot's replies.

Rasa's own ``rest`` channel (the same name, URL, request and response, so
``make shell``, the README's curl and the tests work unchanged), with the
checks it lacks. Rasa's reads ``request.json`` unchecked, so that a deeply
nested body was a 500, a 100,000-character message held the server for
minutes, and a missing or non-string sender or message went to the bot as
they were. Here:

- a body over ``MAX_WEBHOOK_BODY_BYTES`` is refused (413), and the body is
  parsed with ``plumbing.untrusted.parse_json`` (400 if not JSON, or nested
  too deep);
- ``sender`` must be a string of 1 to ``SENDER_LIMIT`` printable characters,
  and not shaped like another channel's id (400, see ``sender_error``);
- ``message`` must be a string (400); one longer than
  ``CHANNELS_MAX_MESSAGE_CHARS`` (default 4096) is cut to it, and the
  UserMessage's metadata says how long it was (``truncated_from``);
- ``input_channel`` and ``metadata`` in the body are ignored. The actions
  identify a customer by the conversation's channel and sender id, so a
  client claiming ``"input_channel": "sms"`` with a customer's phone number
  as its sender would have been taken for that customer; and metadata is
  what the channels themselves say (a client could claim ``truncated_from``).

The response is Rasa's: a JSON list of the bot's messages, or with
``?stream=true`` one JSON object per line as they are sent. A turn that
failed kept nothing of the message, so it is not answered 200 with what the
bot had said so far, as Rasa's channel did: a store or lock that failed for
a moment is a 503 with ``Retry-After`` (send it again), anything else a 500.

Everything in a request is trusted as it is: whoever can post here can speak
as any ``sender``. Expose this channel only behind a front end that
authenticates its users and chooses the sender for them (see the README).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import rasa.core.channels.rest
import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.errors import (
    INTERNAL_ERROR,
    TRANSIENT_TURN_FAILURES,
    BodyTooLarge,
    ChannelError,
    MalformedRequest,
    WebhookRefused,
    error_response,
)
from bot.channels.metrics import MeasuredTurns, received
from bot.channels.settings import MAX_WEBHOOK_BODY_BYTES, ChannelSettings
from bot.channels.text import TRUNCATED_FROM, cap_text
from plumbing.untrusted import UntrustedInput, parse_json

logger = logging.getLogger(__name__)

CHANNEL = "rest"

RETRY_AFTER_S = 1


def turn_failed(error: Exception) -> HTTPResponse:
    """A failed turn, which saved nothing: 503 when sending again may work, else 500."""
    if isinstance(error, TRANSIENT_TURN_FAILURES):
        return response.json(
            {"error": "the bot could not take the message now; send it again"},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    return response.json({"error": INTERNAL_ERROR}, status=500)


# Rasa's tracker stores key conversations by sender id (255 characters in its
# SQL store); 128 is the channels' inbox column, and more than any front end's
# user id needs.
SENDER_LIMIT = 128
BODY_SHAPE = 'the body must be a JSON object: {"sender": "...", "message": "..."}'


class RestRequestError(MalformedRequest):
    """A body the channel refuses (400); the client reads ``str()`` as it is."""

    @property
    def public_message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class RestMessage:
    sender_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def truncated_from(self) -> int | None:
        original = self.metadata.get(TRUNCATED_FROM)
        return original if isinstance(original, int) else None


def sender_error(sender: object) -> str | None:
    """Why ``sender`` cannot be a REST conversation's id, or None if it can.

    All digits (a Telegram chat id, negative for groups; a Messenger page-scoped
    id) or "+" and digits (an SMS phone number) is refused: conversations are
    keyed by sender id alone, so such a sender would write into, and read the
    bot's memory of, another channel's conversation with a customer.
    """
    if not isinstance(sender, str):
        return "sender must be a string"
    if not sender.strip() or len(sender) > SENDER_LIMIT:
        return f"sender must be 1 to {SENDER_LIMIT} characters long"
    if not sender.isprintable():
        return "sender must not contain control characters or line breaks"
    digits = sender.lstrip("+-")
    if digits and digits.isascii() and digits.isdigit():
        return (
            "sender must not be a number or a phone number: those are the ids of "
            "SMS, Telegram and Messenger conversations"
        )
    return None


def read_body(body: bytes, max_chars: int) -> RestMessage:
    """The message in a REST request's body; raises RestRequestError."""
    try:
        data = parse_json(body)
    except UntrustedInput as error:
        raise RestRequestError(str(error)) from None
    if not isinstance(data, dict):
        raise RestRequestError(BODY_SHAPE)
    sender = data.get("sender")
    problem = sender_error(sender)
    if problem is not None:
        raise RestRequestError(problem)
    assert isinstance(sender, str)  # sender_error checked it; for mypy
    text = data.get("message")
    if not isinstance(text, str):
        raise RestRequestError("message must be a string")
    text, original = cap_text(text, max_chars)
    metadata: dict[str, Any] = {"channel": CHANNEL}
    if original is not None:
        metadata[TRUNCATED_FROM] = original
    return RestMessage(sender, text, metadata)


class RestInput(rasa.core.channels.rest.RestInput):
    """Rasa's REST channel, reading only what it has checked (the module docstring)."""

    def __init__(self, settings: ChannelSettings | None = None) -> None:
        self.settings = settings if settings is not None else ChannelSettings()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        # credentials.yml only names the channel; settings come from the environment.
        return cls(ChannelSettings.from_env())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint(f"{CHANNEL}_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # Counted and timed from the request's arrival (bot.channels.metrics).
        turns = MeasuredTurns()
        measured = turns.wrap(on_new_message)
        turns.bind(blueprint)

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            with received():
                return await self.receive(request, measured)

        # A ChannelError raised anywhere under these routes answers as documented.
        blueprint.exception(ChannelError)(error_response)
        return blueprint

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse | ResponseStream:
        try:
            if len(request.body) > MAX_WEBHOOK_BODY_BYTES:
                raise BodyTooLarge(MAX_WEBHOOK_BODY_BYTES)
            message = read_body(request.body, self.settings.max_message_chars)
        except WebhookRefused as refused:
            return error_response(request, refused)
        if message.truncated_from is not None:
            # The lengths only: message text stays out of the logs.
            logger.info(
                "rest: a message of %d characters was cut to %d",
                message.truncated_from,
                self.settings.max_message_chars,
            )
        if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
            return response.stream(
                self.stream_response(
                    on_new_message, message.text, message.sender_id, CHANNEL, message.metadata
                ),
                content_type="text/event-stream",
            )
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    message.text,
                    collector,
                    message.sender_id,
                    input_channel=CHANNEL,
                    metadata=message.metadata,
                )
            )
        except Exception as error:
            # Logged without the text (Rasa's logs it). Rasa's channel answered
            # 200 with what the bot had said before the failure: the client
            # took the message for handled, though the turn was not kept.
            logger.exception("rest: the bot's turn failed")
            return turn_failed(error)
        return response.json(collector.messages)

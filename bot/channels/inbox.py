"""From an authenticated webhook to a Rasa turn: accept, acknowledge, process once, in order.

Every channel's webhook does the same few things, in this order:

1. authenticate the request (403 if forged) and parse it (400 if malformed);
2. write each delivery to the inbox; a delivery already there is a retry by
   the platform and is dropped, so a retry never makes a second bot turn;
3. acknowledge at once (the platforms retry when we are slow);
4. process the deliveries in the background, one conversation's messages
   in the order they arrived, and mark each processed.

A delivery whose processing failed stays unprocessed in the inbox and is
processed again when the server next starts, so an acknowledged message is
never silently lost.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore, InboxItem

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class MalformedRequest(Exception):
    """The body is not what the platform documents; answered with 400."""


@dataclass(frozen=True)
class Delivery:
    """One customer message (or event) taken from a webhook body."""

    delivery_id: str  # the platform's id: MessageSid, message mid, update_id
    sender_id: str  # E.164 phone number, Telegram chat id, page-scoped id
    # What to process: {"text": ...} for text the bot should read, or
    # {"kind": "photo"} and the like for input it cannot; plus "metadata".
    message: dict[str, Any] = field(default_factory=dict)


class SenderQueues:
    """Runs each sender's jobs one after another, different senders concurrently."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}

    def submit(self, sender_id: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        previous = self._tails.get(sender_id)

        async def run_after_previous() -> None:
            if previous is not None:
                # Jobs handle their own errors; waiting is only for order.
                await asyncio.wait([previous])
            await job()

        task = asyncio.get_running_loop().create_task(run_after_previous())
        self._tails[sender_id] = task
        task.add_done_callback(lambda t: self._forget(sender_id, t))

    def _forget(self, sender_id: str, task: asyncio.Task[None]) -> None:
        if self._tails.get(sender_id) is task:
            del self._tails[sender_id]

    async def drain(self) -> None:
        """Wait for every job submitted so far."""
        while self._tails:
            await asyncio.wait(list(self._tails.values()))


class WebhookChannel(InputChannel, ABC):
    """Base of our channels: settings, store and the inbox pipeline above."""

    channel_name: ClassVar[str]

    def __init__(self, settings: ChannelSettings, store: ChannelStore | None = None) -> None:
        self.settings = settings
        self._store = store
        self._queues = SenderQueues()
        missing = self.missing_settings()
        self.enabled = not missing
        if missing:
            logger.warning(
                "%s channel disabled: set %s to enable it", self.channel_name, ", ".join(missing)
            )

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebhookChannel:
        # credentials.yml only names the channel; settings come from the environment.
        return cls(ChannelSettings.from_env())

    @property
    def store(self) -> ChannelStore:
        # Created on first use, not at import or configuration time.
        if self._store is None:
            self._store = ChannelStore(self.settings.database_url)
        return self._store

    # -- what each channel provides ------------------------------------------------

    @abstractmethod
    def missing_settings(self) -> list[str]:
        """Environment variables the channel needs and does not have."""

    @abstractmethod
    def authenticate(self, request: Request) -> bool:
        """Whether the request really comes from the platform (before parsing)."""

    @abstractmethod
    def parse(self, request: Request) -> list[Delivery]:
        """The deliveries in an authenticated request; raises MalformedRequest."""

    @abstractmethod
    async def process(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        """Handle one accepted delivery: usually a Rasa turn, sometimes a direct reply."""

    @abstractmethod
    def get_output_channel(self) -> OutputChannel: ...

    def acknowledge(self, request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    def extra_routes(self, blueprint: Blueprint) -> None:
        """Routes besides POST /webhook (Messenger's verification handshake)."""

    async def close(self) -> None:
        """Release clients when the server stops."""

    # -- the pipeline --------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint(f"{self.channel_name}_webhook")

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.json({"error": "channel not configured"}, status=503)
            if not self.authenticate(request):
                return response.json({"error": "invalid signature"}, status=403)
            try:
                deliveries = self.parse(request)
            except MalformedRequest as error:
                return response.json({"error": f"malformed request: {error}"}, status=400)
            await self.accept(deliveries, on_new_message)
            return self.acknowledge(request)

        self.extra_routes(blueprint)

        @blueprint.listener("after_server_start")
        async def recover(app: Any, loop: Any) -> None:
            if self.enabled:
                # Creating the store creates its tables: done here, off the
                # event loop, rather than inside the first webhook request.
                await asyncio.to_thread(lambda: self.store)
                await self.recover(on_new_message)

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self._queues.drain()
            await self.close()

        return blueprint

    async def accept(self, deliveries: list[Delivery], on_new_message: OnNewMessage) -> None:
        for delivery in deliveries:
            item = await self.store.accept(
                self.channel_name, delivery.delivery_id, delivery.sender_id, delivery.message
            )
            if item is None:
                logger.debug("%s: delivery %s seen before", self.channel_name, delivery.delivery_id)
                continue
            self._submit(item, on_new_message)

    async def recover(self, on_new_message: OnNewMessage) -> None:
        pending = await self.store.unprocessed(self.channel_name)
        if pending:
            logger.info(
                "%s: processing %d deliveries left from before", self.channel_name, len(pending)
            )
        for item in pending:
            self._submit(item, on_new_message)

    def _submit(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        async def job() -> None:
            try:
                await self.process(item, on_new_message)
            except Exception:
                logger.exception(
                    "%s: delivery %s failed; it stays in the inbox for the next start",
                    self.channel_name,
                    item.delivery_id,
                )
                return
            await self.store.mark_processed(item.id)

        self._queues.submit(item.sender_id, job)

    def user_message(
        self, item: InboxItem, text: str, output_channel: OutputChannel | None = None
    ) -> UserMessage:
        metadata = {"channel": self.channel_name, **item.message.get("metadata", {})}
        return UserMessage(
            text=text,
            output_channel=output_channel or self.get_output_channel(),
            sender_id=item.sender_id,
            input_channel=self.channel_name,
            message_id=f"{self.channel_name}-{item.delivery_id}",
            metadata=metadata,
        )

"""From an authenticated webhook to a Rasa turn: accept, acknowledge, process once, in order.

Every channel's webhook does the same few things, in this order:

1. refuse a body larger than the channel reads (413), authenticate the
   request (403 if forged) and parse it (400 if malformed): each refusal a
   WebhookRefused, answered by bot.channels.errors.error_response;
2. cut each message's text to the channel's cap (``truncated_from`` in its
   metadata says it was), then write the deliveries to the inbox in one
   transaction; a delivery already there is a retry by the platform and is
   dropped, so a retry never makes a second bot turn;
3. acknowledge at once (the platforms retry when we are slow);
4. process the deliveries in the background, one conversation's messages
   in the order they arrived, and mark each processed. In a channel that
   asks satisfaction surveys (``asks_surveys``), a message that answers the
   customer's pending survey is taken there, before Rasa
   (bot.channels.survey_answers), and marked processed the same way.

A delivery whose processing failed stays unprocessed in the inbox and is
processed again when the server next starts, so an acknowledged message is
never silently lost. One that failed for a moment (a store's database or
Redis down: ``TRANSIENT_TURN_FAILURES``) is first tried again after a few
seconds, up to three times.

A flood from one sender does not starve the others: each sender's
messages are processed at most at ``CHANNELS_RATE_PER_MINUTE`` after a
burst of ``CHANNELS_RATE_BURST`` (bot/channels/rate_limit.py). A message
over the limit is still stored and acknowledged (a platform that is not
answered retries for hours, and an SMS is a customer's words: dropping
it is not an option), then waits in the sender's queue, in order, until
the sender's bucket has a token. Only beyond
``CHANNELS_MAX_QUEUED_PER_SENDER`` messages waiting for one sender is a
new one refused: recorded in the inbox as processed without a turn, logged
at WARNING (without the sender), and the sender is told once, by
:data:`SLOW_DOWN_REPLY`, that messages are coming too fast. Waiting
messages cost a task each and no CPU; when the server stops they stop
waiting and stay in the inbox for the next start.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.errors import (
    TRANSIENT_TURN_FAILURES,
    BodyTooLarge,
    ChannelDisabled,
    ChannelError,
    InvalidSignature,
    MalformedRequest,
    WebhookRefused,
    error_response,
)
from bot.channels.rate_limit import SenderLimiter
from bot.channels.settings import MAX_WEBHOOK_BODY_BYTES, ChannelSettings
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.survey_answers import SurveyAnswers, answering_surveys
from bot.channels.text import TRUNCATED_FROM, cap_text
from plumbing.untrusted import UntrustedInput

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# A turn that failed for a moment (TRANSIENT_TURN_FAILURES: a store down,
# the conversation locked) is tried again after these pauses, the sender's
# later messages waiting behind it, before it is left for the next start.
RETRY_PAUSES_S = (1.0, 3.0, 10.0)

SLOW_DOWN_REPLY = (
    "You're sending messages very fast, so I can't keep up. I'll answer what I "
    "received in order; please wait for my replies before sending more."
)


@dataclass(frozen=True)
class InboxDelivery:
    """One customer message (or event) taken from a webhook body, for the inbox.

    What ``parse`` returns and ``accept`` stores (as a
    :class:`~bot.channels.store.InboxItem`): not to be confused with what the
    handoff service delivers to contact centers.
    """

    delivery_id: str  # the platform's id: MessageSid, message mid, update_id
    sender_id: str  # E.164 phone number, Telegram chat id, page-scoped id
    # What to process: {"text": ...} for text the bot should read, or
    # {"kind": "photo"} and the like for input it cannot; plus "metadata".
    message: dict[str, Any] = field(default_factory=dict)


def capped(delivery: InboxDelivery, limit: int) -> InboxDelivery:
    """``delivery`` with its text cut to ``limit`` characters, and the cut recorded."""
    text = delivery.message.get("text")
    if not isinstance(text, str):
        return delivery
    cut, original = cap_text(text, limit)
    if original is None:
        return delivery
    metadata = {**delivery.message.get("metadata", {}), TRUNCATED_FROM: original}
    return replace(delivery, message={**delivery.message, "text": cut, "metadata": metadata})


class SenderQueues:
    """Runs each sender's jobs one after another, different senders concurrently."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._pending: dict[str, int] = {}

    def pending(self, sender_id: str) -> int:
        """Jobs of ``sender_id`` submitted and not finished (the one running included)."""
        return self._pending.get(sender_id, 0)

    def submit(self, sender_id: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        previous = self._tails.get(sender_id)
        self._pending[sender_id] = self._pending.get(sender_id, 0) + 1

        async def run_after_previous() -> None:
            if previous is not None:
                # Jobs handle their own errors; waiting is only for order.
                await asyncio.wait([previous])
            await job()

        task = asyncio.get_running_loop().create_task(run_after_previous())
        self._tails[sender_id] = task
        task.add_done_callback(lambda t: self._forget(sender_id, t))

    def _forget(self, sender_id: str, task: asyncio.Task[None]) -> None:
        left = self._pending.get(sender_id, 1) - 1
        if left > 0:
            self._pending[sender_id] = left
        else:
            self._pending.pop(sender_id, None)
        if self._tails.get(sender_id) is task:
            del self._tails[sender_id]

    async def drain(self) -> None:
        """Wait for every job submitted so far."""
        while self._tails:
            await asyncio.wait(list(self._tails.values()))


class WebhookChannel(InputChannel, ABC):
    """Base of our channels: settings, store and the inbox pipeline above."""

    channel_name: ClassVar[str]
    # The longest text the platform delivers in one message; longer ones are
    # cut to it (or to CHANNELS_MAX_MESSAGE_CHARS if that is lower).
    text_limit: ClassVar[int | None] = None
    # Bodies beyond this are refused before the signature is computed over them.
    max_body_bytes: ClassVar[int] = MAX_WEBHOOK_BODY_BYTES
    # Whether the handoff service may ask this channel's customers surveys,
    # whose answers are then taken before they reach Rasa.
    asks_surveys: ClassVar[bool] = False

    def __init__(self, settings: ChannelSettings, store: ChannelStore | None = None) -> None:
        self.settings = settings
        self._store = store
        self._queues = SenderQueues()
        self._limiter = SenderLimiter(settings.rate_per_minute, settings.rate_burst)
        # Senders told to slow down, until their queue empties again.
        self._told_to_slow_down: set[str] = set()
        # Created in the server's loop, on first use; set when the server stops.
        self._stopping: asyncio.Event | None = None
        # Refusals being recorded and answered (kept: a task nobody holds may
        # be garbage-collected before it ran).
        self._refusals: set[asyncio.Task[None]] = set()
        self._app: Any = None  # the Sanic app, once started: Rasa's agent is app.ctx.agent
        self._survey_answers: SurveyAnswers | None = None
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
    def max_message_chars(self) -> int:
        """The longest customer text that reaches the bot; longer texts are cut."""
        configured = self.settings.max_message_chars
        return min(self.text_limit, configured) if self.text_limit else configured

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
    def parse(self, request: Request) -> list[InboxDelivery]:
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
            return await self.receive(request, on_new_message)

        self.extra_routes(blueprint)
        # A ChannelError raised anywhere under these routes answers as documented.
        blueprint.exception(ChannelError)(error_response)

        @blueprint.listener("before_server_start")
        async def remember_app(app: Any, loop: Any) -> None:
            self._app = app

        @blueprint.listener("after_server_start")
        async def recover(app: Any, loop: Any) -> None:
            self._stopping = None  # a server started again (tests) processes again
            if self.enabled:
                # Creating the store creates its tables: done here, off the
                # event loop, rather than inside the first webhook request.
                await asyncio.to_thread(lambda: self.store)
                await self.recover(on_new_message)

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            # Messages waiting for their sender's rate limit stop waiting
            # and stay in the inbox; those being processed finish.
            self._stop_event.set()
            await self._queues.drain()
            if self._refusals:
                # Their failures are logged by _refusal_done.
                await asyncio.wait(list(self._refusals))
            await self.close()

        return blueprint

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """The webhook: every step above up to the acknowledgement."""
        try:
            deliveries = self.admit(request)
        except WebhookRefused as refused:
            return error_response(request, refused)
        await self.accept(deliveries, on_new_message)
        return self.acknowledge(request)

    def admit(self, request: Request) -> list[InboxDelivery]:
        """Step 1: the deliveries of a request the channel accepts; WebhookRefused if none."""
        if not self.enabled:
            raise ChannelDisabled()
        if len(request.body) > self.max_body_bytes:
            # Warned: the platform retries, so a genuine delivery this large would
            # be refused again and again until it gives up.
            logger.warning(
                "%s: a body of %d bytes refused (the webhook reads at most %d)",
                self.channel_name,
                len(request.body),
                self.max_body_bytes,
            )
            raise BodyTooLarge(self.max_body_bytes)
        if not self.authenticate(request):
            raise InvalidSignature()
        return self.read(request)

    def read(self, request: Request) -> list[InboxDelivery]:
        """``parse``, with each text cut to the channel's cap; raises MalformedRequest."""
        limit = self.max_message_chars
        try:
            parsed = self.parse(request)
        except UntrustedInput as error:
            raise MalformedRequest(str(error)) from error
        deliveries = [capped(delivery, limit) for delivery in parsed]
        for delivery in deliveries:
            original = delivery.message.get("metadata", {}).get(TRUNCATED_FROM)
            if original is not None:
                # The length only: message text stays out of the logs.
                logger.info(
                    "%s: delivery %s cut from %d to %d characters",
                    self.channel_name,
                    delivery.delivery_id,
                    original,
                    limit,
                )
        return deliveries

    async def accept(self, deliveries: list[InboxDelivery], on_new_message: OnNewMessage) -> None:
        # One transaction for the whole request: a batch of a thousand
        # Messenger events took 14 s as a thousand commits (each an fsync).
        items = await self.store.accept_many(
            self.channel_name, [(d.delivery_id, d.sender_id, d.message) for d in deliveries]
        )
        for delivery, item in zip(deliveries, items, strict=True):
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
            # Not refused however many: each was within the limit when it came.
            self._submit(item, on_new_message, refuse_over_cap=False)

    @property
    def _stop_event(self) -> asyncio.Event:
        if self._stopping is None:
            self._stopping = asyncio.Event()
        return self._stopping

    def _submit(
        self, item: InboxItem, on_new_message: OnNewMessage, *, refuse_over_cap: bool = True
    ) -> None:
        sender = item.sender_id
        waiting = self._queues.pending(sender)
        if waiting == 0:
            self._told_to_slow_down.discard(sender)
        if refuse_over_cap and waiting >= self.settings.max_queued_per_sender:
            self._refuse(item)
            return

        async def job() -> None:
            if not await self._wait_for_turn(sender):
                return  # the server is stopping: it stays in the inbox
            for pause in (*RETRY_PAUSES_S, None):
                try:
                    await self.process(item, self._answering_surveys(on_new_message))
                    break
                except Exception as error:
                    transient = isinstance(error, TRANSIENT_TURN_FAILURES)
                    if transient and pause is not None and await self._pause(pause):
                        logger.warning(
                            "%s: delivery %s failed for a moment (%s); again in %.0f s",
                            self.channel_name,
                            item.delivery_id,
                            type(error).__name__,
                            pause,
                        )
                        continue
                    logger.exception(
                        "%s: delivery %s failed; it stays in the inbox for the next start",
                        self.channel_name,
                        item.delivery_id,
                    )
                    return
            await self.store.mark_processed(item.id)

        self._queues.submit(sender, job)

    def _answering_surveys(self, on_new_message: OnNewMessage) -> OnNewMessage:
        """``on_new_message``, taking survey answers first if the channel asks surveys."""
        if not self.asks_surveys:
            return on_new_message
        if self._survey_answers is None:
            self._survey_answers = SurveyAnswers(
                self.channel_name, self.store, self.settings, lambda: self._app
            )
        return answering_surveys(self._survey_answers, on_new_message)

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False at once if the server began stopping."""
        try:
            await asyncio.wait_for(self._stop_event.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return True
        return False

    async def _wait_for_turn(self, sender_id: str) -> bool:
        """Wait until the sender's rate limit lets its next message through; False if
        the server began stopping meanwhile."""
        stopping = self._stop_event
        while True:
            delay = self._limiter.take(sender_id)
            if delay <= 0:
                return True  # even when stopping: the queues drain what may go now
            if stopping.is_set():
                return False
            try:
                await asyncio.wait_for(stopping.wait(), timeout=delay)
            except asyncio.TimeoutError:
                continue

    def _refuse(self, item: InboxItem) -> None:
        """A message beyond the sender's queue cap: recorded as processed, not processed."""
        first = item.sender_id not in self._told_to_slow_down
        self._told_to_slow_down.add(item.sender_id)
        # One WARNING per flood, without the sender (a phone number on SMS);
        # the delivery id finds the row in the inbox.
        log = logger.warning if first else logger.debug
        log(
            "%s: a sender has %d messages waiting; delivery %s refused, not processed",
            self.channel_name,
            self._queues.pending(item.sender_id),
            item.delivery_id,
        )

        async def record_and_tell() -> None:
            await self.store.mark_processed(item.id)
            if first:
                await self.get_output_channel().send_text_message(item.sender_id, SLOW_DOWN_REPLY)

        task = asyncio.get_running_loop().create_task(record_and_tell())
        self._refusals.add(task)
        task.add_done_callback(self._refusal_done)

    def _refusal_done(self, task: asyncio.Task[None]) -> None:
        self._refusals.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "%s: recording a refused delivery or telling its sender failed",
                self.channel_name,
                exc_info=task.exception(),
            )

    def user_message(
        self, item: InboxItem, text: str, output_channel: OutputChannel | None = None
    ) -> UserMessage:
        metadata = {"channel": self.channel_name, **item.message.get("metadata", {})}
        # Cut here too: a delivery stored before the cap existed, or a text
        # the channel made from the delivery (a button's payload).
        text, original = cap_text(text, self.max_message_chars)
        if original is not None:
            metadata[TRUNCATED_FROM] = original
        return UserMessage(
            text=text,
            output_channel=output_channel or self.get_output_channel(),
            sender_id=item.sender_id,
            input_channel=self.channel_name,
            message_id=f"{self.channel_name}-{item.delivery_id}",
            metadata=metadata,
        )

"""How the load generator's customers talk to a system: its webhooks, signed, and the replies.

REST answers in the response. SMS, Telegram and Messenger are posted as the
platforms post them (signed with the suite's test credentials,
tests/fakes/credentials.py) and acknowledged at once; the bot's replies go
to the suite's fake platform APIs (tests/fakes/), which these subclasses
make report each reply's arrival to a ReplyTracker, so that a customer
waiting for its answer is woken when it arrives.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.credentials import (
    MESSENGER_APP_SECRET,
    PUBLIC_URL,
    TELEGRAM_SECRET_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
)
from tests.fakes.messenger import FakeGraph
from tests.fakes.server import Recorded, Reply
from tests.fakes.telegram import SEND_METHODS, FakeTelegram, parameters
from tests.fakes.twilio import MESSAGES_PATH, FakeTwilio, form_fields

CHANNELS = ("rest", "sms", "telegram", "messenger")
# A channel turn whose replies did not all arrive by then counts as an error.
REPLY_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 30.0
PAGE_ID = "1234567890"  # the Facebook page the customers write to


# -- replies reaching the fake platform APIs ---------------------------------------------------


class ReplyTracker:
    """When each recipient's replies reached a fake API; wakes the customer waiting for them.

    The fakes answer in their own threads; a waiting customer is woken on
    its event loop with ``call_soon_threadsafe``, not by polling.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrivals: dict[str, list[float]] = defaultdict(list)
        self._waiters: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}

    def note(self, recipient: str) -> None:
        now = time.perf_counter()
        with self._lock:
            self._arrivals[recipient].append(now)
            waiter = self._waiters.get(recipient)
        if waiter is not None:
            loop, event = waiter
            loop.call_soon_threadsafe(event.set)

    def arrivals(self, recipient: str) -> list[float]:
        with self._lock:
            return list(self._arrivals.get(recipient, ()))

    async def wait_for(self, recipient: str, count: int, timeout_s: float) -> list[float]:
        """The arrival times once there are ``count`` of them (fewer after ``timeout_s``)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        with self._lock:
            self._waiters[recipient] = (loop, event)
        deadline = loop.time() + timeout_s
        try:
            while True:
                event.clear()
                got = self.arrivals(recipient)
                remaining = deadline - loop.time()
                if len(got) >= count or remaining <= 0:
                    return got
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
        finally:
            with self._lock:
                self._waiters.pop(recipient, None)


class TrackedTwilio(FakeTwilio):
    def __init__(self, tracker: ReplyTracker) -> None:
        super().__init__()
        self.tracker = tracker

    def _reply_for(self, recorded: Recorded) -> Reply:
        reply = super()._reply_for(recorded)
        if reply.status == 201 and MESSAGES_PATH.fullmatch(recorded.path):
            self.tracker.note(form_fields(recorded).get("To", [""])[0])
        return reply


class TrackedTelegram(FakeTelegram):
    def __init__(self, tracker: ReplyTracker) -> None:
        super().__init__()
        self.tracker = tracker

    def _reply_for(self, recorded: Recorded) -> Reply:
        reply = super()._reply_for(recorded)
        if reply.status == 200 and recorded.path.rpartition("/")[2] in SEND_METHODS:
            self.tracker.note(str(parameters(recorded).get("chat_id")))
        return reply


class TrackedGraph(FakeGraph):
    def __init__(self, tracker: ReplyTracker) -> None:
        super().__init__()
        self.tracker = tracker

    def _reply_for(self, recorded: Recorded) -> Reply:
        reply = super()._reply_for(recorded)
        if reply.status == 200:
            try:
                body = recorded.json()
            except ValueError:
                return reply  # not a message: Graph accepts other calls too
            # Typing indicators and "seen" marks are not replies.
            if isinstance(body, dict) and "message" in body:
                self.tracker.note(str(body["recipient"]["id"]))
        return reply


@dataclass
class Fakes:
    tracker: ReplyTracker
    twilio: TrackedTwilio
    telegram: TrackedTelegram
    graph: TrackedGraph


@contextmanager
def fake_platforms() -> Iterator[Fakes]:
    tracker = ReplyTracker()
    fakes = Fakes(
        tracker,
        TrackedTwilio(tracker).start(),
        TrackedTelegram(tracker).start(),
        TrackedGraph(tracker).start(),
    )
    try:
        yield fakes
    finally:
        for fake in (fakes.twilio, fakes.telegram, fakes.graph):
            fake.stop()


def channel_variables(state: Path, fakes: Fakes) -> dict[str, str]:
    # Imported here: tests.conftest imports pytest, which `make bench` needs only then.
    from tests.conftest import channel_environment

    return channel_environment(state, fakes.twilio.url, fakes.telegram.url, fakes.graph.url)


# -- the channels, as a customer's client uses them --------------------------------------------


class ChannelFailed(Exception):
    """A message the system did not answer properly: counted as an error, not a latency."""


@dataclass
class Customer:
    key: str  # the sender id: REST sender, phone number, chat id, page-scoped id
    expected: int = 0  # replies a channel customer has been sent so far


@dataclass(frozen=True)
class Answer:
    first_ms: float
    last_ms: float
    replies: int


class Channel(Protocol):
    name: str

    def new_customer(self) -> Customer: ...

    async def say(
        self, client: httpx.AsyncClient, customer: Customer, text: str, expected: int
    ) -> Answer: ...


_ids = itertools.count(1)


class RestChannel:
    name = "rest"

    def new_customer(self) -> Customer:
        return Customer(uuid.uuid4().hex)

    async def say(
        self, client: httpx.AsyncClient, customer: Customer, text: str, expected: int
    ) -> Answer:
        start = time.perf_counter()
        response = await client.post(
            "/webhooks/rest/webhook", json={"sender": customer.key, "message": text}
        )
        if response.status_code != 200:
            raise ChannelFailed(f"REST answered {response.status_code}")
        elapsed = (time.perf_counter() - start) * 1000
        return Answer(elapsed, elapsed, len(response.json()))


class WebhookChannel:
    """A platform's webhook: acknowledged at once, the replies sent to the fake API later."""

    name = ""

    def __init__(self, tracker: ReplyTracker) -> None:
        self.tracker = tracker

    def request(self, customer: Customer, text: str) -> dict[str, Any]:
        raise NotImplementedError

    async def say(
        self, client: httpx.AsyncClient, customer: Customer, text: str, expected: int
    ) -> Answer:
        before = customer.expected
        start = time.perf_counter()
        response = await client.post(
            f"/webhooks/{self.name}/webhook", **self.request(customer, text)
        )
        if response.status_code != 200:
            raise ChannelFailed(f"{self.name} webhook answered {response.status_code}")
        if expected == 0:
            # The bot answers nothing (a handoff): the acknowledgement is all there is.
            elapsed = (time.perf_counter() - start) * 1000
            return Answer(elapsed, elapsed, 0)
        customer.expected = before + expected
        arrived = await self.tracker.wait_for(customer.key, customer.expected, REPLY_TIMEOUT_S)
        mine = arrived[before : before + expected]
        if len(mine) < expected:
            raise ChannelFailed(f"{self.name}: {len(mine)} of {expected} replies arrived")
        return Answer((mine[0] - start) * 1000, (mine[-1] - start) * 1000, expected)


class SmsChannel(WebhookChannel):
    name = "sms"

    def __init__(self, tracker: ReplyTracker) -> None:
        super().__init__(tracker)
        self.validator = RequestValidator(TWILIO_AUTH_TOKEN)

    def new_customer(self) -> Customer:
        return Customer(f"+1555{next(_ids):07d}")

    def request(self, customer: Customer, text: str) -> dict[str, Any]:
        params = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": customer.key,
            "To": TWILIO_FROM_NUMBER,
            "Body": text,
            "NumMedia": "0",
        }
        signature = self.validator.compute_signature(f"{PUBLIC_URL}/webhooks/sms/webhook", params)
        return {"data": params, "headers": {"X-Twilio-Signature": signature}}


class TelegramChannel(WebhookChannel):
    name = "telegram"

    def new_customer(self) -> Customer:
        return Customer(str(800_000_000 + next(_ids)))

    def request(self, customer: Customer, text: str) -> dict[str, Any]:
        update_id = next(_ids)
        chat_id = int(customer.key)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Bench"},
                "text": text,
            },
        }
        return {
            "json": update,
            "headers": {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET_TOKEN},
        }


class MessengerChannel(WebhookChannel):
    name = "messenger"

    def new_customer(self) -> Customer:
        # A page-scoped id is a number; the channel ignores any other sender.
        return Customer(str(7_000_000_000_000_000 + next(_ids)))

    def request(self, customer: Customer, text: str) -> dict[str, Any]:
        now = int(time.time() * 1000)
        body = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": PAGE_ID,
                        "time": now,
                        "messaging": [
                            {
                                "sender": {"id": customer.key},
                                "recipient": {"id": PAGE_ID},
                                "timestamp": now,
                                "message": {"mid": f"m_{uuid.uuid4().hex}", "text": text},
                            }
                        ],
                    }
                ],
            }
        ).encode()
        digest = hmac.new(MESSENGER_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}
        return {"content": body, "headers": headers}


def channel(name: str, tracker: ReplyTracker | None) -> Channel:
    if name == "rest":
        return RestChannel()
    assert tracker is not None, f"the {name} channel needs the fake platform APIs"
    kinds: dict[str, Callable[[ReplyTracker], Channel]] = {
        "sms": SmsChannel,
        "telegram": TelegramChannel,
        "messenger": MessengerChannel,
    }
    return kinds[name](tracker)


def client_for(url: str, concurrency: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        timeout=HTTP_TIMEOUT_S,
        limits=httpx.Limits(
            max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4
        ),
    )

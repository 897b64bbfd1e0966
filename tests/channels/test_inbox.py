"""bot.channels.inbox: authenticate, accept, acknowledge, then process once and in order.

The pipeline is exercised through a tiny channel defined here (``FakeChannel``:
a shared-secret header, a JSON list of messages), mounted the way Rasa mounts
input channels, on a real Sanic server on a free port. Starting and stopping
that server runs the blueprint's listeners: recovery of unprocessed deliveries
at start, draining of the queues at stop, so after ``stop()`` every accepted
delivery has been processed (or has failed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from sanic import Sanic
from sanic.request import Request
from sqlalchemy import select

from bot.channels.errors import MalformedRequest
from bot.channels.inbox import (
    InboxDelivery,
    OnNewMessage,
    SenderQueues,
    WebhookChannel,
)
from bot.channels.settings import ChannelSettings
from bot.channels.signatures import secret_token_valid
from bot.channels.store import ChannelStore, InboxItem, inbox
from bot.channels.text import TRUNCATED_FROM
from plumbing.untrusted import parse_json
from tests.live_server import LiveServer

SECRET = "fake-channel-secret"
SECRET_HEADER = "X-Fake-Secret"
WEBHOOK = "/webhooks/fake/webhook"


class FakeChannel(WebhookChannel):
    """The smallest real channel: a secret header, a body {"messages": [{id, from, text}]}."""

    channel_name = "fake"

    def __init__(
        self,
        settings: ChannelSettings,
        store: ChannelStore | None = None,
        *,
        secret: str = SECRET,
        failing: bool = False,
    ) -> None:
        self.secret = secret
        self.failing = failing
        self.parsed = 0
        super().__init__(settings, store)

    def missing_settings(self) -> list[str]:
        return [] if self.secret else ["FAKE_SECRET"]

    def authenticate(self, request: Request) -> bool:
        return secret_token_valid(self.secret, request.headers.get(SECRET_HEADER))

    def parse(self, request: Request) -> list[InboxDelivery]:
        self.parsed += 1
        try:
            body = json.loads(request.body)
            return [
                InboxDelivery(m["id"], m["from"], {"text": m["text"], "metadata": {"via": "fake"}})
                for m in body["messages"]
            ]
        except (ValueError, TypeError, KeyError) as error:
            raise MalformedRequest(f"{type(error).__name__}: {error}") from error

    async def process(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        if self.failing:
            raise RuntimeError("the bot is down")
        await on_new_message(self.user_message(item, item.message["text"]))

    def get_output_channel(self) -> OutputChannel:
        return CollectingOutputChannel()


class RecordingBot:
    """Rasa's on_new_message: records each UserMessage; can be made slow for one sender."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.delays: dict[str, float] = {}
        self.gate: asyncio.Event | None = None  # when set, each turn waits for it to open
        self.failures: list[Exception] = []  # raised by the next turns, one each

    async def __call__(self, message: UserMessage) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        await asyncio.sleep(self.delays.get(message.text or "", 0))
        self.messages.append(message)

    @property
    def texts(self) -> list[str | None]:
        return [m.text for m in self.messages]


class ChannelServer(LiveServer):
    """A bare Sanic app serving one channel's blueprint, as Rasa mounts it.

    Stopping runs the channel's listener, which waits for queued deliveries.
    """

    def __init__(self, channel: WebhookChannel, bot: OnNewMessage) -> None:
        app = Sanic(f"test_inbox_{uuid.uuid4().hex}")
        app.blueprint(channel.blueprint(bot), url_prefix=f"/webhooks/{channel.name()}")
        super().__init__(app)

    async def post(self, body: Any, *, secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        content = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return await self.client.post(WEBHOOK, content=content, headers=headers)


Job = Callable[[], Coroutine[Any, Any, None]]
ServerFactory = Callable[[WebhookChannel, OnNewMessage], Coroutine[Any, Any, ChannelServer]]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChannelStore]:
    channel_store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
    yield channel_store
    channel_store.close()


@pytest.fixture
def bot() -> RecordingBot:
    return RecordingBot()


def message(delivery_id: str, sender: str, text: str) -> dict[str, str]:
    return {"id": delivery_id, "from": sender, "text": text}


# -- SenderQueues ----------------------------------------------------------------------


async def test_sender_queues_one_sender_in_order_others_concurrently() -> None:
    queues = SenderQueues()
    log: list[str] = []
    release_alice = asyncio.Event()
    bob_done = asyncio.Event()

    def job(name: str, wait_for: asyncio.Event | None = None) -> Job:
        async def run() -> None:
            log.append(f"{name} start")
            if wait_for is not None:
                await wait_for.wait()
            log.append(f"{name} end")
            if name == "bob-1":
                bob_done.set()

        return run

    queues.submit("alice", job("alice-1", release_alice))
    queues.submit("alice", job("alice-2"))
    queues.submit("bob", job("bob-1"))

    # Bob is not held up by Alice's slow first job...
    await asyncio.wait_for(bob_done.wait(), timeout=5)
    # ...and Alice's second job waits for her first.
    assert "alice-2 start" not in log
    assert log == ["alice-1 start", "bob-1 start", "bob-1 end"]

    release_alice.set()
    await asyncio.wait_for(queues.drain(), timeout=5)
    assert log == [
        "alice-1 start", "bob-1 start", "bob-1 end", "alice-1 end", "alice-2 start", "alice-2 end",
    ]  # fmt: skip


async def test_sender_queues_keep_order_when_later_jobs_are_faster() -> None:
    queues = SenderQueues()
    done: dict[str, list[int]] = {"alice": [], "bob": [], "carol": []}

    def job(sender: str, n: int) -> Job:
        async def run() -> None:
            await asyncio.sleep((5 - n) * 0.005)  # the first job is the slowest
            done[sender].append(n)

        return run

    for n in range(5):
        for sender in done:
            queues.submit(sender, job(sender, n))
    await asyncio.wait_for(queues.drain(), timeout=5)
    assert done == {sender: [0, 1, 2, 3, 4] for sender in done}


async def test_sender_queues_run_concurrently_across_senders() -> None:
    queues = SenderQueues()
    running = 0
    most = 0

    async def job() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1

    for sender in ("alice", "bob", "carol"):
        queues.submit(sender, job)
    await asyncio.wait_for(queues.drain(), timeout=5)
    assert most == 3


async def test_sender_queues_drain_with_nothing_submitted_returns() -> None:
    await asyncio.wait_for(SenderQueues().drain(), timeout=1)


# -- the webhook -----------------------------------------------------------------------


async def test_signed_delivery_is_acknowledged_and_reaches_the_bot(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory
) -> None:
    channel = FakeChannel(ChannelSettings(), store)
    server = await serve(channel, bot)

    response = await server.post({"messages": [message("d-1", "alice", "where is my order?")]})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}

    await server.stop()
    [received] = bot.messages
    assert received.text == "where is my order?"
    assert received.sender_id == "alice"
    assert received.input_channel == "fake"
    assert received.message_id == "fake-d-1"
    assert received.metadata == {"channel": "fake", "via": "fake"}
    assert isinstance(received.output_channel, CollectingOutputChannel)
    assert await store.unprocessed("fake") == []


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_forged_request_is_403_and_nothing_processed(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory, secret: str | None
) -> None:
    channel = FakeChannel(ChannelSettings(), store)
    server = await serve(channel, bot)

    response = await server.post({"messages": [message("d-1", "alice", "hi")]}, secret=secret)
    assert response.status_code == 403

    await server.stop()
    assert channel.parsed == 0  # authenticated before anything is parsed
    assert bot.messages == []
    assert await store.unprocessed("fake") == []
    # Not recorded either: the genuine delivery with that id is still accepted later.
    assert await store.accept("fake", "d-1", "alice", {"text": "hi"}) is not None


@pytest.mark.parametrize(
    "body", [b"not json", b"", {"messages": [{"id": "d-1"}]}, {"nothing": []}, [1, 2]]
)
async def test_malformed_request_is_400_and_nothing_processed(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory, body: Any
) -> None:
    server = await serve(FakeChannel(ChannelSettings(), store), bot)

    response = await server.post(body)
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed request")

    await server.stop()
    assert bot.messages == []
    assert await store.unprocessed("fake") == []


async def test_same_delivery_twice_is_processed_once(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory
) -> None:
    server = await serve(FakeChannel(ChannelSettings(), store), bot)
    body = {"messages": [message("d-1", "alice", "cancel my order")]}

    first = await server.post(body)
    retry = await server.post(body)  # the platform did not see our first answer in time
    assert (first.status_code, retry.status_code) == (200, 200)

    await server.stop()
    assert bot.texts == ["cancel my order"]


async def test_batched_deliveries_are_each_processed_in_order(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory
) -> None:
    server = await serve(FakeChannel(ChannelSettings(), store), bot)
    bot.delays = {"one": 0.2, "two": 0.05}  # slower first messages must still come first

    response = await server.post(
        {
            "messages": [
                message("d-1", "alice", "one"),
                message("d-2", "bob", "bob's"),
                message("d-3", "alice", "two"),
                message("d-4", "alice", "three"),
            ]
        }
    )
    assert response.status_code == 200

    await server.stop()
    alice = [m.text for m in bot.messages if m.sender_id == "alice"]
    assert alice == ["one", "two", "three"]
    assert bot.texts[0] == "bob's"  # not held up behind alice's slow messages
    assert await store.unprocessed("fake") == []


async def test_acknowledged_before_processing(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory
) -> None:
    server = await serve(FakeChannel(ChannelSettings(), store), bot)
    bot.gate = asyncio.Event()  # the bot's turn cannot finish until the test allows it

    response = await asyncio.wait_for(
        server.post({"messages": [message("d-1", "alice", "slow turn")]}), timeout=5
    )
    assert response.status_code == 200
    assert bot.messages == []
    assert [i.delivery_id for i in await store.unprocessed("fake")] == ["d-1"]

    bot.gate.set()
    await server.stop()
    assert bot.texts == ["slow turn"]
    assert await store.unprocessed("fake") == []


async def test_failed_processing_stays_in_inbox_and_is_recovered_at_next_start(
    store: ChannelStore,
    bot: RecordingBot,
    serve: ServerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing = FakeChannel(ChannelSettings(), store, failing=True)
    server = await serve(failing, bot)
    response = await server.post({"messages": [message("d-1", "alice", "refund please")]})
    assert response.status_code == 200  # acknowledged: the platform will not send it again
    await server.stop()

    assert bot.messages == []
    [pending] = await store.unprocessed("fake")
    assert pending.delivery_id == "d-1"
    assert any(
        r.levelno == logging.ERROR and "d-1" in r.getMessage() and r.exc_info
        for r in caplog.records
    )

    # The server restarts (a new channel object on the same database): the
    # after_server_start listener calls recover(), which processes it.
    restarted = await serve(FakeChannel(ChannelSettings(), store), bot)
    await restarted.stop()
    assert bot.texts == ["refund please"]
    assert await store.unprocessed("fake") == []


async def test_a_turn_failed_by_a_store_for_a_moment_is_tried_again_in_order(
    store: ChannelStore,
    bot: RecordingBot,
    serve: ServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("bot.channels.inbox.RETRY_PAUSES_S", (0.05, 0.05, 0.05))
    down = sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
    bot.failures = [down, down]
    server = await serve(FakeChannel(ChannelSettings(), store), bot)
    await server.post({"messages": [message("d-1", "alice", "where is my order")]})
    await server.post({"messages": [message("d-2", "alice", "it's 12345678")]})
    for _ in range(100):
        if len(bot.messages) == 2:
            break
        await asyncio.sleep(0.02)
    await server.stop()

    # Taken on the third try, and the customer's next message waited behind it.
    assert bot.texts == ["where is my order", "it's 12345678"]
    assert await store.unprocessed("fake") == []
    assert [r.levelno for r in caplog.records if "d-1" in r.getMessage()] == [logging.WARNING] * 2


async def test_a_turn_failing_for_longer_than_the_tries_stays_in_the_inbox(
    store: ChannelStore,
    bot: RecordingBot,
    serve: ServerFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.channels.inbox.RETRY_PAUSES_S", (0.01,))
    down = sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
    bot.failures = [down, down]
    server = await serve(FakeChannel(ChannelSettings(), store), bot)
    await server.post({"messages": [message("d-1", "alice", "where is my order")]})
    for _ in range(100):
        if not bot.failures:
            break
        await asyncio.sleep(0.02)
    await server.stop()

    assert bot.messages == []
    assert [item.delivery_id for item in await store.unprocessed("fake")] == ["d-1"]


async def test_recover_processes_what_is_left_in_order(
    store: ChannelStore, bot: RecordingBot
) -> None:
    for n, text in enumerate(["first", "second", "third"]):
        await store.accept("fake", f"d-{n}", "alice", {"text": text})
    other = await store.accept("other", "d-9", "alice", {"text": "another channel's"})
    assert other is not None
    bot.delays = {"first": 0.03}

    channel = FakeChannel(ChannelSettings(), store)
    await channel.recover(bot)
    # recover() only queues the work: processing goes on in the background.
    for _ in range(200):
        if len(bot.messages) == 3:
            break
        await asyncio.sleep(0.01)
    assert bot.texts == ["first", "second", "third"]
    for _ in range(200):
        if not await store.unprocessed("fake"):
            break
        await asyncio.sleep(0.01)
    assert await store.unprocessed("fake") == []
    assert await store.unprocessed("other") == [other]


async def test_missing_settings_is_503_with_one_warning(
    store: ChannelStore,
    bot: RecordingBot,
    serve: ServerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await store.accept("fake", "d-0", "alice", {"text": "left from before"})
    caplog.set_level(logging.WARNING, logger="bot.channels.inbox")

    channel = FakeChannel(ChannelSettings(), store, secret="")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "fake channel disabled: set FAKE_SECRET to enable it"
    ]
    assert not channel.enabled

    server = await serve(channel, bot)
    response = await server.post({"messages": [message("d-1", "alice", "hi")]}, secret="")
    assert response.status_code == 503
    assert (await server.client.get("/webhooks/fake/")).json() == {"status": "disabled"}
    await server.stop()

    assert channel.parsed == 0
    assert bot.messages == []  # not even what was left from before: no recovery either
    assert [i.delivery_id for i in await store.unprocessed("fake")] == ["d-0"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == warnings


async def test_configured_channel_is_enabled_quietly_and_healthy(
    store: ChannelStore,
    bot: RecordingBot,
    serve: ServerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.channels")
    channel = FakeChannel(ChannelSettings(), store)
    assert channel.enabled
    assert caplog.records == []
    server = await serve(channel, bot)
    response = await server.client.get("/webhooks/fake/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_from_credentials_reads_the_environment_and_opens_no_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "channels.db"
    monkeypatch.setenv("CHANNELS_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("CHANNELS_HTTP_TIMEOUT_S", "3.5")
    channel = FakeChannel.from_credentials({"ignored": "credentials.yml holds no secrets"})
    assert isinstance(channel, FakeChannel)
    assert FakeChannel.name() == "fake"
    assert channel.settings.timeout_s == 3.5
    assert not database.exists()  # the store is created on first use, not at configuration
    channel.store.close()
    assert database.exists()


# -- caps: message length and body size --------------------------------------------------


async def test_a_text_over_the_cap_reaches_the_bot_cut_with_its_length(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    channel = FakeChannel(ChannelSettings(max_message_chars=10), store)
    server = await serve(channel, bot)
    secret_text = "where is my order " * 5
    with caplog.at_level(logging.DEBUG, logger="bot.channels"):
        response = await server.post({"messages": [message("d-1", "alice", secret_text)]})
        assert response.status_code == 200
        await server.stop()

    [received] = bot.messages
    assert received.text == secret_text[:10]
    assert received.metadata == {"channel": "fake", "via": "fake", TRUNCATED_FROM: 90}
    # Stored cut: the inbox holds no more than the bot reads.
    with store.engine.connect() as db:
        [stored] = db.execute(select(inbox.c.message)).scalars().all()
    assert stored["text"] == secret_text[:10]
    assert "cut from 90 to 10 characters" in caplog.text
    assert "where is my" not in caplog.text


@pytest.mark.parametrize(
    ("platform", "configured", "cap"), [(None, 4096, 4096), (1600, 4096, 1600), (2000, 100, 100)]
)
def test_the_cap_is_the_platform_s_limit_or_the_setting_whichever_is_lower(
    store: ChannelStore, platform: int | None, configured: int, cap: int
) -> None:
    class Limited(FakeChannel):
        text_limit = platform

    channel = Limited(ChannelSettings(max_message_chars=configured), store)
    assert channel.max_message_chars == cap


def test_an_item_stored_uncut_is_cut_when_it_becomes_a_user_message(store: ChannelStore) -> None:
    # Stored before the cap existed, or a text the channel made from a delivery.
    channel = FakeChannel(ChannelSettings(max_message_chars=5), store)
    item = InboxItem(1, "fake", "d-1", "alice", {"text": "0123456789", "metadata": {"via": "x"}})
    received = channel.user_message(item, "0123456789")
    assert received.text == "01234"
    assert received.metadata == {"channel": "fake", "via": "x", TRUNCATED_FROM: 10}


async def test_a_body_over_the_channel_s_cap_is_413_before_anything_else(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory
) -> None:
    class Small(FakeChannel):
        max_body_bytes = 100

    channel = Small(ChannelSettings(), store)
    server = await serve(channel, bot)
    response = await server.post({"messages": [message("d-1", "alice", "x" * 100)]})
    assert response.status_code == 413
    await server.stop()
    assert channel.parsed == 0 and bot.messages == []


async def test_what_parse_refuses_as_untrusted_input_is_a_400(
    store: ChannelStore, bot: RecordingBot, serve: ServerFactory
) -> None:
    class Strict(FakeChannel):
        def parse(self, request: Request) -> list[InboxDelivery]:
            parse_json(request.body, max_depth=2)
            return super().parse(request)

    server = await serve(Strict(ChannelSettings(), store), bot)
    response = await server.post(b'{"messages": [[[]]]}')
    assert response.status_code == 400
    assert "nested" in response.json()["error"]

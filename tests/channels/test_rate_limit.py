"""bot.channels.rate_limit and the inbox's use of it: a flooding sender waits, others do not.

The limiter on a fake clock; the inbox through test_inbox's tiny channel on a
real Sanic server, with rates fast enough for a test (a token every 50 ms).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from bot.channels.inbox import SLOW_DOWN_REPLY
from bot.channels.rate_limit import SWEEP_AT, SenderLimiter
from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore
from tests.channels.test_inbox import FakeChannel, RecordingBot, ServerFactory, message


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the limiter -------------------------------------------------------------------------


def test_a_burst_passes_then_one_message_per_refill() -> None:
    clock = Clock()
    limiter = SenderLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("alice") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("alice") == pytest.approx(1.0)
    clock.now += 0.5
    assert limiter.take("alice") == pytest.approx(0.5)  # nothing was taken meanwhile
    clock.now += 0.5
    assert limiter.take("alice") == 0.0
    assert limiter.take("alice") == pytest.approx(1.0)


def test_one_senders_flood_leaves_the_others_buckets_full() -> None:
    limiter = SenderLimiter(per_minute=20, burst=10, clock=Clock())
    for _ in range(300):
        limiter.take("+15550000001")
    assert [limiter.take("+15550000002") for _ in range(10)] == [0.0] * 10


def test_a_bucket_refills_no_further_than_the_burst() -> None:
    clock = Clock()
    limiter = SenderLimiter(per_minute=60, burst=2, clock=clock)
    limiter.take("alice")
    clock.now += 3600
    assert [limiter.take("alice") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("alice") > 0


def test_zero_per_minute_is_no_limit_and_remembers_nobody() -> None:
    limiter = SenderLimiter(per_minute=0, burst=1)
    assert all(limiter.take("alice") == 0.0 for _ in range(1000))
    assert len(limiter) == 0


def test_full_buckets_are_forgotten_when_many_senders_were_seen() -> None:
    clock = Clock()
    limiter = SenderLimiter(per_minute=60, burst=1, clock=clock)
    for n in range(SWEEP_AT):
        limiter.take(f"sender-{n}")
    clock.now += 2  # every bucket full again
    limiter.take("one more")
    assert len(limiter) == 1


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"CHANNELS_RATE_PER_MINUTE": "-1"}, "CHANNELS_RATE_PER_MINUTE"),
        ({"CHANNELS_RATE_BURST": "0"}, "CHANNELS_RATE_BURST"),
        ({"CHANNELS_MAX_QUEUED_PER_SENDER": "0"}, "CHANNELS_MAX_QUEUED_PER_SENDER"),
    ],
)
def test_wrong_limits_are_refused_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ChannelSettings.from_env(environ)


def test_the_limits_are_read_from_the_environment() -> None:
    settings = ChannelSettings.from_env(
        {
            "CHANNELS_RATE_PER_MINUTE": "30",
            "CHANNELS_RATE_BURST": "5",
            "CHANNELS_MAX_QUEUED_PER_SENDER": "50",
        }
    )
    assert (settings.rate_per_minute, settings.rate_burst, settings.max_queued_per_sender) == (
        30.0,
        5,
        50,
    )


# -- the inbox -------------------------------------------------------------------------


class TellingChannel(FakeChannel):
    """FakeChannel whose direct replies (the slow-down notice) are kept."""

    def __init__(self, settings: ChannelSettings, store: ChannelStore) -> None:
        super().__init__(settings, store)
        self.output = CollectingOutputChannel()

    def get_output_channel(self) -> OutputChannel:
        return self.output


# A token every 50 ms after a burst of 3; at most 5 waiting per sender.
FAST_LIMIT = ChannelSettings(rate_per_minute=1200, rate_burst=3, max_queued_per_sender=5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChannelStore]:
    channel_store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
    yield channel_store
    channel_store.close()


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


async def test_messages_over_the_limit_wait_in_order_while_others_go_at_once(
    store: ChannelStore, serve: ServerFactory
) -> None:
    bot = RecordingBot()
    channel = FakeChannel(
        ChannelSettings(rate_per_minute=600, rate_burst=2, max_queued_per_sender=50), store
    )
    server = await serve(channel, bot)
    flood = [message(f"f-{n}", "flooder", f"flood {n}") for n in range(6)]
    started = time.monotonic()
    response = await server.post({"messages": flood})
    assert response.status_code == 200  # acknowledged: the platform must not retry
    await server.post({"messages": [message("q-1", "quiet", "hi")]})
    await until(lambda: len(bot.messages) == 7)
    # The quiet sender did not wait behind the flood (4 of which wait 100 ms each).
    assert bot.texts.index("hi") < bot.texts.index("flood 5")
    elapsed = time.monotonic() - started
    assert [t for t in bot.texts if t != "hi"] == [f"flood {n}" for n in range(6)]
    assert elapsed >= 0.35  # 4 messages over the burst, a token every 100 ms
    await until(lambda: not channel._queues.pending("flooder"))
    assert await store.unprocessed("fake") == []


async def test_beyond_the_queue_cap_messages_are_recorded_and_the_sender_told_once(
    store: ChannelStore, serve: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels.inbox")
    bot = RecordingBot()
    bot.gate = asyncio.Event()  # nothing is processed until the test says so
    channel = TellingChannel(FAST_LIMIT, store)
    server = await serve(channel, bot)
    sender = "+15550001234"
    for n in range(9):
        await server.post({"messages": [message(f"d-{n}", sender, f"message {n}")]})
    await until(lambda: len(channel.output.messages) == 1)
    assert channel.output.messages[0]["text"] == SLOW_DOWN_REPLY
    assert channel.output.messages[0]["recipient_id"] == sender

    bot.gate.set()
    await until(lambda: len(bot.messages) == 5)
    await asyncio.sleep(0.2)
    # The five that were waiting, in order; the four beyond the cap never.
    assert bot.texts == [f"message {n}" for n in range(5)]
    assert len(channel.output.messages) == 1
    await until(lambda: not channel._queues.pending(sender))
    assert await store.unprocessed("fake") == []  # the refused ones are recorded as done
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "1234" not in warnings[0].getMessage()

    # Once the queue has emptied, a new flood is told again.
    bot.gate = asyncio.Event()
    for n in range(9, 18):
        await server.post({"messages": [message(f"d-{n}", sender, f"message {n}")]})
    await until(lambda: len(channel.output.messages) == 2)
    bot.gate.set()


async def test_stopping_does_not_wait_for_the_rate_limit_and_keeps_what_waited(
    store: ChannelStore, serve: ServerFactory
) -> None:
    bot = RecordingBot()
    # One token per minute after the first: the rest would wait for minutes.
    channel = FakeChannel(
        ChannelSettings(rate_per_minute=1, rate_burst=1, max_queued_per_sender=50), store
    )
    server = await serve(channel, bot)
    await server.post({"messages": [message(f"d-{n}", "alice", f"m {n}") for n in range(4)]})
    await until(lambda: len(bot.messages) == 1)
    started = time.monotonic()
    await server.stop()
    assert time.monotonic() - started < 5
    left = await store.unprocessed("fake")
    assert [item.message["text"] for item in left] == ["m 1", "m 2", "m 3"]

    # The next start processes them, in order, within the (new) limit.
    again = FakeChannel(ChannelSettings(rate_per_minute=0), store)
    await serve(again, bot)
    await until(lambda: len(bot.messages) == 4)
    assert bot.texts == ["m 0", "m 1", "m 2", "m 3"]

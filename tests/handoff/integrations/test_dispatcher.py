"""handoff.integrations.dispatcher: order, retries, backoff, dead letters, rate limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import random
import time

import pytest

from handoff.integrations.adapters import DeliveryFailed
from handoff.integrations.deliveries import DeliveryQueue
from handoff.integrations.dispatcher import Dispatcher, backoff_s
from handoff.integrations.settings import IntegrationSettings
from handoff.store import HandoffStore, JournalEvent, NewMessage
from tests.handoff.integrations.conftest import FAST

SETTINGS = IntegrationSettings(**FAST)


class ScriptedAdapter:
    """Takes every event; fails the ones it is told to, as often as it is told."""

    name = "scripted"

    def __init__(self) -> None:
        self.failures: dict[int, list[BaseException]] = {}
        self.delivered: list[JournalEvent] = []
        self.attempts: list[tuple[int, int, float]] = []  # event id, attempt, when

    def wants(self, event: JournalEvent) -> bool:
        return True

    async def deliver(self, event: JournalEvent, attempt: int) -> None:
        self.attempts.append((event.id, attempt, time.monotonic()))
        pending = self.failures.get(event.id)
        if pending:
            raise pending.pop(0)
        self.delivered.append(event)

    async def aclose(self) -> None:
        pass

    def order(self, conversation: str) -> list[int]:
        return [e.id for e in self.delivered if e.conversation_id == conversation]


async def handoff_with_messages(store: HandoffStore, name: str, count: int) -> list[int]:
    """A handoff and ``count`` customer messages: their journal ids, in order."""
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{name}",
        conversation_id=name,
        channel="telegram",
        customer_id=name,
        priority=3,
        transcript=[NewMessage("customer", "hi", dt.datetime(2027, 1, 1))],
    )
    for index in range(count):
        await store.append_message(handoff.id, "customer", f"{name} {index}")
    return [e.id for e in await store.events_after(0, 1000) if e.conversation_id == name]


async def run_until(
    dispatcher: Dispatcher, adapter: ScriptedAdapter, done: object, timeout_s: float = 5.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await dispatcher.run_once(adapter)
        if callable(done) and done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the dispatcher did not get there in time")


@pytest.fixture
def adapter() -> ScriptedAdapter:
    return ScriptedAdapter()


@pytest.fixture
async def queue(store: HandoffStore) -> DeliveryQueue:
    return DeliveryQueue(store.engine)


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(7)
    for attempt, full in [(1, 1.0), (2, 2.0), (3, 4.0), (9, 256.0), (10, 300.0), (400, 300.0)]:
        delays = [backoff_s(attempt, 1.0, 300.0, rng) for _ in range(200)]
        assert all(full / 2 <= d <= full for d in delays)
        assert max(delays) - min(delays) > full / 10  # spread out, not in lockstep


async def test_events_before_the_first_start_are_not_sent(
    store: HandoffStore, queue: DeliveryQueue, adapter: ScriptedAdapter
) -> None:
    await handoff_with_messages(store, "old", 1)
    dispatcher = Dispatcher(queue, [adapter], SETTINGS)
    await dispatcher.start()
    try:
        new = await handoff_with_messages(store, "new", 1)
        dispatcher.wake()

        async def delivered() -> bool:
            return len(adapter.delivered) == len(new)

        deadline = time.monotonic() + 5
        while not await delivered() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        await dispatcher.stop()
    assert [e.id for e in adapter.delivered] == new


async def test_a_failing_conversation_waits_in_order_while_others_go_on(
    store: HandoffStore, queue: DeliveryQueue, adapter: ScriptedAdapter
) -> None:
    await queue.open(adapter.name)
    stuck = await handoff_with_messages(store, "stuck", 2)
    flowing = await handoff_with_messages(store, "flowing", 2)
    adapter.failures[stuck[0]] = [DeliveryFailed("HTTP 503") for _ in range(3)]
    dispatcher = Dispatcher(queue, [adapter], SETTINGS)

    await run_until(dispatcher, adapter, lambda: adapter.order("flowing") == flowing)
    assert adapter.order("stuck") == []
    await run_until(dispatcher, adapter, lambda: adapter.order("stuck") == stuck)

    tries = [(attempt, at) for event, attempt, at in adapter.attempts if event == stuck[0]]
    assert [attempt for attempt, _ in tries] == [1, 2, 3, 4]
    gaps = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(tries)]
    assert all(gap >= 0.02 for gap in gaps)  # backed off: at least half of 50 ms
    # Only the head of the stuck conversation was tried while it failed.
    assert {event for event, _, _ in adapter.attempts if event in stuck[1:]} == set(stuck[1:])
    assert sum(1 for event, _, _ in adapter.attempts if event == stuck[1]) == 1


async def test_a_rate_limit_pauses_every_conversation_for_retry_after(
    store: HandoffStore, queue: DeliveryQueue, adapter: ScriptedAdapter
) -> None:
    await queue.open(adapter.name)
    first = await handoff_with_messages(store, "a", 0)
    adapter.failures[first[0]] = [
        DeliveryFailed("HTTP 429", retry_after_s=0.4, status=429),
    ]
    dispatcher = Dispatcher(queue, [adapter], IntegrationSettings(**FAST, concurrency=1))
    await dispatcher.run_once(adapter)
    limited_at = adapter.attempts[-1][2]
    second = await handoff_with_messages(store, "b", 0)

    await run_until(dispatcher, adapter, lambda: len(adapter.delivered) == 2)
    assert {e.id for e in adapter.delivered} == {*first, *second}
    later = [at for event, _, at in adapter.attempts if at > limited_at]
    assert min(later) - limited_at >= 0.39


async def test_refused_or_too_old_events_are_dead_lettered_and_logged_without_text(
    store: HandoffStore,
    queue: DeliveryQueue,
    adapter: ScriptedAdapter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await queue.open(adapter.name)
    refused = await handoff_with_messages(store, "refused", 1)
    expiring = await handoff_with_messages(store, "expiring", 1)
    adapter.failures[refused[0]] = [DeliveryFailed("HTTP 400", permanent=True)]
    adapter.failures[expiring[0]] = [DeliveryFailed("HTTP 503") for _ in range(1000)]
    settings = IntegrationSettings(**{**FAST, "give_up_after_s": 0.3})
    dispatcher = Dispatcher(queue, [adapter], settings)

    with caplog.at_level(logging.WARNING, logger="handoff.integrations"):
        await run_until(
            dispatcher,
            adapter,
            lambda: (
                adapter.order("refused") == refused[1:]
                and adapter.order("expiring") == expiring[1:]
            ),
        )
    dead = {d.event.id: d for d in await queue.queued(status="dead")}
    assert set(dead) == {refused[0], expiring[0]}
    assert dead[refused[0]].attempts == 1
    assert dead[expiring[0]].attempts > 2
    logged = [r.getMessage() for r in caplog.records if "dead-lettered" in r.getMessage()]
    assert len(logged) == 2
    assert any("retried too long; last HTTP 503" in line for line in logged)
    assert not any("refused 0" in r.getMessage() for r in caplog.records)


async def test_an_adapter_bug_is_logged_and_retried(
    store: HandoffStore,
    queue: DeliveryQueue,
    adapter: ScriptedAdapter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await queue.open(adapter.name)
    events = await handoff_with_messages(store, "a", 0)
    adapter.failures[events[0]] = [KeyError("handoff")]
    dispatcher = Dispatcher(queue, [adapter], SETTINGS)
    with caplog.at_level(logging.ERROR, logger="handoff.integrations"):
        await run_until(dispatcher, adapter, lambda: len(adapter.delivered) == 1)
    assert [attempt for _, attempt, _ in adapter.attempts] == [1, 2]
    assert any(r.exc_info for r in caplog.records)
    assert await queue.queued() == []

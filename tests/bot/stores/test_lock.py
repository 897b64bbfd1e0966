"""Conversation locks: each ticket issued once across Rasa instances, waits in milliseconds."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from unittest import mock

import pytest
import redis
from rasa.core.lock_store import RedisLockStore as RasaRedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.stores.lock import WAIT_S, InMemoryLockStore, RedisLockStore
from tests.postgres import skip_or_fail

TICKETS_EACH = 150


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of its own, and its keys deleted afterwards."""
    prefix = f"test{uuid.uuid4().hex[:12]}"
    client = redis.Redis(host="127.0.0.1", port=6379, db=1)
    try:
        client.ping()
    except redis.ConnectionError as error:
        skip_or_fail(f"no Redis at 127.0.0.1:6379: {error}")
    yield prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def ours(prefix: str) -> RedisLockStore:
    return RedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=1, key_prefix=prefix))


def rasas(prefix: str) -> RasaRedisLockStore:
    return RasaRedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix=prefix)


def tickets_taken_at_once(stores: list[RasaRedisLockStore], conversation: str) -> list[int]:
    """Each store (as if a Rasa instance) takes TICKETS_EACH tickets, all at the same time."""
    taken: list[int] = []
    start = threading.Barrier(len(stores))

    def take(store: RasaRedisLockStore) -> None:
        start.wait()
        numbers = [store.issue_ticket(conversation, 60) for _ in range(TICKETS_EACH)]
        taken.extend(numbers)

    threads = [threading.Thread(target=take, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return taken


def test_every_ticket_is_issued_once_across_instances(prefix: str) -> None:
    taken = tickets_taken_at_once([ours(prefix), ours(prefix), ours(prefix)], "alice")
    assert len(taken) == 3 * TICKETS_EACH
    assert sorted(taken) == list(range(3 * TICKETS_EACH))


def test_rasas_own_store_hands_the_same_ticket_to_two_instances(prefix: str) -> None:
    # What the test above guards against: if this stops failing, Rasa fixed it.
    taken = tickets_taken_at_once([rasas(prefix), rasas(prefix), rasas(prefix)], "bob")
    assert len(set(taken)) < len(taken)


def test_the_lock_is_deleted_only_when_nobody_holds_a_ticket(prefix: str) -> None:
    store = ours(prefix)
    first = store.issue_ticket("carol", 60)
    second = store.issue_ticket("carol", 60)
    store.cleanup("carol", first)
    lock = store.get_lock("carol")
    assert lock is not None and lock.now_serving == second
    store.cleanup("carol", second)
    assert store.get_lock("carol") is None


@pytest.mark.parametrize("kind", ["redis", "in memory"])
async def test_a_second_message_waits_by_the_tens_of_milliseconds(prefix: str, kind: str) -> None:
    store = ours(prefix) if kind == "redis" else InMemoryLockStore()
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    async with store.lock("dave"):
        with mock.patch("rasa.core.lock_store.asyncio.sleep", sleep):
            second = asyncio.ensure_future(_hold(store, "dave"))
            await real_sleep(0.05)
    await second
    # Rasa's own stores wait a whole second between looks.
    assert waits and set(waits) == {WAIT_S}


async def _hold(store: InMemoryLockStore | RedisLockStore, conversation: str) -> None:
    async with store.lock(conversation):
        pass

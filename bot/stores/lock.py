"""Rasa's conversation locks, with tickets taken atomically and waits measured in milliseconds.

Rasa serialises the turns of one conversation with a ticket lock: a turn
takes the next ticket, waits until its number is served, and hands the lock
on when done. Two things in Rasa 3.6's lock stores are fixed here:

- **Redis: tickets were not taken atomically.** ``RedisLockStore`` reads the
  lock (GET), adds a ticket in Python and writes it back (SET). Two Rasa
  instances taking a ticket for the same conversation at the same moment got
  the same number, and both went ahead: two processes taking 300 tickets
  each for one conversation got 394 distinct numbers out of 600
  (tests/test_production_faults.py found it). Returning a ticket had the same
  flaw: one instance deleted the lock just after another had joined it. Here
  every change of a lock is a Redis transaction on it (WATCH, MULTI, EXEC,
  retried when another instance changed it in between), so each ticket is
  issued once and a lock is deleted only when nobody holds a ticket.
- **Waiting polled once a second.** A customer who sends two messages in a
  row ("hi", then "where is my order") had the second wait for up to a whole
  second after the first was answered. Both stores here poll every
  :data:`WAIT_S` instead.

Named in endpoints.yml (``InMemoryLockStore``, one Rasa process) and
endpoints.production.yml (``RedisLockStore``, several).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.core.lock_store import InMemoryLockStore as RasaInMemoryLockStore
from rasa.core.lock_store import RedisLockStore as RasaRedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Between two looks at a lock another turn holds. A turn takes tens of ms.
WAIT_S = 0.02
T = TypeVar("T")


class QuickWaits(LockStore):
    """Waiting for a conversation's lock looks again every :data:`WAIT_S`, not every second."""

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_S,
    ) -> AsyncIterator[TicketLock]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
            yield lock


class InMemoryLockStore(QuickWaits, RasaInMemoryLockStore):
    """Rasa's in-memory lock store (one process: its changes are atomic already)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None) -> None:
        super().__init__()


class RedisLockStore(QuickWaits, RasaRedisLockStore):
    """Rasa's Redis lock store, each change of a lock one Redis transaction."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(
        self,
        conversation_id: str,
        change: Callable[[TicketLock | None], tuple[TicketLock | None, T]],
    ) -> T:
        """Apply ``change`` to the stored lock atomically; a ``None`` lock is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    changed, result = change(lock)
                    pipe.multi()
                    if changed is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, changed.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    # Another instance changed the lock since WATCH: again,
                    # from what it holds now.
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: TicketLock | None) -> tuple[TicketLock | None, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, take)
        except redis.RedisError as error:
            # What Rasa's raises, so that its callers handle it as before.
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def hand_on(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, hand_on)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def hand_on_or_delete(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, hand_on_or_delete)

"""Delivering the journal to every active adapter: :class:`Dispatcher`.

One background task per adapter, while the server runs. Each round it queues
its journal's new events (handoff.integrations.deliveries; the CRM webhook's
journal is ``record_events``, handoff.integrations.journals), then delivers the
heads of its conversations that are due, a few conversations at a time
(``concurrency``), one event at a time per conversation. So delivery is:

- at least once: an event leaves the queue only after the receiver took it,
  and the queue is in the database, so a restart resumes where it stopped
  (an event whose answer was lost is sent again, with the same id);
- in order per conversation: a conversation's next event is not sent before
  the one ahead of it was delivered or dead-lettered;
- never blocked by another conversation: each has its own head and backoff.

A failed attempt is retried after ``retry_base_s * 2**(attempt-1)``, capped at
``retry_max_s``, each delay drawn at random between half and all of that (so
conversations that failed together do not retry together), and no earlier
than the receiver's ``Retry-After``. A 429 also pauses the whole adapter
until then: a rate limit is per account, not per conversation.

An event ends ``dead`` (kept in ``integration_deliveries`` for operators,
logged at WARNING with its id, type and handoff, never its text) when the
receiver refuses it for good (a 4xx other than 401, 403, 408, 425 and 429),
or when it has failed for longer than ``give_up_after_s``. See
handoff.integrations.admin to list them and send one again.

The retries live in the database rather than in a retry library
(tenacity, backoff): they must survive a restart, and a waiting retry must
not hold a task.

The dispatcher wakes when the service's event hub says the journal grew (the
store tells it after each commit that journaled something; handoff.events),
and polls every ``poll_s`` in case a change came from elsewhere. The records'
outbox wakes nobody (the keeper that writes it knows no hub): the CRM
webhook sends a finished record within ``poll_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import random
from collections.abc import Sequence

from handoff.events import EventHub
from handoff.integrations.adapters import Adapter, DeliveryFailed
from handoff.integrations.deliveries import Delivery, DeliveryQueue
from handoff.integrations.journals import NO_HANDOFF
from handoff.integrations.settings import IntegrationSettings
from handoff.models import utc_now
from handoff.store import JournalEvent
from plumbing.backoff import backoff_delay
from plumbing.worker import Worker

logger = logging.getLogger(__name__)


def backoff_s(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """The delay after failed attempt number ``attempt`` (1 for the first): half jitter."""
    return backoff_delay(attempt, base_s=base_s, max_s=max_s, jitter=0.5, rng=rng)


class Dispatcher:
    def __init__(
        self,
        queue: DeliveryQueue,
        adapters: Sequence[Adapter],
        settings: IntegrationSettings,
        hub: EventHub | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._adapters = list(adapters)
        self._settings = settings
        self._hub = hub
        self._rng = rng or random.Random()
        # One background worker (plumbing.worker) per adapter: a round, then at
        # once if it had work, else after poll_s or a wake-up; a failed round
        # (the database unreachable, most likely: the queue is in it, so nothing
        # is lost) is logged and tried again after poll_s.
        self._workers = [
            Worker(
                f"integration-{adapter.name}",
                functools.partial(self._round, adapter),
                interval_s=settings.poll_s,
                log_error=functools.partial(_log_round_failure, adapter.name),
            )
            for adapter in self._adapters
        ]
        self._paused_until: dict[str, dt.datetime] = {}
        self._listener: asyncio.Task[None] | None = None

    @property
    def adapters(self) -> list[Adapter]:
        return list(self._adapters)

    async def start(self) -> None:
        """Open every adapter's cursor (before returning: changes made from now on are
        delivered), then run the delivery loops in the background."""
        for adapter in self._adapters:
            await self._queue.open(adapter.name)
        for worker in self._workers:
            worker.start()
        if self._hub is not None:
            self._listener = asyncio.create_task(
                self._listen(self._hub), name="integration-wakeups"
            )

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        for worker in self._workers:
            await worker.stop(cancel=True)

    def wake(self) -> None:
        for worker in self._workers:
            worker.wake()

    async def _listen(self, hub: EventHub) -> None:
        with hub.subscribe() as wakeups:
            # Each wake-up is only "the journal grew": the delivery loops read it.
            while await wakeups.wait() and not wakeups.closed:
                self.wake()
        # The hub closed (the server is stopping): the loops go on polling
        # until stop() cancels them.

    async def _round(self, adapter: Adapter) -> float | None:
        """A worker's step: one round, and the next at once if it had work."""
        return 0 if await self.run_once(adapter) else None

    async def run_once(self, adapter: Adapter) -> bool:
        """One round: queue new events, deliver what is due. True if there was work."""
        read = await self._queue.ingest(adapter.name, adapter.wants)
        now = utc_now()
        paused = self._paused_until.get(adapter.name)
        if paused is not None and now < paused:
            return read > 0
        due = await self._queue.due(adapter.name, limit=self._settings.concurrency * 4, now=now)
        if not due:
            return read > 0
        limit = asyncio.Semaphore(self._settings.concurrency)

        async def one(delivery: Delivery) -> None:
            async with limit:
                await self._attempt(adapter, delivery)

        await asyncio.gather(*(one(delivery) for delivery in due))
        return True

    async def _attempt(self, adapter: Adapter, delivery: Delivery) -> None:
        event = delivery.event
        attempt = delivery.attempts + 1
        paused = self._paused_until.get(adapter.name)
        if paused is not None and utc_now() < paused:
            return  # another conversation hit the rate limit during this round
        try:
            await adapter.deliver(event, attempt)
        except DeliveryFailed as failure:
            await self._failed(adapter, delivery, attempt, failure)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # A bug or an unexpected answer: logged in full, and retried like a
            # transient failure, so a fix deployed in time still delivers it.
            logger.exception(
                "integration %s: event %d (%s) raised", adapter.name, event.id, event.type
            )
            await self._failed(adapter, delivery, attempt, DeliveryFailed(type(error).__name__))
            return
        await self._queue.delivered(adapter.name, event.id)
        logger.debug("integration %s: event %d delivered", adapter.name, event.id)

    async def _failed(
        self, adapter: Adapter, delivery: Delivery, attempt: int, failure: DeliveryFailed
    ) -> None:
        event = delivery.event
        now = utc_now()
        expired = (now - delivery.queued_at).total_seconds() >= self._settings.give_up_after_s
        if failure.permanent or expired:
            await self._queue.failed(
                adapter.name, event.id, attempts=attempt, error=failure.reason, retry_at=None
            )
            logger.warning(
                "integration %s: event %d (%s, %s) dead-lettered after %d attempt(s): %s",
                adapter.name,
                event.id,
                event.type,
                _about(event),
                attempt,
                failure.reason if failure.permanent else f"retried too long; last {failure.reason}",
            )
            return
        delay = backoff_s(
            attempt, self._settings.retry_base_s, self._settings.retry_max_s, self._rng
        )
        if failure.retry_after_s is not None:
            delay = max(delay, failure.retry_after_s)
            if failure.status == 429:
                self._paused_until[adapter.name] = now + dt.timedelta(seconds=failure.retry_after_s)
        retry_at = now + dt.timedelta(seconds=delay)
        await self._queue.failed(
            adapter.name, event.id, attempts=attempt, error=failure.reason, retry_at=retry_at
        )
        log = logger.warning if failure.credentials or attempt == 1 else logger.info
        log(
            "integration %s: event %d (%s, %s) attempt %d failed (%s); retry in %.3g s",
            adapter.name,
            event.id,
            event.type,
            _about(event),
            attempt,
            failure.reason,
            delay,
        )


def _about(event: JournalEvent) -> str:
    """What an event is about, for a log line: its handoff, never its conversation's id."""
    return "no handoff" if event.handoff_id == NO_HANDOFF else f"handoff {event.handoff_id}"


def _log_round_failure(adapter_name: str, error: Exception, retry_in_s: float) -> None:
    logger.error("integration %s: delivery round failed", adapter_name, exc_info=error)

"""A background task that runs one step again and again: :class:`Worker`.

Every service has loops of this shape: the handoff outbox's forwarder, the
readers of Rasa's event broker (SQL and RabbitMQ), the overdue-handoff
watcher, the contact-center dispatcher. What they share, and what is easy to
get subtly wrong in each copy, lives here:

- :meth:`Worker.start` starts one task in the running event loop (a second
  call while it runs does nothing; after :meth:`Worker.stop`, or from
  another loop, it starts a new one);
- after each step the worker waits: the seconds the step returned (0: at
  once, there is more to do), or ``interval_s`` when it returned None;
- :meth:`Worker.wake` ends that wait early (a step is never interrupted by
  it; a wake during a step makes the next wait end at once);
- a step that raises does not end the worker: the error is logged and the
  step runs again after ``retry_s``, doubled after each further failure in a
  row up to ``max_retry_s`` (:func:`plumbing.backoff.backoff_delay`);
- :meth:`Worker.stop` lets the step under way finish and ends the task,
  or, with ``cancel=True``, cancels the step (for steps that only wait, or
  whose work is safe to interrupt).

Why not a library (aiojobs, APScheduler): they schedule many jobs; each of
ours is one task whose wait depends on what its last step found, which they
would leave us to write anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from plumbing.backoff import backoff_delay

logger = logging.getLogger(__name__)

# One pass of the work; returns the seconds until the next (None: the interval).
Step = Callable[[], Awaitable[float | None]]
# Reports a failed step: the error, and the seconds until the step runs again.
ErrorLog = Callable[[Exception, float], None]


class Worker:
    """Runs ``step`` in a background task until stopped (see the module's docstring)."""

    def __init__(
        self,
        name: str,
        step: Step,
        *,
        interval_s: float,
        retry_s: float | None = None,
        max_retry_s: float | None = None,
        log_error: ErrorLog | None = None,
    ) -> None:
        """``retry_s``: the wait after a failed step (default ``interval_s``);
        ``max_retry_s``: what it may grow to after failures in a row (default
        ``retry_s``: no growth); ``log_error``: reports a failed step (default:
        this module's logger, with the traceback)."""
        self.name = name
        self._step = step
        self._interval_s = interval_s
        self._retry_s = interval_s if retry_s is None else retry_s
        self._max_retry_s = self._retry_s if max_retry_s is None else max_retry_s
        self._log_error = log_error or self._log_with_traceback
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the task in the running loop, unless it runs there already."""
        loop = asyncio.get_running_loop()
        if self.running and self._task is not None and self._task.get_loop() is loop:
            return
        self._stopping = False
        # Made here, not in __init__: an asyncio.Event belongs to one loop.
        self._wake = asyncio.Event()
        self._task = loop.create_task(self._run(self._wake), name=self.name)

    def wake(self) -> None:
        """Run the next step now instead of at the end of the wait (no-op when not started)."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self, *, cancel: bool = False) -> None:
        """End the task: after the step under way, or at once with ``cancel``."""
        task, self._task = self._task, None
        self._stopping = True
        self.wake()
        if task is None:
            return
        if cancel:
            task.cancel()
        # asyncio.wait, not await: the task's cancellation must not become ours.
        await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            logger.error("worker %s ended with an error", self.name, exc_info=task.exception())

    async def _run(self, wake: asyncio.Event) -> None:
        failures = 0
        while not self._stopping:
            delay: float | None
            try:
                delay = await self._step()
                failures = 0
            except Exception as error:  # noqa: BLE001 - no failure may end the worker
                failures += 1
                delay = backoff_delay(failures, base_s=self._retry_s, max_s=self._max_retry_s)
                self._log_error(error, delay)
            if self._stopping:
                return
            await self._wait(wake, self._interval_s if delay is None else delay)

    async def _wait(self, wake: asyncio.Event, delay: float) -> None:
        if delay > 0 and not wake.is_set():
            # asyncio.wait rather than wait_for: on Python 3.10, wait_for loses a
            # cancellation that arrives as the event is set, and stop() would hang.
            waiter = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=delay)
            finally:
                waiter.cancel()
        else:
            await asyncio.sleep(0)  # let the loop run others between back-to-back steps
        wake.clear()

    def _log_with_traceback(self, error: Exception, delay: float) -> None:
        logger.error(
            "worker %s: the step failed; again in %.3g s", self.name, delay, exc_info=error
        )

"""plumbing.worker: start, wait, wake, survive a failing step, stop."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable

import pytest

from plumbing.worker import Worker

WAIT_S = 5.0


async def eventually(check: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


class Counter:
    def __init__(self, result: float | None = None) -> None:
        self.calls = 0
        self.result = result

    async def __call__(self) -> float | None:
        self.calls += 1
        return self.result


async def test_it_runs_the_step_every_interval_until_stopped() -> None:
    step = Counter()
    worker = Worker("counter", step, interval_s=0.02)

    worker.start()
    await eventually(lambda: step.calls >= 3)
    await worker.stop()
    calls = step.calls
    await asyncio.sleep(0.1)

    assert not worker.running
    assert step.calls == calls


async def test_start_twice_runs_one_task() -> None:
    step = Counter()
    worker = Worker("once", step, interval_s=10)

    worker.start()
    worker.start()
    await eventually(lambda: step.calls == 1)
    await asyncio.sleep(0.05)

    assert step.calls == 1
    await worker.stop()


async def test_wake_runs_the_next_step_at_once() -> None:
    step = Counter()
    worker = Worker("sleeper", step, interval_s=3600)
    worker.start()
    await eventually(lambda: step.calls == 1)

    worker.wake()
    await eventually(lambda: step.calls == 2)
    await worker.stop()


async def test_a_step_returns_when_it_wants_to_run_again() -> None:
    step = Counter(result=0)  # "more is waiting": no wait at all
    worker = Worker("busy", step, interval_s=3600)

    worker.start()
    await eventually(lambda: step.calls >= 50)
    await worker.stop()


async def test_a_failing_step_is_logged_and_retried_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    times: list[float] = []

    async def flaky() -> float | None:
        times.append(asyncio.get_running_loop().time())
        if len(times) <= 3:
            raise RuntimeError(f"failure {len(times)}")
        return None

    worker = Worker("flaky", flaky, interval_s=3600, retry_s=0.05, max_retry_s=0.1)
    with caplog.at_level(logging.ERROR, logger="plumbing.worker"):
        worker.start()
        await eventually(lambda: len(times) == 4)
    await worker.stop()

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09 and gaps[2] >= 0.09  # 0.05, 0.1, 0.1 (capped)
    assert [r.exc_info[1].args[0] for r in caplog.records if r.exc_info] == [  # type: ignore[index]
        "failure 1",
        "failure 2",
        "failure 3",
    ]


async def test_the_caller_can_log_failures_its_own_way() -> None:
    reported: list[tuple[str, float]] = []

    async def broken() -> float | None:
        raise ValueError("database down")

    worker = Worker(
        "own-log",
        broken,
        interval_s=3600,
        retry_s=0.01,
        log_error=lambda error, delay: reported.append((str(error), delay)),
    )
    worker.start()
    await eventually(lambda: len(reported) >= 2)
    await worker.stop()

    assert reported[:2] == [("database down", 0.01), ("database down", 0.01)]


async def test_stop_lets_the_step_under_way_finish() -> None:
    finished: list[bool] = []
    started = asyncio.Event()

    async def slow() -> float | None:
        started.set()
        await asyncio.sleep(0.1)
        finished.append(True)
        return None

    worker = Worker("slow", slow, interval_s=3600)
    worker.start()
    await started.wait()
    await worker.stop()

    assert finished == [True]


async def test_stop_with_cancel_interrupts_the_step() -> None:
    started = asyncio.Event()

    async def forever() -> float | None:
        started.set()
        await asyncio.Event().wait()
        return None

    worker = Worker("forever", forever, interval_s=3600)
    worker.start()
    await started.wait()
    await asyncio.wait_for(worker.stop(cancel=True), 1)

    assert not worker.running


async def test_stopped_it_can_start_again() -> None:
    step = Counter()
    worker = Worker("again", step, interval_s=3600)
    await worker.stop()  # never started: nothing to do
    worker.start()
    await eventually(lambda: step.calls == 1)
    await worker.stop()

    worker.start()
    await eventually(lambda: step.calls == 2)
    await worker.stop()


def test_each_event_loop_gets_its_own_task() -> None:
    step = Counter()
    worker = Worker("loops", step, interval_s=3600)

    async def run_once() -> None:
        worker.start()
        await eventually(lambda: step.calls >= 1)

    asyncio.run(run_once())  # that loop closes with the task still pending
    calls = step.calls
    asyncio.run(run_once())

    assert step.calls == calls + 1

"""plumbing.backoff: doubling delays, capped, with optional jitter; the retry loop."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing.backoff import backoff_delay, retry


def test_the_delay_doubles_from_the_base_up_to_the_cap() -> None:
    delays = [backoff_delay(n, base_s=2.0, max_s=60.0) for n in (1, 2, 3, 4, 5, 6, 7, 20)]

    assert delays == [2, 4, 8, 16, 32, 60, 60, 60]


def test_without_a_cap_it_keeps_doubling() -> None:
    assert [backoff_delay(n, base_s=0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_attempts_past_any_float_are_capped_not_an_overflow() -> None:
    assert backoff_delay(10_000, base_s=1.0, max_s=900.0) == 900.0
    assert backoff_delay(10_000, base_s=1.0) == 2.0**62


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    jitter=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(),
)
def test_jitter_stays_between_its_share_of_the_delay_and_the_delay(
    attempt: int, jitter: float, seed: int
) -> None:
    plain = backoff_delay(attempt, base_s=1.0, max_s=300.0)
    drawn = backoff_delay(attempt, base_s=1.0, max_s=300.0, jitter=jitter, rng=random.Random(seed))

    assert plain * (1 - jitter) <= drawn <= plain <= 300.0


def test_full_jitter_spreads_over_the_whole_delay_reproducibly() -> None:
    first = [backoff_delay(3, base_s=1.0, jitter=1.0, rng=random.Random(7)) for _ in range(3)]
    rng = random.Random(7)
    draws = [backoff_delay(3, base_s=1.0, jitter=1.0, rng=rng) for _ in range(500)]

    assert first == [first[0]] * 3  # the same seed, the same delay
    assert min(draws) < 0.5 and max(draws) > 3.5  # anywhere in [0, 4]


@pytest.mark.parametrize(("attempt", "jitter"), [(0, 0.0), (-1, 0.0), (1, 1.5), (1, -0.1)])
def test_nonsense_is_refused(attempt: int, jitter: float) -> None:
    with pytest.raises(ValueError):
        backoff_delay(attempt, base_s=1.0, jitter=jitter)


class Flaky(Exception):
    def __init__(self, wait_s: float | None = None) -> None:
        super().__init__("flaky")
        self.wait_s = wait_s


class Broken(Exception):
    pass


class Script:
    """A call that fails with the given errors in turn, then answers "done"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.slept: list[float] = []
        self.retried: list[tuple[int, float]] = []

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def on_retry(self, error: Flaky, attempt: int, delay: float) -> None:
        self.retried.append((attempt, delay))


async def test_retry_backs_off_between_attempts_until_the_call_succeeds() -> None:
    script = Script(Flaky(), Flaky())

    answer = await retry(
        script,
        retry_on=Flaky,
        attempts=3,
        base_s=0.5,
        on_retry=script.on_retry,
        sleep=script.sleep,
    )

    assert answer == "done"
    assert script.calls == 3
    assert script.slept == [0.5, 1.0]
    assert script.retried == [(1, 0.5), (2, 1.0)]


async def test_retry_raises_the_last_error_when_attempts_run_out() -> None:
    last = Flaky()
    script = Script(Flaky(), last)

    with pytest.raises(Flaky) as raised:
        await retry(script, retry_on=Flaky, attempts=2, base_s=1.0, sleep=script.sleep)

    assert raised.value is last
    assert script.slept == [1.0]


async def test_errors_not_named_are_not_retried() -> None:
    script = Script(Broken(), Flaky())

    with pytest.raises(Broken):
        await retry(script, retry_on=Flaky, attempts=5, base_s=1.0, sleep=script.sleep)

    assert script.calls == 1
    assert script.slept == []


async def test_a_servers_hint_replaces_the_backoff_but_not_the_cap() -> None:
    script = Script(Flaky(wait_s=7.0), Flaky(wait_s=500.0), Flaky(wait_s=None))

    await retry(
        script,
        retry_on=Flaky,
        attempts=4,
        base_s=1.0,
        max_s=30.0,
        wait_hint=lambda error: error.wait_s,
        sleep=script.sleep,
    )

    assert script.slept == [7.0, 30.0, 4.0]

"""bot.channels.delivery: outbound calls retried on 429/5xx, never on permanent errors.

``with_retries`` takes the ``sleep`` to wait with; these tests pass one that
only records the delays, so they run instantly and can check every wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.channels.delivery import (
    BASE_DELAY_S,
    DEFAULT_ATTEMPTS,
    MAX_DELAY_S,
    PermanentSendError,
    RetryableSendError,
    SendError,
    retry_after_seconds,
    with_retries,
)


class Sleeps:
    """A stand-in for asyncio.sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


class ScriptedCall:
    """An API call that raises the scripted errors, one per call, then returns "sent"."""

    def __init__(self, *errors: SendError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "sent"


def rate_limited(retry_after_s: float | None = None) -> RetryableSendError:
    return RetryableSendError("telegram", "Too Many Requests", 429, retry_after_s=retry_after_s)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


async def test_success_first_time_calls_once_and_never_sleeps(sleeps: Sleeps) -> None:
    call = ScriptedCall()
    assert await with_retries(call, sleep=sleeps) == "sent"
    assert call.calls == 1
    assert sleeps.delays == []


async def test_retryable_twice_then_success_waits_retry_after(sleeps: Sleeps) -> None:
    call = ScriptedCall(rate_limited(retry_after_s=3), rate_limited(retry_after_s=7.5))
    assert await with_retries(call, sleep=sleeps) == "sent"
    assert call.calls == 3
    assert sleeps.delays == [3, 7.5]


async def test_retry_after_of_zero_retries_at_once(sleeps: Sleeps) -> None:
    call = ScriptedCall(rate_limited(retry_after_s=0))
    assert await with_retries(call, sleep=sleeps) == "sent"
    assert sleeps.delays == [0]


async def test_retry_after_longer_than_the_cap_is_capped(sleeps: Sleeps) -> None:
    call = ScriptedCall(rate_limited(retry_after_s=3600))
    assert await with_retries(call, sleep=sleeps) == "sent"
    assert sleeps.delays == [MAX_DELAY_S]


async def test_without_retry_after_backs_off_exponentially_within_bounds(sleeps: Sleeps) -> None:
    errors = [RetryableSendError("sms", "Internal Server Error", 500) for _ in range(9)]
    call = ScriptedCall(*errors)
    assert await with_retries(call, attempts=10, sleep=sleeps) == "sent"
    assert call.calls == 10
    assert len(sleeps.delays) == 9
    for attempt, delay in enumerate(sleeps.delays, start=1):
        assert 0 <= delay <= min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (attempt - 1))


async def test_backoff_is_jittered_not_lockstep() -> None:
    # Many conversations rate-limited at once must not all retry at the same moment.
    first_delays = []
    for _ in range(20):
        sleeps = Sleeps()
        await with_retries(ScriptedCall(RetryableSendError("sms", "busy", 503)), sleep=sleeps)
        first_delays.extend(sleeps.delays)
    assert len(set(first_delays)) > 1


@pytest.mark.parametrize(
    "error",
    [
        PermanentSendError("sms", "The 'To' number is not a valid phone number", 21211),
        PermanentSendError("messenger", "This person isn't available right now", 551),
    ],
)
async def test_permanent_error_is_raised_without_retry(
    sleeps: Sleeps, error: PermanentSendError
) -> None:
    call = ScriptedCall(error)
    with pytest.raises(PermanentSendError) as raised:
        await with_retries(call, sleep=sleeps)
    assert raised.value is error
    assert call.calls == 1
    assert sleeps.delays == []


async def test_permanent_error_after_a_retry_stops_retrying(sleeps: Sleeps) -> None:
    call = ScriptedCall(rate_limited(1), PermanentSendError("telegram", "Forbidden", 403))
    with pytest.raises(PermanentSendError):
        await with_retries(call, sleep=sleeps)
    assert call.calls == 2
    assert sleeps.delays == [1]


async def test_other_exceptions_are_not_retried(sleeps: Sleeps) -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise KeyError("bug in the caller")

    with pytest.raises(KeyError):
        await with_retries(broken, sleep=sleeps)
    assert calls == 1


async def test_attempts_exhausted_raises_the_last_error(sleeps: Sleeps) -> None:
    errors = [rate_limited(retry_after_s=i) for i in range(DEFAULT_ATTEMPTS)]
    call = ScriptedCall(*errors, rate_limited())  # would still fail after the last attempt
    last = errors[-1]
    with pytest.raises(RetryableSendError) as raised:
        await with_retries(call, sleep=sleeps)
    assert raised.value is last
    assert call.calls == DEFAULT_ATTEMPTS
    # No pointless wait after the last attempt.
    assert sleeps.delays == list(range(DEFAULT_ATTEMPTS - 1))


async def test_single_attempt_means_no_retry(sleeps: Sleeps) -> None:
    call = ScriptedCall(rate_limited(1))
    with pytest.raises(RetryableSendError):
        await with_retries(call, attempts=1, sleep=sleeps)
    assert call.calls == 1
    assert sleeps.delays == []


async def test_default_sleep_is_asyncio_sleep() -> None:
    # Without an injected sleep the real one is used (a zero Retry-After keeps it instant).
    call: Callable[[], Awaitable[str]] = ScriptedCall(rate_limited(retry_after_s=0))
    assert await with_retries(call) == "sent"


# -- errors and Retry-After ------------------------------------------------------------


def test_send_error_message_names_channel_and_code() -> None:
    error = RetryableSendError("sms", "Too Many Requests", 20429, retry_after_s=2)
    assert str(error) == "sms: Too Many Requests (code 20429)"
    assert (error.channel, error.code, error.retry_after_s) == ("sms", 20429, 2)
    assert isinstance(error, SendError)
    assert str(PermanentSendError("telegram", "chat not found")) == "telegram: chat not found"


@pytest.mark.parametrize(
    "header, seconds",
    [("120", 120.0), ("0", 0.0), ("1.5", 1.5), (" 7 ", 7.0), ("-3", 0.0)],
)
def test_retry_after_seconds_reads_delta_seconds(header: str, seconds: float) -> None:
    assert retry_after_seconds(header) == seconds


@pytest.mark.parametrize("header", [None, "", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "5s"])
def test_retry_after_seconds_unreadable_is_none(header: str | None) -> None:
    assert retry_after_seconds(header) is None

"""handoff.desk.throttle: backoff of failed sign-ins per name and per IP."""

from __future__ import annotations

import pytest

from handoff.desk.throttle import LoginThrottle, Throttled


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_free_attempts_then_doubling_delays_up_to_the_cap() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=3, base_delay_s=1, max_delay_s=8, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("sam", "10.1.1.1") == 0
        throttle.failed("sam", "10.1.1.1")
    assert throttle.retry_after("sam", "10.1.1.1") == 0
    delays = []
    for _ in range(6):
        throttle.failed("sam", "10.1.1.1")
        delays.append(throttle.retry_after("sam", None))
        clock.now += delays[-1]
    assert delays == [1, 2, 4, 8, 8, 8]


def test_names_are_case_insensitive_and_separate() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=1, clock=clock)
    throttle.failed("Sam", None)
    throttle.failed("sam", None)
    assert throttle.retry_after("SAM", None) > 0
    assert throttle.retry_after("kim", None) == 0


def test_an_ip_guessing_many_names_is_slowed_down_too() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=5, ip_free_attempts=4, clock=clock)
    for index in range(5):
        throttle.failed(f"user{index}", "203.0.113.9")
    assert throttle.retry_after("someone-new", "203.0.113.9") > 0
    assert throttle.retry_after("someone-new", "203.0.113.10") == 0
    # A right password for one name clears that name, not the IP.
    throttle.succeeded("user0", "203.0.113.9")
    assert throttle.retry_after("user0", "203.0.113.9") > 0


def test_success_clears_the_name_and_old_failures_are_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=0, forget_after_s=60, clock=clock)
    throttle.failed("sam", None)
    assert throttle.retry_after("sam", None) > 0
    throttle.succeeded("sam", None)
    assert throttle.retry_after("sam", None) == 0
    throttle.failed("kim", None)
    clock.now += 61
    assert throttle.retry_after("kim", None) == 0


def test_memory_is_bounded_and_huge_counts_do_not_overflow() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_entries=100, max_delay_s=900, clock=clock)
    for index in range(1000):
        throttle.failed(f"invented{index}", None)
    assert len(throttle._failures) == 100
    for _ in range(2000):
        throttle.failed("sam", None)
    assert throttle.retry_after("sam", None) == 900


# -- attempts under way (sent at once) -----------------------------------------------------


def test_attempts_under_way_count_as_failures_to_come() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=5, ip_free_attempts=100, clock=clock)
    attempts, refused = [], []
    for _ in range(15):  # all sent before any has been checked
        try:
            attempts.append(throttle.begin("sam", "10.1.1.1"))
        except Throttled as throttled:
            refused.append(throttled.retry_after_s)
    # As if sent one after the other: five free failures, and the sixth that starts the lockout.
    assert len(attempts) == 6 and len(refused) == 9
    assert all(wait >= 1 for wait in refused)
    for attempt in attempts:
        attempt.failed()
    assert throttle.retry_after("sam", "10.1.1.1") == 1
    with pytest.raises(Throttled):
        throttle.begin("sam", "10.1.1.1")


def test_past_the_free_attempts_only_one_attempt_at_a_time() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=1, base_delay_s=1, clock=clock)
    throttle.failed("sam", None)
    throttle.failed("sam", None)
    clock.now += 1  # the lockout has passed
    first = throttle.begin("sam", None)
    with pytest.raises(Throttled):
        throttle.begin("sam", None)
    first.failed()
    assert throttle.retry_after("sam", None) == 2


def test_an_attempt_left_unfinished_gives_its_place_back_without_counting() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_attempts=0, clock=clock)
    with pytest.raises(RuntimeError), throttle.begin("sam", None):
        raise RuntimeError("the password check failed")
    # Not counted as a failure, and no longer under way.
    assert throttle.retry_after("sam", None) == 0
    with throttle.begin("sam", None) as attempt:
        attempt.succeeded()
        attempt.failed()  # only the first outcome counts
    assert throttle.retry_after("sam", None) == 0
    assert not throttle._pending


def test_an_ip_is_limited_across_names_while_attempts_are_under_way() -> None:
    throttle = LoginThrottle(free_attempts=5, ip_free_attempts=2, clock=Clock())
    started = [throttle.begin(f"user{n}", "203.0.113.9") for n in range(3)]
    with pytest.raises(Throttled):
        throttle.begin("user9", "203.0.113.9")
    assert throttle.begin("user9", "203.0.113.10")  # another address is not held back
    for attempt in started:
        attempt.abandon()

"""Slowing down password guessing at the desk's sign-in: :class:`LoginThrottle`.

Failures are counted per agent name (case-insensitively) and per client IP.
The first ``free_attempts`` failures cost nothing; each further one locks
that name (or IP) out for twice as long as the one before, from
``base_delay_s`` up to ``max_delay_s``. While locked, sign-in answers 429
with ``Retry-After`` without checking the password, so a guesser learns
nothing; a success clears the name's count. IPs get more free attempts
than names, because a whole office may share one address.

Counts live in this process's memory: the service runs as a single worker
(its event hub needs that too), a restart forgets them, and they are
forgotten ``forget_after_s`` after the last failure. At most ``max_entries``
are kept, the oldest dropped first, so a flood of invented names cannot
grow memory without bound. A shared store (Redis) would be needed with
several workers; nothing else is.

Concurrency: checking a password takes a quarter of a second in a worker
thread, so a guesser who sends many attempts at once would find them all
let in by a check made before any of them had failed. An attempt therefore
*reserves* its place with :meth:`LoginThrottle.begin` before the password is
checked, and reports how it ended on the :class:`Attempt` it got. Attempts
still under way count as if they will fail: one is let in only while the
failures so far plus those under way stay within the free attempts, and
past them only one attempt at a time. ``begin`` runs on the event loop with
no ``await`` between the check and the reservation, so no lock is needed:
nothing else runs in between (the service has one worker, see above).
Fifteen wrong passwords sent at once thus get six 401s and nine 429s, as
if they had been sent one after the other.
"""

from __future__ import annotations

import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from handoff.errors import TooManyRequests
from plumbing.backoff import backoff_delay

DEFAULT_FREE_ATTEMPTS = 5
DEFAULT_IP_FREE_ATTEMPTS = 20
DEFAULT_BASE_DELAY_S = 1.0
DEFAULT_MAX_DELAY_S = 15 * 60.0
DEFAULT_FORGET_AFTER_S = 60 * 60.0
DEFAULT_MAX_ENTRIES = 10_000


@dataclass
class _Failures:
    count: int
    last_failure: float
    locked_until: float


class Throttled(TooManyRequests):
    """Too many attempts for this name or IP: try again in ``retry_after_s`` seconds
    (answered 429 with ``Retry-After``, handoff.errors)."""

    error = "too many attempts"

    def __init__(self, retry_after_s: float) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(f"too many failed sign-ins; try again in {seconds} seconds", retry_after_s)


class Attempt:
    """A sign-in attempt under way (from :meth:`LoginThrottle.begin`).

    Report its end with :meth:`failed` or :meth:`succeeded`. Used as a context
    manager, an attempt left without either (the check raised, or the client
    went away and the request was cancelled) gives its place back without
    counting: its caller learnt nothing from it.
    """

    def __init__(self, throttle: LoginThrottle, name: str, ip: str | None) -> None:
        self._throttle = throttle
        self._name = name
        self._ip = ip
        self._open = True

    def _end(self) -> bool:
        if not self._open:
            return False
        self._open = False
        self._throttle._release(self._name, self._ip)
        return True

    def failed(self) -> None:
        if self._end():
            self._throttle.failed(self._name, self._ip)

    def succeeded(self) -> None:
        if self._end():
            self._throttle.succeeded(self._name, self._ip)

    def abandon(self) -> None:
        self._end()

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.abandon()


class LoginThrottle:
    def __init__(
        self,
        *,
        free_attempts: int = DEFAULT_FREE_ATTEMPTS,
        ip_free_attempts: int = DEFAULT_IP_FREE_ATTEMPTS,
        base_delay_s: float = DEFAULT_BASE_DELAY_S,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
        forget_after_s: float = DEFAULT_FORGET_AFTER_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._free = {"name": free_attempts, "ip": ip_free_attempts}
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._forget_after_s = forget_after_s
        self._max_entries = max_entries
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        # Attempts reserved and not yet ended, per key (see the module docstring).
        # Bounded by the requests in flight; a key leaves when its count is 0.
        self._pending: Counter[tuple[str, str]] = Counter()

    @staticmethod
    def _keys(name: str, ip: str | None) -> list[tuple[str, str]]:
        keys = [("name", name.casefold())]
        if ip:
            keys.append(("ip", ip))
        return keys

    def _current(self, key: tuple[str, str], now: float) -> _Failures | None:
        failures = self._failures.get(key)
        if failures is not None and now - failures.last_failure > self._forget_after_s:
            del self._failures[key]
            return None
        return failures

    def retry_after(self, name: str, ip: str | None) -> float:
        """Seconds until this name and IP may try again; 0 if they may now."""
        now = self._clock()
        wait = 0.0
        for key in self._keys(name, ip):
            failures = self._current(key, now)
            if failures is not None:
                wait = max(wait, failures.locked_until - now)
        return wait

    def begin(self, name: str, ip: str | None) -> Attempt:
        """Reserve an attempt for this name and IP, or raise :class:`Throttled`.

        Refused while locked out, and while the attempts already under way
        would, if they all failed, use up the free attempts (then the wait
        given is the lockout they would start).
        """
        now = self._clock()
        keys = self._keys(name, ip)
        wait = 0.0
        for key in keys:
            failures = self._current(key, now)
            count = failures.count if failures is not None else 0
            if failures is not None and failures.locked_until > now:
                wait = max(wait, failures.locked_until - now)
                continue
            pending = self._pending[key]
            if pending and count + pending > self._free[key[0]]:
                wait = max(wait, self._delay(count + pending - self._free[key[0]]))
        if wait > 0:
            raise Throttled(wait)
        # No await since the check above: no other attempt can have slipped in.
        for key in keys:
            self._pending[key] += 1
        return Attempt(self, name, ip)

    def _release(self, name: str, ip: str | None) -> None:
        for key in self._keys(name, ip):
            self._pending[key] -= 1
            if self._pending[key] <= 0:
                del self._pending[key]

    def _delay(self, beyond: int) -> float:
        """The lockout after ``beyond`` failures past the free ones (beyond >= 1)."""
        return backoff_delay(beyond, base_s=self._base_delay_s, max_s=self._max_delay_s)

    def failed(self, name: str, ip: str | None) -> None:
        now = self._clock()
        for key in self._keys(name, ip):
            failures = self._current(key, now) or _Failures(0, now, now)
            failures.count += 1
            failures.last_failure = now
            beyond = failures.count - self._free[key[0]]
            if beyond > 0:
                failures.locked_until = now + self._delay(beyond)
            self._failures[key] = failures
            self._failures.move_to_end(key)
        while len(self._failures) > self._max_entries:
            self._failures.popitem(last=False)

    def succeeded(self, name: str, ip: str | None) -> None:
        # The IP keeps its count: one right password must not reset a
        # guesser who is trying many names from the same address.
        self._failures.pop(("name", name.casefold()), None)

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
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

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

    def failed(self, name: str, ip: str | None) -> None:
        now = self._clock()
        for key in self._keys(name, ip):
            failures = self._current(key, now) or _Failures(0, now, now)
            failures.count += 1
            failures.last_failure = now
            beyond = failures.count - self._free[key[0]]
            if beyond > 0:
                # The exponent is capped: 2**1100 would not fit in a float.
                delay = min(self._max_delay_s, self._base_delay_s * 2 ** min(beyond - 1, 60))
                failures.locked_until = now + delay
            self._failures[key] = failures
            self._failures.move_to_end(key)
        while len(self._failures) > self._max_entries:
            self._failures.popitem(last=False)

    def succeeded(self, name: str, ip: str | None) -> None:
        # The IP keeps its count: one right password must not reset a
        # guesser who is trying many names from the same address.
        self._failures.pop(("name", name.casefold()), None)

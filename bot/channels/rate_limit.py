"""Per-sender rate limiting for the channels' inbox: :class:`SenderLimiter`.

One token bucket per sender (a channel holds its own limiter, so the key is
channel + sender id): ``CHANNELS_RATE_BURST`` tokens, refilled at
``CHANNELS_RATE_PER_MINUTE``; each message processed takes one. What the
inbox does with a message that finds the bucket empty is in
bot.channels.inbox: it waits, in order, in the sender's queue.

Why a bucket per sender and not a global one: the point is that one number
sending hundreds of messages a minute cannot take the turns that other
customers need; a global limit would make everybody wait for the flood.

Why not a library (``limits``, ``aiolimiter``): what is needed is "how long
until this sender's next token", to sleep exactly that long in the
sender's own queue; those give "allowed or not" (``limits``) or an async
context manager per bucket (``aiolimiter``), and either way a dependency
for twenty lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Buckets are forgotten once full again (a full bucket is the same as none);
# the sweep runs when this many are held, so memory follows the number of
# senders active in the last burst / rate minutes, not all senders ever seen.
SWEEP_AT = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SenderLimiter:
    """Token buckets keyed by sender id; ``per_minute`` 0 means no limit."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 0 or burst < 1:
            raise ValueError("a rate limit needs per_minute >= 0 and burst >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self._per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, sender_id: str) -> float:
        """Take a token for ``sender_id``: 0.0 if one was taken, else the seconds until
        one will be there (nothing is taken then: ask again after that long)."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(sender_id)
        if bucket is None:
            if len(self._buckets) >= SWEEP_AT:
                self._sweep(now)
            bucket = self._buckets[sender_id] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self._per_second
            )
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._per_second

    def _sweep(self, now: float) -> None:
        full = [
            sender
            for sender, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self._per_second >= self.burst
        ]
        for sender in full:
            del self._buckets[sender]

    def __len__(self) -> int:
        return len(self._buckets)

"""How long to wait before trying again: :func:`backoff_delay`, one formula for
every retry, and :func:`retry`, the one loop for the retries that happen in a
single call.

The delay doubles with each failed attempt, from ``base_s`` up to ``max_s``,
and part of it may be drawn at random (``jitter``) so that clients that
failed together do not all come back at the same moment. Its callers and
their parameters:

=====================================  ======  =======  ======  ==============================
caller                                 base    max      jitter  what is retried
=====================================  ======  =======  ======  ==============================
bot.channels.delivery.with_retries     0.5 s   30 s     full    a send to Twilio, Telegram...
actions.handoff_outbox (forwarder)     2 s     60 s     none    a handoff the service refused
handoff.rasa_client.RasaClient         0.5 s   none     none    a call to Rasa's HTTP API
handoff.delivery.RasaDelivery          0.5 s   none     none    an agent's reply, sent by Rasa
handoff.integrations.dispatcher        1 s     300 s    half    an event for an adapter
handoff.desk.throttle.LoginThrottle    1 s     15 min   none    a lockout after wrong passwords
plumbing.worker.Worker                 per worker       none    a background step that failed
=====================================  ======  =======  ======  ==============================

The first four retry within one call, through :func:`retry`; the others
keep their next attempt's time elsewhere (a database row, a worker's clock).

Why not a library (tenacity, backoff): the retries differ (some keep the next
attempt's time in a database to survive a restart, some honour
``Retry-After``, the desk's throttle is no loop at all); what they share is
this formula and a loop of a dozen lines, with the log line each caller wants.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

# 2**62 times any base delay is past every cap; a larger exponent could
# overflow a float (2.0**1100), and attempts are counted without bound.
MAX_EXPONENT = 62


def backoff_delay(
    attempt: int,
    *,
    base_s: float,
    max_s: float = math.inf,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1 for the first).

    ``base_s * 2 ** (attempt - 1)``, at most ``max_s``; then, with
    ``jitter`` = j, a random amount between ``(1 - j)`` times that delay and
    all of it: 0 is no jitter, 1 is "full jitter" (anywhere from 0 to the
    delay), 0.5 between half and all. ``rng`` makes the draw reproducible
    (tests); by default it is the ``random`` module's.
    """
    if attempt < 1:
        raise ValueError(f"attempts are counted from 1, not {attempt}")
    if not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must be between 0 and 1, not {jitter}")
    delay = min(max_s, base_s * 2 ** min(attempt - 1, MAX_EXPONENT))
    if jitter:
        uniform = random.uniform if rng is None else rng.uniform
        delay *= uniform(1.0 - jitter, 1.0)
    return delay


async def retry(
    call: Callable[[], Awaitable[T]],
    *,
    retry_on: type[E],
    attempts: int,
    base_s: float,
    max_s: float = math.inf,
    jitter: float = 0.0,
    wait_hint: Callable[[E], float | None] | None = None,
    on_retry: Callable[[E, int, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``await call()`` until it returns, raises anything but ``retry_on``, or attempts run out.

    A ``retry_on`` error from the last attempt is raised as it is, so the
    caller words the final failure. Between attempts the wait is
    ``wait_hint(error)`` when it gives one (a server's ``Retry-After``),
    else :func:`backoff_delay`; either way at most ``max_s``. ``on_retry``
    gets the error, the attempt that failed and the wait, to log it.
    """
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except retry_on as error:
            if attempt == attempts:
                raise
            hinted = wait_hint(error) if wait_hint is not None else None
            if hinted is None:
                hinted = backoff_delay(attempt, base_s=base_s, max_s=max_s, jitter=jitter)
            delay = min(hinted, max_s)
            if on_retry is not None:
                on_retry(error, attempt, delay)
            await sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")

"""How long to wait before trying again: :func:`backoff_delay`, one formula for every retry.

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

Why not a library (tenacity, backoff): the retry loops around this differ
(some keep the next attempt's time in a database to survive a restart, some
honour ``Retry-After``, the desk's throttle is no loop at all); what they
share is this formula, a few lines.
"""

from __future__ import annotations

import math
import random

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

"""Outbound API calls with retries: back off on 429 and 5xx, honour Retry-After.

Exceptions (under bot.channels.errors.ChannelError, the channels' root)::

    SendError             a message could not be delivered
     +-- PermanentSendError   the API refused it (bad recipient, opted out,
     |                        blocked...): retrying cannot help
     +-- RetryableSendError   rate limited or the API failed: worth retrying

Written here rather than taken from a retry library because the decision
depends on each API's own error payloads and Retry-After header, which the
channel modules translate into these two exceptions; the loop itself is short.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.channels.errors import ChannelError
from plumbing.backoff import retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_ATTEMPTS = 5
BASE_DELAY_S = 0.5
MAX_DELAY_S = 30.0


class SendError(ChannelError):
    def __init__(self, channel: str, message: str, code: str | int | None = None) -> None:
        super().__init__(f"{channel}: {message}" + (f" (code {code})" if code is not None else ""))
        self.channel = channel
        self.code = code


class PermanentSendError(SendError):
    pass


class RetryableSendError(SendError):
    def __init__(
        self,
        channel: str,
        message: str,
        code: str | int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(channel, message, code)
        self.retry_after_s = retry_after_s


def retry_after_seconds(header: str | None) -> float | None:
    """Retry-After as seconds (only the delta-seconds form; APIs here use it)."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call`` until it succeeds, raises a permanent error, or attempts run out."""

    def log(error: RetryableSendError, attempt: int, delay: float) -> None:
        logger.info(
            "%s: retrying in %.1f s (attempt %d of %d, code %s)",
            error.channel, delay, attempt, attempts, error.code,
        )  # fmt: skip

    # Exponential backoff with full jitter, so that many conversations
    # rate-limited at once do not retry in lockstep; Retry-After wins.
    return await retry(
        call,
        retry_on=RetryableSendError,
        attempts=attempts,
        base_s=BASE_DELAY_S,
        max_s=MAX_DELAY_S,
        jitter=1.0,
        wait_hint=lambda error: error.retry_after_s,
        on_retry=log,
        sleep=sleep,
    )

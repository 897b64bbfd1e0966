"""What an adapter is to the dispatcher, and how a failed delivery is judged.

An adapter has a ``name`` (its queue in the database, and the prefix of the
author of every message it brings in: ``zendesk:Jane Doe``), says which
journal events it ``wants`` (judged once, when the event is queued, from the
event alone), and ``deliver``s one event, raising :class:`DeliveryFailed` when
it did not arrive. It must be safe to deliver an event again: delivery is at
least once.

How a failure ends (:func:`failure_for_status`):

- 408, 425, 429, 5xx, timeouts and connection errors are transient: the event
  is retried with backoff (and no earlier than a ``Retry-After``);
- 401 and 403 are transient too: they mean our credentials or signature are
  wrong, which an operator fixes, not the event; they are logged at WARNING;
- any other 4xx is permanent: the receiver will never take this event, and it
  is dead-lettered at once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Protocol

import httpx

from handoff.integrations.signatures import EVENT_ID_HEADER, EVENT_TYPE_HEADER, signed_headers
from handoff.store import JournalEvent

# The longest Retry-After honoured: a broken header must not park a queue for days.
MAX_RETRY_AFTER_S = 3600.0
TRANSIENT_STATUSES = frozenset({408, 425, 429})
CREDENTIAL_STATUSES = frozenset({401, 403})


class DeliveryFailed(Exception):
    """An event did not arrive. ``reason`` is logged and stored: it names a status or
    an error class, never message text."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after_s: float | None = None,
        status: int | None = None,
        credentials: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after_s = retry_after_s
        self.status = status
        # The receiver rejected our credentials or signature: a configuration error.
        self.credentials = credentials


class Adapter(Protocol):
    name: str

    def wants(self, event: JournalEvent) -> bool: ...

    async def deliver(self, event: JournalEvent, attempt: int) -> None: ...

    async def aclose(self) -> None: ...


def authored_by(event: JournalEvent, adapter_name: str) -> bool:
    """Whether the event is a message that came in through this adapter (not to echo back)."""
    if event.type != "message.created":
        return False
    author = event.payload.get("message", {}).get("author") or ""
    return isinstance(author, str) and author.startswith(f"{adapter_name}:")


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), capped; None if absent."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    # ASCII digits only: "²" passes isdigit() and float() then refuses it, which
    # made every retry of the event raise instead of waiting.
    if raw.isascii() and raw.isdigit():
        return min(float(raw), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    delta = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER_S)


def failure_for_status(
    response: httpx.Response, transient: frozenset[int] = TRANSIENT_STATUSES
) -> DeliveryFailed:
    status = response.status_code
    reason = f"HTTP {status}"
    if status in CREDENTIAL_STATUSES:
        return DeliveryFailed(
            f"{reason}: credentials or signature rejected", status=status, credentials=True
        )
    permanent = 400 <= status < 500 and status not in transient
    return DeliveryFailed(
        reason, permanent=permanent, retry_after_s=retry_after(response), status=status
    )


def failure_for_error(error: httpx.HTTPError) -> DeliveryFailed:
    """A request that got no answer: always worth retrying."""
    return DeliveryFailed(f"{type(error).__name__}")


async def post_signed(
    client: httpx.AsyncClient, url: str, secret: str, event: JournalEvent, body: bytes
) -> None:
    """POST ``body``, ``event``'s envelope, signed (handoff.integrations.signatures);
    the generic webhook and the CRM's records webhook send alike. Raises DeliveryFailed."""
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: str(event.id),
        EVENT_TYPE_HEADER: event.type,
        # Signed per attempt: a retry hours later must not look stale.
        **signed_headers(secret, body),
    }
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise failure_for_error(error) from error
    if not response.is_success:
        raise failure_for_status(response)

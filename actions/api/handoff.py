"""Client of the handoff service: ``POST {HANDOFF_URL}/api/handoffs``.

Exceptions (under actions.errors.ActionServerError, the action server's root)::

    HandoffApiError
    ├── HandoffUnavailable  not reached, timed out, 5xx, 408, 429: try again later
    └── HandoffRejected     any other 4xx (wrong token, invalid request): retrying
                            the same request will fail until someone fixes it

The request carries ``escalation_id``, the service's idempotency key: sending
the same escalation again returns the existing handoff (200 instead of 201),
so a retry after a lost answer never queues the customer twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar

import httpx

from actions.errors import ActionServerError

HANDOFFS_PATH = "/api/handoffs"
# Statuses that say "not now" rather than "never".
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class HandoffApiError(ActionServerError):
    """The handoff service did not create the handoff (a 502 if it ever reached a caller)."""

    http_status: ClassVar[int] = 502

    @property
    def public_message(self) -> str:
        return "the handoff service did not take the handoff"


class HandoffUnavailable(HandoffApiError):
    """The service could not be reached or failed: try again later."""


class HandoffRejected(HandoffApiError):
    """The service refused the request (4xx other than 408/425/429).

    ``service_status`` is the service's answer; ``http_status``, as for every
    ActionServerError, is what this server would answer with it.
    """

    def __init__(self, service_status: int, detail: str) -> None:
        super().__init__(f"HTTP {service_status}: {detail}")
        self.service_status = service_status


@dataclass(frozen=True)
class HandoffReceipt:
    """What the service says about the handoff it created (or already had)."""

    handoff_id: str
    queue_position: int | None = None
    expected_wait_s: float | None = None
    business_hours_open: bool = True
    next_opening: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> HandoffReceipt:
        # Lenient: a 2xx means the handoff exists, whatever the body says. A
        # field that is missing or malformed only makes the customer's message
        # vaguer ("a person will take over" instead of "you are number 3").
        body: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        position = body.get("queue_position")
        wait = body.get("expected_wait_s")
        open_now = body.get("business_hours_open")
        return cls(
            handoff_id=str(body.get("id", "")),
            queue_position=position
            if isinstance(position, int) and not isinstance(position, bool) and position > 0
            else None,
            expected_wait_s=float(wait)
            if isinstance(wait, (int, float)) and not isinstance(wait, bool)
            and math.isfinite(wait) and wait >= 0
            else None,
            business_hours_open=open_now if isinstance(open_now, bool) else True,
            next_opening=parse_instant(body.get("next_opening")),
        )


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 instant; naive ones are UTC. None if absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        # Python 3.10's fromisoformat does not read the "Z" suffix.
        instant = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1:] in "Zz" else value)
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


class HandoffClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout_s = timeout_s
        self._transport = transport  # tests may pass httpx.MockTransport

    async def create_handoff(self, request: Mapping[str, Any]) -> HandoffReceipt:
        # A client per call: escalations are rare, and a client kept between
        # calls would hold connections bound to the event loop that opened
        # them (the forwarder's task and the action may run in different ones
        # in tests, and the operators' flush runs its own).
        async with httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout_s),
            transport=self._transport,
            headers={"Authorization": f"Bearer {self._token}"},
        ) as client:
            try:
                response = await client.post(HANDOFFS_PATH, json=dict(request))
            except httpx.TransportError as error:
                raise HandoffUnavailable(f"{type(error).__name__}: {error}") from error
        if response.is_success:
            try:
                body = response.json()
            except ValueError:
                body = {}
            return HandoffReceipt.from_json(body)
        detail = response.text[:200]
        if response.status_code in RETRYABLE_STATUSES or response.status_code >= 500:
            raise HandoffUnavailable(f"HTTP {response.status_code}: {detail}")
        raise HandoffRejected(response.status_code, detail)

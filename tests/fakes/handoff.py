"""The handoff service's API as the bot uses it: ``POST /api/handoffs``.

Answers the way the service's contract says: a wrong bearer token is 401;
a new ``escalation_id`` creates a handoff (201), a known one returns the same
handoff (200), which is what makes the bot's outbox retries safe. ``down``
makes it answer 503, as a service that is starting or failing would.
"""

from __future__ import annotations

import threading
from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply

# The expected wait the fake announces per place in the queue.
WAIT_PER_PLACE_S = 240


class FakeHandoffService(FakeApi):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.down = False
        self.business_hours_open = True
        self.next_opening: str | None = None
        # escalation_id -> the request that created the handoff
        self.handoffs: dict[str, dict[str, Any]] = {}
        self._handoffs_lock = threading.Lock()

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != "/api/handoffs":
            return Reply(404, {"error": "not found"})
        if self.down:
            return Reply(503, {"error": "service unavailable"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "invalid token"})
        body = request.json()
        escalation_id = body["escalation_id"]
        with self._handoffs_lock:
            created = escalation_id not in self.handoffs
            if created:
                self.handoffs[escalation_id] = body
            position = list(self.handoffs).index(escalation_id) + 1
        return Reply(
            201 if created else 200,
            {
                "id": position,
                "escalation_id": escalation_id,
                "status": "waiting",
                "queue_position": position,
                "expected_wait_s": WAIT_PER_PLACE_S * position,
                "business_hours_open": self.business_hours_open,
                "next_opening": self.next_opening,
            },
        )

    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

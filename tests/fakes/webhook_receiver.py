"""A contact center's webhook endpoint, as the generic webhook adapter's docs describe one.

It checks the signature the way a receiver would, with its own code (not
handoff.integrations.signatures), de-duplicates events by id, and can be
made to fail: ``down`` answers 503 to everything (the contact center is
down), ``failing_handoffs`` answers 503 to the events of those handoffs
only (a bug on the receiver's side with one conversation), ``lose_answers``
takes the next N events but answers 500 (the event arrived, the answer was
lost: the sender must send it again, and the receiver must not take it twice).
Subclasses serve another ``path`` and keep what an event carries in ``take``
(tests.handoff.integrations.crm_receiver upserts records).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply

PATH = "/hooks/handoff"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def signed(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers a contact center sends with ``body`` to our inbound webhook."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/json",
        "X-Handoff-Timestamp": stamp,
        "X-Handoff-Signature": signature(secret, stamp, body),
    }


def handoff_of(event: dict[str, Any]) -> int:
    data = event["data"]
    return int(data["handoff"]["id"] if "handoff" in data else data["handoff_id"])


class FakeWebhookReceiver(FakeApi):
    path = PATH

    def __init__(self, secret: str) -> None:
        super().__init__()
        # Checked for shutdown every 50 ms rather than 500: each test stops one.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.secret = secret
        self.down = False
        self.lose_answers = 0
        self.failing_handoffs: set[int] = set()
        self.unavailable = 0  # requests answered 503
        self.duplicates: list[int] = []
        self.bad_signatures = 0
        # Event id -> body, in the order events were first taken.
        self._taken: dict[int, dict[str, Any]] = {}
        self._state = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"{self.url}{self.path}"

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != self.path:
            return Reply(404, {"error": "not found"})
        stamp = request.headers.get("x-handoff-timestamp", "")
        given = request.headers.get("x-handoff-signature", "")
        expected = signature(self.secret, stamp, request.body)
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
        with self._state:
            if not fresh or not hmac.compare_digest(given.encode(), expected.encode()):
                self.bad_signatures += 1
                return Reply(401, {"error": "bad signature"})
            if self.down:
                self.unavailable += 1
                return Reply(503, {"error": "maintenance"})
            event = json.loads(request.body)
            # Only read a handoff id when some are failing: other events
            # (a CRM's records) carry none.
            if self.failing_handoffs and handoff_of(event) in self.failing_handoffs:
                self.unavailable += 1
                return Reply(503, {"error": "cannot store this conversation now"})
            if request.headers.get("x-handoff-event-id") != str(event["id"]):
                return Reply(400, {"error": "X-Handoff-Event-Id does not match the body"})
            if event["id"] in self._taken:
                self.duplicates.append(event["id"])
                return Reply(200, {"duplicate": True})
            self._taken[event["id"]] = event
            self.take(event)
            if self.lose_answers:
                self.lose_answers -= 1
                return Reply(500, {"error": "crashed after saving"})
        return Reply(200, {"ok": True})

    def take(self, event: dict[str, Any]) -> None:
        """Keep what a new ``event`` carries; called once an event, holding the state lock."""

    def events(self) -> list[dict[str, Any]]:
        """Every event taken, once each, in the order they first arrived."""
        with self._state:
            return list(self._taken.values())

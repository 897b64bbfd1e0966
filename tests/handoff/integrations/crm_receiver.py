"""A CRM's endpoint for the records webhook, as the README tells a CRM to build one.

It checks the signature with the tests' own code (not handoff.integrations.signatures),
de-duplicates events by id and upserts records by ``data.record_id``; ``down``
answers 503 to everything. Scripted answers (``fail_next``) come before any check.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply
from tests.fakes.webhook_receiver import signature

PATH = "/hooks/records"


class FakeCrm(FakeApi):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.secret = secret
        self.down = False
        self.unavailable = 0
        self.bad_signatures = 0
        self.duplicates: list[int] = []
        self._taken: dict[int, dict[str, Any]] = {}
        # record_id -> the latest record, as a CRM keeps it.
        self.records: dict[str, dict[str, Any]] = {}
        self._state = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"{self.url}{PATH}"

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != PATH:
            return Reply(404, {"error": "not found"})
        stamp = request.headers.get("x-handoff-timestamp", "")
        given = request.headers.get("x-handoff-signature", "")
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
        expected = signature(self.secret, stamp, request.body)
        with self._state:
            if not fresh or not hmac.compare_digest(given.encode(), expected.encode()):
                self.bad_signatures += 1
                return Reply(401, {"error": "bad signature"})
            if self.down:
                self.unavailable += 1
                return Reply(503, {"error": "maintenance"})
            event = json.loads(request.body)
            if request.headers.get("x-handoff-event-id") != str(event["id"]):
                return Reply(400, {"error": "X-Handoff-Event-Id does not match the body"})
            if event["id"] in self._taken:
                self.duplicates.append(event["id"])
                return Reply(200, {"duplicate": True})
            self._taken[event["id"]] = event
            self.records[event["data"]["record_id"]] = event["data"]["record"]
        return Reply(200, {"ok": True})

    def events(self) -> list[dict[str, Any]]:
        """Every event taken, once each, in the order they first arrived."""
        with self._state:
            return list(self._taken.values())

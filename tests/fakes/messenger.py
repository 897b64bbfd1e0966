"""Meta's Graph API Send API: POST /{version}/me/messages."""

from __future__ import annotations

from tests.fakes.server import FakeApi, Recorded, Reply


class FakeGraph(FakeApi):
    def handle(self, request: Recorded) -> Reply:
        return Reply(200, {"recipient_id": "0", "message_id": f"m_{len(self.requests)}"})

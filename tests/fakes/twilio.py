"""Twilio's Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json."""

from __future__ import annotations

from tests.fakes.server import FakeApi, Recorded, Reply


class FakeTwilio(FakeApi):
    def handle(self, request: Recorded) -> Reply:
        return Reply(201, {"sid": f"SM{len(self.requests):032d}", "status": "queued"})

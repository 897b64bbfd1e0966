"""A CRM's endpoint for the records webhook, as the README tells a CRM to build one.

A :class:`~tests.fakes.webhook_receiver.FakeWebhookReceiver` (the same signature,
freshness and de-duplication checks, ``down`` and ``fail_next``) on the records
path, that also upserts each new event's record by ``data.record_id``.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.webhook_receiver import FakeWebhookReceiver

PATH = "/hooks/records"


class FakeCrm(FakeWebhookReceiver):
    path = PATH

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        # record_id -> the latest record, as a CRM keeps it.
        self.records: dict[str, dict[str, Any]] = {}

    def take(self, event: dict[str, Any]) -> None:
        self.records[event["data"]["record_id"]] = event["data"]["record"]

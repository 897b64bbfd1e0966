"""The CRM webhook: each finished conversation record POSTed, signed, to a CRM.

:class:`RecordsWebhookAdapter` (``records_webhook``) reads the records' outbox
``record_events`` (handoff.insights.outbox: what is journaled, when, and why
in a table of its own), through the adapters' delivery queue and
dispatcher: at least once, in order per conversation, retried with backoff,
dead-lettered by the rules of handoff.integrations.adapters, listed and sent
again by the admin routes (handoff.integrations.admin). It is on when
``HANDOFF_RECORDS_WEBHOOK_URL`` is set (handoff.integrations.settings), and
is not the generic webhook: ``HANDOFF_WEBHOOK_URL`` keeps its contract and
is never sent a record, nor is Zendesk, nor the desk's event stream (they
read ``handoff_events``).

Each event is POSTed as JSON to ``HANDOFF_RECORDS_WEBHOOK_URL``::

    {"id": 42, "type": "record.finished", "created_at": "2026-12-03T10:00:00+00:00",
     "data": {"record_id": "0b5c...-...", "record": {"conversation_id": "sha256:3f2a...",
              "started_at": "...", "ended_at": "...", "outcome": "resolved", ...}}}

- ``type``: ``record.finished`` (a session's first event: its record became
  final) or ``record.updated`` (a finished record changed: a late
  satisfaction score, a handoff's times, a refold);
- ``id``: the event's, the same on every retry (de-duplicate on it);
- ``data.record_id``: the session's, the same for all its events
  (handoff.insights.outbox.record_id): upsert on it;
- ``data.record``: :meth:`ConversationRecord.to_json`, as the records'
  export has it: with ``HANDOFF_EXPORT_SCRUB`` on (the default), ids that
  hold personal data hashed and order numbers that look like more left out
  (handoff.insights.export.scrubbed), applied when it is sent.

Headers, as the generic webhook's: ``X-Handoff-Event-Id``,
``X-Handoff-Event-Type``, ``X-Handoff-Timestamp`` and ``X-Handoff-Signature``
(HMAC-SHA256 with ``HANDOFF_RECORDS_WEBHOOK_SECRET``, handoff.integrations.signatures).
Any 2xx answer means delivered.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from handoff.insights.export import scrubbed
from handoff.insights.record import ConversationRecord
from handoff.integrations.adapters import post_signed
from handoff.integrations.settings import RECORDS_WEBHOOK, IntegrationSettings
from handoff.models import RECORD_EVENT_TYPES
from handoff.store import JournalEvent, iso

USER_AGENT = "handoff-service-records/1"


def record_data(payload: dict[str, Any], scrub: bool) -> dict[str, Any]:
    """An outbox payload as the CRM is sent it: the record scrubbed, or as it is."""
    record = payload["record"]
    if scrub:
        record = scrubbed(ConversationRecord.from_json(record)).to_json()
    return {"record_id": payload["record_id"], "record": record}


def envelope(event: JournalEvent, scrub: bool) -> bytes:
    """The request body for ``event``: what is signed is exactly what is sent."""
    body = {
        "id": event.id,
        "type": event.type,
        "created_at": iso(event.created_at),
        "data": record_data(event.payload, scrub),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class RecordsWebhookAdapter:
    name = RECORDS_WEBHOOK

    def __init__(
        self, settings: IntegrationSettings, client: httpx.AsyncClient, *, scrub: bool
    ) -> None:
        self._url = settings.records_webhook_url
        self._secret = settings.records_webhook_secret
        self._scrub = scrub
        self._client = client

    @classmethod
    def create(cls, settings: IntegrationSettings, *, scrub: bool) -> RecordsWebhookAdapter:
        """``scrub``: the service's ``HANDOFF_EXPORT_SCRUB``."""
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_s), headers={"User-Agent": USER_AGENT}
        )
        return cls(settings, client, scrub=scrub)

    def wants(self, event: JournalEvent) -> bool:
        return event.type in RECORD_EVENT_TYPES

    async def deliver(self, event: JournalEvent, attempt: int) -> None:
        body = envelope(event, self._scrub)
        await post_signed(self._client, self._url, self._secret, event, body)

    async def aclose(self) -> None:
        await self._client.aclose()

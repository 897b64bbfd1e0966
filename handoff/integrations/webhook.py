"""The generic webhook: any contact center or integration platform, both directions.

Outbound (:class:`WebhookAdapter`): every journal event is POSTed as JSON to
``HANDOFF_WEBHOOK_URL``::

    {"id": 42, "type": "message.created", "created_at": "2026-12-03T10:00:00+00:00",
     "data": {"handoff_id": 7, "message": {"id": 19, "role": "customer", "text": "...",
              "internal": false, "author": null, ...}}}

Types: ``handoff.created`` (``data.handoff`` with its ``transcript``),
``handoff.assigned``, ``message.created`` and ``handoff.closed``
(``data.handoff``). Agents' internal notes are sent too, with
``data.message.internal: true``: the receiver must not show them to the
customer. Messages that came in through this webhook are not sent back.

Headers: ``X-Handoff-Event-Id`` (the ``id``, the same on every retry: de-duplicate
on it), ``X-Handoff-Event-Type``, ``X-Handoff-Timestamp`` and
``X-Handoff-Signature`` (handoff.integrations.signatures). Any 2xx answer
means delivered; see handoff.integrations.adapters for the others.

Inbound (:func:`blueprint`): ``POST /api/integrations/webhook``, signed the same
way with the same secret, one event per request::

    {"id": "<your event id>", "type": "message.created",
     "data": {"handoff_id": 7, "agent": "Jane", "text": "Hello!", "internal": false}}
    {"id": "<your event id>", "type": "handoff.closed",
     "data": {"conversation_id": "tg-123", "agent": "Jane", "resolution": "refunded"}}

``handoff_id`` or ``conversation_id`` (its open handoff) says which handoff.
Answers: 201 with the recorded message (``"delivered": false`` when the
customer's channel did not take it), 200 for a close, 200 with
``"duplicate": true`` for an id seen before; 401 unsigned, wrongly signed or
a timestamp more than 5 minutes off; 400 malformed; 404 unknown handoff;
409 closed handoff.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.integrations import inbound
from handoff.integrations.adapters import (
    authored_by,
    failure_for_error,
    failure_for_status,
)
from handoff.integrations.inbound import Answer, InboundError, invalid
from handoff.integrations.settings import WEBHOOK, IntegrationSettings
from handoff.integrations.signatures import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signed_headers,
    verify,
)
from handoff.store import JournalEvent, iso

if TYPE_CHECKING:
    from handoff.integrations.runtime import Integrations

INBOUND_PATH = "/api/integrations/webhook"
INBOUND_TYPES = ("message.created", "handoff.closed")
USER_AGENT = "handoff-service-webhook/1"


def envelope(event: JournalEvent) -> bytes:
    """The request body for ``event``: what is signed is exactly what is sent."""
    body = {
        "id": event.id,
        "type": event.type,
        "created_at": iso(event.created_at),
        "data": event.payload,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class WebhookAdapter:
    name = WEBHOOK

    def __init__(self, settings: IntegrationSettings, client: httpx.AsyncClient) -> None:
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret
        self._client = client

    @classmethod
    def create(cls, settings: IntegrationSettings) -> WebhookAdapter:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_s), headers={"User-Agent": USER_AGENT}
        )
        return cls(settings, client)

    def wants(self, event: JournalEvent) -> bool:
        return not authored_by(event, self.name)

    async def deliver(self, event: JournalEvent, attempt: int) -> None:
        body = envelope(event)
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: str(event.id),
            EVENT_TYPE_HEADER: event.type,
            # Signed per attempt: a retry hours later must not look stale.
            **signed_headers(self._secret, body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise failure_for_error(error) from error
        if not response.is_success:
            raise failure_for_status(response)

    async def aclose(self) -> None:
        await self._client.aclose()


# -- inbound -----------------------------------------------------------------------------


def _reference(data: dict[str, Any]) -> tuple[int | None, str | None]:
    handoff_id = data.get("handoff_id")
    conversation_id = data.get("conversation_id")
    if handoff_id is not None:
        return inbound.row_id(handoff_id, "data.handoff_id"), None
    if isinstance(conversation_id, str) and conversation_id.strip():
        return None, conversation_id
    raise invalid("data.handoff_id or data.conversation_id is required")


async def _carry_out(request: Request, event_type: str, data: dict[str, Any]) -> Answer:
    handoff_id, conversation_id = _reference(data)
    if event_type == "message.created":
        name = inbound.text_field(data, "agent", inbound.MAX_NAME_LENGTH)
        text = inbound.text_field(data, "text", inbound.MAX_TEXT_LENGTH)
        internal = data.get("internal", False)
        if not isinstance(internal, bool):
            raise invalid("data.internal must be true or false")
        handoff = await inbound.find_handoff(request.app, handoff_id, conversation_id)
        return await inbound.agent_reply(
            request.app, handoff, inbound.agent_name(WEBHOOK, name), text, internal=internal
        )
    name = inbound.text_field(data, "agent", inbound.MAX_NAME_LENGTH, required=False)
    resolution = inbound.text_field(data, "resolution", inbound.MAX_TEXT_LENGTH, required=False)
    handoff = await inbound.find_handoff(request.app, handoff_id, conversation_id)
    closer = inbound.agent_name(WEBHOOK, name or "contact center")
    return await inbound.close(request.app, handoff, closer, resolution or None)


def blueprint(settings: IntegrationSettings, integrations: Integrations) -> Blueprint:
    """The inbound route; a new blueprint per app (Sanic binds a blueprint to its apps)."""
    bp = Blueprint(f"integrations_{WEBHOOK}")

    @bp.post(INBOUND_PATH)
    async def receive(request: Request) -> HTTPResponse:
        body = request.body or b""
        # Authenticate before parsing anything.
        try:
            verify(
                settings.webhook_secret,
                body,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
            )
        except SignatureError as error:
            return json_response({"error": "unauthorized", "detail": str(error)}, 401)
        try:
            event = inbound.json_object(body)
            event_id = event.get("id")
            if isinstance(event_id, int) and not isinstance(event_id, bool):
                event_id = str(event_id)
            if not isinstance(event_id, str) or not event_id.strip():
                raise invalid("id must be a non-empty string")
            if len(event_id) > inbound.MAX_EVENT_ID_LENGTH:
                raise invalid(f"id must be at most {inbound.MAX_EVENT_ID_LENGTH} characters")
            event_type = event.get("type")
            if event_type not in INBOUND_TYPES:
                raise invalid(f"type must be one of {', '.join(INBOUND_TYPES)}")
            data = event.get("data")
            if not isinstance(data, dict):
                raise invalid("data must be an object")
            answer = await integrations.log.once(
                WEBHOOK, event_id, lambda: _carry_out(request, event_type, data)
            )
        except InboundError as error:
            return error.response()
        return answer.response()

    return bp

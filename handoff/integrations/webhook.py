"""The generic webhook: any contact center or integration platform, both directions.

Outbound (:class:`WebhookAdapter`): every journal event is POSTed as JSON to
``HANDOFF_WEBHOOK_URL``::

    {"id": 42, "type": "message.created", "created_at": "2026-12-03T10:00:00+00:00",
     "data": {"handoff_id": 7, "message": {"id": 19, "role": "customer", "text": "...",
              "internal": false, "author": null, ...}}}

``data.handoff`` carries what routing reads (handoff.routing): ``language``
(the customer's, ``en`` unless the bot said otherwise) and ``skills`` (the
topics it needs: ``returns``, ``payments``, ``fraud``, ``safety``...).

Types: ``handoff.created`` (``data.handoff`` with its ``transcript``),
``handoff.assigned``, ``message.created`` and ``handoff.closed``
(``data.handoff``): :data:`OUTBOUND_TYPES`. The journal's other events (a
reply's delivery status, ``message.updated``; ``handoff.overdue``) are not
sent: a receiver built to this list would not expect them, and adding types
is a change of this contract. Agents' internal notes are sent too, with
``data.message.internal: true``: the receiver must not show them to the
customer. Messages that came in through this webhook are not sent back.

Card numbers, IBANs, SSNs and CVVs in the text are replaced before it is
sent (``HANDOFF_REDACT``, handoff.integrations.redaction).

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

import httpx
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from handoff.bodies import parse_body, parse_part
from handoff.context import ServiceContext, context_of
from handoff.errors import Unauthorized
from handoff.integrations import inbound
from handoff.integrations.adapters import authored_by, post_signed
from handoff.integrations.bodies import REPLY, WebhookClose, WebhookEvent, WebhookReply
from handoff.integrations.inbound import Answer, InboundLog
from handoff.integrations.redaction import redacted
from handoff.integrations.settings import WEBHOOK, IntegrationSettings
from handoff.integrations.signatures import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify,
)
from handoff.store import JournalEvent, iso

INBOUND_PATH = "/api/integrations/webhook"
OUTBOUND_TYPES = ("handoff.created", "handoff.assigned", "message.created", "handoff.closed")
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
        self._redact = settings.redact
        self._client = client

    @classmethod
    def create(cls, settings: IntegrationSettings) -> WebhookAdapter:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_s), headers={"User-Agent": USER_AGENT}
        )
        return cls(settings, client)

    def wants(self, event: JournalEvent) -> bool:
        return event.type in OUTBOUND_TYPES and not authored_by(event, self.name)

    async def deliver(self, event: JournalEvent, attempt: int) -> None:
        body = envelope(redacted(event, self._redact))
        await post_signed(self._client, self._url, self._secret, event, body)

    async def aclose(self) -> None:
        await self._client.aclose()


# -- inbound -----------------------------------------------------------------------------


async def _carry_out(ctx: ServiceContext, event: WebhookEvent) -> Answer:
    if event.type == REPLY:
        reply = parse_part(WebhookReply, event.data, at="data")
        handoff = await inbound.find_handoff(ctx, reply.handoff_id, reply.conversation)
        return await inbound.agent_reply(
            ctx,
            handoff,
            inbound.agent_name(WEBHOOK, reply.agent),
            reply.text,
            internal=reply.internal,
        )
    close = parse_part(WebhookClose, event.data, at="data")
    handoff = await inbound.find_handoff(ctx, close.handoff_id, close.conversation)
    closer = inbound.agent_name(WEBHOOK, close.agent or "contact center")
    return await inbound.close(ctx, handoff, closer, close.resolution)


async def receive(request: Request, secret: str) -> HTTPResponse:
    """``POST /api/integrations/webhook``: authenticate, then parse, then carry out once."""
    body = request.body or b""
    try:
        verify(
            secret,
            body,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
        )
    except SignatureError as error:
        raise Unauthorized(str(error)) from None
    event = parse_body(WebhookEvent, body)
    ctx = context_of(request)
    # A malformed ``data`` is refused inside: the event's id is then forgotten too.
    answer = await InboundLog(ctx.store.engine).once(
        WEBHOOK, event.id, lambda: _carry_out(ctx, event)
    )
    return answer.response()


def blueprint(settings: IntegrationSettings) -> Blueprint:
    """The inbound route; a new blueprint per app (Sanic binds a blueprint to its apps)."""
    bp = Blueprint(f"integrations_{WEBHOOK}")

    @bp.post(INBOUND_PATH)
    async def webhook_inbound(request: Request) -> HTTPResponse:
        return await receive(request, settings.webhook_secret)

    return bp

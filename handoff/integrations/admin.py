"""What operators see of the adapters' queues: the admin routes.

::

    GET  /api/integrations/deliveries?status=dead|pending&adapter=&limit=
    POST /api/integrations/deliveries/<adapter>/<event_id>/retry

Both take the admin token (``Authorization: Bearer $HANDOFF_ADMIN_TOKEN``).
The list shows where each queued event is (adapter, event id and type,
handoff, attempts, the last error: a status or error class), never what a
message says; and how far each adapter has read the journal
(``read_up_to``, against ``latest_event_id``), and how many of its
journal's events it has still to read (``unread``). Retrying a dead event
queues it again, due now: it goes out after the events of its conversation
that were already delivered, so a receiver sees it late, under its original id.

The CRM webhook (``records_webhook``) reads the records' outbox
``record_events`` rather than ``handoff_events`` (handoff.integrations.journals):
its ``read_up_to`` and ``event_id`` are ids there, its events' ``handoff_id``
is 0, and ``latest_event_id`` (the handoffs' journal's) is not its end: its
``unread`` says how far behind it is.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, authorized
from handoff.context import context_of
from handoff.errors import InvalidRequest, NotFound
from handoff.inputs import query_int, stored_id
from handoff.integrations.deliveries import DeliveryQueue
from handoff.models import INTEGRATION_DEAD, INTEGRATION_PENDING

STATUSES = (INTEGRATION_PENDING, INTEGRATION_DEAD)
MAX_LIMIT = 500


def _one_of(request: Request, name: str, choices: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        raise InvalidRequest(f"{name} must be one of {', '.join(choices)}")
    return value


async def deliveries(request: Request, adapters: tuple[str, ...]) -> HTTPResponse:
    status = _one_of(request, "status", STATUSES)
    adapter = _one_of(request, "adapter", adapters)
    limit = query_int(request.args, "limit", default=100, minimum=1, maximum=MAX_LIMIT)
    queue = DeliveryQueue(context_of(request).store.engine)
    # Progress first: an event read by then is in the list that follows.
    read_up_to, latest = await queue.progress()
    unread = await queue.unread()
    queued = await queue.queued(status, adapter, limit)
    return json_response(
        {
            "deliveries": [delivery.to_json() for delivery in queued],
            "read_up_to": {name: read_up_to.get(name) for name in adapters},
            "latest_event_id": latest,
            "unread": {name: unread.get(name) for name in adapters},
        }
    )


async def retry(
    request: Request, adapters: tuple[str, ...], adapter: str, event_id: int
) -> HTTPResponse:
    # Past 64 bits Sanic's <event_id:int> names no row (and SQLite could not bind it).
    if adapter not in adapters or not stored_id(event_id):
        raise NotFound()
    ctx = context_of(request)
    if not await DeliveryQueue(ctx.store.engine).retry(adapter, event_id):
        raise NotFound("no dead event with that id for that adapter")
    if ctx.dispatcher is not None:
        ctx.dispatcher.wake()
    return json_response({"adapter": adapter, "event_id": event_id, "status": "pending"})


def blueprint(adapters: tuple[str, ...]) -> Blueprint:
    """The admin routes for the adapters turned on; a new blueprint per app."""
    bp = Blueprint("integrations_admin")

    @bp.get("/api/integrations/deliveries")
    @authorized(ADMIN_ROLE)
    async def list_deliveries(request: Request) -> HTTPResponse:
        return await deliveries(request, adapters)

    @bp.post("/api/integrations/deliveries/<adapter:str>/<event_id:int>/retry")
    @authorized(ADMIN_ROLE)
    async def retry_delivery(request: Request, adapter: str, event_id: int) -> HTTPResponse:
        return await retry(request, adapters, adapter, event_id)

    return bp

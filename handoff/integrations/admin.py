"""What operators see of the adapters' queues: the admin routes.

::

    GET  /api/integrations/deliveries?status=dead|pending&adapter=&limit=
    POST /api/integrations/deliveries/<adapter>/<event_id>/retry

Both take the admin token (``Authorization: Bearer $HANDOFF_ADMIN_TOKEN``).
The list shows where each queued event is (adapter, event id and type,
handoff, attempts, the last error: a status or error class), never what a
message says; and how far each adapter has read the journal
(``read_up_to``, against ``latest_event_id``). Retrying a dead event queues
it again, due now: it goes out after the events of its conversation that
were already delivered, so a receiver sees it late, under its original id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, authorized
from handoff.inputs import UntrustedInput, query_int, stored_id
from handoff.models import INTEGRATION_DEAD, INTEGRATION_PENDING

if TYPE_CHECKING:
    from handoff.integrations.runtime import Integrations

STATUSES = (INTEGRATION_PENDING, INTEGRATION_DEAD)
MAX_LIMIT = 500


def blueprint(integrations: Integrations, adapters: tuple[str, ...]) -> Blueprint:
    bp = Blueprint("integrations_admin")

    def bad(detail: str) -> HTTPResponse:
        return json_response({"error": "invalid request", "detail": detail}, 400)

    @bp.get("/api/integrations/deliveries")
    @authorized(ADMIN_ROLE)
    async def deliveries(request: Request) -> HTTPResponse:
        status = request.args.get("status") or None
        if status is not None and status not in STATUSES:
            return bad(f"status must be one of {', '.join(STATUSES)}")
        adapter = request.args.get("adapter") or None
        if adapter is not None and adapter not in adapters:
            return bad(f"adapter must be one of {', '.join(adapters)}")
        try:
            limit = query_int(request.args, "limit", default=100, minimum=1, maximum=MAX_LIMIT)
        except UntrustedInput as error:
            return bad(str(error))
        # Progress first: an event read by then is in the list that follows.
        read_up_to, latest = await integrations.queue.progress()
        queued = await integrations.queue.queued(status, adapter, limit)
        return json_response(
            {
                "deliveries": [delivery.to_json() for delivery in queued],
                "read_up_to": {name: read_up_to.get(name) for name in adapters},
                "latest_event_id": latest,
            }
        )

    @bp.post("/api/integrations/deliveries/<adapter:str>/<event_id:int>/retry")
    @authorized(ADMIN_ROLE)
    async def retry(request: Request, adapter: str, event_id: int) -> HTTPResponse:
        # Past 64 bits Sanic's <event_id:int> names no row (and SQLite could not bind it).
        if adapter not in adapters or not stored_id(event_id):
            return json_response({"error": "not found"}, 404)
        if not await integrations.queue.retry(adapter, event_id):
            return json_response(
                {"error": "not found", "detail": "no dead event with that id for that adapter"},
                404,
            )
        integrations.wake()
        return json_response({"adapter": adapter, "event_id": event_id, "status": "pending"})

    return bp

"""A customer's data, exported or erased across every store (admin)::

    POST /api/privacy/export   {"customer": ID}
        200  the export: {customer, generated_at, stores: {store: {table: [rows]}}, not_read}
    POST /api/privacy/erase    {"customer": ID, "confirm": false, "include_opt_out": false}
        200  {"erased": false, ...}   without confirm: what would be erased (a dry run)
        200  {"erased": true, ...}    with confirm: what was erased, per store and table
        409  {"error": "refused", "detail", "reasons"}   an open handoff, ids SQLite would
                                      hand out again, or a store that changed or failed half-way
                                      ("erased so far: ...": the same request finishes it)
    both: 400 no customer; 502 {"error": "owner_unavailable", "detail"} the Rasa server or
          the action server could not be asked (nothing was read or erased there)

``ID`` is a conversation (sender) id, a phone number with its country code,
or an e-mail address, as for the operators' command (scripts.privacy). The
handoff service reads its own database and asks the Rasa server and the
action server for theirs (handoff.privacy.remote), each with its own
secrets. The export holds the customer's personal data: it is the admin
token's alone, and nothing of it reaches the logs, which get counts per
store only (plumbing.privacy). Answers are never cached (handoff.service).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, authorized
from handoff.bodies import Body, flag_field, parse_body, text_field
from handoff.context import context_of
from handoff.privacy.remote import remote_owners
from handoff.privacy.stores import local_stores
from plumbing.privacy.orchestrate import (
    OwnerUnavailable,
    Survey,
    erase,
    export_document,
    log_export,
    survey,
)
from plumbing.privacy.owners import PRESENT, LocalOwner, Owner, Refused
from plumbing.privacy.subject import MAX_IDENTIFIER_CHARS


class ExportBody(Body):
    customer: str = text_field(MAX_IDENTIFIER_CHARS)


class EraseBody(Body):
    customer: str = text_field(MAX_IDENTIFIER_CHARS)
    confirm: bool = flag_field(default=False)
    include_opt_out: bool = flag_field(default=False)


def owners_of(request: Request) -> Sequence[Owner]:
    """The handoff database, read here, and the two other processes' stores."""
    ctx = context_of(request)
    if ctx.privacy_owners is not None:
        return ctx.privacy_owners()
    settings = ctx.settings
    return [
        *remote_owners(
            settings.rasa_url, settings.delivery_token, settings.actions_url, settings.admin_token
        ),
        LocalOwner(local_stores(settings.database_url)),
    ]


@authorized(ADMIN_ROLE)
async def export(request: Request) -> HTTPResponse:
    body = parse_body(ExportBody, request.body)
    try:
        planned = await survey(owners_of(request), body.customer, with_rows=True)
    except OwnerUnavailable as error:
        return unavailable(error)
    log_export(planned)
    return json_response(export_document(planned))


@authorized(ADMIN_ROLE)
async def erase_customer(request: Request) -> HTTPResponse:
    body = parse_body(EraseBody, request.body)
    owners = owners_of(request)
    try:
        if not body.confirm:
            planned = await survey(owners, body.customer, include_opt_out=body.include_opt_out)
            if planned.refusals:
                raise Refused([*planned.refusals, "(a dry run: nothing was erased)"])
            return json_response(summary(planned, erased=False))
        done = await erase(owners, body.customer, include_opt_out=body.include_opt_out)
    except Refused as refused:
        return json_response(
            {"error": "refused", "detail": str(refused), "reasons": refused.reasons}, 409
        )
    except OwnerUnavailable as error:
        return unavailable(error)
    return json_response(summary(done, erased=True))


def summary(planned: Survey, *, erased: bool) -> dict[str, Any]:
    """Who the customer is (how each identifier was found), and per store what would go,
    or went, and what is kept."""
    stores: dict[str, Any] = {}
    for result in planned.results:
        if result.status != PRESENT:
            stores[result.store] = {"status": result.status, "note": result.note}
            continue
        stores[result.store] = {
            "status": result.status,
            "erased" if erased else "would_erase": result.deleted if erased else result.to_erase,
            "kept": {table: result.counts.get(table, 0) for table in result.kept},
            "unknown_tables": result.unknown,
            "notes": result.notes,
        }
    return {"erased": erased, "customer": planned.subject.to_json(), "stores": stores}


def unavailable(error: OwnerUnavailable) -> HTTPResponse:
    return json_response({"error": "owner_unavailable", "detail": str(error)}, 502)


def blueprint() -> Blueprint:
    bp = Blueprint("privacy")
    bp.add_route(export, "/api/privacy/export", methods=["POST"])
    bp.add_route(erase_customer, "/api/privacy/erase", methods=["POST"])
    return bp

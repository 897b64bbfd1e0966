"""What anyone may read, without credentials: the launcher's health check, and the
API's OpenAPI document (written in handoff/openapi.yaml; handoff.openapi)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response

from handoff.context import context_of
from handoff.openapi import OPENAPI_PATH


async def health(_request: Request) -> HTTPResponse:
    return json_response({"status": "ok"})


async def openapi(request: Request) -> HTTPResponse:
    return raw(context_of(request).openapi_document, content_type="application/json")


def blueprint() -> Blueprint:
    bp = Blueprint("public")
    bp.add_route(health, "/health", methods=["GET"])
    bp.add_route(openapi, OPENAPI_PATH, methods=["GET"])
    return bp

"""handoff.routes.public: what anyone may read without credentials."""

from __future__ import annotations

from handoff.openapi import OPENAPI_PATH, openapi_document
from tests.handoff.conftest import Service


async def test_health_needs_no_token(service: Service) -> None:
    response = await service.client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_the_openapi_document_needs_no_token(service: Service) -> None:
    response = await service.client.get(OPENAPI_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == openapi_document()

"""handoff.routes.agents: new agents, by the admin, each name once."""

from __future__ import annotations

from tests.handoff.conftest import Service


async def test_agents_are_created_by_admin_only_once(service: Service) -> None:
    response = await service.admin(
        "POST", "/api/agents", json={"name": "ann", "role": "supervisor"}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "ann" and response.json()["role"] == "supervisor"
    response = await service.admin("POST", "/api/agents", json={"name": "ann"})
    assert response.status_code == 409 and "token" not in response.json()
    for body in ({"name": ""}, {"name": "bob", "role": "admin"}, {}):
        assert (await service.admin("POST", "/api/agents", json=body)).status_code == 400

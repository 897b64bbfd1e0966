"""Routing through the API (handoff.routes.agents, handoff.routes.handoffs): agents set
their state, supervisors their skills and capacity and read the queues; with
HANDOFF_AUTO_ASSIGN, handoffs are offered, accepted and declined, claims keep to capacity."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from handoff.routing.notices import NOBODY_WITH_SKILL
from handoff.settings import HandoffSettings
from tests.handoff.conftest import ADMIN_TOKEN, FakeDelivery, Service, create


@pytest.fixture
def auto_assign() -> bool:
    """Routing on, unless a test parametrizes it off."""
    return True


@pytest.fixture
def settings(sqlite_url: str, auto_assign: bool) -> HandoffSettings:
    # Offers expire quickly: the tests wait for timeouts.
    return HandoffSettings(
        database_url=sqlite_url,
        admin_token=ADMIN_TOKEN,
        broker="none",
        auto_assign=auto_assign,
        offer_timeout_s=0.8,
    )


async def eventually(
    condition: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 10
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def routed_agent(
    service: Service,
    name: str,
    *,
    languages: list[str] | None = None,
    topics: list[str] | None = None,
    capacity: int = 3,
    state: str = "available",
) -> str:
    token = await service.new_agent(name)
    body = {"languages": languages or ["en"], "topics": topics or [], "capacity": capacity}
    response = await service.admin("PUT", f"/api/agents/{name}/routing", json=body)
    assert response.status_code == 200, response.text
    response = await service.as_(token, "PUT", "/api/agents/me/state", json={"state": state})
    assert response.status_code == 200, response.text
    return token


async def handoff_of(service: Service, handoff_id: int) -> dict[str, Any]:
    response = await service.admin("GET", f"/api/handoffs/{handoff_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_a_new_handoff_carries_its_language_and_skills(service: Service) -> None:
    handoff = await create(
        service, "ann", language="ES", reasons=["fraud"], summary={"intents": ["start_return"]}
    )
    assert (handoff["language"], handoff["skills"]) == ("es", ["fraud", "returns"])
    plain = await create(service, "bob", summary={})
    assert (plain["language"], plain["skills"], plain["offered_to"]) == ("en", [], None)
    response = await service.admin(
        "POST", "/api/handoffs", json={**_body("cat"), "skills": ["Not a skill"]}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("skills must be a list of")


def _body(name: str) -> dict[str, Any]:
    return {
        "escalation_id": f"esc-{name}",
        "conversation_id": f"conv-{name}",
        "channel": "telegram",
        "priority": 3,
    }


async def test_agents_set_their_state_supervisors_their_skills(service: Service) -> None:
    token = await service.new_agent("ann")
    sue = await service.new_agent("sue", "supervisor")

    response = await service.as_(token, "PUT", "/api/agents/me/state", json={"state": "away"})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["load"]) == ("away", 0)
    bad = await service.as_(token, "PUT", "/api/agents/me/state", json={"state": "asleep"})
    assert bad.status_code == 400
    assert (
        await service.admin("PUT", "/api/agents/me/state", json={"state": "away"})
    ).status_code == 403

    skills = {"languages": ["en", "es"], "topics": ["returns"], "capacity": 5}
    response = await service.as_(sue, "PUT", "/api/agents/ann/routing", json=skills)
    assert response.status_code == 200
    assert response.json()["languages"] == ["en", "es"] and response.json()["capacity"] == 5
    assert (
        await service.as_(token, "PUT", "/api/agents/ann/routing", json=skills)
    ).status_code == 403
    assert (
        await service.admin("PUT", "/api/agents/nobody/routing", json=skills)
    ).status_code == 404
    zero = await service.admin("PUT", "/api/agents/ann/routing", json={**skills, "capacity": 0})
    assert zero.status_code == 400

    listed = await service.as_(token, "GET", "/api/agents/routing")
    assert listed.status_code == 200
    assert listed.json()["auto_assign"] is True
    ann = next(a for a in listed.json()["agents"] if a["name"] == "ann")
    assert (ann["state"], ann["topics"], ann["capacity"]) == ("away", ["returns"], 5)


async def test_offered_accepted_declined_and_moved_on(
    service: Service, delivery: FakeDelivery
) -> None:
    ann = await routed_agent(service, "ann", languages=["es"])
    handoff = await create(service, "x", language="es")

    async def offered_to(name: str | None) -> bool:
        return (await handoff_of(service, handoff["id"]))["offered_to"] == name

    await eventually(lambda: offered_to("ann"), "the offer to ann")
    bob = await routed_agent(service, "bob", languages=["es"])
    # Only ann may answer it.
    assert (
        await service.as_(bob, "POST", f"/api/handoffs/{handoff['id']}/accept")
    ).status_code == 409
    declined = await service.as_(ann, "POST", f"/api/handoffs/{handoff['id']}/decline")
    assert declined.status_code == 200 and declined.json()["passed_over"] == ["ann"]
    await eventually(lambda: offered_to("bob"), "the offer to move on to bob")

    accepted = await service.as_(bob, "POST", f"/api/handoffs/{handoff['id']}/accept")
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["assigned_to"]) == ("assigned", "bob")
    assert delivery.sent == []
    types = [e.type for e in await service.context.store.events_after(0)]
    assert types[-4:] == [
        "handoff.offered",
        "handoff.offer_ended",
        "handoff.offered",
        "handoff.assigned",
    ]


async def test_an_unanswered_offer_goes_to_the_next_agent(service: Service) -> None:
    await routed_agent(service, "ann")
    await routed_agent(service, "bob")
    handoff = await create(service, "x")

    async def both_passed() -> bool:
        return sorted((await handoff_of(service, handoff["id"]))["passed_over"]) == ["ann", "bob"]

    await eventually(both_passed, "both offers to time out", timeout_s=15)


async def test_nobody_with_the_skill_the_customer_is_told_and_supervisors_see_the_queue(
    service: Service, delivery: FakeDelivery
) -> None:
    sue = await service.new_agent("sue", "supervisor")
    await routed_agent(service, "ann")
    handoff = await create(service, "x", language="es")

    async def told() -> bool:
        return bool(delivery.sent)

    await eventually(told, "the skill notice")
    assert delivery.sent == [("telegram", "tg-x", NOBODY_WITH_SKILL["es"])]

    response = await service.as_(sue, "GET", "/api/queues")
    assert response.status_code == 200
    queues = {q["skill"]: q for q in response.json()["queues"]}
    assert queues["es"]["handoff_ids"] == [handoff["id"]]
    assert queues["es"]["agents_available"] == 0
    assert queues["en"]["agents_available"] == 1
    assert response.json()["unstaffed"] == 1
    agent = await service.new_agent("amy")
    assert (await service.as_(agent, "GET", "/api/queues")).status_code == 403


async def test_with_routing_a_claim_keeps_to_capacity(service: Service) -> None:
    token = await routed_agent(service, "ann", capacity=1, state="away")
    first, second = await create(service, "a"), await create(service, "b")
    claimed = await service.as_(token, "POST", f"/api/handoffs/{first['id']}/claim")
    assert claimed.status_code == 200
    refused = await service.as_(token, "POST", f"/api/handoffs/{second['id']}/claim")
    assert refused.status_code == 409 and "capacity" in refused.json()["detail"]


@pytest.mark.parametrize("auto_assign", [False])
async def test_without_routing_nothing_is_offered_and_claims_are_unlimited(
    service: Service, delivery: FakeDelivery, auto_assign: bool
) -> None:
    token = await routed_agent(service, "ann", capacity=1)
    handoffs = [await create(service, name, language="es") for name in ("a", "b")]
    await asyncio.sleep(0.3)
    for handoff in handoffs:
        assert (await handoff_of(service, handoff["id"]))["offered_to"] is None
        response = await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
        assert response.status_code == 200
    assert delivery.sent == []
    assert service.context.router is None


async def test_answering_an_offer_that_is_not_yours(service: Service) -> None:
    token = await routed_agent(service, "ann", state="offline")
    handoff = await create(service, "x")
    for answer in ("accept", "decline"):
        response = await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/{answer}")
        assert response.status_code == 409
        unknown = await service.as_(token, "POST", f"/api/handoffs/999/{answer}")
        assert unknown.status_code == 404
    assert (await service.admin("POST", f"/api/handoffs/{handoff['id']}/accept")).status_code == 403


async def test_fifty_escalations_at_once_fill_every_agent_to_capacity_and_no_further(
    service: Service,
) -> None:
    tokens = [await routed_agent(service, f"agent{i}") for i in range(5)]
    responses = await asyncio.gather(
        *(service.admin("POST", "/api/handoffs", json=_body(f"h{i}")) for i in range(50))
    )
    assert {r.status_code for r in responses} == {201}

    async def loads() -> dict[str, int]:
        listed = await service.as_(tokens[0], "GET", "/api/agents/routing")
        return {a["name"]: a["load"] for a in listed.json()["agents"]}

    async def full() -> bool:
        return set((await loads()).values()) == {3}

    await eventually(full, "every agent to be offered 3")
    # As offers time out (0.8 s here) and move on, nobody ever holds more.
    for _ in range(20):
        assert max((await loads()).values()) <= 3
        waiting = (await service.admin("GET", "/api/handoffs?status=waiting")).json()["handoffs"]
        assert len(waiting) == 50
        assert len([h for h in waiting if h["offered_to"] is not None]) <= 15
        await asyncio.sleep(0.1)

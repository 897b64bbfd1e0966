"""handoff.store.agents and .tokens: agents, their tokens, only the hash stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handoff.models import agents
from handoff.store import (
    AgentExists,
    HandoffStore,
    hash_token,
)


async def test_agents_and_tokens(store: HandoffStore) -> None:
    token = await store.create_agent("ann", "agent")
    supervisor_token = await store.create_agent("sue", "supervisor")

    assert len(token) >= 40 and token != supervisor_token
    ann = await store.agent_for_token(token)
    assert ann is not None and (ann.name, ann.role, ann.is_supervisor) == ("ann", "agent", False)
    sue = await store.agent_for_token(supervisor_token)
    assert sue is not None and sue.is_supervisor
    assert await store.agent_for_token(token + "x") is None
    assert await store.agent_for_token("") is None
    assert await store.count_agents() == 2

    with store.engine.connect() as db:
        stored = db.execute(select(agents.c.token_hash).where(agents.c.name == "ann")).scalar_one()
    assert stored == hash_token(token) and token not in stored

    with pytest.raises(AgentExists):
        await store.create_agent("ann", "supervisor")
    with pytest.raises(ValueError, match="role"):
        await store.create_agent("zed", "admin")

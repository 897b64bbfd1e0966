"""handoff.store.assignment on SQLite and PostgreSQL: atomic claims; closes and transfers
by the right agent only."""

from __future__ import annotations

import asyncio

import pytest

from handoff.store import (
    Agent,
    Handoff,
    HandoffConflict,
    HandoffNotFound,
    HandoffStore,
)
from tests.handoff.store.conftest import at, new_handoff


async def test_concurrent_claims_exactly_one_wins(database_url: str, store: HandoffStore) -> None:
    # Two stores: two engines, two connection pools, as two service workers would have.
    other = HandoffStore(database_url)
    try:
        handoffs = [await new_handoff(store, f"c{i}", created=i) for i in range(15)]

        async def claim(via: HandoffStore, handoff: Handoff, agent: str) -> str | None:
            try:
                await via.claim(handoff.id, agent)
            except HandoffConflict:
                return None
            return agent

        for handoff in handoffs:
            results = await asyncio.gather(
                claim(store, handoff, "ann"), claim(other, handoff, "bob")
            )
            winners = [r for r in results if r is not None]
            assert len(winners) == 1, results
            found = await store.get(handoff.id)
            assert found is not None
            assert (found.status, found.assigned_to) == ("assigned", winners[0])
            assert found.assigned_at is not None
    finally:
        other.dispose()


async def test_claim_unknown_or_taken(store: HandoffStore) -> None:
    with pytest.raises(HandoffNotFound):
        await store.claim(999, "ann")
    handoff = await new_handoff(store, "x")
    await store.claim(handoff.id, "ann")
    with pytest.raises(HandoffConflict):
        await store.claim(handoff.id, "ann")  # not even the same agent twice


async def test_close_by_assignee_or_supervisor_only(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "x")
    with pytest.raises(HandoffConflict, match="not assigned to you"):
        await store.close(handoff.id, "ann", "done")  # waiting: an agent must claim first
    await store.claim(handoff.id, "ann")
    with pytest.raises(HandoffConflict, match="not assigned to you"):
        await store.close(handoff.id, "bob", "done")

    closed = await store.close(handoff.id, "ann", "refund issued", now=at(100))
    assert (closed.status, closed.resolution, closed.closed_at) == (
        "closed",
        "refund issued",
        at(100),
    )
    with pytest.raises(HandoffConflict, match="already closed"):
        await store.close(handoff.id, "sue", "again", supervisor=True)
    with pytest.raises(HandoffNotFound):
        await store.close(999, "sue", None, supervisor=True)

    other = await new_handoff(store, "y")
    assert (await store.close(other.id, "sue", "spam", supervisor=True)).status == "closed"


async def test_transfer_by_assignee_or_supervisor(store: HandoffStore) -> None:
    await store.create_agent("sam", "agent")
    await store.create_agent("kim", "agent")
    await store.create_agent("sue", "supervisor")
    handoff = await new_handoff(store, "ann")
    sam, kim = Agent(1, "sam", "agent"), Agent(2, "kim", "agent")
    sue = Agent(3, "sue", "supervisor")

    with pytest.raises(HandoffConflict):
        await store.transfer(handoff.id, sam, "kim")  # waiting: not sam's to give
    await store.claim(handoff.id, "sam")
    with pytest.raises(HandoffConflict):
        await store.transfer(handoff.id, kim, "kim")  # kim cannot take it
    with pytest.raises(ValueError, match="no enabled agent"):
        await store.transfer(handoff.id, sam, "nobody")

    moved = await store.transfer(handoff.id, sam, "kim")
    assert (moved.status, moved.assigned_to) == ("assigned", "kim")
    assert (await store.transfer(handoff.id, sue, "sam")).assigned_to == "sam"
    journal = [e for e in await store.events_after(0) if e.type == "handoff.assigned"]
    assert [e.payload["handoff"]["assigned_to"] for e in journal] == ["sam", "kim", "sam"]

    await store.close(handoff.id, "sam")
    with pytest.raises(HandoffConflict):
        await store.transfer(handoff.id, sue, "kim")

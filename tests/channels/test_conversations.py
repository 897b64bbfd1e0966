"""bot.channels.conversations: events appended to a conversation outside a turn, as
Rasa's ``POST /conversations/<id>/tracker/events`` appends them.

With Rasa's own in-memory tracker store (publishing to a recording broker)
and our lock store, on a FakeAgent (tests.channels.conftest).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.lock_store import LockError
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet
from sqlalchemy.exc import OperationalError

from bot.channels.conversations import NoAgent, append_events
from bot.channels.errors import TRANSIENT_TURN_FAILURES
from tests.channels.conftest import FakeAgent


@pytest.fixture
def agent(domain: Domain) -> FakeAgent:
    return FakeAgent(domain)


def app_with(agent: Any) -> Any:
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


async def test_events_are_appended_saved_and_published(agent: FakeAgent) -> None:
    await agent.add("c-1", [SlotSet("csat_score", 2)])
    event = SlotSet("csat_score", 4, metadata={"survey_id": "s-1"})
    assert await append_events(app_with(agent), "c-1", [event])
    tracker = await agent.tracker_store.retrieve("c-1")
    assert tracker is not None
    assert tracker.get_slot("csat_score") == 4
    [published] = [e for e in agent.broker.published if e.get("value") == 4]
    assert published["sender_id"] == "c-1"
    assert published["metadata"]["survey_id"] == "s-1"
    # Only the new events are published: the earlier ones were before.
    assert [e.get("value") for e in agent.broker.published if e["event"] == "slot"] == [2, 4]


async def test_a_new_conversation_starts_with_a_session(agent: FakeAgent) -> None:
    assert await append_events(app_with(agent), "c-new", [SlotSet("csat_score", 5)])
    events = await agent.events("c-new")
    assert isinstance(events[0], ActionExecuted) and isinstance(events[1], SessionStarted)
    assert isinstance(events[-1], SlotSet)


async def test_only_if_exists_leaves_an_unknown_conversation_alone(agent: FakeAgent) -> None:
    assert not await append_events(
        app_with(agent), "c-none", [SlotSet("sms_opted_out", True)], only_if_exists=True
    )
    assert await agent.tracker_store.retrieve("c-none") is None
    assert agent.broker.published == []


async def test_without_an_agent_only_if_exists_is_a_no_op_and_otherwise_an_error() -> None:
    for app in (None, SimpleNamespace(ctx=SimpleNamespace())):
        assert not await append_events(app, "c", [SlotSet("x", 1)], only_if_exists=True)
        with pytest.raises(NoAgent):
            await append_events(app, "c", [SlotSet("x", 1)])
    # An agent without a model cannot append either.
    with pytest.raises(NoAgent):
        await append_events(app_with(SimpleNamespace(processor=None)), "c", [SlotSet("x", 1)])


async def test_the_conversation_is_locked_while_appending(agent: FakeAgent) -> None:
    held: list[bool] = []
    save = agent.tracker_store.save

    async def checking_save(tracker: Any) -> None:
        lock = agent.lock_store.get_lock("c-lock")
        # The holder's ticket stays in the lock until it is released.
        held.append(lock is not None and bool(lock.tickets))
        await save(tracker)

    agent.tracker_store.save = checking_save  # type: ignore[method-assign]
    await append_events(app_with(agent), "c-lock", [SlotSet("csat_score", 3)])
    assert held and all(held)
    assert agent.lock_store.get_lock("c-lock") is None  # released after


async def test_a_turn_holding_the_lock_is_waited_for(agent: FakeAgent) -> None:
    order: list[str] = []

    async def turn() -> None:
        async with agent.lock_store.lock("c-busy"):
            order.append("turn start")
            await asyncio.sleep(0.05)
            order.append("turn end")

    running = asyncio.create_task(turn())
    await asyncio.sleep(0.01)
    await append_events(app_with(agent), "c-busy", [SlotSet("csat_score", 1)])
    order.append("appended")
    await running
    assert order == ["turn start", "turn end", "appended"]


async def test_a_store_that_fails_raises_a_transient_failure(
    agent: FakeAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(tracker: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("the database is down"))

    monkeypatch.setattr(agent.tracker_store, "save", down)
    with pytest.raises(TRANSIENT_TURN_FAILURES):
        await append_events(app_with(agent), "c-down", [SlotSet("csat_score", 3)])


async def test_a_lock_held_too_long_raises_lock_error(
    agent: FakeAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise LockError("could not acquire the lock")

    monkeypatch.setattr(agent.lock_store, "lock", never)
    with pytest.raises(LockError):
        await append_events(app_with(agent), "c-held", [SlotSet("csat_score", 3)])

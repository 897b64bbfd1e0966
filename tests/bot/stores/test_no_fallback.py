"""A tracker store's error reaches the turn, instead of Rasa's silent fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from bot.stores import no_fallback
from bot.stores.tracker import SQLTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]')


def failing_store(tmp_path: Path) -> SQLTrackerStore:
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"))

    def down() -> Any:
        raise sa.exc.OperationalError("SELECT", {}, Exception("database is down"))

    store.session_scope = down  # type: ignore[method-assign]
    return store


@pytest.fixture
def installed(rasa_as_it_was: None) -> None:
    no_fallback.install()


async def test_rasa_takes_a_failed_read_for_a_new_conversation(tmp_path: Path) -> None:
    """Why the patch: with Rasa's wrapper the turn would run on an empty conversation."""
    agent = Agent(domain=DOMAIN, tracker_store=failing_store(tmp_path))

    assert await agent.tracker_store.retrieve("lena") is None


async def test_a_failed_read_raises_once_installed(tmp_path: Path, installed: None) -> None:
    store = failing_store(tmp_path)
    agent = Agent(domain=DOMAIN, tracker_store=store)

    assert agent.tracker_store is store
    with pytest.raises(sa.exc.OperationalError):
        await agent.tracker_store.retrieve("lena")


def test_without_a_configured_store_the_agent_keeps_conversations_in_memory(
    installed: None,
) -> None:
    agent = Agent(domain=DOMAIN)

    assert isinstance(agent.tracker_store, InMemoryTrackerStore)
    assert agent.tracker_store.domain is DOMAIN

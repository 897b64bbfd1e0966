"""The trained model loaded in this process, for tests of what runs inside Rasa."""

from __future__ import annotations

from pathlib import Path

import pytest
import rasa.core.run
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event


@pytest.fixture(scope="session")
def agent(model_path: Path) -> Agent:
    return Agent.load(str(model_path))


@pytest.fixture
def rasa_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``bot.server.main`` patches in Rasa, put back after the test that runs it."""
    for owner, name in (
        (RemoteAction, "_validate_action_result"),
        (MessageProcessor, "_parse_message_with_graph"),
        (rasa.core.run, "load_agent_on_start"),
        (rasa.core.run, "close_resources"),
    ):
        monkeypatch.setattr(owner, name, getattr(owner, name))
    # Static methods: read from the class's namespace, not through the class.
    for owner, name in ((Event, "resolve_by_type"), (Agent, "_create_tracker_store")):
        monkeypatch.setattr(owner, name, vars(owner)[name])

"""The cached TED policy predicts what TED itself predicts, and asks TensorFlow less often."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.cached_ted import CachedTEDPolicy, freeze

pytestmark = pytest.mark.slow

# Conversations that need no action server (its actions fail here, and are
# predicted all the same); several reach the same dialogue states.
CONVERSATIONS = [
    ["hi", "what are your opening hours?", "thanks", "bye"],
    ["hello there", "do you ship to canada", "ok thanks"],
    ["hey", "are you a bot?", "ok", "what is your returns policy"],
    ["where is my order", "12345678", "thanks"],
    ["asdfgh qwerty", "hi", "opening hours?"],
    ["I want to return something", "yes", "no"],
]


def ted_node(agent: Agent) -> tuple[str, CachedTEDPolicy]:
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes
    [(name, node)] = [(n, v) for n, v in nodes.items() if "CachedTEDPolicy" in n]
    return name, node._component


async def trackers(agent: Agent) -> list[DialogueStateTracker]:
    """Every point of every conversation where the bot chose an action."""
    points = []
    for texts in CONVERSATIONS:
        sender = uuid.uuid4().hex
        for text in texts:
            await agent.handle_text(text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        assert tracker is not None
        events = list(tracker.events)
        for index, event in enumerate(events):
            if isinstance(event, ActionExecuted) and index > 0:
                points.append(
                    DialogueStateTracker.from_events(sender, events[:index], agent.domain.slots)
                )
    return points


def predict(agent: Agent, node: str, tracker: DialogueStateTracker) -> list[float]:
    assert agent.processor is not None
    result = agent.processor.graph_runner.run(
        inputs={PLACEHOLDER_TRACKER: tracker}, targets=[node]
    )
    return list(result[node].probabilities)


async def test_cached_predictions_are_teds_own(agent: Agent) -> None:
    name, policy = ted_node(agent)
    points = await trackers(agent)
    policy._predictions.clear()
    hits = policy.cache_hits
    with_cache = [predict(agent, name, tracker) for tracker in points]
    assert policy.cache_hits - hits > len(points) // 4, "states repeat across conversations"

    for tracker, cached in zip(points, with_cache, strict=True):
        policy._predictions.clear()
        fresh = predict(agent, name, tracker)
        np.testing.assert_allclose(cached, fresh, rtol=1e-6, atol=1e-7)


async def test_the_cache_is_bounded(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    name, policy = ted_node(agent)
    monkeypatch.setattr("bot.policies.cached_ted.CACHE_SIZE", 3)
    policy._predictions.clear()
    for tracker in (await trackers(agent))[:12]:
        predict(agent, name, tracker)
    assert len(policy._predictions) <= 3


def test_states_become_hashable_keys() -> None:
    states = [
        {"user": {"intent": "greet", "entities": ("order_number",)}, "slots": {"x": (1.0,)}},
        {"prev_action": {"action_name": "action_listen"}},
    ]
    same = [
        {"slots": {"x": (1.0,)}, "user": {"entities": ("order_number",), "intent": "greet"}},
        {"prev_action": {"action_name": "action_listen"}},
    ]
    assert hash(freeze(states)) == hash(freeze(same))
    assert freeze(states) != freeze(states[1:])

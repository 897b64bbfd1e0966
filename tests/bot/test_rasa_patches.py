"""Our patches to Rasa answer as Rasa does: action results validated, messages parsed."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_patches import (
    RASAS_PARSE_MESSAGE_WITH_GRAPH,
    RASAS_VALIDATE_ACTION_RESULT,
    ParseCache,
    action_result_validator,
    install,
    nlu_reads_text_alone,
    parse_cache,
    parse_message_with_graph,
    validate_action_result,
)

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "order_number", "value": "12345678"},
            {"event": "active_loop", "name": None},
        ],
        "responses": [{"text": "Your order has shipped."}],
    },
]
INVALID: list[dict[str, Any]] = [
    {"events": [{"event": "slot"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_check_order_status", None)


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass_as_with_rasa(action: RemoteAction, result: dict[str, Any]) -> None:
    assert RASAS_VALIDATE_ACTION_RESULT(action, result) is True
    assert validate_action_result(action, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_raise_rasas_error(action: RemoteAction, result: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as rasas:
        RASAS_VALIDATE_ACTION_RESULT(action, result)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(action, result)
    assert ours.value.message == rasas.value.message
    assert list(ours.value.path) == list(rasas.value.path)


def test_the_schema_is_checked_once_not_per_answer(action: RemoteAction) -> None:
    validator_class = validator_for(RemoteAction.action_response_format_spec())
    action_result_validator.cache_clear()
    with mock.patch.object(
        validator_class, "check_schema", wraps=validator_class.check_schema
    ) as check_schema:
        for _ in range(5):
            validate_action_result(action, VALID[1])
        ours = check_schema.call_count
        for _ in range(5):
            RASAS_VALIDATE_ACTION_RESULT(action, VALID[1])
    assert (ours, check_schema.call_count - ours) == (1, 5)


def test_installed_on_rasas_classes(action: RemoteAction) -> None:
    with mock.patch.object(
        RemoteAction, "_validate_action_result", RASAS_VALIDATE_ACTION_RESULT
    ), mock.patch.object(
        MessageProcessor, "_parse_message_with_graph", RASAS_PARSE_MESSAGE_WITH_GRAPH
    ):
        install()
        assert RemoteAction._validate_action_result is validate_action_result
        assert MessageProcessor._parse_message_with_graph is parse_message_with_graph
        with pytest.raises(ValidationError):
            action._validate_action_result(INVALID[0])


# The same words, parsed by Rasa's pipeline and by the cache.
TEXTS = [
    "hi",
    "where is my order 12345678",
    "what are your opening hours?",
    "I want to cancel order 89012345 please",
    "this is the third time I ask, get me a human NOW",
    "/greet",
    "thanks!",
]


@pytest.fixture
def cached(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> ParseCache:
    monkeypatch.setattr(MessageProcessor, "_parse_message_with_graph", parse_message_with_graph)
    monkeypatch.delattr(agent.processor, "_northwind_parse_cache", raising=False)
    return parse_cache(agent.processor)


@pytest.mark.slow
async def test_our_model_is_read_from_the_text_alone(agent: Agent) -> None:
    assert nlu_reads_text_alone(agent.processor)


@pytest.mark.slow
@pytest.mark.parametrize("text", TEXTS)
async def test_a_repeated_text_gets_rasas_own_parse(
    agent: Agent, cached: ParseCache, text: str
) -> None:
    assert agent.processor is not None
    rasas = RASAS_PARSE_MESSAGE_WITH_GRAPH(
        agent.processor, UserMessage(text, sender_id="a"), DialogueStateTracker("a", [])
    )
    first = await agent.processor.parse_message(UserMessage(text, sender_id="b", message_id="1"))
    second = await agent.processor.parse_message(
        UserMessage(text, sender_id="c", message_id="2", metadata={"channel": "sms"})
    )
    assert (cached.misses, cached.hits) == (1, 1)
    expected = dict(rasas)
    agent.processor._update_full_retrieval_intent(expected)
    assert first == expected
    assert second == expected


@pytest.mark.slow
async def test_changing_a_parse_does_not_change_the_next(
    agent: Agent, cached: ParseCache
) -> None:
    assert agent.processor is not None
    first = await agent.processor.parse_message(UserMessage("what are your opening hours?"))
    first["intent"]["name"] = "changed"
    first["entities"].append({"entity": "order_number", "value": "1"})
    second = await agent.processor.parse_message(UserMessage("what are your opening hours?"))
    assert second["intent"]["name"] == "faq"
    assert second["entities"] == []


@pytest.mark.slow
async def test_long_texts_are_not_kept(agent: Agent, cached: ParseCache) -> None:
    assert agent.processor is not None
    text = "my order has not arrived and " * 20
    await agent.processor.parse_message(UserMessage(text))
    await agent.processor.parse_message(UserMessage(text))
    assert (cached.hits, len(cached.parses)) == (0, 0)

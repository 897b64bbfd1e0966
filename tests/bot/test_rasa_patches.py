"""Our patches to Rasa answer as Rasa does: action results validated, messages parsed."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
import rasa.core.run
from aiohttp import web
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.slots import CategoricalSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.rasa_patches import (
    RASAS_PARSE_MESSAGE_WITH_GRAPH,
    RASAS_RESOLVE_BY_TYPE,
    RASAS_VALIDATE_ACTION_RESULT,
    KeptAliveEndpoint,
    ParseCache,
    action_result_validator,
    close_resources,
    conversation_keys,
    install,
    load_agent_on_start,
    parse_cache,
    parse_message_with_graph,
    resolve_by_type,
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
    with (
        mock.patch.object(RemoteAction, "_validate_action_result", RASAS_VALIDATE_ACTION_RESULT),
        mock.patch.object(
            MessageProcessor, "_parse_message_with_graph", RASAS_PARSE_MESSAGE_WITH_GRAPH
        ),
        mock.patch.object(Event, "resolve_by_type", staticmethod(RASAS_RESOLVE_BY_TYPE)),
        mock.patch.object(rasa.core.run, "load_agent_on_start", rasa.core.run.load_agent_on_start),
        mock.patch.object(rasa.core.run, "close_resources", rasa.core.run.close_resources),
    ):
        install()
        assert RemoteAction._validate_action_result is validate_action_result
        assert MessageProcessor._parse_message_with_graph is parse_message_with_graph
        assert Event.resolve_by_type is resolve_by_type
        assert rasa.core.run.load_agent_on_start is load_agent_on_start
        assert rasa.core.run.close_resources is close_resources
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
async def test_our_model_is_read_from_the_text_and_the_conversation_s_language(
    agent: Agent,
) -> None:
    assert agent.processor is not None
    keys = conversation_keys(agent.processor)
    assert keys, keys  # not None (parses kept) and not empty (the language is read too)
    assert sorted(depends.__qualname__ for depends, _ in keys) == [
        "DeclinedRequestFilter.parse_depends_on",
        "LanguageDetector.parse_depends_on",
        "LanguageFallbackClassifier.parse_depends_on",
        "NoOrderNumberClassifier.parse_depends_on",
    ]


@pytest.mark.slow
async def test_a_text_is_kept_apart_for_each_language_state(
    agent: Agent, cached: ParseCache
) -> None:
    assert agent.processor is not None
    slots = [CategoricalSlot("language", mappings=[{}], values=["en", "es"])]

    def conversation(language: str | None) -> DialogueStateTracker:
        tracker = DialogueStateTracker("c", slots)
        if language:
            tracker.update(SlotSet("language", language))
        return tracker

    new = await agent.processor.parse_message(UserMessage("hola"), conversation(None))
    spanish = await agent.processor.parse_message(UserMessage("hola"), conversation("es"))
    again = await agent.processor.parse_message(UserMessage("hola"), conversation(None))

    # A new conversation's "hola" sets Spanish; in a Spanish one it changes nothing.
    assert [e["value"] for e in new["entities"] if e["entity"] == "language"] == ["es"]
    assert [e for e in spanish["entities"] if e["entity"] == "language"] == []
    assert again == new
    assert (cached.misses, cached.hits) == (2, 1)


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
async def test_changing_a_parse_does_not_change_the_next(agent: Agent, cached: ParseCache) -> None:
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


# --- the action endpoint's connections, kept -------------------------------------------


class ActionServerStandIn:
    """An HTTP server answering POST /webhook, noting which client port each request came from."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def answer(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.ports.append(peer[1] if peer else -1)
        body = await request.json()
        if body.get("fail"):
            return web.json_response({"error": "no", "action_name": "x"}, status=400)
        return web.json_response({"events": [], "responses": [], "echo": body})

    async def __aenter__(self) -> ActionServerStandIn:
        app = web.Application()
        app.router.add_post("/webhook", self.answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/webhook"
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_the_kept_endpoint_answers_as_rasas_over_one_connection() -> None:
    async with ActionServerStandIn() as server:
        rasas = EndpointConfig(server.url, headers={"Authorization": "Bearer t"})
        kept = KeptAliveEndpoint.of(rasas)
        assert kept == rasas and kept.kwargs == rasas.kwargs and kept.type == rasas.type

        for endpoint in (rasas, rasas, kept, kept, kept):
            answer = await endpoint.request(json={"next_action": "a"}, method="post")
            assert answer == {"events": [], "responses": [], "echo": {"next_action": "a"}}
        for endpoint in (rasas, kept):
            with pytest.raises(ClientResponseError) as refused:
                await endpoint.request(json={"fail": True}, method="post")
            assert refused.value.status == 400
        await kept.close()

    rasas_ports, kept_ports = (
        server.ports[:2] + server.ports[5:6],
        [*server.ports[2:5], server.ports[6]],
    )
    # Rasa's: a new connection a request; ours: one for all.
    assert len(set(rasas_ports)) == 3
    assert len(set(kept_ports)) == 1


async def test_the_kept_session_has_rasas_settings() -> None:
    endpoint = EndpointConfig(
        "http://127.0.0.1:1/webhook",
        headers={"Authorization": "Bearer t"},
        basic_auth={"username": "u", "password": "p"},
    )
    kept = KeptAliveEndpoint.of(endpoint)
    async with endpoint.session() as rasas:
        async with kept.session() as ours:
            assert ours.headers == rasas.headers
            assert ours.auth == rasas.auth
            assert ours.timeout == rasas.timeout
        # Kept open for the next request, and the same session again.
        assert not ours.closed
        async with kept.session() as again:
            assert again is ours
    await kept.close()
    assert ours.closed


async def test_the_action_endpoint_is_kept_alive_once_rasa_loads_the_model() -> None:
    endpoints = AvailableEndpoints(action=EndpointConfig("http://127.0.0.1:1/webhook"))
    loaded = object()

    async def load(*args: Any, **kwargs: Any) -> Any:
        assert isinstance(args[1].action, KeptAliveEndpoint)
        return loaded

    with mock.patch("bot.rasa_patches.RASAS_LOAD_AGENT_ON_START", load), mock.patch("gc.freeze"):
        assert await load_agent_on_start("model.tar.gz", endpoints, None, None, None) is loaded
    assert isinstance(endpoints.action, KeptAliveEndpoint)
    assert endpoints.action.url == "http://127.0.0.1:1/webhook"


# --- event classes by name --------------------------------------------------------------


def test_event_classes_are_found_as_rasa_finds_them() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    for name in sorted(names):
        assert resolve_by_type(name) is RASAS_RESOLVE_BY_TYPE(name)
        assert resolve_by_type(name) is RASAS_RESOLVE_BY_TYPE(name)  # from what is kept
    assert resolve_by_type("topic") is None
    assert resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_by_type("no_such_event")

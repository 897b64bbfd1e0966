"""Five fixes to Rasa 3.6's cost per message, installed by :mod:`bot.server`.

Rasa offers no setting or hook for any, hence patches: each replaces one
method, in the Rasa server's process only, and tests/bot/test_rasa_patches.py
compares each with Rasa's own, so an upgrade that changes them fails there.

**The action server's answers.** Rasa checks every answer of the action
server against a JSON schema with ``jsonschema.validate``, which first
validates the schema itself against JSON Schema's meta-schema, then builds a
validator, on every call. The schema
is a constant (``RemoteAction.action_response_format_spec``). py-spy on the
Rasa server under the routine mix: 88% of an action call's CPU time and 17%
of the whole server's went to re-checking it. Here the validator is built
once; each answer is validated exactly as before (the same best-matching
error, with Rasa's hint appended).

**Understanding the same words again.** The NLU pipeline's output is a
function of the message's text alone when every component in it is one of
Rasa's own (none reads the conversation or the message's metadata), and
customers repeat themselves: "hi", "thanks", "yes", "agent", "where is my
order". The parse of a text is kept (bounded, least recently used out, per
loaded model: a reloaded model starts empty) and a repeat skips the
pipeline: about 12 ms of TensorFlow and featurizers on this machine. Texts
longer than :data:`PARSE_CACHE_MAX_TEXT` are not kept: they rarely repeat.
One of our components may read the conversation too, if it says what of
it its output depends on (``parse_depends_on(tracker, config)``, as
:class:`bot.nlu.language.LanguageDetector` does): the parse is then kept
by the text and that.

**Full garbage collections.** A loaded model is millions of Python objects
(TensorFlow's graph, the featurizers' vocabularies, the domain), and every
full (generation 2) collection walks all of them: 250 to 670 ms on this
machine with the event loop stopped, several times a minute under load, and
every conversation waiting. That was the tail of the latency at 16
customers (``make bench``). Once the model is loaded, its objects are moved
out of the collector's sight with :func:`gc.freeze` (what the standard
library offers for a large heap that lives as long as the process); full
collections then walk only what turns allocate. A model loaded later (Rasa's
``PUT /model``) is not frozen: it works, with the old pauses.

**A new connection per action call.** Rasa's ``EndpointConfig.request``
opens an HTTP client session, connects, sends, and closes the session, for
every call to the action server. Under load each step that waits for the
network waits for the event loop too, behind every other turn's work: at 16
customers an order-status turn (two calls) took ten times as long as a
greeting (``bench/tail.py``). The action endpoint's session is kept here
instead (one per event loop), its connections reused: the same requests,
headers, timeouts and errors, minus the connecting. Idle connections are
closed by this side after :data:`KEEPALIVE_S`, before the action server
would (Sanic's 5 s), so a request never goes out on a connection the
server is closing.

**Finding an event's class.** Each event read from the database or from
the action server is turned into its class by ``Event.resolve_by_type``,
which lists every subclass of ``Event`` (recursively, checking each for
abstract methods) to find the one of that name: 4.5% of the Rasa server's
CPU time at 16 customers (py-spy). The class found for a name is kept; a
name not found yet is looked up Rasa's way.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from functools import cache
from types import TracebackType
from typing import Any

import aiohttp
import rasa.core.run
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.processor import MessageProcessor
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

RASAS_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result
RASAS_PARSE_MESSAGE_WITH_GRAPH = MessageProcessor._parse_message_with_graph
RASAS_LOAD_AGENT_ON_START = rasa.core.run.load_agent_on_start
RASAS_CLOSE_RESOURCES = rasa.core.run.close_resources
RASAS_RESOLVE_BY_TYPE = Event.resolve_by_type
# Under Sanic's keep-alive timeout (5 s), the action server's.
KEEPALIVE_S = 2.0
PARSE_CACHE_SIZE = 10_000
PARSE_CACHE_MAX_TEXT = 300
# Where a processor keeps its cache (the processor is the loaded model's).
_CACHE_ATTRIBUTE = "_northwind_parse_cache"


@cache
def action_result_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once."""
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


# What of the conversation a component's output depends on, besides the text.
ConversationKey = Callable[[DialogueStateTracker | None, dict[str, Any]], Hashable]


class ParseCache:
    def __init__(
        self, usable: bool, depends_on: Sequence[tuple[ConversationKey, dict[str, Any]]] = ()
    ) -> None:
        self.usable = usable
        self.depends_on = list(depends_on)
        self.parses: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def key(self, text: str, tracker: DialogueStateTracker | None) -> Hashable:
        if not self.depends_on:
            return text
        return (text, *(depends(tracker, config) for depends, config in self.depends_on))

    def get(self, key: Hashable) -> dict[str, Any] | None:
        parse = self.parses.get(key)
        if parse is None:
            self.misses += 1
            return None
        self.hits += 1
        self.parses.move_to_end(key)
        # A copy: Rasa adds to the parse it is given (the full retrieval intent).
        return copy.deepcopy(parse)

    def put(self, key: Hashable, parse: dict[str, Any]) -> None:
        self.parses[key] = copy.deepcopy(parse)
        if len(self.parses) > PARSE_CACHE_SIZE:
            self.parses.popitem(last=False)


def conversation_keys(
    processor: MessageProcessor,
) -> list[tuple[ConversationKey, dict[str, Any]]] | None:
    """What of the conversation the model's NLU graph reads, besides the message's text.

    Empty when it reads the text alone (Rasa's components, fed the message
    alone); None when it reads more than it says (the parse cannot be kept).
    """
    metadata = processor.model_metadata
    graph = metadata.predict_schema.minimal_graph_schema([metadata.nlu_target])
    if not any(PLACEHOLDER_MESSAGE in node.needs.values() for node in graph.nodes.values()):
        return None
    keys: list[tuple[ConversationKey, dict[str, Any]]] = []
    for node in graph.nodes.values():
        depends_on = getattr(node.uses, "parse_depends_on", None)
        if depends_on is not None:
            keys.append((depends_on, node.config))
        elif not node.uses.__module__.startswith("rasa.") or (
            PLACEHOLDER_TRACKER in node.needs.values()
        ):
            return None
    return keys


def parse_cache(processor: MessageProcessor) -> ParseCache:
    cache_ = processor.__dict__.get(_CACHE_ATTRIBUTE)
    if cache_ is None:
        keys = conversation_keys(processor)
        cache_ = ParseCache(keys is not None, keys or [])
        setattr(processor, _CACHE_ATTRIBUTE, cache_)
    return cache_


def parse_message_with_graph(
    processor: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """``MessageProcessor._parse_message_with_graph``, remembering parses by text
    (and what of the conversation the pipeline reads)."""
    text = message.text
    cache_ = parse_cache(processor)
    # Without only_output_properties the parse also holds the message's id
    # and metadata (Rasa's debugging routes ask for it): not the text's alone.
    if (
        not cache_.usable
        or not only_output_properties
        or text is None
        or len(text) > PARSE_CACHE_MAX_TEXT
    ):
        return RASAS_PARSE_MESSAGE_WITH_GRAPH(processor, message, tracker, only_output_properties)
    key = cache_.key(text, tracker)
    parse = cache_.get(key)
    if parse is None:
        parse = RASAS_PARSE_MESSAGE_WITH_GRAPH(processor, message, tracker, only_output_properties)
        cache_.put(key, parse)
    return parse


_event_classes: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type``, remembering the class found for each name."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    cls = RASAS_RESOLVE_BY_TYPE(type_name, default)
    # Only what Rasa found among the subclasses, never the default or "topic"'s None.
    if cls is not None and cls.type_name == type_name:
        _event_classes[type_name] = cls
    return cls


class KeptSession:
    """What ``async with endpoint.session()`` enters: a session left open on exit."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        return None


class KeptAliveEndpoint(EndpointConfig):
    """Rasa's endpoint config, its client session (and connections) kept between requests."""

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> KeptAliveEndpoint:
        kept = cls.__new__(cls)
        kept.__dict__.update(endpoint.__dict__)
        return kept

    def session(self) -> Any:
        sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]
        sessions = self.__dict__.setdefault("_sessions", weakref.WeakKeyDictionary())
        loop = asyncio.get_running_loop()
        session = sessions.get(loop)
        if session is None or session.closed:
            session = self.new_session()
            sessions[loop] = session
        return KeptSession(session)

    def new_session(self) -> aiohttp.ClientSession:
        """Rasa's session (``EndpointConfig.session``) with connections kept and no cookies.

        A session per request kept no cookies between requests; a kept one
        would, so it keeps none. No limit on connections, as before.
        """
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_S),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        for session in list(self.__dict__.get("_sessions", {}).values()):
            await session.close()


async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
    """Rasa's start-up loading of the model, then its objects frozen (see the module).

    The action endpoint's connections are kept from then on (see the module).
    """
    endpoints = kwargs.get("endpoints", args[1] if len(args) > 1 else None)
    if endpoints is not None and endpoints.action is not None:
        endpoints.action = KeptAliveEndpoint.of(endpoints.action)
    agent = await RASAS_LOAD_AGENT_ON_START(*args, **kwargs)
    # Garbage from loading is collected first: frozen, it would never be.
    gc.collect()
    gc.freeze()
    return agent


async def close_resources(app: Any, loop: Any) -> None:
    """Rasa's closing of the agent's resources at shutdown, and the kept action sessions."""
    await RASAS_CLOSE_RESOURCES(app, loop)
    agent = getattr(app.ctx, "agent", None)
    endpoint = getattr(agent, "action_endpoint", None)
    if isinstance(endpoint, KeptAliveEndpoint):
        await endpoint.close()


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    MessageProcessor._parse_message_with_graph = parse_message_with_graph
    # serve_application looks these up when it registers its listeners.
    rasa.core.run.load_agent_on_start = load_agent_on_start
    rasa.core.run.close_resources = close_resources
    Event.resolve_by_type = staticmethod(resolve_by_type)

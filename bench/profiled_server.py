"""The Rasa server with timers around each part of a message's handling.

    BENCH_PROFILE_OUT=/tmp/profile.json python -m bench.profiled_server

Started by ``bench.profile`` in place of ``python -m bot.server``. It wraps,
by monkeypatching Rasa's classes in this process only (never in production):

  message         MessageProcessor.handle_message, the whole turn
  turn            Agent.handle_message: waiting for the conversation's lock, then message
  nlu             the NLU graph, and inside it each component
  policies        each prediction of the next action, and inside it each policy
  action <name>   running one action: for custom ones the action server round trip
  tracker ...     the tracker store's retrieve and save (Rasa's or bot.stores')
  broker publish  the event broker: Rasa's one call per event, ours one per turn
  send            the output channel sending the bot's messages

Each timer keeps its count and total wall time. The totals are written to
``BENCH_PROFILE_OUT`` as JSON after every message, so the file is complete
whenever the server is stopped. Timers nest (``message`` contains ``nlu``);
the report says which.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOTALS: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])


def record(name: str, seconds: float) -> None:
    entry = TOTALS[name]
    entry[0] += 1
    entry[1] += seconds


def dump(path: Path) -> None:
    snapshot = {name: {"calls": int(c), "seconds": s} for name, (c, s) in TOTALS.items()}
    path.write_text(json.dumps(snapshot, indent=1))


def timed(owner: type, attribute: str, name: str | Callable[..., str]) -> None:
    """Replace ``owner.attribute`` with a version that records its wall time."""
    original = getattr(owner, attribute)

    def label(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        return name(*args, **kwargs) if callable(name) else name

    if asyncio.iscoroutinefunction(original):

        @functools.wraps(original)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                record(label(args, kwargs), time.perf_counter() - start)

        setattr(owner, attribute, async_wrapper)
    else:

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                record(label(args, kwargs), time.perf_counter() - start)

        setattr(owner, attribute, wrapper)


def time_garbage_collection() -> None:
    """A timer per generation of the garbage collector: its pauses stop every turn."""
    started: list[float] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            record(
                f"garbage collection, generation {info['generation']}",
                time.perf_counter() - started.pop(),
            )

    gc.callbacks.append(callback)


def install(out: Path) -> None:
    time_garbage_collection()
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.engine.graph import GraphNode

    original_handle = MessageProcessor.handle_message

    @functools.wraps(original_handle)
    async def handle_message(self: Any, message: Any) -> Any:
        start = time.perf_counter()
        try:
            return await original_handle(self, message)
        finally:
            record("message", time.perf_counter() - start)
            dump(out)

    MessageProcessor.handle_message = handle_message
    timed(MessageProcessor, "_parse_message_with_graph", "nlu")
    timed(MessageProcessor, "_predict_next_with_tracker", "policies")
    timed(MessageProcessor, "_run_action", lambda self, action, *a, **k: f"action {action.name()}")
    timed(RemoteAction, "run", "action server round trip")
    # Each graph node: the NLU components and the policies by their node names.
    timed(GraphNode, "__call__", lambda node, *a, **k: f"node {node._node_name}")
    timed(TrackerStore, "stream_events", "tracker save: stream_events (re-reads the tracker)")
    # Rasa's store, or ours (which overrides save): whichever endpoints.yml names.
    timed(SQLTrackerStore, "save", "tracker save")
    try:
        from bot.stores.broker import SQLEventBroker as OurBroker
        from bot.stores.tracker import SQLTrackerStore as OurTrackerStore
    except ImportError:
        # A checkout from before bot/stores/, profiled for the "before" figures.
        pass
    else:
        timed(OurTrackerStore, "save", "tracker save")
        timed(OurBroker, "publish_many", "broker publish (a turn's events at once)")
    timed(SQLTrackerStore, "retrieve", "tracker retrieve")
    timed(SQLTrackerStore, "retrieve_full_tracker", "tracker retrieve_full_tracker")
    timed(SQLEventBroker, "publish", "broker publish")
    timed(Agent, "handle_message", "turn (waiting for the lock, then message)")
    timed(OutputChannel, "send_response", "send")


def main() -> None:
    out = Path(os.environ["BENCH_PROFILE_OUT"])
    install(out)
    from bot.server import main as serve

    serve()


if __name__ == "__main__":
    main()

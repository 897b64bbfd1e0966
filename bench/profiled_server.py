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

With ``BENCH_TRACE_OUT`` set, every timed span is also written there as a
line of JSON (name, conversation, start and end on ``time.perf_counter``'s
clock, which on Linux is the machine's monotonic clock, shared by every
process), with the garbage collections and the moments the event loop was
late by more than :data:`LATE_S`: ``bench.tail`` puts a slow turn's spans
on one timeline with the client's and the action server's.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

TOTALS: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
# The conversation whose turn is running (set around MessageProcessor.handle_message).
CONVERSATION: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "conversation", default=None
)
# The event loop counts as late when a 5 ms sleep overruns by this much.
TICK_S = 0.005
LATE_S = 0.010
_trace: IO[str] | None = None


def open_trace(path: Path) -> None:
    global _trace
    _trace = path.open("a", buffering=1 << 16)


def trace(name: str, start: float, end: float, conversation: str | None = None) -> None:
    if _trace is not None:
        who = conversation if conversation is not None else CONVERSATION.get()
        _trace.write(json.dumps({"name": name, "who": who, "start": start, "end": end}) + "\n")


def flush_trace() -> None:
    if _trace is not None:
        _trace.flush()


def record(name: str, seconds: float) -> None:
    entry = TOTALS[name]
    entry[0] += 1
    entry[1] += seconds
    if _trace is not None:
        end = time.perf_counter()
        trace(name, end - seconds, end)


async def watch_event_loop() -> None:
    """Trace each moment the event loop answered a 5 ms sleep more than LATE_S late."""
    while True:
        start = time.perf_counter()
        await asyncio.sleep(TICK_S)
        late = time.perf_counter() - start - TICK_S
        if late > LATE_S:
            trace("event loop late", start + TICK_S, start + TICK_S + late, "")


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


def time_garbage_collection(process: str = "Rasa") -> None:
    """A timer per generation of the garbage collector: its pauses stop every turn."""
    started: list[float] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            start = started.pop()
            name = f"garbage collection, generation {info['generation']}"
            end = time.perf_counter()
            entry = TOTALS[name]
            entry[0] += 1
            entry[1] += end - start
            trace(f"{name} ({process})", start, end, "")

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

    watching: list[asyncio.Task[None]] = []

    @functools.wraps(original_handle)
    async def handle_message(self: Any, message: Any) -> Any:
        if _trace is not None and not watching:
            watching.append(asyncio.create_task(watch_event_loop()))
        CONVERSATION.set(message.sender_id)
        start = time.perf_counter()
        try:
            return await original_handle(self, message)
        finally:
            record("message", time.perf_counter() - start)
            dump(out)
            flush_trace()

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
    if os.environ.get("BENCH_TRACE_OUT"):
        open_trace(Path(os.environ["BENCH_TRACE_OUT"]))
    install(out)
    from bot.server import main as serve

    serve()


if __name__ == "__main__":
    main()

"""Live events of the handoff service, for the server-sent event stream.

Types: ``handoff.created``, ``handoff.assigned``, ``handoff.closed`` (data: the
handoff), ``message.created`` (data: ``{"handoff_id", "message"}``) and
``handoff.overdue`` (data: ``{"handoff_id", "waited_s", "queue_position"}``).

The hub lives in the service's memory: the service runs as a single worker,
so every change passes through it. A ring buffer of recent events lets a
client that reconnects with ``Last-Event-ID`` receive what it missed. Event
ids are ``<epoch>-<sequence>``, where the epoch is random per process: after
a restart, or when the client fell further behind than the buffer holds, it
cannot resume and gets a ``stream.reset`` event, meaning "reload the lists
from the API". That is the trade-off of keeping events out of the database.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from plumbing.untrusted import UntrustedInput, parse_int

DEFAULT_BUFFER_SIZE = 1000
# Events one subscriber may have pending; a client that falls further behind
# is disconnected (it can resume with Last-Event-ID) instead of holding memory.
DEFAULT_SUBSCRIBER_BACKLOG = 1000

HANDOFF_CREATED = "handoff.created"
HANDOFF_ASSIGNED = "handoff.assigned"
HANDOFF_CLOSED = "handoff.closed"
# A handoff waited past the pickup timeout (data: handoff_id, waited_s, queue_position).
HANDOFF_OVERDUE = "handoff.overdue"
MESSAGE_CREATED = "message.created"
STREAM_RESET = "stream.reset"

# How the background tasks announce a change: EventHub.publish, or a test's recorder.
Publish = Callable[[str, dict[str, Any]], object]


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    data: dict[str, Any]

    def encode(self) -> str:
        """The event in text/event-stream format (JSON has no raw newlines: one data line)."""
        payload = json.dumps({"type": self.type, **self.data}, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n"


class Subscription:
    def __init__(self, backlog: int) -> None:
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=backlog)

    def put(self, event: Event | None) -> bool:
        """Queue an event (None ends the stream); False if the subscriber fell behind."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            # Drop what is pending and end the stream: the client reconnects
            # and resumes from the ring buffer, or reloads.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
            return False
        return True

    async def get(self) -> Event | None:
        return await self._queue.get()


class EventHub:
    def __init__(
        self,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        subscriber_backlog: int = DEFAULT_SUBSCRIBER_BACKLOG,
    ) -> None:
        self.epoch = secrets.token_hex(4)
        self._sequence = 0
        self._buffer: deque[tuple[int, Event]] = deque(maxlen=buffer_size)
        self._subscribers: set[Subscription] = set()
        self._subscriber_backlog = subscriber_backlog
        self._closed = False

    def publish(self, type_: str, data: dict[str, Any]) -> Event:
        self._sequence += 1
        event = Event(f"{self.epoch}-{self._sequence}", type_, data)
        self._buffer.append((self._sequence, event))
        for subscription in list(self._subscribers):
            if not subscription.put(event):
                self._subscribers.discard(subscription)
        return event

    def since(self, last_event_id: str) -> list[Event] | None:
        """Events after ``last_event_id``; None if they are no longer all known."""
        epoch, _, raw_sequence = last_event_id.strip().partition("-")
        if epoch != self.epoch:
            return None
        try:
            # The client's header: "²" passes isdigit() and then fails int().
            sequence = parse_int(raw_sequence, name="Last-Event-ID")
        except UntrustedInput:
            return None
        oldest = self._buffer[0][0] if self._buffer else self._sequence + 1
        if sequence > self._sequence or sequence + 1 < oldest:
            return None
        return [event for number, event in self._buffer if number > sequence]

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        subscription = Subscription(self._subscriber_backlog)
        if self._closed:
            subscription.put(None)
        else:
            self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    def close(self) -> None:
        """End every stream (the server is stopping: it would wait for them otherwise)."""
        self._closed = True
        for subscription in list(self._subscribers):
            subscription.put(None)
        self._subscribers.clear()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

"""The handoff service's events: the journal, read live.

Every change is written to the journal ``handoff_events`` in the transaction
that makes it (handoff.store): the journal is the only source of events. Two
kinds of readers follow it, each with its own cursor (a journal id):

- the server-sent event stream ``GET /api/events`` (handoff.service), one
  :class:`JournalReader` per open stream;
- the contact-center adapters (handoff.integrations.dispatcher), whose
  cursors are in the database.

:class:`EventHub` carries no events. After a commit that journaled something,
the store calls :meth:`EventHub.wake` with the latest id it wrote ("something
new after id N"), and each reader reads the journal after its own cursor.
Readers also read on a timer (the stream at every keep-alive, the adapters
every poll interval), so a change journaled by another process, which wakes
no hub here, arrives late but is never lost.

Types (``data`` as the stream sends it, with ``type`` added):

- ``handoff.created``, ``handoff.assigned``, ``handoff.closed``: ``{"handoff"}``,
  the handoff as the change left it (the stream leaves out the transcript
  that ``handoff.created`` carries in the journal for the adapters: a desk
  reads it with the handoff);
- ``message.created``: ``{"handoff_id", "message"}``;
- ``message.updated``: the same, for a message that changed: an agent's reply
  whose ``delivery`` went from ``pending`` to ``sent`` or ``failed``;
- ``handoff.overdue``: ``{"handoff_id", "waited_s", "queue_position"}``;
- ``stream.reset`` (the stream's own, never journaled): reload the lists.

Event ids are journal ids, integers sent as text: they survive a restart of
the service, so a client that reconnects with ``Last-Event-ID: N`` gets every
event after N, in order, once. It gets ``stream.reset`` instead when N is no
id (the ``<epoch>-<sequence>`` ids of old), lies ahead of the journal (another
database), is older than the journal keeps, or more than
:data:`MAX_RESUME_EVENTS` behind: reloading is then cheaper than replaying.

Why our own hub and not a library (Redis pub/sub, PostgreSQL's
LISTEN/NOTIFY): the journal already is the durable, ordered log, and the
service runs as one process on SQLite as well as PostgreSQL; all a wake-up
must cross is the thread that committed. A known limit: a new stream (no
``Last-Event-ID``) starts after the latest id, so on PostgreSQL a change
still committing under a lower id is not sent to it: the desk's lists,
loaded once connected, show it unless it commits later still.

Memory per stream is bounded: a stream holds one page of the journal at a
time, and a client that reads slowly slows its own stream only (Sanic's
writes wait for the socket; a client that reads nothing for
``RESPONSE_TIMEOUT`` is disconnected). The cost is a journal read per open
stream per change, which the limits on streams (handoff.service) bound.

Retention: the journal grows by a few rows per message, and is pruned
only with ``HANDOFF_RETENTION_DAYS`` (handoff.retention, with its closed
handoffs). A pruner must keep the newest row (SQLite hands out the highest
id + 1, so deleting the newest rows would reuse ids) and, for PostgreSQL,
leave at least :data:`handoff.store.GAP_GRACE_S` of rows; streams resuming
from before the oldest row then get ``stream.reset``, and the adapters'
cursors (``integration_cursors``) must be past what it deletes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager

from handoff.models import utc_now
from handoff.store import (
    GAP_GRACE_S,
    HANDOFF_ASSIGNED,
    HANDOFF_CLOSED,
    HANDOFF_CREATED,
    HANDOFF_OVERDUE,
    MESSAGE_CREATED,
    MESSAGE_UPDATED,
    HandoffStore,
    JournalEvent,
    settled,
)
from plumbing.untrusted import UntrustedInput, parse_int

__all__ = [
    "HANDOFF_ASSIGNED",
    "HANDOFF_CLOSED",
    "HANDOFF_CREATED",
    "HANDOFF_OVERDUE",
    "MESSAGE_CREATED",
    "MESSAGE_UPDATED",
    "STREAM_RESET",
    "EventHub",
    "JournalReader",
    "Wakeups",
    "encode",
    "reset",
    "resume_after",
]

STREAM_RESET = "stream.reset"

# A client further behind than this many ids reloads instead (stream.reset).
MAX_RESUME_EVENTS = 5000
# Journal rows a stream reads (and holds) at a time.
PAGE_SIZE = 200
# How soon a reader stopped at a gap in the ids reads again (PostgreSQL only).
GAP_RETRY_S = 0.5


# -- the wire format -----------------------------------------------------------------------


def encode(event: JournalEvent) -> str:
    """The event in text/event-stream format (JSON has no raw newlines: one data line)."""
    data = event.payload
    handoff = data.get("handoff")
    if isinstance(handoff, dict) and "transcript" in handoff:
        data = {**data, "handoff": {k: v for k, v in handoff.items() if k != "transcript"}}
    payload = json.dumps({"type": event.type, **data}, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.type}\ndata: {payload}\n\n"


def reset(position: int) -> str:
    """``stream.reset``, with the id the stream goes on from: a client that loses
    the connection before the next event resumes there, not with its stale id."""
    return f"id: {position}\nevent: {STREAM_RESET}\ndata: {{}}\n\n"


def resume_after(last_event_id: str | None, oldest: int | None, latest: int) -> int | None:
    """The journal id a stream starts after; None when the client must reload (stream.reset).

    ``oldest`` and ``latest``: the journal's bounds (HandoffStore.journal_bounds).
    Without ``Last-Event-ID`` a stream starts at the end of the journal.
    """
    if last_event_id is None or not last_event_id.strip():
        return latest
    try:
        # The client's header: "²" passes isdigit() and then fails int().
        position = parse_int(last_event_id, name="Last-Event-ID")
    except UntrustedInput:
        return None
    if position > latest or latest - position > MAX_RESUME_EVENTS:
        return None
    if oldest is not None and position < oldest - 1:
        return None  # pruned: what came after it is no longer all there
    return position


# -- waking the readers ---------------------------------------------------------------------


class Wakeups:
    """One reader's wake-up signal: a flag and the latest id announced, no queue."""

    def __init__(self) -> None:
        self._signal = asyncio.Event()
        self._closed = False
        # The highest id announced so far (0: none yet).
        self.latest = 0

    @property
    def closed(self) -> bool:
        return self._closed

    def _wake(self, latest: int) -> None:
        self.latest = max(self.latest, latest)
        self._signal.set()

    def _close(self) -> None:
        self._closed = True
        self._signal.set()

    async def wait(self, timeout: float | None = None) -> bool:
        """Until woken (True), closed (True: see ``closed``) or ``timeout`` s passed (False).

        Wake-ups that came while the reader was busy count: one returns at once.
        """
        if not self._signal.is_set():
            # asyncio.wait rather than wait_for: on Python 3.10, wait_for loses a
            # cancellation that arrives as the event is set (the server stopping).
            waiter = asyncio.ensure_future(self._signal.wait())
            try:
                await asyncio.wait({waiter}, timeout=timeout)
            finally:
                waiter.cancel()
        woken = self._signal.is_set()
        if not self._closed:
            self._signal.clear()
        return woken


class EventHub:
    """Wakes the journal's readers in this process; holds no events (see the module)."""

    def __init__(self) -> None:
        self._subscribers: set[Wakeups] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def wake(self, latest_id: int) -> None:
        """Events up to ``latest_id`` were journaled. Callable from any thread: the
        store calls it from the worker thread that committed (a JournalListener)."""
        loop = self._loop
        if loop is None:
            return  # nobody subscribed yet: nobody to wake
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(latest_id)
            return
        try:
            loop.call_soon_threadsafe(self._wake, latest_id)
        except RuntimeError:
            pass  # the loop is closed: its readers are gone

    def _wake(self, latest_id: int) -> None:
        for wakeups in self._subscribers:
            wakeups._wake(latest_id)

    @contextmanager
    def subscribe(self) -> Iterator[Wakeups]:
        """Wake-ups from now on: subscribe *before* reading the journal, so that no
        change can commit unnoticed between the read and the wait."""
        self._loop = asyncio.get_running_loop()
        wakeups = Wakeups()
        if self._closed:
            wakeups._close()
        else:
            self._subscribers.add(wakeups)
        try:
            yield wakeups
        finally:
            self._subscribers.discard(wakeups)

    def close(self) -> None:
        """End every reader (the server is stopping: it would wait for the streams otherwise)."""
        self._closed = True
        for wakeups in self._subscribers:
            wakeups._close()
        self._subscribers.clear()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)


# -- reading the journal ---------------------------------------------------------------------


class JournalReader:
    """Reads the journal after a cursor, a page at a time, each event once, in id order.

    ``more``: the last read filled a page, read again before waiting.
    ``stalled``: it stopped at a gap in the ids that may still fill (see
    handoff.store.settled); read again after :data:`GAP_RETRY_S`.
    """

    def __init__(
        self,
        store: HandoffStore,
        after: int,
        *,
        page_size: int = PAGE_SIZE,
        gap_grace_s: float = GAP_GRACE_S,
    ) -> None:
        self._store = store
        self.position = after
        self._page_size = page_size
        self._gap_grace_s = gap_grace_s
        self.more = False
        self.stalled = False

    async def read(self) -> list[JournalEvent]:
        """The next events after ``position`` (which moves past them)."""
        page = await self._store.events_after(self.position, self._page_size)
        ready = settled(page, self.position, utc_now(), self._gap_grace_s)
        self.stalled = len(ready) < len(page)
        self.more = not self.stalled and len(page) == self._page_size
        if ready:
            self.position = ready[-1].id
        return ready

    def behind(self, wakeups: Wakeups) -> bool:
        """Whether there may be more to read: what the wake-ups announced, or the
        rest of a full page, or a gap that may have filled."""
        return self.stalled or self.more or wakeups.latest > self.position

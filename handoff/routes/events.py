"""``GET /api/events``: the journal as server-sent events, live (see handoff.events).

A stream starts after ``Last-Event-ID`` (or from now, with ``stream.reset``),
sends what the journal holds after its cursor, and waits to be woken by the
event hub when a commit journals something. Every ``keepalive_s`` it checks
that the caller is still signed in, sends a keep-alive comment, and reads
the journal anyway (a change journaled by another process wakes no hub here).

What a person (agent, supervisor) is sent has card numbers and the like
masked (handoff.desk.masking, ``HANDOFF_DESK_MASK``), off the event loop;
the admin token's stream carries what was stored.

Streams are limited: each holds a connection and a page of the journal. A
caller may hold :data:`MAX_STREAMS_PER_CALLER` (429 past that), all callers
:data:`MAX_STREAMS` (503); both answers carry ``Retry-After``.
"""

from __future__ import annotations

import asyncio

from sanic import Blueprint
from sanic.request import Request
from sanic.response import BaseHTTPResponse

from handoff import events as ev
from handoff.auth import EVERYONE, authorized, caller, still_signed_in
from handoff.context import ServiceContext, context_of
from handoff.desk.masking import kinds_for, mask_events
from handoff.errors import Busy, TooManyStreams

# Comments keep idle streams open through proxies; Sanic's RESPONSE_TIMEOUT
# (60 s) also counts from the last write, so this must stay well below it.
KEEPALIVE_S = 15.0
# A desk tab opens one stream; a caller with more than a few is leaking them.
MAX_STREAMS = 200
MAX_STREAMS_PER_CALLER = 10
RETRY_STREAM_S = 5.0
# Every /api answer may carry customer messages: no cache may keep it.
NO_STORE = "no-store"


@authorized(*EVERYONE)
async def events(request: Request) -> None:
    ctx = context_of(request)
    principal = caller(request)
    streams = ctx.streams
    key = f"{principal.role}:{principal.name}"
    if sum(streams.values()) >= MAX_STREAMS:
        raise Busy("too many open event streams; try again later", RETRY_STREAM_S)
    if streams[key] >= MAX_STREAMS_PER_CALLER:
        raise TooManyStreams(
            f"at most {MAX_STREAMS_PER_CALLER} open event streams per caller", RETRY_STREAM_S
        )
    # No await between the checks above and this count: none can slip in.
    streams[key] += 1
    try:
        await stream_events(request, ctx)
    finally:
        streams[key] -= 1
        if streams[key] <= 0:
            del streams[key]


async def stream_events(request: Request, ctx: ServiceContext) -> None:
    """The journal after ``Last-Event-ID`` (or from now), then live."""
    journal = ctx.store
    response = await request.respond(
        content_type="text/event-stream",
        headers={"Cache-Control": NO_STORE, "X-Accel-Buffering": "no"},
    )
    # Subscribed before the journal is read: whatever commits from here on
    # wakes this stream, so no event falls between the backlog and going
    # live; the reader's cursor sends each event once.
    with ctx.events.subscribe() as wakeups:
        oldest, latest = await journal.journal_bounds()
        after = ev.resume_after(request.headers.get("last-event-id"), oldest, latest)
        reader = ev.JournalReader(journal, latest if after is None else after)
        # A first write sends the headers now, so the client knows it is
        # connected; the id is where its next connection resumes if this
        # one ends before an event (EventSource keeps an id without data).
        await response.send(f": connected\nid: {reader.position}\n\n")
        if after is None:
            await response.send(ev.reset(reader.position))
        await follow(request, ctx, response, reader, wakeups, kinds_for(request))
        if wakeups.closed and request.stream is not None:
            # The server is stopping: this connection serves no further request,
            # so the client's reconnection reaches the server that replaces this one
            # (an idle keep-alive connection would outlive it, and a stream asked
            # of it would end at once, again and again).
            request.stream.keep_alive = False
    await response.eof()


async def follow(
    request: Request,
    ctx: ServiceContext,
    response: BaseHTTPResponse,
    reader: ev.JournalReader,
    wakeups: ev.Wakeups,
    mask: tuple[str, ...] = (),
) -> None:
    """Send what the journal holds after the reader's cursor, with ``mask``'s kinds
    masked, then wait to be woken; check the caller and send a keep-alive every
    ``keepalive_s``."""
    clock = asyncio.get_running_loop().time
    check_at = clock() + ctx.keepalive_s
    while not wakeups.closed:  # closed: the server is stopping
        page = await reader.read()
        if page and mask:
            page = await asyncio.to_thread(mask_events, page, mask)
        for event in page:
            await response.send(ev.encode(event))
        while not reader.more:
            timeout = check_at - clock()
            if timeout <= 0:
                break
            await wakeups.wait(min(timeout, ev.GAP_RETRY_S) if reader.stalled else timeout)
            if wakeups.closed:
                return
            if reader.behind(wakeups):
                break
        if clock() >= check_at:
            # A stream outlives the checks of single requests: one whose
            # session expired, was signed out or whose agent was disabled
            # ends here (the desk then asks to sign in again).
            if not await still_signed_in(request):
                return
            await response.send(": keep-alive\n\n")
            check_at = clock() + ctx.keepalive_s
            # Then the journal is read anyway: a change another process
            # journaled woke no hub here.


def blueprint() -> Blueprint:
    bp = Blueprint("events")
    bp.add_route(events, "/api/events", methods=["GET"])
    return bp

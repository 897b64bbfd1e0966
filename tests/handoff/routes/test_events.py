"""handoff.routes.events on a real server: the journal streamed live, resumed with
Last-Event-ID (across restarts too), kept alive, limited per caller, ended on stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sanic import Sanic

from handoff import events as ev
from handoff.context import context_of
from handoff.routes.events import MAX_STREAMS_PER_CALLER
from handoff.service import create_app
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, FakeDelivery, Service, create


class EventStream:
    """Parsed blocks of GET /api/events: {"id", "event", "data"}, {"comment"}, or an
    id alone ({"id"}: where the stream goes on from, see ``start_id``)."""

    def __init__(self, blocks: AsyncIterator[dict[str, Any]]) -> None:
        self._blocks = blocks
        self.start_id = ""

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await anext(self._blocks)


@asynccontextmanager
async def event_stream(
    service: Service,
    token: str = ADMIN_TOKEN,
    last_event_id: str | bytes | None = None,
    client: httpx.AsyncClient | None = None,
) -> AsyncIterator[EventStream]:
    """GET /api/events, past its first block (the "connected" comment and the id)."""
    headers: dict[str, str | bytes] = {**service.auth(token)}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    client = client or service.client
    async with client.stream("GET", "/api/events", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")

        async def parse() -> AsyncIterator[dict[str, Any]]:
            event: dict[str, Any] = {}
            async for line in response.aiter_lines():
                if not line:
                    if event:
                        yield event
                    event = {}
                elif line.startswith(":"):
                    yield {"comment": line[1:].strip()}
                else:
                    key, _, value = line.partition(": ")
                    event[key] = json.loads(value) if key == "data" else value

        events = EventStream(parse())
        assert await anext(events) == {"comment": "connected"}
        first = await anext(events)
        assert list(first) == ["id"] and first["id"].isdigit(), first
        events.start_id = first["id"]
        yield events


async def next_event(events: AsyncIterator[dict[str, Any]], timeout: float = 1.0) -> dict[str, Any]:
    """The next event, past comments (keep-alives)."""
    while True:
        event = await asyncio.wait_for(anext(events), timeout)
        if "event" in event:
            return event


async def events_until(
    events: AsyncIterator[dict[str, Any]], last_id: int, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Every event up to and including the one with id ``last_id``."""
    received = [await next_event(events, timeout)]
    while int(received[-1]["id"]) < last_id:
        received.append(await next_event(events, timeout))
    return received


async def quiet(events: AsyncIterator[dict[str, Any]], for_s: float = 0.3) -> None:
    """Assert that no further event arrives for ``for_s`` seconds."""
    with contextlib.suppress(asyncio.TimeoutError):
        extra = await next_event(events, for_s)
        raise AssertionError(f"an unexpected event: {extra}")


async def journal_ids(app: Sanic) -> list[int]:
    return [e.id for e in await context_of(app).store.events_after(0, 10_000)]


async def test_events_stream_the_lifecycle(service: Service) -> None:
    ann = await service.new_agent("ann")
    async with event_stream(service, ann) as events:
        handoff = await create(service)
        created = await next_event(events)
        assert created["event"] == "handoff.created"
        assert created["data"]["type"] == "handoff.created"
        assert created["data"]["handoff"]["id"] == handoff["id"]
        assert "transcript" not in created["data"]["handoff"]  # the desk reads it with the handoff

        base = f"/api/handoffs/{handoff['id']}"
        await service.admin(
            "POST", f"{base}/customer-messages", json={"text": "hello?", "source_event_id": "e1"}
        )
        message = await next_event(events)
        assert message["event"] == "message.created"
        assert message["data"]["handoff_id"] == handoff["id"]
        assert message["data"]["message"]["role"] == "customer"
        assert message["data"]["message"]["text"] == "hello?"

        await service.as_(ann, "POST", f"{base}/claim")
        assigned = await next_event(events)
        assert assigned["event"] == "handoff.assigned"
        assert assigned["data"]["handoff"]["assigned_to"] == "ann"

        await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hi"})
        reply = await next_event(events)
        assert reply["event"] == "message.created"
        assert reply["data"]["message"]["role"] == "agent"
        assert reply["data"]["message"]["delivery"] == "pending"
        delivered = await next_event(events)
        assert delivered["event"] == "message.updated"
        assert delivered["data"]["message"]["id"] == reply["data"]["message"]["id"]
        assert delivered["data"]["message"]["delivery"] == "sent"

        await service.as_(ann, "POST", f"{base}/close")
        closed = await next_event(events)
        assert closed["event"] == "handoff.closed"

        # Event ids are the journal's: increasing integers.
        ids = [created, message, assigned, reply, delivered, closed]
        assert [int(e["id"]) for e in ids] == await journal_ids(service.app)


async def test_events_resume_after_last_event_id(service: Service) -> None:
    async with event_stream(service) as events:
        await create(service, "first")
        first = await next_event(events)
    await create(service, "second")  # while disconnected

    async with event_stream(service, last_event_id=first["id"]) as events:
        missed = await next_event(events)
        assert missed["data"]["handoff"]["conversation_id"] == "conv-second"
        assert int(missed["id"]) == int(first["id"]) + 1


async def test_a_stream_resumes_with_last_event_id_across_a_restart_losing_nothing(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> None:
    """The service stops, the database changes meanwhile, it starts again: a client
    that reconnects with the last id it saw gets every event after it, once, in order."""
    monkeypatch.setattr(Sanic, "test_mode", True)

    async def start() -> Service:
        # A file SQLite database (the settings fixture's), kept across the restart.
        app = create_app(
            settings, deliver=delivery, on_close=closes, name=f"restart_{uuid.uuid4().hex}"
        )
        return await Service(app).start()

    before = await start()
    ann = await before.new_agent("ann")
    handoff = await create(before, "ann")
    base = f"/api/handoffs/{handoff['id']}"
    async with event_stream(before, ann) as events:
        await before.admin("POST", f"{base}/customer-messages", json={"text": "hello?"})
        last_seen = (await next_event(events))["id"]
    # The client lost its connection; the service goes on a little, then stops.
    await before.as_(ann, "POST", f"{base}/claim")
    await before.stop()

    # While it is down, another writer changes the database (a second instance, a script).
    other = HandoffStore(settings.database_url)
    try:
        await other.append_message(handoff["id"], "customer", "anyone there?")
        await other.create_handoff(
            escalation_id="esc-bob",
            conversation_id="conv-bob",
            channel="sms",
            customer_id="+15550100",
            priority=2,
        )
        missed = [e.id for e in await other.events_after(int(last_seen))]
    finally:
        other.dispose()

    after = await start()
    try:
        async with event_stream(after, ann, last_event_id=last_seen) as events:
            backlog = await events_until(events, missed[-1])
            assert [int(e["id"]) for e in backlog] == missed
            assert [e["event"] for e in backlog] == [
                "handoff.assigned",
                "message.created",
                "handoff.created",
            ]
            assert backlog[1]["data"]["message"]["text"] == "anyone there?"
            # Then live, on the same stream.
            await after.as_(ann, "POST", f"{base}/messages", json={"text": "Ann here."})
            live = await events_until(events, (await journal_ids(after.app))[-1])
            assert [e["event"] for e in live] == ["message.created", "message.updated"]
            await quiet(events)
        all_ids = [int(e["id"]) for e in backlog + live]
        assert all_ids == (await journal_ids(after.app))[-len(all_ids) :]
    finally:
        await after.stop()


async def test_every_change_is_streamed_exactly_once_to_every_reader(
    service: Service, delivery: FakeDelivery
) -> None:
    ann = await service.new_agent("ann")
    sue = await service.new_agent("sue", "supervisor")
    async with event_stream(service, ann) as mine, event_stream(service) as admins:
        handoff = await create(service, "ann")
        base = f"/api/handoffs/{handoff['id']}"
        await service.admin("POST", f"{base}/customer-messages", json={"text": "hi"})
        await service.as_(ann, "POST", f"{base}/claim")
        await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hello"})
        await service.as_(ann, "POST", f"{base}/messages", json={"text": "VIP", "internal": True})
        await service.as_(ann, "POST", f"{base}/transfer", json={"to": "sue"})
        delivery.failing = True
        await service.as_(sue, "POST", f"{base}/messages", json={"text": "Sue here"})
        await service.as_(sue, "POST", f"{base}/close")
        journal = await journal_ids(service.app)
        for events in (mine, admins):
            received = await events_until(events, journal[-1])
            assert [int(e["id"]) for e in received] == journal
            assert [e["event"] for e in received] == [
                "handoff.created",
                "message.created",
                "handoff.assigned",
                "message.created",  # Hello: pending
                "message.updated",  # Hello: sent
                "message.created",  # the note: never delivered, never updated
                "handoff.assigned",
                "message.created",  # Sue here: pending
                "message.updated",  # Sue here: failed
                "handoff.closed",
            ]
            assert received[8]["data"]["message"]["delivery"] == "failed"
        await quiet(mine)
        await quiet(admins)


async def test_a_delivery_status_change_reaches_the_stream(
    service: Service, delivery: FakeDelivery
) -> None:
    ann = await service.new_agent("ann")
    handoff = await create(service)
    base = f"/api/handoffs/{handoff['id']}"
    await service.as_(ann, "POST", f"{base}/claim")
    async with event_stream(service, ann) as events:
        delivery.failing = True
        response = await service.as_(ann, "POST", f"{base}/messages", json={"text": "Hello?"})
        assert response.status_code == 502
        created, updated = await next_event(events), await next_event(events)
    message_id = response.json()["message"]["id"]
    assert (created["event"], created["data"]["message"]["delivery"]) == (
        "message.created",
        "pending",
    )
    assert updated["event"] == "message.updated"
    assert updated["data"] == {
        "type": "message.updated",
        "handoff_id": handoff["id"],
        "message": response.json()["message"],
    }
    assert updated["data"]["message"]["id"] == message_id
    assert updated["data"]["message"]["delivery"] == "failed"


async def test_a_change_another_process_journals_arrives_at_the_next_keep_alive(
    service: Service, settings: HandoffSettings
) -> None:
    # Nothing wakes this service's hub: its streams find the change in the journal.
    service.context.keepalive_s = 0.1
    async with event_stream(service) as events:
        other = HandoffStore(settings.database_url)
        try:
            await other.create_handoff(
                escalation_id="esc-x", conversation_id="conv-x", channel="sms",
                customer_id="x", priority=3,
            )  # fmt: skip
        finally:
            other.dispose()
        created = await next_event(events, timeout=5)
    assert created["data"]["handoff"]["conversation_id"] == "conv-x"


async def test_a_stream_that_cannot_resume_is_reset_and_goes_on(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        await create(service, name)
    latest = (await journal_ids(service.app))[-1]
    monkeypatch.setattr(ev, "MAX_RESUME_EVENTS", 2)
    for last_event_id in ("0000-1", "abc", str(latest + 1), "0", "-1", ""):
        async with event_stream(service, last_event_id=last_event_id) as events:
            if last_event_id == "":
                continue  # no id: from now on, nothing to reset
            reset = await next_event(events)
            assert reset["event"] == "stream.reset", last_event_id
            # With the id it goes on from: the client's next reconnection resumes there.
            assert reset["id"] == events.start_id == str(latest)
    # Two behind is near enough; and a reset stream goes on live.
    async with event_stream(service, last_event_id=str(latest - 2)) as events:
        assert [e["event"] for e in await events_until(events, latest)] == ["handoff.created"] * 2
    async with event_stream(service, last_event_id="nonsense") as events:
        assert (await next_event(events))["event"] == "stream.reset"
        await create(service, "d")
        assert (await next_event(events))["id"] == str(latest + 1)


async def test_events_keep_alive(service: Service) -> None:
    service.context.keepalive_s = 0.05
    async with event_stream(service) as events:
        assert await asyncio.wait_for(anext(events), 1) == {"comment": "keep-alive"}


async def test_event_streams_are_limited_per_caller(service: Service) -> None:
    ann = await service.new_agent("ann")
    async with contextlib.AsyncExitStack() as streams:
        for _ in range(MAX_STREAMS_PER_CALLER):
            await streams.enter_async_context(event_stream(service, ann))
        refused = await service.as_(ann, "GET", "/api/events")
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"]
        # Another caller is not held back by ann's streams.
        async with event_stream(service) as events:
            await create(service)
            assert (await next_event(events))["event"] == "handoff.created"
    # Closed streams are counted down (noticed at the next write: a keep-alive).
    service.context.keepalive_s = 0.05
    async with event_stream(service, ann):
        assert service.context.streams["agent:ann"] >= 1
    for _ in range(100):
        if "agent:ann" not in service.context.streams:
            break
        await asyncio.sleep(0.05)
    assert "agent:ann" not in service.context.streams


async def test_a_last_event_id_with_unicode_digits_resets_the_stream(service: Service) -> None:
    for last_event_id in ("²", "9" * 30, "\uff11", "1\u0661"):
        # As UTF-8 bytes: an HTTP client sends header text as ASCII only.
        async with event_stream(service, last_event_id=last_event_id.encode()) as events:
            assert (await next_event(events))["event"] == "stream.reset"


async def test_stopping_the_server_ends_open_streams(service: Service) -> None:
    # Otherwise the server would wait GRACEFUL_SHUTDOWN_TIMEOUT for each stream.
    async with httpx.AsyncClient(base_url=service.client.base_url, timeout=10) as own:
        async with event_stream(service, client=own) as events:
            await asyncio.wait_for(service.stop(), 5)
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(anext(events), 5)


async def test_a_stream_the_stopping_server_ends_closes_its_connection(service: Service) -> None:
    """Else the idle connection would outlive the server, and a client's reconnection
    over it would be answered by the stopped app (a stream that ends at once) instead
    of reaching the server that replaces it."""
    host, port = service.client.base_url.host, service.client.base_url.port
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
        writer.write(request.encode() + b"\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b": connected"), 5)
        assert head.startswith(b"HTTP/1.1 200 ")
        await asyncio.wait_for(service.stop(), 5)
        # The rest of the stream, then the end of the connection, well before
        # the keep-alive timeout (5 s) would have closed it.
        rest = await asyncio.wait_for(reader.read(), 2)
        assert rest.endswith(b"0\r\n\r\n")
    finally:
        writer.close()

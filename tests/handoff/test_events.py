"""handoff.events: the in-memory hub behind the server-sent event stream."""

from __future__ import annotations

import json

from handoff.events import EventHub


async def test_subscribers_receive_published_events() -> None:
    hub = EventHub()
    with hub.subscribe() as first, hub.subscribe() as second:
        event = hub.publish("handoff.created", {"handoff": {"id": 1}})
        assert await first.get() == event
        assert await second.get() == event
    assert hub.subscriber_count == 0


def test_encoding_is_one_event_with_id_type_and_json() -> None:
    event = EventHub().publish("message.created", {"text": "two\nlines"})
    lines = event.encode().split("\n")
    assert lines[0] == f"id: {event.id}"
    assert lines[1] == "event: message.created"
    assert json.loads(lines[2].removeprefix("data: ")) == {
        "type": "message.created",
        "text": "two\nlines",
    }
    assert lines[3:] == ["", ""]


def test_since_replays_what_was_missed() -> None:
    hub = EventHub(buffer_size=3)
    events = [hub.publish("handoff.created", {"n": n}) for n in range(5)]
    assert hub.since(events[2].id) == events[3:]
    assert hub.since(events[4].id) == []
    assert hub.since(events[1].id) == events[2:]  # 1 is gone, but nothing after it is
    assert hub.since(events[0].id) is None  # events[1] fell out of the buffer
    assert hub.since("otherepoch-3") is None  # another process (a restart)
    assert hub.since(f"{hub.epoch}-99") is None
    assert hub.since("garbage") is None
    # Unicode digits pass isdigit() and fail int(); before, the stream died with a 500.
    assert hub.since(f"{hub.epoch}-²") is None
    assert hub.since(f"{hub.epoch}-\uff13") is None
    assert hub.since(f"{hub.epoch}-{'9' * 5000}") is None


async def test_a_slow_subscriber_is_disconnected_not_buffered_forever() -> None:
    hub = EventHub(subscriber_backlog=2)
    with hub.subscribe() as slow:
        for n in range(3):
            hub.publish("handoff.created", {"n": n})
        assert await slow.get() is None
        assert hub.subscriber_count == 0


async def test_close_ends_every_stream() -> None:
    hub = EventHub()
    with hub.subscribe() as subscription:
        hub.close()
        assert await subscription.get() is None
    with hub.subscribe() as late:
        assert await late.get() is None

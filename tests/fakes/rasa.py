"""A fake of the Rasa server's HTTP API, as the handoff service uses it.

``GET /conversations/<id>/tracker`` answers the events set in ``events[id]``;
``POST .../tracker/events`` the tracker; ``POST .../execute`` the tracker and
the messages, as Rasa 3.6 does. ``POST /internal/deliveries`` (our own route,
bot.channels.internal) answers that it sent; ``deliveries()`` are their bodies.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply

DELIVERIES_PATH = "/internal/deliveries"


class FakeRasa(FakeApi):
    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, list[dict[str, Any]]] = {}

    def deliveries(self) -> list[dict[str, Any]]:
        """The bodies posted to /internal/deliveries, scripted failures included."""
        return [r.json() for r in list(self.requests) if r.path == DELIVERIES_PATH]

    def handle(self, request: Recorded) -> Reply:
        if request.path == DELIVERIES_PATH:
            return Reply(200, {"status": "sent"})
        conversation = request.path.split("/")[2]
        tracker = {
            "sender_id": conversation,
            "paused": False,
            "events": self.events.get(conversation, []),
        }
        if request.path.endswith("/execute"):
            return Reply(200, {"tracker": tracker, "messages": []})
        return Reply(200, tracker)

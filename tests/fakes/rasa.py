"""A fake of the Rasa server's HTTP API, as the handoff service uses it.

``GET /conversations/<id>/tracker`` answers the events set in ``events[id]``;
``POST .../tracker/events`` the tracker; ``POST .../execute`` the tracker and
the messages, as Rasa 3.6 does.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply


class FakeRasa(FakeApi):
    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, list[dict[str, Any]]] = {}

    def handle(self, request: Recorded) -> Reply:
        conversation = request.path.split("/")[2]
        tracker = {
            "sender_id": conversation,
            "paused": False,
            "events": self.events.get(conversation, []),
        }
        if request.path.endswith("/execute"):
            return Reply(200, {"tracker": tracker, "messages": []})
        return Reply(200, tracker)

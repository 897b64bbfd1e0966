"""handoff.free_text: which parts of a handoff's JSON are the customer's free text."""

from __future__ import annotations

import datetime as dt

from handoff.free_text import event_json, handoff_json, message_json
from handoff.store import JournalEvent


def shout(text: str) -> str:
    return text.upper()


HANDOFF = {
    "id": 7,
    "conversation_id": "+14155550101",
    "channel": "sms",
    "reasons": ["fraud"],
    "customer": {"name": "ada"},
    "resolution": "refunded",
    "summary": {"order_id": "12345678", "notes": ["card ending 4242"], "turns": 3},
    "transcript": [{"id": 1, "sender": "customer", "text": "hi"}, {"id": 2, "text": None}],
}


def test_a_handoffs_transcript_resolution_and_summary_are_rewritten_and_nothing_else() -> None:
    rewritten = handoff_json(HANDOFF, shout)

    assert rewritten["transcript"] == [
        {"id": 1, "sender": "customer", "text": "HI"},
        {"id": 2, "text": None},
    ]
    assert rewritten["resolution"] == "REFUNDED"
    assert rewritten["summary"] == {
        "order_id": "12345678",
        "notes": ["CARD ENDING 4242"],
        "turns": 3,
    }
    for kept in ("id", "conversation_id", "channel", "reasons", "customer"):
        assert rewritten[kept] == HANDOFF[kept]
    assert HANDOFF["resolution"] == "refunded"  # the original is left as it was


def test_what_is_not_json_of_the_expected_shape_is_left_alone() -> None:
    assert message_json("hi", shout) == "hi"
    assert message_json({"text": 3}, shout) == {"text": 3}
    assert handoff_json(None, shout) is None


def test_an_event_carries_its_message_and_handoff_rewritten() -> None:
    event = JournalEvent(
        id=1,
        type="message.created",
        handoff_id=7,
        conversation_id="c",
        payload={"message": {"text": "hello"}, "handoff": {"resolution": "ok"}, "other": "x"},
        created_at=dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc),
    )

    rewritten = event_json(event, shout)

    assert rewritten.payload == {
        "message": {"text": "HELLO"},
        "handoff": {"resolution": "OK"},
        "other": "x",
    }
    assert event.payload["message"] == {"text": "hello"}

"""handoff.desk.window: when WhatsApp's 24-hour window closes, from the transcript."""

from __future__ import annotations

import datetime as dt

from handoff.desk.window import WINDOW, window_closed, window_closes_at
from handoff.store import Handoff
from handoff.store.records import Message

START = dt.datetime(2026, 12, 1, 9, 0)


def message(role: str, minutes: int) -> Message:
    return Message(
        id=minutes,
        handoff_id=1,
        role=role,
        text="…",
        timestamp=START + dt.timedelta(minutes=minutes),
        source_event_id=None,
        internal=False,
        author=None,
        delivery=None,
    )


def handoff(channel: str, transcript: list[Message] | None, last: dt.datetime | None) -> Handoff:
    return Handoff(
        id=1,
        escalation_id="esc-1",
        conversation_id="conv-1",
        channel=channel,
        customer_id="whatsapp:+14155550101",
        customer={},
        reasons=[],
        priority=3,
        anger=0.0,
        summary={},
        status="waiting",
        assigned_to=None,
        created_at=START + dt.timedelta(minutes=30),
        assigned_at=None,
        closed_at=None,
        resolution=None,
        last_customer_message_at=last,
        pickup_notified_at=None,
        transcript=transcript,
    )


def test_the_window_runs_24_hours_from_the_last_customer_message() -> None:
    # The bot and the agent writing later do not open it again: only the customer does.
    transcript = [message("customer", 0), message("customer", 10), message("bot", 11),
                  message("agent", 50)]  # fmt: skip
    closes = window_closes_at(handoff("whatsapp", transcript, None))
    assert closes == START + dt.timedelta(minutes=10) + WINDOW
    assert not window_closed(handoff("whatsapp", transcript, None), START + dt.timedelta(hours=5))
    assert window_closed(handoff("whatsapp", transcript, None), closes)


def test_without_the_transcript_the_stored_last_message_counts() -> None:
    last = START + dt.timedelta(minutes=20)
    assert window_closes_at(handoff("whatsapp", None, last)) == last + WINDOW


def test_no_customer_message_means_closed_since_the_handoff() -> None:
    closes = window_closes_at(handoff("whatsapp", [message("bot", 1)], None))
    assert closes == START + dt.timedelta(minutes=30)


def test_other_channels_have_no_window() -> None:
    for channel in ("sms", "telegram", "messenger", "rest"):
        assert window_closes_at(handoff(channel, [message("customer", 0)], START)) is None
        assert not window_closed(handoff(channel, [], None), START + 2 * WINDOW)

"""handoff.broker.events: Rasa's events, read whatever they hold."""

from __future__ import annotations

import datetime as dt

from handoff.broker.events import decode_event, parse_event


def test_parse_event_dates_an_out_of_range_time_now_and_makes_text_storable() -> None:
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for when in (1e20, -1e300, float("nan"), "0001-01-01T00:00:00+01:00"):
        message = parse_event({"event": "user", "text": "a\x00", "timestamp": when}, "e", "ann")
        assert message is not None
        assert message.timestamp >= before and message.text == "a\ufffd"
    assert decode_event("[" * 100_000 + "]" * 100_000) is None


def test_a_survey_comment_is_the_customer_s_words_and_other_slots_are_nothing() -> None:
    comment = {"event": "slot", "name": "csat_comment", "value": "nobody helped", "timestamp": 1.0}
    message = parse_event(comment, "e1", "ann")

    assert message is not None
    assert (message.role, message.text, message.conversation_id) == (
        "customer",
        "nobody helped",
        "ann",
    )
    score = {"event": "slot", "name": "csat_score", "value": 1, "timestamp": 1.0}
    assert parse_event(score, "e2", "ann") is None
    assert parse_event({**comment, "value": None}, "e3", "ann") is None

"""bench.tail's grouping of latencies by kind of message, and its reading of traces (no Rasa)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import conversations as says
from bench.tail import Message, Span, breakdown, by_kind, kinds_of_text, read_spans


def test_every_text_of_the_routine_mix_has_a_kind() -> None:
    kinds = kinds_of_text()
    for conversation in says.mix(30):
        for text in conversation.turns:
            assert text in kinds, text
    assert kinds["where is my order 12345678"] == "order status, with its number"
    assert kinds["where is my order?"] == "order status, no number yet"


def test_the_slow_kinds_are_counted_above_the_percentiles() -> None:
    messages = [Message(f"c{i}", "hi", float(i), 100.0) for i in range(99)]
    messages.append(Message("slow", "where is my order 12345678", 99.0, 900.0))

    table = by_kind(messages, 10.0, 0)

    assert "100 messages in 10 s: 10.0 msg/s" in table
    greeting = next(line for line in table.splitlines() if line.startswith("greeting"))
    order = next(line for line in table.splitlines() if line.startswith("order status"))
    assert greeting.split()[-2:] == ["0", "0"]
    assert order.split()[-2:] == ["1", "1"]


def test_a_slow_messages_time_is_split_into_its_spans(tmp_path: Path) -> None:
    spans = [
        Span("message", "c1", 0.1, 0.9),
        Span("action server round trip", "c1", 0.2, 0.8),
        Span("action server runs validate_order_status_form", "c1", 0.5, 0.51),
        Span("event loop late", "", 0.3, 0.4),
        Span("policies", "c2", 0.2, 0.3),  # another conversation's
    ]
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(s.__dict__) + "\n" for s in spans) + '{"cut')
    assert read_spans(trace) == sorted(spans, key=lambda s: s.start)

    table = breakdown([Message("c1", "where is my order 12345678", 0.0, 1000.0)], spans)

    rows = {line[:52].strip(): float(line[52:]) for line in table.splitlines()[1:]}
    assert rows["whole answer (client side)"] == 1000.0
    assert round(rows["before Rasa's turn started (HTTP, queue)"]) == 100
    assert round(rows["action server round trip"]) == 600
    assert round(rows["... of the round trips: the action itself"]) == 10
    assert round(rows["event loop late (overlapping)"]) == 100
    assert rows["policies"] == 0.0

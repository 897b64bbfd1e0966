"""Tests of handoff/escalation/turns.py: Rasa events (as dicts) into the turns the rules judge."""

from __future__ import annotations

from typing import Any

from handoff.escalation.turns import (
    EVENTS_READ,
    Turn,
    conversation_turns,
    is_paused,
    session_events,
    turns,
)


def user(text: str, intent: str | None = None, **parse_data: Any) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": 1_718_000_000.0,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, **parse_data},
    }


def bot(text: str, response: str | None = None) -> dict[str, Any]:
    metadata = {"utter_action": response} if response else {}
    return {"event": "bot", "text": text, "metadata": metadata}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def simple(result: list[Turn]) -> list[tuple[str, str | None, str]]:
    return [(t.role, t.intent if t.role == "customer" else t.action, t.text) for t in result]


def test_a_response_is_one_turn_and_a_custom_action_keeps_its_name() -> None:
    events = [
        action("action_listen"),
        user("where is my order", "check_order_status"),
        action("utter_ask_order_id"),
        bot("What's the order number?", "utter_ask_order_id"),
        action("action_listen"),
        user("12345678", "inform", entities=[{"entity": "order_id", "value": "12345678"}]),
        action("action_check_order_status"),
        bot("It shipped."),
    ]

    result = turns(events)

    assert simple(result) == [
        ("customer", "check_order_status", "where is my order"),
        ("bot", "utter_ask_order_id", "What's the order number?"),
        ("customer", "inform", "12345678"),
        ("bot", "action_check_order_status", ""),
        ("bot", "action_check_order_status", "It shipped."),
    ]
    assert result[2].entities == {"order_id": "12345678"}
    assert result[0].confidence == 0.9
    assert result[0].timestamp is not None


def test_retrieval_intents_are_named_in_full() -> None:
    event = user(
        "how much is shipping",
        "faq",
        response_selector={"faq": {"response": {"intent_response_key": "faq/shipping_cost"}}},
    )

    [turn] = turns([event])

    assert turn.intent == "faq/shipping_cost"


def test_only_the_current_session_without_rewound_messages() -> None:
    events = [
        user("old session", "greet"),
        action("action_session_start"),
        {"event": "session_started"},
        action("action_listen"),
        user("hello", "greet"),
        action("action_listen"),
        user("misheard", "nlu_fallback"),
        action("action_two_stage_fallback"),
        # The customer rephrased: the misheard message is taken back.
        {"event": "rewind"},
        user("where is my order", "check_order_status"),
    ]

    assert [t.text for t in turns(session_events(events))] == ["hello", "where is my order"]


def test_the_rules_judge_only_what_came_after_a_hand_back() -> None:
    escalated = [user("my father died", "inform"), action("action_handoff"), {"event": "pause"}]
    resumed = [*escalated, {"event": "resume"}, user("thanks", "thank")]

    assert is_paused(session_events(escalated))
    assert not is_paused(session_events(resumed))
    assert [t.text for t in conversation_turns(resumed)] == ["thanks"]


def test_events_not_read_change_nothing() -> None:
    # The Rasa server serialises only EVENTS_READ, for every customer message.
    events = [
        action("action_listen"),
        user("where is my order", "check_order_status"),
        action("order_status_form"),
        {"event": "active_loop", "name": "order_status_form"},
        {"event": "slot", "name": "requested_slot", "value": "order_id"},
        bot("What's the order number?", "utter_ask_order_id"),
        action("action_listen"),
        user("misheard", "nlu_fallback"),
        {"event": "slot", "name": "order_id", "value": None},
        {"event": "rewind"},
        user("12345678", "inform"),
        {"event": "slot", "name": "order_id", "value": "12345678"},
        action("utter_order_status_shipped"),
        {"event": "undo"},
        {"event": "active_loop", "name": None},
        {"event": "pause"},
        {"event": "resume"},
        user("thanks", "thank"),
    ]
    read = [e for e in events if e["event"] in EVENTS_READ]

    assert len(read) < len(events)
    assert session_events(read) == [e for e in session_events(events) if e in read]
    assert conversation_turns(read) == conversation_turns(events)
    assert simple(turns(session_events(read))) == simple(turns(session_events(events)))

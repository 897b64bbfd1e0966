"""handoff.bodies: every body read one way: what is wrong is a 400 naming the field,
in one format; nothing is converted into what the caller did not send."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from handoff.bodies import (
    AgentReply,
    Body,
    Close,
    CustomerMessage,
    NewAgent,
    NewHandoff,
    SignIn,
    Transfer,
    parse_body,
    parse_part,
)
from handoff.errors import InvalidRequest

HANDOFF: dict[str, Any] = {
    "escalation_id": "esc-1",
    "conversation_id": "conv-1",
    "channel": "telegram",
    "priority": 3,
}


def refused(model: type[Body], body: Any) -> str:
    """The 400's message for ``body`` (a dict sent as JSON, or raw bytes)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(InvalidRequest) as error:
        parse_body(model, raw)
    assert error.value.status == 400
    return str(error.value)


def test_a_new_handoff_with_only_what_is_required() -> None:
    body = parse_body(NewHandoff, json.dumps(HANDOFF).encode())
    assert (body.customer, body.reasons, body.anger, body.summary, body.transcript) == (
        {},
        [],
        0.0,
        {},
        [],
    )
    # Replies go to the conversation when nothing names the customer's id.
    assert body.customer_id == "conv-1"


@pytest.mark.parametrize(
    ("customer_id", "customer", "recipient"),
    [
        ("tg-1", {"sender_id": "s", "id": "i"}, "tg-1"),
        (None, {"sender_id": "s", "id": "i"}, "s"),
        ("", {"id": "i"}, "i"),
        (None, {}, "conv-1"),
    ],
)
def test_the_customer_s_id_is_found_however_the_caller_names_it(
    customer_id: str | None, customer: dict[str, str], recipient: str
) -> None:
    body = {**HANDOFF, "customer_id": customer_id, "customer": customer}
    assert parse_body(NewHandoff, json.dumps(body)).customer_id == recipient


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # Missing or null: the field's own rule answers.
        ({"escalation_id": None}, "escalation_id must be a non-empty string"),
        ({"escalation_id": "   "}, "escalation_id must be a non-empty string"),
        ({"escalation_id": "e" * 129}, "escalation_id must be at most 128 characters"),
        ({"channel": "c" * 33}, "channel must be at most 32 characters"),
        # Nothing converted: a string of digits, a boolean, a float are no integer.
        ({"priority": "5"}, "priority must be an integer from 1 to 2147483647"),
        ({"priority": True}, "priority must be an integer from 1 to 2147483647"),
        ({"priority": 3.0}, "priority must be an integer from 1 to 2147483647"),
        ({"priority": 2**31}, "priority must be an integer from 1 to 2147483647"),
        ({"priority": 0}, "priority must be an integer from 1 to 2147483647"),
        ({"anger": True}, "anger must be a number between 0 and 1"),
        ({"anger": "0.5"}, "anger must be a number between 0 and 1"),
        ({"anger": 1.01}, "anger must be a number between 0 and 1"),
        ({"anger": None}, "anger must be a number between 0 and 1"),
        ({"customer": [["name", "Ann"]]}, "customer must be an object"),
        ({"summary": None}, "summary must be an object"),
        ({"reasons": "anger"}, "reasons must be a list of strings"),
        ({"reasons": ["anger", 1]}, "reasons must be a list of strings"),
        ({"customer_id": 5}, "customer_id must be a string of at most 255 characters"),
        ({"customer": {"id": "x" * 256}}, "customer_id must be a string of at most 255 characters"),
        ({"transcript": {"role": "bot"}}, "transcript must be a list"),
        ({"transcript": [[["role", "bot"], ["text", "x"]]]}, "transcript[0] must be an object"),
        (
            {"transcript": [{"role": "bot", "text": "a"}, {"role": "system", "text": "b"}]},
            "transcript[1].role must be one of customer, bot, agent",
        ),
        ({"transcript": [{"role": "bot"}]}, "transcript[0].text must be a string"),
        (
            {"transcript": [{"role": "bot", "text": "x", "timestamp": "yesterday"}]},
            "transcript[0].timestamp must be a Unix time or an ISO 8601 date and time",
        ),
        (
            {"transcript": [{"role": "bot", "text": "x", "timestamp": 1e20}]},
            "transcript[0].timestamp is out of range",
        ),
        (
            {"transcript": [{"role": "bot", "text": "x", "source_event_id": "e" * 256}]},
            "transcript[0].source_event_id must be a string of at most 255 characters",
        ),
    ],
)
def test_a_wrong_field_of_a_new_handoff_is_named(change: dict[str, Any], message: str) -> None:
    assert refused(NewHandoff, {**HANDOFF, **change}) == message


def test_a_missing_required_field_gets_its_rule_s_answer() -> None:
    body = dict(HANDOFF)
    del body["priority"]
    assert refused(NewHandoff, body) == "priority must be an integer from 1 to 2147483647"


def test_a_transcript_is_read_in_order_with_its_times_in_utc() -> None:
    transcript = [
        {"role": "customer", "text": "hi", "timestamp": 1740830400},
        {"role": "bot", "text": "", "timestamp": "2025-03-01T13:00:01+01:00"},
        {"role": "agent", "text": "x", "source_event_id": "e1"},
    ]
    body = parse_body(NewHandoff, json.dumps({**HANDOFF, "transcript": transcript}))
    sent = body.sent()
    assert [(m.role, m.text, m.source_event_id) for m in sent] == [
        ("customer", "hi", None),
        ("bot", "", None),
        ("agent", "x", "e1"),
    ]
    assert sent[0].timestamp == dt.datetime(2025, 3, 1, 12, 0)
    assert sent[1].timestamp == dt.datetime(2025, 3, 1, 12, 0, 1)
    assert sent[2].timestamp.tzinfo is None  # now, naive UTC as the store keeps times


def test_a_null_transcript_is_an_empty_one() -> None:
    assert parse_body(NewHandoff, json.dumps({**HANDOFF, "transcript": None})).transcript == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "the body is not valid JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (b'"text"', "the body must be a JSON object"),
        (b"[" * 100 + b"]" * 100, "the JSON is nested more than 32 levels deep"),
        (b'{"text": NaN}', "numbers must be finite (no NaN or Infinity)"),
        (b"\xff\xfe", "the body is not valid JSON"),
    ],
)
def test_a_body_that_is_no_json_object_is_refused(raw: bytes, message: str) -> None:
    assert refused(AgentReply, raw) == message


def test_no_body_reads_as_an_empty_object() -> None:
    assert parse_body(Close, b"").resolution is None
    assert parse_body(Close, None).resolution is None
    assert refused(AgentReply, b"") == "text must be a non-empty string"


def test_fields_no_model_declares_are_ignored() -> None:
    assert parse_body(Transfer, json.dumps({"to": "kim", "why": "lunch"})).to == "kim"


def test_text_is_made_storable() -> None:
    body = parse_body(CustomerMessage, json.dumps({"text": "a\x00b\udfff"}))
    assert body.text == "a\ufffdb\ufffd"


@pytest.mark.parametrize(
    ("model", "body", "message"),
    [
        (Transfer, {"to": ""}, "to must be a non-empty string"),
        (Transfer, {"to": "k" * 129}, "to must be at most 128 characters"),
        (AgentReply, {"text": "x" * 10_001}, "text must be at most 10000 characters"),
        (AgentReply, {"text": "x", "internal": 1}, "internal must be true or false"),
        (AgentReply, {"text": "x", "internal": "true"}, "internal must be true or false"),
        (AgentReply, {"text": "x", "internal": None}, "internal must be true or false"),
        (Close, {"resolution": ""}, "resolution must be a non-empty string"),
        (CustomerMessage, {"text": "x", "role": "agent"}, "role must be one of customer, bot"),
        (
            CustomerMessage,
            {"text": "x", "source_event_id": ""},
            "source_event_id must be a non-empty string",
        ),
        (NewAgent, {"name": "kim", "role": "admin"}, "role must be one of agent, supervisor"),
        (NewAgent, {}, "name must be a non-empty string"),
        (SignIn, {"name": "kim"}, "password must be a string"),
        (SignIn, {"name": 5, "password": "x"}, "name must be a non-empty string"),
    ],
)
def test_a_wrong_field_is_named(model: type[Body], body: dict[str, Any], message: str) -> None:
    assert refused(model, body) == message


def test_defaults_and_optional_fields() -> None:
    reply = parse_body(AgentReply, json.dumps({"text": "hi"}))
    assert reply.internal is False
    message = parse_body(CustomerMessage, json.dumps({"text": "hi", "source_event_id": None}))
    assert (message.role, message.source_event_id) == ("customer", None)
    assert parse_body(NewAgent, json.dumps({"name": "kim"})).role == "agent"
    # Lengths at sign-in are the route's to judge (a 401, not a 400).
    assert parse_body(SignIn, json.dumps({"name": "k" * 500, "password": ""})).password == ""


def test_a_part_of_a_body_is_named_under_its_place() -> None:
    with pytest.raises(InvalidRequest, match=r"^data\.to must be a non-empty string$"):
        parse_part(Transfer, {"to": 7}, at="data")
    with pytest.raises(InvalidRequest, match=r"^data must be an object$"):
        parse_part(Transfer, [], at="data")

"""handoff.integrations.bodies: what contact centers send, read on handoff.bodies' rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handoff.bodies import parse_body, parse_part
from handoff.errors import InvalidRequest
from handoff.integrations.bodies import (
    WebhookClose,
    WebhookEvent,
    WebhookReply,
    ZendeskEvent,
)


def refused(read: Any) -> str:
    with pytest.raises(InvalidRequest) as error:
        read()
    return str(error.value)


# -- the generic webhook -----------------------------------------------------------------


def test_a_webhook_event_and_its_data() -> None:
    event = parse_body(
        WebhookEvent,
        json.dumps({"id": 981, "type": "message.created", "data": {"handoff_id": 7}}),
    )
    assert (event.id, event.type, event.data) == ("981", "message.created", {"handoff_id": 7})
    reply = parse_part(
        WebhookReply, {"conversation_id": "+1555", "agent": "Jane", "text": "Hi"}, at="data"
    )
    assert (reply.handoff_id, reply.conversation, reply.internal) == (None, "+1555", False)
    close = parse_part(WebhookClose, {"handoff_id": 7}, at="data")
    assert (close.handoff_id, close.agent, close.resolution) == (7, None, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "message.created", "data": {}}, "id must be a non-empty string"),
        ({"id": True, "type": "message.created", "data": {}}, "id must be a non-empty string"),
        ({"id": "i" * 256, "type": "handoff.closed", "data": {}}, "id must be at most 255"),
        ({"id": "a", "type": "handoff.assigned", "data": {}}, "type must be one of"),
        ({"id": "a", "type": "handoff.closed", "data": []}, "data must be an object"),
        ({"id": "a", "type": "handoff.closed"}, "data must be an object"),
    ],
)
def test_a_wrong_envelope_is_named(body: dict[str, Any], message: str) -> None:
    assert refused(lambda: parse_body(WebhookEvent, json.dumps(body))).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"agent": "J", "text": "t"}, "data.handoff_id or data.conversation_id is required"),
        (
            {"conversation_id": " ", "agent": "J", "text": "t"},
            "data.handoff_id or data.conversation_id is required",
        ),
        ({"handoff_id": "7", "agent": "J", "text": "t"}, "data.handoff_id must be a positive"),
        ({"handoff_id": 7.5, "agent": "J", "text": "t"}, "data.handoff_id must be a whole number"),
        ({"handoff_id": 0, "agent": "J", "text": "t"}, "data.handoff_id must be between 1 and"),
        ({"handoff_id": 2**64, "agent": "J", "text": "t"}, "data.handoff_id must be between 1"),
        ({"handoff_id": 1, "text": "t"}, "data.agent must be a non-empty string"),
        ({"handoff_id": 1, "agent": "J"}, "data.text must be a non-empty string"),
        ({"handoff_id": 1, "agent": "J", "text": "t", "internal": "no"}, "data.internal must be"),
    ],
)
def test_a_wrong_reply_is_named_under_data(data: dict[str, Any], message: str) -> None:
    assert refused(lambda: parse_part(WebhookReply, data, at="data")).startswith(message)


# -- Zendesk -----------------------------------------------------------------------------


def zendesk(**fields: Any) -> ZendeskEvent:
    return parse_body(ZendeskEvent, json.dumps({"ticket_id": "123", **fields}))


def test_a_zendesk_event_as_a_trigger_renders_it() -> None:
    event = zendesk(
        status=" Solved ",
        comment={
            "id": "456",
            "public": "TRUE",
            "body": "Your parcel left.",
            "created_at": "2027-01-15T08:00:00Z",
            "author": {"id": 789, "name": " Jane Doe "},
        },
    )
    assert event.ticket_id == 123 and event.solved
    comment = event.new_comment
    assert comment is not None
    assert (comment.id, comment.public, comment.author.id) == (456, True, 789)
    assert comment.author.display_name == "Jane Doe"


def test_what_a_trigger_may_leave_out_or_blank() -> None:
    event = zendesk(comment={"body": "   ", "author": ""})
    assert event.status == "" and not event.solved
    assert event.new_comment is None  # a blank comment is none
    comment = zendesk(comment={"id": "", "body": "hi", "author": {"id": ""}}).new_comment
    assert comment is not None
    assert (comment.id, comment.public, comment.author.id) == (None, True, None)
    assert comment.author.display_name == "Zendesk agent"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ticket_id": ""}, "ticket_id must be a Zendesk id"),
        ({"ticket_id": "²"}, "ticket_id must be a Zendesk id"),
        ({"ticket_id": "9" * 20}, "ticket_id must be a Zendesk id"),
        ({"ticket_id": True}, "ticket_id must be a Zendesk id"),
        ({"status": None}, "status must be a string"),
        ({"comment": "hi"}, "comment must be an object"),
        ({"comment": {"body": 5}}, "comment.body must be a string"),
        ({"comment": {"body": "x" * 10_001}}, "comment.body must be at most 10000 characters"),
        ({"comment": {"body": "x", "author": ["a"]}}, "comment.author must be an object"),
        ({"comment": {"body": "x", "author": {"id": "me"}}}, "comment.author.id must be a"),
        ({"comment": {"body": "x", "id": "latest"}}, "comment.id must be a Zendesk id"),
        ({"comment": {"body": "x", "public": "yes"}}, "comment.public must be true or false"),
        ({"comment": {"body": "x", "created_at": 5}}, "comment.created_at must be a string"),
    ],
)
def test_a_wrong_zendesk_field_is_named(fields: dict[str, Any], message: str) -> None:
    assert refused(lambda: zendesk(**fields)).startswith(message)

"""What contact centers send the adapters' inbound routes, on handoff.bodies' rules.

The generic webhook (handoff.integrations.webhook) posts :class:`WebhookEvent`,
whose ``data`` is a :class:`WebhookReply` or a :class:`WebhookClose` by its
``type``; Zendesk's trigger (handoff.integrations.zendesk_inbound) posts
:class:`ZendeskEvent`. Wrong values are answered 400 in handoff.bodies'
format, ``data.handoff_id must be a positive integer``.
"""

from __future__ import annotations

from typing import Any

from pydantic import root_validator

from handoff.bodies import (
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    Body,
    choice_field,
    flag_field,
    object_field,
    phrase,
    rule_field,
    string_field,
    text_field,
)
from handoff.inputs import UntrustedInput, parse_int

REPLY = "message.created"
CLOSE = "handoff.closed"
WEBHOOK_TYPES = (REPLY, CLOSE)


# -- the generic webhook -----------------------------------------------------------------


def _event_id(value: Any) -> str:
    # Senders that number their events may send the number.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"must be at most {MAX_ID_LENGTH} characters")
    return value


def _handoff_id(value: Any) -> int | None:
    """A JSON integer within 64 bits (a string of digits is refused: our ids are numbers)."""
    if value is None:
        return None
    if isinstance(value, str):
        raise ValueError("must be a positive integer")
    try:
        return parse_int(value, name="value", minimum=1)
    except UntrustedInput as error:
        raise ValueError(phrase(error, "value")) from None


class WebhookEvent(Body):
    """One event per request: its id (carried out once), its type, its data."""

    id: str = rule_field(_event_id)
    type: str = choice_field(*WEBHOOK_TYPES)
    data: dict[str, Any] = object_field()


class HandoffReference(Body):
    """Which handoff: by id, or the conversation's open handoff."""

    handoff_id: int | None = rule_field(_handoff_id)
    # Only a non-empty string names a conversation; anything else is left out.
    conversation_id: Any = None

    @root_validator(skip_on_failure=True)
    def _one_of_them(cls, values: dict[str, Any]) -> dict[str, Any]:
        conversation = values.get("conversation_id")
        if not isinstance(conversation, str) or not conversation.strip():
            conversation = None
        if values.get("handoff_id") is None and conversation is None:
            raise ValueError("data.handoff_id or data.conversation_id is required")
        return {**values, "conversation_id": conversation}

    @property
    def conversation(self) -> str | None:
        conversation: str | None = self.conversation_id
        return conversation


class WebhookReply(HandoffReference):
    """``message.created``: an agent's reply to the customer, or an internal note."""

    agent: str = text_field(MAX_NAME_LENGTH)
    text: str = text_field(MAX_TEXT_LENGTH)
    internal: bool = flag_field(default=False)


class WebhookClose(HandoffReference):
    """``handoff.closed``: the conversation goes back to the bot."""

    agent: str | None = text_field(MAX_NAME_LENGTH, optional=True)
    resolution: str | None = text_field(MAX_TEXT_LENGTH, optional=True)


# -- Zendesk -----------------------------------------------------------------------------


def _zendesk_id(value: Any, *, optional: bool = False) -> int | None:
    """Zendesk's ids arrive as numbers or, from placeholders, as strings of digits.

    They are 64-bit: a larger one, or Unicode digits ("²" passes ``isdigit``),
    is no Zendesk id (400), not a 500.
    """
    if optional and value in (None, ""):
        return None
    try:
        return parse_int(value, name="value", minimum=1)
    except UntrustedInput:
        raise ValueError("must be a Zendesk id") from None


def _zendesk_flag(value: Any) -> bool:
    # Placeholders render booleans as text.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("must be true or false")


def _comment_body(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    # A blank one is no comment (see ZendeskEvent), whatever its length.
    if value.strip() and len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
    return value


class ZendeskAuthor(Body):
    id: int | None = rule_field(lambda value: _zendesk_id(value, optional=True))
    # Shown as the agent's name when it is a non-empty string.
    name: Any = None

    @property
    def display_name(self) -> str:
        name = self.name
        return name.strip() if isinstance(name, str) and name.strip() else "Zendesk agent"


class ZendeskComment(Body):
    id: int | None = rule_field(lambda value: _zendesk_id(value, optional=True))
    public: bool = rule_field(_zendesk_flag, True)
    body: str = rule_field(_comment_body)
    # A trigger renders a missing author as "" or leaves it out.
    author: ZendeskAuthor = rule_field(lambda value: value or {})
    created_at: str | None = string_field(optional=True)


class ZendeskEvent(Body):
    """What the trigger sends (see the README): the ticket, its status, and the
    latest public comment, if any (a blank one counts as none)."""

    ticket_id: int = rule_field(_zendesk_id)
    status: str = string_field(default="")
    comment: ZendeskComment | None = None

    @property
    def solved(self) -> bool:
        return self.status.strip().lower() in ("solved", "closed")

    @property
    def new_comment(self) -> ZendeskComment | None:
        return self.comment if self.comment is not None and self.comment.body.strip() else None

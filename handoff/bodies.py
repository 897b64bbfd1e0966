"""Request bodies: typed models, each field with its rule, read one way.

:func:`parse_body` reads a request's bytes as a JSON object (handoff.inputs:
nested at most 32 levels, strings made storable, numbers finite), then as a
model; :func:`parse_part` reads a part of one already read (an event's
``data``). Whatever is wrong, the answer is :class:`~handoff.errors.InvalidRequest`
(400) with one message, in one format: the field's path, then what its value
must be::

    priority must be an integer from 1 to 2147483647
    transcript[2].timestamp must be a Unix time or an ISO 8601 date and time
    data.handoff_id must be a positive integer
    comment.author.id must be a Zendesk id

Each field is declared with its rule (``priority: int = integer_field(1,
MAX_INT32)``), and the rule says, in one phrase, what a wrong value must
be. A missing field is read as ``null``, so it gets its rule's own answer
(``escalation_id must be a non-empty string``) or its default. A rule
across fields (a root validator) names its fields itself. Fields a model
does not declare are ignored.

Why pydantic's models with our own rules: pydantic 1.x (which Rasa ships)
converts what it is given ("5" to 5, 1 to True, ``[["a", 1]]`` to
``{"a": 1}``), and words its messages its own way. The rules here take only
the JSON type they name, and run before pydantic's own conversion, which
then has nothing left to convert; pydantic brings the declarations, the
nesting, the lists and where an error is. The models of the desk's sign-in
are here too; the contact-center adapters' are in handoff.integrations.bodies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, Extra, Field, ValidationError, root_validator, validator
from pydantic.fields import ModelField

from handoff import inputs
from handoff.errors import InvalidRequest
from handoff.inputs import MAX_INT32, UntrustedInput
from handoff.models import AGENT_ROLE, AGENT_ROLES, AGENT_STATES, BOT, CUSTOMER, utc_now
from handoff.routing.topics import LANGUAGE_PATTERN, SKILL_PATTERN
from handoff.store import NewMessage

__all__ = [
    "MAX_CAPACITY",
    "MAX_ID_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_TEXT_LENGTH",
    "AgentReply",
    "AgentRouting",
    "AgentState",
    "Body",
    "Close",
    "CustomerMessage",
    "NewAgent",
    "NewHandoff",
    "SignIn",
    "TranscriptItem",
    "Transfer",
    "parse_body",
    "parse_part",
]

# An agent's reply or note, a resolution, a customer's message.
MAX_TEXT_LENGTH = 10_000
# Conversation, customer and source event ids: their columns.
MAX_ID_LENGTH = 255
# Agents' names (handoffs.assigned_to, transcript_messages.author), escalation ids.
MAX_NAME_LENGTH = 128
MAX_CHANNEL_LENGTH = 32
# Handoffs one agent may hold at once (routing): past it, a "capacity" means nothing.
MAX_CAPACITY = 100
# Skills per agent or handoff, each a short code (handoff.routing.topics).
MAX_SKILLS = 50

B = TypeVar("B", bound="Body")
Check = Callable[[Any], Any]


class Body(BaseModel):
    """A request body, or an object in one. Each field's rule is its ``check``."""

    class Config:
        extra = Extra.ignore
        allow_mutation = False

    @validator("*", pre=True, always=True)
    def _check(cls, value: Any, field: ModelField) -> Any:
        check: Check | None = field.field_info.extra.get("check")
        return value if check is None else check(value)

    @classmethod
    def validate(cls: type[B], value: Any) -> B:
        # pydantic would take any sequence of pairs for an object.
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        return super().validate(value)


def parse_body(model: type[B], raw: bytes | str | None) -> B:
    """A request body as ``model`` (no body reads as ``{}``); InvalidRequest otherwise."""
    try:
        data = inputs.json_object(raw) if raw else {}
    except UntrustedInput as error:
        raise InvalidRequest(str(error)) from None
    return parse_part(model, data)


def parse_part(model: type[B], value: Any, at: str = "") -> B:
    """``value``, part of a body already read, as ``model``; its fields are named under ``at``."""
    if not isinstance(value, dict):
        raise InvalidRequest(f"{at or 'the body'} must be an object")
    try:
        return model.parse_obj(value)
    except ValidationError as error:
        raise InvalidRequest(_message(error, at)) from None


def _message(error: ValidationError, at: str) -> str:
    first = error.errors()[0]
    location: list[str | int] = [at] if at else []
    location += [part for part in first["loc"] if part != "__root__"]
    if first["loc"][-1] == "__root__":
        return str(first["msg"])  # a rule across fields names them itself
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return f"{path} {first['msg']}"


# -- the rules ---------------------------------------------------------------------------


def rule_field(
    check: Check, default: Any = None, *, factory: Callable[[], Any] | None = None
) -> Any:
    """A field whose value ``check`` reads: it returns the value, or raises ValueError
    with what the value must be. A missing field is ``default`` (or ``factory()``)."""
    if factory is not None:
        return Field(default_factory=factory, check=check)
    return Field(default, check=check)


def text_field(max_length: int | None = MAX_ID_LENGTH, *, optional: bool = False) -> Any:
    """A string with more than spaces in it, of at most ``max_length`` characters."""

    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a non-empty string")
        if max_length is not None and len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value

    return rule_field(check)


def string_field(
    max_length: int | None = None, *, optional: bool = False, default: str | None = None
) -> Any:
    """Any string (empty too), of at most ``max_length`` characters."""
    wanted = "a string" if max_length is None else f"a string of at most {max_length} characters"

    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or (max_length is not None and len(value) > max_length):
            raise ValueError(f"must be {wanted}")
        return value

    return rule_field(check, default)


def integer_field(minimum: int, maximum: int) -> Any:
    """A JSON integer (not a boolean, not a string of digits) within bounds."""

    def check(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            raise ValueError(f"must be an integer from {minimum} to {maximum}")
        return value

    return rule_field(check)


def number_field(minimum: float, maximum: float, *, default: float) -> Any:
    """A JSON number (not a boolean) within bounds, as a float."""

    def check(value: Any) -> float:
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not minimum <= value <= maximum
        ):
            raise ValueError(f"must be a number between {minimum:g} and {maximum:g}")
        return float(value)

    return rule_field(check, default)


def flag_field(*, default: bool) -> Any:
    """``true`` or ``false``, nothing that merely looks like one."""

    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value

    return rule_field(check, default)


def choice_field(*choices: str, default: str | None = None) -> Any:
    """One of ``choices``."""

    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return str(value)

    return rule_field(check, default)


def object_field(*, optional: bool = False) -> Any:
    """A JSON object; ``{}`` when missing (when ``optional``: else required)."""

    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        return value

    return rule_field(check, factory=dict if optional else None)


def strings_field() -> Any:
    """A list of strings; ``[]`` when missing."""

    def check(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("must be a list of strings")
        return value

    return rule_field(check, factory=list)


def skills_field(pattern: Any, wanted: str) -> Any:
    """A list of at most MAX_SKILLS codes matching ``pattern`` (lower case); ``[]`` when
    missing. Each once, in the order given."""

    def check(value: Any) -> list[str]:
        if value is None:
            return []
        if (
            not isinstance(value, list)
            or len(value) > MAX_SKILLS
            or not all(isinstance(item, str) and pattern.match(item) for item in value)
        ):
            raise ValueError(f"must be a list of at most {MAX_SKILLS} {wanted}")
        return list(dict.fromkeys(value))

    return rule_field(check)


def list_field() -> Any:
    """A list (its items are the field's type); ``[]`` when missing or null."""

    def check(value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError("must be a list")
        return value

    return rule_field(check)


def time_field() -> Any:
    """POSIX seconds or ISO 8601 (naive = UTC) between 2000 and 2100, as naive UTC,
    as the store keeps times; now when missing or null (handoff.inputs.timestamp)."""

    def check(value: Any) -> dt.datetime:
        if value is None:
            return utc_now()
        try:
            return inputs.timestamp(value, "value")
        except UntrustedInput as error:
            raise ValueError(phrase(error, "value")) from None

    return rule_field(check)


def phrase(error: UntrustedInput, name: str) -> str:
    """handoff.inputs' message about ``name`` ("<name> must be ...") as a rule's phrase."""
    return str(error).removeprefix(f"{name} ")


# -- the handoff API's bodies (handoff.routes) -------------------------------------------


class TranscriptItem(Body):
    role: str = choice_field(CUSTOMER, BOT, AGENT_ROLE)
    text: str = string_field()
    timestamp: dt.datetime = time_field()
    source_event_id: str | None = string_field(MAX_ID_LENGTH, optional=True)

    def new_message(self) -> NewMessage:
        return NewMessage(self.role, self.text, self.timestamp, self.source_event_id)


def _customer_id(value: Any) -> str | None:
    if not value:
        return None
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH:
        raise ValueError(f"must be a string of at most {MAX_ID_LENGTH} characters")
    return value


class NewHandoff(Body):
    """``POST /api/handoffs``, from the bot's outbox."""

    escalation_id: str = text_field(MAX_NAME_LENGTH)
    conversation_id: str = text_field(MAX_ID_LENGTH)
    channel: str = text_field(MAX_CHANNEL_LENGTH)
    customer: dict[str, Any] = object_field(optional=True)
    # Where replies go; when missing, customer.sender_id, customer.id or the
    # conversation id (see _recipient).
    customer_id: str = rule_field(_customer_id)
    reasons: list[str] = strings_field()
    # An INTEGER column: past 2**31 - 1 PostgreSQL refuses the row.
    priority: int = integer_field(1, MAX_INT32)
    anger: float = number_field(0, 1, default=0.0)
    summary: dict[str, Any] = object_field(optional=True)
    transcript: list[TranscriptItem] = list_field()
    # Routing (handoff.routing): the customer's language (a tag such as "es" or
    # "pt-BR"; "en" when missing or not one), and topics the bot names itself,
    # besides those read from the reasons and intents.
    language: str | None = string_field(35, optional=True)
    skills: list[str] = skills_field(SKILL_PATTERN, "topics such as returns")

    @root_validator(skip_on_failure=True)
    def _recipient(cls, values: dict[str, Any]) -> dict[str, Any]:
        # The channel's sender id, however the caller names it.
        customer = values["customer"]
        recipient = (
            values["customer_id"]
            or customer.get("sender_id")
            or customer.get("id")
            or values["conversation_id"]
        )
        if not isinstance(recipient, str) or len(recipient) > MAX_ID_LENGTH:
            raise ValueError(f"customer_id must be a string of at most {MAX_ID_LENGTH} characters")
        return {**values, "customer_id": recipient}

    def sent(self) -> list[NewMessage]:
        return [item.new_message() for item in self.transcript]


class Transfer(Body):
    """``POST /api/handoffs/<id>/transfer``."""

    to: str = text_field(MAX_NAME_LENGTH)


class AgentReply(Body):
    """``POST /api/handoffs/<id>/messages``."""

    text: str = text_field(MAX_TEXT_LENGTH)
    internal: bool = flag_field(default=False)


class Close(Body):
    """``POST /api/handoffs/<id>/close``."""

    resolution: str | None = text_field(MAX_TEXT_LENGTH, optional=True)


class CustomerMessage(Body):
    """``POST /api/handoffs/<id>/customer-messages``, relayed by the bot."""

    role: str = choice_field(CUSTOMER, BOT, default=CUSTOMER)
    text: str = text_field(MAX_TEXT_LENGTH)
    timestamp: dt.datetime = time_field()
    source_event_id: str | None = text_field(MAX_ID_LENGTH, optional=True)


class NewAgent(Body):
    """``POST /api/agents``."""

    name: str = text_field(MAX_NAME_LENGTH)
    role: str = choice_field(*AGENT_ROLES, default=AGENT_ROLE)


class AgentState(Body):
    """``PUT /api/agents/me/state``."""

    state: str = choice_field(*AGENT_STATES)


class AgentRouting(Body):
    """``PUT /api/agents/<name>/routing``: what an agent can take, how much at once."""

    languages: list[str] = skills_field(LANGUAGE_PATTERN, "language tags such as en or pt-br")
    topics: list[str] = skills_field(SKILL_PATTERN, "topics such as returns")
    capacity: int = integer_field(1, MAX_CAPACITY)


class SignIn(Body):
    """``POST /api/session`` (handoff.desk.routes). Lengths are the route's to judge:
    a name or password no agent could have is a failed sign-in (401), not a 400."""

    name: str = text_field(None)
    password: str = string_field()

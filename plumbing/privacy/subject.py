"""Who the customer is: every identifier their data is filed under, and how each was found.

The stores file a customer's data under different keys: Rasa's stores and
the channels under the conversation's sender id (on SMS the phone number, in
E.164; on Telegram a chat id; on Messenger a page-scoped id), the handoff
database under the conversation and a ``customer_id``, the business database
under its own customer number, its identities (channel, sender id) and the
e-mail. So the operator's ``ID`` is resolved first, into a :class:`Subject`:

- a phone number (written with its country code, ``+`` or ``00``, in any
  spelling) is normalised to E.164, as Twilio sends it and the SMS channel
  checks it (:data:`plumbing.phones.E164`): that is the SMS conversation's
  id, and with ``whatsapp:`` before it the WhatsApp conversation's (a
  number's conversation on either channel brings in the other). Without a
  country code a number is taken as a conversation id as it is: a Telegram
  chat id is digits too;
- an e-mail address is lower-cased, as the business database stores it;
- anything else is a conversation id, compared exactly.

Then each process that owns stores follows the links its stores hold
(``discover`` of actions.privacy and handoff.privacy), one step each, and
every identifier is kept with how it was found, which the dry run shows
before anything is erased:

- the business database's customer with that e-mail, or with an identity
  whose sender id is one of the conversations: their e-mail and all their
  identities (their conversations on every channel);
- handoffs and the outbox's escalations whose ``customer_id``, customer
  (``sender_id``, ``backend_id``, ``email``, ``verified_email``, ``phone``)
  or summary (the ``email`` the customer gave the bot) name one of those
  (:meth:`Subject.relates`): their conversations;
- the handoff service's links of conversations to one customer
  (``customer_links``, handoff.customers): the conversations linked to
  their identifiers, or to the key of one of their conversations.

The last two are followed until no new conversation appears
(plumbing.privacy.orchestrate), but never back into the business database: a
conversation in which someone typed the customer's e-mail is theirs to erase
(it holds the e-mail), not a reason to erase the account of whoever typed it.

A subject travels between the processes as JSON (:meth:`Subject.to_json`,
:meth:`Subject.from_json`), so that each reads its own stores for it.

Mentions of the customer in other people's conversations, found only by
reading every message, are not searched (see the README section).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from plumbing.phones import WHATSAPP_PREFIX, normalise_phone, phone_of

CONVERSATION = "conversation"
PHONE = "phone"
EMAIL = "email"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Handoffs and escalations are followed until no new conversation appears;
# each round reads the tables once, and a chain longer than this is no
# customer's.
MAX_ROUNDS = 5
# A subject read from another process (from_json): more identifiers than any
# one customer has is a request to refuse, not a customer.
MAX_IDENTIFIERS = 1000
MAX_IDENTIFIER_CHARS = 320


class InvalidSubject(ValueError):
    """A subject's JSON is not one :meth:`Subject.to_json` writes."""


def normalise_email(text: str) -> str:
    """As the business database stores e-mails (actions.backend.sql)."""
    return text.strip().lower()


def kind_of(given: str) -> tuple[str, str]:
    """What the operator's ``ID`` is, and its normalised value."""
    text = given.strip()
    if _EMAIL.fullmatch(text):
        return EMAIL, normalise_email(text)
    if text.startswith(("+", "00")):
        phone = normalise_phone(text)
        if phone is not None:
            return PHONE, phone
    return CONVERSATION, text


@dataclass
class Subject:
    """One customer's identifiers, each with how it was found (for the operator)."""

    given: str
    kind: str
    conversations: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    # The business database's customer numbers.
    customers: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, given: str) -> Subject:
        """The subject of the operator's ``ID``, before any store is read."""
        kind, value = kind_of(given)
        subject = cls(given, kind)
        if kind == EMAIL:
            subject.add_email(value, "given")
        elif kind == PHONE:
            subject.add_conversation(value, "given: the SMS conversation of this number")
        else:
            subject.add_conversation(value, "given")
        return subject

    def add_conversation(self, conversation_id: str, why: str) -> bool:
        """Whether it is new. A phone number's conversation (SMS: ``+1415...``; WhatsApp:
        ``whatsapp:+1415...``) makes the number theirs: its opt-out, and its
        conversation on the other of the two channels."""
        if not conversation_id or conversation_id in self.conversations:
            return False
        self.conversations[conversation_id] = why
        phone = phone_of(conversation_id)
        if phone is not None and phone not in self.phones:
            self.phones[phone] = why
            for same_number in (phone, WHATSAPP_PREFIX + phone):
                self.conversations.setdefault(same_number, f"the same number as {why}")
        return True

    def add_email(self, email: str, why: str) -> None:
        if email:
            self.emails.setdefault(normalise_email(email), why)

    @property
    def identifiers(self) -> set[str]:
        """What a handoff's ``customer_id`` may be: a sender id, an e-mail, a phone number."""
        return {*self.conversations, *self.emails, *self.phones}

    def relates(
        self, conversation_id: Any, customer_id: Any, customer: Any, summary: Any
    ) -> str | None:
        """How a handoff (or an escalation to be) is this customer's, or None."""
        customer = customer if isinstance(customer, Mapping) else {}
        summary = summary if isinstance(summary, Mapping) else {}
        if conversation_id in self.conversations:
            return "its conversation"
        if isinstance(customer_id, str) and (
            customer_id in self.identifiers or normalise_email(customer_id) in self.emails
        ):
            return "its customer_id"
        for key in ("sender_id", "id"):
            if customer.get(key) in self.conversations:
                return f"its customer's {key}"
        backend_id = customer.get("backend_id")
        if backend_id is not None and str(backend_id) in {str(c) for c in self.customers}:
            return "its customer's backend_id"
        # "email", "verified_email" and whatever else names an address.
        for where, given in (("customer", customer), ("summary", summary)):
            for key, email in given.items():
                if "email" in str(key) and isinstance(email, str):
                    if normalise_email(email) in self.emails:
                        return f"the {key} of its {where}"
        for key, phone in customer.items():
            if "phone" in str(key) and isinstance(phone, str):
                if normalise_phone(phone) in self.phones:
                    return f"the {key} of its customer"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "given": self.given,
            "kind": self.kind,
            "conversations": _listed(self.conversations, "id"),
            "emails": _listed(self.emails, "email"),
            "phones": _listed(self.phones, "phone"),
            "business_customers": _listed(self.customers, "id"),
        }

    @classmethod
    def from_json(cls, data: Any) -> Subject:
        """A subject :meth:`to_json` wrote (in another process); InvalidSubject otherwise."""
        if not isinstance(data, Mapping):
            raise InvalidSubject("subject must be an object")
        given, kind = data.get("given"), data.get("kind")
        if not isinstance(given, str) or kind not in (CONVERSATION, PHONE, EMAIL):
            raise InvalidSubject("subject needs given (a string) and kind")
        subject = cls(_text(given), kind)
        subject.conversations = _found(data, "conversations", "id", str)
        subject.emails = _found(data, "emails", "email", str)
        subject.phones = _found(data, "phones", "phone", str)
        subject.customers = _found(data, "business_customers", "id", int)
        if len(subject.identifiers) + len(subject.customers) > MAX_IDENTIFIERS:
            raise InvalidSubject(f"subject has more than {MAX_IDENTIFIERS} identifiers")
        return subject

    def size(self) -> int:
        """How many identifiers: what discovery rounds compare to see whether one found any."""
        return len(self.conversations) + len(self.emails) + len(self.phones) + len(self.customers)

    def lines(self) -> Iterator[str]:
        """The identifiers, one a line, with how each was found (for the operator)."""
        for label, found in (
            ("conversation", self.conversations),
            ("e-mail", self.emails),
            ("phone", self.phones),
            ("business customer", self.customers),
        ):
            for key, why in found.items():
                yield f"{label} {key}: {why}"


def _listed(found: Mapping[Any, str], name: str) -> list[dict[str, Any]]:
    return [{name: key, "found_by": why} for key, why in found.items()]


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_IDENTIFIER_CHARS:
        raise InvalidSubject(f"an identifier must be a string of at most {MAX_IDENTIFIER_CHARS}")
    return value


def _found(data: Mapping[str, Any], name: str, key: str, kind: type) -> dict[Any, str]:
    items = data.get(name, [])
    if not isinstance(items, list) or len(items) > MAX_IDENTIFIERS:
        raise InvalidSubject(f"{name} must be a list of at most {MAX_IDENTIFIERS}")
    found: dict[Any, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise InvalidSubject(f"{name} must hold objects")
        value, why = item.get(key), item.get("found_by")
        # bool is an int to Python, and no customer number.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InvalidSubject(f"each of {name} needs {key}, a {kind.__name__}")
        found[_text(value) if kind is str else value] = _text(why)
    return found


def relates_payload(subject: Subject, payload: Any) -> str | None:
    """How an outbox row's payload (the body of ``POST /api/handoffs``) is the customer's."""
    if not isinstance(payload, Mapping):
        return None
    return subject.relates(
        payload.get("conversation_id"),
        payload.get("customer_id"),
        payload.get("customer"),
        payload.get("summary"),
    )

"""Who the customer is: every identifier their data is filed under, and how each was found.

The stores file a customer's data under different keys: Rasa's stores and
the channels under the conversation's sender id (on SMS the phone number, in
E.164; on Telegram a chat id; on Messenger a page-scoped id), the handoff
database under the conversation and a ``customer_id``, the business database
under its own customer number, its identities (channel, sender id) and the
e-mail. So the operator's ``ID`` is resolved first, into a :class:`Subject`:

- a phone number (written with its country code, ``+`` or ``00``, in any
  spelling) is normalised to E.164, as Twilio sends it and the SMS channel
  checks it (:data:`bot.channels.sms.E164`): that is the SMS conversation's
  id. Without a country code a number is taken as a conversation id as it
  is: a Telegram chat id is digits too;
- an e-mail address is lower-cased, as the business database stores it;
- anything else is a conversation id, compared exactly.

Then the links the stores hold are followed, one step each, and every
identifier is kept with how it was found, which the dry run shows before
anything is erased:

- the business database's customer with that e-mail, or with an identity
  whose sender id is one of the conversations: their e-mail and all their
  identities (their conversations on every channel);
- handoffs and the outbox's escalations whose ``customer_id``, customer
  (``sender_id``, ``backend_id``, ``email``, ``verified_email``, ``phone``)
  or summary (the ``email`` the customer gave the bot) name one of those:
  their conversations;
- the handoff service's links of conversations to one customer
  (``customer_links``, handoff.customers: ``email:``, ``phone:``,
  ``backend:`` keys, or a supervisor's manual link): the conversations
  linked to their identifiers, or to the key of one of their conversations.

The last two are followed until no new conversation appears, but never
back into the business database: a conversation in which someone typed the
customer's e-mail is theirs to erase (it holds the e-mail), not a reason to
erase the account of whoever typed it.

Mentions of the customer in other people's conversations, found only by
reading every message, are not searched (see the README section).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, Table, func, inspect, select
from sqlalchemy.engine import Connection, Engine

from actions.backend.tables import CustomerIdentityRow, CustomerRow
from actions.handoff_outbox import outbox_table
from bot.channels.sms import E164
from handoff.models import handoffs
from scripts.privacy.locations import BUSINESS, HANDOFF, OUTBOX

CONVERSATION = "conversation"
PHONE = "phone"
EMAIL = "email"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# What people put between a phone number's digits.
_SEPARATORS = re.compile(r"[\s().\-/]")
# Handoffs and escalations are followed until no new conversation appears;
# each round reads the tables once, and a chain longer than this is no
# customer's.
MAX_ROUNDS = 5
YIELD_PER = 1000

# handoff.customers' table of which conversations are one customer's.
CUSTOMER_LINKS = "customer_links"

_customers = CustomerRow.__table__
_identities = CustomerIdentityRow.__table__


def normalise_phone(text: str) -> str | None:
    """``text`` as an E.164 number (``+14155550101``), or None if it is not one.

    ``+1 (415) 555-0101``, ``+1.415.555.0101`` and ``0014155550101`` are all
    ``+14155550101``. A number without its country code is None: which
    country it is in cannot be known here.
    """
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if E164.fullmatch(compact) else None


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

    def add_conversation(self, conversation_id: str, why: str) -> bool:
        """Whether it is new. An E.164 sender id is an SMS number: its opt-out is theirs too."""
        if not conversation_id or conversation_id in self.conversations:
            return False
        self.conversations[conversation_id] = why
        if E164.fullmatch(conversation_id):
            self.phones.setdefault(conversation_id, why)
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


def discover(given: str, engines: Mapping[str, Engine]) -> Subject:
    """The :class:`Subject` of ``given``, from the stores of ``engines`` that exist."""
    kind, value = kind_of(given)
    subject = Subject(given, kind)
    if kind == EMAIL:
        subject.add_email(value, "given")
    elif kind == PHONE:
        subject.add_conversation(value, "given: the SMS conversation of this number")
    else:
        subject.add_conversation(value, "given")
    if BUSINESS in engines:
        with engines[BUSINESS].connect() as db:
            _from_business(db, subject)
    for _ in range(MAX_ROUNDS):
        new = 0
        if HANDOFF in engines:
            with engines[HANDOFF].connect() as db:
                new += _from_handoffs(db, subject)
                new += _from_customer_links(db, subject)
        if OUTBOX in engines:
            with engines[OUTBOX].connect() as db:
                new += _from_outbox(db, subject)
        if not new:
            break
    return subject


def _from_business(db: Connection, subject: Subject) -> None:
    if not inspect(db).has_table(_customers.name):
        return
    c, i = _customers.c, _identities.c
    if subject.emails:
        for row in db.execute(select(c.id).where(func.lower(c.email).in_(list(subject.emails)))):
            subject.customers.setdefault(int(row.id), "their e-mail")
    wanted = [*subject.conversations, *subject.phones]
    if wanted and inspect(db).has_table(_identities.name):
        for row in db.execute(select(i.customer_id, i.channel).where(i.external_id.in_(wanted))):
            subject.customers.setdefault(int(row.customer_id), f"their {row.channel} identity")
    if not subject.customers:
        return
    ids = list(subject.customers)
    for row in db.execute(select(c.id, c.email).where(c.id.in_(ids))):
        subject.add_email(row.email, f"business customer {row.id}'s e-mail")
    if inspect(db).has_table(_identities.name):
        for row in db.execute(
            select(i.customer_id, i.channel, i.external_id)
            .where(i.customer_id.in_(ids))
            .order_by(i.id)
        ):
            subject.add_conversation(
                row.external_id, f"business customer {row.customer_id}'s {row.channel} identity"
            )


def _from_handoffs(db: Connection, subject: Subject) -> int:
    if not inspect(db).has_table(handoffs.name):
        return 0
    h = handoffs.c
    query = select(h.id, h.conversation_id, h.customer_id, h.customer, h.summary).order_by(h.id)
    new = 0
    for row in db.execute(query.execution_options(yield_per=YIELD_PER)):
        why = subject.relates(row.conversation_id, row.customer_id, row.customer, row.summary)
        if why and subject.add_conversation(row.conversation_id, f"handoff {row.id}: {why}"):
            new += 1
    return new


def _from_customer_links(db: Connection, subject: Subject) -> int:
    """The conversations the handoff service links to the same customer (handoff.customers).

    Read by reflection: a database migrated before the table existed has none.
    """
    if not inspect(db).has_table(CUSTOMER_LINKS):
        return 0
    links = Table(CUSTOMER_LINKS, MetaData(), autoload_with=db)
    if not {"conversation_id", "customer_key"} <= set(links.c.keys()):
        return 0
    c = links.c
    # Keys as handoff.customers writes them: kind, a colon, the value (e-mails lower-cased).
    keys = {
        *(f"email:{email}" for email in subject.emails),
        *(f"phone:{phone}" for phone in subject.phones),
        *(f"backend:{customer}" for customer in subject.customers),
    }
    conversations = list(subject.conversations)
    keys.update(
        db.execute(select(c.customer_key).where(c.conversation_id.in_(conversations))).scalars()
    )
    new = 0
    for row in db.execute(
        select(c.conversation_id, c.customer_key)
        .where(c.customer_key.in_(sorted(keys)))
        .order_by(c.conversation_id)
    ):
        why = f"linked to {row.customer_key} in {CUSTOMER_LINKS}"
        if subject.add_conversation(row.conversation_id, why):
            new += 1
    return new


def _from_outbox(db: Connection, subject: Subject) -> int:
    if not inspect(db).has_table(outbox_table.name):
        return 0
    o = outbox_table.c
    query = select(o.id, o.payload).order_by(o.id)
    new = 0
    for row in db.execute(query.execution_options(yield_per=YIELD_PER)):
        payload = row.payload if isinstance(row.payload, Mapping) else {}
        conversation_id = payload.get("conversation_id")
        why = relates_payload(subject, payload)
        if (
            why
            and isinstance(conversation_id, str)
            and subject.add_conversation(conversation_id, f"outbox escalation {row.id}: {why}")
        ):
            new += 1
    return new


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

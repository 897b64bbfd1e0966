"""Which rows of each store are the customer's: :func:`pick`, and what erasing them means.

The rows are read from the tables as the database has them (SQLAlchemy
reflection), not as the owners' modules declare them: a column added by a
migration is exported too, and a database a migration behind still works.
Per store, the customer's rows are::

    tracker   events                    sender_id is one of their conversations
    broker    events                    the same (Rasa's SQL event broker)
    channels  channel_inbox, last_inbound  sender_id is one of their conversations
              channel_surveys,          conversation_id is theirs, or recipient_id
              pending_surveys           names them
              sms_opt_outs              phone_number is one of their numbers (kept: below)
    outbox    handoff_outbox            the payload is an escalation of theirs (subject.relates)
    handoff   handoffs                  conversation_id is theirs, or customer_id names them
              every table with a        handoff_id is one of those handoffs, or
              handoff_id or conversation_id  conversation_id is theirs (transcript_messages,
                                        handoff_events, integration_deliveries, zendesk_tickets,
                                        insight_events, conversation_records, customer_links,
                                        record_events, surveys, and tables added later)
              integration_inbound_events  the recorded answer names one of those handoffs
    business  customers and their customer_identities, orders, returns and
              address_changes; password_reset_requests for their e-mail

A table of the handoff database that no rule covers and that is not known
to hold nothing of customers (agents, desk sessions, cursors) is reported,
so that a table added later is looked at rather than silently left out.

**SMS opt-outs are kept by default.** The row is the record that the number
texted STOP; the SMS channel reads it before every message it sends, by the
bot or by an agent, and the rules on text messages (the CTIA's, the TCPA's)
make honouring it an obligation, which outlasts an erasure (GDPR article
17(3)(b)). It holds the number and the time of the STOP, nothing else. A
salted hash would erase the number but not be honoured: the channel looks
numbers up as they are (bot/channels/store.py), so the customer could be
texted again. ``--include-opt-out`` deletes it too, when the operator has
decided that the obligation does not apply.

**Refused on SQLite: rows whose ids would be handed out again.** SQLite
gives a new row the highest id + 1, so deleting the newest rows of a table
gives their ids to the next rows; the handoff service's readers remember
ids (the live stream's Last-Event-ID, the contact-center adapters' cursors,
the broker consumer's position in Rasa's broker table) and would skip those
new rows, as handoff.events and handoff.retention explain. When the
customer's rows hold the newest id of ``handoffs``, ``transcript_messages``,
``handoff_events`` or ``record_events`` (the CRM webhook's outbox, whose
reader keeps a cursor too), or of the broker's ``events``, the erase is refused
until someone else has written (PostgreSQL's sequences never reuse ids).
It is refused too while one of their handoffs is open: an agent is talking
with them; close it on the desk first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, Table, and_, delete, func, inspect, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

import bot.channels.store as channel_tables
import handoff.models as handoff_tables
from actions.backend.tables import (
    AddressChangeRow,
    Base,
    CustomerIdentityRow,
    CustomerRow,
    OrderRow,
    PasswordResetRequestRow,
    ReturnRow,
)
from actions.handoff_outbox import outbox_table
from scripts.privacy.locations import BROKER, BUSINESS, CHANNELS, HANDOFF, OUTBOX, TRACKER
from scripts.privacy.subject import Subject, relates_payload

RASA_EVENTS = "events"
# Rows deleted per statement: well under SQLite's limit on bound parameters.
DELETE_CHUNK = 400
# Tables of the handoff database known to hold nothing of customers.
HANDOFF_NOTHING_OF_CUSTOMERS = frozenset(
    {
        handoff_tables.agents.name,
        handoff_tables.desk_sessions.name,
        handoff_tables.broker_cursors.name,
        handoff_tables.integration_cursors.name,
        "alembic_version",
    }
)
# Tables whose ids the handoff service's readers remember (see the docstring).
REMEMBERED_IDS = {
    HANDOFF: (
        handoff_tables.handoffs.name,
        handoff_tables.transcript_messages.name,
        handoff_tables.handoff_events.name,
        handoff_tables.record_events.name,
    ),
    BROKER: (RASA_EVENTS,),
}
# Text columns holding JSON, exported as JSON.
JSON_TEXT = {
    (TRACKER, RASA_EVENTS): ("data",),
    (BROKER, RASA_EVENTS): ("data",),
    (HANDOFF, handoff_tables.insight_events.name): ("data",),
}
# Each store's tables as its owner declares them: their own column types
# (the business database's amounts, in cents on SQLite) read values back.
DECLARED: dict[str, MetaData] = {
    CHANNELS: channel_tables.metadata,
    HANDOFF: handoff_tables.metadata,
    BUSINESS: Base.metadata,
}

Rows = list[dict[str, Any]]


@dataclass
class Picked:
    """A store's rows of the customer, by table, in the order they are deleted."""

    tables: dict[str, Table] = field(default_factory=dict)
    rows: dict[str, Rows] = field(default_factory=dict)
    # Tables whose rows an erase keeps (SMS opt-outs).
    kept: frozenset[str] = frozenset()
    # Why the store holds nothing at all (its tables do not exist).
    absent: str = ""
    # Tables no rule covers (handoff database).
    unknown: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items() if rows}


def pick(store: str, db: Connection, subject: Subject, *, include_opt_out: bool) -> Picked:
    """The customer's rows in ``store``, read on ``db``."""
    tables = _reflect(db, store)
    picked = Picked(tables=tables)
    rules = _RULES[store]
    if not any(name in tables for name in rules.main_tables):
        picked.absent = f"no {' or '.join(rules.main_tables)} table"
        return picked
    found = rules.rows(db, tables, subject)
    # Children before parents (reflection knows the foreign keys), so that
    # no delete breaks one, nor relies on a cascade the database may not run.
    order = [name for name in _deletion_order(tables) if name in found]
    picked.rows = {name: found[name] for name in order}
    if store == CHANNELS and not include_opt_out:
        picked.kept = frozenset({channel_tables.sms_opt_outs.name})
    if store == HANDOFF:
        covered = set(found) | HANDOFF_NOTHING_OF_CUSTOMERS
        picked.unknown = sorted(name for name in tables if name not in covered)
    return picked


def refusals(store: str, db: Connection, picked: Picked) -> list[str]:
    """Why erasing ``picked`` must not happen now (see the module's docstring)."""
    reasons = []
    if store == HANDOFF:
        status = handoff_tables.handoffs.c.status.name
        open_ = [
            row
            for row in picked.rows.get(handoff_tables.handoffs.name, [])
            if row.get(status) != handoff_tables.CLOSED
        ]
        if open_:
            reasons.append(
                f"{len(open_)} of the customer's handoffs are open (an agent is or will be "
                "talking with them): close them on the desk, then erase"
            )
    if db.dialect.name == "sqlite":
        for name in REMEMBERED_IDS.get(store, ()):
            ids = {row.get("id") for row in picked.rows.get(name, [])}
            if not ids or name not in picked.tables:
                continue
            newest = db.execute(select(func.max(picked.tables[name].c.id))).scalar()
            if newest in ids:
                reasons.append(
                    f"{store}: the customer's rows include the newest of {name}, whose id "
                    "SQLite would hand out again to a row the handoff service then skips; "
                    "erase once someone else has written to it"
                )
    return reasons


def delete_picked(db: Connection, picked: Picked) -> dict[str, int]:
    """Delete the picked rows (but the kept tables'), by primary key: rows deleted per table."""
    deleted: dict[str, int] = {}
    for name, rows in picked.rows.items():
        if not rows or name in picked.kept:
            continue
        table = picked.tables[name]
        key = list(table.primary_key.columns)
        if not key:
            # A ValueError: the command reports it, and this store's transaction rolls back.
            raise ValueError(f"{name} has no primary key: its rows cannot be deleted one by one")
        count = 0
        for start in range(0, len(rows), DELETE_CHUNK):
            chunk = rows[start : start + DELETE_CHUNK]
            if len(key) == 1:
                where = key[0].in_([row[key[0].name] for row in chunk])
            else:
                where = or_(*(and_(*(c == row[c.name] for c in key)) for row in chunk))
            count += db.execute(delete(table).where(where)).rowcount
        deleted[name] = count
    return deleted


# -- reading -------------------------------------------------------------------------------


def _reflect(db: Connection, store: str) -> dict[str, Table]:
    names = set(inspect(db).get_table_names())
    rules = _RULES[store]
    # The handoff database whole, so that a table added later is seen; the
    # others may share their database with another store (the business
    # database and the outbox do in production).
    wanted = names if store == HANDOFF else names & {*rules.main_tables, *rules.other_tables}
    metadata = MetaData()
    metadata.reflect(bind=db, only=sorted(wanted))
    declared = DECLARED.get(store, MetaData()).tables
    for table in metadata.tables.values():
        own = declared.get(table.name)
        for column in table.columns if own is not None else ():
            if column.name in own.c and isinstance(own.c[column.name].type, TypeDecorator):
                column.type = own.c[column.name].type
    return dict(metadata.tables)


def _deletion_order(tables: Mapping[str, Table]) -> list[str]:
    metadata = next(iter(tables.values())).metadata
    return [table.name for table in reversed(metadata.sorted_tables)]


def _select(db: Connection, table: Table, where: ColumnElement[bool]) -> Rows:
    query = select(table).where(where).order_by(*table.primary_key.columns)
    return [dict(row._mapping) for row in db.execute(query)]


def _all(db: Connection, table: Table, keep: Callable[[dict[str, Any]], bool]) -> Rows:
    """Rows chosen by what their JSON holds, out of SQL's portable reach: read them all."""
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=1000)
    return [row for row in (dict(r._mapping) for r in db.execute(query)) if keep(row)]


# -- the rules of each store ---------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    # The store is absent when none of these exists.
    main_tables: tuple[str, ...]
    rows: Callable[[Connection, Mapping[str, Table], Subject], dict[str, Rows]]
    other_tables: tuple[str, ...] = ()


def _rasa_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    events = tables[RASA_EVENTS]
    return {RASA_EVENTS: _select(db, events, events.c.sender_id.in_(list(subject.conversations)))}


def _channel_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    conversations = list(subject.conversations)
    found: dict[str, Rows] = {}
    for name in (channel_tables.inbox.name, channel_tables.last_inbound.name):
        if name in tables:
            found[name] = _select(db, tables[name], tables[name].c.sender_id.in_(conversations))
    # Satisfaction surveys asked and waiting for an answer (bot.channels.surveys).
    identifiers = list(subject.identifiers)
    for name in (channel_tables.surveys_asked.name, channel_tables.pending_surveys.name):
        if name in tables:
            table = tables[name]
            found[name] = _select(
                db,
                table,
                or_(
                    table.c.conversation_id.in_(conversations),
                    table.c.recipient_id.in_(identifiers),
                ),
            )
    opt_outs = channel_tables.sms_opt_outs.name
    if opt_outs in tables:
        column = tables[opt_outs].c.phone_number
        found[opt_outs] = _select(db, tables[opt_outs], column.in_(list(subject.phones)))
    return found


def _outbox_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    name = outbox_table.name

    def theirs(row: dict[str, Any]) -> bool:
        return relates_payload(subject, row["payload"]) is not None

    return {name: _all(db, tables[name], theirs)}


def _handoff_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    h = tables[handoff_tables.handoffs.name]
    conversations = list(subject.conversations)
    found: dict[str, Rows] = {
        h.name: _select(
            db,
            h,
            or_(h.c.conversation_id.in_(conversations), h.c.customer_id.in_(subject.identifiers)),
        )
    }
    handoff_ids = {int(row["id"]) for row in found[h.name]}
    inbound = handoff_tables.integration_inbound_events.name
    for name, table in tables.items():
        if name == inbound:
            found[name] = _all(
                db, table, lambda row: _names(row.get("response"), handoff_ids, subject)
            )
            continue
        conditions = []
        if "conversation_id" in table.c and name != h.name:
            conditions.append(table.c.conversation_id.in_(conversations))
        if "handoff_id" in table.c:
            conditions.append(table.c.handoff_id.in_(sorted(handoff_ids)))
        if conditions:
            found[name] = _select(db, table, or_(*conditions))
    return found


def _names(answer: Any, handoff_ids: Collection[int], subject: Subject) -> bool:
    """Whether a recorded answer names one of the handoffs or conversations, at any depth.

    The answers are the handoff service's (handoff.integrations.inbound):
    ``{"handoff_id": ..., "message": ...}`` or ``{"handoff": {"id": ...}, ...}``.
    """
    if isinstance(answer, Mapping):
        if answer.get("handoff_id") in handoff_ids:
            return True
        if answer.get("conversation_id") in subject.conversations:
            return True
        inner = answer.get("handoff")
        if isinstance(inner, Mapping) and inner.get("id") in handoff_ids:
            return True
        return any(_names(value, handoff_ids, subject) for value in answer.values())
    if isinstance(answer, list):
        return any(_names(value, handoff_ids, subject) for value in answer)
    return False


def _business_rows(
    db: Connection, tables: Mapping[str, Table], subject: Subject
) -> dict[str, Rows]:
    customer_ids = sorted(subject.customers)
    found: dict[str, Rows] = {}

    def by(row_class: Any, column: str, values: Iterable[Any]) -> Rows:
        table = tables.get(row_class.__tablename__)
        if table is None:
            return []
        rows = _select(db, table, table.c[column].in_(list(values)))
        found[table.name] = rows
        return rows

    by(CustomerRow, "id", customer_ids)
    by(CustomerIdentityRow, "customer_id", customer_ids)
    by(AddressChangeRow, "customer_id", customer_ids)
    orders = by(OrderRow, "customer_id", customer_ids)
    by(ReturnRow, "order_id", [row["order_id"] for row in orders])
    resets = tables.get(PasswordResetRequestRow.__tablename__)
    if resets is not None:
        found[resets.name] = _select(
            db, resets, func.lower(resets.c.email).in_(list(subject.emails))
        )
    return found


_RULES: dict[str, Rules] = {
    TRACKER: Rules((RASA_EVENTS,), _rasa_rows),
    BROKER: Rules((RASA_EVENTS,), _rasa_rows),
    CHANNELS: Rules(
        (
            channel_tables.inbox.name,
            channel_tables.sms_opt_outs.name,
            channel_tables.last_inbound.name,
        ),
        _channel_rows,
        (channel_tables.surveys_asked.name, channel_tables.pending_surveys.name),
    ),
    OUTBOX: Rules((outbox_table.name,), _outbox_rows),
    HANDOFF: Rules((handoff_tables.handoffs.name,), _handoff_rows),
    BUSINESS: Rules(
        (CustomerRow.__tablename__,),
        _business_rows,
        tuple(
            row_class.__tablename__
            for row_class in (
                CustomerIdentityRow,
                OrderRow,
                ReturnRow,
                PasswordResetRequestRow,
                AddressChangeRow,
            )
        ),
    ),
}

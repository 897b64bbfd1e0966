"""The action server's share of a customer's export and erasure: the handoff outbox and
the business database (plumbing.privacy).

Per store, the customer's rows are::

    outbox    handoff_outbox            the payload is an escalation of theirs
                                        (Subject.relates: its conversation, customer_id,
                                        customer or summary names them)
    business  customers and their customer_identities, orders, returns and
              address_changes; password_reset_requests for their e-mail

Only the default business backend keeps its data in our database: with
another ``ACTIONS_BACKEND`` (the company's own system, whose owners export
and erase its data) the store is skipped, and said so.

Both stores also tell who the customer is (:func:`discover`): the business
customer with their e-mail or one of their channel identities, and through
it their e-mail and every identity (their conversations on every channel);
and the escalations that name them, their conversations. The business
database is read for that in the first round only: a conversation in which
someone typed the customer's e-mail is theirs to erase, not a reason to
erase the account of whoever typed it.

The handoff service asks for this share on ``POST /privacy``
(actions.server), with ``HANDOFF_ADMIN_TOKEN``: the secret the action
server already shares with it, for its outbox's escalations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.engine import Connection, Engine

import plumbing.db
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
from actions.settings import DEFAULT_BACKEND, ActionSettings
from plumbing.privacy.locations import BUSINESS, OUTBOX, ROOT, Location, from_root
from plumbing.privacy.owners import LocalStores
from plumbing.privacy.stores import Rows, Rules, rows_where, select_rows
from plumbing.privacy.subject import Subject, relates_payload

YIELD_PER = 1000

_customers = CustomerRow.__table__
_identities = CustomerIdentityRow.__table__


def local_stores(settings: ActionSettings, root: Path = ROOT) -> LocalStores:
    """The action server's stores, where ``settings`` put them, with their rules."""
    return LocalStores(locations(settings, root), RULES, discover)


def locations(settings: ActionSettings, root: Path = ROOT) -> dict[str, Location]:
    """Where the outbox and the business database are, by the action server's settings."""
    business = Location(BUSINESS, from_root(settings.database_url, root), plumbing.db.BUSINESS)
    if settings.backend != DEFAULT_BACKEND:
        business = Location(
            BUSINESS,
            skipped=f"ACTIONS_BACKEND is {settings.backend}: the company's own system, "
            "whose data its owners export and erase",
        )
    return {
        OUTBOX: Location(OUTBOX, from_root(settings.handoff_outbox_url, root), plumbing.db.OUTBOX),
        BUSINESS: business,
    }


# -- who the customer is ---------------------------------------------------------------------


def discover(engines: Mapping[str, Engine], subject: Subject, first: bool) -> None:
    """One step of following the links: the business database (first round), the outbox."""
    if first and BUSINESS in engines:
        with engines[BUSINESS].connect() as db:
            _from_business(db, subject)
    if OUTBOX in engines:
        with engines[OUTBOX].connect() as db:
            _from_outbox(db, subject)


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


def _from_outbox(db: Connection, subject: Subject) -> None:
    if not inspect(db).has_table(outbox_table.name):
        return
    o = outbox_table.c
    query = select(o.id, o.payload).order_by(o.id)
    for row in db.execute(query.execution_options(yield_per=YIELD_PER)):
        payload = row.payload if isinstance(row.payload, Mapping) else {}
        conversation_id = payload.get("conversation_id")
        why = relates_payload(subject, payload)
        if why and isinstance(conversation_id, str):
            subject.add_conversation(conversation_id, f"outbox escalation {row.id}: {why}")


# -- which rows ------------------------------------------------------------------------------


def _outbox_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    name = outbox_table.name

    def theirs(row: dict[str, Any]) -> bool:
        return relates_payload(subject, row["payload"]) is not None

    return {name: rows_where(db, tables[name], theirs)}


def _business_rows(
    db: Connection, tables: Mapping[str, Table], subject: Subject
) -> dict[str, Rows]:
    customer_ids = sorted(subject.customers)
    found: dict[str, Rows] = {}

    def by(row_class: Any, column: str, values: Iterable[Any]) -> Rows:
        table = tables.get(row_class.__tablename__)
        if table is None:
            return []
        rows = select_rows(db, table, table.c[column].in_(list(values)))
        found[table.name] = rows
        return rows

    by(CustomerRow, "id", customer_ids)
    by(CustomerIdentityRow, "customer_id", customer_ids)
    by(AddressChangeRow, "customer_id", customer_ids)
    orders = by(OrderRow, "customer_id", customer_ids)
    by(ReturnRow, "order_id", [row["order_id"] for row in orders])
    resets = tables.get(PasswordResetRequestRow.__tablename__)
    if resets is not None:
        found[resets.name] = select_rows(
            db, resets, func.lower(resets.c.email).in_(list(subject.emails))
        )
    return found


RULES: dict[str, Rules] = {
    OUTBOX: Rules((outbox_table.name,), _outbox_rows),
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
        declared=Base.metadata,
    ),
}

"""The handoff database's share of a customer's export and erasure (plumbing.privacy).

The customer's rows::

    handoffs                  conversation_id is theirs, or customer_id names them
    every table with a        handoff_id is one of those handoffs, or conversation_id
    handoff_id or             is theirs (transcript_messages, handoff_events,
    conversation_id           integration_deliveries, zendesk_tickets, insight_events,
                              conversation_records, customer_links, record_events,
                              surveys, and tables added later)
    integration_inbound_events  the recorded answer names one of those handoffs

A table that no rule covers and that is not known to hold nothing of
customers (agents, desk sessions, cursors) is reported, so that a table
added later is looked at rather than silently left out.

**Refused:** while one of their handoffs is open (an agent is talking with
them; close it on the desk first), and on SQLite when their rows hold the
newest id of a table whose ids the service's readers remember
(plumbing.privacy.stores).

Who the customer is (:func:`discover`): the handoffs whose conversation,
``customer_id``, customer or summary name them (Subject.relates), and the
conversations ``customer_links`` (handoff.customers) links to their
identifiers (``email:``, ``phone:``, ``backend:`` keys) or to the key of one
of their conversations.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, inspect, or_, select
from sqlalchemy.engine import Connection, Engine

import handoff.models as handoff_tables
import plumbing.db
from plumbing.privacy.locations import HANDOFF, ROOT, Location, from_root
from plumbing.privacy.owners import LocalStores
from plumbing.privacy.stores import Picked, Rows, Rules, rows_where, select_rows
from plumbing.privacy.subject import Subject

YIELD_PER = 1000
# Tables known to hold nothing of customers.
NOTHING_OF_CUSTOMERS = frozenset(
    {
        handoff_tables.agents.name,
        handoff_tables.desk_sessions.name,
        handoff_tables.broker_cursors.name,
        handoff_tables.integration_cursors.name,
        "alembic_version",
    }
)
# handoff.customers' table of which conversations are one customer's.
CUSTOMER_LINKS = "customer_links"


def local_stores(database_url: str, root: Path = ROOT) -> LocalStores:
    """The handoff database at ``database_url``, with its rules."""
    location = Location(HANDOFF, from_root(database_url, root), plumbing.db.HANDOFF)
    return LocalStores({HANDOFF: location}, {HANDOFF: RULES}, discover)


# -- who the customer is ---------------------------------------------------------------------


def discover(engines: Mapping[str, Engine], subject: Subject, first: bool) -> None:
    """One step of following the links: handoffs, then customer_links."""
    if HANDOFF in engines:
        with engines[HANDOFF].connect() as db:
            _from_handoffs(db, subject)
            _from_customer_links(db, subject)


def _from_handoffs(db: Connection, subject: Subject) -> None:
    if not inspect(db).has_table(handoff_tables.handoffs.name):
        return
    h = handoff_tables.handoffs.c
    query = select(h.id, h.conversation_id, h.customer_id, h.customer, h.summary).order_by(h.id)
    for row in db.execute(query.execution_options(yield_per=YIELD_PER)):
        why = subject.relates(row.conversation_id, row.customer_id, row.customer, row.summary)
        if why:
            subject.add_conversation(row.conversation_id, f"handoff {row.id}: {why}")


def _from_customer_links(db: Connection, subject: Subject) -> None:
    """Read by reflection: a database migrated before the table existed has none."""
    if not inspect(db).has_table(CUSTOMER_LINKS):
        return
    links = Table(CUSTOMER_LINKS, MetaData(), autoload_with=db)
    if not {"conversation_id", "customer_key"} <= set(links.c.keys()):
        return
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
    for row in db.execute(
        select(c.conversation_id, c.customer_key)
        .where(c.customer_key.in_(sorted(keys)))
        .order_by(c.conversation_id)
    ):
        subject.add_conversation(
            row.conversation_id, f"linked to {row.customer_key} in {CUSTOMER_LINKS}"
        )


# -- which rows ------------------------------------------------------------------------------


def _handoff_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    h = tables[handoff_tables.handoffs.name]
    conversations = list(subject.conversations)
    found: dict[str, Rows] = {
        h.name: select_rows(
            db,
            h,
            or_(h.c.conversation_id.in_(conversations), h.c.customer_id.in_(subject.identifiers)),
        )
    }
    handoff_ids = {int(row["id"]) for row in found[h.name]}
    inbound = handoff_tables.integration_inbound_events.name
    for name, table in tables.items():
        if name == inbound:
            found[name] = rows_where(
                db, table, lambda row: _names(row.get("response"), handoff_ids, subject)
            )
            continue
        conditions = []
        if "conversation_id" in table.c and name != h.name:
            conditions.append(table.c.conversation_id.in_(conversations))
        if "handoff_id" in table.c:
            conditions.append(table.c.handoff_id.in_(sorted(handoff_ids)))
        if conditions:
            found[name] = select_rows(db, table, or_(*conditions))
    return found


def _names(answer: Any, handoff_ids: Collection[int], subject: Subject) -> bool:
    """Whether a recorded answer names one of the handoffs or conversations, at any depth.

    The answers are the service's (handoff.integrations.inbound):
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


def _open_handoffs(picked: Picked) -> list[str]:
    status = handoff_tables.handoffs.c.status.name
    open_ = [
        row
        for row in picked.rows.get(handoff_tables.handoffs.name, [])
        if row.get(status) != handoff_tables.CLOSED
    ]
    if not open_:
        return []
    return [
        f"{len(open_)} of the customer's handoffs are open (an agent is or will be "
        "talking with them): close them on the desk, then erase"
    ]


RULES = Rules(
    (handoff_tables.handoffs.name,),
    _handoff_rows,
    declared=handoff_tables.metadata,
    whole_database=True,
    nothing_of_customers=NOTHING_OF_CUSTOMERS,
    remembered_ids=(
        handoff_tables.handoffs.name,
        handoff_tables.transcript_messages.name,
        handoff_tables.handoff_events.name,
        handoff_tables.record_events.name,
    ),
    json_text=frozenset({(handoff_tables.insight_events.name, "data")}),
    refuse=_open_handoffs,
)

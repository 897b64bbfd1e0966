"""Which rows of a store are the customer's (:func:`pick`), and deleting them.

Each owner of stores says how its store files a customer's rows, as
:class:`Rules` (bot.privacy, actions.privacy, handoff.privacy); this module
reads and deletes by them, the same way for every store.

The rows are read from the tables as the database has them (SQLAlchemy
reflection), not as the owners' modules declare them: a column added by a
migration is exported too, and a database a migration behind still works.
The declared tables only lend their column types (the business database's
amounts, in cents on SQLite, read back as amounts).

**Refused on SQLite: rows whose ids would be handed out again.** SQLite
gives a new row the highest id + 1, so deleting the newest rows of a table
gives their ids to the next rows; the handoff service's readers remember
ids (the live stream's Last-Event-ID, the contact-center adapters' cursors,
the broker consumer's position in Rasa's broker table) and would skip those
new rows, as handoff.events and handoff.retention explain. So when the
customer's rows hold the newest id of a table in ``Rules.remembered_ids``,
the erase is refused until someone else has written (PostgreSQL's sequences
never reuse ids).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Table, and_, delete, func, inspect, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from plumbing.privacy.subject import Subject

# Rows deleted per statement: well under SQLite's limit on bound parameters.
DELETE_CHUNK = 400

Rows = list[dict[str, Any]]
RowsOf = Callable[[Connection, Mapping[str, Table], Subject], dict[str, Rows]]


@dataclass
class Picked:
    """A store's rows of the customer, by table, in the order they are deleted."""

    tables: dict[str, Table] = field(default_factory=dict)
    rows: dict[str, Rows] = field(default_factory=dict)
    # Tables whose rows an erase keeps (SMS opt-outs).
    kept: frozenset[str] = frozenset()
    # Why the store holds nothing at all (its tables do not exist).
    absent: str = ""
    # Tables no rule covers (Rules.whole_database).
    unknown: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items() if rows}


@dataclass(frozen=True)
class Rules:
    """How one store files a customer's rows."""

    # The store is absent when none of these exists.
    main_tables: tuple[str, ...]
    rows: RowsOf
    other_tables: tuple[str, ...] = ()
    # The owner's declared tables, for their column types.
    declared: MetaData | None = None
    # Read every table of the database, and report those no rule covers and
    # that are not known to hold nothing of customers: a table added later
    # is looked at rather than silently left out.
    whole_database: bool = False
    nothing_of_customers: frozenset[str] = frozenset()
    # Tables whose ids a reader remembers (see the module's docstring).
    remembered_ids: tuple[str, ...] = ()
    # Text columns holding JSON, exported as JSON: (table, column).
    json_text: frozenset[tuple[str, str]] = frozenset()
    # Tables an erase keeps unless told otherwise (the SMS opt-outs: bot.privacy).
    kept_by_default: frozenset[str] = frozenset()
    # Why erasing the rows must not happen now, beyond reused ids (an open handoff).
    refuse: Callable[[Picked], list[str]] | None = None


def pick(rules: Rules, db: Connection, subject: Subject, *, include_kept: bool) -> Picked:
    """The customer's rows in the store ``rules`` describe, read on ``db``."""
    tables = _reflect(db, rules)
    picked = Picked(tables=tables)
    if not any(name in tables for name in rules.main_tables):
        picked.absent = f"no {' or '.join(rules.main_tables)} table"
        return picked
    found = rules.rows(db, tables, subject)
    # Children before parents (reflection knows the foreign keys), so that
    # no delete breaks one, nor relies on a cascade the database may not run.
    order = [name for name in _deletion_order(tables) if name in found]
    picked.rows = {name: found[name] for name in order}
    if not include_kept:
        picked.kept = rules.kept_by_default
    if rules.whole_database:
        covered = set(found) | rules.nothing_of_customers
        picked.unknown = sorted(name for name in tables if name not in covered)
    return picked


def refusals(rules: Rules, store: str, db: Connection, picked: Picked) -> list[str]:
    """Why erasing ``picked`` must not happen now (see the module's docstring)."""
    reasons = list(rules.refuse(picked)) if rules.refuse is not None else []
    if db.dialect.name == "sqlite":
        for name in rules.remembered_ids:
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
            # A ValueError: reported, and this store's transaction rolls back.
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


def _reflect(db: Connection, rules: Rules) -> dict[str, Table]:
    names = set(inspect(db).get_table_names())
    # The whole database, so that a table added later is seen; or only the
    # store's own: a database may hold two stores (the business database
    # and the outbox do in production).
    if rules.whole_database:
        wanted = names
    else:
        wanted = names & {*rules.main_tables, *rules.other_tables}
    metadata = MetaData()
    metadata.reflect(bind=db, only=sorted(wanted))
    declared: Mapping[str, Table] = rules.declared.tables if rules.declared is not None else {}
    for table in metadata.tables.values():
        own = declared.get(table.name)
        if own is None:
            continue
        for column in table.columns:
            if column.name in own.c and isinstance(own.c[column.name].type, TypeDecorator):
                column.type = own.c[column.name].type
    return dict(metadata.tables)


def _deletion_order(tables: Mapping[str, Table]) -> list[str]:
    metadata = next(iter(tables.values())).metadata
    return [table.name for table in reversed(metadata.sorted_tables)]


def select_rows(db: Connection, table: Table, where: ColumnElement[bool]) -> Rows:
    """The rows of ``table`` that ``where`` picks, in the order of their key."""
    query = select(table).where(where).order_by(*table.primary_key.columns)
    return [dict(row._mapping) for row in db.execute(query)]


def rows_where(db: Connection, table: Table, keep: Callable[[dict[str, Any]], bool]) -> Rows:
    """Rows chosen by what their JSON holds, out of SQL's portable reach: read them all."""
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=1000)
    return [row for row in (dict(r._mapping) for r in db.execute(query)) if keep(row)]


# -- rows as JSON (the export) ---------------------------------------------------------------


def json_row(rules: Rules, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as the export writes it: JSON text columns parsed, times and bytes as text."""
    out = {}
    for column, value in row.items():
        if (table, column) in rules.json_text and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass  # not JSON after all (a row written by hand): exported as the text it is
        out[column] = _json_value(value)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return value

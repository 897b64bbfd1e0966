"""Survey, export and erase: the customer's rows of every store, read or deleted.

:func:`survey` resolves the customer (scripts.privacy.subject) and reads
their rows in every store that exists (scripts.privacy.stores), with what
would stop an erase; :func:`export_document` turns that into the export's
JSON; :func:`erase` deletes, one transaction per store, in the order of
:data:`scripts.privacy.locations.STORES`.

An erase reads every store first and refuses before deleting anything when
one of them refuses (an open handoff, ids SQLite would hand out again). Each
store's transaction then reads the rows again and deletes exactly those, by
primary key: what a dry run or an export listed is what goes. A failure in
one store leaves the stores before it erased and the rest untouched;
running the same erase again finishes it. On SQLite the deleted rows are
overwritten (scripts.privacy.locations: ``secure_delete``) and the
write-ahead log, which still holds them, is emptied afterwards.

The logs get one INFO line per store with counts only: never an id, a phone
number, an e-mail or a message. Standard output, for the operator who typed
the customer's id, shows the identifiers found.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from plumbing.clock import utc_now_aware
from plumbing.db import write_transaction
from scripts.privacy.locations import STORES, Location
from scripts.privacy.stores import (
    JSON_TEXT,
    Picked,
    delete_picked,
    pick,
    refusals,
)
from scripts.privacy.subject import Subject, discover

logger = logging.getLogger(__name__)

PRESENT = "present"
ABSENT = "absent"
SKIPPED = "skipped"
NOTHING_ERASED = "nothing was erased"
LOG_BUSY = (
    "SQLite's write-ahead log (the -wal file) could not be emptied, another process reading "
    "it: it holds the deleted rows until the owner's next checkpoint (stop it, or erase again)"
)


class Refused(Exception):
    """The erase must not happen now; the reasons say why and what to do."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class StoreResult:
    store: str
    status: str
    # Why a store is absent or skipped.
    note: str = ""
    picked: Picked = field(default_factory=Picked)
    refusals: list[str] = field(default_factory=list)
    # Rows deleted per table, once erased.
    deleted: dict[str, int] = field(default_factory=dict)
    # What the operator should know of the erase (LOG_BUSY).
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return self.picked.counts()


@dataclass
class Survey:
    subject: Subject
    results: list[StoreResult]

    @property
    def refusals(self) -> list[str]:
        return [reason for result in self.results for reason in result.refusals]

    @property
    def holds_anything(self) -> bool:
        return any(result.counts() for result in self.results)

    @property
    def to_erase(self) -> bool:
        """Whether an erase would delete anything (kept rows aside)."""
        return any(
            count and table not in result.picked.kept
            for result in self.results
            for table, count in result.counts().items()
        )


def survey(
    locations: Mapping[str, Location], given: str, *, include_opt_out: bool = False
) -> Survey:
    """Who ``given`` is, and their rows in every store (nothing is changed)."""
    engines: dict[str, Engine] = {}
    results: dict[str, StoreResult] = {}
    try:
        for store in STORES:
            location = locations[store]
            absent = location.absent_file() if not location.skipped else ""
            if location.skipped:
                results[store] = StoreResult(store, SKIPPED, location.skipped)
            elif absent:
                results[store] = StoreResult(store, ABSENT, f"no database at {absent}")
            else:
                engines[store] = location.engine()
        subject = discover(given, engines)
        for store, engine in engines.items():
            with engine.connect() as db:
                picked = pick(store, db, subject, include_opt_out=include_opt_out)
                if picked.absent:
                    results[store] = StoreResult(store, ABSENT, picked.absent)
                    continue
                results[store] = StoreResult(
                    store, PRESENT, picked=picked, refusals=refusals(store, db, picked)
                )
    finally:
        for engine in engines.values():
            engine.dispose()
    return Survey(subject, [results[store] for store in STORES])


def erase(
    locations: Mapping[str, Location], given: str, *, include_opt_out: bool = False
) -> Survey:
    """Delete the customer's rows, store by store; raises :class:`Refused` before any."""
    planned = survey(locations, given, include_opt_out=include_opt_out)
    if planned.refusals:
        raise Refused([*planned.refusals, NOTHING_ERASED])
    erased: list[str] = []
    for result in planned.results:
        if result.status != PRESENT:
            logger.info("privacy erase: %s: %s, nothing deleted", result.store, result.status)
            continue
        engine = locations[result.store].engine()
        try:
            with write_transaction(engine) as db:
                # Read again in the transaction that deletes: a row written
                # since the survey goes too, and nothing else.
                picked = pick(result.store, db, planned.subject, include_opt_out=include_opt_out)
                reasons = refusals(result.store, db, picked)
                if reasons:
                    # Changed since the survey (the customer wrote again).
                    raise Refused(
                        [
                            *reasons,
                            f"erased so far: {', '.join(erased) or 'nothing'}; "
                            "run the same erase again to finish",
                        ]
                    )
                result.deleted = delete_picked(db, picked)
                result.picked = picked
            if engine.dialect.name == "sqlite" and not _log_emptied(engine):
                result.notes.append(LOG_BUSY)
        finally:
            engine.dispose()
        erased.append(result.store)
        kept = {name: len(picked.rows.get(name, [])) for name in picked.kept}
        logger.info(
            "privacy erase: %s: deleted %s; kept %s",
            result.store,
            _counted(result.deleted),
            _counted(kept),
        )
    return planned


def _log_emptied(engine: Engine) -> bool:
    """Copy SQLite's write-ahead log into the file and empty it; False if a reader kept it.

    The log holds the pages as they were before the erase (deleted rows and
    all) until it is checkpointed and reused. Outside any transaction, on the
    driver's connection: SQLite cannot checkpoint inside one.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    # (busy, frames in the log, frames copied); a file without a log answers (0, -1, -1).
    return busy is None or busy[0] == 0


def log_export(planned: Survey) -> None:
    for result in planned.results:
        logger.info(
            "privacy export: %s: %s",
            result.store,
            _counted(result.counts()) if result.status == PRESENT else result.status,
        )


def _counted(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name}={count}" for name, count in counts.items() if count) or "nothing"


# -- the export's JSON ---------------------------------------------------------------------


def export_document(planned: Survey, now: dt.datetime | None = None) -> dict[str, Any]:
    """``{customer, generated_at, stores: {store: {table: [rows]}}, not_read: {store: why}}``."""
    stores: dict[str, dict[str, list[dict[str, Any]]]] = {}
    not_read: dict[str, str] = {}
    for result in planned.results:
        if result.status != PRESENT:
            not_read[result.store] = f"{result.status}: {result.note}"
            continue
        stores[result.store] = {
            table: [_json_row(result.store, table, row) for row in rows]
            for table, rows in result.picked.rows.items()
            if rows
        }
    return {
        "customer": planned.subject.to_json(),
        "generated_at": (now or utc_now_aware()).isoformat(),
        "stores": stores,
        "not_read": not_read,
    }


def _json_row(store: str, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    json_text = JSON_TEXT.get((store, table), ())
    out = {}
    for column, value in row.items():
        if column in json_text and isinstance(value, str):
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

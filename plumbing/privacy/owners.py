"""One process's stores (:class:`LocalStores`), and how a process asks another for its own.

Every process that owns stores of customer data reads and erases them
itself, with its own settings and secrets: the Rasa server its tracker
store, event broker and channels' store (bot.privacy), the action server
its outbox and business database (actions.privacy), the handoff service its
database (handoff.privacy). The export and the erasure of one customer walk
all of them (plumbing.privacy.orchestrate) through one interface,
:class:`Owner`: in the operators' command every owner is local
(:class:`LocalOwner`); the handoff service's admin route asks the two other
processes over HTTP, each answering ``POST .../privacy`` with :func:`answer`.

The request of that route, behind the owner's own authentication::

    {"step": "discover" | "survey" | "erase",
     "subject": <Subject.to_json()>,
     "stores": [<the owner's stores asked about>],      survey, erase (one store)
     "first": true,                                     discover: the first round
     "include_opt_out": false, "with_rows": false}      survey, erase

and its answers: ``200 {"subject": ...}`` (discover), ``200 {"stores":
{store: <StoreResult.to_json()>}}`` (survey, erase), ``409 {"error":
"refused", "detail", "reasons"}`` (an erase refused now), ``400 {"error":
"invalid_request", "detail"}``.

Erasing logs one INFO line per store, in the process that erased, with
counts only: never an id, a phone number, an e-mail or a message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from plumbing.db import write_transaction
from plumbing.privacy.locations import Location
from plumbing.privacy.stores import Rules, delete_picked, json_row, pick, refusals
from plumbing.privacy.subject import InvalidSubject, Subject
from plumbing.untrusted import UntrustedInput, parse_object

logger = logging.getLogger(__name__)

PRESENT = "present"
ABSENT = "absent"
SKIPPED = "skipped"
STEPS = ("discover", "survey", "erase")
REQUEST_FIELDS = ("step", "subject", "stores", "first", "include_opt_out", "with_rows")
REQUEST_SHAPE = (
    'expected {"step": "discover"|"survey"|"erase", "subject": {...}, "stores": [...], '
    '"first": bool, "include_opt_out": bool, "with_rows": bool}'
)
LOG_BUSY = (
    "SQLite's write-ahead log (the -wal file) could not be emptied, another process reading "
    "it: it holds the deleted rows until the owner's next checkpoint (stop it, or erase again)"
)

# Follows the links of a process's stores one step: (engines of its stores
# that exist, the subject, whether this is the first round).
Discover = Callable[[Mapping[str, Engine], Subject, bool], None]


class Refused(Exception):
    """The erase must not happen now; the reasons say why and what to do."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class StoreResult:
    """What one store holds of the customer, or what was erased of it."""

    store: str
    status: str
    # Why a store is absent or skipped.
    note: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    # The rows, as the export writes them (asked for: with_rows).
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Tables whose rows an erase keeps (the SMS opt-out).
    kept: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    # Tables no rule covers: someone should look at them.
    unknown: list[str] = field(default_factory=list)
    # Rows deleted per table, once erased.
    deleted: dict[str, int] = field(default_factory=dict)
    # What the operator should know of the erase (LOG_BUSY).
    notes: list[str] = field(default_factory=list)

    @property
    def to_erase(self) -> dict[str, int]:
        return {t: n for t, n in self.counts.items() if n and t not in self.kept}

    def to_json(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "status": self.status,
            "note": self.note,
            "counts": self.counts,
            "rows": self.rows,
            "kept": self.kept,
            "refusals": self.refusals,
            "unknown": self.unknown,
            "deleted": self.deleted,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: Any) -> StoreResult:
        """What another process answered; ValueError if it is not one of these."""
        if not isinstance(data, Mapping) or not isinstance(data.get("store"), str):
            raise ValueError("a store's result must be an object with its store")
        if data.get("status") not in (PRESENT, ABSENT, SKIPPED):
            raise ValueError("a store's result has no status")
        maps = {name: data.get(name) for name in ("counts", "rows", "deleted")}
        lists = {name: data.get(name) for name in ("kept", "refusals", "unknown", "notes")}
        if not all(isinstance(part, Mapping) for part in maps.values()) or not all(
            isinstance(part, list) for part in lists.values()
        ):
            raise ValueError("a store's result is not shaped as StoreResult.to_json writes it")
        counts: Mapping[str, Any] = data["counts"]
        rows: Mapping[str, Any] = data["rows"]
        deleted: Mapping[str, Any] = data["deleted"]
        return cls(
            store=data["store"],
            status=data["status"],
            note=str(data.get("note") or ""),
            counts={str(t): int(n) for t, n in counts.items()},
            rows={str(t): list(r) for t, r in rows.items()},
            kept=[str(t) for t in data["kept"]],
            refusals=[str(r) for r in data["refusals"]],
            unknown=[str(t) for t in data["unknown"]],
            deleted={str(t): int(n) for t, n in deleted.items()},
            notes=[str(n) for n in data["notes"]],
        )


class Owner(Protocol):
    """A process's stores, wherever they are read: here, or over HTTP."""

    stores: tuple[str, ...]
    # Whether its stores hold links to more of the customer's identifiers.
    discovers: bool

    async def discover(self, subject: Subject, *, first: bool) -> Subject: ...

    async def survey(
        self, subject: Subject, stores: Collection[str], *, include_opt_out: bool, with_rows: bool
    ) -> dict[str, StoreResult]: ...

    async def erase(self, subject: Subject, store: str, *, include_opt_out: bool) -> StoreResult:
        """Raises :class:`Refused` when the store's rows must not be erased now."""
        ...


@dataclass(frozen=True)
class LocalStores:
    """The stores this process owns: where they are, their rules, how to follow links."""

    locations: Mapping[str, Location]
    rules: Mapping[str, Rules]
    discover_step: Discover | None = None

    @property
    def stores(self) -> tuple[str, ...]:
        return tuple(self.locations)

    def discover(self, subject: Subject, *, first: bool) -> Subject:
        if self.discover_step is None:
            return subject
        engines = self._engines(self.stores)
        try:
            self.discover_step(engines, subject, first)
        finally:
            for engine in engines.values():
                engine.dispose()
        return subject

    def survey(
        self, subject: Subject, stores: Collection[str], *, include_opt_out: bool, with_rows: bool
    ) -> dict[str, StoreResult]:
        results: dict[str, StoreResult] = {}
        for store in self.own(stores):
            location = self.locations[store]
            skipped = self._not_read(store)
            if skipped is not None:
                results[store] = skipped
                continue
            rules = self.rules[store]
            engine = location.engine()
            try:
                with engine.connect() as db:
                    picked = pick(rules, db, subject, include_kept=include_opt_out)
                    if picked.absent:
                        results[store] = StoreResult(store, ABSENT, picked.absent)
                        continue
                    results[store] = StoreResult(
                        store,
                        PRESENT,
                        counts=picked.counts(),
                        rows={
                            table: [json_row(rules, table, row) for row in rows]
                            for table, rows in picked.rows.items()
                            if rows and with_rows
                        },
                        kept=sorted(picked.kept & set(picked.counts())),
                        refusals=refusals(rules, store, db, picked),
                        unknown=picked.unknown,
                    )
            finally:
                engine.dispose()
        return results

    def erase(self, subject: Subject, store: str, *, include_opt_out: bool) -> StoreResult:
        """Delete the customer's rows of ``store`` in one transaction; Refused before any."""
        (store,) = self.own([store])
        skipped = self._not_read(store)
        if skipped is not None:
            logger.info("privacy erase: %s: %s, nothing deleted", store, skipped.status)
            return skipped
        rules = self.rules[store]
        engine = self.locations[store].engine()
        try:
            with write_transaction(engine) as db:
                # Read in the transaction that deletes: a row written since
                # the survey goes too, and nothing else.
                picked = pick(rules, db, subject, include_kept=include_opt_out)
                if picked.absent:
                    return StoreResult(store, ABSENT, picked.absent)
                reasons = refusals(rules, store, db, picked)
                if reasons:
                    raise Refused(reasons)
                deleted = delete_picked(db, picked)
            notes = [] if _log_emptied(engine) else [LOG_BUSY]
        finally:
            engine.dispose()
        kept = sorted(picked.kept & set(picked.counts()))
        logger.info(
            "privacy erase: %s: deleted %s; kept %s",
            store,
            counted(deleted),
            counted({name: len(picked.rows[name]) for name in kept}),
        )
        return StoreResult(
            store, PRESENT, counts=picked.counts(), kept=kept, deleted=deleted, notes=notes
        )

    def own(self, stores: Collection[str]) -> list[str]:
        """``stores`` in this process's order; UntrustedInput for one it does not own."""
        strangers = sorted(set(stores) - set(self.stores))
        if strangers:
            raise UntrustedInput(f"not a store of this process: {', '.join(strangers)}")
        return [store for store in self.stores if store in stores]

    def _not_read(self, store: str) -> StoreResult | None:
        location = self.locations[store]
        if location.skipped:
            return StoreResult(store, SKIPPED, location.skipped)
        absent = location.absent_file()
        if absent:
            return StoreResult(store, ABSENT, f"no database at {absent}")
        return None

    def _engines(self, stores: Collection[str]) -> dict[str, Engine]:
        readable = [store for store in stores if self._not_read(store) is None]
        return {store: self.locations[store].engine() for store in readable}


class LocalOwner:
    """:class:`LocalStores` as an :class:`Owner`: the database work off the event loop."""

    def __init__(self, local: LocalStores) -> None:
        self.local = local
        self.stores = local.stores
        self.discovers = local.discover_step is not None

    async def discover(self, subject: Subject, *, first: bool) -> Subject:
        return await asyncio.to_thread(self.local.discover, subject, first=first)

    async def survey(
        self, subject: Subject, stores: Collection[str], *, include_opt_out: bool, with_rows: bool
    ) -> dict[str, StoreResult]:
        return await asyncio.to_thread(
            self.local.survey,
            subject,
            stores,
            include_opt_out=include_opt_out,
            with_rows=with_rows,
        )

    async def erase(self, subject: Subject, store: str, *, include_opt_out: bool) -> StoreResult:
        return await asyncio.to_thread(
            self.local.erase, subject, store, include_opt_out=include_opt_out
        )


def _log_emptied(engine: Engine) -> bool:
    """Copy SQLite's write-ahead log into the file and empty it; False if a reader kept it.

    The log holds the pages as they were before the erase (deleted rows and
    all) until it is checkpointed and reused. Outside any transaction, on the
    driver's connection: SQLite cannot checkpoint inside one.
    """
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    # (busy, frames in the log, frames copied); a file without a log answers (0, -1, -1).
    return busy is None or busy[0] == 0


def counted(counts: Mapping[str, int]) -> str:
    """Counts for a log line: table names and numbers, nothing of anyone."""
    return ", ".join(f"{name}={count}" for name, count in counts.items() if count) or "nothing"


# -- the owners' route ---------------------------------------------------------------------


async def answer(local: LocalStores, body: bytes) -> tuple[int, dict[str, Any]]:
    """The answer of an owner's ``POST .../privacy`` (the caller is authenticated already)."""
    try:
        data = parse_object(body, REQUEST_FIELDS, REQUEST_SHAPE)
        step = data.get("step")
        if step not in STEPS:
            raise UntrustedInput(f"step must be one of {', '.join(STEPS)}; {REQUEST_SHAPE}")
        subject = Subject.from_json(data.get("subject"))
        stores = data.get("stores", [])
        if not isinstance(stores, list) or not all(isinstance(s, str) for s in stores):
            raise UntrustedInput(f"stores must be a list of names; {REQUEST_SHAPE}")
        flags = {name: data.get(name, False) for name in ("first", "include_opt_out", "with_rows")}
        if not all(isinstance(value, bool) for value in flags.values()):
            raise UntrustedInput("first, include_opt_out and with_rows are true or false")
        owner = LocalOwner(local)
        if step == "discover":
            found = await owner.discover(subject, first=flags["first"])
            return 200, {"subject": found.to_json()}
        if step == "survey":
            results = await owner.survey(
                subject,
                local.own(stores),
                include_opt_out=flags["include_opt_out"],
                with_rows=flags["with_rows"],
            )
        else:
            if len(stores) != 1:
                raise UntrustedInput("erase takes one store at a time")
            result = await owner.erase(
                subject, local.own(stores)[0], include_opt_out=flags["include_opt_out"]
            )
            results = {result.store: result}
    except (UntrustedInput, InvalidSubject) as error:
        return 400, {"error": "invalid_request", "detail": str(error)}
    except Refused as refused:
        return 409, {"error": "refused", "detail": str(refused), "reasons": refused.reasons}
    return 200, {"stores": {store: result.to_json() for store, result in results.items()}}

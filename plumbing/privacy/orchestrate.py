"""Survey, export and erase one customer across every owner's stores.

:func:`survey` resolves the customer (plumbing.privacy.subject), following
the links of every owner's stores in rounds until no new identifier appears,
then asks each owner for its stores' rows, with what would stop an erase;
:func:`export_document` turns that into the export's JSON; :func:`erase`
deletes, one store at a time and one transaction each, in the order of
:data:`plumbing.privacy.locations.STORES`.

An erase surveys every store first and refuses before deleting anything
when one of them refuses (an open handoff, ids SQLite would hand out again)
or cannot be read. Each store's transaction then reads the rows again and
deletes exactly those, by primary key: what a dry run or an export listed is
what goes. A failure in one store leaves the stores before it erased and the
rest untouched; running the same erase again finishes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plumbing.clock import utc_now_aware
from plumbing.privacy.locations import STORES
from plumbing.privacy.owners import PRESENT, Owner, Refused, StoreResult, counted
from plumbing.privacy.subject import MAX_ROUNDS, Subject

logger = logging.getLogger(__name__)

NOTHING_ERASED = "nothing was erased"


class OwnerUnavailable(Exception):
    """An owner of stores could not be asked (down, or answering nonsense): nothing of its
    stores was read or erased. The message names the owner, never the customer."""


@dataclass
class Survey:
    subject: Subject
    results: list[StoreResult]

    @property
    def refusals(self) -> list[str]:
        return [reason for result in self.results for reason in result.refusals]

    @property
    def holds_anything(self) -> bool:
        return any(result.counts for result in self.results)

    @property
    def to_erase(self) -> bool:
        """Whether an erase would delete anything (kept rows aside)."""
        return any(result.to_erase for result in self.results)


def _owners_by_store(owners: Sequence[Owner]) -> dict[str, Owner]:
    by_store = {store: owner for owner in owners for store in owner.stores}
    missing = [store for store in STORES if store not in by_store]
    if missing:
        raise ValueError(f"no owner reads {', '.join(missing)}")
    return by_store


async def discover(owners: Sequence[Owner], given: str) -> Subject:
    """Who ``given`` is: the identifiers every owner's stores link to it."""
    subject = Subject.of(given)
    for round_ in range(MAX_ROUNDS):
        before = subject.size()
        for owner in owners:
            if owner.discovers:
                subject = await owner.discover(subject, first=round_ == 0)
        if subject.size() == before:
            break
    return subject


async def survey(
    owners: Sequence[Owner],
    given: str,
    *,
    include_opt_out: bool = False,
    with_rows: bool = False,
) -> Survey:
    """Who ``given`` is, and their rows in every store (nothing is changed)."""
    by_store = _owners_by_store(owners)
    subject = await discover(owners, given)
    results: dict[str, StoreResult] = {}
    for owner in owners:
        results.update(
            await owner.survey(
                subject, owner.stores, include_opt_out=include_opt_out, with_rows=with_rows
            )
        )
    return Survey(subject, [results[store] for store in STORES if store in by_store])


async def erase(owners: Sequence[Owner], given: str, *, include_opt_out: bool = False) -> Survey:
    """Delete the customer's rows, store by store; raises :class:`Refused` before any."""
    by_store = _owners_by_store(owners)
    planned = await survey(owners, given, include_opt_out=include_opt_out)
    if planned.refusals:
        raise Refused([*planned.refusals, NOTHING_ERASED])
    erased: list[str] = []
    for index, result in enumerate(planned.results):
        if result.status != PRESENT:
            logger.info("privacy erase: %s: %s, nothing deleted", result.store, result.status)
            continue
        try:
            planned.results[index] = await by_store[result.store].erase(
                planned.subject, result.store, include_opt_out=include_opt_out
            )
        except (Refused, OwnerUnavailable) as error:
            reasons = error.reasons if isinstance(error, Refused) else [str(error)]
            # Changed since the survey (the customer wrote again), or its owner went away.
            raise Refused(
                [
                    *reasons,
                    f"erased so far: {', '.join(erased) or 'nothing'}; "
                    "run the same erase again to finish",
                ]
            ) from error
        erased.append(result.store)
    return planned


def log_export(planned: Survey) -> None:
    """Counts only: what was exported is the customer's, and the logs are not."""
    for result in planned.results:
        logger.info(
            "privacy export: %s: %s",
            result.store,
            counted(result.counts) if result.status == PRESENT else result.status,
        )


def export_document(planned: Survey, now: dt.datetime | None = None) -> dict[str, Any]:
    """``{customer, generated_at, stores: {store: {table: [rows]}}, not_read: {store: why}}``.

    ``planned`` is a survey made ``with_rows``.
    """
    stores: dict[str, dict[str, list[dict[str, Any]]]] = {}
    not_read: dict[str, str] = {}
    for result in planned.results:
        if result.status != PRESENT:
            not_read[result.store] = f"{result.status}: {result.note}"
            continue
        stores[result.store] = {table: rows for table, rows in result.rows.items() if rows}
    return {
        "customer": planned.subject.to_json(),
        "generated_at": (now or utc_now_aware()).isoformat(),
        "stores": stores,
        "not_read": not_read,
    }

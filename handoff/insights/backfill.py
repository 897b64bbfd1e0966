"""Records of the conversations before the keeper ran: ``python -m handoff.insights.backfill``.

The keeper (handoff.insights.keeper) follows the event stream from when the
handoff service first ran with it. The conversations before that are in
Rasa's tracker store: this command reads its ``events`` table (``id``,
``sender_id``, ``data``: the columns Rasa's SQL tracker store and SQL broker
share) in id order, in batches, and gives every event to the keeper, which
skips those it holds already (by fingerprint) and folds each conversation
again. So it can run at any time, as often as wanted, while the service runs:

    make backfill-records                    # var/tracker.db, the embedded default
    .venv/bin/python -m handoff.insights.backfill --tracker-store postgresql://...

``--refold`` reads no tracker store: it folds every conversation the
keeper holds again from its own events, after an upgrade changed the fold
(a new field of the record), so that old records get it too; and after the
product catalogue changed (``HANDOFF_PRODUCTS_FILE``, read as the service
reads it), so that old records name the new products.

The records go to the handoff database of ``HANDOFF_DATABASE_URL`` (default
``sqlite:///var/handoff.db``), migrated first. The tracker store's URL is an
SQLAlchemy URL: ``--tracker-store``, else ``HANDOFF_TRACKER_STORE_URL``,
else ``sqlite:///var/tracker.db``. It is read with plain SQL, as the SQL
broker consumer reads Rasa's broker: the handoff service imports no Rasa.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine

import plumbing.db
from handoff.broker.events import decode_event
from handoff.broker.sql import rasa_events
from handoff.insights.figures import figures, summary
from handoff.insights.keeper import RecordKeeper, StreamEvent, stream_event
from handoff.insights.products import load_catalogue
from handoff.migrate import migrate
from handoff.settings import HandoffSettings
from handoff.store.engine import build_engine

DEFAULT_TRACKER_STORE_URL = "sqlite:///var/tracker.db"
TRACKER_STORE_VARIABLE = "HANDOFF_TRACKER_STORE_URL"
BATCH = 2000


def tracker_events(engine: Engine, batch: int = BATCH) -> Iterator[list[StreamEvent]]:
    """The tracker store's events in id order, ``batch`` rows at a time."""
    after = 0
    while True:
        with engine.connect() as db:
            rows = db.execute(
                select(rasa_events.c.id, rasa_events.c.sender_id, rasa_events.c.data)
                .where(rasa_events.c.id > after)
                .order_by(rasa_events.c.id)
                .limit(batch)
            ).all()
        if not rows:
            return
        after = rows[-1].id
        events = []
        for row in rows:
            event = decode_event(row.data)
            kept = stream_event(event, row.sender_id) if event and row.sender_id else None
            if kept is not None:
                events.append(kept)
        yield events


def backfill(keeper: RecordKeeper, tracker_store: Engine) -> tuple[int, int]:
    """Every event of the tracker store to the keeper: (events read, events new)."""
    read = new = 0
    now = datetime.now(timezone.utc)
    for events in tracker_events(tracker_store):
        read += len(events)
        new += keeper.add(events, as_of=now)
    keeper.settle(now)
    return read, new


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff.insights.backfill")
    parser.add_argument(
        "--tracker-store",
        default=os.environ.get(TRACKER_STORE_VARIABLE) or DEFAULT_TRACKER_STORE_URL,
        help="SQLAlchemy URL of Rasa's tracker store (default: %(default)s)",
    )
    parser.add_argument(
        "--refold",
        action="store_true",
        help="only fold every kept conversation again (after an upgrade changed the fold)",
    )
    args = parser.parse_args(argv)
    settings = HandoffSettings.from_env()
    source = None
    if not args.refold:
        source = plumbing.db.build_engine(args.tracker_store, plumbing.db.RASA_EVENTS)
        database = source.url.database
        if source.url.get_backend_name() == "sqlite" and database and not os.path.exists(database):
            print(f"no tracker store at {database}: nothing to backfill", file=sys.stderr)
            return 1
    migrate(settings.database_url)
    target = build_engine(settings.database_url)
    keeper = RecordKeeper(target, catalogue=load_catalogue(settings.products_file))
    started = time.perf_counter()
    try:
        if source is None:
            done = f"{keeper.refold_all()} conversations folded again"
        else:
            read, new = backfill(keeper, source)
            done = f"{read} events read, {new} new"
        print(
            f"{done}, in {time.perf_counter() - started:.1f} s; "
            f"all records: {summary(figures(keeper.records()))}"
        )
    finally:
        if source is not None:
            source.dispose()
        target.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

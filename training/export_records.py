"""``make export-records``: a record per conversation session, from the tracker store, as a file.

    python -m training.export_records [--tracker-url URL] [--since 7d]
        [--format csv|jsonl] [--out FILE|-] [--quiet-minutes 60] [--products FILE]

Reads Rasa's SQL tracker store as ``make review`` does
(:mod:`plumbing.rasa_events`; ``--tracker-url`` defaults to
``TRAINING_TRACKER_URL``, else the tracker store of ``endpoints.yml``),
folds each conversation's events into :class:`handoff.insights.record.
ConversationRecord` (one per session) and writes them, CSV or JSON Lines, with
:mod:`handoff.insights.export`, one conversation in memory at a time. The
default output is ``reports/records/conversations.<format>``; ``-`` is
standard output.

``--since`` selects events, as in the review: a session that began before
it is exported from there on (its ``started_at`` is its first event read).
A session still going on (quiet less than ``--quiet-minutes`` now) has the
outcome ``ongoing``; export again later for its outcome.

The products are found with the catalogue of ``--products``, by default
the handoff service's (``HANDOFF_PRODUCTS_FILE``, else the one it ships,
:mod:`handoff.insights.products`), so both exports name the same products.

Personal data, by the trainers' rules (:mod:`plumbing.scrub`): sender ids
that hold any (an SMS conversation's phone number, a Telegram chat id) are
replaced by the same stable hash as in the review's inbox, so that a
conversation's records can still be told apart and joined; an order number
is kept (it identifies an order, not a person), anything else the scrubber
would remove is dropped. The records hold no message text.

Why this command is here and not in ``handoff.insights``: it reads Rasa's
database with Rasa's own URL rules (``training.settings``), which belong to
the trainers' tools; a handoff module importing ``training`` would bring
Rasa into the handoff service through the back door (the import contracts
see only our packages). The scrubbing is shared: :func:`handoff.insights.
export.scrubbed`, by the rules of :mod:`plumbing.scrub`, as the handoff
service's own export of its records applies them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from handoff.insights.export import FORMATS, Format, scrubbed, write
from handoff.insights.figures import Tally, summary
from handoff.insights.fold import build_records
from handoff.insights.products import Catalogue, CatalogueError, load_catalogue
from handoff.insights.record import QUIET_S, ConversationRecord
from plumbing.rasa_events import NoTrackerStore, event_of, open_tracker_store, read_conversations
from training.review import parse_since
from training.settings import TrainingSettings

RECORDS = Path("records")
# The handoff service's setting (handoff.settings), read here without it:
# the trainers' command imports no service settings.
PRODUCTS_VARIABLE = "HANDOFF_PRODUCTS_FILE"


def records(
    engine: Engine,
    since: dt.datetime,
    as_of: dt.datetime,
    quiet_s: float,
    tally: Tally | None = None,
    catalogue: Catalogue | None = None,
) -> Iterator[ConversationRecord]:
    """The scrubbed records of every conversation with events since ``since``, one at a time.

    Each is also added to ``tally``, when given: the summary the command prints.
    ``catalogue``: the products to find (the shipped one without).
    """
    for rows in read_conversations(engine, since):
        events = [event for row in rows if (event := event_of(row)) is not None]
        folded = build_records(
            rows[0].sender_id, events, as_of=as_of, quiet_s=quiet_s, catalogue=catalogue
        )
        for record in folded:
            if tally is not None:
                tally.add(record)
            yield scrubbed(record)


def catalogue_file(value: str) -> Catalogue:
    """``--products``: a catalogue's file, read and checked before anything is exported."""
    try:
        return load_catalogue(Path(value) if value.strip() else None)
    except CatalogueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@contextmanager
def output(target: str) -> Iterator[TextIO]:
    """Standard output for ``-``; else a file, replaced only once complete."""
    if target == "-":
        yield sys.stdout
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    # An export that fails half-way must not leave a half file a CRM import reads.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", text=True)
    try:
        # newline="": the csv module writes its own line ends.
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None, now: dt.datetime | None = None) -> int:
    settings = TrainingSettings.from_env()
    parser = argparse.ArgumentParser(
        prog="make export-records", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--tracker-url", default=settings.tracker_url, help="tracker store SQLAlchemy URL"
    )
    parser.add_argument("--since", type=parse_since, default="7d", help="7d, 24h or a date")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--out", help="a file, or - for standard output")
    parser.add_argument(
        "--quiet-minutes", type=float, default=QUIET_S / 60,
        help="a session this quiet is over (default: Rasa's session expiration)",
    )  # fmt: skip
    parser.add_argument(
        "--products", type=catalogue_file, default=os.environ.get(PRODUCTS_VARIABLE, ""),
        help=f"product catalogue (YAML; default: {PRODUCTS_VARIABLE}, else the shipped one)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    form: Format = args.format
    target = args.out or str(settings.reports_dir / RECORDS / f"conversations.{form}")

    try:
        engine = open_tracker_store(args.tracker_url)
    except NoTrackerStore as missing:
        print(missing, file=sys.stderr)
        return 1
    try:
        as_of = now or dt.datetime.now(dt.timezone.utc)
        tally = Tally()
        with output(target) as out:
            exported = records(
                engine, args.since, as_of, args.quiet_minutes * 60, tally, args.products
            )
            count = write(exported, out, form)
    finally:
        engine.dispose()
    where = "standard output" if target == "-" else target
    print(f"export-records: {count} record(s) written to {where}", file=sys.stderr)
    print(f"export-records: {summary(tally.figures())}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The operators' command: ``python -m scripts.privacy export|erase --customer ID``.

    export --customer ID [--out FILE]    one JSON document, to FILE (mode 0600) or stdout
    erase --customer ID                  what would be deleted; exit status 2
    erase --customer ID --yes            delete it; [--include-opt-out]: the SMS opt-out too

Exit status: 0 done (or a dry run with nothing to erase), 1 refused or
failed (the reason on stderr), 2 a dry run that found rows to erase (or a
usage error). The store URLs come from the environment, as each store's
owner reads it (scripts.privacy.locations). Standard output shows the
identifiers found, for the operator who typed the customer's; the logs
(standard error) get counts only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from plumbing.logs import configure_logging
from plumbing.privacy.orchestrate import Survey, erase, export_document, log_export, survey
from plumbing.privacy.owners import PRESENT, Refused
from scripts.privacy.locations import owners

DRY_RUN = 2


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run the command; its exit status. ``environ`` and ``stdout``: the process's by default."""
    out = stdout or sys.stdout
    args = _parser().parse_args(argv)
    try:
        local = owners(os.environ if environ is None else environ)
        if args.command == "export":
            planned = asyncio.run(survey(local, args.customer, with_rows=True))
            log_export(planned)
            _write_export(planned, args.out, out)
            return 0
        if not args.yes:
            planned = asyncio.run(
                survey(local, args.customer, include_opt_out=args.include_opt_out)
            )
            _report(planned, out, erased=False)
            if planned.refusals:
                _refused([*planned.refusals, "(a dry run: nothing was erased)"])
                return 1
            if not planned.to_erase:
                print("Nothing to erase.", file=out)
                return 0
            print("Dry run: nothing was erased. Run again with --yes to erase.", file=out)
            return DRY_RUN
        done = asyncio.run(erase(local, args.customer, include_opt_out=args.include_opt_out))
    except Refused as refused:
        _refused(refused.reasons)
        return 1
    except (ValueError, OSError, SQLAlchemyError) as error:
        # SQLAlchemy's messages carry no parameters (plumbing.db: hide_parameters).
        print(f"privacy: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    _report(done, out, erased=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.privacy",
        description="Export, or erase, everything held about one customer in every store.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    identify = "a conversation (sender) id, a phone number with its country code, or an e-mail"
    export = commands.add_parser("export", help="everything held about the customer, as JSON")
    export.add_argument("--customer", required=True, metavar="ID", help=identify)
    export.add_argument(
        "--out", type=Path, help="the file to write (readable by its owner only); default: stdout"
    )
    erase_ = commands.add_parser("erase", help="delete everything held about the customer")
    erase_.add_argument("--customer", required=True, metavar="ID", help=identify)
    erase_.add_argument(
        "--yes", action="store_true", help="erase; without it, only say what would be erased"
    )
    erase_.add_argument(
        "--include-opt-out",
        action="store_true",
        help="delete the SMS opt-out too (kept by default: the channel honours it)",
    )
    return parser


def _write_export(planned: Survey, path: Path | None, out: TextIO) -> None:
    text = json.dumps(export_document(planned), indent=2, ensure_ascii=False) + "\n"
    if path is None:
        out.write(text)
        return
    # Created readable by the owner only: the file is the customer's data.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    print(f"written to {path}", file=sys.stderr)


def _report(planned: Survey, out: TextIO, *, erased: bool) -> None:
    subject = planned.subject
    print(f"Customer {subject.given!r} ({subject.kind}):", file=out)
    for line in subject.lines():
        print(f"  {line}", file=out)
    if not planned.holds_anything:
        print("Nothing is held about this customer in the stores read.", file=out)
    print("Erased:" if erased else "Would erase:", file=out)
    for result in planned.results:
        if result.status != PRESENT:
            print(f"  {result.store}: {result.status} ({result.note})", file=out)
            continue
        counts = result.deleted if erased else result.to_erase
        shown = [f"{t} {n}" for t, n in counts.items() if n]
        line = f"  {result.store}: {', '.join(shown) or 'nothing'}"
        kept = [f"{t} {result.counts[t]}" for t in result.kept if result.counts.get(t)]
        if kept:
            line += f"; kept: {', '.join(kept)} (a STOP the SMS channel must go on honouring;"
            line += " --include-opt-out deletes it)"
        print(line, file=out)
        for note in result.notes:
            print(f"    {note}", file=out)
        if result.unknown:
            print(f"    tables no rule covers, look at them: {', '.join(result.unknown)}", file=out)


def _refused(reasons: Sequence[str]) -> None:
    print("privacy: refused:", file=sys.stderr)
    for reason in reasons:
        print(f"  {reason}", file=sys.stderr)


if __name__ == "__main__":
    configure_logging()
    raise SystemExit(main())

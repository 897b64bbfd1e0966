"""Conversation records written out: CSV (one row each) or JSON Lines (one object each).

Records are written as they come, so that an export of months of
conversations holds one conversation in memory, not all of them. The
columns of the CSV are :data:`handoff.insights.record.COLUMNS`, always all
of them and in that order (a spreadsheet or a CRM import maps them once);
JSON Lines carries :meth:`ConversationRecord.to_json`, the sentiment
trajectory with a time per message.

The command that exports a tracker store is ``python -m
training.export_records`` (``make export-records``), not here: reading
Rasa's database needs Rasa's own URL rules (``training.settings``) and the
export scrubs with the trainers' rules (``training.scrub``), and the handoff
service imports neither Rasa nor the trainers' tools. What is here is what
the handoff service will reuse: the supervisors' insights page offers the
same CSV of its own table of records.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Literal, TextIO

from handoff.insights.record import COLUMNS, ConversationRecord

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")


def write_csv(records: Iterable[ConversationRecord], out: TextIO) -> int:
    """The records as CSV with a header row; how many were written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(record.to_row())
        count += 1
    return count


def write_jsonl(records: Iterable[ConversationRecord], out: TextIO) -> int:
    """The records as JSON Lines; how many were written."""
    count = 0
    for record in records:
        # ensure_ascii off: a reason or a channel name stays readable as typed.
        out.write(json.dumps(record.to_json(), ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    return count


def write(records: Iterable[ConversationRecord], out: TextIO, form: Format) -> int:
    """The records in ``form``; how many were written."""
    if form == "csv":
        return write_csv(records, out)
    return write_jsonl(records, out)

"""Conversation records written out: CSV (one row each) or JSON Lines (one object each).

Records are written as they come, so that an export of months of
conversations holds one conversation in memory, not all of them. The
columns of the CSV are :data:`handoff.insights.record.COLUMNS`, always all
of them and in that order (a spreadsheet or a CRM import maps them once);
JSON Lines carries :meth:`ConversationRecord.to_json`, the sentiment
trajectory with a time per message.

Personal data, by the trainers' rules (:mod:`plumbing.scrub`):
:func:`scrubbed` replaces a conversation or customer id that holds any (an
SMS conversation's phone number, a Telegram chat id) with a stable hash, so
a conversation's records can still be told apart and joined, keeps only
the order numbers, keeps the products (the catalogue's names, never the
customer's words: handoff.insights.products), and scrubs the customer's satisfaction comment as the
trainers' review scrubs messages. Both exports apply it: the trainers' ``make
export-records`` (``training.export_records``, which reads Rasa's tracker
store) and the supervisors' download (handoff.desk.insights, unless
``HANDOFF_EXPORT_SCRUB=false``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Literal, TextIO

from handoff.insights.record import COLUMNS, ConversationRecord
from plumbing.scrub import scrub, scrub_identifier

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


def scrubbed(record: ConversationRecord) -> ConversationRecord:
    """The record with what may identify someone replaced, by :mod:`plumbing.scrub`'s rules."""
    return replace(
        record,
        conversation_id=scrub_identifier(record.conversation_id),
        customer_id=scrub_identifier(record.customer_id) if record.customer_id else None,
        order_ids=tuple(o for o in record.order_ids if not scrub(o).removed),
        # The customer's own words: an e-mail or a phone number in them goes.
        csat_comment=scrub(record.csat_comment).text if record.csat_comment else None,
    )

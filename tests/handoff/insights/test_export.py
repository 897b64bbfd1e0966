"""Tests of handoff/insights/export.py: records written as CSV or JSON Lines, as they come."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest

from handoff.insights.export import FORMATS, scrubbed, write, write_csv, write_jsonl
from handoff.insights.fold import build_records
from handoff.insights.record import COLUMNS, ConversationRecord
from plumbing.scrub import scrub_identifier
from tests.handoff.insights.conftest import START, Chat, at

SMS = "+14155550101"
WEB = "web-visitor-abc"


def two_records() -> list[ConversationRecord]:
    chat = Chat(channel="telegram").session()
    chat.user("where is 12345678?", "check_order_status", order_id="12345678")
    chat.respond("utter_order_status_shipped")
    chat.session(after_s=4000).user("how much is shipping, «ça» coûte?", "faq", faq="faq/shipping")
    chat.respond("utter_faq")
    records = build_records("chat-7", chat.events)
    assert len(records) == 2
    return records


def test_csv_has_every_column_in_order_and_a_row_per_record() -> None:
    out = io.StringIO()

    count = write_csv(two_records(), out)

    assert count == 2
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    rows = list(reader)
    assert [r["contact_reasons"] for r in rows] == ["check_order_status", "faq/shipping"]
    assert [r["order_ids"] for r in rows] == ["12345678", ""]
    assert {r["channel"] for r in rows} == {"telegram"}
    assert rows[0]["handed_off_at"] == ""  # None is an empty cell


def test_an_export_of_nothing_is_a_header_or_an_empty_file() -> None:
    csv_out, jsonl_out = io.StringIO(), io.StringIO()

    assert write(iter(()), csv_out, "csv") == 0
    assert write(iter(()), jsonl_out, "jsonl") == 0

    assert csv_out.getvalue() == ",".join(COLUMNS) + "\n"
    assert jsonl_out.getvalue() == ""


def test_jsonl_is_one_record_per_line_readable_back() -> None:
    records = two_records()
    out = io.StringIO()

    assert write_jsonl(records, out) == 2

    lines = out.getvalue().splitlines()
    assert [ConversationRecord.from_json(json.loads(line)) for line in lines] == records
    assert "«ça»" not in lines[1]  # no message text in a record, only what it meant
    assert json.loads(lines[1])["contact_reasons"] == ["faq/shipping"]


@pytest.mark.parametrize("form", FORMATS)
def test_records_are_written_as_they_come_not_gathered_first(form: str) -> None:
    records = two_records()
    out = io.StringIO()
    written: list[int] = []

    def one_at_a_time() -> Iterator[ConversationRecord]:
        for record in records:
            written.append(len(out.getvalue()))
            yield record

    write(one_at_a_time(), out, form)  # type: ignore[arg-type]

    # Each record asked for after the one before was written out.
    assert written[1] > written[0]


def test_scrubbing_hashes_identities_and_keeps_only_order_numbers() -> None:
    moment = at(START)
    record = ConversationRecord(
        SMS, moment, moment, customer_id="jane@example.com", order_ids=("12345678", "4155550101")
    )

    clean = scrubbed(record)

    assert clean.conversation_id == scrub_identifier(SMS) != SMS
    assert clean.customer_id == scrub_identifier("jane@example.com") != "jane@example.com"
    assert clean.order_ids == ("12345678",)
    assert scrubbed(ConversationRecord(WEB, moment, moment)).conversation_id == WEB


def test_the_products_column_is_filled_and_kept_by_the_scrubbing() -> None:
    chat = Chat(channel="sms").session().user("my earbuds and the yoga mats", "inform")
    chat.respond("utter_noted")
    (record,) = build_records(SMS, chat.events)
    out = io.StringIO()

    write_csv([scrubbed(record)], out)
    write_jsonl([scrubbed(record)], out)

    (row,) = csv.DictReader(io.StringIO(out.getvalue().split("\n{")[0]))
    assert row["products"] == "Wireless headphones;Yoga mat"
    assert '"products": ["Wireless headphones", "Yoga mat"]' in out.getvalue()

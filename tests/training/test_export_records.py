"""Tests of training/export_records.py: a tracker store's conversations exported as records.

The tracker stores are written by Rasa's own SQLTrackerStore (as the review's
tests do), from the events of :class:`tests.handoff.insights.conftest.Chat`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from handoff.insights.record import COLUMNS, ConversationRecord
from plumbing.scrub import scrub_identifier
from tests.handoff.insights.conftest import Chat
from tests.training.conftest import Conversation, save_conversations
from training.export_records import main, output

SMS = "+14155550101"
TELEGRAM = "123456789"
WEB = "web-visitor-abc"
OLD = "web-visitor-old"


def stored(sender_id: str, chat: Chat) -> Conversation:
    from rasa.shared.core.events import Event

    conversation = Conversation(sender_id)
    conversation.events = [Event.from_parameters(event) for event in chat.events]
    return conversation


def sms_handoff(start: float) -> Chat:
    chat = Chat("twilio", start).session()
    chat.user("where is my order 12345678??", "check_order_status", order_id="12345678")
    chat.respond("utter_order_status_late")
    chat.user("this is ridiculous, get me a person", "request_human")
    chat.action("action_handoff").say("You're next.", "utter_handoff_queued").simple("pause")
    return chat.action("action_listen")


def telegram_faq(start: float) -> Chat:
    chat = Chat("telegram", start).session()
    chat.user("do you ship to canada", "faq", faq="faq/international_shipping")
    return chat.respond("utter_faq").user("great thanks", "thank").respond("utter_you_are_welcome")


def web_fallback(start: float) -> Chat:
    chat = Chat("rest", start).session().user("blorp the flange", "nlu_fallback", 0.2)
    return chat.respond("utter_please_rephrase")


@pytest.fixture
def tracker(sqlite_tracker_url: str) -> str:
    hours_ago = time.time() - 3 * 3600
    save_conversations(
        sqlite_tracker_url,
        [
            stored(SMS, sms_handoff(hours_ago)),
            stored(TELEGRAM, telegram_faq(hours_ago + 60)),
            stored(WEB, web_fallback(hours_ago + 120)),
            stored(OLD, telegram_faq(time.time() - 10 * 86400)),
        ],
    )
    return sqlite_tracker_url


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return {row["conversation_id"]: row for row in reader}


def test_a_csv_of_the_last_week_one_row_per_conversation_sender_ids_scrubbed(
    tracker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "records.csv"

    assert main(["--tracker-url", tracker, "--out", str(out)]) == 0

    rows = read_csv(out)
    sms, telegram = scrub_identifier(SMS), scrub_identifier(TELEGRAM)
    assert sms.startswith("sha256:") and telegram.startswith("sha256:")
    assert set(rows) == {sms, telegram, WEB}  # not the one of 10 days ago
    assert SMS not in out.read_text() and TELEGRAM not in out.read_text()
    assert rows[sms]["outcome"] == "handed_off"
    assert rows[sms]["channel"] == "twilio"
    assert rows[sms]["order_ids"] == "12345678"
    assert rows[sms]["contact_reasons"] == "check_order_status;request_human"
    assert float(rows[sms]["max_anger"]) > 0
    assert rows[telegram]["outcome"] == "resolved"
    assert rows[telegram]["contact_reasons"] == "faq/international_shipping"
    assert rows[WEB]["outcome"] == "abandoned"
    assert (rows[WEB]["fallbacks"], rows[WEB]["customer_turns"]) == ("1", "1")
    report = capsys.readouterr().err
    assert "3 record(s) written to" in report
    assert (
        "3 finished session(s): 33% resolved by the bot, 33% handed off, 33% abandoned; "
        "top reasons: check_order_status 1, faq/international_shipping 1, request_human 1"
    ) in report


def test_since_reaches_further_back(tracker: str, tmp_path: Path) -> None:
    out = tmp_path / "records.csv"

    assert main(["--tracker-url", tracker, "--since", "30d", "--out", str(out)]) == 0

    assert WEB in read_csv(out) and OLD in read_csv(out)
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert main(["--tracker-url", tracker, "--since", since, "--out", str(out)]) == 0
    assert read_csv(out) == {}


def test_json_lines_to_standard_output(tracker: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tracker-url", tracker, "--format", "jsonl", "--out", "-"]) == 0

    lines = capsys.readouterr().out.splitlines()
    records = [ConversationRecord.from_json(json.loads(line)) for line in lines]
    by_id = {r.conversation_id: r for r in records}
    assert set(by_id) == {scrub_identifier(SMS), scrub_identifier(TELEGRAM), WEB}
    handed = by_id[scrub_identifier(SMS)]
    assert handed.handed_off_at is not None and handed.handed_off_at.tzinfo is not None
    assert len(handed.sentiment) == 2
    assert by_id[WEB].contact_reasons == ()


def test_a_conversation_still_going_on_is_ongoing_until_quiet_long_enough(
    sqlite_tracker_url: str, tmp_path: Path
) -> None:
    chat = web_fallback(time.time() - 600)
    save_conversations(sqlite_tracker_url, [stored(WEB, chat)])
    now = dt.datetime.now(dt.timezone.utc)
    out = tmp_path / "records.jsonl"
    arguments = ["--tracker-url", sqlite_tracker_url, "--format", "jsonl", "--out", str(out)]

    assert main(arguments, now=now) == 0
    assert json.loads(out.read_text())["outcome"] == "ongoing"

    assert main([*arguments, "--quiet-minutes", "5"], now=now) == 0
    assert json.loads(out.read_text())["outcome"] == "abandoned"


def test_defaults_come_from_the_trainers_settings(
    tracker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINING_TRACKER_URL", tracker)
    monkeypatch.setenv("TRAINING_REPORTS_DIR", str(tmp_path / "reports"))

    assert main(["--format", "jsonl"]) == 0

    written = tmp_path / "reports" / "records" / "conversations.jsonl"
    assert len(written.read_text().splitlines()) == 3


def test_a_missing_tracker_store_is_said_plainly_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.db"

    assert main(["--tracker-url", f"sqlite:///{missing}", "--out", "-"]) == 1
    assert not missing.exists()
    assert "no tracker store" in capsys.readouterr().err

    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert main(["--tracker-url", f"sqlite:///{empty}", "--out", "-"]) == 1
    assert "no `events` table" in capsys.readouterr().err


def test_a_failed_export_leaves_no_file_behind(tmp_path: Path) -> None:
    target = tmp_path / "out" / "records.csv"
    target.parent.mkdir()
    target.write_text("the last good export\n")

    with pytest.raises(RuntimeError), output(str(target)) as out:
        out.write("half a ")
        raise RuntimeError("the database went away")

    assert target.read_text() == "the last good export\n"
    assert list(target.parent.iterdir()) == [target]
    with output(str(target)) as out:
        out.write("new\n")
    assert target.read_text() == "new\n"


def test_standard_output_is_not_closed(capsys: pytest.CaptureFixture[str]) -> None:
    with output("-") as out:
        out.write("x")
    assert not out.closed
    assert capsys.readouterr().out == "x"

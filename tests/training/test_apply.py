"""The trainer's decisions go into the right data/nlu file, and nothing else in it changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training.conftest import SmallProject
from training.apply import main
from training.checks import Project, run_checks
from training.corpus import load_nlu

INBOX = """\
# The trainers' inbox (a header the review wrote).
items:
- text: where the heck is [11223344](order_id)
  intent: check_order_status
  discard: false
  predicted: greet
  confidence: 0.41
  why: [fallback]
- text: r u open on boxing day
  intent: faq/store_hours
  discard: false
- text: asdfgh
  intent:
  discard: true
- text: can i pay with paypal
  intent:
  discard: false
- text: i lost my receipt
  intent: lost_receipt
  topic: receipts
  discard: false
"""


def write_inbox(project: SmallProject, content: str = INBOX) -> Path:
    inbox = project.path("reports/review/inbox.yml")
    inbox.parent.mkdir(parents=True, exist_ok=True)
    inbox.write_text(content)
    return inbox


def apply(project: SmallProject, *extra: str) -> int:
    return main(["--root", str(project.root), *extra])


def test_accepted_messages_are_inserted_after_the_intents_last_example_and_nothing_else_changes(
    small_project: SmallProject,
) -> None:
    orders = small_project.path("data/nlu/orders.yml")
    faq = small_project.path("data/nlu/faq.yml")
    before_orders, before_faq = orders.read_text(), faq.read_text()
    write_inbox(small_project)

    assert apply(small_project) == 0

    assert orders.read_text() == before_orders + "    - where the heck is [11223344](order_id)\n"
    assert faq.read_text() == before_faq + "    - r u open on boxing day\n"
    assert small_project.path("data/nlu/receipts.yml").read_text() == (
        'version: "3.1"\nnlu:\n- intent: lost_receipt\n  examples: |\n    - i lost my receipt\n'
    )
    examples = {(e.intent, e.text) for e in load_nlu([orders, faq]).examples}
    assert ("check_order_status", "where the heck is [11223344](order_id)") in examples


def test_an_intent_in_the_middle_of_a_file_gets_its_example_in_its_own_block(
    small_project: SmallProject,
) -> None:
    path = small_project.path("data/nlu/smalltalk.yml")
    path.write_text(
        path.read_text()
        + "- intent: goodbye  # a comment that must survive\n  examples: |\n    - bye\n"
    )
    before = path.read_text().splitlines(keepends=True)
    write_inbox(
        small_project, "items:\n- text: hullo\n  intent: greet\n- text: cya\n  intent: goodbye\n"
    )
    assert apply(small_project) == 0
    after = path.read_text().splitlines(keepends=True)
    greet_end = before.index("    - good evening\n") + 1
    assert after == [
        *before[:greet_end],
        "    - hullo\n",
        *before[greet_end:],
        "    - cya\n",
    ]


def test_the_inbox_keeps_only_undecided_items_and_discards_are_remembered(
    small_project: SmallProject,
) -> None:
    inbox = write_inbox(small_project)
    assert apply(small_project) == 0
    remaining = inbox.read_text()
    assert "can i pay with paypal" in remaining
    assert "where the heck" not in remaining and "asdfgh" not in remaining
    assert remaining.startswith("# The trainers' inbox")
    (kept,) = small_project.path("reports/review/applied").glob("inbox-*.yml")
    assert kept.read_text() == INBOX
    assert small_project.path("reports/review/discarded.txt").read_text() == "asdfgh\n"

    # Applying again adds nothing twice.
    orders = small_project.path("data/nlu/orders.yml").read_text()
    assert apply(small_project) == 0
    assert small_project.path("data/nlu/orders.yml").read_text() == orders


def test_any_error_stops_the_run_before_a_file_is_touched(
    small_project: SmallProject, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_text() for p in small_project.path("data").rglob("*.yml")}
    inbox = write_inbox(
        small_project,
        "items:\n"
        "- text: r u open on boxing day\n  intent: faq/store_hours\n"
        "- text: order [1234](order_number)\n  intent: check_order_status\n"
        "- text: Track my parcel!\n  intent: greet\n"
        "- text: i lost my receipt\n  intent: lost_receipt\n"
        "- text: hm\n  intent: greet\n  discard: true\n",
    )
    assert apply(small_project) == 1
    err = capsys.readouterr().err
    assert f"{inbox}:4: annotates order_number, which the domain does not have" in err
    assert f'{inbox}:6: "Track my parcel!" is already an example of check_order_status' in err
    assert "data/nlu/orders.yml:7" in err
    assert f"{inbox}:8: lost_receipt is a new intent: add `topic:`" in err
    assert f"{inbox}:10: both `intent:` and `discard: true`" in err
    assert {p: p.read_text() for p in small_project.path("data").rglob("*.yml")} == before
    assert inbox.exists()


def test_the_held_out_test_set_is_never_added_to_training(
    real_project_copy: SmallProject, capsys: pytest.CaptureFixture[str]
) -> None:
    test_example = load_nlu([real_project_copy.path("tests/nlu/test_data.yml")]).examples[0]
    before = {p: p.read_text() for p in real_project_copy.path("data").rglob("*.yml")}
    write_inbox(
        real_project_copy,
        f"items:\n- text: {test_example.text!r}\n  intent: {test_example.intent}\n",
    )
    assert apply(real_project_copy) == 0
    assert "held-out tests/nlu/test_data.yml" in capsys.readouterr().out
    assert {p: p.read_text() for p in real_project_copy.path("data").rglob("*.yml")} == before


def test_windows_line_endings_are_kept(small_project: SmallProject) -> None:
    path = small_project.path("data/nlu/orders.yml")
    crlf = path.read_text().replace("\n", "\r\n").encode()
    path.write_bytes(crlf)
    write_inbox(small_project, "items:\n- text: parcel??\n  intent: check_order_status\n")
    assert apply(small_project) == 0
    assert path.read_bytes() == crlf + b"    - parcel??\r\n"


def test_a_dry_run_changes_nothing(small_project: SmallProject) -> None:
    before = {p: p.read_bytes() for p in small_project.root.rglob("*") if p.is_file()}
    write_inbox(small_project)
    before[small_project.path("reports/review/inbox.yml")] = INBOX.encode()
    assert apply(small_project, "--dry-run") == 0
    assert {p: p.read_bytes() for p in small_project.root.rglob("*") if p.is_file()} == before


def test_applied_real_review_data_passes_rasa_data_validate_and_our_checks(
    real_project_copy: SmallProject,
) -> None:
    write_inbox(
        real_project_copy,
        "items:\n"
        "- text: wheres my parcel [20481632](order_id) gone\n  intent: check_order_status\n"
        "- text: new pasword for [customer@example.com](email) pls\n"
        "  intent: reset_password\n"
        "- text: do u do klarna\n  intent: faq/payment_methods\n"
        "- text: my <phone> keeps getting your texts\n  intent: complain\n",
    )
    assert apply(real_project_copy) == 0
    assert run_checks(Project(real_project_copy.root)) == []
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=real_project_copy.root,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    nlu = load_nlu(sorted(real_project_copy.path("data/nlu").glob("*.yml")))
    added = {(e.intent, e.plain) for e in nlu.examples}
    assert ("faq/payment_methods", "do u do klarna") in added
    assert ("check_order_status", "wheres my parcel 20481632 gone") in added

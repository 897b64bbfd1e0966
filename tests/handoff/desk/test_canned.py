"""handoff.desk.canned: the committed default set and clear errors for a broken file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handoff.desk.canned import CannedResponse, CannedResponsesError, load_canned_responses
from handoff.desk.settings import DEFAULT_CANNED_RESPONSES


def test_the_default_set_loads_and_fits_one_sms_each() -> None:
    responses = load_canned_responses(DEFAULT_CANNED_RESPONSES)
    assert len(responses) >= 5
    assert len({r.title for r in responses}) == len(responses)
    assert all(len(r.text) <= 160 for r in responses if "{" not in r.text)


def test_json_works_too(tmp_path: Path) -> None:
    path = tmp_path / "canned.json"
    path.write_text(json.dumps([{"title": "Hi", "text": "Hello {agent} here"}]))
    assert load_canned_responses(path) == [CannedResponse("Hi", "Hello {agent} here")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title: Hi\ntext: Hello\n", "expected a list"),
        ("- title: Hi\n", "exactly a title and a text"),
        ("- title: Hi\n  text: Hello\n  extra: 1\n", "exactly a title and a text"),
        ("- title: ''\n  text: Hello\n", "title must be a non-empty string"),
        ("- title: Hi\n  text: 5\n", "text must be a non-empty string"),
        ("- title: Hi\n  text: a\n- title: Hi\n  text: b\n", "used twice"),
        ("- [unclosed\n", "not valid YAML or JSON"),
    ],
)
def test_broken_files_are_reported_with_the_entry(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "canned.yml"
    path.write_text(content)
    with pytest.raises(CannedResponsesError, match=message):
        load_canned_responses(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CannedResponsesError, match="cannot read canned responses"):
        load_canned_responses(tmp_path / "nope.yml")


def test_an_empty_file_means_no_canned_responses(tmp_path: Path) -> None:
    path = tmp_path / "canned.yml"
    path.write_text("# none yet\n")
    assert load_canned_responses(path) == []

"""handoff.desk.canned: the committed default set, responses per language, and clear
errors for a broken file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handoff.desk.canned import (
    CannedResponse,
    CannedResponsesError,
    for_language,
    load_canned_responses,
)
from handoff.desk.settings import DEFAULT_CANNED_RESPONSES


def test_the_default_set_loads_and_fits_one_sms_each() -> None:
    responses = load_canned_responses(DEFAULT_CANNED_RESPONSES)
    assert len(responses) >= 5
    assert len({(r.language, r.title) for r in responses}) == len(responses)
    assert all(len(r.text) <= 160 for r in responses if "{" not in r.text)


def test_json_works_too(tmp_path: Path) -> None:
    path = tmp_path / "canned.json"
    path.write_text(json.dumps([{"title": "Hi", "text": "Hello {agent} here"}]))
    assert load_canned_responses(path) == [CannedResponse("Hi", "Hello {agent} here", "en")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title: Hi\ntext: Hello\n", "expected a list"),
        ("- title: Hi\n", "exactly a title and a text"),
        ("- title: Hi\n  text: Hello\n  extra: 1\n", "exactly a title and a text"),
        ("- title: Hi\n  text: Hello\n  language: Spanish\n", "language must be a language tag"),
        ("- title: Hi\n  text: Hello\n  language: 5\n", "language must be a language tag"),
        ("- title: Hi\n  text: a\n- title: Hi\n  text: b\n  language: EN\n", "used twice in 'en'"),
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


def test_the_default_set_has_each_english_response_in_spanish() -> None:
    responses = load_canned_responses(DEFAULT_CANNED_RESPONSES)
    english = [r for r in responses if r.language == "en"]
    spanish = [r for r in responses if r.language == "es"]
    assert len(spanish) == len(english)
    # The same placeholders, so that the desk fills the Spanish ones in too.
    for en, es in zip(english, spanish, strict=True):
        assert [p for p in ("{agent}", "{order}") if p in en.text] == [
            p for p in ("{agent}", "{order}") if p in es.text
        ], (en.title, es.title)


def test_a_language_is_stored_as_a_tag_and_a_title_may_repeat_across_languages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "canned.yml"
    path.write_text(
        "- title: Hi\n  text: Hello\n"
        "- title: Hi\n  text: Hola\n  language: ES\n"
        "- title: Hi\n  text: Olá\n  language: pt_BR\n"
    )
    assert [(r.language, r.text) for r in load_canned_responses(path)] == [
        ("en", "Hello"),
        ("es", "Hola"),
        ("pt-br", "Olá"),
    ]


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("es", ["Hola"]),
        ("es-mx", ["Hola"]),  # its base language
        ("pt-br", ["Olá"]),
        ("pt", ["Hello", "Bye"]),  # pt-br is not pt: English
        ("fr", ["Hello", "Bye"]),
        ("en", ["Hello", "Bye"]),
    ],
)
def test_for_language_falls_back_to_the_base_language_then_english(
    language: str, texts: list[str]
) -> None:
    responses = [
        CannedResponse("Hi", "Hello"),
        CannedResponse("Hi", "Hola", "es"),
        CannedResponse("Bye", "Bye"),
        CannedResponse("Hi", "Olá", "pt-br"),
    ]
    assert [r.text for r in for_language(responses, language)] == texts


def test_for_language_with_no_english_ones_is_empty() -> None:
    assert for_language([CannedResponse("Hi", "Hola", "es")], "fr") == []

"""``make validate``: Rasa's validation and our checks, one ``file:line`` line per finding."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.training.conftest import SmallProject
from training.checks import Project
from training.validate import languages_line, main

TABLE_HEADER = "diversity: per intent"
NOUNS = ("shoes", "coat", "lamp", "kettle", "jeans", "scarf", "toaster", "rug", "sofa", "dress",
         "boots", "mug")  # fmt: skip


def findings_and_summary(out: list[str]) -> list[str]:
    """The finding lines and the summary: what is printed less the diversity table."""
    table = next(i for i, line in enumerate(out) if line.startswith(TABLE_HEADER))
    return out[:table] + out[-1:]


def test_an_error_fails_with_its_file_and_line(
    small_project: SmallProject, capsys: pytest.CaptureFixture[str]
) -> None:
    small_project.edit("data/nlu/smalltalk.yml", "    - howdy\n", "    - track my parcel\n")
    line = small_project.line_of("data/nlu/smalltalk.yml", "track my parcel")
    assert main(["--root", str(small_project.root), "--no-rasa"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f'data/nlu/smalltalk.yml:{line}: error: "track my parcel"')
    assert out[0].endswith("[conflicting-example]")
    assert out[-1] == "validate: 1 error, 0 warnings"


def test_warnings_are_listed_without_failing(
    small_project: SmallProject, capsys: pytest.CaptureFixture[str]
) -> None:
    small_project.edit("data/nlu/smalltalk.yml", "    - howdy\n", "")
    assert main(["--root", str(small_project.root), "--no-rasa"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert findings_and_summary(out) == [
        "data/nlu/smalltalk.yml:3: warning: greet has 9 examples; give it at least 10 "
        "[too-few-examples]",
        "validate: 0 errors, 1 warning",
    ]
    assert main(["--root", str(small_project.root), "--no-rasa", "--min-examples", "9"]) == 0


def test_what_rasa_data_validate_finds_fails_too(
    small_project: SmallProject, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(small_project.root)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "validate: 0 errors, 0 warnings"

    small_project.edit("data/rules/rules.yml", "action: action_check_order", "action: action_gone")
    assert main(["--root", str(small_project.root)]) == 1
    out = capsys.readouterr().out
    assert (
        "rasa: error: The action 'action_gone' is used in the 'submit the order form' block" in out
    )
    # Rasa's false alarms (responses sent by code; the retrieval intent) are not repeated.
    assert "is not used in any story" not in out and "duplicated intents" not in out
    assert out.splitlines()[-1] == "validate: 1 error, 0 warnings"


def test_a_thin_intent_is_a_warning_and_every_intent_is_in_the_table(
    small_project: SmallProject, capsys: pytest.CaptureFixture[str]
) -> None:
    small_project.edit(
        "data/nlu/orders.yml",
        "    - is my order on its way\n",
        "    - is my order on its way\n- intent: start_return\n  examples: |\n"
        + "".join(f"    - i want to return my {n}\n" for n in NOUNS),
    )
    line = small_project.line_of("data/nlu/orders.yml", "- intent: start_return")
    assert main(["--root", str(small_project.root), "--no-rasa"]) == 0
    out = capsys.readouterr().out.splitlines()
    found = findings_and_summary(out)
    prefix = f"data/nlu/orders.yml:{line}: warning: start_return has few different openings"
    assert any(f.startswith(prefix) for f in found[:-1])
    assert all(f.endswith("[diversity]") for f in found[:-1])
    assert found[-1] == f"validate: 0 errors, {len(found) - 1} warnings"
    table = out[len(found) - 1 : -2]
    assert table[0].startswith(TABLE_HEADER)
    assert out[-2] == "languages: en: 42 examples of 4 intents"
    assert [row.split()[:2] for row in table[2:]] == [
        ["check_order_status", "10"], ["faq/store_hours", "10"], ["greet", "10"],
        ["!", "start_return"],
    ]  # fmt: skip


def test_the_real_data_passes_our_checks_with_no_thin_intent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--root", str(ROOT), "--no-rasa"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert findings_and_summary(out) == ["validate: 0 errors, 0 warnings"]


def test_the_languages_line_names_the_intents_a_language_lacks(small_project: SmallProject) -> None:
    spanish = "- intent: greet\n  metadata:\n    language: es\n  examples: |\n    - hola\n"
    small_project.path("data/nlu/spanish.yml").write_text(f'version: "3.1"\nnlu:\n{spanish}')
    line = languages_line(Project(small_project.root))
    english, es = line.removeprefix("languages: ").split("; ")
    assert english.startswith("en: ") and "none of" not in english
    assert es.startswith("es: 1 examples of 1 intents, none of ") and "faq/" in es

"""``make validate``: Rasa's validation and our checks, one ``file:line`` line per finding."""

from __future__ import annotations

import pytest

from tests.training.conftest import SmallProject
from training.validate import main


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
    assert out == [
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

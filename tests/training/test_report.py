"""Evaluation reports: the files, the figures, and a planted regression flagged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from training.report import (
    Evaluation,
    Prediction,
    compare,
    previous_evaluation,
    rasa_report_markdown,
    score,
    write_reports,
)

PNG = b"\x89PNG\r\n\x1a\n"


def predictions(wrong_greets: int = 0) -> list[Prediction]:
    """10 greets, 10 goodbyes, 10 FAQ; ``wrong_greets`` of the greets taken for goodbyes."""
    made = [
        Prediction(f"hi {i}", "greet", "goodbye" if i < wrong_greets else "greet", 0.9)
        for i in range(10)
    ]
    made += [Prediction(f"bye {i}", "goodbye", "goodbye", 0.95) for i in range(10)]
    made += [Prediction(f"open? {i}", "faq/store_hours", "faq/store_hours", 0.99) for i in range(9)]
    made.append(Prediction("opening hrs??", "faq/store_hours", "nlu_fallback", 0.6))
    return made


def evaluation(model_id: str, wrong_greets: int = 0, minute: int = 0) -> Evaluation:
    return score(
        predictions(wrong_greets),
        model_id=model_id,
        model_file="retail-bot.tar.gz",
        test_set="tests/nlu/test_data.yml",
        test_set_sha256="abc",
        created=dt.datetime(2024, 6, 1, 12, minute, tzinfo=dt.timezone.utc),
    )


def test_scores_per_intent_and_overall() -> None:
    result = evaluation("m1", wrong_greets=2)
    assert result.accuracy == pytest.approx(27 / 30)
    greet, goodbye = result.intents["greet"], result.intents["goodbye"]
    assert (greet.precision, greet.recall, greet.support) == (1.0, 0.8, 10)
    assert goodbye.precision == pytest.approx(10 / 12)
    assert result.intents["faq/store_hours"].recall == pytest.approx(0.9)
    assert "nlu_fallback" not in result.intents
    assert result.macro_f1 == pytest.approx(sum(s.f1 for s in result.intents.values()) / 3)


def test_confident_errors_are_the_wrong_answers_given_without_asking_to_rephrase(
    tmp_path: Path,
) -> None:
    result = evaluation("m1", wrong_greets=2)
    # Two greets answered as goodbyes; the FAQ that fell back is wrong but not confident.
    assert [p.text for p in result.confident_errors] == ["hi 0", "hi 1"]
    assert result.confident_error_rate == pytest.approx(2 / 30)
    written = write_reports(result, tmp_path, fallback_threshold=0.7)
    report = next(p for p in written.files if p.name == "intent_report.md").read_text()
    assert "confidently wrong: 2 (6.7% of the examples" in report


def test_every_report_file_is_written(tmp_path: Path) -> None:
    written = write_reports(evaluation("m1", wrong_greets=1), tmp_path, fallback_threshold=0.6)
    names = sorted(p.name for p in written.files)
    assert names == [
        "comparison.md",
        "confidence_histogram.png",
        "confusion_matrix.png",
        "intent_report.json",
        "intent_report.md",
        "misclassified.md",
    ]
    for picture in ("confusion_matrix.png", "confidence_histogram.png"):
        assert (tmp_path / picture).read_bytes().startswith(PNG)
        assert (tmp_path / picture).stat().st_size > 10_000
    report = (tmp_path / "intent_report.md").read_text()
    assert "| greet | 1.000 | 0.900 | 0.947 | 10 |" in report
    assert "- accuracy: 0.933" in report
    misclassified = (tmp_path / "misclassified.md").read_text().splitlines()
    rows = [line for line in misclassified if line.startswith("| ") and "---" not in line][1:]
    # The confident mistake first, the fallback after it.
    assert rows == [
        "| hi 0 | greet | goodbye | 0.90 |",
        "| opening hrs?? | faq/store_hours | nlu_fallback | 0.60 |",
    ]
    assert json.loads((tmp_path / "intent_report.json").read_text())["model_id"] == "m1"
    assert len(list((tmp_path / "history").glob("*.json"))) == 1
    assert written.comparison.previous is None


def test_an_intent_whose_f1_dropped_is_flagged_against_the_previous_model(tmp_path: Path) -> None:
    write_reports(evaluation("model-before", wrong_greets=0, minute=0), tmp_path)
    written = write_reports(evaluation("model-after", wrong_greets=3, minute=5), tmp_path)

    dropped = {c.intent: (c.before, c.after) for c in written.comparison.dropped}
    assert set(dropped) == {"greet", "goodbye"}
    assert dropped["greet"][0] == pytest.approx(1.0)
    warnings = written.comparison.warnings()
    assert len(warnings) == 2
    assert warnings[1].startswith("WARNING: F1 of greet dropped from 1.000 to 0.824")
    assert "model-before" in warnings[1]
    assert "## F1 dropped\n\n- goodbye: 1.000 -> 0.870\n- greet: 1.000 -> 0.824" in (
        (tmp_path / "comparison.md").read_text()
    )
    assert "| greet | 1.000 | 0.700 | 0.824 | 10 | -0.176 **dropped** |" in (
        (tmp_path / "intent_report.md").read_text()
    )


def test_evaluating_the_same_model_again_still_compares_with_the_model_before(
    tmp_path: Path,
) -> None:
    write_reports(evaluation("model-before", minute=0), tmp_path)
    write_reports(evaluation("model-after", wrong_greets=3, minute=5), tmp_path)
    again = write_reports(evaluation("model-after", wrong_greets=3, minute=9), tmp_path)
    assert again.comparison.previous is not None
    assert again.comparison.previous.model_id == "model-before"
    assert {c.intent for c in again.comparison.dropped} == {"greet", "goodbye"}


def test_an_improvement_is_not_flagged() -> None:
    comparison = compare(evaluation("old", wrong_greets=3), evaluation("new", wrong_greets=0))
    assert comparison.dropped == [] and comparison.warnings() == []
    assert {c.intent for c in comparison.improved} == {"greet", "goodbye"}


def test_the_history_round_trips(tmp_path: Path) -> None:
    original = evaluation("m1", wrong_greets=1)
    write_reports(original, tmp_path)
    loaded = previous_evaluation(tmp_path / "history", "another")
    assert loaded == original


def test_rasa_cross_validation_reports_become_markdown_tables() -> None:
    report = {
        "greet": {"precision": 1.0, "recall": 0.9, "f1-score": 0.947, "support": 10,
                  "confused_with": {"goodbye": 1}},
        "accuracy": 0.95,
        "macro avg": {"precision": 0.9, "recall": 0.9, "f1-score": 0.9, "support": 20},
    }  # fmt: skip
    markdown = rasa_report_markdown(report, "Intents, 5-fold cross-validation")
    assert "| greet | 1.000 | 0.900 | 0.947 | 10 |" in markdown
    assert "- accuracy: 0.950" in markdown and "- macro avg: F1 0.900" in markdown

"""``make evaluate`` with the trained model: the reports, the floor, a regression flagged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_nlu import MIN_ACCURACY, MIN_MACRO_F1
from training.evaluate import fallback_threshold, full_intent, main
from training.report import Evaluation, IntentScore, Prediction


def test_a_faq_counts_as_the_answer_chosen() -> None:
    parsed = {
        "intent": {"name": "faq", "confidence": 0.99},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/warranty"}}},
    }
    assert full_intent(parsed) == "faq/warranty"
    assert full_intent({"intent": {"name": "greet", "confidence": 0.9}}) == "greet"


def test_the_fallback_threshold_is_read_from_the_pipeline() -> None:
    assert fallback_threshold(ROOT / "config.yml") == 0.7
    assert fallback_threshold(ROOT / "config.yml", "en") == 0.7
    assert fallback_threshold(ROOT / "config.yml", "es") == 0.6
    assert fallback_threshold(ROOT / "missing.yml") is None


def perfect_previous_model(intents: list[str]) -> Evaluation:
    return Evaluation(
        model_id="an-earlier-model",
        model_file="retail-bot.tar.gz",
        test_set="tests/nlu/test_data.yml",
        test_set_sha256="",
        created=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc).isoformat(),
        accuracy=1.0,
        macro_f1=1.0,
        weighted_f1=1.0,
        intents={i: IntentScore(1.0, 1.0, 1.0, 12) for i in intents},
        predictions=[Prediction("x", "greet", "greet", 1.0)],
    )


@pytest.mark.slow
def test_the_real_model_meets_the_floor_and_a_regression_is_flagged(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intents = ["affirm", "greet", "faq/warranty", "request_human"]
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "20200101T000000-an-earlier.json").write_text(
        perfect_previous_model(intents).to_json()
    )

    status = main(["--model", str(model_path), "--reports", str(tmp_path), "--fail-on-drop"])

    for name in ("intent_report.md", "confusion_matrix.png", "confidence_histogram.png",
                 "misclassified.md", "comparison.md", "intent_report.json"):  # fmt: skip
        assert (tmp_path / name).stat().st_size > 0, name
    report = json.loads((tmp_path / "intent_report.json").read_text())
    assert report["accuracy"] >= MIN_ACCURACY and report["macro_f1"] >= MIN_MACRO_F1
    assert len(report["predictions"]) >= 200
    below_perfect = sorted(i for i in intents if report["intents"][i]["f1"] < 1.0)
    out = capsys.readouterr().out
    flagged = sorted(
        line.split()[3] for line in out.splitlines() if line.startswith("WARNING: F1 of")
    )
    assert flagged == below_perfect
    assert status == (1 if below_perfect else 0)
    assert "an-earlier" in (tmp_path / "comparison.md").read_text()

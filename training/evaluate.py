"""``make evaluate``: the trained model on the held-out test set, reports under ``reports/``.

The model is loaded with Rasa's own ``Agent`` and each test message parsed
as the running server would parse it; a FAQ counts as its answer's key
(``faq/store_hours``), as in ``tests/test_nlu.py``, and ``nlu_fallback`` as
a prediction like any other (a wrong one). :mod:`training.report` writes the
files and the comparison with the previous model; each intent whose F1
dropped gets a ``WARNING:`` line, and with ``--fail-on-drop`` the exit
status 1.

``--cross-validation`` (``make evaluate CV=1 FOLDS=5``) runs Rasa's own
``rasa test nlu --cross-validation`` on the training data instead: it trains
a model per fold, so it takes a few minutes, and writes its reports (and our
Markdown tables of them) to ``reports/cross-validation/``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from training.corpus import load_nlu
from training.report import Evaluation, Prediction, rasa_report_markdown, score, write_reports
from training.settings import TrainingSettings

TEST_SET = Path("tests/nlu/test_data.yml")
CROSS_VALIDATION_TIMEOUT_S = 3 * 3600


def full_intent(parsed: dict[str, Any]) -> str:
    """The intent, or for a FAQ the key of the answer the response selector chose."""
    intent = str(parsed["intent"]["name"])
    if intent == "faq":
        selected = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
        intent = str(selected.get("intent_response_key") or intent)
    return intent


def predict(model: Path, examples: list[tuple[str, str]]) -> tuple[str, list[Prediction]]:
    """The model's id and its prediction for each (text, expected intent)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structlog prints a debug line for every message parsed.
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))

    async def parse_all() -> list[Prediction]:
        predictions = []
        for text, expected in examples:
            parsed = await agent.parse_message(text)
            confidence = float(parsed["intent"].get("confidence") or 0.0)
            predictions.append(Prediction(text, expected, full_intent(parsed), confidence))
        return predictions

    return str(agent.model_id), asyncio.run(parse_all())


def fallback_threshold(config: Path) -> float | None:
    """The FallbackClassifier's threshold in ``config.yml``, drawn on the histogram."""
    if not config.exists():
        return None
    pipeline = (YAML(typ="safe").load(config.read_text(encoding="utf-8")) or {}).get("pipeline")
    for component in pipeline or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return None


def evaluate(model: Path, test_set: Path, reports: Path, root: Path) -> tuple[Evaluation, Any]:
    examples = [(e.plain, e.intent) for e in load_nlu([test_set]).examples]
    if not examples:
        raise SystemExit(f"{test_set} has no examples")
    model_id, predictions = predict(model, examples)
    evaluation = score(
        predictions,
        model_id=model_id,
        model_file=model.name,
        test_set=str(test_set.relative_to(root) if test_set.is_relative_to(root) else test_set),
        test_set_sha256=hashlib.sha256(test_set.read_bytes()).hexdigest(),
    )
    written = write_reports(evaluation, reports, fallback_threshold(root / "config.yml"))
    return evaluation, written


def cross_validate(root: Path, folds: int, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "test", "nlu",
        "--nlu", "data", "--config", "config.yml",
        "--cross-validation", "--folds", str(folds), "--out", str(out),
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=root,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        timeout=CROSS_VALIDATION_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        return result.returncode
    for name, title in (
        ("intent_report.json", f"Intents, {folds}-fold cross-validation"),
        ("response_selection_report.json", f"FAQ answers, {folds}-fold cross-validation"),
    ):
        report = out / name
        if report.exists():
            markdown = rasa_report_markdown(json.loads(report.read_text()), title)
            report.with_suffix(".md").write_text(markdown, encoding="utf-8")
            print(f"cross-validation: {report.with_suffix('.md')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = TrainingSettings.from_env()
    parser = argparse.ArgumentParser(prog="make evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=settings.model)
    parser.add_argument("--test-set", type=Path, default=settings.root / TEST_SET)
    parser.add_argument("--reports", type=Path, default=settings.reports_dir)
    parser.add_argument("--fail-on-drop", action="store_true", help="exit 1 if an F1 dropped")
    parser.add_argument("--cross-validation", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    if args.cross_validation:
        return cross_validate(settings.root, args.folds, args.reports / "cross-validation")
    if not args.model.exists():
        print(f"{args.model} does not exist: run `make train`", file=sys.stderr)
        return 1
    evaluation, written = evaluate(args.model, args.test_set, args.reports, settings.root)
    print(
        f"evaluate: accuracy {evaluation.accuracy:.3f}, macro F1 {evaluation.macro_f1:.3f}, "
        f"{len(evaluation.errors)} of {len(evaluation.predictions)} misclassified, "
        f"{evaluation.confident_error_rate:.1%} confidently wrong"
    )
    for path in written.files:
        print(
            f"  {path.relative_to(settings.root) if path.is_relative_to(settings.root) else path}"
        )
    warnings = written.comparison.warnings()
    for warning in warnings:
        print(warning)
    if written.comparison.previous is not None and not warnings:
        print("no intent's F1 dropped since the previous model")
    return 1 if warnings and args.fail_on_drop else 0


if __name__ == "__main__":
    sys.exit(main())

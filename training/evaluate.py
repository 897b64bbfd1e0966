"""``make evaluate``: the trained model on each language's held-out test set, reports under
``reports/`` (English) and ``reports/<language>/`` (the others, e.g. ``reports/es/``).

The model is loaded with Rasa's own ``Agent`` and each test message parsed
as the running server would parse it; a FAQ counts as its answer's key
(``faq/store_hours``), as in ``tests/test_nlu.py``, and ``nlu_fallback`` as
a prediction like any other (a wrong one). :mod:`training.report` writes the
files and the comparison with the previous model; each intent whose F1
dropped gets a ``WARNING:`` line, and with ``--fail-on-drop`` the exit
status 1. Then the language the server would detect on each first message of
``tests/nlu/es_language_detection.yml`` (bot.nlu.language), and the misses.

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
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML

from training.corpus import load_nlu
from training.report import Evaluation, Prediction, rasa_report_markdown, score, write_reports
from training.settings import TrainingSettings

if TYPE_CHECKING:
    from rasa.core.agent import Agent

TEST_SET = Path("tests/nlu/test_data.yml")
# Each language's held-out set; the default language's reports go in reports/,
# the others' in reports/<language>/.
TEST_SETS = {"en": TEST_SET, "es": Path("tests/nlu/es_blind_test.yml")}
DEFAULT_LANGUAGE = "en"
# First messages labelled with their language ("any": either is right).
LANGUAGE_TEST_SET = Path("tests/nlu/es_language_detection.yml")
CROSS_VALIDATION_TIMEOUT_S = 3 * 3600


def full_intent(parsed: dict[str, Any]) -> str:
    """The intent, or for a FAQ the key of the answer the response selector chose."""
    intent = str(parsed["intent"]["name"])
    if intent == "faq":
        selected = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
        intent = str(selected.get("intent_response_key") or intent)
    return intent


@cache
def load_agent(model: str) -> Agent:
    """The model loaded once for every test set (a load takes seconds)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structlog prints a debug line for every message parsed.
    configure_structlog(logging.WARNING)
    return Agent.load(model)


def predict(model: Path, examples: list[tuple[str, str]]) -> tuple[str, list[Prediction]]:
    """The model's id and its prediction for each (text, expected intent)."""
    agent = load_agent(str(model))

    async def parse_all() -> list[Prediction]:
        predictions = []
        for text, expected in examples:
            parsed = await agent.parse_message(text)
            confidence = float(parsed["intent"].get("confidence") or 0.0)
            predictions.append(Prediction(text, expected, full_intent(parsed), confidence))
        return predictions

    return str(agent.model_id), asyncio.run(parse_all())


def detected_languages(model: Path, texts: list[str]) -> list[str]:
    """The language the running server would set on each text as a conversation's first
    message (bot.nlu.language): the default one when it sets none."""
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = load_agent(str(model))
    assert agent.processor is not None

    async def detect_all() -> list[str]:
        found = []
        for text in texts:
            tracker = DialogueStateTracker.from_events("evaluate", [], agent.domain.slots)
            parsed = await agent.processor.parse_message(UserMessage(text), tracker)
            languages = [e["value"] for e in parsed["entities"] if e["entity"] == "language"]
            found.append(str(languages[0]) if languages else DEFAULT_LANGUAGE)
        return found

    return asyncio.run(detect_all())


def language_detection(model: Path, test_set: Path) -> tuple[int, int, list[str]]:
    """(right, all, the wrong ones as lines) on the first-message language test set."""
    messages = (YAML(typ="safe").load(test_set.read_text(encoding="utf-8")) or {})["messages"]
    found = detected_languages(model, [str(m["text"]) for m in messages])
    wrong = [
        f'  "{m["text"]}": {m["language"]}, detected {language}'
        for m, language in zip(messages, found, strict=True)
        if m["language"] not in ("any", language)
    ]
    return len(messages) - len(wrong), len(messages), wrong


def fallback_threshold(config: Path, language: str | None = None) -> float | None:
    """The fallback's threshold in ``config.yml`` (for ``language``), drawn on the histogram."""
    if not config.exists():
        return None
    pipeline = (YAML(typ="safe").load(config.read_text(encoding="utf-8")) or {}).get("pipeline")
    for component in pipeline or []:
        if str(component.get("name", "")).endswith("FallbackClassifier"):
            by_language = component.get("thresholds") or {}
            if language in by_language:
                return float(by_language[language])
            return float(component.get("threshold", 0.3))
    return None


def evaluate(
    model: Path, test_set: Path, reports: Path, root: Path, language: str | None = None
) -> tuple[Evaluation, Any]:
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
    threshold = fallback_threshold(root / "config.yml", language)
    written = write_reports(evaluation, reports, threshold)
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
    parser.add_argument(
        "--test-set", type=Path, help="one test set (default: each language's, see TEST_SETS)"
    )
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
    test_sets = (
        {DEFAULT_LANGUAGE: args.test_set}
        if args.test_set
        else {
            language: settings.root / path
            for language, path in TEST_SETS.items()
            if (settings.root / path).exists()
        }
    )
    dropped = False
    for language, test_set in test_sets.items():
        reports = args.reports if language == DEFAULT_LANGUAGE else args.reports / language
        dropped |= report_one(args.model, test_set, reports, settings.root, language)
    detection_set = settings.root / LANGUAGE_TEST_SET
    if not args.test_set and detection_set.exists():
        right, total, wrong = language_detection(args.model, detection_set)
        print(
            f"evaluate [language]: {right} of {total} first messages in the right language "
            f"({right / total:.1%}), {detection_set.relative_to(settings.root)}"
        )
        print("\n".join(wrong))
    return 1 if dropped and args.fail_on_drop else 0


def report_one(model: Path, test_set: Path, reports: Path, root: Path, language: str) -> bool:
    """Evaluate on one language's set and print the figures; whether an intent's F1 dropped."""
    evaluation, written = evaluate(model, test_set, reports, root, language)
    print(
        f"evaluate [{language}]: accuracy {evaluation.accuracy:.3f}, "
        f"macro F1 {evaluation.macro_f1:.3f}, "
        f"{len(evaluation.errors)} of {len(evaluation.predictions)} misclassified, "
        f"{evaluation.confident_error_rate:.1%} confidently wrong"
    )
    for path in written.files:
        print(f"  {path.relative_to(root) if path.is_relative_to(root) else path}")
    warnings = written.comparison.warnings()
    for warning in warnings:
        print(warning)
    if written.comparison.previous is not None and not warnings:
        print("no intent's F1 dropped since the previous model")
    return bool(warnings)


if __name__ == "__main__":
    sys.exit(main())

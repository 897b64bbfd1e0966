"""The evaluation's scores, reports and pictures, and the comparison with the previous model.

From a list of predictions (one per test example: expected intent, predicted
intent, confidence) this computes per-intent precision, recall and F1 with
scikit-learn and writes, under ``reports/``:

- ``intent_report.md``: overall figures and the per-intent table, each F1
  with its change since the previous model;
- ``intent_report.json``: the same, and every prediction, for machines;
- ``confusion_matrix.png``: expected (rows) against predicted (columns),
  ``nlu_fallback`` included, drawn with matplotlib;
- ``confidence_histogram.png``: how sure the model was when right and when
  wrong, with the fallback threshold;
- ``misclassified.md``: every mistake, the most confident first (the answers
  a customer would get wrong with no "could you rephrase?");
- ``comparison.md``: what changed since the previous model, each intent
  whose F1 dropped flagged.

"The previous model" is the latest run in ``reports/history/`` of another
model (by model id): evaluating the same model twice compares both times
with the model before it, so a regression is not forgotten by re-running.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FALLBACK = "nlu_fallback"
# Below this an F1 difference is arithmetic noise, not a change.
EPSILON = 1e-9
HISTORY = "history"


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    predicted: str
    confidence: float

    @property
    def correct(self) -> bool:
        return self.expected == self.predicted


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    model_id: str
    model_file: str
    test_set: str
    test_set_sha256: str
    created: str  # ISO 8601, UTC
    accuracy: float
    macro_f1: float
    weighted_f1: float
    intents: dict[str, IntentScore]
    predictions: list[Prediction] = field(default_factory=list)

    @property
    def errors(self) -> list[Prediction]:
        return [p for p in self.predictions if not p.correct]

    @property
    def confident_errors(self) -> list[Prediction]:
        """Wrong answers given without asking to rephrase: what customers get wrong."""
        return [p for p in self.errors if p.predicted != FALLBACK]

    @property
    def confident_error_rate(self) -> float:
        return len(self.confident_errors) / len(self.predictions) if self.predictions else 0.0

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Evaluation:
        data: dict[str, Any] = json.loads(text)
        data["intents"] = {k: IntentScore(**v) for k, v in data["intents"].items()}
        data["predictions"] = [Prediction(**p) for p in data.get("predictions", [])]
        return cls(**data)


@dataclass(frozen=True)
class Change:
    intent: str
    before: float | None
    after: float | None


@dataclass
class Comparison:
    previous: Evaluation | None
    dropped: list[Change] = field(default_factory=list)
    improved: list[Change] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        if self.previous is None:
            return []
        return [
            f"WARNING: F1 of {c.intent} dropped from {c.before:.3f} to {c.after:.3f} "
            f"(previous model {self.previous.model_id[:12]} of {self.previous.created[:16]})"
            for c in self.dropped
        ]


def score(
    predictions: list[Prediction],
    *,
    model_id: str,
    model_file: str,
    test_set: str,
    test_set_sha256: str,
    created: dt.datetime | None = None,
) -> Evaluation:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    expected = [p.expected for p in predictions]
    predicted = [p.predicted for p in predictions]
    labels = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    intents = {
        label: IntentScore(float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
        for i, label in enumerate(labels)
    }
    total = sum(s.support for s in intents.values()) or 1
    return Evaluation(
        model_id=model_id,
        model_file=model_file,
        test_set=test_set,
        test_set_sha256=test_set_sha256,
        created=(created or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        accuracy=float(accuracy_score(expected, predicted)) if predictions else 0.0,
        macro_f1=sum(s.f1 for s in intents.values()) / (len(intents) or 1),
        weighted_f1=sum(s.f1 * s.support for s in intents.values()) / total,
        intents=intents,
        predictions=predictions,
    )


def compare(previous: Evaluation | None, current: Evaluation) -> Comparison:
    comparison = Comparison(previous)
    if previous is None:
        return comparison
    for intent, now in current.intents.items():
        before = previous.intents.get(intent)
        if before is None:
            comparison.added.append(intent)
        elif now.f1 < before.f1 - EPSILON:
            comparison.dropped.append(Change(intent, before.f1, now.f1))
        elif now.f1 > before.f1 + EPSILON:
            comparison.improved.append(Change(intent, before.f1, now.f1))
    comparison.removed = sorted(set(previous.intents) - set(current.intents))
    return comparison


def previous_evaluation(history: Path, model_id: str) -> Evaluation | None:
    """The latest evaluation in ``history`` of a model other than ``model_id``."""
    runs = sorted(history.glob("*.json"), reverse=True) if history.is_dir() else []
    for run in runs:
        evaluation = Evaluation.from_json(run.read_text(encoding="utf-8"))
        if evaluation.model_id != model_id:
            return evaluation
    return None


def table(headers: list[str], rows: list[list[str]]) -> str:
    def escape(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def delta(intent: str, current: Evaluation, comparison: Comparison) -> str:
    if comparison.previous is None or intent not in comparison.previous.intents:
        return "new" if comparison.previous is not None else ""
    change = current.intents[intent].f1 - comparison.previous.intents[intent].f1
    if abs(change) <= EPSILON:
        return "="
    mark = " **dropped**" if change < 0 else ""
    return f"{change:+.3f}{mark}"


def intent_report(evaluation: Evaluation, comparison: Comparison) -> str:
    fallbacks = sum(p.predicted == FALLBACK for p in evaluation.predictions)
    confident = len(evaluation.confident_errors)
    rows = [
        [
            intent,
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            str(s.support),
            delta(intent, evaluation, comparison),
        ]
        for intent, s in sorted(evaluation.intents.items())
    ]
    since = (
        f"since model `{comparison.previous.model_id[:12]}` ({comparison.previous.created[:16]})"
        if comparison.previous
        else "(no previous model to compare with)"
    )
    return "\n".join(
        [
            "# NLU evaluation",
            "",
            f"Model `{evaluation.model_file}` (id `{evaluation.model_id[:12]}`) on "
            f"`{evaluation.test_set}`, {evaluation.created[:16].replace('T', ' ')} UTC.",
            "",
            f"- examples: {len(evaluation.predictions)}",
            f"- accuracy: {evaluation.accuracy:.3f}",
            f"- macro F1: {evaluation.macro_f1:.3f} (weighted: {evaluation.weighted_f1:.3f})",
            f"- asked to rephrase (nlu_fallback): {fallbacks}",
            f"- confidently wrong: {confident} ({evaluation.confident_error_rate:.1%} of the "
            "examples; see misclassified.md)",
            "",
            table(["intent", "precision", "recall", "F1", "support", f"F1 change {since}"], rows),
            "",
            "![confusion matrix](confusion_matrix.png)",
            "",
            "![confidence](confidence_histogram.png)",
            "",
        ]
    )


def misclassified_report(evaluation: Evaluation) -> str:
    errors = sorted(evaluation.errors, key=lambda p: (-p.confidence, p.expected, p.text))
    rows = [[p.text, p.expected, p.predicted, f"{p.confidence:.2f}"] for p in errors]
    return "\n".join(
        [
            "# Misclassified test examples",
            "",
            f"{len(errors)} of {len(evaluation.predictions)}, the most confident first: those "
            "are answered wrongly without the bot asking to rephrase. Fix them by adding "
            "training examples like them (never by adding the test examples themselves).",
            "",
            table(["text", "expected", "predicted", "confidence"], rows),
            "",
        ]
    )


def comparison_report(comparison: Comparison, current: Evaluation) -> str:
    previous = comparison.previous
    if previous is None:
        return "# Comparison\n\nNo evaluation of a previous model to compare with.\n"
    lines = [
        "# Comparison with the previous model",
        "",
        f"Previous: model `{previous.model_id[:12]}`, {previous.created[:16]}; "
        f"now: model `{current.model_id[:12]}`.",
        "",
        f"- accuracy: {previous.accuracy:.3f} -> {current.accuracy:.3f}",
        f"- macro F1: {previous.macro_f1:.3f} -> {current.macro_f1:.3f}",
    ]
    if previous.test_set_sha256 != current.test_set_sha256:
        lines.append("- the test set changed since: part of the difference may come from it")
    for title, changes in (("F1 dropped", comparison.dropped), ("F1 rose", comparison.improved)):
        lines += ["", f"## {title}", ""]
        lines += [f"- {c.intent}: {c.before:.3f} -> {c.after:.3f}" for c in changes] or ["none"]
    if comparison.added or comparison.removed:
        lines += ["", f"New intents: {', '.join(comparison.added) or 'none'}; "]
        lines[-1] += f"no longer in the test set: {', '.join(comparison.removed) or 'none'}."
    return "\n".join([*lines, ""])


def plot_confusion_matrix(evaluation: Evaluation, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    expected = [p.expected for p in evaluation.predictions]
    predicted = [p.predicted for p in evaluation.predictions]
    labels = sorted(set(expected) | set(predicted))
    counts = confusion_matrix(expected, predicted, labels=labels)
    # Colour by the share of each row, so that small intents show their mistakes too.
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    size = max(6.0, 0.45 * len(labels) + 3)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, column), count in np.ndenumerate(counts):
        if count:
            colour = "white" if shares[row, column] > 0.6 else "black"
            axes.text(column, row, str(count), ha="center", va="center", color=colour, fontsize=8)
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    axes.set_title(
        f"Intent confusion matrix: accuracy {evaluation.accuracy:.3f}, "
        f"macro F1 {evaluation.macro_f1:.3f} ({len(expected)} test examples)"
    )
    figure.colorbar(image, ax=axes, fraction=0.04, label="share of the expected intent")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_confidence_histogram(
    evaluation: Evaluation, path: Path, fallback_threshold: float | None
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    right = [p.confidence for p in evaluation.predictions if p.correct]
    wrong = [p.confidence for p in evaluation.predictions if not p.correct]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    bins = [i / 20 for i in range(21)]
    axes.hist([right, wrong], bins=bins, stacked=True, label=["right", "wrong"],
              color=["#4c9a2a", "#d1495b"])  # fmt: skip
    if fallback_threshold is not None:
        axes.axvline(fallback_threshold, color="black", linestyle="--",
                     label=f"fallback threshold {fallback_threshold:g}")  # fmt: skip
    axes.set_yscale("log")
    axes.set_xlabel("confidence of the predicted intent")
    axes.set_ylabel("test examples (log scale)")
    axes.set_title("How sure the model was")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


@dataclass(frozen=True)
class Written:
    files: list[Path]
    comparison: Comparison


def write_reports(
    evaluation: Evaluation, directory: Path, fallback_threshold: float | None = None
) -> Written:
    directory.mkdir(parents=True, exist_ok=True)
    history = directory / HISTORY
    comparison = compare(previous_evaluation(history, evaluation.model_id), evaluation)
    files = {
        "intent_report.md": intent_report(evaluation, comparison),
        "intent_report.json": evaluation.to_json(),
        "misclassified.md": misclassified_report(evaluation),
        "comparison.md": comparison_report(comparison, evaluation),
    }
    written = []
    for name, content in files.items():
        (directory / name).write_text(content, encoding="utf-8")
        written.append(directory / name)
    plot_confusion_matrix(evaluation, directory / "confusion_matrix.png")
    plot_confidence_histogram(
        evaluation, directory / "confidence_histogram.png", fallback_threshold
    )
    written += [directory / "confusion_matrix.png", directory / "confidence_histogram.png"]
    history.mkdir(exist_ok=True)
    stamp = evaluation.created.replace(":", "").replace("-", "")[:15]
    (history / f"{stamp}-{evaluation.model_id[:12]}.json").write_text(
        evaluation.to_json(), encoding="utf-8"
    )
    return Written(written, comparison)


def rasa_report_markdown(report: dict[str, Any], title: str) -> str:
    """A Markdown table of one of Rasa's ``*_report.json`` (cross-validation)."""
    rows = [
        [
            label,
            f"{v['precision']:.3f}",
            f"{v['recall']:.3f}",
            f"{v['f1-score']:.3f}",
            str(v["support"]),
        ]
        for label, v in sorted(report.items())
        if isinstance(v, dict)
        and "f1-score" in v
        and label not in ("macro avg", "weighted avg", "micro avg")
    ]
    summary = [
        f"- {name}: F1 {report[name]['f1-score']:.3f}"
        for name in ("macro avg", "weighted avg", "micro avg")
        if isinstance(report.get(name), dict)
    ]
    if isinstance(report.get("accuracy"), float):
        summary.insert(0, f"- accuracy: {report['accuracy']:.3f}")
    return "\n".join(
        [
            f"# {title}",
            "",
            *summary,
            "",
            table(["label", "precision", "recall", "F1", "support"], rows),
            "",
        ]
    )

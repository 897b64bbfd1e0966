"""NLU pipeline alternatives on the dev set: accuracy, confident errors, latency, training time.

    .venv/bin/python -m bench.nlu_pipelines [--variants current,rs-epochs-50] [--dev PATH]
                                            [--out results.json] [--work DIR] [--wait-idle]

Each variant is the pipeline of ``config.yml`` with a few changes made here in
Python (so the bench follows ``config.yml``); ``a+b`` applies the changes of
``a`` then ``b``. For each variant, one after the other (the machine has 2
cores):

1. ``rasa train nlu`` (under ``nice -n 10``) on ``data/nlu/`` and
   ``domain.yml`` into a scratch directory, with an empty Rasa cache of its
   own: the wall-clock time is what a trainer waits after an NLU-only change
   (every featurizer and classifier retrains then), start-up included. Run
   it on an idle machine: ``--wait-idle`` waits for any other ``rasa train``
   to end and the load to fall first, and the JSON keeps the load average at
   the start;
2. the model loaded with Rasa's ``Agent`` and every dev message parsed with
   ``agent.parse_message``, as the server parses it: a FAQ counts as its
   answer's key, ``nlu_fallback`` as a wrong answer (see
   :mod:`training.evaluate`); accuracy, macro F1 and confident errors (wrong,
   and not ``nlu_fallback``) come from :func:`training.report.score`;
3. the latency of ``parse_message`` per message: each message
   :data:`REPEATS` times, the fastest kept, then median and 95th percentile
   over the messages.

Variants that need something this machine cannot have (pretrained
embeddings whose package is not installed; weights fetched at run time) are
listed as skipped, with the reason. The dev set is only evaluated on, never
trained on. ``--out`` writes every figure as JSON, with the confident-error
rate and accuracy the variant would have at other fallback thresholds (the
0.7 of ``config.yml`` was chosen for the current pipeline).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bench.nlu_variants import DEFAULT_VARIANTS, VARIANTS, Pipeline, variant_config
from training.corpus import load_nlu
from training.evaluate import full_intent
from training.report import FALLBACK, Prediction, score, table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEV = ROOT / "tests" / "nlu" / "blind_dev.yml"
CONFIG = ROOT / "config.yml"
# The budget of the issue: an NLU-only change retrains in this many seconds at most.
TRAIN_BUDGET_S = 180
TRAIN_TIMEOUT_S = 30 * 60
REPEATS = 3
# --wait-idle: below this 1-minute load average the machine counts as idle; wait this long at most.
IDLE_LOAD = 0.5
IDLE_MAX_WAIT_S = 15 * 60
WARM_UP = 5
# Fallback thresholds the JSON reports each variant at (ambiguity threshold as configured).
THRESHOLD_SWEEP = (0.5, 0.6, 0.7, 0.8)


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    config: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return config


def data_sha256() -> str:
    """A digest of the training data, so that runs on different data are not compared."""
    digest = hashlib.sha256()
    for path in [*sorted((ROOT / "data" / "nlu").rglob("*.yml")), ROOT / "domain.yml"]:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def train(config: dict[str, Any], work: Path) -> tuple[Path, float]:
    """``rasa train nlu`` with ``config``: the model and the wall-clock seconds it took."""
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / "config.yml"
    with config_path.open("w", encoding="utf-8") as f:
        YAML(typ="safe").dump(config, f)
    models = work / "models"
    shutil.rmtree(models, ignore_errors=True)
    cache = work / "cache"  # empty: everything trains, as after a change of the NLU data
    shutil.rmtree(cache, ignore_errors=True)
    command = [
        "nice", "-n", "10", sys.executable, "-m", "rasa", "train", "nlu",
        "--config", str(config_path), "--nlu", str(ROOT / "data" / "nlu"),
        "--domain", str(ROOT / "domain.yml"), "--out", str(models),
        "--fixed-model-name", "nlu",
    ]  # fmt: skip
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(cache),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    log = work / "train.log"
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            timeout=TRAIN_TIMEOUT_S, check=False,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    model = next(iter(sorted(models.glob("*.tar.gz"))), None)
    if result.returncode != 0 or model is None:
        raise RuntimeError(f"rasa train nlu failed ({result.returncode}); see {log}")
    return model, seconds


def other_trainings() -> list[int]:
    """Processes of ``rasa train`` running on this machine (they would skew the timings)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rasa" in b" ".join(argv) and b"train" in argv:
            found.append(int(entry.name))
    return found


def wait_until_idle(poll_s: float = 30) -> None:
    """Until no other ``rasa train`` runs and the load is low (:data:`IDLE_MAX_WAIT_S` at most)."""
    deadline = time.monotonic() + IDLE_MAX_WAIT_S
    while time.monotonic() < deadline:
        busy, load = other_trainings(), os.getloadavg()[0]
        if not busy and load < IDLE_LOAD:
            return
        why = f"rasa train (pid {busy[0]})" if busy else f"load {load:.2f}"
        print(f"waiting for an idle machine: {why}...", file=sys.stderr, flush=True)
        time.sleep(poll_s)
    print("the machine stayed busy: timing anyway", file=sys.stderr, flush=True)


def without_fallback(parsed: dict[str, Any], threshold: float, ambiguity: float) -> str:
    """The prediction the pipeline would make with another FallbackClassifier threshold."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    if not ranking:
        return full_intent(parsed)
    first = float(ranking[0].get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else None
    if first < threshold or (second is not None and first - second < ambiguity):
        return FALLBACK
    return full_intent({**parsed, "intent": ranking[0]})


@dataclass
class Result:
    variant: str
    description: str
    skipped: str | None = None
    pipeline: Pipeline = field(default_factory=list)
    examples: int = 0
    accuracy: float = 0.0
    macro_f1: float = 0.0
    confident_errors: int = 0
    confident_error_rate: float = 0.0
    fallbacks: int = 0
    latency_median_ms: float = 0.0
    latency_p95_ms: float = 0.0
    train_s: float = 0.0
    load_before: float = 0.0  # 1-minute load average when training started
    config: str = ""  # the config.yml the variant changed
    data_sha256: str = ""  # of data/nlu/ and domain.yml when training started
    # threshold -> {"accuracy", "confident_error_rate"}, ambiguity threshold as configured
    at_threshold: dict[str, dict[str, float]] = field(default_factory=dict)


def fallback_settings(config: dict[str, Any]) -> tuple[float, float]:
    for component in config.get("pipeline") or []:
        if str(component.get("name", "")).endswith("FallbackClassifier"):
            return float(component.get("threshold", 0.3)), float(
                component.get("ambiguity_threshold", 0.1)
            )
    return 0.0, 0.0


def evaluate(
    model: Path, examples: list[tuple[str, str]], ambiguity: float
) -> tuple[list[Prediction], list[float], dict[float, list[str]]]:
    """Predictions, per-message latencies (ms) and predictions at each threshold of the sweep."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> tuple[list[Prediction], list[float], dict[float, list[str]]]:
        for text, _ in examples[:WARM_UP]:
            await agent.parse_message(text)
        predictions, latencies = [], []
        swept: dict[float, list[str]] = {t: [] for t in THRESHOLD_SWEEP}
        for text, expected in examples:
            best = float("inf")
            parsed: dict[str, Any] = {}
            for _ in range(REPEATS):
                start = time.perf_counter()
                parsed = await agent.parse_message(text)
                best = min(best, (time.perf_counter() - start) * 1000)
            latencies.append(best)
            confidence = float(parsed["intent"].get("confidence") or 0.0)
            predictions.append(Prediction(text, expected, full_intent(parsed), confidence))
            for t in THRESHOLD_SWEEP:
                swept[t].append(without_fallback(parsed, t, ambiguity))
        return predictions, latencies, swept

    return asyncio.run(run())


def run_variant(
    name: str, base: dict[str, Any], examples: list[tuple[str, str]], work: Path, wait: bool
) -> Result:
    descriptions = [VARIANTS[p].description for p in name.split("+") if p in VARIANTS]
    config, skipped = variant_config(name, base)
    result = Result(name, "; ".join(descriptions), skipped, [] if skipped else config["pipeline"])
    if skipped:
        return result
    if wait:
        wait_until_idle()
    result.load_before = os.getloadavg()[0]
    result.data_sha256 = data_sha256()
    print(f"{name}: training...", file=sys.stderr, flush=True)
    model, result.train_s = train(config, work / name)
    print(f"{name}: trained in {result.train_s:.0f} s, evaluating...", file=sys.stderr, flush=True)
    _, ambiguity = fallback_settings(config)
    predictions, latencies, swept = evaluate(model, examples, ambiguity)
    evaluation = score(
        predictions, model_id=name, model_file=model.name, test_set="", test_set_sha256=""
    )
    result.examples = len(predictions)
    result.accuracy = evaluation.accuracy
    result.macro_f1 = evaluation.macro_f1
    result.confident_errors = len(evaluation.confident_errors)
    result.confident_error_rate = evaluation.confident_error_rate
    result.fallbacks = sum(p.predicted == FALLBACK for p in predictions)
    result.latency_median_ms = statistics.median(latencies)
    result.latency_p95_ms = statistics.quantiles(latencies, n=20)[-1]
    for t, predicted in swept.items():
        at = [
            Prediction(p.text, p.expected, q, p.confidence)
            for p, q in zip(predictions, predicted, strict=True)
        ]
        e = score(at, model_id=name, model_file="", test_set="", test_set_sha256="")
        result.at_threshold[f"{t:g}"] = {
            "accuracy": e.accuracy,
            "confident_error_rate": e.confident_error_rate,
        }
    return result


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{round(seconds % 60):02d}" if seconds else ""


def markdown(results: list[Result]) -> str:
    rows = []
    for r in results:
        if r.skipped:
            rows.append([r.variant, "skipped", "", "", "", "", ""])
            continue
        over = " (over budget)" if r.train_s > TRAIN_BUDGET_S else ""
        rows.append(
            [
                r.variant,
                f"{r.accuracy:.3f}",
                f"{r.confident_error_rate:.1%} ({r.confident_errors})",
                f"{r.macro_f1:.3f}",
                f"{r.latency_median_ms:.1f}",
                f"{r.latency_p95_ms:.1f}",
                minutes(r.train_s) + over,
            ]
        )
    headers = [
        "variant", "accuracy", "confident errors %", "macro F1",
        "latency median ms", "p95 ms", "NLU train time (m:ss)",
    ]  # fmt: skip
    lines = [table(headers, rows), ""]
    lines += [f"- {r.variant}: {r.description}" for r in results]
    lines += [f"- {r.variant} skipped: {r.skipped}" for r in results if r.skipped]
    sweep = [r for r in results if not r.skipped]
    if sweep:
        lines += ["", "At other fallback thresholds (accuracy / confident errors):", ""]
        lines.append(
            table(
                ["variant", *[f"threshold {t:g}" for t in THRESHOLD_SWEEP]],
                [
                    [
                        r.variant,
                        *[
                            f"{r.at_threshold[f'{t:g}']['accuracy']:.3f} / "
                            f"{r.at_threshold[f'{t:g}']['confident_error_rate']:.1%}"
                            for t in THRESHOLD_SWEEP
                        ],
                    ]
                    for r in sweep
                ],
            )
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--variants",
        default=",".join(DEFAULT_VARIANTS),
        help=f"comma-separated, a+b for both; known: {', '.join(VARIANTS)}",
    )
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument(
        "--config", type=Path, default=CONFIG, help="the config the variants change"
    )
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--work", type=Path, help="where models and logs go (default: a temporary directory)"
    )
    parser.add_argument(
        "--wait-idle",
        action="store_true",
        help="before each variant, wait (15 min at most) until no other `rasa train` runs "
        "and the load average is under 0.5",
    )
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    base = load_config(args.config)
    for name in names:
        variant_config(name, base)  # unknown names fail before any training
    examples = [(e.plain, e.intent) for e in load_nlu([args.dev]).examples]
    if not examples:
        raise SystemExit(f"{args.dev} has no examples")

    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structlog prints a debug line for every message parsed.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)

    results = []
    with tempfile.TemporaryDirectory(prefix="nlu_bench-") as scratch:
        work = args.work or Path(scratch)
        for name in names:
            result = run_variant(name, base, examples, work, args.wait_idle)
            result.config = str(args.config)
            results.append(result)
            if args.out:  # after each variant, so that a long run can be followed
                args.out.write_text(
                    json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8"
                )

    print(f"\n{args.dev} ({len(examples)} messages), {os.cpu_count()} cores\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

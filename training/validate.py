"""``make validate``: ``rasa data validate``, then our checks; fails on any error.

Rasa runs as its own process, exactly as a trainer would run it, with
``--fail-on-warnings``. Of what it prints, its warnings are kept, less three
false alarms: "utterance ... is not used in any story or rule" (Rasa cannot
see the responses our actions send; the unused-response check of
:mod:`training.checks` can, and reports the truly unused ones), the
retrieval intent ``faq`` that Rasa merges into the domain itself and then
reports as duplicated, and the intents a rule sets in the pipeline
(``RULE_SET_INTENTS``), which have no examples by design.

Then how varied each intent's examples are (:mod:`training.diversity`): a
thin intent is a warning like any other finding, and a compact table shows
every intent's figures.

Output: one line per finding, ``file:line: level: message [check]``, then the
diversity table, then a summary. Exit status 1 when Rasa failed or a check
found an error.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from training import diversity
from training.checks import (
    MIN_EXAMPLES,
    NEAR_DUPLICATE,
    RULE_SET_INTENTS,
    Level,
    Options,
    Project,
    run_checks,
)
from training.corpus import load_nlu
from training.settings import ROOT

RASA_TIMEOUT_S = 600
ANSI = re.compile(r"\x1b\[[0-9;]*m")
USER_WARNING = re.compile(r"UserWarning: (.*)")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:]+ +(WARNING|ERROR) +(\S+) +- +(.*)")
# Rasa's warning for an intent a rule sets in the pipeline, not learnt
# (training.checks.RULE_SET_INTENTS): it has no examples by design.
RULE_SET_ALARMS = tuple(
    re.compile(rf"The intent '{re.escape(intent)}' is listed in the domain file, but is not found")
    for intent in sorted(RULE_SET_INTENTS)
)
FALSE_ALARMS = (
    re.compile(r"The utterance '[^']+' is not used in any story or rule"),
    re.compile(r"The following duplicated intents have been found .*: faq$"),
    *RULE_SET_ALARMS,
)


@dataclass(frozen=True)
class RasaResult:
    returncode: int
    messages: list[str]
    output: str


def rasa_validate(root: Path) -> RasaResult:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=root,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=RASA_TIMEOUT_S,
    )
    output = ANSI.sub("", result.stdout + result.stderr)
    messages = []
    for line in output.splitlines():
        warning = USER_WARNING.search(line)
        logged = LOG_LINE.match(line)
        if warning:
            message = warning.group(1).strip()
        elif logged:
            message = f"{logged.group(1).lower()}: {logged.group(3).strip()}"
        else:
            continue
        if not any(alarm.search(message) for alarm in FALSE_ALARMS):
            messages.append(message)
    return RasaResult(result.returncode, messages, output)


def languages_line(project: Project) -> str:
    """Each language's examples and intents, and the intents a language lacks."""
    found = load_nlu(project.data_files).languages()
    every = set().union(*(intents for _, intents in found.values())) if found else set()
    parts = []
    for language, (examples, intents) in sorted(found.items()):
        missing = sorted(every - intents)
        lacking = f", none of {', '.join(missing)}" if missing else ""
        parts.append(f"{language}: {examples} examples of {len(intents)} intents{lacking}")
    return "languages: " + "; ".join(parts)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make validate", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the Rasa project")
    parser.add_argument("--min-examples", type=int, default=MIN_EXAMPLES)
    parser.add_argument("--near-duplicate", type=float, default=NEAR_DUPLICATE)
    parser.add_argument(
        "--no-rasa", action="store_true", help="our checks only, without rasa data validate"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()

    errors = 0
    warnings = 0
    if not args.no_rasa:
        print("rasa data validate ...", flush=True)
        rasa = rasa_validate(root)
        # With --fail-on-warnings, what Rasa warned about is what made it fail.
        level = "error" if rasa.returncode != 0 else "warning"
        for message in rasa.messages:
            print(f"rasa: {level}: {message}")
        if rasa.returncode == 0:
            warnings += len(rasa.messages)
        elif rasa.messages:
            errors += len(rasa.messages)
        else:
            # Failed without saying why in a warning: show how it ended.
            print("\n".join(rasa.output.rstrip().splitlines()[-20:]))
            print(f"rasa: error: rasa data validate failed (exit status {rasa.returncode})")
            errors += 1

    project = Project(root)
    findings = run_checks(project, Options(args.min_examples, args.near_duplicate))
    thresholds = diversity.Thresholds(
        min_examples=args.min_examples, near_duplicate=args.near_duplicate
    )
    variety = diversity.report(project, thresholds)
    findings += variety.findings
    for finding in findings:
        print(finding.format(root))
    print(variety.table)
    print(languages_line(project))
    errors += sum(f.level is Level.ERROR for f in findings)
    warnings += sum(f.level is Level.WARNING for f in findings)
    print(f"validate: {plural(errors, 'error')}, {plural(warnings, 'warning')}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

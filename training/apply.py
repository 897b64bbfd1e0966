"""``make review-apply``: the trainer's decisions from the inbox into ``data/nlu/``.

Each item of ``reports/review/inbox.yml`` with an ``intent:`` becomes an
example of that intent, in the file that already holds the intent (for a new
intent, the ``topic:`` the trainer gave: ``data/nlu/<topic>.yml``). Nothing
else in the file changes: the new lines go right after the intent's last
example, with its indentation and line endings, so that the diff a reviewer
reads is exactly the added examples (a YAML round trip would reflow quotes,
comments and blank lines).

All or nothing: the decisions are checked first, and any error (an entity the
domain does not have, an example already under another intent, a new intent
without a topic) stops the run before a file is touched. Not added, with the
reason: examples already in the data, and texts of the held-out test and dev
sets (training on them would make the evaluation meaningless).

Afterwards the decided items leave the inbox (the whole file as it was is
kept under ``reports/review/applied/``), and discarded texts are remembered
so that the next review does not show them again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from training.corpus import (
    Example,
    load_domain,
    load_nlu,
    normalise,
    parse_example,
    read_nlu,
    yaml_files,
)
from training.review import DISCARDED, INBOX
from training.settings import ROOT, TrainingSettings

INTENT_NAME = re.compile(r"[A-Za-z0-9_]+(/[A-Za-z0-9_]+)?")
TOPIC_NAME = re.compile(r"[a-z0-9_]+")
HELD_OUT = (Path("tests/nlu/test_data.yml"), Path("tests/nlu/dev_data.yml"))
NEW_FILE = 'version: "3.1"\nnlu:\n'


@dataclass(frozen=True)
class Decision:
    line: int  # in the inbox, for messages
    text: str
    intent: str | None
    discard: bool
    topic: str | None


@dataclass
class Plan:
    # file -> intent -> texts to add
    additions: dict[Path, dict[str, list[str]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(t) for intents in self.additions.values() for t in intents.values())


def read_decisions(path: Path) -> tuple[list[Decision], list[str]]:
    document = YAML(typ="rt").load(path.read_text(encoding="utf-8")) or {}
    items = document.get("items") if isinstance(document, CommentedMap) else None
    if not isinstance(items, CommentedSeq):
        return [], [f"{path}: no `items:` list; is this a review file?"]
    decisions, errors = [], []
    for index, item in enumerate(items):
        line = items.lc.item(index)[0] + 1
        if not isinstance(item, CommentedMap):
            errors.append(f"{path}:{line}: an item must be a mapping with `text:`")
            continue
        text = " ".join(str(item.get("text") or "").split())
        intent = str(item["intent"]).strip() if item.get("intent") else None
        topic = str(item["topic"]).strip() if item.get("topic") else None
        discard = item.get("discard") is True
        if intent and discard:
            errors.append(f"{path}:{line}: both `intent:` and `discard: true`; choose one")
        elif intent and not INTENT_NAME.fullmatch(intent):
            errors.append(f"{path}:{line}: `{intent}` is not an intent name")
        elif topic and not TOPIC_NAME.fullmatch(topic):
            errors.append(f"{path}:{line}: topic `{topic}`: a file name, like `orders`")
        elif intent and not text:
            errors.append(f"{path}:{line}: the text is empty")
        else:
            decisions.append(Decision(line, text, intent, discard, topic))
    return decisions, errors


def plan_changes(decisions: list[Decision], root: Path, inbox: Path) -> Plan:
    plan = Plan()
    nlu = load_nlu(yaml_files(root / "data"))
    domain = load_domain(root / "domain.yml")
    existing: dict[str, Example] = {}
    for example in nlu.examples:
        existing.setdefault(normalise(example.plain), example)
    held_out = {
        normalise(e.plain): path
        for path in HELD_OUT
        if (root / path).exists()
        for e in load_nlu([root / path]).examples
    }
    planned: set[str] = set()
    for decision in decisions:
        where = f"{inbox}:{decision.line}"
        if decision.discard:
            plan.discarded.append(decision.text)
            continue
        if decision.intent is None:
            continue  # not decided yet: stays in the inbox
        intent = decision.intent
        plain, entities = parse_example(decision.text)
        key = normalise(plain)
        unknown = sorted({e.name for e in entities} - set(domain.entities))
        if unknown:
            plan.errors.append(
                f"{where}: annotates {', '.join(unknown)}, which the domain does not have "
                f"(entities: {', '.join(sorted(domain.entities))})"
            )
            continue
        if key in existing:
            known = existing[key]
            if known.intent != intent:
                plan.errors.append(
                    f'{where}: "{decision.text}" is already an example of {known.intent} '
                    f"({known.where.relative_to(root)}): relabel one of them"
                )
            else:
                plan.skipped.append(f'"{decision.text}": already an example of {intent}')
            continue
        if key in held_out:
            plan.skipped.append(
                f'"{decision.text}": in the held-out {held_out[key]}, never trained on'
            )
            continue
        if key in planned:
            plan.skipped.append(f'"{decision.text}": twice in the inbox')
            continue
        files = nlu.files_holding(intent)
        if any(b.intent.startswith(f"{intent}/") for b in nlu.blocks):
            plan.errors.append(f"{where}: {intent} is answered per question: write {intent}/<name>")
            continue
        if files:
            target = files[0]
        elif decision.topic:
            target = root / "data" / "nlu" / f"{decision.topic}.yml"
            base = intent.split("/")[0]
            if base not in domain.intents:
                plan.notes.append(f"new intent {base}: add it to domain.yml and a rule or story")
            if "/" in intent and f"utter_{intent}" not in domain.responses:
                plan.notes.append(f"new FAQ {intent}: add its answer utter_{intent} to domain.yml")
        else:
            plan.errors.append(
                f"{where}: {intent} is a new intent: add `topic:` (the data/nlu file to hold it)"
            )
            continue
        planned.add(key)
        plan.additions.setdefault(target, {}).setdefault(intent, []).append(decision.text)
    plan.notes = list(dict.fromkeys(plan.notes))
    return plan


def example_line(indent: str, text: str, newline: str) -> str:
    return f"{indent}- {text}{newline}"


def insert_examples(content: str, path: Path, additions: dict[str, list[str]]) -> str:
    """``content`` with the examples added after each intent's last one (or as a new intent)."""
    for intent, texts in additions.items():
        lines = content.splitlines(keepends=True)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        block = next((b for b in parse_blocks(content, path) if b[0] == intent), None)
        if block is not None:
            _, after, indent = block
            if after > 0 and not lines[after - 1].endswith(("\n", "\r")):
                lines[after - 1] += newline
            new = [example_line(indent, t, newline) for t in texts]
            content = "".join(lines[:after] + new + lines[after:])
        else:
            dash, key, indent = item_style(content)
            if content and not content.endswith(("\n", "\r")):
                content += newline
            content += f"{dash}- intent: {intent}{newline}{key}examples: |{newline}"
            content += "".join(example_line(indent, t, newline) for t in texts)
    return content


def parse_blocks(content: str, path: Path) -> list[tuple[str, int, str]]:
    """(intent, line after which to insert, indentation of its examples) of each block."""
    lines = content.splitlines()
    blocks = []
    for block in read_nlu(content, path).blocks:
        if block.examples:
            after = block.examples[-1].where.line
            raw = lines[after - 1]
            indent = raw[: len(raw) - len(raw.lstrip())]
        else:
            after = block.where.line + 1  # the `examples: |` line
            item = lines[block.where.line - 1]
            indent = " " * (len(item) - len(item.lstrip()) + 4)
        blocks.append((block.intent, after, indent))
    return blocks


def item_style(content: str) -> tuple[str, str, str]:
    """The indentation of "- intent:", of "examples:" and of an example, as the file has them."""
    match = re.search(r"^( *)- intent:.*\n( *)examples: *\|[-+]?\n( *)- ", content, re.MULTILINE)
    if match:
        return match.group(1), match.group(2), match.group(3)
    return "", "  ", "    "


def write_atomically(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(content)
    if path.exists():
        os.chmod(temporary, path.stat().st_mode & 0o777)
    os.replace(temporary, path)


def read_exactly(path: Path) -> str:
    """The file's text with its line endings as they are ("\\r\\n" kept)."""
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def apply_plan(plan: Plan) -> None:
    for path, additions in plan.additions.items():
        content = read_exactly(path) if path.exists() else NEW_FILE
        write_atomically(path, insert_examples(content, path, additions))


def settle_inbox(inbox: Path, applied_dir: Path, discarded_file: Path, plan: Plan) -> int:
    """Keep the inbox's undecided items only (the file as it was goes to applied/)."""
    text = inbox.read_text(encoding="utf-8")
    applied_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (applied_dir / f"inbox-{stamp}.yml").write_text(text, encoding="utf-8")
    if plan.discarded:
        with discarded_file.open("a", encoding="utf-8") as out:
            out.writelines(f"{t}\n" for t in plan.discarded)
    yaml = YAML(typ="rt")
    yaml.width = 120  # type: ignore[assignment]  # ruamel declares it None
    document: Any = yaml.load(text)
    items = document["items"]
    for index in reversed(range(len(items))):
        if items[index].get("intent") or items[index].get("discard") is True:
            del items[index]
    if not items:
        inbox.unlink()
        return 0
    with inbox.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make review-apply", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the Rasa project")
    parser.add_argument("--review", type=Path, help="default: reports/review/inbox.yml")
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would change, change nothing"
    )
    args = parser.parse_args(argv)
    settings = TrainingSettings.from_env(root=args.root.resolve())
    inbox: Path = args.review or settings.reports_dir / INBOX
    if not inbox.exists():
        print(f"{inbox} does not exist: run `make review` first", file=sys.stderr)
        return 1
    decisions, errors = read_decisions(inbox)
    plan = plan_changes(decisions, settings.root, inbox)
    plan.errors[:0] = errors
    for line in plan.errors:
        print(f"error: {line}", file=sys.stderr)
    if plan.errors:
        print("review-apply: nothing changed; fix the inbox and run it again", file=sys.stderr)
        return 1
    for line in plan.skipped:
        print(f"skipped: {line}")
    for path, intents in plan.additions.items():
        counts = ", ".join(f"{intent} +{len(texts)}" for intent, texts in intents.items())
        print(f"{path.relative_to(settings.root)}: {counts}")
    for note in plan.notes:
        print(f"to do: {note}")
    if args.dry_run:
        return 0
    apply_plan(plan)
    pending = settle_inbox(inbox, inbox.parent / "applied", settings.reports_dir / DISCARDED, plan)
    print(
        f"review-apply: {plan.count} example(s) added, {len(plan.discarded)} discarded, "
        f"{pending} left in the inbox; next: `make validate` and `make evaluate`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Our own checks of the training data, each finding pointing at a ``file:line``.

``rasa data validate`` checks the data's structure and the stories against
each other; these check what it does not see and what trainers get wrong
when they add data by hand:

=====================  =======  ==============================================
check                  level    what
=====================  =======  ==============================================
conflicting-example    error    the same example under two intents
near-duplicate         warning  near-identical examples under two intents
too-few-examples       warning  an intent with fewer than ``min_examples``
entity-annotation      error    an annotation naming no entity of the domain,
                                or a value its entity's regex does not match
                                (the regexes are the only entity extractor);
                       warning  a value the regex would extract, not annotated
unused-response        warning  a response no rule, story, form or code sends
faq-answer             error    a FAQ (retrieval) intent with no answer
=====================  =======  ==============================================

Errors make ``make validate`` fail; warnings are listed.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from training.corpus import (
    Domain,
    Example,
    Location,
    NluData,
    dialogue_actions,
    load_domain,
    load_nlu,
    normalise,
    yaml_files,
)
from training.similarity import similar_pairs

# Intents a rule sets in the NLU pipeline, never learnt, so without examples:
# no_order_number (bot/nlu/no_order_number.py reads the escalation rules' phrases).
RULE_SET_INTENTS = frozenset({"no_order_number"})
MIN_EXAMPLES = 10
NEAR_DUPLICATE = 0.9
# Responses Rasa's own default actions send (action_default_fallback,
# action_two_stage_fallback, action_restart, action_back): no rule names them.
RASA_DEFAULT_RESPONSES = frozenset(
    {"utter_default", "utter_ask_rephrase", "utter_restart", "utter_back"}
)
# A response named in our Python code: "utter_balance", or a prefix the code
# completes ("utter_order_status_" + status).
CODE_RESPONSE = re.compile(r"""["'](utter_[A-Za-z0-9_/]*)""")
CODE_FOLDERS = ("actions", "bot", "handoff")


class Level(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    level: Level
    where: Location
    check: str
    message: str

    def format(self, root: Path) -> str:
        return f"{self.where.relative_to(root)}: {self.level.value}: {self.message} [{self.check}]"


@dataclass(frozen=True)
class Project:
    """Where a Rasa project keeps what the checks read."""

    root: Path

    @property
    def data_files(self) -> list[Path]:
        return yaml_files(self.root / "data")

    @property
    def domain(self) -> Path:
        folder = self.root / "domain"
        return folder if folder.is_dir() else self.root / "domain.yml"

    @property
    def code_files(self) -> list[Path]:
        return sorted(p for f in CODE_FOLDERS for p in (self.root / f).rglob("*.py"))


@dataclass(frozen=True)
class Options:
    min_examples: int = MIN_EXAMPLES
    near_duplicate: float = NEAR_DUPLICATE


def quoted(example: Example) -> str:
    return f'"{example.text}"'


def conflicting_examples(nlu: NluData, root: Path) -> Iterable[Finding]:
    first: dict[str, Example] = {}
    for example in nlu.examples:
        key = normalise(example.plain)
        seen = first.setdefault(key, example)
        if seen.intent != example.intent:
            yield Finding(
                Level.ERROR,
                example.where,
                "conflicting-example",
                f"{quoted(example)} is an example of {example.intent} and also of "
                f"{seen.intent} ({seen.where.relative_to(root)}): keep it under one intent",
            )


def near_duplicates(nlu: NluData, root: Path, threshold: float) -> Iterable[Finding]:
    examples = nlu.examples
    for i, j, similarity in similar_pairs([e.plain for e in examples], threshold):
        a, b = examples[i], examples[j]
        if a.intent == b.intent or normalise(a.plain) == normalise(b.plain):
            continue  # the latter is a conflicting example, reported as such
        yield Finding(
            Level.WARNING,
            b.where,
            "near-duplicate",
            f"{quoted(b)} ({b.intent}) is {similarity:.0%} the same as {quoted(a)} "
            f"({a.intent}, {a.where.relative_to(root)}): the model can hardly tell them "
            "apart; drop one or relabel it",
        )


def too_few_examples(nlu: NluData, domain: Domain, minimum: int) -> Iterable[Finding]:
    # Each language on its own: Spanish customers get no help from English examples.
    counts: dict[str, int] = defaultdict(int)
    where: dict[str, Location] = {}
    named: set[str] = set()
    for block in nlu.blocks:
        counts[block.label] += len(block.examples)
        where.setdefault(block.label, block.where)
        named |= {block.intent, block.intent.split("/")[0]}
        if "/" in block.intent:
            parent = block.label.replace(block.intent, block.intent.split("/")[0], 1)
            counts[parent] += len(block.examples)
    for intent, count in sorted(counts.items()):
        if count < minimum and intent in where:
            yield Finding(
                Level.WARNING,
                where[intent],
                "too-few-examples",
                f"{intent} has {count} example{'s' * (count != 1)}; give it at least {minimum}",
            )
    for intent, location in domain.intents.items():
        if intent not in named and intent != "nlu_fallback" and intent not in RULE_SET_INTENTS:
            yield Finding(
                Level.WARNING,
                location,
                "too-few-examples",
                f"{intent} is in the domain but has no examples in data/",
            )


def entity_annotations(nlu: NluData, domain: Domain) -> Iterable[Finding]:
    patterns: dict[str, list[re.Pattern[str]]] = defaultdict(list)
    for regex in nlu.regexes:
        # RegexEntityExtractor is configured case-insensitive (config.yml).
        patterns[regex.name].append(re.compile(regex.pattern, re.IGNORECASE))
        if regex.name not in domain.entities:
            yield Finding(
                Level.ERROR,
                regex.where,
                "entity-annotation",
                f"the regex {regex.name} extracts an entity the domain does not have "
                f"(entities: {', '.join(sorted(domain.entities))})",
            )
    for example in nlu.examples:
        for entity in example.entities:
            if entity.name not in domain.entities:
                yield Finding(
                    Level.ERROR,
                    example.where,
                    "entity-annotation",
                    f"{quoted(example)} annotates [{entity.value}]({entity.name}), but the "
                    f"domain has no entity {entity.name} "
                    f"(entities: {', '.join(sorted(domain.entities))})",
                )
            elif patterns[entity.name] and not any(
                p.fullmatch(entity.value) for p in patterns[entity.name]
            ):
                yield Finding(
                    Level.ERROR,
                    example.where,
                    "entity-annotation",
                    f"{quoted(example)} annotates '{entity.value}' as {entity.name}, which "
                    f"its regex does not match: the bot would never extract it",
                )
        annotated = [(e.start, e.end) for e in example.entities]
        for name, compiled in patterns.items():
            for pattern in compiled:
                for match in pattern.finditer(example.plain):
                    if not any(s <= match.start() and match.end() <= e for s, e in annotated):
                        yield Finding(
                            Level.WARNING,
                            example.where,
                            "entity-annotation",
                            f"'{match.group(0)}' in {quoted(example)} is a {name} (the bot "
                            f"extracts it) but is not annotated: write [{match.group(0)}]({name})",
                        )


def responses_in_code(files: Iterable[Path]) -> set[str]:
    return {m for f in files for m in CODE_RESPONSE.findall(f.read_text(encoding="utf-8"))}


def unused_responses(
    nlu: NluData, domain: Domain, data_files: list[Path], code_files: list[Path]
) -> Iterable[Finding]:
    used = set(dialogue_actions(data_files)) | RASA_DEFAULT_RESPONSES
    for form, slots in domain.forms.items():
        used |= {f"utter_ask_{slot}" for slot in slots}
        used |= {f"utter_ask_{form}_{slot}" for slot in slots}
    retrieval = {b.intent for b in nlu.blocks if "/" in b.intent}
    # utter_faq answers every faq/<name> that has examples with utter_faq/<name>.
    used |= {f"utter_{i}" for i in retrieval if f"utter_{i.split('/')[0]}" in used}
    in_code = responses_in_code(code_files)
    prefixes = tuple(n for n in in_code if n.endswith("_"))
    for name, location in domain.responses.items():
        if name in used or name in in_code or name.startswith(prefixes or ("\0",)):
            continue
        yield Finding(
            Level.WARNING,
            location,
            "unused-response",
            f"{name} is never sent: no rule, story, form or action uses it",
        )


def faq_answers(nlu: NluData, domain: Domain) -> Iterable[Finding]:
    reported = set()
    for block in nlu.blocks:
        if "/" in block.intent and block.intent not in reported:
            reported.add(block.intent)
            if f"utter_{block.intent}" not in domain.responses:
                yield Finding(
                    Level.ERROR,
                    block.where,
                    "faq-answer",
                    f"{block.intent} has examples but no answer: add the response "
                    f"utter_{block.intent} to the domain",
                )


def run_checks(project: Project, options: Options | None = None) -> list[Finding]:
    options = options or Options()
    data_files = project.data_files
    nlu = load_nlu(data_files)
    domain = load_domain(project.domain)
    root = project.root
    checks: list[Callable[[], Iterable[Finding]]] = [
        lambda: conflicting_examples(nlu, root),
        lambda: near_duplicates(nlu, root, options.near_duplicate),
        lambda: too_few_examples(nlu, domain, options.min_examples),
        lambda: entity_annotations(nlu, domain),
        lambda: unused_responses(nlu, domain, data_files, project.code_files),
        lambda: faq_answers(nlu, domain),
    ]
    findings = [finding for check in checks for finding in check()]
    return sorted(findings, key=lambda f: (f.where, f.check, f.message))

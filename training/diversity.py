"""How varied each intent's examples are: the diversity report of ``make validate``.

A model learns an intent from what its examples have in common and how they
differ. When they are one sentence with the nouns swapped ("I want to return
my shoes", "... my coat", "... my lamp"), the model learns that sentence:
customers who write it any other way ("how would I go about sending this
back?") get another intent's answer or a fallback. A high example count hides
that; these figures show it, per intent (each FAQ on its own):

==============  ==============================================================
examples        how many
words           distinct words (an order number or e-mail counts as one word,
                ``<order_id>``, ``<email>``: swapping the number is no variety)
openings        distinct openings: the first two words ("how do", "i want")
openings/20     of 20 examples drawn at random, how many open differently
                (expected value; 20 means every one does). Unlike a ratio to
                the count, it does not fall as an intent grows
variety         of the words in 20 examples drawn at random, the share that
                are distinct (expected values): a template repeats its words
top opening     the most common opening and the share of examples it starts
length          mean length in words, and its standard deviation
near-dups       pairs of examples of the intent at least 90% the same, as the
                model sees them (:func:`training.similarity.similar_pairs`):
                a typo or case variant or two teach the model to read typos,
                many of them only pad the count
==============  ==============================================================

An intent is *thin*, and each reason is a warning in the checks' format
(``file:line: warning: message [diversity]``, at the intent's first block),
when it has few openings in 20, little word variety, one opening starting
too many of its examples, or many near-duplicates among its examples. Intents
with fewer than ``min_examples`` examples are left to the too-few-examples
check. Why not a library: the figures are a few counts over the examples
:mod:`training.corpus` already reads, and the expected values have closed
forms (rarefaction), so nothing is sampled and the report is the same every run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.checks import MIN_EXAMPLES, NEAR_DUPLICATE, Finding, Level, Project
from training.corpus import Example, Location, NluData, load_nlu, normalise
from training.settings import ROOT
from training.similarity import similar_pairs

CHECK = "diversity"
APOSTROPHES = re.compile("['\u2019]")
SAMPLE = 20  # examples per draw for "openings in 20" and "variety"
OPENING_WORDS = 2
MIN_OPENINGS_IN_SAMPLE = 8.0
MIN_VARIETY = 0.35
MAX_TOP_OPENING_SHARE = 0.3
MAX_NEAR_DUPLICATE_SHARE = 0.1
EXAMPLE_PAIRS_SHOWN = 2


@dataclass(frozen=True)
class Thresholds:
    min_examples: int = MIN_EXAMPLES
    min_openings_in_sample: float = MIN_OPENINGS_IN_SAMPLE
    min_variety: float = MIN_VARIETY
    max_top_opening_share: float = MAX_TOP_OPENING_SHARE
    max_near_duplicate_share: float = MAX_NEAR_DUPLICATE_SHARE
    near_duplicate: float = NEAR_DUPLICATE


@dataclass(frozen=True)
class IntentDiversity:
    intent: str
    where: Location  # the intent's first block
    examples: int
    words: int
    openings: int
    openings_in_sample: float
    variety: float
    top_opening: str
    top_opening_share: float
    mean_length: float
    length_spread: float
    near_duplicates: list[tuple[Example, Example]]

    @property
    def in_near_duplicates(self) -> int:
        """How many examples are in at least one near-duplicate pair."""
        return len({e.where for pair in self.near_duplicates for e in pair})


def words_of(text: str) -> list[str]:
    # "i'm" is one word, as "im" is: apostrophes go before the other punctuation.
    return normalise(APOSTROPHES.sub("", text)).split()


def tokens(example: Example) -> list[str]:
    """The example's words as compared here: normalised, each entity one placeholder."""
    words: list[str] = []
    position = 0
    for entity in sorted(example.entities, key=lambda e: e.start):
        words += words_of(example.plain[position : entity.start])
        words.append(f"<{entity.name}>")
        position = entity.end
    return words + words_of(example.plain[position:])


def expected_distinct(containing: Iterable[int], total: int, draw: int) -> float:
    """Expected number of distinct types among ``draw`` of ``total`` items drawn without
    replacement, given how many items contain each type (rarefaction)."""
    draw = min(draw, total)
    expected = 0.0
    for count in containing:
        absent = 1.0  # the chance that none of the drawn items contains this type
        for i in range(draw):
            if total - count - i <= 0:
                absent = 0.0
                break
            absent *= (total - count - i) / (total - i)
        expected += 1.0 - absent
    return expected


def measure(
    intent: str, where: Location, examples: Sequence[Example], near_duplicate: float
) -> IntentDiversity:
    words = [tokens(e) for e in examples]
    openings = [" ".join(w[:OPENING_WORDS]) for w in words]
    lengths = [len(w) for w in words]
    n = len(examples)
    opening_counts = Counter(openings)
    # In how many examples each word occurs, and (below) the expected words drawn.
    word_examples = Counter(word for w in words for word in set(w))
    draw = min(SAMPLE, n)
    expected_tokens = draw * (statistics.fmean(lengths) if n else 0.0)
    # As the model sees them, like the checks' near-duplicate: "order 12345678" and
    # "order 87654321" differ in every character n-gram of the number.
    plain = [e.plain for e in examples]
    pairs = [(examples[i], examples[j]) for i, j, _ in similar_pairs(plain, near_duplicate)]
    top, top_count = opening_counts.most_common(1)[0] if n else ("", 0)
    return IntentDiversity(
        intent=intent,
        where=where,
        examples=n,
        words=len(word_examples),
        openings=len(opening_counts),
        openings_in_sample=expected_distinct(opening_counts.values(), n, SAMPLE),
        variety=(
            expected_distinct(word_examples.values(), n, SAMPLE) / expected_tokens
            if expected_tokens
            else 0.0
        ),
        top_opening=top,
        top_opening_share=top_count / n if n else 0.0,
        mean_length=statistics.fmean(lengths) if n else 0.0,
        length_spread=statistics.pstdev(lengths) if n else 0.0,
        near_duplicates=pairs,
    )


def intent_diversity(nlu: NluData, near_duplicate: float = NEAR_DUPLICATE) -> list[IntentDiversity]:
    """The figures of every intent with examples, by intent name; each language's apart."""
    examples: dict[str, list[Example]] = defaultdict(list)
    where: dict[str, Location] = {}
    for block in nlu.blocks:
        examples[block.label] += block.examples
        where.setdefault(block.label, block.where)
    return [
        measure(intent, where[intent], examples[intent], near_duplicate)
        for intent in sorted(examples)
        if examples[intent]
    ]


def quoted_pair(pair: tuple[Example, Example]) -> str:
    return f'"{pair[0].text}" / "{pair[1].text}"'


def percent(share: float) -> int:
    """A share as the whole percent shown, so that what is flagged is what the message says."""
    return round(100 * share)


def thin_intents(figures: Iterable[IntentDiversity], thresholds: Thresholds) -> list[Finding]:
    """A warning for each way an intent is thin."""
    findings = []
    for d in figures:
        if d.examples < thresholds.min_examples:
            continue
        reasons = []
        if d.openings_in_sample < thresholds.min_openings_in_sample:
            reasons.append(
                f"{d.intent} has few different openings: {d.openings} in {d.examples} examples, "
                f"{d.openings_in_sample:.1f} in {SAMPLE} drawn at random (want "
                f"{thresholds.min_openings_in_sample:g}); start examples other ways: questions, "
                'statements, polite requests ("could you", "I\'d like to"), bare keywords'
            )
        if d.variety < thresholds.min_variety:
            reasons.append(
                f"{d.intent} repeats its words: {d.words} distinct words, variety "
                f"{d.variety:.2f} (want {thresholds.min_variety:g}); say it with other words, "
                "not the same sentence with another noun"
            )
        if percent(d.top_opening_share) > percent(thresholds.max_top_opening_share):
            reasons.append(
                f'{d.intent}: "{d.top_opening}" starts {d.top_opening_share:.0%} of its examples '
                f"(want at most {thresholds.max_top_opening_share:.0%}); write other openings"
            )
        share = d.in_near_duplicates / d.examples
        if percent(share) > percent(thresholds.max_near_duplicate_share):
            shown = "; ".join(quoted_pair(p) for p in d.near_duplicates[:EXAMPLE_PAIRS_SHOWN])
            reasons.append(
                f"{d.intent} has {len(d.near_duplicates)} near-duplicate pairs ({share:.0%} of "
                f"its examples, want at most {thresholds.max_near_duplicate_share:.0%}), e.g. "
                f"{shown}: variants of one message pad the count; write new phrasings instead"
            )
        findings += [Finding(Level.WARNING, d.where, CHECK, reason) for reason in reasons]
    return findings


def is_thin(d: IntentDiversity, findings: Iterable[Finding]) -> bool:
    return any(f.where == d.where for f in findings)


def table(figures: Sequence[IntentDiversity], findings: Sequence[Finding] = ()) -> str:
    """The figures as a compact table, thin intents marked ``!``."""
    header = (
        f"  {'intent':<22} {'examples':>8} {'words':>6} {'openings':>8} {'/20':>5} "
        f"{'variety':>7}  {'top opening':<20} {'length':>10} {'near-dups':>9}"
    )
    rows = [
        f"{'!' if is_thin(d, findings) else ' '} {d.intent:<22} {d.examples:>8} {d.words:>6} "
        f"{d.openings:>8} {d.openings_in_sample:>5.1f} {d.variety:>7.2f}  "
        f"{(d.top_opening[:14] + f' {d.top_opening_share:.0%}'):<20} "
        f"{f'{d.mean_length:.1f} ± {d.length_spread:.1f}':>10} {len(d.near_duplicates):>9}"
        for d in figures
    ]
    return "\n".join(
        [
            f"diversity: per intent; /20: openings among {SAMPLE} examples drawn at random; "
            "variety: distinct share of their words; ! thin",
            header,
            *rows,
        ]
    )


@dataclass(frozen=True)
class Report:
    figures: list[IntentDiversity]
    findings: list[Finding]

    @property
    def table(self) -> str:
        return table(self.figures, self.findings)


def report(project: Project, thresholds: Thresholds | None = None) -> Report:
    thresholds = thresholds or Thresholds()
    figures = intent_diversity(load_nlu(project.data_files), thresholds.near_duplicate)
    findings = sorted(thin_intents(figures, thresholds), key=lambda f: (f.where, f.message))
    return Report(figures, findings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.diversity", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the Rasa project")
    parser.add_argument(
        "--pairs", action="store_true", help="also list every near-duplicate pair within an intent"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    result = report(Project(root))
    for finding in result.findings:
        print(finding.format(root))
    print(result.table)
    if args.pairs:
        for d in result.figures:
            for a, b in d.near_duplicates:
                print(f"{a.where.relative_to(root)}: {d.intent}: {quoted_pair((a, b))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

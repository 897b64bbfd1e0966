"""The diversity report: a planted thin intent is flagged at its line; the real data is not thin."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.training.conftest import SmallProject
from training.checks import RULE_SET_INTENTS, Level, Project
from training.corpus import load_domain
from training.diversity import (
    CHECK,
    IntentDiversity,
    Thresholds,
    expected_distinct,
    report,
)

# One sentence with the noun swapped: what a count of 24 examples hides.
TEMPLATE = "".join(
    f"    - i want to return my {thing}\n"
    for thing in (
        "shoes", "coat", "lamp", "kettle", "jeans", "scarf", "toaster", "rug",
        "sofa", "dress", "boots", "mug", "jacket", "shirt", "hat", "bag",
        "belt", "desk", "chair", "blender", "socks", "gloves", "tent", "clock",
    )
)  # fmt: skip
# Typo, case and punctuation variants of two messages.
VARIANTS = (
    "    - cancel my order\n    - cancel my ordr\n    - Cancel my order!\n    - CANCEL MY ORDER\n"
    "    - cancle my order\n    - please cancel it\n    - pls cancel it\n    - please cancel it!!\n"
    "    - plz cancel it\n    - stop the order\n    - i changed my mind\n    - scrap it\n"
    "    - i no longer want it\n    - ordered by mistake\n    - undo my purchase\n"
)


def plant(project: SmallProject, intent: str, examples: str) -> int:
    """Adds ``intent`` with ``examples`` to the small project; the line of its block."""
    project.edit(
        "data/nlu/faq.yml",
        "    - holiday opening times\n",
        f"    - holiday opening times\n- intent: {intent}\n  examples: |\n{examples}",
    )
    return project.line_of("data/nlu/faq.yml", f"- intent: {intent}")


def figures_of(project: SmallProject, intent: str) -> IntentDiversity:
    return next(d for d in report(Project(project.root)).figures if d.intent == intent)


def test_the_real_data_has_no_thin_intent() -> None:
    found = report(Project(ROOT))
    assert [f.format(ROOT) for f in found.findings] == []
    # Every intent of the domain is in the table (each FAQ on its own, not "faq").
    measured = {d.intent for d in found.figures}
    # Less the intents a rule sets, which have no examples to measure.
    intents = set(load_domain(ROOT / "domain.yml").intents) - {"faq"} - RULE_SET_INTENTS
    assert intents <= measured and any(i.startswith("faq/") for i in measured)


def test_the_small_project_has_no_thin_intent(small_project: SmallProject) -> None:
    assert report(Project(small_project.root)).findings == []


def test_a_template_with_swapped_nouns_is_flagged_at_its_block(
    small_project: SmallProject,
) -> None:
    line = plant(small_project, "start_return", TEMPLATE)
    found = report(Project(small_project.root)).findings
    assert {(f.check, f.level, f.where.line) for f in found} == {(CHECK, Level.WARNING, line)}
    messages = " ".join(f.message for f in found)
    assert "few different openings: 1 in 24 examples" in messages
    assert "repeats its words" in messages
    assert '"i want" starts 100% of its examples' in messages
    # Formatted like every other finding of make validate.
    assert (
        found[0]
        .format(small_project.root)
        .startswith(f"data/nlu/faq.yml:{line}: warning: start_return")
    )
    assert found[0].format(small_project.root).endswith("[diversity]")

    figures = figures_of(small_project, "start_return")
    assert (figures.examples, figures.openings, figures.words) == (24, 1, 5 + 24)
    assert figures.openings_in_sample == pytest.approx(1.0)
    assert figures.length_spread == 0.0 and figures.mean_length == 6.0


def test_many_near_duplicates_within_an_intent_are_flagged(small_project: SmallProject) -> None:
    line = plant(small_project, "cancel_order", VARIANTS)
    found = report(Project(small_project.root)).findings
    assert [(f.where.line, f.message.split(" has ")[0]) for f in found] == [(line, "cancel_order")]
    assert "near-duplicate pairs" in found[0].message
    assert '"cancel my order" / "cancel my ordr"' in found[0].message
    # A few typo variants are fine: below the share, nothing is said.
    lenient = Thresholds(max_near_duplicate_share=0.9)
    assert report(Project(small_project.root), lenient).findings == []


def test_intents_with_too_few_examples_are_left_to_that_check(
    small_project: SmallProject,
) -> None:
    plant(small_project, "start_return", "".join(TEMPLATE.splitlines(True)[:9]))
    found = report(Project(small_project.root))
    assert found.findings == []
    assert figures_of(small_project, "start_return").examples == 9


def test_an_order_number_or_email_counts_as_one_word(small_project: SmallProject) -> None:
    plant(
        small_project,
        "inform",
        "".join(f"    - it's [{10000000 + i * 1111111}](order_id)\n" for i in range(6))
        + "".join(
            f"    - [{name}@example.com](email)\n"
            for name in ("ann.lee", "bo", "carla.mendes77", "d_okafor", "eve+shop", "f.x.wu")
        ),
    )
    figures = figures_of(small_project, "inform")
    assert figures.words == 3  # its, <order_id>, <email>
    assert figures.openings == 2  # "its <order_id>", "<email>"
    # The numbers differ as the model sees them: not near-duplicates.
    assert figures.near_duplicates == []


def test_expected_distinct_is_exact_rarefaction() -> None:
    # Four items; type a in two of them, b and c in one each; two drawn:
    # a is missed with chance C(2,2)/C(4,2) = 1/6, b and c with C(3,2)/C(4,2) = 1/2.
    assert expected_distinct([2, 1, 1], total=4, draw=2) == pytest.approx(5 / 6 + 1 / 2 + 1 / 2)
    assert expected_distinct([1] * 30, total=30, draw=20) == pytest.approx(20)
    assert expected_distinct([30], total=30, draw=20) == pytest.approx(1)
    # Fewer items than the draw: all of them are drawn.
    assert expected_distinct([1, 1, 3], total=5, draw=20) == pytest.approx(3)


def test_the_table_lists_every_intent_and_marks_the_thin_ones(
    small_project: SmallProject,
) -> None:
    plant(small_project, "start_return", TEMPLATE)
    lines = report(Project(small_project.root)).table.splitlines()
    rows = {line[2:].split()[0]: line for line in lines[2:]}
    assert set(rows) == {"check_order_status", "faq/store_hours", "greet", "start_return"}
    assert rows["start_return"].startswith("! start_return")
    assert not rows["greet"].startswith("!")
    assert "i want 100%" in rows["start_return"]

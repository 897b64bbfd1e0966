"""Each data check catches a defect planted in a small project, at its line; real data passes."""

from __future__ import annotations

from tests.conftest import ROOT
from tests.training.conftest import SmallProject
from training.checks import Finding, Level, Options, Project, run_checks

# "- status of order [87654321](order_id)" in the small project's orders.yml
STATUS_LINE = 11


def findings(project: SmallProject, **options: float) -> list[Finding]:
    return run_checks(Project(project.root), Options(**options))  # type: ignore[arg-type]


def located(found: list[Finding], project: SmallProject) -> list[tuple[str, str, str]]:
    return [(f.check, f.level.value, f.where.relative_to(project.root)) for f in found]


def test_the_real_data_passes_every_check() -> None:
    found = run_checks(Project(ROOT))
    assert [f.format(ROOT) for f in found] == []


def test_the_small_project_passes_every_check(small_project: SmallProject) -> None:
    assert findings(small_project) == []


def test_the_same_example_under_two_intents_is_an_error_at_its_line(
    small_project: SmallProject,
) -> None:
    small_project.edit("data/nlu/smalltalk.yml", "    - howdy\n", "    - Track my parcel!\n")
    line = small_project.line_of("data/nlu/smalltalk.yml", "Track my parcel!")
    found = findings(small_project)
    assert located(found, small_project) == [
        ("conflicting-example", "error", f"data/nlu/smalltalk.yml:{line}")
    ]
    assert "check_order_status" in found[0].message and "orders.yml:7" in found[0].message


def test_near_duplicates_across_intents_are_warned_but_contrasts_are_not(
    small_project: SmallProject,
) -> None:
    small_project.edit("data/nlu/smalltalk.yml", "    - howdy\n", "    - where is my ordr\n")
    line = small_project.line_of("data/nlu/smalltalk.yml", "where is my ordr")
    found = findings(small_project)
    assert located(found, small_project) == [
        ("near-duplicate", "warning", f"data/nlu/smalltalk.yml:{line}")
    ]
    assert "where is my order" in found[0].message

    # A negation changes the meaning: "no" added to a short example is not a near-duplicate.
    small_project.edit("data/nlu/smalltalk.yml", "where is my ordr", "no not my order")
    assert findings(small_project) == []


def test_an_intent_with_too_few_examples_is_warned(small_project: SmallProject) -> None:
    small_project.edit("data/nlu/smalltalk.yml", "    - howdy\n    - hello there\n", "")
    found = findings(small_project)
    assert located(found, small_project) == [
        ("too-few-examples", "warning", "data/nlu/smalltalk.yml:3")
    ]
    assert "greet has 8 examples" in found[0].message
    assert findings(small_project, min_examples=8) == []


def test_each_language_of_an_intent_needs_enough_examples(small_project: SmallProject) -> None:
    spanish = "- intent: greet\n  metadata:\n    language: es\n  examples: |\n    - hola\n"
    path = small_project.path("data/nlu/spanish.yml")
    path.write_text(f'version: "3.1"\nnlu:\n{spanish}')
    found = findings(small_project)
    assert located(found, small_project) == [
        ("too-few-examples", "warning", "data/nlu/spanish.yml:3")
    ]
    assert "greet [es] has 1 example;" in found[0].message


def test_an_intent_of_the_domain_without_examples_is_warned(small_project: SmallProject) -> None:
    small_project.edit("domain.yml", "  - faq\n", "  - faq\n  - goodbye\n")
    found = findings(small_project)
    assert located(found, small_project) == [("too-few-examples", "warning", "domain.yml:7")]


def test_an_annotation_naming_no_entity_of_the_domain_is_an_error(
    small_project: SmallProject,
) -> None:
    small_project.edit("data/nlu/orders.yml", "[87654321](order_id)", "[87654321](order_number)")
    found = findings(small_project)
    assert located(found, small_project) == [
        ("entity-annotation", "error", f"data/nlu/orders.yml:{STATUS_LINE}")
    ]
    assert "no entity order_number" in found[0].message


def test_an_annotated_value_the_regex_would_not_extract_is_an_error(
    small_project: SmallProject,
) -> None:
    small_project.edit("data/nlu/orders.yml", "[87654321](order_id)", "[8765-4321](order_id)")
    found = findings(small_project)
    assert located(found, small_project) == [
        ("entity-annotation", "error", f"data/nlu/orders.yml:{STATUS_LINE}")
    ]
    assert "'8765-4321'" in found[0].message


def test_an_extractable_value_left_unannotated_is_warned(small_project: SmallProject) -> None:
    small_project.edit("data/nlu/orders.yml", "[87654321](order_id)", "87654321")
    found = findings(small_project)
    assert located(found, small_project) == [
        ("entity-annotation", "warning", f"data/nlu/orders.yml:{STATUS_LINE}")
    ]
    assert "[87654321](order_id)" in found[0].message


def test_a_regex_for_an_entity_the_domain_lacks_is_an_error(small_project: SmallProject) -> None:
    small_project.edit("data/nlu/entities.yml", "regex: order_id", "regex: order_no")
    found = findings(small_project)
    assert ("entity-annotation", "error", "data/nlu/entities.yml:5") in located(
        found, small_project
    )


def test_a_response_nothing_sends_is_warned(small_project: SmallProject) -> None:
    small_project.edit(
        "domain.yml",
        "  utter_greet:\n",
        '  utter_unused:\n    - text: "Nobody says this."\n  utter_greet:\n',
    )
    found = findings(small_project)
    assert located(found, small_project) == [("unused-response", "warning", "domain.yml:23")]
    assert "utter_unused" in found[0].message


def test_responses_sent_by_forms_code_and_rules_count_as_used(small_project: SmallProject) -> None:
    # utter_ask_order_id (the form), utter_order_status (the action's code), utter_greet (a rule)
    # and utter_faq/store_hours (the FAQ rule) are all used: nothing is reported.
    assert findings(small_project) == []
    small_project.edit("actions/orders.py", '"utter_order_status"', '"utter_somethingelse"')
    found = findings(small_project)
    assert [f.message.split()[0] for f in found] == ["utter_order_status"]


def test_a_faq_without_an_answer_is_an_error(small_project: SmallProject) -> None:
    small_project.edit(
        "data/nlu/faq.yml",
        "    - holiday opening times\n",
        "    - holiday opening times\n- intent: faq/parking\n  examples: |\n"
        + "".join(f"    - where can i park {i}\n" for i in range(10)),
    )
    found = findings(small_project)
    assert located(found, small_project) == [("faq-answer", "error", "data/nlu/faq.yml:15")]
    assert "utter_faq/parking" in found[0].message


def test_findings_print_as_file_line_level_message(small_project: SmallProject) -> None:
    small_project.edit("data/nlu/orders.yml", "[87654321](order_id)", "[87654321](order_no)")
    (finding,) = findings(small_project)
    assert finding.level is Level.ERROR
    assert finding.format(small_project.root).startswith(
        f'data/nlu/orders.yml:{STATUS_LINE}: error: "status of order [87654321](order_no)"'
    )

"""The NLU data, domain and dialogue read with the line of every item."""

from __future__ import annotations

from pathlib import Path

from tests.training.conftest import SmallProject
from training.corpus import dialogue_actions, load_domain, load_nlu, normalise, read_nlu


def test_every_example_knows_its_file_and_line(small_project: SmallProject) -> None:
    path = small_project.path("data/nlu/orders.yml")
    lines = path.read_text().splitlines()
    nlu = load_nlu([path])
    assert len(nlu.examples) == 10
    for example in nlu.examples:
        assert lines[example.where.line - 1] == f"    - {example.text}"
    assert nlu.blocks[0].where.line == 4  # "- intent: check_order_status", after a comment


def test_examples_are_parsed_as_rasa_parses_them(small_project: SmallProject) -> None:
    nlu = load_nlu([small_project.path("data/nlu/orders.yml")])
    example = next(e for e in nlu.examples if e.entities)
    assert example.plain == "where is order 12345678"
    assert [(e.name, e.value, e.start, e.end) for e in example.entities] == [
        ("order_id", "12345678", 15, 23)
    ]


def test_blank_lines_inside_a_block_keep_the_count_right() -> None:
    content = "nlu:\n- intent: greet\n  examples: |\n    - hi\n\n    - hello\n"
    nlu = read_nlu(content, Path("x.yml"))
    assert [(e.text, e.where.line) for e in nlu.examples] == [("hi", 4), ("hello", 6)]


def test_regexes_domain_and_dialogue(small_project: SmallProject) -> None:
    nlu = load_nlu([small_project.path("data/nlu/entities.yml")])
    assert [(r.name, r.where.line) for r in nlu.regexes] == [("order_id", 5)]
    domain = load_domain(small_project.path("domain.yml"))
    assert list(domain.intents) == ["greet", "check_order_status", "faq"]
    assert domain.responses["utter_greet"].line == 23
    assert domain.forms == {"order_form": ["order_id"]}
    actions = dialogue_actions([small_project.path("data/rules/rules.yml")])
    assert set(actions) == {"utter_greet", "utter_faq", "order_form", "action_check_order"}


def test_normalise_ignores_case_and_punctuation_but_keeps_emoji() -> None:
    assert normalise("  Where's my ORDER?! ") == normalise("where s my order")
    assert normalise("👍") != normalise("👎")


def test_a_block_s_language_comes_from_its_metadata() -> None:
    content = (
        "nlu:\n- intent: greet\n  examples: |\n    - hi\n"
        "- intent: greet\n  metadata:\n    language: es\n  examples: |\n    - hola\n    - buenas\n"
    )
    nlu = read_nlu(content, Path("x.yml"))
    assert [(b.language, b.label) for b in nlu.blocks] == [("en", "greet"), ("es", "greet [es]")]
    assert nlu.languages() == {"en": (1, {"greet"}), "es": (2, {"greet"})}

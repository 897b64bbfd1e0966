"""The trained model on the held-out test sets.

- tests/nlu/test_data.yml was written separately from data/nlu/, in our own
  style; reports/nlu_test_summary.json.
- tests/nlu/blind_test.yml (834 messages, 22 intents) was written blind, from
  the intent descriptions only, by someone who had not read data/nlu/;
  reports/nlu_blind_summary.json. Its sibling blind_dev.yml chose the
  fallback threshold; neither is ever trained on.

These tests check the sets stay held out and enforce floors on each.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from sklearn.metrics import accuracy_score, f1_score

from tests.conftest import ROOT

TEST_SET = ROOT / "tests" / "nlu" / "test_data.yml"
REPORT = ROOT / "reports" / "nlu_test_summary.json"
# Floors the suite enforces. They sit below what the model scores, so that
# honest additions to the data don't break the build, and above what a model
# that merely memorised the training data would reach on new phrasings.
MIN_ACCURACY = 0.93
MIN_MACRO_F1 = 0.93
MIN_INTENT_F1 = 0.75
MIN_ENTITY_RECALL = 0.95
# Confident mistakes are what customers notice: a wrong answer given as if right.
MAX_CONFIDENT_ERRORS = 0.03
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # "faq/store_hours" for retrieval intents
    entities: tuple[tuple[str, str], ...]  # (entity, value)


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    entities: tuple[tuple[str, str], ...]


def full_intent(message: Message) -> str:
    return str(message.get("intent_response_key") or message.get("intent"))


def load_examples(path: Path) -> list[Example]:
    return [
        Example(
            text=m.get("text"),
            intent=full_intent(m),
            entities=tuple(sorted((e["entity"], e["value"]) for e in m.get("entities", []))),
        )
        for m in load_data(str(path)).intent_examples
    ]


def normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def predict(agent: Agent, text: str) -> Prediction:
    parsed = asyncio.run(agent.parse_message(text))
    intent = parsed["intent"]["name"]
    if intent == "faq":
        intent = parsed["response_selector"]["faq"]["response"]["intent_response_key"]
    return Prediction(
        intent=intent,
        confidence=float(parsed["intent"]["confidence"]),
        entities=tuple(sorted((e["entity"], str(e["value"])) for e in parsed["entities"])),
    )


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples(TEST_SET)


@pytest.fixture(scope="module")
def predictions(model_path: Path, examples: list[Example]) -> Iterator[list[Prediction]]:
    agent = Agent.load(str(model_path))
    yield [predict(agent, e.text) for e in examples]


@pytest.fixture(scope="module")
def scores(examples: list[Example], predictions: list[Prediction]) -> dict:
    return summarise(examples, predictions, REPORT)


def summarise(examples: list[Example], predictions: list[Prediction], report: Path) -> dict:
    expected = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    labels = sorted(set(expected))
    per_intent = f1_score(expected, predicted, labels=labels, average=None, zero_division=0)
    errors = [
        {"text": e.text, "expected": e.intent, "predicted": p.intent, "confidence": p.confidence}
        for e, p in zip(examples, predictions, strict=True)
        if e.intent != p.intent
    ]
    summary = {
        "examples": len(examples),
        "accuracy": accuracy_score(expected, predicted),
        "macro_f1": f1_score(expected, predicted, labels=labels, average="macro", zero_division=0),
        "fallbacks": sum(p == FALLBACK for p in predicted),
        "confident_errors": sum(err["predicted"] != FALLBACK for err in errors),
        "per_intent_f1": dict(zip(labels, map(float, per_intent), strict=True)),
        "errors": errors,
    }
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps(summary, indent=2))
    return summary


def test_test_set_covers_every_intent(examples: list[Example]) -> None:
    domain_intents = {
        "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "check_order_status",
        "start_return", "cancel_order", "reset_password", "check_balance", "update_address",
        "request_human", "complain", "out_of_scope", "inform", "faq/store_hours",
        "faq/store_location", "faq/shipping_cost", "faq/return_policy", "faq/payment_methods",
        "faq/warranty",
    }  # fmt: skip
    counts = {i: sum(e.intent == i for e in examples) for i in domain_intents}
    assert {i for i, n in counts.items() if n < 10} == set()


def test_test_set_is_held_out(examples: list[Example]) -> None:
    training = {
        normalise(e.text) for p in (ROOT / "data" / "nlu").glob("*.yml") for e in load_examples(p)
    }
    leaked = [e.text for e in examples if normalise(e.text) in training]
    assert leaked == []


def test_intent_accuracy_and_macro_f1(scores: dict) -> None:
    assert scores["accuracy"] >= MIN_ACCURACY, scores["errors"]
    assert scores["macro_f1"] >= MIN_MACRO_F1, scores["errors"]


def test_no_intent_is_left_behind(scores: dict) -> None:
    weak = {i: f1 for i, f1 in scores["per_intent_f1"].items() if f1 < MIN_INTENT_F1}
    assert weak == {}


def test_mistakes_are_mostly_fallbacks_not_confident_wrong_answers(scores: dict) -> None:
    assert scores["confident_errors"] <= MAX_CONFIDENT_ERRORS * scores["examples"], scores["errors"]


def test_order_numbers_and_emails_are_extracted(
    examples: list[Example], predictions: list[Prediction]
) -> None:
    expected = [(i, ent) for i, e in enumerate(examples) for ent in e.entities]
    found = [(i, ent) for i, ent in expected if ent in predictions[i].entities]
    assert expected, "the test set annotates no entities"
    assert len(found) / len(expected) >= MIN_ENTITY_RECALL
    spurious = [
        (examples[i].text, ent)
        for i, p in enumerate(predictions)
        for ent in p.entities
        if ent not in examples[i].entities
    ]
    assert spurious == []


# --- the blind set ---------------------------------------------------------------------

BLIND_SET = ROOT / "tests" / "nlu" / "blind_test.yml"
BLIND_DEV_SET = ROOT / "tests" / "nlu" / "blind_dev.yml"
BLIND_REPORT = ROOT / "reports" / "nlu_blind_summary.json"
# Measured on the 638 blind messages the training data does not contain:
# 0.912 accuracy, 4.2% confidently wrong, complain the weakest intent at F1
# 0.71 (on all 834: 0.841 and 10.3% before the data was rewritten, 0.933 and
# 3.2% after, with config.yml's pipeline of 2026-12-03). The floors sit below
# that, so that honest changes pass and a real regression does not.
BLIND_MIN_ACCURACY = 0.88
BLIND_MAX_CONFIDENT_ERRORS = 0.06
BLIND_MIN_INTENT_F1 = 0.60


def unseen_blind_examples() -> list[Example]:
    """The blind set less the messages that also stand in the training data.

    Written independently, the two share common phrasings ("I forgot my
    password", "hi"): about a fifth of the blind messages, mostly of one to
    three words. Those are left out of the measurement rather than out of
    the training data, so that the figure is on messages the model never saw.
    """
    training = {
        normalise(e.text) for p in (ROOT / "data" / "nlu").glob("*.yml") for e in load_examples(p)
    }
    return [e for e in load_examples(BLIND_SET) if normalise(e.text) not in training]


@pytest.fixture(scope="module")
def blind_scores(model_path: Path) -> dict:
    examples = unseen_blind_examples()
    agent = Agent.load(str(model_path))
    return summarise(examples, [predict(agent, e.text) for e in examples], BLIND_REPORT)


def test_the_blind_sets_are_apart_and_cover_every_intent() -> None:
    blind, dev = load_examples(BLIND_SET), load_examples(BLIND_DEV_SET)
    # A few short answers ("nope, not that") and emoji-only messages repeat.
    shared = {normalise(e.text) for e in blind} & {normalise(e.text) for e in dev} - {""}
    assert len(shared) <= 5, shared
    assert min(sum(e.intent == i for e in blind) for i in {e.intent for e in blind}) >= 35
    unseen = unseen_blind_examples()
    assert min(sum(e.intent == i for e in unseen) for i in {e.intent for e in blind}) >= 10


def test_the_blind_set_is_understood(blind_scores: dict) -> None:
    assert blind_scores["accuracy"] >= BLIND_MIN_ACCURACY, blind_scores["errors"]
    weak = {i: f1 for i, f1 in blind_scores["per_intent_f1"].items() if f1 < BLIND_MIN_INTENT_F1}
    assert weak == {}
    confident = blind_scores["confident_errors"] / blind_scores["examples"]
    assert confident <= BLIND_MAX_CONFIDENT_ERRORS, blind_scores["errors"]

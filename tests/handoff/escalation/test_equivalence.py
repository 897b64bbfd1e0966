"""The linear-time rules read text exactly as the quadratic ones did (handoff/escalation/).

Each rewrite made for speed is compared here with what it replaced, kept
verbatim below as the reference: the lookahead fraud patterns, the "human!!!"
pattern, the sarcasm pattern, the negation look-back, VADER's own checks,
and judging a conversation from remembered findings against judging it
afresh. The inputs are generated from the words each pattern looks for, so
that matches are common, and short, so that the references stay fast.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from handoff.escalation import (
    AngerDetector,
    EscalationSettings,
    Turn,
    decide,
    default_detector,
    vocabulary,
)
from handoff.escalation import anger as anger_detection
from handoff.escalation import phrases as phrase_lists
from handoff.escalation import rules as escalation_rules
from handoff.escalation.phrases import EXPLICIT_REQUEST, Phrase
from handoff.escalation.sensitive_matters import FRAUD
from handoff.escalation.sensitive_matters_es import ES_FRAUD, ES_FRAUD_OWN_NEGATION
from handoff.escalation.vader import LinearVader
from handoff.escalation.vocabulary import CLAUSE_BREAK, CURLY_APOSTROPHE, NEGATORS
from tests.handoff.escalation.test_labelled_cases import BLIND_CASES, CASES, load_cases
from tests.handoff.escalation.test_speed import PATTERN_MODULES

EXAMPLES = 300
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

# --- the references: the rules as they were -------------------------------------------------

OLD_FRAUD_LOOKAHEADS = (
    # (pattern, negatable), in FRAUD's order.
    (
        r"(?=.*\b(changed|ordered|charged|logged|payment|order|password|account|purchase|email)\b)"
        r".*\b(it )?(wasn't|was not|weren't|were not) (me|us)\b",
        True,
    ),
    (
        r"(?=.*\b(e-?mail|notification|text|statement|charged?|payment|account|bank|card|"
        r"receipt)\b).*\b(i|we) (didn't|did not|never) (order|ordered|buy|bought|purchase|"
        r"purchased|place|placed|make|made|authori[sz]e|authori[sz]ed)\b",
        False,
    ),
)
OLD_BARE_REQUEST = re.compile(
    r"^\W*(human|agent|operator|representative|manager|supervisor|real person|live agent|"
    r"person)\W*(please|pls|plz|now)?\W*$",
    re.IGNORECASE,
)
OLD_SARCASM = re.compile(
    r"\b(oh|yeah),? (great|brilliant|wonderful|perfect|fantastic|lovely|"
    r"marvellous|marvelous|amazing)\b|\bthanks for nothing\b|\byeah,? right\b|"
    r"\bgreat job\b.*\b(again|lost|never|still)\b",
    re.IGNORECASE,
)


def old_negated(text: str, start: int, words: int = 4) -> bool:
    before = text[:start].replace(CURLY_APOSTROPHE, "'")
    breaks = list(CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    window = " ".join(before.split()[-words:]) if words else ""
    return NEGATORS.search(window) is not None


def old_find(pattern: re.Pattern[str], negatable: bool, text: str) -> str | None:
    for match in pattern.finditer(text):
        if negatable and old_negated(text, match.start()):
            continue
        return match.group(0)
    return None


# --- generated text ---------------------------------------------------------------------------


WORD_SEPARATORS = (" ", " ", ", ", ". ", "\n", "")


def phrases_of(
    *units: str, separators: tuple[str, ...] = WORD_SEPARATORS
) -> st.SearchStrategy[str]:
    return st.lists(
        st.tuples(st.sampled_from(units), st.sampled_from(separators)), max_size=30
    ).map(lambda pairs: "".join(unit + separator for unit, separator in pairs))


FRAUD_TEXT = phrases_of(
    "it wasn't me", "wasn't", "was not", "weren't us", "me", "it", "i didn't order",
    "we never bought", "did not", "i", "order", "changed", "password", "email", "e-mail",
    "card", "statement", "no", "not", "nobody", "but", "hi", "x",
)
REQUEST_TEXT = phrases_of(
    "human", "agent", "real person", "person", "please", "pls", "now", "!", "?", "-", "x",
    separators=("", "", " ", "  ", "!", "?!", "\n", "..."),
)
SARCASM_TEXT = phrases_of(
    "great job", "great", "job", "again", "lost", "never", "still", "oh great", "yeah right",
    "thanks for nothing", "x",
)
NEGATION_TEXT = phrases_of(
    "no", "not", "never", "nobody", "didn't", "don't", "wasn't", "hurt", "fire", "and", "but",
    "then", "the", "kettle", "my", "son", "was", "x", "a" * 20,
    separators=(" ", " ", "  ", "\t", ", ", ". ", "\n", CURLY_APOSTROPHE, "-"),
)
VADER_TEXT = phrases_of(
    "good", "GOOD", "bad", "BAD", "great", "terrible", "love", "hate", "not", "never", "no",
    "isn't", "without", "doubt", "so", "this", "very", "extremely", "kind", "of", "sort",
    "at", "least", "but", "BUT", "the", "bomb", "cut", "the mustard", "yeah right",
    "😡", "🙈", "😂", ":)", "lol", "!!!", "??", "bad ass", "kiss of death",
    separators=(" ", " ", ", ", ". ", "! ", "? ", ""),
)


# --- the rewritten patterns -------------------------------------------------------------------


def required_fraud_phrases() -> list[Phrase]:
    """The English fraud phrases with a condition: those that replaced the lookaheads
    (the Spanish ones, appended after them, never had any)."""
    english = FRAUD[: len(FRAUD) - len(ES_FRAUD) - len(ES_FRAUD_OWN_NEGATION)]
    return [phrase for phrase in english if phrase.requires is not None]


def test_no_pattern_looks_ahead_across_the_line() -> None:
    assert len(required_fraud_phrases()) == len(OLD_FRAUD_LOOKAHEADS)
    for module in PATTERN_MODULES:
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                assert ".*" not in value.pattern, name
            elif isinstance(value, list) and value and isinstance(value[0], Phrase):
                for phrase in value:
                    assert ".*" not in phrase.pattern.pattern, name


@SETTINGS
@given(FRAUD_TEXT)
def test_fraud_phrases_find_and_quote_what_the_lookaheads_did(text: str) -> None:
    pairs = zip(required_fraud_phrases(), OLD_FRAUD_LOOKAHEADS, strict=True)
    for phrase, (old, negatable) in pairs:
        assert phrase.negatable == negatable
        expected = old_find(re.compile(old, re.IGNORECASE), negatable, text)
        assert phrase_lists._first([phrase], text) == expected


@SETTINGS
@given(REQUEST_TEXT)
def test_a_bare_request_for_a_person_reads_as_before(text: str) -> None:
    (bare,) = [p for p in EXPLICIT_REQUEST if p.pattern.pattern.startswith(r"^\W*(human")]
    old = OLD_BARE_REQUEST.search(text)
    new = bare.pattern.search(text)

    assert (new and new.group(0)) == (old and old.group(0))


@SETTINGS
@given(SARCASM_TEXT)
def test_sarcasm_reads_as_before(text: str) -> None:
    assert anger_detection._sarcastic(text) == (OLD_SARCASM.search(text) is not None)


@SETTINGS
@given(NEGATION_TEXT, st.sampled_from([2, 4]))
def test_the_bounded_negation_look_back_reads_ordinary_text_as_before(
    text: str, words: int
) -> None:
    for start in range(len(text) + 1):
        assert vocabulary._negated(text, start, words) == old_negated(text, start, words), start


def test_the_negation_look_back_can_miss_but_never_invent_a_negation() -> None:
    lookback = vocabulary.NEGATION_LOOKBACK_CHARS
    # Words longer than the look-back: "nobody" is out of its reach.
    far = f"nobody {'x' * lookback}a hurt"
    # The look-back starts inside "xxx...xnot": its tail "not" is not a word.
    cut = "x" * 200 + "not" + " " * (lookback - len("not")) + "hurt"

    assert old_negated(far, far.index("hurt"))
    assert not vocabulary._negated(far, far.index("hurt"))
    assert not old_negated(cut, cut.index("hurt"))
    assert not vocabulary._negated(cut, cut.index("hurt"))


# --- VADER ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def analyzers() -> tuple[SentimentIntensityAnalyzer, SentimentIntensityAnalyzer]:
    # Shared across examples: each reads VADER's lexicon from disk.
    return SentimentIntensityAnalyzer(), LinearVader()


@SETTINGS
@given(VADER_TEXT)
def test_linear_vader_scores_as_vader(text: str) -> None:
    stock, linear = analyzers()

    assert linear.polarity_scores(text) == stock.polarity_scores(text)


# --- remembered findings ----------------------------------------------------------------------

TEXTS = ("where is my order", "WHERE IS IT!!!", "my dad died", "useless bot 😡", "ok", "")
INTENTS = (None, "complain", "request_human", "check_order_status", "nlu_fallback")


def judged_afresh(conversation: list[Turn], rules: EscalationSettings) -> object:
    escalation_rules._findings.cache_clear()
    return decide(conversation, rules, AngerDetector(rules.shout_min_letters))


@pytest.mark.parametrize("path", [CASES, BLIND_CASES], ids=["cases", "blind"])
def test_remembered_findings_give_the_decisions_made_afresh(path: Path) -> None:
    rules = EscalationSettings()
    detector = AngerDetector()
    for case in load_cases(path):
        for end in range(1, len(case.turns) + 1):
            conversation = case.turns[:end]
            remembered = decide(conversation, rules, detector)
            assert remembered == judged_afresh(conversation, rules), (case.id, end)


@settings(max_examples=100, deadline=None, database=None)
@given(
    st.lists(
        st.builds(
            Turn.customer,
            st.sampled_from(TEXTS),
            intent=st.sampled_from(INTENTS),
            confidence=st.sampled_from([None, 0.2, 0.9]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([0.3, 0.5, 0.8]),
)
def test_the_same_text_with_another_intent_is_judged_anew(
    conversation: list[Turn], min_confidence: float
) -> None:
    # The anger score depends on the trusted intent too: it is part of the key.
    rules = EscalationSettings(min_intent_confidence=min_confidence)
    detector = default_detector(rules.shout_min_letters)

    assert decide(conversation, rules, detector) == judged_afresh(conversation, rules)

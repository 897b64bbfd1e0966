"""The learned anger model: its training data, its behaviour, its cost on untrusted text."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from handoff.escalation.anger_model import (
    ANGER_PROBABILITY_THRESHOLD,
    DEFAULT_TRAINING_PATH,
    MAX_MODEL_CHARS,
    SPANISH_TRAINING_PATH,
    THRESHOLD_GRID,
    AngerModel,
    LabelledMessage,
    build_pipeline,
    load_messages,
    prepare,
)
from handoff.escalation.anger_model_cues import CUE_NAMES, cues
from handoff.escalation.vader import LinearVader

# Written for these tests, not taken from the training, dev or blind files
# (test_examples_are_not_training_data checks the first).
CALM = (
    "OMG THE NEW SOFA IS PERFECT!!! thank you!!",
    "damn, I typed the wrong postcode again lol, can you fix it?",
    "the parcel is a day late, any update on when it might come?",
    "do you sell fire pits with a mesh lid?",
    "is the Fire TV stick on offer this week?",
    "ugh my own fault, I picked the wrong colour. can I swap it?",
    "what time do you open on Sunday?",
    "thank you, the refund arrived this morning",
    "where is my order 60321?",
    "haha my kids love the box more than the toy",
    "bit gutted the candle I liked is gone, anything similar?",
    "can I close my account? I'm moving to Canada next month, thanks for everything",
)
ANGRY = (
    "I HAVE WAITED ALL WEEK FOR THIS TABLE AND NOBODY CAN TELL ME WHERE IT IS",
    "my parcel is missing and your chat closed on me 😡",
    "cancel everything and close my account, i'm going to a different shop",
    "Waiting 25 days for a refund is unacceptable.",
    "I was so excited for this order and now I'm just angry. Nobody cares.",
    "I requested a callback four days ago and nobody has phoned me",
    "this is the fourth time I'm asking about the same missing item",
    "You people are a disgrace, where is my money",
    "emailed support twice last week, still no answer 😤",
    "Honestly, I'm reporting you to the ombudsman if this isn't fixed",
    "wow, lost my parcel AGAIN, well done 👏",
)
# Cross-validated on the training file: the data must be learnable. Checked
# at the regression's own boundary (0.5), where balanced classes put it; the
# operating threshold is chosen on dev, for data written by others, and sits
# higher, so at it the floor is lower.
CV_THRESHOLD = 0.5
MIN_CV_RECALL = 0.8
MAX_CV_FALSE_ALARMS = 0.15
MIN_CV_RECALL_AT_THRESHOLD = 0.7
# Generous for a shared test machine: a message at the cap takes 5 to 40 ms.
MAX_LONG_MESSAGE_S = 0.5


@pytest.fixture(scope="module")
def training() -> list[LabelledMessage]:
    return load_messages(DEFAULT_TRAINING_PATH)


@pytest.fixture(scope="module")
def model() -> AngerModel:
    return AngerModel.load()


def test_training_file_is_big_balanced_and_has_no_duplicates(
    training: list[LabelledMessage],
) -> None:
    assert len(training) >= 500
    share = sum(m.angry for m in training) / len(training)
    assert 0.45 <= share <= 0.55
    normalised = [" ".join(m.text.lower().split()) for m in training]
    duplicates = {t for t in normalised if normalised.count(t) > 1}
    assert not duplicates
    assert all(0 < len(m.text) <= MAX_MODEL_CHARS for m in training)


def test_examples_are_not_training_data(training: list[LabelledMessage]) -> None:
    texts = {m.text.lower() for m in training}
    assert not [t for t in CALM + ANGRY if t.lower() in texts]


def test_load_trains_once_per_process(model: AngerModel) -> None:
    assert AngerModel.load() is model
    assert AngerModel.load(str(DEFAULT_TRAINING_PATH)) is model


def test_training_is_deterministic(training: list[LabelledMessage], model: AngerModel) -> None:
    again = AngerModel.train(training)
    texts = list(CALM + ANGRY)
    assert again.probabilities(texts) == model.probabilities(texts)


@pytest.mark.parametrize("text", CALM)
def test_hard_negatives_stay_calm(model: AngerModel, text: str) -> None:
    assert model.probability(text) < ANGER_PROBABILITY_THRESHOLD


@pytest.mark.parametrize("text", ANGRY)
def test_clear_anger_is_angry(model: AngerModel, text: str) -> None:
    assert model.probability(text) >= ANGER_PROBABILITY_THRESHOLD


def test_is_angry_uses_the_threshold(model: AngerModel) -> None:
    assert model.is_angry(ANGRY[0])
    assert not model.is_angry(CALM[0])
    assert not model.is_angry(ANGRY[0], threshold=1.01)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n\t",
        "?",
        "!!!!!!!!!!",
        "😡",
        "👏🙃👏🙃",
        "12345678901234567890",
        "\x00\x01\x02 control characters",
        "\U0001d573\U0001d58a\U0001d591\U0001d591\U0001d594 in mathematical letters",
        "İ and ß change length when case-folded",
        "A" * MAX_MODEL_CHARS,
    ],
)
def test_probabilities_are_between_0_and_1(model: AngerModel, text: str) -> None:
    p = model.probability(text)
    assert 0.0 <= p <= 1.0


def test_batch_matches_single_messages(model: AngerModel) -> None:
    texts = list(CALM + ANGRY)
    assert model.probabilities(texts) == [model.probability(t) for t in texts]
    assert model.probabilities([]) == []
    assert model.probabilities(iter(texts[:2])) == [model.probability(t) for t in texts[:2]]


def test_fast_scorer_equals_the_pipeline(
    model: AngerModel, training: list[LabelledMessage]
) -> None:
    # The scorer recomputes the pipeline's arithmetic with dictionaries; it
    # must give the same probabilities, to rounding.
    rng = random.Random(7)
    texts = [m.text for m in rng.sample(training, 100)] + list(CALM + ANGRY)
    texts.append("where is my parcel?? " * 300)
    fast = np.array(model.probabilities(texts))
    capped = [t[:MAX_MODEL_CHARS] for t in texts]
    slow = model.pipeline.predict_proba(capped)[:, list(model.pipeline.classes_).index(1)]
    assert np.allclose(fast, slow, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "where is my refund?? " * 5000,
        "a" * 100_000,
        "1" * 100_000,
        "but " * 25_000,
        "😡👏🙂 " * 25_000,
        "WHERE IS MY PARCEL!!! " * 5000,
        "no " * 33_000 + "good",
        "@" * 100_000,
        "http://" * 15_000,
        "fu" * 50_000,
        "3rd " * 25_000,
        "x" * 100_000,
    ],
    ids=[
        "words",
        "one-word",
        "digits",
        "but",
        "emoji",
        "shout",
        "negations",
        "ats",
        "links",
        "fu",
        "ordinals",
        "kisses",
    ],
)
def test_a_huge_message_is_cut_at_the_cap_and_is_quick(model: AngerModel, text: str) -> None:
    start = time.perf_counter()
    p = model.probability(text)
    assert time.perf_counter() - start < MAX_LONG_MESSAGE_S
    # Only the first MAX_MODEL_CHARS characters count.
    assert p == model.probability(text[:MAX_MODEL_CHARS])
    assert len(prepare(text)) <= MAX_MODEL_CHARS


def test_cues_are_named_and_bounded() -> None:
    for text in CALM + ANGRY:
        values = cues(prepare(text))
        assert len(values) == len(CUE_NAMES)
        assert all(-1.0 <= v <= 1.0 for v in values)


def test_windowed_vader_scores_as_vader() -> None:
    # Negations, boosters, idioms and capitals (what the windowed checks
    # read), and several "but"s among repeated sentiment words (what the
    # rewritten "but" rule must reproduce, quirks included), in random orders.
    words = (
        "not never no isn't without doubt but But BUT very kind of sort of so this least at "
        "good great bad terrible the bomb cut the mustard yeah right GREAT BAD ! ? 😡 🙂 "
        "parcel order refund love hate happy angry"
    ).split()
    rng = random.Random(11)
    plain, windowed = SentimentIntensityAnalyzer(), LinearVader()
    for _ in range(1000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        assert windowed.polarity_scores(text) == plain.polarity_scores(text), text


def test_cross_validated_recall_and_false_alarms(training: list[LabelledMessage]) -> None:
    texts = [m.text for m in training]
    labels = np.array([int(m.angry) for m in training])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    proba = cross_val_predict(build_pipeline(), texts, labels, cv=folds, method="predict_proba")

    def rates(threshold: float) -> tuple[float, float]:
        flagged = proba[:, 1] >= threshold
        recall = (flagged & (labels == 1)).sum() / (labels == 1).sum()
        false_alarms = (flagged & (labels == 0)).sum() / (labels == 0).sum()
        return float(recall), float(false_alarms)

    recall, false_alarms = rates(CV_THRESHOLD)
    assert recall >= MIN_CV_RECALL
    assert false_alarms <= MAX_CV_FALSE_ALARMS
    recall, false_alarms = rates(ANGER_PROBABILITY_THRESHOLD)
    assert recall >= MIN_CV_RECALL_AT_THRESHOLD
    assert false_alarms <= MAX_CV_FALSE_ALARMS


def test_threshold_is_on_the_grid() -> None:
    assert ANGER_PROBABILITY_THRESHOLD in THRESHOLD_GRID


def test_training_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both"):
        AngerModel.train([LabelledMessage("fine", False), LabelledMessage("ok", False)])


@pytest.mark.parametrize(
    "content",
    [
        "- just a list\n",
        "messages: nope\n",
        "messages:\n  - {text: hi}\n",
        "messages:\n  - {text: hi, angry: maybe}\n",
        "messages:\n  - {text: 3, angry: true}\n",
    ],
)
def test_malformed_labelled_files_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError):
        load_messages(path)


# --- Spanish --------------------------------------------------------------------------


def test_the_spanish_file_is_balanced_and_has_no_duplicates() -> None:
    spanish = load_messages(SPANISH_TRAINING_PATH)
    assert len(spanish) >= 150
    assert 0.45 <= sum(m.angry for m in spanish) / len(spanish) <= 0.55
    normalised = [" ".join(m.text.lower().split()) for m in spanish]
    assert len(set(normalised)) == len(normalised)
    english = {" ".join(m.text.lower().split()) for m in load_messages(DEFAULT_TRAINING_PATH)}
    assert not english & set(normalised)


def test_english_keeps_the_english_only_model(model: AngerModel) -> None:
    # Spanish training data cannot move an English message's score.
    assert AngerModel.for_text("where is my order, it's been two weeks") is model
    assert AngerModel.for_text("donde esta mi pedido, ya van dos semanas") is not model


def test_the_bilingual_model_reads_spanish() -> None:
    bilingual = AngerModel.for_text("hola")
    assert bilingual.probability("son unos estafadores, quiero mi dinero ya") >= 0.7
    assert bilingual.probability("hola, cuanto cuesta el envio a Lima?") < 0.5

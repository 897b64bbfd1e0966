"""The learned "needs a person" model: its training data, its verdicts, its place in decide()."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from handoff.escalation import EscalationSettings, Turn, decide
from handoff.escalation.anger_model import build_pipeline
from handoff.escalation.person_model import (
    NEEDS_PATH,
    NLU_DIRECTORY,
    ROUTINE_PATH,
    SPANISH_PATH,
    PersonModel,
    load_person_file,
    nlu_examples,
    training_messages,
)

# Written for these tests: said in words neither the rules nor (checked
# below) the training files contain.
NEEDS = (
    "my flatmate knows my login and has been buying things on my card, how do I stop it",
    "the fridge door came off its hinge and hit my toddler on the head",
    "three weeks and the £240 you promised back still isn't in my account",
    "I've written to your complaints address twice and heard absolutely nothing",
)
ROUTINE = (
    "do the oak bookcases come assembled or flat packed",
    "my sister is a solicitor and loved the rug, is it still in stock",
    "can I pay for the sofa in instalments",
    "what's the warranty on the cordless vacuum",
)


@pytest.fixture(scope="module")
def model() -> PersonModel:
    return PersonModel.load()


def test_the_training_files_are_balanced_labelled_and_unique() -> None:
    needs, routine = load_person_file(NEEDS_PATH), load_person_file(ROUTINE_PATH)

    assert len(needs) >= 500 and all(m.angry for m in needs)
    assert len(routine) >= 500 and not any(m.angry for m in routine)
    texts = [m.text.casefold() for m in (*needs, *routine)]
    assert len(texts) == len(set(texts))


def test_the_nlus_requests_for_a_person_need_one_and_its_other_intents_do_not() -> None:
    examples = {m.text: m.angry for m in nlu_examples()}

    assert examples["i want to speak to a manager"] is True
    assert not any("[" in text or "](" in text for text in examples)  # annotations read as words
    assert sum(examples.values()) < len(examples) / 5  # most NLU examples are routine


def test_missing_nlu_data_is_an_error_not_a_different_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no NLU training data"):
        nlu_examples(tmp_path)


def test_the_test_messages_are_not_training_data() -> None:
    trained = {m.text.casefold() for m in training_messages()}

    assert not trained & {t.casefold() for t in (*NEEDS, *ROUTINE)}


def test_the_data_is_learnable_out_of_fold() -> None:
    messages = training_messages()
    labels = np.array([int(m.angry) for m in messages])
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    predicted = cross_val_predict(
        build_pipeline(), [m.text for m in messages], labels, cv=folds, method="predict_proba"
    )[:, 1]

    recall = float(np.mean(predicted[labels == 1] >= 0.5))
    false_alarms = float(np.mean(predicted[labels == 0] >= 0.5))
    assert recall >= 0.85, recall
    assert false_alarms <= 0.10, false_alarms


def test_unseen_matters_for_a_person_rank_above_unseen_routine_questions(
    model: PersonModel,
) -> None:
    # A ranking, not a threshold: where the threshold sits is chosen on the
    # dev conversations (settings.DEFAULT_PERSON_MODEL_THRESHOLD).
    needs = [model.probability(text) for text in NEEDS]
    routine = [model.probability(text) for text in ROUTINE]

    assert min(needs) > max(routine), (needs, routine)
    assert max(routine) < 0.5


def test_decide_hands_over_what_only_the_model_finds() -> None:
    text = "I've written to your complaints address twice and heard absolutely nothing"
    # The anger model off: it reads this message as angry, and either suffices.
    on = decide(
        [Turn.customer(text)],
        EscalationSettings(person_model_threshold=0.5, anger_model_threshold=1.0),
    )
    off = decide(
        [Turn.customer(text)],
        EscalationSettings(person_model_threshold=1.0, anger_model_threshold=1.0),
    )

    assert on.escalate and "needs_person" in on.reasons
    assert on.explanation["needs_person"].startswith("the model reads this message")
    assert "needs_person" not in off.reasons


def test_spanish_messages_have_their_own_threshold() -> None:
    spanish = [Turn.customer("necesito que alguien revise lo de mi cuenta por favor")]
    english = [Turn.customer("I need someone to look into my account please")]
    # The conversation model off: this is the message model's threshold.
    one = EscalationSettings(conversation_model_threshold_es=1.0)
    only_english = replace(one, person_model_threshold=0.01, person_model_threshold_es=1.0)
    only_spanish = replace(one, person_model_threshold=1.0, person_model_threshold_es=0.01)
    assert "needs_person" not in decide(spanish, only_english).reasons
    assert "needs_person" in decide(english, only_english).reasons
    assert "needs_person" in decide(spanish, only_spanish).reasons
    assert "needs_person" not in decide(english, only_spanish).reasons
    assert EscalationSettings.from_env(
        {"HANDOFF_PERSON_MODEL_THRESHOLD_ES": "0.9"}
    ).person_model_cutoff(spanish=True) == 0.9


def test_the_model_is_not_asked_when_a_rule_already_decided() -> None:
    decision = decide(
        [Turn.customer("I want to speak to a manager about my refund")],
        EscalationSettings(person_model_threshold=0.01),
    )
    assert decision.reasons == ["explicit_request"]


def test_short_messages_are_left_to_the_rules() -> None:
    decision = decide([Turn.customer("ok thanks")], EscalationSettings(person_model_threshold=0.0))
    assert "needs_person" not in decision.reasons


def test_a_long_hostile_message_costs_little(model: PersonModel) -> None:
    text = "refund " * 20_000 + "😡" * 5_000
    started = time.process_time()
    model.probability(text)
    assert time.process_time() - started < 0.5


# --- Spanish --------------------------------------------------------------------------


def test_the_spanish_file_is_balanced_and_unique() -> None:
    spanish = load_person_file(SPANISH_PATH)
    assert len(spanish) >= 90
    assert 0.4 <= sum(m.angry for m in spanish) / len(spanish) <= 0.6
    texts = [m.text.casefold() for m in spanish]
    assert len(texts) == len(set(texts))


def test_only_the_bilingual_model_trains_on_spanish() -> None:
    english = {m.text for m in training_messages()}
    bilingual = {m.text for m in training_messages(spanish=True)}
    spanish = {m.text for m in load_person_file(SPANISH_PATH)}
    assert not spanish & english
    assert spanish <= bilingual
    # The Spanish NLU's examples too, by intent: a routine one and a request.
    nlu = nlu_examples(NLU_DIRECTORY / "es")
    assert any(m.angry for m in nlu) and not all(m.angry for m in nlu)
    assert {m.text.casefold() for m in nlu} <= {t.casefold() for t in bilingual}
    assert not {m.text.casefold() for m in nlu} <= {t.casefold() for t in english}


def test_english_keeps_the_english_only_model(model: PersonModel) -> None:
    assert PersonModel.for_text("someone used my card on your site") is model
    bilingual = PersonModel.for_text("alguien uso mi tarjeta en su pagina")
    assert bilingual is PersonModel.load(spanish=True) is not model
    assert bilingual.probability("alguien compro con mi tarjeta sin permiso, ayuda") >= 0.8
    assert bilingual.probability("tienen la mesa de roble en color blanco?") < 0.5


def test_a_story_about_another_shop_is_not_read_by_the_model() -> None:
    # Told to explain why the customer buys here: nothing for a person.
    story = "en otra tienda me dejaron tirada dos semanas, por eso ahora les compro a ustedes"
    anyone = EscalationSettings(person_model_threshold=0.0, person_model_threshold_es=0.0)
    assert "needs_person" not in decide([Turn.customer(story)], anyone).reasons
    assert (
        "needs_person"
        in decide(
            [Turn.customer("necesito que alguien revise lo de mi cuenta por favor")], anyone
        ).reasons
    )

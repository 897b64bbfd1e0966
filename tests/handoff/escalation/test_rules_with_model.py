"""decide() with the learned anger model (handoff.escalation.anger_model) next to the rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handoff.escalation import EscalationSettings, Turn, anger_probability, decide
from handoff.escalation.settings import DEFAULT_ANGER_MODEL_THRESHOLD
from tests.handoff.escalation.rules_only import RULES_ONLY

# The anger model alone is tested here: the "needs a person" and conversation models are off.
WITH_MODEL = EscalationSettings(
    person_model_threshold=1.0, person_model_threshold_es=1.0, conversation_model_threshold_es=1.0
)

# Anger the rules' trigger words miss: no swearing, no capitals, no "!!!".
QUIET_ANGER = [
    "my whole weekend wasted waiting for a van that never came",
    "eleven days for a refund you said takes three. I am not impressed in the slightest",
    "honestly don't know why I keep giving you lot my money",
]
CALM = [
    "could you tell me if the oak table comes flat packed?",
    "lovely, thank you, that's all sorted then",
    "I think I typed the wrong postcode, can I fix it before it ships?",
    "do you deliver to Guernsey?",
]


def customer(text: str) -> list[Turn]:
    return [Turn.customer(text)]


@pytest.mark.parametrize("text", QUIET_ANGER)
def test_the_model_finds_anger_the_rules_miss(text: str) -> None:
    assert not decide(customer(text), RULES_ONLY).escalate
    decision = decide(customer(text), WITH_MODEL)
    assert decision.reasons == ["anger"]
    assert "anger model" in decision.explanation["anger"]
    assert decision.anger == pytest.approx(anger_probability(text))
    assert decision.anger >= DEFAULT_ANGER_MODEL_THRESHOLD


@pytest.mark.parametrize("text", CALM)
def test_calm_messages_stay_with_the_bot(text: str) -> None:
    assert not decide(customer(text), WITH_MODEL).escalate


def test_a_request_for_a_person_is_not_also_called_anger() -> None:
    decision = decide([Turn.customer("get me a manager", intent="request_human")], WITH_MODEL)
    assert decision.reasons == ["explicit_request"]


def test_the_threshold_is_configuration_and_one_turns_the_model_off() -> None:
    settings = EscalationSettings.from_env(
        {"HANDOFF_ANGER_MODEL_THRESHOLD": "1", "HANDOFF_PERSON_MODEL_THRESHOLD": "1"}
    )
    assert settings.anger_model_threshold == 1.0
    assert not decide(customer(QUIET_ANGER[0]), settings).escalate
    with pytest.raises(ValueError, match="anger_model_threshold"):
        EscalationSettings.from_env({"HANDOFF_ANGER_MODEL_THRESHOLD": "1.5"})
    with pytest.raises(ValueError, match="HANDOFF_ANGER_MODEL_THRESHOLD"):
        EscalationSettings.from_env({"HANDOFF_ANGER_MODEL_THRESHOLD": "high"})


def test_spanish_messages_have_their_own_threshold() -> None:
    spanish = customer("llevo toda la semana esperando una furgoneta que nunca aparecio")
    english = customer(QUIET_ANGER[0])
    only_english = replace(WITH_MODEL, anger_model_threshold=0.01, anger_model_threshold_es=1.0)
    only_spanish = replace(WITH_MODEL, anger_model_threshold=1.0, anger_model_threshold_es=0.01)
    assert not decide(spanish, only_english).escalate
    assert decide(english, only_english).reasons == ["anger"]
    assert decide(spanish, only_spanish).reasons == ["anger"]
    assert not decide(english, only_spanish).escalate
    configured = EscalationSettings.from_env({"HANDOFF_ANGER_MODEL_THRESHOLD_ES": "0.8"})
    assert configured.anger_model_cutoff(spanish=True) == 0.8

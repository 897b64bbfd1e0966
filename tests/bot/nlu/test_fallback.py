"""bot.nlu.fallback: Rasa's fallback, with the threshold of the message's language."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.fallback import LanguageFallbackClassifier
from bot.nlu.language import MESSAGE_LANGUAGE

CONFIG = {"threshold": 0.7, "ambiguity_threshold": 0.1, "thresholds": {"es": 0.6}}


def classified(confidence: float, language: str | None) -> Message:
    message = Message.build("x")
    message.set("intent", {"name": "greet", "confidence": confidence})
    message.set(
        "intent_ranking",
        [{"name": "greet", "confidence": confidence}, {"name": "deny", "confidence": 0.01}],
    )
    if language:
        message.set(MESSAGE_LANGUAGE, language)
    return message


@pytest.mark.parametrize(
    ("confidence", "language", "intent"),
    [
        (0.65, "es", "greet"),  # over Spanish's 0.6
        (0.65, "en", "nlu_fallback"),  # under English's 0.7
        (0.65, None, "nlu_fallback"),  # unknown: the default threshold
        (0.65, "fr", "nlu_fallback"),  # no threshold of its own: the default
        (0.55, "es", "nlu_fallback"),
        (0.75, "en", "greet"),
    ],
)
def test_the_threshold_is_the_message_s_language_s(
    confidence: float, language: str | None, intent: str
) -> None:
    fallback = LanguageFallbackClassifier(
        {**LanguageFallbackClassifier.get_default_config(), **CONFIG}
    )
    [message] = fallback.process([classified(confidence, language)])
    assert message.get("intent")["name"] == intent


def test_a_threshold_that_is_no_probability_is_refused() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        LanguageFallbackClassifier({**CONFIG, "thresholds": {"es": 6}})

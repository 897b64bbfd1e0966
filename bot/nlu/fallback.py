"""``LanguageFallbackClassifier``: Rasa's FallbackClassifier, with a threshold per language.

One model understands every language (README "Languages"), but its
confidence is not calibrated alike in each: on the dev sets, the same
threshold that keeps English's confidently wrong answers under 5% with a
margin sends a Spanish customer to "please rephrase" more often than needed.
So each language's threshold is chosen on its own dev set by the same rule
(config.yml); the language is the one the message is answered in
(bot.nlu.language's ``MESSAGE_LANGUAGE``). Rasa's component does the rest:
one instance of it per threshold.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import THRESHOLD_KEY, FallbackClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import MESSAGE_LANGUAGE

THRESHOLDS_KEY = "thresholds"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # ``threshold`` for every language not in ``thresholds`` ({"es": 0.6}).
        return {**FallbackClassifier.get_default_config(), THRESHOLDS_KEY: {}}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        thresholds = config.get(THRESHOLDS_KEY) or {}
        if not isinstance(thresholds, dict) or not all(
            isinstance(t, (int, float)) and 0.0 <= t <= 1.0 for t in thresholds.values()
        ):
            raise ValueError(f"{THRESHOLDS_KEY} must map languages to numbers from 0 to 1")
        self._by_language = {
            str(language): FallbackClassifier({**config, THRESHOLD_KEY: float(threshold)})
            for language, threshold in thresholds.items()
        }

    @staticmethod
    def parse_depends_on(tracker: Any, config: dict[str, Any]) -> None:
        """Nothing of the conversation itself (bot/rasa_patches.py keeps parses by it):
        the language it reads is bot.nlu.language's, whose own key covers it."""
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            chosen = self._by_language.get(str(message.get(MESSAGE_LANGUAGE)))
            if chosen is None:
                super().process([message])
            else:
                chosen.process([message])
        return messages

"""``NoOrderNumberClassifier``: "I don't have the order number" is an intent of its own.

Asked for an order number, customers who have none say so in many ways
("I lost the confirmation e-mail", "no sé cuál es el número", "I can't find
the order number anywhere"), and the intent classifier scattered them over
``deny`` (which stopped the form: "No problem, I've stopped that"),
``inform``, ``affirm`` and the fallback. None of those answers helps: the
customer still wants the order found.

The escalation rules already recognise these words, to hand a customer who
says it twice to a person (:func:`handoff.escalation.lacks_order_number`);
this component reads the same definition and sets the intent
``no_order_number``, which the dialogue rules answer with
``action_find_order`` (the customer's recent orders, or where to find the
number and how to reach a person). A rule over examples learnt by DIET:
the phrases are a closed family, already tested against false positives,
and one definition keeps the bot's answer and the escalation's count in
step. So the intent has no NLU examples (training/validate.py knows why).

Left alone: a request for a person ("I don't have the number, get me an
agent" is a request), and a message that carries an order number anyway
("no confirmation e-mail but it's 12345678").
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from handoff.escalation import MAX_SCANNED_CHARS, lacks_order_number

NO_ORDER_NUMBER = "no_order_number"
# Intents that win over it: the customer asked for more than the number.
KEPT_INTENTS = frozenset({"request_human"})
# Eight digits, grouped or not ("1234 5678"): an order number after all.
DIGITS = re.compile(r"\d")
ORDER_NUMBER_DIGITS = 8


def _has_order_number(text: str) -> bool:
    return len(DIGITS.findall(text)) >= ORDER_NUMBER_DIGITS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NoOrderNumberClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": NO_ORDER_NUMBER}

    def __init__(self, config: dict[str, Any]) -> None:
        self._intent = str(config.get("intent") or NO_ORDER_NUMBER)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NoOrderNumberClassifier:
        return cls(config)

    @staticmethod
    def parse_depends_on(tracker: Any, config: dict[str, Any]) -> None:
        """The text alone (bot/rasa_patches.py keeps parses by what they depend on)."""
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")[:MAX_SCANNED_CHARS]
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) in KEPT_INTENTS or text.startswith("/"):
                continue
            if _has_order_number(text) or not lacks_order_number(text):
                continue
            # Alone in the ranking: the rule is sure, and a runner-up left at the
            # classifier's confidence would make the fallback call it ambiguous.
            chosen = {INTENT_NAME_KEY: self._intent, "confidence": 1.0}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(chosen)], add_to_output=True)
        return messages

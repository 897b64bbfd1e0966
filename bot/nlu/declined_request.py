"""``DeclinedRequestFilter``: a customer who declines a person is not asking for one.

"No need for an agent, I sorted it", "no me pases con nadie, solo dime
dónde está mi pedido": the words a request for a person is made of are all
there, and the intent classifier reads ``request_human``. The escalation
rules already refuse to count such a message as a request
(:func:`handoff.escalation.declines_a_person`, the same phrases), but a
dialogue rule (``request_human`` -> ``action_handoff``, data/rules/) and the
stories act on the intent alone, and handed these customers to a person they
had just said they did not want.

So the intent is corrected where it is made: after the classifiers, before
the fallback classifier, a ``request_human`` on a message that declines a
person and asks for none in words is dropped from the ranking and the next
intent takes its place ("solo dime dónde está mi pedido": ``track_order``).
The fallback classifier then judges that intent's confidence as any other,
so a message with nothing else in it is asked to be rephrased instead of
answered by a guess.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from handoff.escalation import declines_a_person

REQUEST_HUMAN = "request_human"
NO_INTENT: dict[str, Any] = {INTENT_NAME_KEY: None, "confidence": 0.0}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DeclinedRequestFilter(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": REQUEST_HUMAN}

    def __init__(self, config: dict[str, Any]) -> None:
        self._intent = str(config.get("intent") or REQUEST_HUMAN)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DeclinedRequestFilter:
        return cls(config)

    @staticmethod
    def parse_depends_on(tracker: Any, config: dict[str, Any]) -> None:
        """The text alone (bot/rasa_patches.py keeps parses by what they depend on)."""
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self._intent:
                continue
            if not declines_a_person(str(message.get(TEXT) or "")):
                continue
            ranking = [
                dict(entry)
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY) != self._intent
            ]
            message.set(INTENT, ranking[0] if ranking else dict(NO_INTENT), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

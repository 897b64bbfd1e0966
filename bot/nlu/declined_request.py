"""``DeclinedRequestFilter``: a customer who declines a person, or names none, asks for none.

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

So is a ``request_human`` on a Spanish conversation's message with no
word for a person or for reaching one (:data:`PERSON_WORDS`; the language is
:mod:`.language`'s, set before this component). The Spanish classifier read it on
"quiero que me lleven la cama y el ropero justo ese día" (0.97), "tengo un
bebé de 5 meses y duerme con nosotros" and "quiero cambiar mi número de
teléfono": through the bot, 9 of the 117 false escalations of seven new
files of Spanish conversations were such readings. Every ``request_human``
example of the NLU data and of the held-out sets, in both languages, has
one of these words (a person, a role, a way to reach one: "asesor",
"alguien", "pásame", "llamen", "colleague", "put me through"). English is
left to the classifier: there, a request typed with heavy typos that named
no one in these words ("i wnat a staf membr") was a request, and the English
classifier was not seen to misread other messages as one.
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

from bot.nlu.language import MESSAGE_LANGUAGE
from handoff.escalation import declines_a_person
from handoff.escalation.vocabulary import ACCENT_FOLD

REQUEST_HUMAN = "request_human"
SPANISH = "es"
# A person, a role, or a way to reach one, in English or Spanish (accents folded, any
# case): a request for a person names one. Linear: one alternation at word starts.
PERSON_WORDS = re.compile(
    r"\b(persona|personas|personal|personalmente|humano|humana|humanos|umano|persna|alguien|"
    r"nadie|abl(ar|en|e|o)|asesr\w*|asesro|ajente|agnte|"
    r"asesor\w*|aces?or\w*|agente\w*|ejecutiv\w*|operador\w*|representante\w*|supervis\w*|"
    r"encargad\w*|gerente|jefe|responsable|emplead\w*|companer\w*|gente|atencion|servicio "
    r"al cliente|soporte|llam\w*|habl\w*|comuni\w*|contact\w*|transfi\w*|pas[ae]\w*|"
    # "Transfer me", not a bank transfer: "y con transferencia?" is a payment question.
    r"transfer(?!encias?\b)\w*|pon\w*|atiend\w*|atender\w*|en vivo|de verdad|real|bot|robot|"
    r"maquina|automatic\w*|"
    r"person|people|human|humans|someone|somebody|anyone|anybody|agent|agents|agnet|rep|reps|"
    r"representative\w*|o?operat\w*|supervisor|manager|staff|team|colleague\w*|customer "
    r"services?|support|call\w*|phone|talk\w*|speak\w*|chat|conn?ect\w*|put me "
    r"through|through to|thru|some1|sum1|in touch|hand me over|live|advisor|adviser|associate|"
    r"employee|escalat\w*|ring)\b",
    re.IGNORECASE,
)
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
            text = str(message.get(TEXT) or "")
            names_no_one = message.get(MESSAGE_LANGUAGE) == SPANISH and not names_a_person(text)
            if not declines_a_person(text) and not names_no_one:
                continue
            ranking = [
                dict(entry)
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY) != self._intent
            ]
            message.set(INTENT, ranking[0] if ranking else dict(NO_INTENT), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


def names_a_person(text: str) -> bool:
    """Whether the text has a word for a person or for reaching one (:data:`PERSON_WORDS`)."""
    return PERSON_WORDS.search(text.translate(ACCENT_FOLD)) is not None

"""``LanguageDetector``: the conversation's language, as the entity the ``language`` slot takes.

The language is the conversation's, not each message's: a Spanish customer
who answers "ok" or "12345678" is still answered in Spanish. So the detector
reads the tracker (Rasa hands it to an NLU component whose ``process`` asks
for it) and emits the ``language`` entity only when the slot should change:

- on the conversation's first message with a word in it, its likeliest
  language (English unless another is likelier by ``first_message_probability``);
- during the first ``early_messages`` of the session, when a message of at
  least ``switch_min_words`` words is confidently in another language
  ("hi" and then "necesito ayuda con mi pedido");
- whenever the customer asks for a language (intent ``choose_language``):
  the one they name, or the other one when they say they don't speak it
  ("no hablo inglés").

Without a conversation of this domain (no tracker, or Rasa's empty one
without the ``language`` slot: ``/model/parse``, evaluations) nothing is
emitted: :meth:`guess` says what it would detect.

Either way each message also carries, under :data:`MESSAGE_LANGUAGE` (not
in the parse's output), the language it is answered in: what the slot holds
after it, or without a conversation the likeliest one. The fallback's
threshold is chosen by it (:mod:`bot.nlu.fallback`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_profiles import Guess, LanguageProfiles, words

logger = logging.getLogger(__name__)

ENTITY = "language"
SLOT = "language"
CHOOSE_LANGUAGE = "choose_language"
PROFILES_FILE = "language_profiles.json"
MESSAGE_LANGUAGE = "conversation_language"
# How customers name a language when they ask for it, by the language meant.
LANGUAGE_NAMES = {
    "es": frozenset({"español", "espanol", "espaniol", "spanish", "castellano", "espanish"}),
    "en": frozenset({"english", "inglés", "ingles", "englis", "ingl"}),
}
# "no hablo inglés", "I don't speak Spanish": the other language is meant
# ("t" is what is left of "don't" and "can't" once split into words).
NEGATIONS = frozenset({"no", "not", "dont", "cant", "t", "nope", "ni", "nunca", "never"})
NEGATION_REACH = 3  # words before the language's name


def named_language(text: str, languages: list[str]) -> str | None:
    """The language a request for one means, if it names exactly one."""
    said = words(text)
    named = {
        (language, i)
        for i, word in enumerate(said)
        for language, names in LANGUAGE_NAMES.items()
        if word in names and language in languages
    }
    if len({language for language, _ in named}) != 1:
        return None
    language, at = min(named, key=lambda found: found[1])
    negated = any(word in NEGATIONS for word in said[max(0, at - NEGATION_REACH) : at])
    if negated and len(languages) == 2:
        return next(other for other in languages if other != language)
    return None if negated else language


def in_conversation(tracker: DialogueStateTracker | None) -> bool:
    """Whether ``tracker`` is a conversation of a domain with the language slot.

    Rasa parses ``/model/parse`` with a tracker made without the domain,
    whose slot dictionary (AnySlotDict) claims to hold every slot.
    """
    return (
        tracker is not None and not isinstance(tracker.slots, AnySlotDict) and SLOT in tracker.slots
    )


def session_messages(tracker: DialogueStateTracker, limit: int) -> int:
    """The customer's messages in the session so far (the one being parsed not yet
    among them), counted up to ``limit``."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted) or count >= limit:
            break
        if isinstance(event, UserUttered):
            count += 1
    return count


def top_intent(message: Message) -> str | None:
    # The ranking before FallbackClassifier: "espanol" asked unsurely is still asked.
    ranking = message.get(INTENT_RANKING_KEY) or []
    if ranking:
        return str(ranking[0].get("name"))
    intent = message.get(INTENT) or {}
    return intent.get("name")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # The language of examples whose intent block names none.
            "default_language": "en",
            # Chosen on the dev sets (README "Languages").
            "first_message_probability": 0.5,
            "early_messages": 3,
            "switch_probability": 0.99,
            "switch_min_words": 3,
        }

    @staticmethod
    def parse_depends_on(tracker: DialogueStateTracker | None, config: dict[str, Any]) -> Hashable:
        """What of the conversation :meth:`process` reads: the parse of a text is
        kept by the text and this (bot/rasa_patches.py)."""
        if tracker is None or not in_conversation(tracker):
            return None
        defaults = LanguageDetector.get_default_config()
        early = int(config.get("early_messages", defaults["early_messages"]))
        return tracker.get_slot(SLOT), session_messages(tracker, early) >= early

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        profiles: LanguageProfiles | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self.profiles = profiles

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        try:
            with model_storage.read_from(resource) as folder:
                data = json.loads((folder / PROFILES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError) as error:
            # A model trained without examples: it detects nothing, says so once.
            logger.warning("no language profiles in the model (%s): none detected", error)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, LanguageProfiles.from_dict(data))

    def example_language(self, message: Message) -> str:
        metadata = message.get(METADATA) or {}
        for level in ("example", "intent"):
            found = metadata.get(level)
            if isinstance(found, dict) and found.get("language"):
                return str(found["language"])
        return str(self._config["default_language"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (message.get(TEXT), self.example_language(message))
            for message in training_data.intent_examples
            if message.get(TEXT)
        ]
        self.profiles = LanguageProfiles.train(examples)
        with self._storage.write_to(self._resource) as folder:
            (folder / PROFILES_FILE).write_text(
                json.dumps(self.profiles.as_dict()), encoding="utf-8"
            )
        return self._resource

    def guess(self, text: str) -> Guess | None:
        return self.profiles.guess(text) if self.profiles else None

    def first_language(self, text: str) -> str | None:
        """A conversation's language from its first message with a word in it."""
        guess = self.guess(text)
        if guess is None:
            return None
        default = str(self._config["default_language"])
        if (
            guess.language != default
            and guess.probability < self._config["first_message_probability"]
        ):
            return default
        return guess.language

    def language_to_set(self, message: Message, tracker: DialogueStateTracker) -> str | None:
        text = str(message.get(TEXT) or "")
        if not self.profiles or not text or text.startswith("/"):
            return None  # a button's payload: no words of the customer's
        current = tracker.get_slot(SLOT)
        if top_intent(message) == CHOOSE_LANGUAGE:
            asked = named_language(text, self.profiles.languages)
            if asked:
                return None if asked == current else asked
        if current is None:
            return self.first_language(text)
        early = int(self._config["early_messages"])
        if session_messages(tracker, early) >= early:
            return None
        guess = self.guess(text)
        if (
            guess is not None
            and guess.language != current
            and guess.probability >= self._config["switch_probability"]
            and len(words(text)) >= self._config["switch_min_words"]
        ):
            return guess.language
        return None

    def process(
        self, messages: list[Message], tracker: DialogueStateTracker | None = None
    ) -> list[Message]:
        default = str(self._config["default_language"])
        for message in messages:
            if tracker is None or not in_conversation(tracker):
                text = str(message.get(TEXT) or "")
                message.set(MESSAGE_LANGUAGE, self.first_language(text) or default)
                continue
            language = self.language_to_set(message, tracker)
            message.set(MESSAGE_LANGUAGE, language or tracker.get_slot(SLOT) or default)
            if language is None:
                continue
            text = str(message.get(TEXT))
            entity = {"entity": ENTITY, "value": language, "start": 0, "end": len(text)}
            message.set(
                ENTITIES,
                [*message.get(ENTITIES, []), *self.add_extractor_name([entity])],
                add_to_output=True,
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

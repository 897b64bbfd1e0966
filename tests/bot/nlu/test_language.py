"""bot.nlu.language: the conversation's language, set once and changed when asked."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.slots import CategoricalSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language import MESSAGE_LANGUAGE, LanguageDetector, named_language
from tests.bot.nlu.test_language_profiles import ENGLISH, SPANISH


def example(text: str, intent: str, language: str | None) -> Message:
    return Message.build(text, intent, intent_metadata={"language": language} if language else None)


@pytest.fixture
def detector(tmp_path: Any) -> LanguageDetector:
    """Trained as ``rasa train`` trains it: English without metadata, Spanish with."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("language")
    config = LanguageDetector.get_default_config()
    trained = LanguageDetector(config, storage, resource)
    data = TrainingData(
        [example(t, "any", None) for t in ENGLISH * 2]
        + [example(t, "any", "es") for t in SPANISH * 2]
    )
    trained.train(data)
    # What the server runs is the one loaded back from the model.
    return LanguageDetector.load(config, storage, resource, execution_context=None)  # type: ignore[arg-type]


def conversation(language: str | None = None, messages: int = 0) -> DialogueStateTracker:
    slot = CategoricalSlot("language", mappings=[{}], values=["en", "es"])
    tracker = DialogueStateTracker("customer", [slot])
    tracker.update(SessionStarted())
    for _ in range(messages):
        tracker.update(UserUttered("12345678"))
    if language:
        tracker.update(SlotSet("language", language))
    return tracker


def detected(
    detector: LanguageDetector,
    text: str,
    tracker: DialogueStateTracker | None,
    intent: str = "inform",
) -> str | None:
    message = Message.build(text)
    message.set("intent", {"name": intent, "confidence": 0.9})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.9}])
    [message] = detector.process([message], tracker)
    found = [e for e in message.get("entities", []) if e["entity"] == "language"]
    assert len(found) <= 1
    return found[0]["value"] if found else None


def test_the_first_message_sets_the_language(detector: LanguageDetector) -> None:
    assert detected(detector, "donde esta mi paquete", conversation()) == "es"
    assert detected(detector, "where is my package", conversation()) == "en"
    assert detected(detector, "gracias", conversation()) == "es"


def test_a_message_without_words_leaves_it_unset(detector: LanguageDetector) -> None:
    assert detected(detector, "12345678", conversation()) is None
    assert detected(detector, "/greet", conversation()) is None  # a button's payload


def test_once_set_short_or_unsure_messages_keep_it(detector: LanguageDetector) -> None:
    assert detected(detector, "ok", conversation("es", messages=1)) is None
    assert detected(detector, "thanks", conversation("es", messages=1)) is None  # one word
    assert detected(detector, "cancelen mi pedido", conversation("es", messages=1)) is None


def test_early_in_the_conversation_a_clear_sentence_changes_it(
    detector: LanguageDetector,
) -> None:
    tracker = conversation("en", messages=1)
    assert detected(detector, "quiero devolver estos zapatos por favor", tracker) == "es"


def test_later_only_asking_changes_it(detector: LanguageDetector) -> None:
    later = conversation("en", messages=3)
    assert detected(detector, "quiero devolver estos zapatos por favor", later) is None
    assert detected(detector, "en español por favor", later, "choose_language") == "es"
    assert detected(detector, "english please", conversation("es", 5), "choose_language") == "en"
    # Already in it: nothing to change.
    assert detected(detector, "español", conversation("es", 5), "choose_language") is None


def test_without_a_conversation_nothing_is_set(detector: LanguageDetector) -> None:
    assert detected(detector, "donde esta mi paquete", None) is None
    # What Rasa's /model/parse passes: a tracker without the domain (every slot "exists").
    without_domain = DialogueStateTracker.from_events("x", [])
    assert detected(detector, "donde esta mi paquete", without_domain) is None
    assert detected(detector, "donde esta mi paquete", DialogueStateTracker("x", [])) is None
    guess = detector.guess("donde esta mi paquete")
    assert guess is not None and guess.language == "es"


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("español", "es"),
        ("en espanol porfa", "es"),
        ("can we speak spanish", "es"),
        ("English please", "en"),
        ("hablas ingles?", "en"),
        ("no hablo ingles", "es"),
        ("no entiendo el español", "en"),
        ("I don't speak Spanish", "en"),
        ("english or spanish?", None),
        ("idioma", None),
    ],
)
def test_a_request_names_the_language_meant(text: str, meant: str | None) -> None:
    assert named_language(text, ["en", "es"]) == meant


def test_the_cache_key_follows_what_process_reads() -> None:
    config = LanguageDetector.get_default_config()
    key = LanguageDetector.parse_depends_on
    assert key(None, config) is None
    assert key(conversation(), config) == (None, False)
    assert key(conversation("es", 1), config) == ("es", False)
    assert key(conversation("es", 3), config) == ("es", True)
    assert key(conversation("es", 9), config) == key(conversation("es", 3), config)


def test_each_message_carries_the_language_it_is_answered_in(detector: LanguageDetector) -> None:
    def answered_in(text: str, tracker: DialogueStateTracker | None) -> str:
        [message] = detector.process([Message.build(text)], tracker)
        return str(message.get(MESSAGE_LANGUAGE))

    assert answered_in("donde esta mi paquete", None) == "es"  # no conversation: its guess
    assert answered_in("12345678", None) == "en"
    assert answered_in("ok", conversation("es", messages=4)) == "es"  # the conversation's
    assert answered_in("donde esta mi paquete", conversation()) == "es"  # just set
    assert answered_in("12345678", conversation()) == "en"

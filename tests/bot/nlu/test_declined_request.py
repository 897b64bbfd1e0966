"""bot.nlu.declined_request: request_human on a message declining or naming no person gives way."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.declined_request import DeclinedRequestFilter
from bot.nlu.fallback import LanguageFallbackClassifier
from bot.nlu.language import MESSAGE_LANGUAGE
from tests.bot.nlu.messages import classified


def filtered(message: Message) -> Message:
    component = DeclinedRequestFilter(DeclinedRequestFilter.get_default_config())
    [message] = component.process([message])
    return message


@pytest.mark.parametrize(
    "text",
    [
        "no need to call me, just tell me where my order is",
        "I don't need an agent, where is my parcel",
        "no quiero hablar con un asesor, solo dime donde esta mi pedido",
        "no hace falta que me llamen, donde esta mi pedido?",
    ],
)
def test_a_declined_person_gives_way_to_the_next_intent(text: str) -> None:
    message = filtered(classified(text, ("request_human", 0.6), ("track_order", 0.35)))
    assert message.get("intent") == {"name": "track_order", "confidence": 0.35}
    assert [i["name"] for i in message.get("intent_ranking")] == ["track_order"]
    assert message.as_dict_nlu()["intent"]["name"] == "track_order"  # in the parse result


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a person",
        "pasame con un asesor",
        # Declines a call, but asks for a person in words: a request.
        "don't call me, I want to speak to a real person here in the chat",
    ],
)
def test_a_request_for_a_person_stays_one(text: str) -> None:
    message = filtered(classified(text, ("request_human", 0.9), ("track_order", 0.05)))
    assert message.get("intent")["name"] == "request_human"


@pytest.mark.parametrize(
    "text",
    [
        "quiero que me traigan el sofa el sabado temprano",
        "tengo gemelos de dos años y no paran",
        "quiero cambiar el correo de mi cuenta",
        # A bank transfer is a way to pay, not to reach someone.
        "y con transferencia?",
    ],
)
def test_a_spanish_message_that_names_no_one_gives_way_too(text: str) -> None:
    message = classified(text, ("request_human", 0.97), ("track_order", 0.02))
    message.set(MESSAGE_LANGUAGE, "es")
    assert filtered(message).get("intent") == {"name": "track_order", "confidence": 0.02}


def test_english_is_left_to_the_classifier() -> None:
    # Heavy typos name no one in the words, and are still a request.
    message = classified("i wnat a staf membr now", ("request_human", 0.9), ("greet", 0.05))
    message.set(MESSAGE_LANGUAGE, "en")
    assert filtered(message).get("intent")["name"] == "request_human"


@pytest.mark.parametrize(
    "text",
    [
        "quiero que me atienda alguien YA",
        "PÁSAME CON UN HUMANO",
        "me comunicas con servicio al cliente?",
        "kiero ablar con un asesr",
        "could one of your colleagues take this over",
        "put me through to customer services",
        "ooperator",
        "transfiéreme con alguien",
        "transfer me",
    ],
)
def test_requests_in_any_words_for_a_person_stay(text: str) -> None:
    message = classified(text, ("request_human", 0.9), ("track_order", 0.05))
    message.set(MESSAGE_LANGUAGE, "es")
    assert filtered(message).get("intent")["name"] == "request_human"


def test_other_intents_are_left_alone() -> None:
    message = filtered(classified("no need to call me", ("deny", 0.8), ("request_human", 0.1)))
    assert message.get("intent") == {"name": "deny", "confidence": 0.8}
    assert len(message.get("intent_ranking")) == 2


def test_what_remains_is_judged_by_the_fallback_like_any_intent() -> None:
    # Nothing else in the message: the next intent is a guess, and the bot
    # asks to rephrase instead of answering it.
    message = filtered(classified("no necesito un asesor", ("request_human", 0.8), ("greet", 0.1)))
    fallback = LanguageFallbackClassifier(LanguageFallbackClassifier.get_default_config())
    [message] = fallback.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


def test_with_nothing_else_ranked_no_intent_is_left() -> None:
    message = filtered(classified("no need to call me", ("request_human", 0.9)))
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []

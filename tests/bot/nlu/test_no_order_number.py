"""bot.nlu.no_order_number: "I don't have the order number" becomes intent no_order_number."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.no_order_number import NO_ORDER_NUMBER, NoOrderNumberClassifier
from tests.bot.nlu.messages import classified
from training.checks import RULE_SET_INTENTS


def processed(message: Message) -> Message:
    component = NoOrderNumberClassifier(NoOrderNumberClassifier.get_default_config())
    [message] = component.process([message])
    return message


@pytest.mark.parametrize(
    ("text", "was"),
    [
        # What the classifier made of these before: a "no" stopped the form.
        ("I don't have my order number", "deny"),
        ("i lost the confirmation email", "inform"),
        ("I can't find the order number anywhere", "nlu_fallback"),
        ("no tengo el numero de pedido", "inform"),
        ("perdí el correo de confirmación", "affirm"),
        ("no sé cuál es el número de pedido", "nlu_fallback"),
    ],
)
def test_saying_there_is_no_number_is_its_own_intent(text: str, was: str) -> None:
    message = processed(classified(text, (was, 0.9), ("check_order_status", 0.05)))

    assert message.get("intent") == {"name": NO_ORDER_NUMBER, "confidence": 1.0}
    # Alone in the ranking: the fallback classifier must not find it ambiguous.
    assert message.get("intent_ranking") == [{"name": NO_ORDER_NUMBER, "confidence": 1.0}]
    assert message.as_dict_nlu()["intent"]["name"] == NO_ORDER_NUMBER  # in the parse result


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A person asked for: more than the number.
        ("I don't have the order number, get me an agent", "request_human"),
        # The number is there after all.
        ("no confirmation email but the number is 1234 5678", "inform"),
        # Other things not had.
        ("tracking says delivered but i don't have it", "check_order_status"),
        ("where is my order", "check_order_status"),
    ],
)
def test_other_messages_keep_their_intent(text: str, intent: str) -> None:
    message = processed(classified(text, (intent, 0.8), ("deny", 0.1)))

    assert message.get("intent") == {"name": intent, "confidence": 0.8}
    assert len(message.get("intent_ranking")) == 2


def test_validation_knows_the_intent_has_no_examples_on_purpose() -> None:
    assert NO_ORDER_NUMBER in RULE_SET_INTENTS

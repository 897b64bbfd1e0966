"""Which model version reads a message: :func:`handoff.escalation.language.is_spanish`."""

from __future__ import annotations

import time

import pytest

from handoff.escalation.language import LANGUAGE_SAMPLE_CHARS, is_spanish


@pytest.mark.parametrize(
    "text",
    [
        "hola, donde esta mi pedido?",
        "quiero hablar con una persona",
        "me cobraron dos veces el mismo pedido",
        "no me estas entendiendo, no me sirves",
        "¿Cuánto tarda el envío?",
        "son unos ladrones",
        "ES LA TERCERA VEZ QUE PIDO LO MISMO",
        # A thought split over short messages: the third fallback, not the second, hands
        # a Spanish conversation over (HANDOFF_MAX_FALLBACKS_ES).
        "oye\nmira",
        "buenas tardes",
        "che, disculpa",
        # Chat spellings, and no other Spanish function word.
        "kiero devolver unos tenis q me quedaron chicos",
    ],
)
def test_spanish_messages_are_spanish(text: str) -> None:
    assert is_spanish(text)


@pytest.mark.parametrize(
    "text",
    [
        "where is my order?",
        "I want to speak to a person",
        "no",
        "ok",
        "12345678",
        "",
        "I'm a lawyer and need an office chair",
        # English with a Spanish name in it stays English.
        "my order went to Calle de la Paz instead of my house",
        "the sofa arrived damaged and nobody has called me back",
    ],
)
def test_english_and_wordless_messages_are_not(text: str) -> None:
    assert not is_spanish(text)


def test_only_the_start_of_a_long_message_is_read() -> None:
    text = "where is my order " * (LANGUAGE_SAMPLE_CHARS // 18 + 1) + "hola que tal " * 10_000
    started = time.perf_counter()
    assert not is_spanish(text)
    assert time.perf_counter() - started < 0.5

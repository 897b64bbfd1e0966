"""bot.nlu.language_profiles: which language a message is in, learnt from examples."""

from __future__ import annotations

import json

import pytest

from bot.nlu.language_profiles import MAX_CHARS, LanguageProfiles, features, words

ENGLISH = [
    "where is my order",
    "i want to return these shoes",
    "how much is shipping",
    "thank you so much",
    "yes please",
    "talk to a person",
    "my package never arrived",
    "cancel my order please",
    "what are your opening hours",
    "reset my password",
]
SPANISH = [
    "donde esta mi pedido",
    "quiero devolver estos zapatos",
    "cuanto cuesta el envio",
    "muchas gracias",
    "si por favor",
    "quiero hablar con una persona",
    "mi paquete nunca llego",
    "cancelen mi pedido por favor",
    "cual es el horario de la tienda",
    "olvidé mi contraseña",
]


@pytest.fixture(scope="module")
def profiles() -> LanguageProfiles:
    # Twice each, so that features seen once in the data are kept too.
    examples = [(t, "en") for t in ENGLISH] + [(t, "es") for t in SPANISH]
    return LanguageProfiles.train(examples * 2)


def test_words_keep_accents_and_drop_digits_and_punctuation() -> None:
    assert words("¿Dónde está el PEDIDO 12345678?") == ["dónde", "está", "el", "pedido"]
    assert words("x" * (MAX_CHARS + 100)) == ["x" * MAX_CHARS]
    # No language's words: they would count for whichever gives more e-mails.
    assert words("mi mail: ana.gil@gmail.com, ver https://x.example/a") == ["mi", "mail", "ver"]


def test_features_are_words_and_their_character_ngrams() -> None:
    found = features("si si")
    assert found["w si"] == 2
    assert found[" s"] == found["si "] == found[" si "] == 2
    assert " " not in found


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("donde esta mi paquete", "es"),
        ("where is my package", "en"),
        ("quiero cancelar", "es"),
        ("please cancel", "en"),
        ("gracias", "es"),
        ("thanks", "en"),
    ],
)
def test_new_messages_are_told_apart(profiles: LanguageProfiles, text: str, language: str) -> None:
    guess = profiles.guess(text)
    assert guess is not None and guess.language == language
    assert 0.5 < guess.probability <= 1.0


def test_a_message_without_known_words_has_no_language(profiles: LanguageProfiles) -> None:
    assert profiles.guess("12345678") is None
    assert profiles.guess("🙂 !!") is None
    assert profiles.guess("") is None


def test_the_profiles_survive_json(profiles: LanguageProfiles) -> None:
    again = LanguageProfiles.from_dict(json.loads(json.dumps(profiles.as_dict())))
    assert again.guess("donde esta mi pedido") == profiles.guess("donde esta mi pedido")
    assert again.languages == ["en", "es"]
    with pytest.raises(ValueError):
        LanguageProfiles.from_dict({"log_probs": [], "unseen": {}})


def test_a_huge_message_is_read_only_as_far_as_its_first_characters() -> None:
    huge = "donde esta mi pedido " * 50_000
    assert features(huge) == features(huge[:MAX_CHARS])

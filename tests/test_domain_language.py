"""Every response in domain.yml answers in English and in Spanish.

English is the variation without a language condition (the default, and
what a conversation whose language is unknown hears); Spanish is a twin with
the condition ``language: es`` and the same other conditions and channel.
The twin must say the same things: the same placeholders (an action fills
them by name) and the same button payloads (they are what the NLU receives).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

SPANISH = "es"
Key = tuple[tuple[tuple[str, Any], ...], ...]
# Variations that have no Spanish twin, and why (none today).
KNOWN_GAPS: set[tuple[str, Any]] = set()



def responses() -> dict[str, list[Mapping[str, Any]]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return dict(domain["responses"])


def language_of(variation: Mapping[str, Any]) -> str | None:
    """The language a variation is for: "es", "en", or None when any (English)."""
    for condition in variation.get("condition") or ():
        if condition["name"] == "language":
            return str(condition["value"]).casefold() if condition["value"] else None
    return None


def twin_key(variation: Mapping[str, Any]) -> Key:
    """What, besides the language, decides when a variation is chosen."""
    others = tuple(
        sorted(
            (c["name"], c["value"])
            for c in variation.get("condition") or ()
            if c["name"] != "language"
        )
    )
    return (others, (("channel", variation.get("channel")),))


def placeholders(variation: Mapping[str, Any]) -> set[str]:
    texts = [str(variation.get("text", ""))]
    texts += [str(button.get("title", "")) for button in variation.get("buttons") or ()]
    return {name for text in texts for name in re.findall(r"{(\w+)}", text)}


def payloads(variation: Mapping[str, Any]) -> list[str]:
    return [str(button["payload"]) for button in variation.get("buttons") or ()]


RESPONSES = responses()


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_an_english_default_and_a_spanish_variation(name: str) -> None:
    variations = RESPONSES[name]
    unconditioned = [
        v for v in variations if all(c["name"] != "language" for c in v.get("condition") or ())
    ]
    assert unconditioned, f"{name}: no variation without a language condition"
    assert any(language_of(v) == SPANISH for v in variations), f"{name}: no Spanish variation"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_spanish_twins_keep_the_placeholders_and_payloads(name: str) -> None:
    english: dict[Key, list[Mapping[str, Any]]] = {}
    spanish: dict[Key, list[Mapping[str, Any]]] = {}
    for variation in RESPONSES[name]:
        side = spanish if language_of(variation) == SPANISH else english
        side.setdefault(twin_key(variation), []).append(variation)

    for key, variations in english.items():
        if (name, key[0]) in KNOWN_GAPS:
            assert key not in spanish
            continue
        assert key in spanish, f"{name}: no Spanish twin for the variation {key}"
        for theirs in spanish[key]:
            for ours in variations:
                assert placeholders(theirs) == placeholders(ours), name
                assert payloads(theirs) == payloads(ours), name
    assert set(spanish) <= set(english), f"{name}: a Spanish variation with no English one"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_spanish_text_is_written_for_spanish_readers(name: str) -> None:
    for variation in RESPONSES[name]:
        if language_of(variation) != SPANISH:
            continue
        text = str(variation["text"])
        # A question or exclamation opens with its inverted mark.
        assert text.count("?") == text.count("¿"), f"{name}: ¿...? unbalanced"
        assert text.count("!") == text.count("¡"), f"{name}: ¡...! unbalanced"
        # Neutral Latin American Spanish: tú, not vos or vosotros.
        assert not re.search(r"\b(vosotros|vos|podéis|tenéis|querés|podés)\b", text), name

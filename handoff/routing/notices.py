"""What the customer is told when nobody with the skills their handoff needs is available.

Honest, once, in their language (English when we have no text in it): nobody
who can help with this is there right now; they stay in the queue, need not
write again, and a person will answer right here. Written for people, not
translated by machine; add a language by adding its text.
"""

from __future__ import annotations

from collections.abc import Mapping

from handoff.models import DEFAULT_LANGUAGE, base_language

NOBODY_WITH_SKILL: Mapping[str, str] = {
    "en": (
        "We're sorry: nobody on our team who can help with this is available right now. "
        "You're still in the queue, so there's no need to write again: "
        "as soon as someone is, they'll answer right here."
    ),
    "es": (
        "Lo sentimos: en este momento no hay nadie de nuestro equipo disponible que pueda "
        "ayudarte con esto. Sigues en la cola, así que no hace falta que vuelvas a escribir: "
        "en cuanto haya alguien, te responderá aquí mismo."
    ),
}


def nobody_with_skill(language: str) -> str:
    """The notice in ``language`` (``es-mx`` reads ``es``), else in English."""
    return NOBODY_WITH_SKILL.get(base_language(language), NOBODY_WITH_SKILL[DEFAULT_LANGUAGE])

"""Canned responses: ready-made replies an agent picks, edits and sends.

A YAML (or JSON, which YAML reads too) file, ``HANDOFF_DESK_CANNED_RESPONSES``
or the committed default ``handoff/desk/canned_responses.yml``: a list of
``{title, text}``, each with an optional ``language`` (a tag such as ``es``;
``en`` when left out, so that files written before languages keep working).
``{agent}`` in a text becomes the agent's name and ``{order}`` the order
number when the desk inserts it, so a reply can be personal without typing;
the agent still reads it before sending.

The desk offers the responses in the conversation's language
(:func:`for_language`: ``es-mx`` reads ``es``), and the English ones when
there are none in it: an agent who speaks the language can still adapt one,
and a list that is empty helps nobody.

The file is read once, when the desk is installed: a broken file stops the
service at start with the reason, not at the first agent who needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from handoff.models import DEFAULT_LANGUAGE, base_language
from handoff.routing.topics import LANGUAGE_PATTERN

MAX_TITLE_LENGTH = 80
MAX_TEXT_LENGTH = 4000
MAX_LANGUAGE_LENGTH = 16
KEYS = {"title", "text"}
OPTIONAL_KEYS = {"language"}


class CannedResponsesError(ValueError):
    """The canned-responses file is missing or not in the expected form."""


@dataclass(frozen=True)
class CannedResponse:
    title: str
    text: str
    language: str = DEFAULT_LANGUAGE

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "language": self.language}


def for_language(responses: Sequence[CannedResponse], language: str) -> list[CannedResponse]:
    """Those in ``language`` (or its base language), else the English ones."""
    wanted = language.lower()
    exact = [r for r in responses if r.language == wanted]
    if exact:
        return exact
    base = [r for r in responses if r.language == base_language(wanted)]
    if base:
        return base
    return [r for r in responses if r.language == DEFAULT_LANGUAGE]


def load_canned_responses(path: Path) -> list[CannedResponse]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CannedResponsesError(f"cannot read canned responses {path}: {error}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise CannedResponsesError(f"{path} is not valid YAML or JSON: {error}") from None
    return parse_canned_responses(data, str(path))


def parse_canned_responses(data: Any, source: str = "canned responses") -> list[CannedResponse]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise CannedResponsesError(f"{source}: expected a list of {{title, text}} entries")
    responses = []
    # Titles are unique within a language: the same title in two languages is
    # the same reply translated.
    titles: set[tuple[str, str]] = set()
    for index, item in enumerate(data):
        where = f"{source}: entry {index + 1}"
        if not isinstance(item, dict) or not KEYS <= set(item) <= KEYS | OPTIONAL_KEYS:
            raise CannedResponsesError(
                f"{where} must have exactly a title and a text, and may have a language"
            )
        title, text = item["title"], item["text"]
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE_LENGTH:
            raise CannedResponsesError(
                f"{where}: title must be a non-empty string "
                f"of at most {MAX_TITLE_LENGTH} characters"
            )
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
            raise CannedResponsesError(
                f"{where}: text must be a non-empty string of at most {MAX_TEXT_LENGTH} characters"
            )
        language = parse_language(item.get("language", DEFAULT_LANGUAGE), where)
        if (language, title.strip()) in titles:
            raise CannedResponsesError(
                f"{where}: the title {title.strip()!r} is used twice in {language!r}"
            )
        titles.add((language, title.strip()))
        responses.append(CannedResponse(title.strip(), text.strip(), language))
    return responses


def parse_language(value: Any, where: str) -> str:
    """A language tag as stored (lower case, ``-``), or the entry's error."""
    if isinstance(value, str) and len(value) <= MAX_LANGUAGE_LENGTH:
        tag = value.strip().lower().replace("_", "-")
        if LANGUAGE_PATTERN.match(tag):
            return tag
    raise CannedResponsesError(f"{where}: language must be a language tag such as en or es")

"""Canned responses: ready-made replies an agent picks, edits and sends.

A YAML (or JSON, which YAML reads too) file, ``HANDOFF_DESK_CANNED_RESPONSES``
or the committed default ``handoff/desk/canned_responses.yml``: a list of
``{title, text}``. ``{agent}`` in a text becomes the agent's name and
``{order}`` the order number when the desk inserts it, so a reply can be
personal without typing; the agent still reads it before sending.

The file is read once, when the desk is installed: a broken file stops the
service at start with the reason, not at the first agent who needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_TITLE_LENGTH = 80
MAX_TEXT_LENGTH = 4000


class CannedResponsesError(ValueError):
    """The canned-responses file is missing or not in the expected form."""


@dataclass(frozen=True)
class CannedResponse:
    title: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text}


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
    titles: set[str] = set()
    for index, item in enumerate(data):
        where = f"{source}: entry {index + 1}"
        if not isinstance(item, dict) or set(item) != {"title", "text"}:
            raise CannedResponsesError(f"{where} must have exactly a title and a text")
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
        if title.strip() in titles:
            raise CannedResponsesError(f"{where}: the title {title.strip()!r} is used twice")
        titles.add(title.strip())
        responses.append(CannedResponse(title.strip(), text.strip()))
    return responses

"""Text as customers see it: long answers split, long messages capped, buttons as text."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# The longest text each platform carries in one message, in characters: what
# we split our answers at, and what we cut a customer's message to.
SMS_LIMIT = 1600  # Twilio's limit on a (concatenated) message body
TELEGRAM_LIMIT = 4096  # the Bot API's limit on a message's text
MESSENGER_LIMIT = 2000  # the Send API's limit on a text message

# The UserMessage metadata key that says a customer's message was cut to the
# channel's cap, and how long it was (in characters); the handoff transcript
# reads it to tell the agent.
TRUNCATED_FROM = "truncated_from"

# A sentence ends at . ! ? or a line break, followed by white space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, in order.

    Parts break after a sentence where possible, between words otherwise,
    and inside a word only when a single word is longer than the limit.
    Line breaks inside a part are kept.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    parts: list[str] = []
    text = text.strip()
    while len(text) > limit:
        window = text[: limit + 1]
        ends = [m.start() for m in _SENTENCE_END.finditer(window) if m.start() > 0]
        cut = ends[-1] if ends else window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def cap_text(text: str, limit: int) -> tuple[str, int | None]:
    """``text`` cut to ``limit`` characters, and its original length if it was cut.

    The NLU and the escalation rules take time that grows with a message's
    length, and a message far longer than any platform sends (100,000
    characters posted to the REST channel) held the server for minutes. A
    longer message is cut, not refused: the customer still gets an answer to
    what they wrote first, and the caller records the original length.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    if len(text) <= limit:
        return text, None
    return text[:limit], len(text)


def numbered_buttons(text: str, buttons: Sequence[dict[str, Any]]) -> str:
    """``text`` followed by "1. Track my order" lines, for channels without buttons."""
    lines = [f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, start=1)]
    return "\n".join([text, "", *lines, "", "Reply with a number."]) if lines else text


def chosen_button(reply: str, buttons: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The button a reply such as "2" or "2." picks from the last numbered list."""
    match = re.fullmatch(r"\s*#?(\d{1,2})[.)]?\s*", reply)
    if not match:
        return None
    index = int(match.group(1)) - 1
    return buttons[index] if 0 <= index < len(buttons) else None

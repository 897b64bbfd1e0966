"""What a satisfaction survey says, and what a customer's reply to it means.

The question, one message per channel: on Telegram and Messenger five
buttons, "1 😞" to "5 😀", whose payload is ``csat:<survey_id>:<score>``; by
SMS, which has no buttons, plain text ending "Reply with a number from 1
(poor) to 5 (great)." The wording depends on what is rated: the help of our
team (a handoff) or the bot's.

A reply is read by :func:`survey_payload` (a pressed button), :func:`typed_score`
("4", " 5!", "4/5", "5 stars", "five", "⭐⭐⭐⭐") and :func:`declines_comment`
("skip", "no thanks"...). These run on customer text, so each first refuses a
text longer than :data:`MAX_ANSWER_CHARS` and then applies patterns without
nested quantifiers: linear in the length. Anything else ("1-5", "3 or 4",
"order 12345") is not an answer.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

PAYLOAD_PREFIX = "csat:"
SCORES = range(1, 6)
SCORE_EMOJI = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😀"}
# Telegram refuses callback_data over 64 bytes (bot.channels.telegram_send);
# "csat:" + an id + ":5" fits when the id has at most 57 characters.
CALLBACK_DATA_LIMIT = 64
# A longer id is carried as "~" and a digest of it: "~" is not in the ids'
# alphabet ([A-Za-z0-9_-]), so the two forms never collide.
DIGEST_MARK = "~"
DIGEST_HEX_CHARS = 20
# The longest reply that may be a score or a refusal to comment ("no thank you").
MAX_ANSWER_CHARS = 40
# A comment is kept up to this many characters.
MAX_COMMENT_CHARS = 1000

QUESTIONS = {
    "handoff": "How did we do? Please rate the help you got from our team today",
    "bot": "Did our automated assistant help you today? Please rate it",
}
BUTTONS_ENDING = " on a scale of 1 (poor) to 5 (great)."
SMS_ENDING = ". Reply with a number from 1 (poor) to 5 (great)."

INVITE_COMMENT = "If you'd like to tell us more, just reply here, or send SKIP."
GOOD_SCORE_THANKS = "Thank you for your rating! " + INVITE_COMMENT
POOR_SCORE_THANKS = (
    "Thank you for telling us, and we're sorry we didn't get it right this time. " + INVITE_COMMENT
)
COMMENT_THANKS = "Thank you, we've passed your comments on to the team."
SKIPPED_THANKS = "No problem. Thanks again for your rating!"
CLOSED_TEXT = "Thanks, this survey has closed."

_PAYLOAD = re.compile(r"csat:([A-Za-z0-9_~-]{1,64}):([1-5])")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
# After lower-casing, and dropping emoji variation selectors and keycaps
# ("4️⃣" is "4", U+FE0F, U+20E3), a score is one of these, whole.
_DIGIT_SCORE = re.compile(
    r"([1-5])(?: ?(?:/|out of|of) ?5| ?stars?| ?⭐| ?★)?"
    r"|(one|two|three|four|five)(?: ?(?:/|out of|of) ?(?:5|five)| ?stars?)?"
)
_STARS = re.compile(r"(?:⭐|★|🌟){1,5}")
_SPACES = re.compile(r"\s+")
_TRAILING = ".!?,;:)"
_DECORATION = str.maketrans("", "", "\ufe0f\u20e3")
_DECLINES = frozenset(
    {
        "skip",
        "no",
        "nope",
        "nah",
        "none",
        "no thanks",
        "no thank you",
        "nothing",
        "nothing else",
        "no comment",
        "no comments",
        "all good",
    }
)
_NOT_LETTERS = re.compile(r"[^a-z ]+")


def payload_key(survey_id: str) -> str:
    """How a survey is named in its buttons' payloads: its id, or a digest if too long."""
    if len(f"{PAYLOAD_PREFIX}{survey_id}:5".encode()) <= CALLBACK_DATA_LIMIT:
        return survey_id
    digest = hashlib.sha256(survey_id.encode()).hexdigest()[:DIGEST_HEX_CHARS]
    return DIGEST_MARK + digest


def score_payload(survey_id: str, score: int) -> str:
    return f"{PAYLOAD_PREFIX}{payload_key(survey_id)}:{score}"


def score_buttons(survey_id: str) -> list[dict[str, Any]]:
    """The five buttons, as Rasa's buttons: Telegram and Messenger render them natively."""
    return [
        {"title": f"{score} {SCORE_EMOJI[score]}", "payload": score_payload(survey_id, score)}
        for score in SCORES
    ]


def question(kind: str, with_buttons: bool) -> str:
    """The question, for a channel with buttons or for SMS."""
    return QUESTIONS[kind] + (BUTTONS_ENDING if with_buttons else SMS_ENDING)


def score_thanks(score: int) -> str:
    """The answer to a score: warmer, and sorry, for a poor one."""
    return POOR_SCORE_THANKS if score <= 2 else GOOD_SCORE_THANKS


def survey_payload(text: str) -> tuple[str, int] | None:
    """(payload key, score) of a pressed survey button, or None for any other text."""
    if not text.startswith(PAYLOAD_PREFIX):
        return None
    match = _PAYLOAD.fullmatch(text)
    return (match.group(1), int(match.group(2))) if match else None


def is_survey_payload(text: str) -> bool:
    """Anything shaped like a survey button's payload, even a malformed one."""
    return text.startswith(PAYLOAD_PREFIX)


def typed_score(text: str) -> int | None:
    """The score in a typed reply that is clearly one, else None."""
    if len(text) > MAX_ANSWER_CHARS:
        return None
    plain = _SPACES.sub(" ", text.translate(_DECORATION).lower()).strip()
    plain = plain.rstrip(_TRAILING).strip()
    match = _DIGIT_SCORE.fullmatch(plain)
    if match:
        digit, word = match.group(1), match.group(2)
        return int(digit) if digit else _NUMBER_WORDS[word]
    stars = _STARS.fullmatch(plain.replace(" ", ""))
    if stars:
        return len(stars.group(0))  # each star is one code point
    return None


def declines_comment(text: str) -> bool:
    """Whether a reply to the invitation to comment says "no thanks"."""
    if len(text) > MAX_ANSWER_CHARS:
        return False
    words = _SPACES.sub(" ", _NOT_LETTERS.sub(" ", text.lower())).strip()
    return words in _DECLINES


def comment_of(text: str) -> str:
    """The comment as kept: trimmed and capped at MAX_COMMENT_CHARS."""
    return text.strip()[:MAX_COMMENT_CHARS]

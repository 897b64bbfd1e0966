"""What a satisfaction survey says, and what a customer's reply to it means.

The question, one message per channel: on Telegram and Messenger five
buttons, "1 😞" to "5 😀", whose payload is ``csat:<survey_id>:<score>``; on
WhatsApp the same five as a list picker whose items are the same for every
survey, ``csat:*:<score>`` ("*": whichever survey is pending, so that the
Content API makes the list once, not once per survey); by SMS, which has no
buttons, plain text ending "Reply with a number from 1 (poor) to 5 (great)."
The wording depends on what is rated: the help of our team (a handoff) or
the bot's; and on the conversation's language (:data:`WORDING`: English, or
Spanish when the ``language`` slot says ``es``).

A reply is read by :func:`survey_payload` (a pressed button), :func:`typed_score`
("4", " 5!", "4/5", "5 stars", "five", "⭐⭐⭐⭐", "cinco", "cinco estrellas",
"5 de 5") and :func:`declines_comment` ("skip", "no thanks", "omitir", "no,
gracias", "así está bien"...), in either language whatever the survey's, with
or without accents. These run on customer text, so each first refuses a text
longer than :data:`MAX_ANSWER_CHARS` and then applies patterns without
nested quantifiers: linear in the length. Anything else ("1-5", "3 or 4",
"order 12345") is not an answer.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
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
# The key of buttons that answer whichever survey is pending (WhatsApp's list);
# like DIGEST_MARK, outside the ids' alphabet.
ANY_SURVEY_KEY = "*"
# The longest reply that may be a score or a refusal to comment ("no thank you").
MAX_ANSWER_CHARS = 40
# A comment is kept up to this many characters.
MAX_COMMENT_CHARS = 1000

ENGLISH, SPANISH = "en", "es"

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
# The label of the button that opens WhatsApp's list (WhatsApp allows 20 characters).
LIST_BUTTON = "Choose a score"


@dataclass(frozen=True)
class Wording:
    """Everything a survey says, in one language."""

    questions: Mapping[str, str]
    buttons_ending: str
    sms_ending: str
    invite_comment: str
    good_score_thanks: str
    poor_score_thanks: str
    comment_thanks: str
    skipped_thanks: str
    closed_text: str
    list_button: str


# Spanish for Latin America, addressing the customer as "tú" as the bot does.
_INVITA_COMENTARIO = "Si quieres contarnos más, responde aquí o envía OMITIR."
WORDING = {
    ENGLISH: Wording(
        questions=QUESTIONS,
        buttons_ending=BUTTONS_ENDING,
        sms_ending=SMS_ENDING,
        invite_comment=INVITE_COMMENT,
        good_score_thanks=GOOD_SCORE_THANKS,
        poor_score_thanks=POOR_SCORE_THANKS,
        comment_thanks=COMMENT_THANKS,
        skipped_thanks=SKIPPED_THANKS,
        closed_text=CLOSED_TEXT,
        list_button=LIST_BUTTON,
    ),
    SPANISH: Wording(
        questions={
            "handoff": "¿Cómo te atendimos? Califica la ayuda que recibiste hoy de nuestro equipo",
            "bot": "¿Te ayudó hoy nuestro asistente automático? Califícalo",
        },
        buttons_ending=" en una escala del 1 (muy mal) al 5 (excelente).",
        sms_ending=". Responde con un número del 1 (muy mal) al 5 (excelente).",
        invite_comment=_INVITA_COMENTARIO,
        good_score_thanks="¡Gracias por tu calificación! " + _INVITA_COMENTARIO,
        poor_score_thanks=(
            "Gracias por decírnoslo, y lamentamos no haberte ayudado bien esta vez. "
            + _INVITA_COMENTARIO
        ),
        comment_thanks="Gracias, le hicimos llegar tus comentarios al equipo.",
        skipped_thanks="No hay problema. ¡Gracias de nuevo por tu calificación!",
        closed_text="Gracias, esta encuesta ya se cerró.",
        list_button="Elige un puntaje",
    ),
}

_PAYLOAD = re.compile(r"csat:(\*|[A-Za-z0-9_~-]{1,64}):([1-5])")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
}  # fmt: skip
# After lower-casing, dropping accents ("cínco" is "cinco"), emoji variation
# selectors and keycaps ("4️⃣" is "4", U+FE0F, U+20E3), a score is one of
# these, whole: "4", "4/5", "4 out of 5", "4 de 5", "4 stars", "4 estrellas",
# "four", "cuatro de cinco", "una estrella".
_OF = r" ?(?:/|out of|of|de) ?"
_STAR_WORDS = r" ?(?:stars?|estrellas?)"
_DIGIT_SCORE = re.compile(
    r"([1-5])(?:" + _OF + r"5|" + _STAR_WORDS + r"| ?⭐| ?★)?"
    r"|(one|two|three|four|five|uno|una|dos|tres|cuatro|cinco)"
    r"(?:" + _OF + r"(?:5|five|cinco)|" + _STAR_WORDS + r")?"
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
        # Spanish, without accents (they are dropped before the look-up).
        "omitir",
        "omite",
        "saltar",
        "salta",
        "paso",
        "nop",
        "no gracias",
        "no muchas gracias",
        "gracias no",
        "nada",
        "nada mas",
        "no nada",
        "ninguno",
        "ninguna",
        "sin comentarios",
        "ningun comentario",
        "no tengo comentarios",
        "asi esta bien",
        "esta bien asi",
        "todo bien",
        "todo esta bien",
    }
)
_NOT_LETTERS = re.compile(r"[^a-z ]+")


def language_of(value: object) -> str:
    """A ``language`` slot's value as a survey's language: Spanish, or else English."""
    return SPANISH if value == SPANISH else ENGLISH


def wording(language: str) -> Wording:
    """What a survey says in ``language`` (English for any other)."""
    return WORDING[language_of(language)]


def _fold(text: str) -> str:
    """Lower-cased, without accents: "Así está" is "asi esta". Linear in the length."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


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
    return _buttons(payload_key(survey_id))


def any_survey_buttons() -> list[dict[str, Any]]:
    """The five buttons answering whichever survey is pending: the same for every survey."""
    return _buttons(ANY_SURVEY_KEY)


def _buttons(key: str) -> list[dict[str, Any]]:
    return [
        {"title": f"{score} {SCORE_EMOJI[score]}", "payload": f"{PAYLOAD_PREFIX}{key}:{score}"}
        for score in SCORES
    ]


def question(kind: str, with_buttons: bool, language: str = ENGLISH) -> str:
    """The question, for a channel with buttons or for SMS."""
    words = wording(language)
    return words.questions[kind] + (words.buttons_ending if with_buttons else words.sms_ending)


def score_thanks(score: int, language: str = ENGLISH) -> str:
    """The answer to a score: warmer, and sorry, for a poor one."""
    words = wording(language)
    return words.poor_score_thanks if score <= 2 else words.good_score_thanks


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
    plain = _SPACES.sub(" ", _fold(text.translate(_DECORATION))).strip()
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
    words = _SPACES.sub(" ", _NOT_LETTERS.sub(" ", _fold(text))).strip()
    return words in _DECLINES


def comment_of(text: str) -> str:
    """The comment as kept: trimmed and capped at MAX_COMMENT_CHARS."""
    return text.strip()[:MAX_COMMENT_CHARS]

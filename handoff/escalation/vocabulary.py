"""How the rules read a customer's words: chat spelling written out, words, negation.

Shared by the anger detector (:mod:`.anger`), the phrase lists
(:mod:`.phrases`) and the conversation-level cues (:mod:`.stuck`). Every
pattern here is linear in the text.
"""

from __future__ import annotations

import re

# Phones often type a curly apostrophe; the patterns below are written with a
# straight one, so messages are normalised first.
CURLY_APOSTROPHE = "\u2019"
# Chat spelling, written out before the phrase patterns run, so that they need
# one spelling each: "ur app", "im done with u people", "dont".
CHAT_SPELLING = (
    (re.compile(r"\bu\b", re.IGNORECASE), "you"),
    (re.compile(r"\bur\b", re.IGNORECASE), "your"),
    (re.compile(r"\bim\b", re.IGNORECASE), "i'm"),
    (re.compile(r"\bive\b", re.IGNORECASE), "i've"),
    (re.compile(r"\b(pls|plz)\b", re.IGNORECASE), "please"),
    (re.compile(r"\bppl\b", re.IGNORECASE), "people"),
    (re.compile(r"\b(sum1|some1|sum1e|sumone)\b", re.IGNORECASE), "someone"),
    (re.compile(r"\b(any1|ne1)\b", re.IGNORECASE), "anyone"),
    (re.compile(r"\bno1\b", re.IGNORECASE), "no one"),
    (re.compile(r"\btlk\b", re.IGNORECASE), "talk"),
    (re.compile(r"\bspk\b", re.IGNORECASE), "speak"),
    (re.compile(r"\bcn\b", re.IGNORECASE), "can"),
    (re.compile(r"\br\b", re.IGNORECASE), "are"),
    # "2" is "to" only after a verb that takes one: "tlk 2 sum1", not "2 items".
    (
        re.compile(r"\b(talk|speak|chat|get|go|send|reply|respond|listen|back) 2\b", re.IGNORECASE),
        r"\1 to",
    ),
    (
        re.compile(
            r"\b(do|did|does|ca|wo|is|was|are|have|has|had|would|could|should)nt\b", re.IGNORECASE
        ),
        r"\1n't",
    ),
)


# Spanish customers type accents or leave them out ("contraseña", "contrasena",
# "llegó", "llego"): folded, so that each Spanish pattern needs one spelling.
# One character for one, so positions in the folded text stay those of the
# original.
ACCENT_FOLD = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")
# Spanish chat spelling: "q" and "k" for "que", "xq"/"pq" for "porque", "x
# favor". Lower case only: "Q" in "Q&A" or "K" for a thousand is not "que".
SPANISH_CHAT_SPELLING = (
    (re.compile(r"\b[qk]\b"), "que"),
    (re.compile(r"\b(xq|pq|porq|xk)\b"), "porque"),
    (re.compile(r"\bx (favor|fa)\b"), r"por \1"),
    # "d" for "de" ("me pasaron d ventas a garantias"), not the "d" of "I'd"; "k" for "qu"
    # in a few words ("kiero", "keria", "kejarme"), not in "kilo".
    (re.compile(r"(?<!')\bd\b"), "de"),
    (
        re.compile(
            r"\bk(?=(iero|ieres|iere|ieren|eria|erias|erian|eriamos|eda|edo|edan|edaron|eja|"
            r"ejas|ejarme|ejo)\b)"
        ),
        "qu",
    ),
)


def _normalise(text: str) -> str:
    """The message as the phrase patterns expect it (the case is kept)."""
    text = text.replace(CURLY_APOSTROPHE, "'").translate(ACCENT_FOLD)
    for pattern, replacement in SPANISH_CHAT_SPELLING:
        text = pattern.sub(replacement, text)
    for pattern, replacement in CHAT_SPELLING:
        text = pattern.sub(replacement, text)
    return text


# Words, as the rules count and compare them: letters, with an apostrophe inside ("don't").
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# --- negation ----------------------------------------------------------------------

# Spanish too: "nunca", "nadie", "jamas", "tampoco", "ni" ("no" is both).
NEGATORS = re.compile(
    r"\b(no|not|never|nobody|none|nothing|without|neither|nor|n't|\w+n't|dont|didnt|"
    r"doesnt|wasnt|werent|isnt|wont|cant|nunca|nadie|jamas|tampoco|ni)\b",
    re.IGNORECASE,
)
# A negation reaches back only within its clause: "it didn't ship, and it
# caught fire" is not negated.
# "y" is Spanish "and" ("no llego y se quemo"), not the "y" of "y'all". "Si
# (hoy) no" is a condition, not a negation: "si no me resuelven voy a PROFECO",
# "si hoy no tengo respuesta lo publico en redes".
CLAUSE_BREAK = re.compile(
    r"[.,;:!?()\n]|\bbut\b|\bthen\b|\band\b|\bpero\b|\by\b(?!')|\bsi( \w+)? no\b",
    re.IGNORECASE,
)


# How far back a negation is looked for: a few words (four at most), and the
# spaces between them, fit well within it. Reading back to the start of the
# text instead, for every match, made a message full of matches quadratic.
# Where the words before a match are longer than this, the window is cut at a
# word boundary, so it can only miss a negation, never invent one.
NEGATION_LOOKBACK_CHARS = 128


def _negated(text: str, start: int, words: int = 4) -> bool:
    """Whether a negation stands within ``words`` words before ``start``, in the same clause."""
    if not words:
        return False
    low = max(0, start - NEGATION_LOOKBACK_CHARS)
    clause = low
    # Searched in place (pos, endpos): "\b" still sees the character before
    # ``low``, so a word cut by the window is not taken for a clause break.
    for clause_break in CLAUSE_BREAK.finditer(text, low, start):
        clause = clause_break.end()
    tokens = text[clause:start].replace(CURLY_APOSTROPHE, "'").split()
    if clause == low and low > 0 and not text[low - 1].isspace() and not text[low].isspace():
        # The window starts inside a word: its tail is not a word of the clause.
        tokens = tokens[1:]
    return NEGATORS.search(" ".join(tokens[-words:])) is not None

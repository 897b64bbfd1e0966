"""Personal data out of text: payment cards, IBANs, SSNs, CVVs (:func:`redact`), and
phone numbers out of log lines (:func:`mask_phone_numbers`).

What :func:`redact` replaces, each kind chosen by name (:data:`KINDS`):

- ``cards``: 13 to 19 digits, typed whole or in groups joined by one space
  or dash ("4111 1111 1111 1111", "3782-822463-10005"), that pass the Luhn
  check, so that order numbers (8 digits here) and most other long numbers
  are kept. Replaced by ``[card ending 1111]``: PCI DSS lets a PAN be shown
  masked to its last four digits, which is what an agent needs to talk
  about "the card ending 1111".
- ``iban``: two letters, two check digits and 11 to 30 letters or digits,
  whole or in groups of four, that pass the ISO 13616 mod-97 check:
  ``[IBAN ending 4432]``.
- ``ssn``: a US Social Security number written 123-45-6789 or 123 45 6789
  (area not 000, 666 or 9xx; group not 00; serial not 0000), or nine
  digits right after "SSN" or "social security number": ``[SSN removed]``.
- ``cvv``: three or four digits right after "CVV", "CVC", "CSC" or
  "security code": ``[CVV removed]``.

Every pattern is linear in the text's length: the numbers are found by
tokenising (``[A-Za-z0-9]+`` runs, found once) and checking windows of at
most a few tokens, never by a regular expression with nested or unbounded
overlapping quantifiers; tests/plumbing/test_redaction.py times them on
hostile text.

Why not a library: Presidio needs spaCy and a model, and scrubadub's
detectors are regular expressions without the Luhn or mod-97 checks, which
would redact order numbers and phone numbers alike. plumbing/scrub.py
scrubs for a different reader (a trainer, with placeholders the training
data understands); the Luhn check is the same.

Here rather than in one process's package because both the handoff service
(transcripts to contact centers) and every service's logs need it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

CARDS = "cards"
IBAN = "iban"
SSN = "ssn"
CVV = "cvv"
KINDS = (CARDS, IBAN, SSN, CVV)

CARD_DIGITS = (13, 19)
IBAN_LENGTH = (15, 34)  # Norway's 15 to Saint Lucia's 32; the standard allows 34

# Alphanumeric runs, ASCII only: card numbers and IBANs are typed in ASCII,
# and ``\w`` would also take digits of other scripts that int() reads.
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_JOINERS = (" ", "-")
_SSN = re.compile(r"(?<![0-9-])([0-9]{3})([ -])([0-9]{2})\2([0-9]{4})(?![0-9-])")
# Keyword, then at most a few characters of punctuation and space, then the
# number: bounded repetitions of disjoint classes, so linear.
_SSN_AFTER_KEYWORD = re.compile(
    r"(?i)\b(ssn|social security(?: number| no\.?)?)([^A-Za-z0-9]{0,4})([0-9]{9})(?![0-9])"
)
_CVV = re.compile(
    r"(?i)\b(cvv2?|cvc2?|csc|security code)([^A-Za-z0-9]{0,4})([0-9]{3,4})(?![0-9])"
)

# Phone numbers in log lines: "+" (or "%2B" in a URL) and 7 to 15 digits,
# perhaps in groups; or the North American "(415) 555-0101", "415-555-0101",
# "415.555.0101". Bare digit runs are left alone: ids, timestamps and counts
# look the same. The repetitions are bounded and each step eats a digit.
_PHONE = re.compile(
    r"(?:(?<![0-9A-Za-z])\+|%2[Bb])[0-9](?:[ .-]?[0-9]){6,14}(?![0-9])"
    r"|(?<![0-9])(?:\([0-9]{3}\) ?|[0-9]{3}[.-])[0-9]{3}[.-][0-9]{4}(?![0-9])"
)
_DIGIT = re.compile(r"[0-9]")


def parse_kinds(value: str, variable: str) -> tuple[str, ...]:
    """``cards,iban`` (any case, comma-separated), ``all``, or ``off``/``none``: the kinds."""
    names = tuple(word.strip().lower() for word in value.split(",") if word.strip())
    if names in (("off",), ("none",)):
        return ()
    if names == ("all",):
        return KINDS
    unknown = [name for name in names if name not in KINDS]
    if unknown:
        raise ValueError(
            f"{variable}: unknown kind {unknown[0]!r}; choose from {', '.join(KINDS)}, "
            "all, or off"
        )
    return tuple(dict.fromkeys(names))


def luhn_valid(digits: str) -> bool:
    """The check digit of payment card numbers (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """ISO 13616: the first four characters moved to the end, letters as 10-35, mod 97 is 1."""
    if not IBAN_LENGTH[0] <= len(text) <= IBAN_LENGTH[1]:
        return False
    rearranged = text[4:] + text[:4]
    remainder = 0
    for char in rearranged:
        value = int(char) if char.isdigit() else ord(char) - ord("A") + 10
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder == 1


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int


def _runs(text: str) -> Iterator[list[_Token]]:
    """Tokens joined by single spaces or dashes: the groups a number is typed in."""
    run: list[_Token] = []
    for match in _TOKEN.finditer(text):
        token = _Token(match.group(0), match.start(), match.end())
        if run and not (
            token.start - run[-1].end == 1 and text[run[-1].end] in _JOINERS
        ):
            yield run
            run = []
        run.append(token)
    if run:
        yield run


def _card_spans(run: list[_Token]) -> Iterator[tuple[int, int, str]]:
    """(start, end, last four) of the card numbers in a run of tokens."""
    i = 0
    while i < len(run):
        found = None
        # Windows of whole tokens starting at i, all digits, at most 19 digits:
        # the longest valid one, so that a card typed after another number
        # ("order 12345678 4111 1111 1111 1111") is still found from its start.
        digits = ""
        candidates: list[tuple[int, str]] = []
        for j in range(i, len(run)):
            token = run[j].text
            if not token.isdigit() or len(digits) + len(token) > CARD_DIGITS[1]:
                break
            digits += token
            if len(digits) >= CARD_DIGITS[0]:
                candidates.append((j, digits))
        for j, number in reversed(candidates):
            if luhn_valid(number):
                found = (j, number)
                break
        if found is None:
            i += 1
            continue
        j, number = found
        yield run[i].start, run[j].end, number[-4:]
        i = j + 1


def _iban_spans(run: list[_Token]) -> Iterator[tuple[int, int, str]]:
    i = 0
    while i < len(run):
        head = run[i].text.upper()
        if not (len(head) >= 4 and head[:2].isalpha() and head[2:4].isdigit()):
            i += 1
            continue
        compact = ""
        candidates: list[tuple[int, str]] = []
        for j in range(i, len(run)):
            compact += run[j].text.upper()
            if len(compact) > IBAN_LENGTH[1]:
                break
            candidates.append((j, compact))
        found = next(
            ((j, code) for j, code in reversed(candidates) if iban_valid(code)), None
        )
        if found is None:
            i += 1
            continue
        j, code = found
        yield run[i].start, run[j].end, code[-4:]
        i = j + 1


def _replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    if not spans:
        return text
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(spans):
        if start < position:
            continue  # overlaps one already replaced
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def _ssn_valid(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def redact(text: str, kinds: Collection[str] = KINDS) -> str:
    """``text`` with the personal numbers of ``kinds`` replaced (see the module docstring)."""
    if not kinds or not text:
        return text
    spans: list[tuple[int, int, str]] = []
    if CARDS in kinds or IBAN in kinds:
        for run in _runs(text):
            if CARDS in kinds:
                spans += [(s, e, f"[card ending {last}]") for s, e, last in _card_spans(run)]
            if IBAN in kinds:
                spans += [(s, e, f"[IBAN ending {last}]") for s, e, last in _iban_spans(run)]
    text = _replace_spans(text, spans)
    if SSN in kinds:
        text = _SSN.sub(
            lambda m: "[SSN removed]" if _ssn_valid(m[1], m[3], m[4]) else m[0], text
        )
        text = _SSN_AFTER_KEYWORD.sub(lambda m: f"{m[1]}{m[2]}[SSN removed]", text)
    if CVV in kinds:
        text = _CVV.sub(lambda m: f"{m[1]}{m[2]}[CVV removed]", text)
    return text


def mask_phone_number(number: str) -> str:
    """Enough of a number to tell log lines apart (its last two digits), no more."""
    digits = _DIGIT.findall(number)
    return "***" + "".join(digits[-2:]) if len(digits) > 4 else "***"


def mask_phone_numbers(text: str) -> str:
    """``text`` with every phone-number-like string masked by :func:`mask_phone_number`."""
    return _PHONE.sub(lambda m: mask_phone_number(m.group(0)), text)

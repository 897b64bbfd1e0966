"""Personal data out of customer messages and ids, before a trainer or a CRM reads them.

What is replaced, in this order:

1. Square brackets become parentheses: a customer's "[x](y)" would otherwise
   be read as an entity annotation once the text is training data.
2. E-mail addresses become ``[customer@example.com](email)``: still an
   annotated e-mail (the regex feature and the extractor see one), no longer
   anybody's.
3. Numbers, digits with the separators people type (spaces, dashes, dots,
   parentheses, a leading +):

   - 13 to 19 digits passing the Luhn check: a payment card, ``<card>``;
   - a leading + or 00, or 10 to 15 digits, or ``555-0123``: a phone
     number, ``<phone>``;
   - any other run of 9 digits or more (account numbers, IDs): ``<number>``.

   An 8-digit number on its own is an order number, which identifies an
   order, not a person: it is kept, as the annotation ``[12345678](order_id)``
   the data uses. It also splits a run ("12345678 4155550101" is an order and
   a phone).

Here, in plumbing, because two processes scrub by these rules: the
trainers' tools (``make review``, ``make export-records``) and the handoff
service's export of conversation records (``GET /api/insights/records``),
so that a record exported either way names a customer the same way.

Why not a library: phonenumbers finds only numbers valid in the regions it is
given, and Presidio needs a spaCy model; a scrubber must rather over-match,
whatever the country or format. Names and street addresses are not detected:
a trainer who sees one replaces it by hand (the review file says so).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from plumbing.redaction import luhn_valid

SCRUBBED_EMAIL = "customer@example.com"
CARD = "<card>"
PHONE = "<phone>"
NUMBER = "<number>"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Digits joined by at most two separators at a time: "(415) 555-0101",
# "4111 1111 1111 1111", "+44 7700 900123".
DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d(?:[ .()/-]{0,2}\d)*\)?(?!\w)")
ORDER_NUMBER = re.compile(r"\d{8}")
LOCAL_PHONE = re.compile(r"\d{3}[ .-]\d{4}")
# Stands for an e-mail while the numbers are scrubbed: it has no digits to match.
EMAIL_MARK = "\0EMAIL\0"


@dataclass(frozen=True)
class Scrubbed:
    text: str  # an annotated training example
    removed: tuple[str, ...]  # the kinds replaced: "email", "card", "phone", "number"


def classify(run: str) -> str | None:
    """The placeholder for a run of digits and separators, or None to keep it."""
    digits = re.sub(r"\D", "", run)
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return CARD
    international = run.startswith(("+", "(+")) or digits.startswith("00")
    if (international and len(digits) >= 7) or 10 <= len(digits) <= 15:
        return PHONE
    if LOCAL_PHONE.fullmatch(run):
        return PHONE
    if len(digits) >= 9:
        return NUMBER
    return None


def scrub_number_run(run: str, removed: list[str]) -> str:
    """A run of digits with its personal numbers replaced and its order numbers annotated."""
    out: list[str] = []
    segment: list[str] = []

    def flush() -> None:
        if segment:
            text = " ".join(segment)
            placeholder = classify(text)
            if placeholder is not None:
                removed.append(placeholder.strip("<>"))
            out.append(placeholder or text)
            segment.clear()

    # The text's spaces are single (see scrub), so the run splits into the
    # groups the customer typed; an 8-digit group on its own is an order number.
    for group in run.split(" "):
        if ORDER_NUMBER.fullmatch(group.strip("()")):
            flush()
            number = group.strip("()")
            out.append(group.replace(number, f"[{number}](order_id)"))
        else:
            segment.append(group)
    flush()
    return " ".join(out)


def scrub(text: str) -> Scrubbed:
    removed: list[str] = []
    text = " ".join(text.replace("[", "(").replace("]", ")").split())

    def email(match: re.Match[str]) -> str:
        removed.append("email")
        return EMAIL_MARK

    marked = EMAIL.sub(email, text)
    scrubbed = DIGIT_RUN.sub(lambda m: scrub_number_run(m.group(0), removed), marked)
    return Scrubbed(scrubbed.replace(EMAIL_MARK, f"[{SCRUBBED_EMAIL}](email)"), tuple(removed))


def scrub_identifier(sender_id: str) -> str:
    """A conversation id fit to show: as is, or a stable hash if it holds personal data.

    SMS conversations are keyed by the customer's phone number. The hash still
    tells the same conversation's messages apart from another's.
    """
    if scrub(sender_id).removed:
        return "sha256:" + hashlib.sha256(sender_id.encode()).hexdigest()[:12]
    return sender_id

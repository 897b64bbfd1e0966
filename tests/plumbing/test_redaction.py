"""plumbing.redaction: cards, IBANs, SSNs and CVVs out of text; phone numbers out of logs.

Each kind: what must be replaced, what must be kept (order numbers, phone
numbers, dates, amounts), and the cost on long hostile text, measured the
way tests/handoff/escalation/test_speed.py measures the escalation rules:
the process's CPU time at ten times the size, best of a few runs.
"""

from __future__ import annotations

import pytest

from plumbing.redaction import (
    CARDS,
    CVV,
    IBAN,
    KINDS,
    SSN,
    iban_valid,
    luhn_valid,
    mask_phone_number,
    mask_phone_numbers,
    parse_kinds,
    redact,
)
from tests.handoff.escalation.test_speed import assert_linear, growth, repeated

VISA = "4111 1111 1111 1111"
AMEX = "3782-822463-10005"
IBAN_GB = "GB82 WEST 1234 5698 7654 32"


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"my card is {VISA} thanks", "my card is [card ending 1111] thanks"),
        ("card 4111111111111111.", "card [card ending 1111]."),
        ("4111-1111-1111-1111", "[card ending 1111]"),
        (f"amex {AMEX}", "amex [card ending 0005]"),
        # After an order number, in the same run of digit groups.
        (f"order 12345678 {VISA}", "order 12345678 [card ending 1111]"),
        (
            f"cards {VISA} and 5555 5555 5555 4444",
            "cards [card ending 1111] and [card ending 4444]",
        ),
    ],
)
def test_card_numbers_are_replaced_by_their_last_four_digits(text: str, expected: str) -> None:
    assert redact(text, [CARDS]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 12345678",
        "call me on +1 415 555 0101 or (415) 555-0101",
        "4111 1111 1111 1112",  # fails the Luhn check: a typo, or not a card
        "tracking 1Z999AA10123456784",  # letters and digits in one token
        "it cost 1,299.99 on 2026-12-03 at 10:00",
        "1234567890123456789012345",  # longer than any card
    ],
)
def test_other_numbers_are_kept(text: str) -> None:
    assert redact(text) == text


def test_iban_is_replaced_whole_or_grouped_in_any_case() -> None:
    assert redact(f"refund to {IBAN_GB} please", [IBAN]) == "refund to [IBAN ending 5432] please"
    assert redact("iban gb82west12345698765432", [IBAN]) == "iban [IBAN ending 5432]"
    assert redact("DE89 3704 0044 0532 0130 00.", [IBAN]) == "[IBAN ending 3000]."
    # A wrong check digit: not an IBAN.
    assert redact("GB83 WEST 1234 5698 7654 32", [IBAN]) == "GB83 WEST 1234 5698 7654 32"


def test_ssn_is_replaced_when_shaped_or_named() -> None:
    assert redact("my ssn is 123-45-6789", [SSN]) == "my ssn is [SSN removed]"
    assert redact("SSN: 123456789", [SSN]) == "SSN: [SSN removed]"
    assert redact("social security number 123 45 6789", [SSN]).endswith("[SSN removed]")
    # Not valid SSNs, or a date and a phone number.
    for kept in ("000-12-3456", "666-12-3456", "123-00-4567", "2026-12-03", "555-123-4567"):
        assert redact(kept, [SSN]) == kept


def test_cvv_is_replaced_only_after_its_name() -> None:
    assert redact("cvv 123", [CVV]) == "cvv [CVV removed]"
    assert redact("Security code: 4321", [CVV]) == "Security code: [CVV removed]"
    assert redact("I have 123 items", [CVV]) == "I have 123 items"


def test_only_the_chosen_kinds_are_replaced() -> None:
    text = f"card {VISA}, iban {IBAN_GB}, ssn 123-45-6789, cvv 123"
    assert redact(text, []) == text
    assert VISA in redact(text, [IBAN, SSN, CVV])
    assert redact(text) == (
        "card [card ending 1111], iban [IBAN ending 5432], ssn [SSN removed], cvv [CVV removed]"
    )


@pytest.mark.parametrize(
    "value, kinds",
    [
        ("cards,iban", (CARDS, IBAN)),
        (" SSN , cards ", (SSN, CARDS)),
        ("all", KINDS),
        ("off", ()),
        ("none", ()),
    ],
)
def test_kinds_are_read_from_a_setting(value: str, kinds: tuple[str, ...]) -> None:
    assert parse_kinds(value, "HANDOFF_REDACT") == kinds


def test_an_unknown_kind_names_the_variable() -> None:
    with pytest.raises(ValueError, match="HANDOFF_REDACT: unknown kind 'passport'"):
        parse_kinds("cards,passport", "HANDOFF_REDACT")


def test_the_checks() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST1234569876543")


# -- phone numbers in logs ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("sms: sent to +15551234567", "sms: sent to ***67"),
        ("GET /conversations/%2B15551234567/tracker", "GET /conversations/***67/tracker"),
        ("from +44 7700 900123 again", "from ***23 again"),
        ("call (415) 555-0101 or 415-555-0199", "call ***01 or ***99"),
        ("415.555.0101", "***01"),
    ],
)
def test_phone_numbers_keep_only_their_last_two_digits(line: str, expected: str) -> None:
    assert mask_phone_numbers(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "event 1234567890 took 15 ms",
        "2026-12-03 08:21:18,087 INFO handoff 42",
        "127.0.0.1:5005 chat 123456789",
        "delivery SM0123456789abcdef",
    ],
)
def test_ids_times_and_addresses_are_not_taken_for_phone_numbers(line: str) -> None:
    assert mask_phone_numbers(line) == line


def test_a_short_number_is_masked_whole() -> None:
    assert mask_phone_number("+123") == "***"


# -- cost on long hostile text -------------------------------------------------------------

HOSTILE = {
    "digit groups": "4111 ",
    "digits": "4",
    "dashes": "1-",
    "iban heads": "GB82 ",
    "letters": "GB82WEST",
    "ssn shapes": "123-45-",
    "keywords": "cvv ssn ",
    "plus signs": "+1 ",
    "phone shapes": "(415) 555-",
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_redaction_is_linear(shape: str) -> None:
    small, large = growth(lambda size: repeated(HOSTILE[shape], size), redact)
    assert_linear(small, large, f"redact on {shape!r}")


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_phone_masking_is_linear(shape: str) -> None:
    small, large = growth(lambda size: repeated(HOSTILE[shape], size), mask_phone_numbers)
    assert_linear(small, large, f"mask_phone_numbers on {shape!r}")

"""Personal data leaves customer messages; order numbers stay, as annotated entities."""

from __future__ import annotations

import pytest

from plumbing.scrub import luhn_valid, scrub, scrub_identifier
from training.corpus import parse_example


@pytest.mark.parametrize(
    ("message", "scrubbed"),
    [
        ("call me on +1 415 555 0101", "call me on <phone>"),
        ("my number is (415) 555-0101", "my number is <phone>"),
        ("ring 07700 900123 after 5", "ring <phone> after 5"),
        ("+447700900123", "<phone>"),
        ("or 4155550101", "or <phone>"),
        ("call 555-0123", "call <phone>"),
        ("card 4111 1111 1111 1111 exp 12/26", "card <card> exp 12/26"),
        ("charged twice on 5500-0000-0000-0004", "charged twice on <card>"),
        ("ssn 123-45-6789", "ssn <number>"),
        ("mail Jane.Doe84@gmail.com please", "mail [customer@example.com](email) please"),
        ("where is 12345678??", "where is [12345678](order_id)??"),
        (
            "order 12345678 call me on +1 415 555 0101",
            "order [12345678](order_id) call me on <phone>",
        ),
        ("orders 12345678, 87654321", "orders [12345678](order_id), [87654321](order_id)"),
    ],
)
def test_personal_data_is_replaced_and_order_numbers_are_annotated(
    message: str, scrubbed: str
) -> None:
    assert scrub(message).text == scrubbed


@pytest.mark.parametrize(
    "message",
    [
        "it costs 1,299.00",
        "delivered on 2024-01-15 at 10.30",
        "order #1234-5678 is late",  # the bot's form reads this; it identifies nobody
        "i bought 3 items for 20 euros",
        "my code is 1234567",
    ],
)
def test_ordinary_numbers_are_kept(message: str) -> None:
    assert scrub(message).text == message
    assert scrub(message).removed == ()


def test_what_was_removed_is_reported_by_kind() -> None:
    result = scrub("me@x.org, 4111111111111111 or +1 415 555 0101")
    assert result.removed == ("email", "card", "phone")


def test_a_sixteen_digit_number_failing_luhn_is_no_card_but_still_removed() -> None:
    assert not luhn_valid("4111111111111112")
    assert scrub("ref 4111 1111 1111 1112").text == "ref <number>"


def test_brackets_typed_by_a_customer_cannot_become_an_annotation() -> None:
    result = scrub("[my order](order_id) is late")
    plain, entities = parse_example(result.text)
    assert entities == ()
    assert "order_id" in plain


def test_the_scrubbed_text_is_a_training_example_with_the_right_entities() -> None:
    plain, entities = parse_example(scrub("order 12345678, mail a.b@c.de").text)
    assert plain == "order 12345678, mail customer@example.com"
    assert [(e.name, e.value) for e in entities] == [
        ("order_id", "12345678"),
        ("email", "customer@example.com"),
    ]


def test_conversation_ids_holding_a_phone_number_are_hashed_consistently() -> None:
    hashed = scrub_identifier("+14155550101")
    assert hashed.startswith("sha256:") and "415" not in hashed
    assert scrub_identifier("+14155550101") == hashed != scrub_identifier("+14155550102")
    assert scrub_identifier("demo-alice") == "demo-alice"

"""plumbing.privacy.subject: a customer's identifiers, and the JSON they travel in."""

from __future__ import annotations

from typing import Any

import pytest

from plumbing.privacy.subject import MAX_IDENTIFIERS, InvalidSubject, Subject


def alice() -> Subject:
    subject = Subject.of("+1 (415) 555-0177")
    subject.add_conversation("700800900", "business customer 7's telegram identity")
    subject.add_email("Alice@Example.com", "business customer 7's e-mail")
    subject.customers[7] = "their sms identity"
    return subject


def test_a_subject_comes_back_from_its_json_as_it_was() -> None:
    subject = alice()
    back = Subject.from_json(subject.to_json())
    assert back == subject
    assert back.phones == {"+14155550177": "given: the SMS conversation of this number"}
    assert back.emails == {"alice@example.com": "business customer 7's e-mail"}


def test_what_an_operator_gives_becomes_the_first_identifier() -> None:
    assert Subject.of("Alice@Example.com").emails == {"alice@example.com": "given"}
    assert Subject.of("tg-1").conversations == {"tg-1": "given"}
    assert Subject.of("+14155550177").phones == {
        "+14155550177": "given: the SMS conversation of this number"
    }


def test_a_number_s_conversations_on_sms_and_whatsapp_go_together() -> None:
    for given in ("+1 415 555 0177", "whatsapp:+14155550177", "+14155550177"):
        subject = Subject.of(given)
        assert set(subject.conversations) == {"+14155550177", "whatsapp:+14155550177"}, given
        assert set(subject.phones) == {"+14155550177"}
    # A chat id of digits is no number: nothing else comes with it.
    assert set(Subject.of("4155550177").conversations) == {"4155550177"}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: "not an object",
        lambda d: {**d, "kind": "ssn"},
        lambda d: {**d, "given": 12},
        lambda d: {**d, "conversations": "tg-1"},
        lambda d: {**d, "conversations": [{"id": 5, "found_by": "x"}]},
        lambda d: {**d, "conversations": [{"id": "tg", "found_by": "x" * 400}]},
        lambda d: {**d, "business_customers": [{"id": True, "found_by": "x"}]},
        lambda d: {**d, "business_customers": [{"id": "7", "found_by": "x"}]},
        lambda d: {**d, "emails": ["alice@example.com"]},
        lambda d: {
            **d,
            "conversations": [{"id": f"c{i}", "found_by": "x"} for i in range(MAX_IDENTIFIERS + 1)],
        },
    ],
)
def test_json_that_no_subject_writes_is_refused(change: Any) -> None:
    with pytest.raises(InvalidSubject):
        Subject.from_json(change(alice().to_json()))

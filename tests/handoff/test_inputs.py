"""handoff.inputs: request bodies, query parameters, ids and times the database can take."""

from __future__ import annotations

import datetime as dt

import pytest

from handoff.inputs import (
    MAX_INT64,
    UntrustedInput,
    json_object,
    query_int,
    query_text,
    storable,
    stored_id,
    timestamp,
)


def test_json_bodies_nested_too_deep_are_refused_not_a_recursion_error() -> None:
    with pytest.raises(UntrustedInput, match="nested"):
        json_object(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(UntrustedInput, match="nested"):
        json_object(b'{"a":' * 5_000 + b"1" + b"}" * 5_000)
    with pytest.raises(UntrustedInput, match="object"):
        json_object(b"[1, 2]")
    with pytest.raises(UntrustedInput, match="not valid JSON"):
        json_object(b"\xff\xfe")


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_numbers_must_be_finite(number: bytes) -> None:
    with pytest.raises(UntrustedInput, match="finite"):
        json_object(b'{"customer": {"score": [' + number + b"]}}")


def test_strings_the_database_cannot_store_are_made_storable() -> None:
    body = json_object(rb'{"text": "a\u0000b", "\ud800key": ["\udfff", "fine \ud83d\ude00"]}')
    assert body == {"text": "a\ufffdb", "\ufffdkey": ["\ufffd", "fine 😀"]}
    assert storable("plain") == "plain"


def test_query_integers_are_ascii_digits_within_bounds() -> None:
    assert query_int({}, "limit", default=100, minimum=1, maximum=500) == 100
    assert query_int({"limit": "7"}, "limit", default=100, minimum=1, maximum=500) == 7
    for wrong in ("²", "\uff11\uff12", "0", "501", "9" * 30, "-1", "1.5", "abc"):
        with pytest.raises(UntrustedInput, match="limit must be an integer from 1 to 500"):
            query_int({"limit": wrong}, "limit", default=100, minimum=1, maximum=500)


def test_query_text_is_storable_and_empty_is_none() -> None:
    assert query_text({"conversation_id": "+1555\x000"}, "conversation_id") == "+1555\ufffd0"
    assert query_text({"conversation_id": ""}, "conversation_id") is None
    assert query_text({}, "conversation_id") is None


def test_ids_past_64_bits_name_no_row() -> None:
    assert stored_id(1) and stored_id(MAX_INT64)
    assert not stored_id(0) and not stored_id(-5) and not stored_id(MAX_INT64 + 1)
    assert not stored_id(99999999999999999999)


def test_times_out_of_range_are_refused_not_an_overflow() -> None:
    assert timestamp(1740830400.5) == dt.datetime(2025, 3, 1, 12, 0, 0, 500000)
    assert timestamp("2025-03-01T13:00:00+01:00") == dt.datetime(2025, 3, 1, 12, 0)
    assert timestamp("2025-03-01T12:00:00") == dt.datetime(2025, 3, 1, 12, 0)
    for wrong in (1e20, -1e300, "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", True):
        with pytest.raises(UntrustedInput):
            timestamp(wrong)

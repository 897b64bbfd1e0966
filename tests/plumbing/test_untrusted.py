from __future__ import annotations

from datetime import timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing.untrusted import (
    MAX_INT64,
    UntrustedInput,
    header_bytes,
    json_depth,
    parse_int,
    parse_json,
    parse_object,
    parse_timestamp,
)


def test_deeply_nested_json_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(UntrustedInput, match="nested"):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(UntrustedInput, match="nested"):
        parse_json(b'{"a":' * 40 + b"1" + b"}" * 40)


def test_ordinary_json_is_parsed() -> None:
    assert parse_json(b'{"entry": [{"messaging": [{"sender": {"id": "1"}}]}]}') == {
        "entry": [{"messaging": [{"sender": {"id": "1"}}]}]
    }


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"nan-ish", "\ud800"])
def test_malformed_json_is_refused(body: bytes | str) -> None:
    with pytest.raises(UntrustedInput):
        parse_json(body)


JSON_VALUES = st.recursive(
    st.none() | st.integers(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
)


@given(JSON_VALUES)
def test_depth_counts_nesting(value: object) -> None:
    assert json_depth(value) >= 0
    assert json_depth([value]) == json_depth(value) + 1


NOT_NUMBERS = ["\u00b2", "\uff11\uff12", "1e3", "", " ", "12a", 1.5, True, None, [], "9" * 20]


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_only_ascii_whole_numbers_are_numbers(value: object) -> None:
    with pytest.raises(UntrustedInput):
        parse_int(value)


def test_numbers_past_64_bits_are_refused() -> None:
    assert parse_int(str(MAX_INT64)) == MAX_INT64
    with pytest.raises(UntrustedInput, match="between"):
        parse_int(MAX_INT64 + 1)
    with pytest.raises(UntrustedInput, match="between"):
        parse_int("-1")
    assert parse_int(" 42 ", minimum=1, maximum=100) == 42


BAD_TIMES = [1e20, -1, float("nan"), float("inf"), "0001-01-01T00:00:00", "x", False]


@pytest.mark.parametrize("value", BAD_TIMES)
def test_out_of_range_times_are_refused(value: object) -> None:
    with pytest.raises(UntrustedInput):
        parse_timestamp(value)


def test_times_are_utc() -> None:
    assert parse_timestamp(1_796_292_000).tzinfo == timezone.utc
    assert parse_timestamp("2026-12-03T10:00:00Z").hour == 10
    assert parse_timestamp("2026-12-03T11:00:00+01:00").hour == 10


def test_non_ascii_header_bytes_come_back_as_sent() -> None:
    sent = "s\u00e9cret".encode()
    as_sanic_gives_it = sent.decode("utf-8", "surrogateescape")
    assert header_bytes(as_sanic_gives_it) == sent
    assert header_bytes("\udcff") == b"\xff"
    assert header_bytes(None) is None


def test_parse_object_takes_an_object_of_known_fields_and_says_what_else_is_wrong() -> None:
    shape = 'the body must be {"a": ...}'
    assert parse_object(b'{"a": 1}', {"a", "b"}, shape) == {"a": 1}
    for body, message in (
        (b"[1]", shape),
        (b'{"a": 1, "z": 2, "c": 3}', f"unknown field(s): c, z; {shape}"),
        (b"{", "the body is not valid JSON"),
    ):
        with pytest.raises(UntrustedInput) as raised:
            parse_object(body, {"a", "b"}, shape)
        assert str(raised.value) == message

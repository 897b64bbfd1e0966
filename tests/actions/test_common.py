"""Tests of actions/common.py: the conversation's language and its dates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from actions.common import conversation_language, format_date

if TYPE_CHECKING:
    from tests.actions.conftest import MakeTracker


@pytest.mark.parametrize(
    ("value", "language"),
    [("es", "es"), ("ES", "es"), ("en", "en"), (None, "en"), ("fr", "en"), (3, "en")],
)
def test_anything_but_spanish_is_english(
    make_tracker: MakeTracker, value: Any, language: str
) -> None:
    assert conversation_language(make_tracker(slots={"language": value})) == language


def test_a_conversation_without_the_slot_is_english(make_tracker: MakeTracker) -> None:
    assert conversation_language(make_tracker()) == "en"


@pytest.mark.parametrize(
    ("day", "english", "spanish"),
    [
        (dt.date(2024, 6, 17), "Monday 17 June", "lunes 17 de junio"),
        (dt.date(2024, 1, 3), "Wednesday 3 January", "miércoles 3 de enero"),
        (dt.date(2024, 3, 16), "Saturday 16 March", "sábado 16 de marzo"),
        (dt.date(2024, 12, 1), "Sunday 1 December", "domingo 1 de diciembre"),
        (dt.date(2024, 9, 5), "Thursday 5 September", "jueves 5 de septiembre"),
    ],
)
def test_dates_in_each_language(day: dt.date, english: str, spanish: str) -> None:
    assert format_date(day) == english
    assert format_date(day, "en") == english
    assert format_date(day, "es") == spanish

"""bot.channels.settings: the message-length cap read from CHANNELS_MAX_MESSAGE_CHARS,
and the surveys' CHANNELS_SURVEY_HOURS and CHANNELS_SURVEY_COMMENT_MINUTES."""

from __future__ import annotations

import pytest

from bot.channels.settings import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MAX_MESSAGE_CHARS_CEILING,
    ChannelSettings,
)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_the_cap_defaults_to_4096_characters(value: str | None) -> None:
    env = {} if value is None else {"CHANNELS_MAX_MESSAGE_CHARS": value}
    assert ChannelSettings.from_env(env).max_message_chars == DEFAULT_MAX_MESSAGE_CHARS == 4096


@pytest.mark.parametrize(("value", "cap"), [("2000", 2000), (" 1 ", 1), ("16384", 16384)])
def test_the_cap_can_be_set(value: str, cap: int) -> None:
    assert ChannelSettings.from_env({"CHANNELS_MAX_MESSAGE_CHARS": value}).max_message_chars == cap


@pytest.mark.parametrize(
    "value", ["0", "-5", "4k", "²", "\uff14\uff10\uff19\uff16", "16385", "1" * 40, "2.5"]
)
def test_a_cap_that_is_not_a_sane_whole_number_is_refused_naming_the_variable(
    value: str,
) -> None:
    with pytest.raises(ValueError, match="CHANNELS_MAX_MESSAGE_CHARS"):
        ChannelSettings.from_env({"CHANNELS_MAX_MESSAGE_CHARS": value})


def test_the_cap_is_checked_when_settings_are_built_in_code_too() -> None:
    with pytest.raises(ValueError, match="CHANNELS_MAX_MESSAGE_CHARS"):
        ChannelSettings(max_message_chars=MAX_MESSAGE_CHARS_CEILING + 1)


def test_surveys_wait_24_hours_for_a_score_and_15_minutes_for_a_comment() -> None:
    settings = ChannelSettings.from_env({})
    assert (settings.survey_hours, settings.survey_comment_minutes) == (24, 15)
    settings = ChannelSettings.from_env(
        {"CHANNELS_SURVEY_HOURS": "48", "CHANNELS_SURVEY_COMMENT_MINUTES": "2.5"}
    )
    assert (settings.survey_hours, settings.survey_comment_minutes) == (48, 2.5)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHANNELS_SURVEY_HOURS", "0"),
        ("CHANNELS_SURVEY_HOURS", "-1"),
        ("CHANNELS_SURVEY_HOURS", "721"),
        ("CHANNELS_SURVEY_HOURS", "a day"),
        ("CHANNELS_SURVEY_HOURS", "inf"),
        ("CHANNELS_SURVEY_COMMENT_MINUTES", "0"),
        ("CHANNELS_SURVEY_COMMENT_MINUTES", "1441"),
        ("CHANNELS_SURVEY_COMMENT_MINUTES", "nan"),
    ],
)
def test_survey_durations_out_of_range_are_refused_naming_the_variable(
    variable: str, value: str
) -> None:
    with pytest.raises(ValueError, match=variable):
        ChannelSettings.from_env({variable: value})

"""handoff.desk.channels: the reply box's limits match what the channels send."""

from __future__ import annotations

from bot.channels.text import MESSENGER_LIMIT, SMS_LIMIT, TELEGRAM_LIMIT
from handoff.bodies import MAX_TEXT_LENGTH
from handoff.desk.channels import LIMITS, SOURCES, channels_json, limit_for
from tests.fakes.twilio import BODY_LIMIT


def test_the_limits_are_the_ones_the_channels_split_at() -> None:
    assert LIMITS == {
        "sms": SMS_LIMIT,
        "telegram": TELEGRAM_LIMIT,
        "messenger": MESSENGER_LIMIT,
        # Through Twilio's Messages API too, which takes 1600 characters whatever the address.
        "whatsapp": SMS_LIMIT,
    }
    # The fake Twilio refuses what the real one refuses (error 21617).
    assert LIMITS["sms"] == BODY_LIMIT
    # Every limit fits in what the API accepts for one message.
    assert max(LIMITS.values()) <= MAX_TEXT_LENGTH
    assert set(SOURCES) == set(LIMITS)


def test_unknown_channels_get_the_shortest_limit() -> None:
    assert limit_for("line") == 1600
    assert channels_json()["default_max_length"] == 1600

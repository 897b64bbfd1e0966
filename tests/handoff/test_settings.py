"""handoff.settings: environment variables, business hours, opening times."""

from __future__ import annotations

import datetime as dt

import pytest

from handoff.settings import BusinessHours, HandoffSettings

UTC = dt.timezone.utc


def test_defaults() -> None:
    settings = HandoffSettings.from_env({})
    assert settings.port == 5080
    assert settings.database_url == "sqlite:///var/handoff.db"
    assert settings.admin_token == ""
    assert settings.pickup_timeout_s == 300
    assert settings.business_hours.always_open
    assert settings.business_hours.timezone == "UTC"


def test_from_env() -> None:
    settings = HandoffSettings.from_env(
        {
            "HANDOFF_PORT": "6000",
            "HANDOFF_DATABASE_URL": "postgresql://db/handoff",
            "HANDOFF_ADMIN_TOKEN": "s3cret",
            "HANDOFF_PICKUP_TIMEOUT_S": "60",
            "HANDOFF_BUSINESS_HOURS": "Mon-Fri 09:00-18:00",
            "HANDOFF_TIMEZONE": "Europe/Berlin",
            "HANDOFF_AVERAGE_HANDLE_S": "420",
        }
    )
    assert (settings.port, settings.database_url, settings.admin_token) == (
        6000,
        "postgresql://db/handoff",
        "s3cret",
    )
    assert (settings.pickup_timeout_s, settings.average_handle_s) == (60, 420)
    assert settings.business_hours.timezone == "Europe/Berlin"
    assert "s3cret" not in repr(settings)


def test_broker_and_rasa_settings() -> None:
    assert (HandoffSettings().broker, HandoffSettings().broker_url) == (
        "sql",
        "sqlite:///var/events.db",
    )
    settings = HandoffSettings.from_env(
        {
            "HANDOFF_BROKER": "none",
            "HANDOFF_BROKER_URL": "postgresql://rasa@db/events",
            "HANDOFF_BROKER_POLL_S": "0.5",
            "RASA_URL": "http://rasa:5005/",
            "RASA_AUTH_TOKEN": "rasa-s3cret",
        }
    )
    assert (settings.broker, settings.broker_url, settings.broker_poll_s) == (
        "none",
        "postgresql://rasa@db/events",
        0.5,
    )
    assert (settings.rasa_url, settings.rasa_auth_token) == ("http://rasa:5005", "rasa-s3cret")
    assert "rasa-s3cret" not in repr(settings)


def test_rabbitmq_settings() -> None:
    defaults = HandoffSettings.from_env({})
    assert (defaults.rabbitmq_url, defaults.rabbitmq_queue, defaults.rabbitmq_exchange) == (
        "amqp://guest:guest@127.0.0.1:5672/",
        "rasa_production_events",
        "rasa-exchange",
    )
    settings = HandoffSettings.from_env(
        {
            "HANDOFF_BROKER": "RabbitMQ",
            "HANDOFF_RABBITMQ_URL": "amqps://handoff:mq-s3cret@mq.example:5671/prod",
            "HANDOFF_RABBITMQ_QUEUE": "handoff_events",
            "HANDOFF_RABBITMQ_EXCHANGE": "events",
        }
    )
    assert settings.broker == "rabbitmq"
    assert settings.rabbitmq_url == "amqps://handoff:mq-s3cret@mq.example:5671/prod"
    assert (settings.rabbitmq_queue, settings.rabbitmq_exchange) == ("handoff_events", "events")
    assert "mq-s3cret" not in repr(settings)


@pytest.mark.parametrize(
    "url",
    [
        "http://handoff:mq-s3cret@mq.example/",
        "amqp://",
        "amqp://handoff:mq-s3cret@mq.example:notaport/",
        "amqp://handoff:mq-s3cret@mq.example:0/",
        "mq.example:5672",
    ],
)
def test_an_invalid_rabbitmq_url_is_named_without_its_password(url: str) -> None:
    with pytest.raises(ValueError, match="HANDOFF_RABBITMQ_URL") as raised:
        HandoffSettings.from_env({"HANDOFF_BROKER": "rabbitmq", "HANDOFF_RABBITMQ_URL": url})
    assert "mq-s3cret" not in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HANDOFF_PORT", "http"),
        ("HANDOFF_PORT", "70000"),
        ("HANDOFF_PICKUP_TIMEOUT_S", "-1"),
        ("HANDOFF_AVERAGE_HANDLE_S", "soon"),
        ("HANDOFF_BUSINESS_HOURS", "weekdays 9-5"),
        ("HANDOFF_TIMEZONE", "Mars/Olympus"),
        ("HANDOFF_BROKER", "kafka"),
        ("HANDOFF_BROKER_POLL_S", "0"),
        # The escalation rules' own, read for the withdrawal check (handoff.withdrawal).
        ("HANDOFF_ANGER_THRESHOLD", "loud"),
    ],
)
def test_invalid_values_are_refused(variable: str, value: str) -> None:
    env = {variable: value}
    if variable == "HANDOFF_TIMEZONE":
        env["HANDOFF_BUSINESS_HOURS"] = "Mon 09:00-10:00"
    with pytest.raises(ValueError):
        HandoffSettings.from_env(env)


@pytest.mark.parametrize(
    "spec",
    ["Mon-Fri 18:00-09:00", "Mon 09:00-09:00", "Mon-Fri 09:00-25:00", "Fun 09:00-10:00", "Mon"],
)
def test_invalid_business_hours(spec: str) -> None:
    with pytest.raises(ValueError):
        BusinessHours.parse(spec)


def test_business_hours_in_a_time_zone() -> None:
    hours = BusinessHours.parse("Mon-Fri 09:00-18:00, Sat 10:00-14:00", "Europe/Berlin")
    # 2025-03-03 is a Monday; Berlin is UTC+1 in March before the 30th.
    assert not hours.is_open(dt.datetime(2025, 3, 3, 7, 59, tzinfo=UTC))
    assert hours.is_open(dt.datetime(2025, 3, 3, 8, 0, tzinfo=UTC))
    assert hours.is_open(dt.datetime(2025, 3, 3, 16, 59))  # naive means UTC
    assert not hours.is_open(dt.datetime(2025, 3, 3, 17, 0, tzinfo=UTC))
    assert hours.next_opening(dt.datetime(2025, 3, 3, 12, 0, tzinfo=UTC)) is None
    # Friday evening -> Saturday 10:00 Berlin.
    assert hours.next_opening(dt.datetime(2025, 3, 7, 20, 0, tzinfo=UTC)) == dt.datetime(
        2025, 3, 8, 9, 0, tzinfo=UTC
    )
    # Saturday afternoon -> Monday 09:00 Berlin.
    assert hours.next_opening(dt.datetime(2025, 3, 8, 15, 0, tzinfo=UTC)) == dt.datetime(
        2025, 3, 10, 8, 0, tzinfo=UTC
    )
    # Monday morning before opening -> the same day.
    assert hours.next_opening(dt.datetime(2025, 3, 3, 6, 0, tzinfo=UTC)) == dt.datetime(
        2025, 3, 3, 8, 0, tzinfo=UTC
    )


def test_next_opening_across_a_clock_change() -> None:
    hours = BusinessHours.parse("Mon-Fri 09:00-18:00", "Europe/Berlin")
    # Berlin moves to UTC+2 on Sunday 2025-03-30: Monday opens at 07:00 UTC.
    assert hours.next_opening(dt.datetime(2025, 3, 29, 12, 0, tzinfo=UTC)) == dt.datetime(
        2025, 3, 31, 7, 0, tzinfo=UTC
    )


def test_weekday_ranges_wrap_and_midnight_ends_a_day() -> None:
    hours = BusinessHours.parse("Fri-Mon 00:00-24:00")
    assert [hours.is_open(dt.datetime(2025, 3, day, 23, 59)) for day in range(3, 10)] == [
        True,  # Mon
        False,
        False,
        False,
        True,  # Fri
        True,
        True,
    ]


@pytest.mark.parametrize("spec", ["", "24/7", "always"])
def test_always_open(spec: str) -> None:
    hours = BusinessHours.parse(spec)
    assert hours.always_open
    assert hours.is_open(dt.datetime(2025, 3, 9, 3, 0))
    assert hours.next_opening(dt.datetime(2025, 3, 9, 3, 0)) is None


def test_the_escalation_rules_read_the_same_variables_as_the_rasa_policy() -> None:
    env = {"HANDOFF_ANGER_THRESHOLD": "0.3", "HANDOFF_CONVERSATION_MODEL_THRESHOLD_ES": "1"}
    escalation = HandoffSettings.from_env(env).escalation
    assert escalation.anger_threshold == 0.3
    assert escalation.conversation_model_threshold_es == 1.0
    assert HandoffSettings.from_env({}).escalation.anger_threshold == 0.5

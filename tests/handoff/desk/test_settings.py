"""handoff.desk.settings: DeskSettings from HANDOFF_DESK_* variables, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.desk.settings import DEFAULT_CANNED_RESPONSES, DeskSettings
from plumbing.redaction import KINDS


def test_defaults() -> None:
    settings = DeskSettings.from_env({})
    assert settings == DeskSettings()
    assert (settings.session_idle_s, settings.session_max_s) == (3600, 43200)
    assert (settings.sla_amber_s, settings.sla_red_s) == (120, 300)
    assert settings.cookie_secure is False
    assert settings.canned_responses_path == DEFAULT_CANNED_RESPONSES
    assert DEFAULT_CANNED_RESPONSES.exists()
    assert settings.mask == KINDS  # every kind of personal number masked


def test_every_variable(tmp_path: Path) -> None:
    settings = DeskSettings.from_env(
        {
            "HANDOFF_DESK_SESSION_IDLE_S": "900",
            "HANDOFF_DESK_SESSION_MAX_S": "28800",
            "HANDOFF_DESK_COOKIE_SECURE": "true",
            "HANDOFF_DESK_SLA_AMBER_S": "60",
            "HANDOFF_DESK_SLA_RED_S": "180.5",
            "HANDOFF_DESK_CANNED_RESPONSES": str(tmp_path / "canned.json"),
            "HANDOFF_DESK_TRUSTED_ORIGINS": "https://Desk.Example.com/, http://10.0.0.5:8080",
            "HANDOFF_DESK_MASK": "Cards, ssn",
        }
    )
    assert settings == DeskSettings(
        session_idle_s=900,
        session_max_s=28800,
        cookie_secure=True,
        sla_amber_s=60,
        sla_red_s=180.5,
        canned_responses_path=tmp_path / "canned.json",
        trusted_origins=("https://desk.example.com", "http://10.0.0.5:8080"),
        mask=("cards", "ssn"),
    )
    assert DeskSettings.from_env({"HANDOFF_DESK_MASK": "off"}).mask == ()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HANDOFF_DESK_SLA_AMBER_S": "soon"}, "HANDOFF_DESK_SLA_AMBER_S must be a number"),
        ({"HANDOFF_DESK_SESSION_IDLE_S": "0"}, "must be a positive number"),
        ({"HANDOFF_DESK_SESSION_IDLE_S": "inf"}, "must be a positive number"),
        (
            {"HANDOFF_DESK_SLA_AMBER_S": "300", "HANDOFF_DESK_SLA_RED_S": "120"},
            "RED_S must be longer than HANDOFF_DESK_SLA_AMBER_S",
        ),
        (
            {"HANDOFF_DESK_SESSION_IDLE_S": "7200", "HANDOFF_DESK_SESSION_MAX_S": "3600"},
            "MAX_S must be at least",
        ),
        ({"HANDOFF_DESK_COOKIE_SECURE": "maybe"}, "must be true or false"),
        ({"HANDOFF_DESK_TRUSTED_ORIGINS": "desk.example.com"}, "is not an origin"),
        ({"HANDOFF_DESK_TRUSTED_ORIGINS": "https://desk.example.com/app"}, "is not an origin"),
        ({"HANDOFF_DESK_MASK": "pan"}, "HANDOFF_DESK_MASK: unknown kind 'pan'"),
    ],
)
def test_wrong_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DeskSettings.from_env(env)

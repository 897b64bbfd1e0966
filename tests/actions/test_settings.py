"""actions.settings: the action server's settings from ACTIONS_* variables, checked."""

from __future__ import annotations

import pytest

from actions.settings import ActionSettings

TOKEN = "a-token-of-at-least-16-characters"


def test_defaults_listen_on_loopback_with_an_8_mib_limit() -> None:
    settings = ActionSettings.from_env({})

    assert (settings.host, settings.port) == ("127.0.0.1", 5055)
    assert settings.max_body_bytes == 8 * 1024 * 1024
    # No token is fine for the settings; the server refuses to start without one.
    assert settings.token == ""


def test_environment_overrides() -> None:
    settings = ActionSettings.from_env(
        {
            "ACTIONS_HOST": " 0.0.0.0 ",
            "ACTIONS_PORT": "6055",
            "ACTIONS_TOKEN": f" {TOKEN}\n",
            "ACTIONS_MAX_BODY_BYTES": "1048576",
        }
    )

    assert (settings.host, settings.port) == ("0.0.0.0", 6055)
    assert settings.token == TOKEN
    assert settings.max_body_bytes == 1048576


def test_the_token_is_never_shown() -> None:
    settings = ActionSettings.from_env({"ACTIONS_TOKEN": TOKEN, "HANDOFF_ADMIN_TOKEN": "admin"})

    assert TOKEN not in repr(settings) and "admin" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ACTIONS_TOKEN": "short"}, "ACTIONS_TOKEN must be at least 16"),
        ({"ACTIONS_TOKEN": "with a space in the middle"}, "ACTIONS_TOKEN must be printable"),
        ({"ACTIONS_TOKEN": "t\u00f6ken-0123456789abcdef"}, "ACTIONS_TOKEN must be printable"),
        ({"ACTIONS_PORT": "http"}, "ACTIONS_PORT must be a whole number"),
        ({"ACTIONS_PORT": "70000"}, "ACTIONS_PORT must be between 1 and 65535"),
        ({"ACTIONS_MAX_BODY_BYTES": "8M"}, "ACTIONS_MAX_BODY_BYTES must be a whole number"),
        ({"ACTIONS_MAX_BODY_BYTES": "0"}, "ACTIONS_MAX_BODY_BYTES must be at least 1"),
    ],
)
def test_a_bad_value_names_its_variable_and_never_quotes_the_token(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        ActionSettings.from_env(environ)

    token = environ.get("ACTIONS_TOKEN")
    assert token is None or token not in str(raised.value)

"""plumbing.settings: one rule per type, defaults for blanks, errors that name the variable."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from plumbing.settings import (
    Seconds,
    SettingsError,
    one_of,
    parse_base_url,
    read_env,
    setting,
    variable_of,
)


@dataclass(frozen=True)
class Example:
    name: str = "default"
    enabled: bool = False
    port: int = 8000
    ratio: float = 0.5
    timeout_s: Seconds = 10.0
    folder: Path = Path("var")
    items: tuple[str, ...] = ()
    token: str = field(default="", repr=False)
    url: str = setting("http://x", env="OTHER_URL", parse=parse_base_url)
    mode: str = setting("fast", parse=one_of("fast", "slow"))
    password: str = setting("", env="EX_PASSWORD", parse=one_of("a", "b"), secret=True)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            variable = variable_of(Example, "port", "EX_")
            raise ValueError(f"{variable} must be between 1 and 65535, not {self.port}")


def read(environ: dict[str, str]) -> Example:
    return read_env(Example, environ, prefix="EX_")


def test_nothing_set_gives_the_dataclass_defaults() -> None:
    assert read({}) == Example()


def test_each_field_is_read_from_prefix_and_name_by_its_types_rule() -> None:
    settings = read(
        {
            "EX_NAME": "  shop  ",
            "EX_ENABLED": "Yes",
            "EX_PORT": " +12 ",
            "EX_RATIO": "1e-1",
            "EX_TIMEOUT_S": "0.25",
            "EX_FOLDER": "/srv/data",
            "EX_ITEMS": " a, b ,, c ",
            "EX_TOKEN": "s3cret",
            "OTHER_URL": "https://api.example.com//",
            "EX_MODE": "SLOW",
        }
    )

    assert settings == Example(
        name="shop",
        enabled=True,
        port=12,
        ratio=0.1,
        timeout_s=0.25,
        folder=Path("/srv/data"),
        items=("a", "b", "c"),
        token="s3cret",
        url="https://api.example.com",
        mode="slow",
    )
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_blank_variable_is_the_default_whatever_the_type(blank: str) -> None:
    environ = {f"EX_{name.upper()}": blank for name in ("name", "enabled", "port", "timeout_s")}
    assert read(environ) == Example()


@pytest.mark.parametrize(
    ("spelling", "value"),
    [(s, True) for s in ("1", "true", "TRUE", "yes", "on", "On")]
    + [(s, False) for s in ("0", "false", "False", "no", "off", "OFF")],
)
def test_the_spellings_of_true_and_false(spelling: str, value: bool) -> None:
    assert read({"EX_ENABLED": spelling}).enabled is value


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EX_ENABLED": "maybe"}, "EX_ENABLED must be true or false, not 'maybe'"),
        ({"EX_ENABLED": "t"}, "EX_ENABLED must be true or false"),
        ({"EX_PORT": "http"}, "EX_PORT must be a whole number, not 'http'"),
        ({"EX_PORT": "5.0"}, "EX_PORT must be a whole number"),
        ({"EX_PORT": "5_055"}, "EX_PORT must be a whole number"),
        ({"EX_PORT": "\uff15\uff10\uff15\uff15"}, "EX_PORT must be a whole number"),
        ({"EX_PORT": "9" * 40}, "EX_PORT must be a whole number"),
        ({"EX_PORT": "70000"}, "EX_PORT must be between 1 and 65535, not 70000"),
        ({"EX_RATIO": "half"}, "EX_RATIO must be a number, not 'half'"),
        ({"EX_RATIO": "nan"}, "EX_RATIO must be a finite number"),
        ({"EX_RATIO": "-inf"}, "EX_RATIO must be a finite number"),
        ({"EX_RATIO": "1_000"}, "EX_RATIO must be a number"),
        ({"EX_TIMEOUT_S": "soon"}, "EX_TIMEOUT_S must be a number of seconds, not 'soon'"),
        ({"EX_TIMEOUT_S": "0"}, "EX_TIMEOUT_S must be a positive number of seconds"),
        ({"EX_TIMEOUT_S": "-1"}, "EX_TIMEOUT_S must be a positive number of seconds"),
        ({"EX_TIMEOUT_S": "inf"}, "EX_TIMEOUT_S must be a positive number of seconds"),
        ({"EX_MODE": "medium"}, "EX_MODE must be one of fast, slow, not 'medium'"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        read(environ)

    assert message in str(raised.value)


def test_every_wrong_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        read({"EX_PORT": "x", "EX_ENABLED": "y", "EX_TIMEOUT_S": "z"})

    assert all(name in str(raised.value) for name in ("EX_PORT", "EX_ENABLED", "EX_TIMEOUT_S"))


def test_a_secrets_value_never_reaches_the_message() -> None:
    with pytest.raises(SettingsError, match="EX_PASSWORD must be one of") as raised:
        read({"EX_PASSWORD": "hunter2"})

    assert "hunter2" not in str(raised.value)


def test_values_given_by_the_caller_win_and_are_not_read() -> None:
    settings = read_env(Example, {"EX_PORT": "not read", "EX_NAME": "read"}, prefix="EX_", port=9)

    assert (settings.port, settings.name) == (9, "read")


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EX_PORT", "6001")

    assert read_env(Example, prefix="EX_").port == 6001


def test_a_field_without_a_rule_must_be_given() -> None:
    @dataclass(frozen=True)
    class Nested:
        inner: Example = Example()

    with pytest.raises(TypeError, match=r"Nested\.inner"):
        read_env(Nested, {"X_INNER": "?"}, prefix="X_")
    assert read_env(Nested, {}, prefix="X_") == Nested()  # unset: the default, no rule needed


def test_settings_stay_plain_dataclasses() -> None:
    settings = read({"EX_PORT": "7000"})

    assert dataclasses.replace(settings, name="other").port == 7000
    assert variable_of(Example, "url", "EX_") == "OTHER_URL"
    assert variable_of(Example, "timeout_s", "EX_") == "EX_TIMEOUT_S"

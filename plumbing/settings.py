"""Settings from environment variables: one rule per type of value, errors that name the variable.

Each service keeps its settings in one frozen dataclass (``ActionSettings``,
``HandoffSettings``...): tests and launchers build it in code, its
``__post_init__`` checks ranges and one value against another, and secrets
stay out of its ``repr`` (``field(repr=False)``). Its ``from_env`` reads it
with :func:`read_env`: each field from one variable, named the way sanic
names ``SANIC_*``: the service's prefix and the field's name in capitals
(``port`` under ``HANDOFF_`` is ``HANDOFF_PORT``), unless :func:`setting`
names another variable.

How a variable's value is read depends only on the field's type. This is the
one place the rules are written down:

==================  ==================================================================
field type          the variable holds
==================  ==================================================================
``str``             any text; spaces around it are dropped
``bool``            true: ``1``, ``true``, ``yes``, ``on``; false: ``0``, ``false``,
                    ``no``, ``off`` (in any case). Nothing else: ``maybe`` is an error
``int``             a whole number in ASCII digits, with an optional sign: ``5055``,
                    not ``5_055``, ``5.0`` or fullwidth digits
``float``           a finite number in ASCII: ``0.5``, ``30``, ``1e3``; not ``nan``,
                    ``inf`` or ``1_000``
``Seconds``         a duration: a positive, finite ``float`` of seconds (``0.2``, ``300``)
``Path``            a file or folder, as text
``tuple[str, ...]`` comma-separated items, each stripped; empty items are dropped
==================  ==================================================================

Unset, empty or blank is the field's default, whatever its type. A value
that breaks its rule is a :class:`SettingsError` (a ``ValueError``) that
names the variable and quotes the value (never a secret's), with every wrong
variable in one message, so an operator fixes them all in one go. A field
that needs more than its type's rule (a URL, one name among a few) gives
:func:`setting` its own ``parse``.

Why not pydantic's ``BaseSettings`` (pydantic 1.10 comes with Rasa; it was
tried first): its rules differ from ours for every type we use (``"t"`` and
``"y"`` are true, ``int`` takes ``"1_0"`` and fullwidth digits, ``float``
takes ``nan`` and ``inf``), so each type needed a validator of ours anyway;
its settings are models, not dataclasses, while tests and launchers derive
settings with ``dataclasses.replace``; one built in code still reads the
process environment for the fields not given; and its errors name fields,
not variables. What it would have done for us is the loop in
:func:`read_env`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from plumbing.untrusted import MAX_INT64, UntrustedInput, parse_int

T = TypeVar("T")

# A duration in seconds: positive and finite (see the table above).
Seconds = Annotated[float, "seconds"]

FLAG_TRUE = ("1", "true", "yes", "on")
FLAG_FALSE = ("0", "false", "no", "off")

# How a field's variable is read: (value, variable) -> the field's value, or
# ValueError with a message that names the variable.
Parse = Callable[[str, str], Any]

_ENV = "plumbing.settings.env"
_PARSE = "plumbing.settings.parse"


class SettingsError(ValueError):
    """One or more variables hold values their settings refuse; the message names each."""


# -- the rules, one per type -------------------------------------------------------------


def parse_text(value: str, variable: str) -> str:
    return value.strip()


def parse_flag(value: str, variable: str) -> bool:
    word = value.strip().lower()
    if word in FLAG_TRUE:
        return True
    if word in FLAG_FALSE:
        return False
    raise ValueError(f"{variable} must be true or false, not {value!r}")


def parse_whole_number(value: str, variable: str) -> int:
    try:
        return parse_int(value, name=variable, minimum=-MAX_INT64, maximum=MAX_INT64)
    except UntrustedInput:
        raise ValueError(f"{variable} must be a whole number, not {value!r}") from None


def _decimal(value: str) -> float:
    text = value.strip()
    # float() alone would also take "1_000" and digits of other scripts.
    if not text.isascii() or "_" in text:
        raise ValueError(text)
    return float(text)


def parse_number(value: str, variable: str) -> float:
    try:
        number = _decimal(value)
    except ValueError:
        raise ValueError(f"{variable} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{variable} must be a finite number, not {value!r}")
    return number


def parse_seconds(value: str, variable: str) -> float:
    try:
        number = _decimal(value)
    except ValueError:
        raise ValueError(f"{variable} must be a number of seconds, not {value!r}") from None
    if not 0 < number < math.inf:
        raise ValueError(f"{variable} must be a positive number of seconds, not {value!r}")
    return number


def parse_path(value: str, variable: str) -> Path:
    return Path(value.strip())


def parse_words(value: str, variable: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def parse_base_url(value: str, variable: str) -> str:
    """A URL that paths are appended to: without its trailing slashes."""
    return value.strip().rstrip("/")


def one_of(*choices: str) -> Parse:
    """A rule for one name among ``choices``, in any case (read in lower case)."""

    def parse(value: str, variable: str) -> str:
        name = value.strip().lower()
        if name not in choices:
            raise ValueError(f"{variable} must be one of {', '.join(choices)}, not {value!r}")
        return name

    return parse


RULES: dict[Any, Parse] = {
    str: parse_text,
    bool: parse_flag,
    int: parse_whole_number,
    float: parse_number,
    Seconds: parse_seconds,
    Path: parse_path,
    tuple[str, ...]: parse_words,
}


# -- fields and reading ------------------------------------------------------------------


def setting(
    default: T, *, env: str | None = None, parse: Parse | None = None, secret: bool = False
) -> T:
    """A settings field read from ``env`` (not prefix + name), with ``parse`` (not its type's rule).

    ``secret``: kept out of ``repr`` and out of error messages.
    """
    metadata = {_ENV: env, _PARSE: parse}
    return dataclasses.field(default=default, repr=not secret, metadata=metadata)


def variable_of(cls: type, name: str, prefix: str) -> str:
    """The environment variable of field ``name`` of ``cls`` (for messages in ``__post_init__``)."""
    for field in dataclasses.fields(cls):
        if field.name == name:
            return str(field.metadata.get(_ENV) or prefix + name.upper())
    raise AttributeError(f"{cls.__name__} has no field {name!r}")


def read_env(
    cls: type[T], environ: Mapping[str, str] | None = None, *, prefix: str, **given: Any
) -> T:
    """``cls`` (a dataclass) from the environment (``os.environ`` unless ``environ``).

    Each field not in ``given`` comes from its variable, read by its rule;
    a blank variable leaves the field's default. ``given`` are values the
    caller made itself (nested settings, a value read from two variables).
    Raises :class:`SettingsError` for values that break their rules, and
    whatever ``cls`` raises for values it refuses.
    """
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls, include_extras=True)
    values: dict[str, Any] = dict(given)
    problems: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not field.init or field.name in given:
            continue
        variable = field.metadata.get(_ENV) or prefix + field.name.upper()
        raw = env.get(variable, "")
        if not raw.strip():
            continue
        parse = field.metadata.get(_PARSE) or RULES.get(hints[field.name])
        if parse is None:
            raise TypeError(
                f"{cls.__name__}.{field.name}: no rule reads a {hints[field.name]}; "
                "give its setting() a parse, or pass its value to read_env"
            )
        try:
            values[field.name] = parse(raw, variable)
        except ValueError as error:
            message = str(error)
            if not field.repr:  # a secret: its value never goes into a message
                message = message.replace(repr(raw), "(hidden)").replace(raw, "(hidden)")
            problems.append(message)
    if problems:
        raise SettingsError("; ".join(problems))
    return cls(**values)

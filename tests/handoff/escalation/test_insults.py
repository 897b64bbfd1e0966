"""An insult aimed at us: anger the Spanish conversation model never overrules."""

from __future__ import annotations

import pytest

from handoff.escalation import Turn, decide, rules
from handoff.escalation.anger import default_detector
from handoff.escalation.insults import insult


def customers(*messages: str) -> list[Turn]:
    return [Turn.customer(m) for m in messages]


@pytest.fixture
def routine_conversations(monkeypatch: pytest.MonkeyPatch) -> None:
    """The conversation model reads every conversation as routine."""
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.0)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("olvídalo, son unos inútiles", "inutiles"),
        ("déjalo, sois unos gilipollas", "gilipollas"),
        ("ok gracias, igual son unos estafadores", "estafadores"),
        ("you guys are incompetent", "incompetent"),
    ],
)
def test_the_insult_the_detector_counted_is_named(text: str, word: str) -> None:
    assert insult(default_detector().anger(text)) == word


@pytest.mark.parametrize(
    "text",
    ["la gasolina es un robo", "que asco de tiempo hace hoy", "alarma contra ladrones"],
)
def test_a_verdict_on_something_else_is_no_insult(text: str) -> None:
    assert insult(default_detector().anger(text)) is None


@pytest.mark.usefixtures("routine_conversations")
@pytest.mark.parametrize(
    "conversation",
    [
        ("olvídalo, son unos inútiles",),
        ("donde esta mi pedido 12345678", "ok gracias, igual son unos estafadores"),
        ("quiero devolver una silla", "déjalo, sois unos gilipollas"),
    ],
)
def test_anger_at_an_insult_aimed_at_us_is_never_overruled(conversation: tuple[str, ...]) -> None:
    decision = decide(customers(*conversation))
    assert decision.reasons == ["anger"], decision.summary()
    assert not decision.overruled
    assert decision.overrulable is False


@pytest.mark.usefixtures("routine_conversations")
def test_other_anger_stays_a_soft_reading() -> None:
    # A verdict on the price of petrol, no insult: overruled in a routine conversation.
    decision = decide(customers("la gasolina esta carisima es un robo"))
    assert decision.escalate is False
    assert list(decision.overruled) == ["anger"]
    # An insult aimed at the customer's own is damped below the threshold: nothing to hear.
    assert (
        decide(customers("mis hijos son unos inutiles jaja, no saben ni hacer la cama")).reasons
        == []
    )


def test_a_soft_reading_the_model_let_stand_says_it_was_overrulable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.5)
    decision = decide(customers("la gasolina esta carisima es un robo"))
    assert decision.reasons == ["anger"]
    assert decision.overrulable is True

"""handoff.withdrawal: a customer taking back a request still queued closes it, and only then."""

from __future__ import annotations

import logging

import pytest

from handoff.broker.events import BrokerEvent, TranscriptWriter
from handoff.escalation import EscalationSettings
from handoff.models import ASSIGNED, BOT, CLOSED, CUSTOMER, WAITING, WITHDRAWN, utc_now
from handoff.store import Handoff, HandoffStore
from handoff.withdrawal import Withdrawals, takes_back
from tests.handoff.conftest import CloseRecorder

TAKEN_BACK = [
    "never mind",
    "Never mind, I found it in my spam folder",
    "forget it, thanks",
    "no need anymore thanks",
    "I sorted it myself",
    "found it!",
    "cancel the request please",
    "all good now",
    "I don't need an agent anymore",
    "ya no hace falta",
    "ya no hace falta, gracias",
    "olvídalo",
    "olvidalo ya lo encontre",
    "ya lo encontré en spam, gracias",
    "ya lo resolví",
    "ya pude, gracias",
    "nel, olvídalo",
    "cancela la solicitud porfa",
    "déjalo así",
    "no hace falta, gracias",
    "ya no lo necesito",
]
NOT_TAKEN_BACK = [
    # More than taking back: a question, news for the agent, another request.
    "never mind the delay, where is my parcel?",
    "ya encontré el número: 12345678",
    "cancel the request for my refund",
    "I want to cancel it",
    "ya no quiero el pedido, quiero que me devuelvan el dinero",
    "no hace falta que me llamen, escribanme por aqui",
    "no es necesario el numero?",
    # Not taking back at all.
    "don't forget it's a gift",
    "déjalo en la portería",
    "ya lo encontré roto",
    "ok",
    "gracias",
    # Wording that takes back, with a reason for a person in it.
    "olvídalo, son unos inútiles",
    "never mind, I'm taking my business elsewhere",
    "forget it, I want to speak to a manager",
    "olvidalo, me cobraron dos veces y nadie responde",
]


@pytest.mark.parametrize("text", TAKEN_BACK)
def test_taking_a_request_back(text: str) -> None:
    assert takes_back(text)


@pytest.mark.parametrize("text", NOT_TAKEN_BACK)
def test_what_does_not_take_a_request_back(text: str) -> None:
    assert not takes_back(text)


def test_the_rules_judge_with_the_escalation_settings_given() -> None:
    # A centre whose agents hear even mild irritation: read by the rules, it stays queued.
    touchy = EscalationSettings(anger_threshold=0.1, anger_trend_threshold=0.1)
    assert takes_back("olvídalo, qué fastidio")
    assert not takes_back("olvídalo, qué fastidio", touchy)


def test_a_long_message_is_read_by_the_agent() -> None:
    assert not takes_back("never mind " + "and also the other thing " * 10)


async def waiting(store: HandoffStore, language: str = "es") -> Handoff:
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{language}",
        conversation_id=f"conv-{language}",
        channel="whatsapp",
        customer_id="whatsapp:+5215550000001",
        priority=3,
        language=language,
    )
    return handoff


@pytest.fixture
def withdrawals(store: HandoffStore, closes: CloseRecorder) -> Withdrawals:
    return Withdrawals(store, closes)


async def test_a_waiting_handoff_taken_back_is_closed_and_given_back_to_the_bot(
    store: HandoffStore, withdrawals: Withdrawals, closes: CloseRecorder
) -> None:
    handoff = await waiting(store, "es")
    assert await withdrawals(handoff, CUSTOMER, "ya lo encontré, olvídalo")

    closed = await store.get(handoff.id, with_transcript=False)
    assert closed is not None
    assert (closed.status, closed.resolution) == (CLOSED, WITHDRAWN)
    # The bot is resumed with the closed handoff: it says the request is cancelled
    # (handoff.rasa_client.hand_back, tests/handoff/test_rasa_client.py).
    assert [(h.id, h.resolution) for h in closes.closed] == [(handoff.id, WITHDRAWN)]
    assert "handoff.closed" in [e.type for e in await store.events_after(0)]


async def test_a_handoff_an_agent_holds_is_theirs_to_close(
    store: HandoffStore, withdrawals: Withdrawals, closes: CloseRecorder
) -> None:
    handoff = await waiting(store)
    held = await store.claim(handoff.id, "ann")
    assert not await withdrawals(held, CUSTOMER, "ya no hace falta")
    # Claimed after the consumer looked the handoff up (it still reads "waiting").
    assert not await withdrawals(handoff, CUSTOMER, "ya no hace falta")
    current = await store.get(handoff.id, with_transcript=False)
    assert current is not None and current.status == ASSIGNED
    assert closes.closed == []


async def test_only_the_customer_takes_a_request_back(
    store: HandoffStore, withdrawals: Withdrawals
) -> None:
    handoff = await waiting(store)
    assert not await withdrawals(handoff, BOT, "never mind")
    assert not await withdrawals(handoff, CUSTOMER, "donde esta mi pedido?")
    current = await store.get(handoff.id, with_transcript=False)
    assert current is not None and current.status == WAITING


async def test_the_handoff_stays_queued_when_the_settings_given_find_a_reason(
    store: HandoffStore, closes: CloseRecorder
) -> None:
    touchy = EscalationSettings(anger_threshold=0.1, anger_trend_threshold=0.1)
    handoff = await waiting(store)
    assert not await Withdrawals(store, closes, touchy)(handoff, CUSTOMER, "olvídalo, qué fastidio")
    current = await store.get(handoff.id, with_transcript=False)
    assert current is not None and current.status == WAITING
    assert closes.closed == []


async def test_the_bot_not_resuming_does_not_undo_the_withdrawal(
    store: HandoffStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(handoff: Handoff) -> None:
        raise RuntimeError("rasa is down")

    handoff = await waiting(store)
    assert await Withdrawals(store, failing)(handoff, CUSTOMER, "olvídalo")
    current = await store.get(handoff.id, with_transcript=False)
    assert current is not None and current.status == CLOSED
    assert "on_close hook failed for withdrawn handoff" in caplog.text


def message(text: str, role: str = CUSTOMER, event: str = "rasa-sql-1") -> BrokerEvent:
    return BrokerEvent(event, "conv-es", role, text, utc_now())


async def test_the_transcript_writer_appends_first_and_then_asks(
    store: HandoffStore, withdrawals: Withdrawals, closes: CloseRecorder
) -> None:
    handoff = await waiting(store)
    writer = TranscriptWriter(store, withdrawals)
    assert await writer.append(handoff, message("hola, sigo esperando", event="rasa-sql-1"))
    # Taken back: appended, then closed; later messages go back to the bot.
    assert not await writer.append(handoff, message("ya no hace falta", event="rasa-sql-2"))
    closed = await store.get(handoff.id)
    assert closed is not None and closed.status == CLOSED
    assert [m.text for m in closed.transcript] == ["hola, sigo esperando", "ya no hace falta"]
    assert len(closes.closed) == 1


async def test_a_failing_hook_loses_no_message(
    store: HandoffStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(handoff: Handoff, role: str, text: str) -> bool:
        raise RuntimeError("bug")

    handoff = await waiting(store)
    with caplog.at_level(logging.ERROR):
        assert await TranscriptWriter(store, failing).append(handoff, message("never mind"))
    current = await store.get(handoff.id)
    assert current is not None and [m.text for m in current.transcript] == ["never mind"]
    assert "after-append hook failed" in caplog.text

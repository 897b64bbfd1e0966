"""Tests of actions/returns.py: starting a return.

Orders, customers and senders are the fake backend's sample data (see
conftest.py): 23456789 is Alice's, delivered 5 days ago; ``demo-alice`` on
the REST channel is Alice.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import OrderStatus, ReturnOutcome, ReturnResult
from actions.returns import ActionStartReturn

if TYPE_CHECKING:
    from tests.actions.conftest import BotSays, FakeBackend, MakeTracker

# The e-mail proof is asked again for the next order the customer changes.
RESETS = [SlotSet("order_email", None)]


async def start_return(
    backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str | None,
    *,
    sender_id: str = "demo-alice",
    channel: str = "rest",
    order_email: str | None = None,
) -> list[dict[str, Any]]:
    tracker = make_tracker(
        slots={"order_id": order_id, "order_email": order_email},
        sender_id=sender_id,
        channel=channel,
    )
    return await ActionStartReturn(backend=backend).run(dispatcher, tracker, domain)


async def test_owner_gets_a_return_number(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    events = await start_return(fake_backend, dispatcher, make_tracker, domain, "23456789")

    assert fake_backend.returns == ["23456789"]
    assert fake_backend.orders["23456789"].status is OrderStatus.RETURNED
    [message] = dispatcher.messages
    assert message["response"] == "utter_return_authorised"
    assert (message["order_id"], message["rma"], message["days"]) == (
        "23456789",
        "RMA-456789",
        30,
    )
    assert "Your return number (RMA) is RMA-456789" in bot_says()[0]
    assert "within 30 days" in bot_says()[0]
    assert events == RESETS


@pytest.mark.parametrize(
    ("result", "response", "expected_values", "shown"),
    [
        (
            ReturnResult(ReturnOutcome.AUTHORISED, rma_number="RMA-NEW001", return_window_days=30),
            "utter_return_authorised",
            {"rma": "RMA-NEW001", "days": 30},
            "RMA-NEW001",
        ),
        (
            ReturnResult(ReturnOutcome.ALREADY_AUTHORISED, rma_number="RMA-4HX9TZ"),
            "utter_return_already_authorised",
            {"rma": "RMA-4HX9TZ"},
            "RMA-4HX9TZ",
        ),
        (
            ReturnResult(ReturnOutcome.NOT_DELIVERED),
            "utter_return_not_delivered",
            {"order_id": "23456789"},
            "hasn't been delivered yet",
        ),
        (
            ReturnResult(
                ReturnOutcome.WINDOW_CLOSED,
                return_window_days=30,
                window_closed_on=dt.date(2024, 4, 15),
            ),
            "utter_return_window_closed",
            {"days": 30, "closed_on": "Monday 15 April"},
            "30-day return window, which closed on Monday 15 April",
        ),
        (
            ReturnResult(ReturnOutcome.CANCELLED),
            "utter_return_order_cancelled",
            {"order_id": "23456789"},
            "was cancelled",
        ),
    ],
    ids=lambda value: value.outcome.value if isinstance(value, ReturnResult) else None,
)
async def test_each_outcome_has_its_reply(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    result: ReturnResult,
    response: str,
    expected_values: dict[str, Any],
    shown: str,
) -> None:
    fake_backend.return_results["23456789"] = result

    events = await start_return(fake_backend, dispatcher, make_tracker, domain, "23456789")

    [message] = dispatcher.messages
    assert message["response"] == response
    assert {key: message[key] for key in expected_values} == expected_values
    [text] = bot_says()  # every placeholder of the reply is filled
    assert shown in text
    assert events == RESETS


@pytest.mark.parametrize(
    ("order_id", "response"),
    [
        # The fake works these out from the orders, as the real backend does.
        ("67890123", "utter_return_already_authorised"),
        ("34567890", "utter_return_not_delivered"),
        ("45678901", "utter_return_window_closed"),
    ],
)
async def test_sample_orders_get_the_reply_their_state_calls_for(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    order_id: str,
    response: str,
) -> None:
    await start_return(fake_backend, dispatcher, make_tracker, domain, order_id)

    assert [m["response"] for m in dispatcher.messages] == [response]
    bot_says()  # every placeholder of the reply is filled


@pytest.mark.parametrize(
    "order_id",
    [
        "99999999",  # unknown to the order system
        "23456789",  # known at lookup, gone when the return is started
    ],
)
async def test_unknown_order_is_not_found_and_the_number_forgotten(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str,
) -> None:
    fake_backend.return_results["23456789"] = ReturnResult(ReturnOutcome.NOT_FOUND)

    events = await start_return(fake_backend, dispatcher, make_tracker, domain, order_id)

    [message] = dispatcher.messages
    assert message["response"] == "utter_order_not_found_retry"
    assert message["order_id"] == order_id
    assert events == [*RESETS, SlotSet("order_id", None)]


@pytest.mark.parametrize(
    ("sender_id", "channel", "order_email"),
    [
        ("unknown-visitor", "rest", None),
        ("unknown-visitor", "rest", "someone.else@example.com"),
        # Alice's sender id, but on a channel where it is not hers.
        ("demo-alice", "telegram", None),
        # Identified, as another customer than the order's.
        ("demo-bob", "rest", None),
    ],
)
async def test_return_is_refused_without_proof_the_order_is_theirs(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    sender_id: str,
    channel: str,
    order_email: str | None,
) -> None:
    events = await start_return(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "23456789",
        sender_id=sender_id,
        channel=channel,
        order_email=order_email,
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_verify_order"]
    assert fake_backend.returns == []
    assert fake_backend.orders["23456789"].status is OrderStatus.DELIVERED
    assert events == RESETS


async def test_stranger_with_the_order_email_gets_a_return_number(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    await start_return(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "23456789",
        sender_id="unknown-visitor",
        order_email="alice.martin@example.com",
    )

    assert fake_backend.returns == ["23456789"]
    assert [m["response"] for m in dispatcher.messages] == ["utter_return_authorised"]


async def test_return_with_the_backend_down_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True

    events = await start_return(fake_backend, dispatcher, make_tracker, domain, "23456789")

    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    # The order number is kept: it was not wrong, the system was down.
    assert events == RESETS


async def test_return_without_an_order_number_asks_for_it(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    events = await start_return(fake_backend, dispatcher, make_tracker, domain, None)

    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_id"]
    assert fake_backend.returns == []
    assert events == RESETS


# --- in Spanish (slot language = es) ---------------------------------------------


async def test_in_spanish_a_closed_window_gives_its_date_in_spanish(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    fake_backend.return_results["23456789"] = ReturnResult(
        ReturnOutcome.WINDOW_CLOSED, return_window_days=30, window_closed_on=dt.date(2024, 4, 15)
    )
    tracker = make_tracker(slots={"order_id": "23456789", "language": "es"})

    await ActionStartReturn(backend=fake_backend).run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert message["closed_on"] == "lunes 15 de abril"
    [text] = bot_says({"language": "es"})
    assert text.startswith(
        "Lo siento, el pedido 23456789 ya pasó nuestro plazo de devolución de 30 días, que "
        "terminó el lunes 15 de abril, así que no puedo autorizar una devolución."
    )


async def test_in_spanish_the_return_number_is_given_in_spanish(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    tracker = make_tracker(slots={"order_id": "23456789", "language": "es"})

    await ActionStartReturn(backend=fake_backend).run(dispatcher, tracker, domain)

    [text] = bot_says({"language": "es"})
    assert "Tu número de devolución (RMA) es RMA-456789" in text
    assert "en un plazo de 30 días" in text
    # Without the language slot the same reply stays English.
    assert "Your return number (RMA) is RMA-456789" in bot_says()[0]

"""Tests of actions/lookup.py: a customer without the order number.

Alice (``demo-alice`` on the REST channel) is known to the fake backend;
anyone else is a stranger. See conftest.py for the sample data.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ActionAskOrderId
from actions.lookup import RECENT_ORDERS, ActionFindOrder

if TYPE_CHECKING:
    from tests.actions.conftest import BotSays, FakeBackend, MakeTracker


def placed(day: int) -> dt.datetime:
    return dt.datetime(2024, 4, day, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def alice_ordering(fake_backend: FakeBackend) -> FakeBackend:
    """Alice's three newest orders, placed on 1, 5 and 9 April; the rest are older."""
    fake_backend.add_order("11112222", placed_at=placed(1), item_summary="1 item: scarf")
    fake_backend.add_order("33334444", placed_at=placed(9), item_summary="2 items: mugs")
    fake_backend.add_order("55556666", placed_at=placed(5), item_summary="1 item: kettle")
    return fake_backend


async def find(
    backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    *,
    sender_id: str = "demo-alice",
    active_loop: str | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    tracker = make_tracker(
        text="I don't have the order number",
        intent="no_order_number",
        sender_id=sender_id,
        slots={"language": language},
        active_loop=active_loop,
    )
    return await ActionFindOrder(backend=backend).run(dispatcher, tracker, domain)


@pytest.mark.parametrize(
    ("form", "intent"),
    [
        (None, "check_order_status"),
        ("order_status_form", "check_order_status"),
        ("return_form", "start_return"),
        ("cancel_form", "cancel_order"),
    ],
)
async def test_a_known_customer_picks_from_their_latest_orders(
    alice_ordering: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    form: str | None,
    intent: str,
) -> None:
    events = await find(alice_ordering, dispatcher, make_tracker, domain, active_loop=form)

    assert events == []
    [message] = dispatcher.messages
    # Newest first, and the button goes on with what the customer was doing.
    assert [b["title"] for b in message["buttons"]] == ["33334444", "55556666", "11112222"]
    assert message["buttons"][0]["payload"] == f'/{intent}{{"order_id":"33334444"}}'
    assert len(message["buttons"]) == RECENT_ORDERS
    assert bot_says() == [
        "No problem, here are your latest orders:\n"
        "1. 33334444, placed Tuesday 9 April: 2 items: mugs\n"
        "2. 55556666, placed Friday 5 April: 1 item: kettle\n"
        "3. 11112222, placed Monday 1 April: 1 item: scarf\n"
        "Which one is it? Tap it, or type its number."
    ]


async def test_the_list_is_in_spanish_for_a_spanish_conversation(
    alice_ordering: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    await find(alice_ordering, dispatcher, make_tracker, domain, language="es")

    [text] = bot_says({"language": "es"})
    assert text.startswith("No pasa nada, estos son tus últimos pedidos:\n")
    assert "1. 33334444, del martes 9 de abril: 2 items: mugs" in text


async def test_a_stranger_is_told_where_the_number_is_and_offered_a_person(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    await find(fake_backend, dispatcher, make_tracker, domain, sender_id="someone-new")

    [message] = dispatcher.messages
    assert message["response"] == "utter_find_order_number"
    [text] = bot_says()
    assert "order history" in text and '"agent"' in text
    # No order of anyone's is named to someone the channel does not identify.
    assert not any(order_id in text for order_id in fake_backend.orders)


async def test_with_the_backend_down_the_customer_still_gets_the_way_to_the_number(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True

    await find(fake_backend, dispatcher, make_tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_find_order_number"]


class OlderBackend:
    """A backend of one's own written before recent_orders: it knows Alice, lists nothing."""

    def __init__(self, backend: FakeBackend) -> None:
        self.identify_customer = backend.identify_customer


async def test_a_backend_without_the_list_says_where_the_number_is(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    older: Any = OlderBackend(fake_backend)

    tracker = make_tracker(text="lost the confirmation email", intent="no_order_number")
    await ActionFindOrder(backend=older).run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_find_order_number"]


async def test_the_form_does_not_ask_again_right_after_the_answer(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(text="I don't have it", active_loop="order_status_form")
    # As Rasa hands it over: the form's own run last.
    tracker.events.append({"event": "action", "name": "action_find_order"})
    tracker.events.append({"event": "action", "name": "order_status_form"})

    assert await ActionAskOrderId().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages == []

    # On any other turn it asks as always.
    tracker.events.append({"event": "action", "name": "action_listen"})
    tracker.events.append({"event": "action", "name": "order_status_form"})
    await ActionAskOrderId().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_id"]

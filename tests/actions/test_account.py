"""Tests of actions/account.py: password reset, balance, address change.

Customers and senders are the fake backend's sample data (see conftest.py):
Alice is ``demo-alice`` on the REST channel and ``+14155550101`` on SMS.

A test that holds in both languages is parametrized by the ``language`` slot,
with ids "en" (the slot unset, as in a conversation not in Spanish) and "es".
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account import ActionCheckBalance, ActionResetPassword, ActionUpdateAddress

if TYPE_CHECKING:
    from tests.actions.conftest import BotSays, FakeBackend, MakeTracker

NEW_ADDRESS = "12 Baker Street, Springfield 62704"
# The next address change starts from scratch whatever happened to this one.
ADDRESS_RESETS = [SlotSet("new_address", None), SlotSet("address_confirmed", None)]


# --- action_reset_password --------------------------------------------------------


async def test_password_reset_reply_does_not_reveal_whether_an_account_exists(
    fake_backend: FakeBackend, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    action = ActionResetPassword(backend=fake_backend)
    replies = {}
    for email in ("alice.martin@example.com", "nobody@example.com"):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, make_tracker(slots={"email": email}), domain)
        assert events == []
        [message] = dispatcher.messages
        assert message["email"] == email
        replies[email] = {**message, "email": "<the address>"}

    known, unknown = replies.values()
    assert known["response"] == "utter_password_reset_sent"
    assert known == unknown
    # Both are recorded: the backend decides, out of sight, whether to send a link.
    assert fake_backend.password_resets == [
        ("alice.martin@example.com", "rest"),
        ("nobody@example.com", "rest"),
    ]


async def test_password_reset_records_the_channel_it_came_from(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    tracker = make_tracker(slots={"email": "bob.nguyen@example.com"}, channel="telegram")

    await ActionResetPassword(backend=fake_backend).run(dispatcher, tracker, domain)

    assert fake_backend.password_resets == [("bob.nguyen@example.com", "telegram")]
    assert "If an account exists for bob.nguyen@example.com" in bot_says()[0]


async def test_password_reset_without_an_email_asks_for_it(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(slots={"email": None})

    await ActionResetPassword(backend=fake_backend).run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_email"]
    assert fake_backend.password_resets == []


async def test_password_reset_with_the_backend_down_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True
    tracker = make_tracker(slots={"email": "alice.martin@example.com"})

    events = await ActionResetPassword(backend=fake_backend).run(dispatcher, tracker, domain)

    # Not "a link is on its way": nothing was recorded.
    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    assert events == []


# --- action_check_balance -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sender_id", "channel"), [("demo-alice", "rest"), ("+14155550101", "sms")]
)
async def test_identified_customer_gets_their_balance(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    sender_id: str,
    channel: str,
) -> None:
    tracker = make_tracker(sender_id=sender_id, channel=channel)

    events = await ActionCheckBalance(backend=fake_backend).run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert message["response"] == "utter_balance"
    assert bot_says() == ["Hi Alice! You have $25.00 in store credit and 1,240 loyalty points."]
    assert events == []


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        (None, "Hi Alice! You have $1,234.50 in store credit and 1,240 loyalty points."),
        ("es", "¡Hola, Alice! Tienes $1,234.50 de crédito en tienda y 1,240 puntos de lealtad."),
    ],
    ids=["en", "es"],
)
async def test_balance_money_is_formatted_for_customers(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    reply: str,
) -> None:
    alice = fake_backend.customers[1]
    fake_backend.customers[1] = replace(alice, store_credit=Decimal("1234.5"), loyalty_points=1240)
    tracker = make_tracker(slots={"language": language})

    await ActionCheckBalance(backend=fake_backend).run(dispatcher, tracker, domain)

    # Dollars and points written the US way in both languages, as on the site and the receipts.
    [message] = dispatcher.messages
    assert (message["credit"], message["points"]) == ("$1,234.50", "1,240")
    assert bot_says({"language": language}) == [reply]


@pytest.mark.parametrize(
    ("sender_id", "channel"),
    [
        ("unknown-visitor", "rest"),
        # Alice's REST sender id arriving on another channel is someone else.
        ("demo-alice", "sms"),
        ("demo-alice", None),
    ],
)
async def test_unidentified_customer_gets_no_balance(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    sender_id: str,
    channel: str | None,
) -> None:
    tracker = make_tracker(sender_id=sender_id, channel=channel)

    await ActionCheckBalance(backend=fake_backend).run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_identify"]
    assert "$" not in bot_says()[0]


async def test_balance_with_the_backend_down_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True

    events = await ActionCheckBalance(backend=fake_backend).run(dispatcher, make_tracker(), domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    assert events == []


# --- action_update_address ----------------------------------------------------------


async def update_address(
    backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    *,
    confirmed: bool | None,
    sender_id: str = "demo-alice",
    language: str | None = None,
) -> list[dict[str, Any]]:
    tracker = make_tracker(
        slots={"new_address": NEW_ADDRESS, "address_confirmed": confirmed, "language": language},
        sender_id=sender_id,
    )
    return await ActionUpdateAddress(backend=backend).run(dispatcher, tracker, domain)


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        (
            None,
            f"Done, Alice: your address is now {NEW_ADDRESS}. Orders that have already shipped "
            "still go to the old address.",
        ),
        (
            "es",
            f"Listo, Alice: tu dirección ahora es {NEW_ADDRESS}. Los pedidos que ya se enviaron "
            "seguirán llegando a la dirección anterior.",
        ),
    ],
    ids=["en", "es"],
)
async def test_confirmed_address_is_stored(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    reply: str,
) -> None:
    events = await update_address(
        fake_backend, dispatcher, make_tracker, domain, confirmed=True, language=language
    )

    assert fake_backend.address_updates == [(1, NEW_ADDRESS)]
    assert fake_backend.customers[1].address == NEW_ADDRESS
    [message] = dispatcher.messages
    assert message["response"] == "utter_address_updated"
    assert bot_says({"language": language}) == [reply]
    assert events == ADDRESS_RESETS


@pytest.mark.parametrize("confirmed", [False, None])
async def test_declined_address_is_not_stored(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    confirmed: bool | None,
) -> None:
    events = await update_address(
        fake_backend, dispatcher, make_tracker, domain, confirmed=confirmed
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_address_unchanged"]
    assert fake_backend.address_updates == []
    assert fake_backend.customers[1].address == "12 Harbour Street, San Francisco, CA 94105"
    assert events == ADDRESS_RESETS


async def test_unidentified_customer_cannot_change_an_address(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    events = await update_address(
        fake_backend, dispatcher, make_tracker, domain, confirmed=True, sender_id="unknown-visitor"
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_identify"]
    assert fake_backend.address_updates == []
    assert events == ADDRESS_RESETS


async def test_address_change_with_the_backend_down_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True

    events = await update_address(fake_backend, dispatcher, make_tracker, domain, confirmed=True)

    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    assert fake_backend.address_updates == []
    assert events == ADDRESS_RESETS

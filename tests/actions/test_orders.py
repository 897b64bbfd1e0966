"""Tests of actions/orders.py: order status and cancellation.

Orders, customers and senders are the fake backend's sample data (see
conftest.py): Alice (``demo-alice`` on the REST channel) owns 12345678,
34567890 and others; Bob (``demo-bob``) owns 24681357, 56789012, 78901234.

A test that holds in both languages is parametrized by the ``language`` slot,
with ids "en" (the slot unset, as in a conversation not in Spanish) and "es".
The domain's responses choose their Spanish variation themselves; the Spanish
cases check what the actions add: dates, fallback words, the responses they pick.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import BackendUnavailable, CancelOutcome, CancelResult, OrderStatus
from actions.orders import ActionCancelOrder, ActionCheckOrderStatus

if TYPE_CHECKING:
    from tests.actions.conftest import BotSays, FakeBackend, MakeTracker

# Slots action_cancel_order clears whatever happens, so that the next
# cancellation asks for confirmation and ownership again.
CANCEL_RESETS = [SlotSet("cancel_confirmed", None), SlotSet("order_email", None)]


# --- action_check_order_status ------------------------------------------------


async def check_status(
    backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str | None,
    *,
    sender_id: str = "demo-alice",
    channel: str = "rest",
    order_email: str | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """The status as asked by ``sender_id`` (by default Alice, the owner of most orders)."""
    tracker = make_tracker(
        text=f"where is order {order_id}",
        slots={"order_id": order_id, "order_email": order_email, "language": language},
        sender_id=sender_id,
        channel=channel,
    )
    return await ActionCheckOrderStatus(backend=backend).run(dispatcher, tracker, domain)


# Who owns which order in the fake's sample data (see conftest.py).
BOBS_ORDERS = {"78901234", "24681357", "56789012"}


def owner_of(order_id: str) -> str:
    return "demo-bob" if order_id in BOBS_ORDERS else "demo-alice"


@pytest.mark.parametrize(
    ("language", "expected", "reply"),
    [
        (
            None,
            "Monday 15 June",
            "Order 12345678 (2 items: running shoes, socks) is on its way with UPS, tracking "
            "number 1Z999AA10123456784. Expected delivery: Monday 15 June.",
        ),
        (
            "es",
            "lunes 15 de junio",
            "El pedido 12345678 (2 items: running shoes, socks) va en camino con UPS, número de "
            "rastreo 1Z999AA10123456784. Entrega estimada: lunes 15 de junio.",
        ),
    ],
    ids=["en", "es"],
)
async def test_shipped_order_gives_carrier_tracking_and_expected_date(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    expected: str,
    reply: str,
) -> None:
    events = await check_status(
        fake_backend, dispatcher, make_tracker, domain, "12345678", language=language
    )

    [message] = dispatcher.messages
    assert message["response"] == "utter_order_status_shipped"
    assert message["carrier"] == "UPS"
    assert message["tracking"] == "1Z999AA10123456784"
    assert message["expected"] == expected
    assert bot_says({"language": language}) == [reply]
    assert events == []


@pytest.mark.parametrize("language", [None, "en", "EN", "fr"])
async def test_any_other_language_keeps_the_english_date(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
) -> None:
    await check_status(
        fake_backend, dispatcher, make_tracker, domain, "12345678", language=language
    )

    assert dispatcher.messages[0]["expected"] == "Monday 15 June"
    assert bot_says({"language": language})[0].startswith("Order 12345678 (")


@pytest.mark.parametrize(
    ("order_id", "response", "expected_values"),
    [
        (
            "34567890",
            "utter_order_status_processing",
            {"items": "1 item: espresso machine", "expected": "Saturday 20 June"},
        ),
        (
            "45678901",
            "utter_order_status_delivered",
            {"carrier": "UPS", "delivered": "Saturday 16 March"},
        ),
        ("56789012", "utter_order_status_cancelled", {"order_id": "56789012"}),
        ("67890123", "utter_order_status_returned", {"items": "1 item: blender"}),
    ],
)
async def test_each_status_has_its_reply(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    order_id: str,
    response: str,
    expected_values: dict[str, str],
) -> None:
    await check_status(
        fake_backend, dispatcher, make_tracker, domain, order_id, sender_id=owner_of(order_id)
    )

    [message] = dispatcher.messages
    assert message["response"] == response
    assert {key: message[key] for key in expected_values} == expected_values
    [text] = bot_says()  # every placeholder of the reply is filled
    assert order_id in text


async def test_shipped_order_past_its_expected_date_is_reported_late(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    await check_status(
        fake_backend, dispatcher, make_tracker, domain, "78901234", sender_id="demo-bob"
    )

    [message] = dispatcher.messages
    assert message["response"] == "utter_order_status_late"
    assert message["expected"] == "Tuesday 14 May"
    assert "running late" in bot_says()[0]


async def test_shipped_order_due_today_is_not_late(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.add_order(
        "11112222",
        status=OrderStatus.SHIPPED,
        carrier="UPS",
        tracking_number="1Z1",
        expected_delivery=dt.date.today(),
    )

    await check_status(fake_backend, dispatcher, make_tracker, domain, "11112222")

    assert [m["response"] for m in dispatcher.messages] == ["utter_order_status_shipped"]


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        (
            None,
            "Order 11112222 (1 item: kettle) is on its way with our courier, tracking number "
            "not available yet. Expected delivery: soon.",
        ),
        (
            "es",
            "El pedido 11112222 (1 item: kettle) va en camino con nuestra paquetería, número de "
            "rastreo aún no disponible. Entrega estimada: pronto.",
        ),
    ],
    ids=["en", "es"],
)
async def test_shipped_order_without_carrier_details_still_reads_well(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    reply: str,
) -> None:
    fake_backend.add_order("11112222", status=OrderStatus.SHIPPED, item_summary="1 item: kettle")

    await check_status(
        fake_backend, dispatcher, make_tracker, domain, "11112222", language=language
    )

    assert bot_says({"language": language}) == [reply]


# Strangers: a guessed or mistyped number gives away the status and the
# expected date, never the items, the carrier or the tracking number.

ALICES_SHIPPED_ORDER_DETAILS = ("running shoes", "socks", "UPS", "1Z999AA10123456784")


@pytest.mark.parametrize(
    ("sender_id", "channel"),
    [
        ("unknown-visitor", "rest"),
        # Identified, but as another customer than the order's.
        ("demo-bob", "rest"),
        # Alice's REST sender id, arriving on a channel where it is nobody's.
        ("demo-alice", "sms"),
    ],
)
async def test_someone_else_gets_the_status_and_date_but_no_items_or_tracking(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    sender_id: str,
    channel: str,
) -> None:
    events = await check_status(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "12345678",
        sender_id=sender_id,
        channel=channel,
    )

    [text] = bot_says()
    assert text.startswith("Order 12345678 is on its way. Expected delivery: Monday 15 June.")
    assert "e-mail address" in text
    for detail in ALICES_SHIPPED_ORDER_DETAILS:
        assert detail not in text
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_summary_shipped"]
    # Not even as unused values of the message, which travel to Rasa with it.
    assert not {"items", "carrier", "tracking"} & set(dispatcher.messages[0])
    assert events == []


# How a stranger may still get the details, in each language.
PROVE_IT_IS_YOURS = {
    None: 'the e-mail address it was placed with: say "agent"',
    "es": 'correo electrónico que se usó al comprar: di "agente"',
}


@pytest.mark.parametrize(
    ("language", "order_id", "summary", "withheld"),
    [
        pytest.param(
            None,
            "34567890",
            "Order 34567890 is being prepared in our warehouse and hasn't shipped yet. "
            "Expected delivery: Saturday 20 June.",
            ["espresso machine"],
            id="en-processing",
        ),
        pytest.param(
            None,
            "45678901",
            "Order 45678901 was delivered on Saturday 16 March.",
            ["UPS", "notebook"],
            id="en-delivered",
        ),
        pytest.param(
            None,
            "56789012",
            "Order 56789012 was cancelled.",
            ["test item"],
            id="en-cancelled",
        ),
        pytest.param(
            None,
            "67890123",
            "Order 67890123 has an authorised return.",
            ["blender"],
            id="en-returned",
        ),
        pytest.param(
            None,
            "78901234",
            "Order 78901234 is on its way. It was due on Tuesday 14 May, so it's running late",
            ["DHL", "JD014600006281234567", "hiking boots"],
            id="en-late",
        ),
        pytest.param(
            None,
            "12345678",
            "Order 12345678 is on its way. Expected delivery: Monday 15 June.",
            ["UPS", "1Z999AA10123456784", "running shoes"],
            id="en-shipped",
        ),
        pytest.param(
            "es",
            "34567890",
            "El pedido 34567890 se está preparando en nuestro almacén y todavía no se ha "
            "enviado. Entrega estimada: sábado 20 de junio.",
            ["espresso machine"],
            id="es-processing",
        ),
        pytest.param(
            "es",
            "45678901",
            "El pedido 45678901 fue entregado el sábado 16 de marzo.",
            ["UPS"],
            id="es-delivered",
        ),
        pytest.param(
            "es",
            "56789012",
            "El pedido 56789012 fue cancelado.",
            ["test item"],
            id="es-cancelled",
        ),
        pytest.param(
            "es",
            "67890123",
            "El pedido 67890123 tiene una devolución autorizada.",
            ["blender"],
            id="es-returned",
        ),
        pytest.param(
            "es",
            "78901234",
            "El pedido 78901234 va en camino. Debía llegar el martes 14 de mayo, así que viene "
            "con retraso",
            ["DHL", "JD014600006281234567", "hiking boots"],
            id="es-late",
        ),
        pytest.param(
            "es",
            "12345678",
            "El pedido 12345678 va en camino. Entrega estimada: lunes 15 de junio.",
            ["UPS", "1Z999AA10123456784", "running shoes"],
            id="es-shipped",
        ),
    ],
)
async def test_a_stranger_gets_every_status_without_the_details(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    order_id: str,
    summary: str,
    withheld: list[str],
) -> None:
    await check_status(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        order_id,
        sender_id="unknown-visitor",
        language=language,
    )

    [text] = bot_says({"language": language})
    assert text.startswith(summary)
    assert PROVE_IT_IS_YOURS[language] in text
    assert not [detail for detail in withheld if detail in text]


async def test_the_owner_on_another_channel_gets_the_whole_answer(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    # Alice's phone number on the SMS channel identifies her as well as demo-alice.
    await check_status(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "12345678",
        sender_id="+14155550101",
        channel="sms",
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_order_status_shipped"]
    assert "1Z999AA10123456784" in bot_says()[0]


async def test_a_stranger_who_gave_the_order_email_gets_the_whole_answer(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    await check_status(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "12345678",
        sender_id="unknown-visitor",
        order_email="alice.martin@example.com",
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_order_status_shipped"]
    assert "1Z999AA10123456784" in bot_says()[0]


async def test_a_stranger_with_another_orders_email_gets_the_short_answer(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    await check_status(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "12345678",
        sender_id="unknown-visitor",
        order_email="bob.nguyen@example.com",
    )

    [text] = bot_says()
    assert "1Z999AA10123456784" not in text and "running shoes" not in text


async def test_status_with_the_backend_down_while_identifying_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    async def unavailable(channel: str, sender_id: str) -> None:
        raise BackendUnavailable("identity service down")

    fake_backend.identify_customer = unavailable  # type: ignore[method-assign]

    events = await check_status(fake_backend, dispatcher, make_tracker, domain, "12345678")

    # Neither the details (not shown to be theirs) nor a crash.
    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    assert events == []


async def test_unknown_order_is_not_found_and_the_number_forgotten(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    events = await check_status(fake_backend, dispatcher, make_tracker, domain, "99999999")

    [message] = dispatcher.messages
    assert message["response"] == "utter_order_not_found"
    assert message["order_id"] == "99999999"
    # Forgotten so that the customer is asked for the number again.
    assert events == [SlotSet("order_id", None)]


async def test_status_without_an_order_number_asks_for_it(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    events = await check_status(fake_backend, dispatcher, make_tracker, domain, None)

    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_id"]
    assert events == []


async def test_status_with_the_backend_down_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True

    events = await check_status(fake_backend, dispatcher, make_tracker, domain, "12345678")

    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    # The order number is kept: it was not wrong, the system was down.
    assert events == []


@pytest.mark.parametrize(
    ("language", "text", "status", "note"),
    [
        (
            None,
            "where's my order",
            "Order 23456789 ",
            "If you meant a different order, just send me its number.",
        ),
        (
            "es",
            "¿dónde está mi pedido?",
            "El pedido 23456789 ",
            "Si te referías a otro pedido, solo envíame su número.",
        ),
    ],
    ids=["en", "es"],
)
async def test_the_status_of_an_order_named_earlier_says_how_to_ask_about_another(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    text: str,
    status: str,
    note: str,
) -> None:
    # "where's my order" after a return for 23456789: the slot still holds it.
    tracker = make_tracker(text=text, slots={"order_id": "23456789", "language": language})

    await ActionCheckOrderStatus(backend=fake_backend).run(dispatcher, tracker, domain)

    first, said_note = bot_says({"language": language})
    assert first.startswith(status)
    assert said_note == note


# --- action_cancel_order --------------------------------------------------------


async def cancel(
    backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str | None,
    *,
    confirmed: bool | None = True,
    sender_id: str = "demo-alice",
    order_email: str | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    tracker = make_tracker(
        slots={
            "order_id": order_id,
            "cancel_confirmed": confirmed,
            "order_email": order_email,
            "language": language,
        },
        sender_id=sender_id,
    )
    return await ActionCancelOrder(backend=backend).run(dispatcher, tracker, domain)


async def test_owner_confirming_cancels_and_is_told_the_refund(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
) -> None:
    events = await cancel(fake_backend, dispatcher, make_tracker, domain, "34567890")

    assert fake_backend.cancellations == ["34567890"]
    assert fake_backend.orders["34567890"].status is OrderStatus.CANCELLED
    [message] = dispatcher.messages
    assert message["response"] == "utter_order_cancelled"
    assert message["amount"] == "$129.00"
    assert "A refund of $129.00 will reach" in bot_says()[0]
    assert events == CANCEL_RESETS


async def test_stranger_with_the_order_email_may_cancel(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    await cancel(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "34567890",
        sender_id="unknown-visitor",
        order_email="alice.martin@example.com",
    )

    assert fake_backend.cancellations == ["34567890"]
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_cancelled"]


@pytest.mark.parametrize(
    ("sender_id", "order_email"),
    [
        ("unknown-visitor", None),
        ("unknown-visitor", "someone.else@example.com"),
        # Identified, but as another customer than the order's.
        ("demo-bob", None),
    ],
)
async def test_cancel_is_refused_without_proof_the_order_is_theirs(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    sender_id: str,
    order_email: str | None,
) -> None:
    events = await cancel(
        fake_backend,
        dispatcher,
        make_tracker,
        domain,
        "34567890",
        sender_id=sender_id,
        order_email=order_email,
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_verify_order"]
    assert fake_backend.cancellations == []
    assert fake_backend.orders["34567890"].status is OrderStatus.PROCESSING
    assert events == CANCEL_RESETS


@pytest.mark.parametrize("confirmed", [False, None])
async def test_cancel_not_confirmed_keeps_the_order(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    confirmed: bool | None,
) -> None:
    events = await cancel(
        fake_backend, dispatcher, make_tracker, domain, "34567890", confirmed=confirmed
    )

    [message] = dispatcher.messages
    assert message["response"] == "utter_cancel_kept"
    assert message["order_id"] == "34567890"
    assert fake_backend.cancellations == []
    assert events == CANCEL_RESETS


@pytest.mark.parametrize("order_id", ["12345678", "45678901", "67890123"])
async def test_order_that_left_the_warehouse_is_too_late_to_cancel(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str,
) -> None:
    await cancel(fake_backend, dispatcher, make_tracker, domain, order_id)

    [message] = dispatcher.messages
    assert message["response"] == "utter_cancel_too_late"
    assert message["order_id"] == order_id
    assert fake_backend.cancellations == []


async def test_cancelling_a_cancelled_order_says_so(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    await cancel(fake_backend, dispatcher, make_tracker, domain, "56789012", sender_id="demo-bob")

    assert [m["response"] for m in dispatcher.messages] == ["utter_cancel_already_cancelled"]
    assert fake_backend.cancellations == []


async def test_cancelling_an_unknown_order_forgets_the_number(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    events = await cancel(fake_backend, dispatcher, make_tracker, domain, "99999999")

    [message] = dispatcher.messages
    assert message["response"] == "utter_order_not_found_retry"
    assert message["order_id"] == "99999999"
    assert fake_backend.cancellations == []
    assert events == [*CANCEL_RESETS, SlotSet("order_id", None)]


async def test_order_shipping_after_the_lookup_is_too_late(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    # Processing when the action looks it up; shipped by the time the backend
    # cancels, which it refuses atomically.
    fake_backend.cancel_results["34567890"] = CancelResult(CancelOutcome.ALREADY_SHIPPED)

    await cancel(fake_backend, dispatcher, make_tracker, domain, "34567890")

    assert fake_backend.cancellations == ["34567890"]
    assert [m["response"] for m in dispatcher.messages] == ["utter_cancel_too_late"]


@pytest.mark.parametrize(
    ("language", "amount", "promise"),
    [
        (None, "the full amount", "A refund of the full amount"),
        ("es", "el monto total", "un reembolso por el monto total"),
    ],
    ids=["en", "es"],
)
async def test_cancelled_without_a_known_refund_promises_the_full_amount(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    amount: str,
    promise: str,
) -> None:
    fake_backend.cancel_results["34567890"] = CancelResult(CancelOutcome.CANCELLED)

    await cancel(fake_backend, dispatcher, make_tracker, domain, "34567890", language=language)

    [message] = dispatcher.messages
    assert message["amount"] == amount
    assert promise in bot_says({"language": language})[0]


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        (
            None,
            "Order 11112222 is cancelled. A refund of $1,234.50 will reach your original "
            "payment method within 5 business days.",
        ),
        (
            "es",
            "El pedido 11112222 está cancelado. Recibirás un reembolso por $1,234.50 en tu "
            "método de pago original en un plazo de 5 días hábiles.",
        ),
    ],
    ids=["en", "es"],
)
async def test_refund_amounts_are_formatted_as_money(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    reply: str,
) -> None:
    fake_backend.add_order("11112222", total=Decimal("1234.5"))

    await cancel(fake_backend, dispatcher, make_tracker, domain, "11112222", language=language)

    # US dollars written the US way in both languages.
    assert dispatcher.messages[0]["amount"] == "$1,234.50"
    assert bot_says({"language": language}) == [reply]


async def test_cancel_with_the_backend_down_apologises(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True

    events = await cancel(fake_backend, dispatcher, make_tracker, domain, "34567890")

    assert [m["response"] for m in dispatcher.messages] == ["utter_backend_down"]
    assert events == CANCEL_RESETS


@pytest.mark.parametrize(
    ("language", "question"),
    [
        (
            None,
            "What's your order number? It's the 8 digits in your order confirmation e-mail, "
            "for example 12345678.",
        ),
        (
            "es",
            "¿Cuál es tu número de pedido? Son los 8 dígitos del correo de confirmación de tu "
            "pedido, por ejemplo 12345678.",
        ),
    ],
    ids=["en", "es"],
)
async def test_cancel_without_an_order_number_asks_for_it(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    bot_says: BotSays,
    language: str | None,
    question: str,
) -> None:
    events = await cancel(fake_backend, dispatcher, make_tracker, domain, None, language=language)

    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_id"]
    assert bot_says({"language": language}) == [question]
    assert fake_backend.cancellations == []
    assert events == CANCEL_RESETS

"""Fixtures for the action server's tests.

``sql_*``: a :class:`~actions.backend.sql.SqlBackend` on a throwaway SQLite
file seeded with the sample data, with a clock the test can move.

``fake_backend``, ``dispatcher``, ``domain``, ``make_tracker``, ``bot_says``:
for unit tests of the actions, which run against an in-memory
:class:`FakeBackend` instead of a database.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, cast

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.handoff import HandoffClient
from actions.backend import (
    BackendUnavailable,
    CancelOutcome,
    CancelResult,
    Customer,
    Order,
    OrderStatus,
    ReturnOutcome,
    ReturnResult,
)
from actions.backend.sql import SqlBackend
from actions.handoff_outbox import HandoffSender, Outbox, OutboxForwarder
from actions.settings import ActionSettings
from tests.fakes.handoff import FakeHandoffService

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"

# A fixed "now" for the SQL backend and its seed: midday, so that moving the
# clock by whole days never crosses a date boundary by accident.
SQL_NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.timezone.utc)


class FrozenClock:
    """A clock that tells the time it is set to."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def sql_clock() -> FrozenClock:
    return FrozenClock(SQL_NOW)


@pytest.fixture
def sql_database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'business.db'}"


@pytest.fixture
def sql_settings(sql_database_url: str) -> ActionSettings:
    return ActionSettings(database_url=sql_database_url)


@pytest.fixture
async def sql_backend(
    sql_settings: ActionSettings, sql_clock: FrozenClock
) -> AsyncIterator[SqlBackend]:
    backend = SqlBackend(sql_settings, clock=sql_clock)
    yield backend
    await backend.close()


# --- unit tests of the actions: an in-memory backend, trackers, the domain ----
#
# The fake's sample data mirrors actions/backend/seed.py, with fixed dates
# wherever a reply shows a date (so tests can spell the expected text out) and
# dates relative to today only where the fake's return window needs them:
#
#     order     customer  status      notes
#     12345678  Alice     shipped     UPS, expected Monday 15 June 2099
#     78901234  Bob       shipped     DHL, expected Tuesday 14 May 2024: late
#     23456789  Alice     delivered   5 days ago: returnable
#     45678901  Alice     delivered   Saturday 16 March 2024: return window closed
#     34567890  Alice     processing  $129.00, expected Saturday 20 June 2099
#     24681357  Bob       processing  $45.50
#     56789012  Bob       cancelled
#     67890123  Alice     returned    RMA-4HX9TZ
#
#     customer     id  e-mail                    credit  points  identities
#     Alice Martin  1  alice.martin@example.com   25.00    1240  rest: demo-alice,
#                                                                sms: +14155550101
#     Bob Nguyen    2  bob.nguyen@example.com      0.00     310  rest: demo-bob

RETURN_WINDOW_DAYS = 30
ALICE_SENDER = "demo-alice"


class FakeBackend:
    """The :class:`~actions.backend.Backend` protocol in memory.

    Outcomes follow the orders' state the way the real backend does; a test
    can force one (``return_results``, ``cancel_results``) to reach a branch
    that needs a particular answer, such as an order shipping between the
    lookup and the cancellation. Every change an action asks for is recorded,
    so tests can assert it happened, or that it did not. ``down = True``
    makes every method fail as if the system could not be reached.
    """

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or dt.date.today()
        self.down = False
        self.orders: dict[str, Order] = {}
        self.customers: dict[int, Customer] = {}
        self.identities: dict[tuple[str, str], int] = {}  # (channel, sender id) -> customer
        self.emails: dict[int, str] = {}  # customer -> e-mail, for order_email_matches
        self.rmas: dict[str, str] = {}  # order -> RMA number of its authorised return
        self.return_results: dict[str, ReturnResult] = {}
        self.cancel_results: dict[str, CancelResult] = {}
        # What the actions did.
        self.password_resets: list[tuple[str, str]] = []  # (e-mail, channel)
        self.returns: list[str] = []  # every start_return call
        self.cancellations: list[str] = []  # every cancel_order call
        self.address_updates: list[tuple[int, str]] = []
        self.closed = False

    # -- setting up -------------------------------------------------------------

    def add_customer(
        self, customer: Customer, email: str, *identities: tuple[str, str]
    ) -> Customer:
        self.customers[customer.customer_id] = customer
        self.emails[customer.customer_id] = email
        for identity in identities:
            self.identities[identity] = customer.customer_id
        return customer

    def add_order(
        self,
        order_id: str,
        *,
        customer_id: int = 1,
        status: OrderStatus = OrderStatus.PROCESSING,
        carrier: str | None = None,
        tracking_number: str | None = None,
        expected_delivery: dt.date | None = None,
        delivered_at: dt.datetime | None = None,
        total: Decimal = Decimal("10.00"),
        item_summary: str = "1 item: test item",
        placed_at: dt.datetime = dt.datetime(2024, 1, 2, 9, 30, tzinfo=dt.timezone.utc),
    ) -> Order:
        order = Order(
            order_id=order_id,
            customer_id=customer_id,
            status=status,
            placed_at=placed_at,
            carrier=carrier,
            tracking_number=tracking_number,
            expected_delivery=expected_delivery,
            delivered_at=delivered_at,
            total=total,
            item_summary=item_summary,
        )
        self.orders[order_id] = order
        return order

    # -- the protocol -----------------------------------------------------------

    def _answer(self) -> None:
        if self.down:
            raise BackendUnavailable("the fake backend is switched off")

    async def get_order(self, order_id: str) -> Order | None:
        self._answer()
        return self.orders.get(order_id)

    async def order_email_matches(self, order_id: str, email: str) -> bool:
        self._answer()
        order = self.orders.get(order_id)
        return order is not None and self.emails.get(order.customer_id) == email.strip().lower()

    async def start_return(self, order_id: str) -> ReturnResult:
        self._answer()
        self.returns.append(order_id)
        if order_id in self.return_results:
            return self.return_results[order_id]
        order = self.orders.get(order_id)
        if order is None:
            return ReturnResult(ReturnOutcome.NOT_FOUND)
        if order.status is OrderStatus.RETURNED:
            return ReturnResult(ReturnOutcome.ALREADY_AUTHORISED, rma_number=self.rmas[order_id])
        if order.status is OrderStatus.CANCELLED:
            return ReturnResult(ReturnOutcome.CANCELLED)
        if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
            return ReturnResult(ReturnOutcome.NOT_DELIVERED)
        last_day = order.delivered_at.date() + dt.timedelta(days=RETURN_WINDOW_DAYS)
        if last_day < self.today:
            return ReturnResult(
                ReturnOutcome.WINDOW_CLOSED,
                return_window_days=RETURN_WINDOW_DAYS,
                window_closed_on=last_day,
            )
        self.rmas[order_id] = f"RMA-{order_id[-6:]}"
        self.orders[order_id] = replace(order, status=OrderStatus.RETURNED)
        return ReturnResult(
            ReturnOutcome.AUTHORISED,
            rma_number=self.rmas[order_id],
            return_window_days=RETURN_WINDOW_DAYS,
        )

    async def cancel_order(self, order_id: str) -> CancelResult:
        self._answer()
        self.cancellations.append(order_id)
        if order_id in self.cancel_results:
            return self.cancel_results[order_id]
        order = self.orders.get(order_id)
        if order is None:
            return CancelResult(CancelOutcome.NOT_FOUND)
        if order.status is OrderStatus.CANCELLED:
            return CancelResult(CancelOutcome.ALREADY_CANCELLED)
        if order.status is not OrderStatus.PROCESSING:
            return CancelResult(CancelOutcome.ALREADY_SHIPPED)
        self.orders[order_id] = replace(order, status=OrderStatus.CANCELLED)
        return CancelResult(CancelOutcome.CANCELLED, refund_amount=order.total)

    async def request_password_reset(self, email: str, channel: str) -> None:
        self._answer()
        self.password_resets.append((email, channel))

    async def identify_customer(self, channel: str, sender_id: str) -> Customer | None:
        self._answer()
        customer_id = self.identities.get((channel, sender_id))
        return None if customer_id is None else self.customers[customer_id]

    async def recent_orders(self, customer_id: int, limit: int) -> list[Order]:
        self._answer()
        theirs = [o for o in self.orders.values() if o.customer_id == customer_id]
        theirs.sort(key=lambda o: (o.placed_at, o.order_id), reverse=True)
        return theirs[: max(0, limit)]

    async def update_address(self, customer_id: int, address: str) -> None:
        self._answer()
        self.address_updates.append((customer_id, address))
        self.customers[customer_id] = replace(self.customers[customer_id], address=address)

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_backend() -> FakeBackend:
    """A fake backend holding the sample data described above, working."""
    backend = FakeBackend()
    backend.add_customer(
        Customer(1, "Alice", Decimal("25.00"), 1240, "12 Harbour Street, San Francisco, CA 94105"),
        "alice.martin@example.com",
        ("rest", ALICE_SENDER),
        ("sms", "+14155550101"),
    )
    backend.add_customer(
        Customer(2, "Bob", Decimal("0.00"), 310, "88 Elm Avenue, Portland, OR 97205"),
        "bob.nguyen@example.com",
        ("rest", "demo-bob"),
    )
    backend.add_order(
        "12345678",
        status=OrderStatus.SHIPPED,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        expected_delivery=dt.date(2099, 6, 15),
        total=Decimal("89.98"),
        item_summary="2 items: running shoes, socks",
    )
    backend.add_order(
        "78901234",
        customer_id=2,
        status=OrderStatus.SHIPPED,
        carrier="DHL",
        tracking_number="JD014600006281234567",
        expected_delivery=dt.date(2024, 5, 14),
        item_summary="1 item: hiking boots",
    )
    backend.add_order(
        "23456789",
        status=OrderStatus.DELIVERED,
        carrier="USPS",
        delivered_at=dt.datetime.combine(
            backend.today - dt.timedelta(days=5), dt.time(12), dt.timezone.utc
        ),
        total=Decimal("59.00"),
        item_summary="1 item: rain jacket",
    )
    backend.add_order(
        "45678901",
        status=OrderStatus.DELIVERED,
        carrier="UPS",
        delivered_at=dt.datetime(2024, 3, 16, 12, 0, tzinfo=dt.timezone.utc),
        item_summary="3 items: notebook, pens, desk lamp",
    )
    backend.add_order(
        "34567890",
        status=OrderStatus.PROCESSING,
        expected_delivery=dt.date(2099, 6, 20),
        total=Decimal("129.00"),
        item_summary="1 item: espresso machine",
    )
    backend.add_order(
        "24681357", customer_id=2, total=Decimal("45.50"), item_summary="1 item: yoga mat"
    )
    backend.add_order("56789012", customer_id=2, status=OrderStatus.CANCELLED)
    backend.add_order("67890123", status=OrderStatus.RETURNED, item_summary="1 item: blender")
    backend.rmas["67890123"] = "RMA-4HX9TZ"
    return backend


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def _domain_file() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")))


@pytest.fixture
def domain(_domain_file: dict[str, Any]) -> dict[str, Any]:
    """The assistant's domain.yml as the action server receives it (a dict)."""
    # A copy per test: the file is parsed once, and no test can leak changes.
    return copy.deepcopy(_domain_file)


def build_tracker(
    *,
    slots: Mapping[str, Any] | None = None,
    text: str = "",
    intent: str | None = None,
    entities: Sequence[Mapping[str, Any]] = (),
    sender_id: str = ALICE_SENDER,
    channel: str | None = "rest",
    new_slots: Mapping[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as Rasa sends it to the action server.

    ``channel`` is the input channel of the latest user message, which is
    where :meth:`Tracker.get_latest_input_channel` reads it. ``new_slots`` are
    slot values extracted from that message: they are set and also appended
    as ``slot`` events after it, which is how a form presents the candidates
    its validation action must check.
    """
    latest_message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [dict(entity) for entity in entities],
    }
    events: list[dict[str, Any]] = [
        {
            "event": "user",
            "text": text,
            "parse_data": latest_message,
            "input_channel": channel,
        }
    ]
    events.extend(SlotSet(name, value) for name, value in (new_slots or {}).items())
    return Tracker(
        sender_id,
        {"requested_slot": None, **(slots or {}), **(new_slots or {})},
        latest_message,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


class MakeTracker(Protocol):
    def __call__(
        self,
        *,
        slots: Mapping[str, Any] | None = None,
        text: str = "",
        intent: str | None = None,
        entities: Sequence[Mapping[str, Any]] = (),
        sender_id: str = ALICE_SENDER,
        channel: str | None = "rest",
        new_slots: Mapping[str, Any] | None = None,
        active_loop: str | None = None,
    ) -> Tracker: ...


@pytest.fixture
def make_tracker() -> MakeTracker:
    return build_tracker


class _NoValue(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        raise KeyError(f"the reply needs {{{key}}} but the action did not pass it")


def _matches(variation: Mapping[str, Any], slots: Mapping[str, Any]) -> bool:
    """Whether all of a variation's conditions hold, compared as Rasa compares them."""
    for condition in variation.get("condition") or ():
        value, filled = condition["value"], slots.get(condition["name"])
        if isinstance(value, str) and isinstance(filled, str):
            if value.casefold() != filled.casefold():
                return False
        elif value != filled:
            return False
    return True


def variations_for(
    name: str, domain: Mapping[str, Any], slots: Mapping[str, Any] | None = None
) -> list[Mapping[str, Any]]:
    """The variations of a response Rasa chooses from (at random) for these slots.

    Rasa's rule (rasa.core.nlg.generator.ResponseVariationFilter), for a
    channel with no variations of its own: the variations whose conditions
    all hold if there is any, else those without a condition. Every
    conditional variation that holds is a candidate, however few conditions
    it has.
    """
    filled = dict(slots or {})
    variations = [v for v in domain["responses"][name] if not v.get("channel")]
    conditional = [v for v in variations if v.get("condition") and _matches(v, filled)]
    return conditional or [v for v in variations if not v.get("condition")]


def render(
    message: Mapping[str, Any],
    domain: Mapping[str, Any],
    slots: Mapping[str, Any] | None = None,
) -> str:
    """The text the customer reads for one dispatched message.

    The variation is the one Rasa would choose for the conversation's
    ``slots`` (its language among them). Strict where Rasa is lenient: a
    placeholder the action did not fill, or filled with None, fails the test
    instead of reaching the customer as "{rma}" or "None"; so do candidate
    variations that read differently, since Rasa would pick one at random.
    A message sent as text (no response) is that text.
    """
    if message.get("response") is None:
        return str(message["text"])
    name = message["response"]
    texts = {str(v["text"]) for v in variations_for(name, domain, slots)}
    if len(texts) != 1:
        raise AssertionError(f"{name}: not one text for {dict(slots or {})}: {sorted(texts)}")
    [text] = texts
    values = _NoValue(message)
    for key in re.findall(r"{(\w+)}", text):
        if values[key] is None:
            raise AssertionError(f"{name}: {{{key}}} is None")
    return text.format_map(values)


class BotSays(Protocol):
    def __call__(self, slots: Mapping[str, Any] | None = None) -> list[str]: ...


@pytest.fixture
def bot_says(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> BotSays:
    """The texts of the replies dispatched so far, rendered from the domain.

    ``slots`` are the conversation's, which choose the variation: by default
    none, so English.
    """

    def replies(slots: Mapping[str, Any] | None = None) -> list[str]:
        return [render(message, domain, slots) for message in dispatcher.messages]

    return replies


# -- the handoff outbox ----------------------------------------------------------------

TOKEN = "handoff-test-admin-token"


@pytest.fixture
def service() -> Iterator[FakeHandoffService]:
    fake = FakeHandoffService(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def outbox_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'handoff_outbox.db'}"


Make = Callable[..., Awaitable[HandoffSender]]


@pytest.fixture
async def make_sender(outbox_url: str) -> AsyncIterator[Make]:
    """Builds senders for a service URL and an outbox; all are closed after the test."""
    made: list[HandoffSender] = []

    async def make(url: str, database_url: str = outbox_url) -> HandoffSender:
        outbox = Outbox(database_url)
        client = HandoffClient(url, TOKEN, timeout_s=2.0)
        forwarder = OutboxForwarder(outbox, client, retry_base_s=0.02, retry_max_s=0.1)
        sender = HandoffSender(outbox, forwarder)
        made.append(sender)
        return sender

    yield make
    for sender in made:
        await sender.close()

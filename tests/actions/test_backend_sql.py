"""Tests of the SQL backend, its sample data and the backend factory.

Each test gets its own SQLite file seeded at ``SQL_NOW`` (see conftest.py);
the order numbers are those of :mod:`actions.backend.seed`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.backend.base import (
    BackendUnavailable,
    CancelOutcome,
    OrderStatus,
    ReturnOutcome,
)
from actions.backend.factory import create_backend
from actions.backend.seed import SEEDED_RMA_NUMBER, seed_sample_data
from actions.backend.sql import SqlBackend
from actions.backend.tables import (
    AddressChangeRow,
    CustomerIdentityRow,
    CustomerRow,
    OrderRow,
    PasswordResetRequestRow,
    ReturnRow,
)
from actions.settings import ActionSettings

UTC = dt.timezone.utc
SQL_NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=UTC)  # as in conftest.py
RMA_PATTERN = re.compile(r"RMA-[A-HJ-NP-Z2-9]{6}")

SHIPPED = "12345678"
RETURNABLE = "23456789"
PROCESSING = "34567890"
WINDOW_CLOSED = "45678901"
CANCELLED = "56789012"
RETURN_AUTHORISED = "67890123"
LATE = "78901234"
ALICE_ID = 1


def count(backend: SqlBackend, model: Any, *criteria: Any) -> int:
    with Session(backend.engine, future=True) as session:
        query = select(func.count()).select_from(model).where(*criteria)
        return session.execute(query).scalar_one()


def rows(backend: SqlBackend, model: Any) -> list[Any]:
    with Session(backend.engine, future=True) as session:
        return list(session.execute(select(model)).scalars())


# -- seeding ------------------------------------------------------------------


async def test_first_use_creates_the_directory_and_seeds(
    sql_backend: SqlBackend, sql_database_url: str
) -> None:
    assert not Path(sql_database_url.removeprefix("sqlite:///")).parent.exists()

    assert await sql_backend.get_order(SHIPPED) is not None

    assert count(sql_backend, CustomerRow) == 4
    assert count(sql_backend, OrderRow) == 11
    assert count(sql_backend, ReturnRow) == 1


async def test_seeding_is_idempotent(sql_backend: SqlBackend, sql_settings: ActionSettings) -> None:
    await sql_backend.get_order(SHIPPED)

    assert seed_sample_data(sql_backend.engine, SQL_NOW) is False
    second = SqlBackend(sql_settings)
    try:
        await second.get_order(SHIPPED)
    finally:
        await second.close()

    assert count(sql_backend, CustomerRow) == 4
    assert count(sql_backend, CustomerIdentityRow) == 17
    assert count(sql_backend, OrderRow) == 11


async def test_seeding_can_be_turned_off(sql_settings: ActionSettings) -> None:
    backend = SqlBackend(dataclasses.replace(sql_settings, seed_sample_data=False))
    try:
        assert await backend.get_order(SHIPPED) is None
        assert count(backend, CustomerRow) == 0
    finally:
        await backend.close()


async def test_seeded_dates_are_relative_to_now(sql_backend: SqlBackend) -> None:
    shipped = await sql_backend.get_order(SHIPPED)
    returnable = await sql_backend.get_order(RETURNABLE)
    late = await sql_backend.get_order(LATE)

    assert shipped is not None and returnable is not None and late is not None
    assert shipped.expected_delivery == SQL_NOW.date() + dt.timedelta(days=2)
    assert returnable.delivered_at == SQL_NOW - dt.timedelta(days=5)
    assert late.expected_delivery == SQL_NOW.date() - dt.timedelta(days=1)


# -- orders -------------------------------------------------------------------


async def test_get_order_returns_the_seeded_order(sql_backend: SqlBackend) -> None:
    order = await sql_backend.get_order(SHIPPED)

    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    assert order.carrier == "UPS"
    assert order.tracking_number == "1Z999AA10123456784"
    assert order.total == Decimal("89.98")
    assert order.item_summary == "2 items: running shoes, socks"
    assert order.placed_at.tzinfo is not None
    assert order.delivered_at is None


@pytest.mark.parametrize(
    "order_id", ["99999999", "1234567", "123456789", "abcdefgh", "", "12345678\n"]
)
async def test_get_order_unknown_or_malformed(sql_backend: SqlBackend, order_id: str) -> None:
    assert await sql_backend.get_order(order_id) is None


# -- returns ------------------------------------------------------------------


async def test_return_is_authorised_once(sql_backend: SqlBackend) -> None:
    first = await sql_backend.start_return(RETURNABLE)
    second = await sql_backend.start_return(RETURNABLE)

    assert first.outcome is ReturnOutcome.AUTHORISED
    assert first.rma_number is not None
    assert RMA_PATTERN.fullmatch(first.rma_number)
    assert first.return_window_days == 30
    assert second.outcome is ReturnOutcome.ALREADY_AUTHORISED
    assert second.rma_number == first.rma_number
    order = await sql_backend.get_order(RETURNABLE)
    assert order is not None and order.status is OrderStatus.RETURNED


async def test_rma_numbers_differ_between_orders(sql_backend: SqlBackend) -> None:
    first = await sql_backend.start_return(RETURNABLE)
    second = await sql_backend.start_return("90123456")

    assert first.outcome is second.outcome is ReturnOutcome.AUTHORISED
    assert first.rma_number != second.rma_number


async def test_seeded_return_is_already_authorised(sql_backend: SqlBackend) -> None:
    result = await sql_backend.start_return(RETURN_AUTHORISED)

    assert result.outcome is ReturnOutcome.ALREADY_AUTHORISED
    assert result.rma_number == SEEDED_RMA_NUMBER


@pytest.mark.parametrize(
    ("order_id", "outcome"),
    [
        (SHIPPED, ReturnOutcome.NOT_DELIVERED),
        (PROCESSING, ReturnOutcome.NOT_DELIVERED),
        (CANCELLED, ReturnOutcome.CANCELLED),
        ("99999999", ReturnOutcome.NOT_FOUND),
        ("not-an-id", ReturnOutcome.NOT_FOUND),
    ],
)
async def test_return_refused(
    sql_backend: SqlBackend, order_id: str, outcome: ReturnOutcome
) -> None:
    await sql_backend.get_order(SHIPPED)  # seed, whatever order_id is

    result = await sql_backend.start_return(order_id)

    assert result.outcome is outcome
    assert result.rma_number is None
    assert count(sql_backend, ReturnRow) == 1  # only the seeded one


async def test_return_window_closed(sql_backend: SqlBackend) -> None:
    result = await sql_backend.start_return(WINDOW_CLOSED)

    delivered_on = (SQL_NOW - dt.timedelta(days=60)).date()
    assert result.outcome is ReturnOutcome.WINDOW_CLOSED
    assert result.window_closed_on == delivered_on + dt.timedelta(days=30)
    assert result.rma_number is None
    order = await sql_backend.get_order(WINDOW_CLOSED)
    assert order is not None and order.status is OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("days_after", "at", "outcome"),
    [
        (30, dt.time(23, 59, 59), ReturnOutcome.AUTHORISED),
        (31, dt.time(0, 0), ReturnOutcome.WINDOW_CLOSED),
    ],
)
async def test_return_window_boundary(
    sql_backend: SqlBackend,
    sql_clock: Any,
    days_after: int,
    at: dt.time,
    outcome: ReturnOutcome,
) -> None:
    order = await sql_backend.get_order(RETURNABLE)  # seeds at SQL_NOW
    assert order is not None and order.delivered_at is not None
    day = order.delivered_at.date() + dt.timedelta(days=days_after)
    sql_clock.now = dt.datetime.combine(day, at, tzinfo=UTC)

    result = await sql_backend.start_return(RETURNABLE)

    assert result.outcome is outcome


async def test_return_window_comes_from_settings(
    sql_backend: SqlBackend, sql_settings: ActionSettings, sql_clock: Any
) -> None:
    await sql_backend.get_order(RETURNABLE)  # seeds at SQL_NOW
    short = SqlBackend(dataclasses.replace(sql_settings, return_window_days=3), clock=sql_clock)
    try:
        result = await short.start_return(RETURNABLE)
    finally:
        await short.close()

    assert result.outcome is ReturnOutcome.WINDOW_CLOSED
    assert result.return_window_days == 3
    assert result.window_closed_on == SQL_NOW.date() - dt.timedelta(days=2)


async def test_concurrent_returns_issue_one_rma(sql_backend: SqlBackend) -> None:
    await sql_backend.get_order(RETURNABLE)  # seed before the race

    results = await asyncio.gather(*(sql_backend.start_return(RETURNABLE) for _ in range(6)))

    outcomes = [result.outcome for result in results]
    assert outcomes.count(ReturnOutcome.AUTHORISED) == 1
    assert outcomes.count(ReturnOutcome.ALREADY_AUTHORISED) == 5
    assert len({result.rma_number for result in results}) == 1
    assert count(sql_backend, ReturnRow, ReturnRow.order_id == RETURNABLE) == 1


# -- cancellations ------------------------------------------------------------


async def test_cancel_processing_order(sql_backend: SqlBackend) -> None:
    first = await sql_backend.cancel_order(PROCESSING)
    second = await sql_backend.cancel_order(PROCESSING)

    assert first.outcome is CancelOutcome.CANCELLED
    assert first.refund_amount == Decimal("129.00")
    assert second.outcome is CancelOutcome.ALREADY_CANCELLED
    assert second.refund_amount is None
    order = await sql_backend.get_order(PROCESSING)
    assert order is not None and order.status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("order_id", "outcome"),
    [
        (SHIPPED, CancelOutcome.ALREADY_SHIPPED),
        (RETURNABLE, CancelOutcome.ALREADY_SHIPPED),
        (RETURN_AUTHORISED, CancelOutcome.ALREADY_SHIPPED),
        (CANCELLED, CancelOutcome.ALREADY_CANCELLED),
        ("99999999", CancelOutcome.NOT_FOUND),
        ("1234", CancelOutcome.NOT_FOUND),
    ],
)
async def test_cancel_refused(
    sql_backend: SqlBackend, order_id: str, outcome: CancelOutcome
) -> None:
    before = await sql_backend.get_order(order_id)

    result = await sql_backend.cancel_order(order_id)

    assert result.outcome is outcome
    assert result.refund_amount is None
    assert await sql_backend.get_order(order_id) == before


async def test_concurrent_cancels_cancel_once(sql_backend: SqlBackend) -> None:
    await sql_backend.get_order(PROCESSING)  # seed before the race

    results = await asyncio.gather(*(sql_backend.cancel_order(PROCESSING) for _ in range(8)))

    outcomes = [result.outcome for result in results]
    assert outcomes.count(CancelOutcome.CANCELLED) == 1
    assert outcomes.count(CancelOutcome.ALREADY_CANCELLED) == 7


async def test_two_concurrent_cancels(sql_backend: SqlBackend) -> None:
    first, second = await asyncio.gather(
        sql_backend.cancel_order("89012345"), sql_backend.cancel_order("89012345")
    )

    assert {first.outcome, second.outcome} == {
        CancelOutcome.CANCELLED,
        CancelOutcome.ALREADY_CANCELLED,
    }


# -- password resets ----------------------------------------------------------


async def test_password_reset_looks_the_same_for_unknown_emails(
    sql_backend: SqlBackend,
) -> None:
    # Neither call raises or returns anything the actions could branch on.
    await sql_backend.request_password_reset(" Alice.Martin@example.com ", "sms")
    await sql_backend.request_password_reset("nobody@example.com", "sms")

    recorded = rows(sql_backend, PasswordResetRequestRow)
    assert [(row.email, row.channel) for row in recorded] == [
        ("alice.martin@example.com", "sms"),
        ("nobody@example.com", "sms"),
    ]
    assert {row.requested_at for row in recorded} == {SQL_NOW.replace(tzinfo=None)}
    # Nothing in the row can tell an account's e-mail from a stranger's.
    assert not PasswordResetRequestRow.__table__.foreign_keys
    assert set(PasswordResetRequestRow.__table__.columns.keys()) == {
        "id",
        "email",
        "channel",
        "requested_at",
    }


# -- customers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "sender_id"),
    [
        ("rest", "demo-alice"),
        ("cmdline", "demo-alice"),
        ("sms", "+14155550101"),
        ("telegram", "100200300"),
        ("messenger", "5550001112223334"),
    ],
)
async def test_identify_alice_on_every_channel(
    sql_backend: SqlBackend, channel: str, sender_id: str
) -> None:
    customer = await sql_backend.identify_customer(channel, sender_id)

    assert customer is not None
    assert customer.customer_id == ALICE_ID
    assert customer.first_name == "Alice"
    assert customer.store_credit == Decimal("25.00")
    assert customer.loyalty_points == 1240


async def test_identify_another_customer(sql_backend: SqlBackend) -> None:
    customer = await sql_backend.identify_customer("telegram", "100200301")

    assert customer is not None and customer.first_name == "Bob"


@pytest.mark.parametrize(
    ("channel", "sender_id"),
    [
        ("sms", "+14155550199"),  # unknown number
        ("sms", "demo-alice"),  # Alice's id on another channel
        ("telegram", "+14155550101"),  # Alice's phone number, wrong channel
        ("whatsapp", "+14155550101"),
    ],
)
async def test_identify_unknown(sql_backend: SqlBackend, channel: str, sender_id: str) -> None:
    assert await sql_backend.identify_customer(channel, sender_id) is None


async def test_update_address_is_audited(sql_backend: SqlBackend) -> None:
    await sql_backend.update_address(ALICE_ID, "  7 New Road, Oakland, CA 94607 ")

    customer = await sql_backend.identify_customer("rest", "demo-alice")
    assert customer is not None
    assert customer.address == "7 New Road, Oakland, CA 94607"
    [change] = rows(sql_backend, AddressChangeRow)
    assert change.customer_id == ALICE_ID
    assert change.old_address == "12 Harbour Street, San Francisco, CA 94105"
    assert change.new_address == "7 New Road, Oakland, CA 94607"
    assert change.changed_at == SQL_NOW.replace(tzinfo=None)


async def test_update_address_to_the_same_is_not_a_change(
    sql_backend: SqlBackend,
) -> None:
    await sql_backend.update_address(ALICE_ID, "12 Harbour Street, San Francisco, CA 94105")

    assert count(sql_backend, AddressChangeRow) == 0


async def test_update_address_refuses_blank(sql_backend: SqlBackend) -> None:
    with pytest.raises(ValueError):
        await sql_backend.update_address(ALICE_ID, "   ")

    customer = await sql_backend.identify_customer("rest", "demo-alice")
    assert customer is not None and customer.address.startswith("12 Harbour")


async def test_update_address_of_missing_customer(sql_backend: SqlBackend) -> None:
    with pytest.raises(BackendUnavailable):
        await sql_backend.update_address(999, "1 Nowhere Lane")

    assert count(sql_backend, AddressChangeRow) == 0


# -- the event loop and failures ----------------------------------------------


async def test_database_work_runs_off_the_event_loop(
    sql_backend: SqlBackend, sql_clock: Any
) -> None:
    threads: list[int] = []
    frozen = sql_clock.now

    def clock() -> dt.datetime:
        threads.append(threading.get_ident())
        return frozen

    sql_backend._clock = clock  # the clock is read inside the database work
    await sql_backend.request_password_reset("a@example.com", "rest")

    assert threads and threading.get_ident() not in threads


Call = Callable[[SqlBackend], Awaitable[object]]
EVERY_METHOD: list[Call] = [
    lambda backend: backend.get_order(SHIPPED),
    lambda backend: backend.start_return(RETURNABLE),
    lambda backend: backend.cancel_order(PROCESSING),
    lambda backend: backend.request_password_reset("a@example.com", "rest"),
    lambda backend: backend.identify_customer("rest", "demo-alice"),
    lambda backend: backend.update_address(ALICE_ID, "1 Main Street"),
]
METHOD_NAMES = [
    "get_order",
    "start_return",
    "cancel_order",
    "request_password_reset",
    "identify_customer",
    "update_address",
]


@pytest.mark.parametrize("call", EVERY_METHOD, ids=METHOD_NAMES)
async def test_corrupt_database_is_unavailable(tmp_path: Path, call: Call) -> None:
    database = tmp_path / "business.db"
    database.write_bytes(b"this is not a SQLite database" * 100)
    backend = SqlBackend(ActionSettings(database_url=f"sqlite:///{database}"))
    try:
        with pytest.raises(BackendUnavailable) as raised:
            await call(backend)
    finally:
        await backend.close()

    assert isinstance(raised.value.__cause__, SQLAlchemyError)


async def test_unreachable_directory_is_unavailable_until_fixed(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("a file where the database directory should be")
    backend = SqlBackend(ActionSettings(database_url=f"sqlite:///{blocker}/db.sqlite"))
    try:
        with pytest.raises(BackendUnavailable) as raised:
            await backend.get_order(SHIPPED)
        assert isinstance(raised.value.__cause__, OSError)

        blocker.unlink()
        assert await backend.get_order(SHIPPED) is not None
    finally:
        await backend.close()


async def test_postgres_on_a_closed_port_is_unavailable() -> None:
    pytest.importorskip("psycopg2")
    backend = SqlBackend(
        ActionSettings(database_url="postgresql+psycopg2://bot:pw@127.0.0.1:1/shop")
    )
    try:
        with pytest.raises(BackendUnavailable) as raised:
            await backend.cancel_order(PROCESSING)
    finally:
        await backend.close()

    assert isinstance(raised.value.__cause__, SQLAlchemyError)
    assert "127.0.0.1" not in str(raised.value)  # no connection details leak


# -- factory ------------------------------------------------------------------


class RecordingBackend:
    """A stand-in Backend that remembers its settings.

    Written as a backend of one's own from before ``recent_orders``: without
    that optional method it must still load.
    """

    def __init__(self, settings: ActionSettings) -> None:
        self.settings = settings

    async def get_order(self, order_id: str) -> None: ...
    async def order_email_matches(self, order_id: str, email: str) -> bool: ...
    async def start_return(self, order_id: str) -> None: ...
    async def cancel_order(self, order_id: str) -> None: ...
    async def request_password_reset(self, email: str, channel: str) -> None: ...
    async def identify_customer(self, channel: str, sender_id: str) -> None: ...
    async def update_address(self, customer_id: int, address: str) -> None: ...
    async def close(self) -> None: ...


async def test_factory_builds_the_default_backend(
    sql_settings: ActionSettings,
) -> None:
    backend = create_backend(sql_settings)
    try:
        assert isinstance(backend, SqlBackend)
        assert await backend.get_order(SHIPPED) is not None
    finally:
        await backend.close()


def test_factory_builds_a_named_class(sql_settings: ActionSettings) -> None:
    settings = dataclasses.replace(sql_settings, backend=f"{__name__}:RecordingBackend")

    backend = create_backend(settings)

    assert isinstance(backend, RecordingBackend)
    assert backend.settings is settings


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("actions.backend.sql", "not of the form"),
        ("actions.backend.sql:", "not of the form"),
        (":SqlBackend", "not of the form"),
        ("actions.backend.sql:SqlBackend:extra", "not of the form"),
        ("actions.backend.nonexistent:Backend", "no module"),
        ("no_such_package.backend:Backend", "no module"),
        ("actions.backend.sql:NoSuchBackend", "no class"),
        ("actions.backend.sql:utc_now_aware", "no class"),
        ("collections:OrderedDict", "lacks Backend methods: cancel_order"),
    ],
)
def test_factory_rejects_bad_paths(sql_settings: ActionSettings, path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_backend(dataclasses.replace(sql_settings, backend=path))


def test_factory_reports_a_backend_missing_its_own_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sql_settings: ActionSettings
) -> None:
    (tmp_path / "broken_backend.py").write_text("import no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = dataclasses.replace(sql_settings, backend="broken_backend:Backend")

    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        create_backend(settings)


async def test_recent_orders_are_the_customers_own_newest_first(sql_backend: SqlBackend) -> None:
    orders = await sql_backend.recent_orders(ALICE_ID, 3)

    assert len(orders) == 3
    assert {o.customer_id for o in orders} == {ALICE_ID}
    placed = [o.placed_at for o in orders]
    assert placed == sorted(placed, reverse=True)
    # The newest three of all Alice's orders: none left out is newer.
    every = await sql_backend.recent_orders(ALICE_ID, 100)
    assert orders == every[:3]
    assert all(o.placed_at <= placed[-1] for o in every[3:])


async def test_recent_orders_of_nobody_or_none_asked(sql_backend: SqlBackend) -> None:
    assert await sql_backend.recent_orders(999_999, 3) == []
    assert await sql_backend.recent_orders(ALICE_ID, 0) == []

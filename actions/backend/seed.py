"""Sample customers and orders for demos and manual testing.

Seeded into an empty database by :class:`actions.backend.sql.SqlBackend` when
``ACTIONS_SEED_SAMPLE_DATA`` is on (the default), into the tables of
:mod:`actions.backend.tables`. Every date is relative to the
moment of seeding, so each scenario still works whenever the database is made
(delete ``var/business.db`` to re-seed). "now" below means that moment; the
return window is the default 30 days.

Customers (all e-mails at example.com; phone numbers are fictional 555-01xx)::

    customer      e-mail                   credit  points  identities (channel: sender id)
    Alice Martin  alice.martin@example.com  25.00    1240  rest, cmdline: demo-alice
                                                           sms: +14155550101
                                                           telegram: 100200300
                                                           messenger: 5550001112223334
    Bob Nguyen    bob.nguyen@example.com     0.00     310  rest, cmdline: demo-bob
                                                           sms: +14155550102
                                                           telegram: 100200301
    Carmen Rossi  carmen.rossi@example.com  10.50      75  rest, cmdline: demo-carmen
                                                           sms: +14155550103
                                                           messenger: 5550001112223335
    David Okafor  david.okafor@example.com   0.00    2890  rest, cmdline: demo-david
                                                           sms: +14155550104
                                                           telegram: 100200303

Orders::

    order     customer  status     dates                        what it demonstrates
    12345678  Alice     shipped    UPS, expected now+2 days     tracking
    23456789  Alice     delivered  5 days ago                   a return is authorised
    34567890  Alice     processing expected now+5 days          cancellation succeeds
    45678901  Alice     delivered  60 days ago                  return window closed
    56789012  Bob       cancelled  placed 20 days ago           cannot return / cancel again
    67890123  Alice     returned   delivered 10 days ago,       return already authorised
                                   RMA-4HX9TZ issued 8 days ago
    78901234  Carmen    shipped    DHL, expected yesterday      late delivery
    10293847  Bob       delivered  20 days ago                  returnable
    24681357  Carmen    processing expected now+4 days          cancellable
    89012345  David     processing expected now+6 days          cancellable
    90123456  David     delivered  2 days ago                   returnable
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from actions.backend.base import OrderStatus
from actions.backend.tables import (
    CustomerIdentityRow,
    CustomerRow,
    OrderRow,
    ReturnRow,
    to_db_time,
)

# The RMA issued for order 67890123 before the database existed.
SEEDED_RMA_NUMBER = "RMA-4HX9TZ"


@dataclass(frozen=True)
class _SampleCustomer:
    key: str
    first_name: str
    last_name: str
    email: str
    address: str
    store_credit: Decimal
    loyalty_points: int
    identities: tuple[tuple[str, str], ...]  # (channel, external id)


_CUSTOMERS = (
    _SampleCustomer(
        "alice",
        "Alice",
        "Martin",
        "alice.martin@example.com",
        "12 Harbour Street, San Francisco, CA 94105",
        Decimal("25.00"),
        1240,
        (
            ("rest", "demo-alice"),
            ("cmdline", "demo-alice"),
            ("sms", "+14155550101"),
            ("telegram", "100200300"),
            ("messenger", "5550001112223334"),
        ),
    ),
    _SampleCustomer(
        "bob",
        "Bob",
        "Nguyen",
        "bob.nguyen@example.com",
        "88 Elm Avenue, Portland, OR 97205",
        Decimal("0.00"),
        310,
        (
            ("rest", "demo-bob"),
            ("cmdline", "demo-bob"),
            ("sms", "+14155550102"),
            ("telegram", "100200301"),
        ),
    ),
    _SampleCustomer(
        "carmen",
        "Carmen",
        "Rossi",
        "carmen.rossi@example.com",
        "5 Via Roma Court, Austin, TX 78701",
        Decimal("10.50"),
        75,
        (
            ("rest", "demo-carmen"),
            ("cmdline", "demo-carmen"),
            ("sms", "+14155550103"),
            ("messenger", "5550001112223335"),
        ),
    ),
    _SampleCustomer(
        "david",
        "David",
        "Okafor",
        "david.okafor@example.com",
        "301 Lakeview Road, Chicago, IL 60611",
        Decimal("0.00"),
        2890,
        (
            ("rest", "demo-david"),
            ("cmdline", "demo-david"),
            ("sms", "+14155550104"),
            ("telegram", "100200303"),
        ),
    ),
)


def _orders(now: dt.datetime, customer_ids: dict[str, int]) -> list[OrderRow]:
    today = now.date()

    def ago(days: int, hours: int = 0) -> dt.datetime:
        return now - dt.timedelta(days=days, hours=hours)

    def in_days(days: int) -> dt.date:
        return today + dt.timedelta(days=days)

    def order(customer: str, status: OrderStatus, **fields: object) -> OrderRow:
        return OrderRow(customer_id=customer_ids[customer], status=status.value, **fields)

    return [
        order(
            "alice",
            OrderStatus.SHIPPED,
            order_id="12345678",
            placed_at=ago(3),
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
            expected_delivery=in_days(2),
            total=Decimal("89.98"),
            item_summary="2 items: running shoes, socks",
        ),
        order(
            "alice",
            OrderStatus.DELIVERED,
            order_id="23456789",
            placed_at=ago(9),
            carrier="USPS",
            tracking_number="9400111899223197428490",
            delivered_at=ago(5),
            total=Decimal("59.00"),
            item_summary="1 item: rain jacket",
        ),
        order(
            "alice",
            OrderStatus.PROCESSING,
            order_id="34567890",
            placed_at=ago(0, 2),
            expected_delivery=in_days(5),
            total=Decimal("129.00"),
            item_summary="1 item: espresso machine",
        ),
        order(
            "alice",
            OrderStatus.DELIVERED,
            order_id="45678901",
            placed_at=ago(66),
            carrier="UPS",
            tracking_number="1Z999AA10123456791",
            delivered_at=ago(60),
            total=Decimal("34.50"),
            item_summary="3 items: notebook, pens, desk lamp",
        ),
        order(
            "bob",
            OrderStatus.CANCELLED,
            order_id="56789012",
            placed_at=ago(20),
            total=Decimal("249.99"),
            item_summary="1 item: wireless headphones",
        ),
        order(
            "alice",
            OrderStatus.RETURNED,
            order_id="67890123",
            placed_at=ago(14),
            carrier="FedEx",
            tracking_number="449044304137821",
            delivered_at=ago(10),
            total=Decimal("74.00"),
            item_summary="2 items: denim jacket, belt",
        ),
        order(
            "carmen",
            OrderStatus.SHIPPED,
            order_id="78901234",
            placed_at=ago(6),
            carrier="DHL",
            tracking_number="JD014600006281230704",
            expected_delivery=in_days(-1),
            total=Decimal("42.30"),
            item_summary="2 items: yoga mat, water bottle",
        ),
        order(
            "bob",
            OrderStatus.DELIVERED,
            order_id="10293847",
            placed_at=ago(24),
            carrier="USPS",
            tracking_number="9400111899223197428513",
            delivered_at=ago(20),
            total=Decimal("19.99"),
            item_summary="1 item: phone case",
        ),
        order(
            "carmen",
            OrderStatus.PROCESSING,
            order_id="24681357",
            placed_at=ago(1),
            expected_delivery=in_days(4),
            total=Decimal("64.90"),
            item_summary="2 items: linen shirt, sun hat",
        ),
        order(
            "david",
            OrderStatus.PROCESSING,
            order_id="89012345",
            placed_at=ago(0, 5),
            expected_delivery=in_days(6),
            total=Decimal("315.00"),
            item_summary="1 item: road bike helmet",
        ),
        order(
            "david",
            OrderStatus.DELIVERED,
            order_id="90123456",
            placed_at=ago(7),
            carrier="FedEx",
            tracking_number="449044304137838",
            delivered_at=ago(2),
            total=Decimal("27.45"),
            item_summary="3 items: coffee beans, filters, mug",
        ),
    ]


def _insert(session: Session, now: dt.datetime) -> bool:
    if session.execute(select(func.count()).select_from(CustomerRow)).scalar_one():
        return False
    customer_ids: dict[str, int] = {}
    for sample in _CUSTOMERS:
        customer = CustomerRow(
            first_name=sample.first_name,
            last_name=sample.last_name,
            email=sample.email,
            address=sample.address,
            store_credit=sample.store_credit,
            loyalty_points=sample.loyalty_points,
        )
        session.add(customer)
        # Ids come from the database (a sequence on PostgreSQL): explicit ids
        # would leave the sequence behind and break the next real insert.
        session.flush()
        customer_ids[sample.key] = customer.id
        session.add_all(
            CustomerIdentityRow(channel=channel, external_id=external_id, customer_id=customer.id)
            for channel, external_id in sample.identities
        )
    session.add_all(_orders(now, customer_ids))
    session.flush()
    session.add(
        ReturnRow(
            rma_number=SEEDED_RMA_NUMBER,
            order_id="67890123",
            created_at=now - dt.timedelta(days=8),
        )
    )
    session.flush()
    return True


def seed_sample_data(session_or_engine: Session | Engine, now: dt.datetime) -> bool:
    """Insert the sample data if there are no customers yet; True if it did.

    Given an engine, commits in its own transaction. Given a session, works in
    the session's current transaction and leaves committing to the caller.
    Tables must exist. ``now`` may be naive (taken as UTC) or aware.
    """
    now = to_db_time(now)
    if isinstance(session_or_engine, Session):
        return _insert(session_or_engine, now)
    with Session(session_or_engine, future=True) as session, session.begin():
        return _insert(session, now)

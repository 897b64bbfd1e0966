"""The default backend's tables, and how its values are stored.

Shared by :mod:`actions.backend.sql` (the backend) and
:mod:`actions.backend.seed` (the sample data): sql imports seed and this
module, seed imports only this one, so imports go one way.

Tables::

    customers                 id, names, email (unique), address, store credit, points
    customer_identities       (channel, external_id) unique -> customer
    orders                    order_id (8 digits), status, carrier, dates, total
    returns                   rma_number (unique), order_id (unique), created_at
    password_reset_requests   email, channel, requested_at (every request)
    address_changes           audit trail of update_address

Times are stored as naive UTC (:func:`to_db_time`) and handed out
timezone-aware (:func:`from_db_time`); amounts are exact to the cent
(:class:`Money`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

from actions.backend.base import OrderStatus
from plumbing.clock import to_naive_utc

_CENT = Decimal("0.01")

# Naive UTC, the form every dialect stores alike (naive input is UTC): the
# backend's name for plumbing.clock's function, which sql and seed use.
to_db_time = to_naive_utc


def from_db_time(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc)


class Money(TypeDecorator):
    """A :class:`~decimal.Decimal` amount in cents precision, exact everywhere.

    SQLite has no decimal type: SQLAlchemy's ``Numeric`` would round-trip it
    through float (and warns about it), so there the amount is integer cents.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(value)
        if amount != amount.quantize(_CENT):
            raise ValueError(f"amount {amount} has fractions of a cent")
        return int(amount * 100) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(value) / 100).quantize(_CENT)
        return Decimal(value).quantize(_CENT)


Base: Any = declarative_base()

_STATUSES = ", ".join(f"'{status.value}'" for status in OrderStatus)


class CustomerRow(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    email = Column(String(320), nullable=False, unique=True)
    address = Column(Text, nullable=False)
    store_credit = Column(Money(), nullable=False, default=Decimal("0.00"))
    loyalty_points = Column(Integer, nullable=False, default=0)


class CustomerIdentityRow(Base):
    """Who is behind a sender id on a channel (a phone number, a chat id...)."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    external_id = Column(String(128), nullable=False)
    customer_id = Column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="order_status_known"),
        # The return window is counted from delivery, so it must be known.
        CheckConstraint(
            "delivered_at IS NOT NULL OR status NOT IN ('delivered', 'returned')",
            name="delivered_order_has_delivery_time",
        ),
    )

    order_id = Column(String(8), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False)
    placed_at = Column(DateTime, nullable=False)
    carrier = Column(String(32))
    tracking_number = Column(String(64))
    expected_delivery = Column(Date)
    delivered_at = Column(DateTime)
    total = Column(Money(), nullable=False)
    item_summary = Column(Text, nullable=False)


class ReturnRow(Base):
    __tablename__ = "returns"

    id = Column(Integer, primary_key=True)
    rma_number = Column(String(16), nullable=False, unique=True)
    # Unique: however many times, or however concurrently, a customer asks,
    # an order gets one RMA.
    order_id = Column(ForeignKey("orders.order_id"), nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False)


class PasswordResetRequestRow(Base):
    """A reset request as asked, deliberately not linked to any account."""

    __tablename__ = "password_reset_requests"

    id = Column(Integer, primary_key=True)
    email = Column(String(320), nullable=False)
    channel = Column(String(32), nullable=False)
    requested_at = Column(DateTime, nullable=False)


class AddressChangeRow(Base):
    __tablename__ = "address_changes"

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    old_address = Column(Text, nullable=False)
    new_address = Column(Text, nullable=False)
    changed_at = Column(DateTime, nullable=False)

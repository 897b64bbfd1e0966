"""The interface between the actions and the company's systems.

A deployment swaps in its own implementation (an HTTP client for its order
management system, say) by naming a class with the same methods in
``ACTIONS_BACKEND``; the actions never see anything but these types.

Exceptions (under actions.errors.ActionServerError, the action server's root)::

    BackendUnavailable   the system could not be reached or failed; the
                         actions apologise and ask the customer to retry
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol

from actions.errors import ActionServerError


class BackendUnavailable(ActionServerError):
    """The business system is down, timed out or failed unexpectedly.

    The message is for the log (no customer data in it); a caller is told
    only that the systems are unavailable.
    """

    http_status: ClassVar[int] = 503

    @property
    def public_message(self) -> str:
        return "the company's systems are unavailable; try again later"


class OrderStatus(str, enum.Enum):
    PROCESSING = "processing"  # paid, not yet handed to the carrier: cancellable
    SHIPPED = "shipped"  # with the carrier
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"  # a return was authorised for it


@dataclass(frozen=True)
class Order:
    order_id: str  # 8 digits
    customer_id: int
    status: OrderStatus
    placed_at: dt.datetime
    carrier: str | None
    tracking_number: str | None
    expected_delivery: dt.date | None  # for processing and shipped orders
    delivered_at: dt.datetime | None
    total: Decimal
    item_summary: str  # "2 items: running shoes, socks"


class ReturnOutcome(str, enum.Enum):
    AUTHORISED = "authorised"  # a new RMA was issued
    ALREADY_AUTHORISED = "already_authorised"  # the existing RMA is returned
    NOT_DELIVERED = "not_delivered"  # nothing to return yet
    WINDOW_CLOSED = "window_closed"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ReturnResult:
    outcome: ReturnOutcome
    rma_number: str | None = None
    return_window_days: int | None = None
    # For WINDOW_CLOSED: the last day a return could be started.
    window_closed_on: dt.date | None = None


class CancelOutcome(str, enum.Enum):
    CANCELLED = "cancelled"
    ALREADY_SHIPPED = "already_shipped"  # shipped or delivered: too late
    ALREADY_CANCELLED = "already_cancelled"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CancelResult:
    outcome: CancelOutcome
    refund_amount: Decimal | None = None


@dataclass(frozen=True)
class Customer:
    customer_id: int
    first_name: str
    store_credit: Decimal
    loyalty_points: int
    address: str


class Backend(Protocol):
    """What the actions need from the company's systems.

    Every method may raise :class:`BackendUnavailable`. Methods are async so
    that an implementation talking to a remote system never blocks the action
    server's event loop.
    """

    async def get_order(self, order_id: str) -> Order | None: ...

    async def order_email_matches(self, order_id: str, email: str) -> bool:
        """Whether ``email`` is the e-mail of the order's customer.

        Lets someone who cannot be identified by their channel prove the order
        is theirs before changing it; a plain yes/no, so it reveals nothing
        about other customers.
        """
        ...

    async def start_return(self, order_id: str) -> ReturnResult:
        """Authorise a return if the order is inside the return window."""
        ...

    async def cancel_order(self, order_id: str) -> CancelResult:
        """Cancel the order if it has not shipped; atomic with that check."""
        ...

    async def request_password_reset(self, email: str, channel: str) -> None:
        """Record a reset request; must behave the same for unknown e-mails."""
        ...

    async def identify_customer(self, channel: str, sender_id: str) -> Customer | None:
        """The customer behind a channel identity (phone number, chat id...)."""
        ...

    async def recent_orders(self, customer_id: int, limit: int) -> list[Order]:
        """The customer's latest ``limit`` orders, newest first.

        Offered to a customer who has no order number. Optional for a backend
        of one's own (see ``OPTIONAL_METHODS`` in the factory): without it the
        bot says where to find the number instead.
        """
        ...

    async def update_address(self, customer_id: int, address: str) -> None: ...

    async def close(self) -> None: ...

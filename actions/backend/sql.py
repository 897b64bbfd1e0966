"""The default backend: customers, orders and returns in a SQL database.

Runs on SQLAlchemy 1.4 with the 2.0-style API. The database is SQLite
(``var/business.db``) unless ``ACTIONS_DATABASE_URL`` names another one;
tables are created, and sample data seeded (see :mod:`actions.backend.seed`),
on first use rather than at import or construction, so a database that is down
when the action server starts only fails the requests made while it is down.

The tables are in :mod:`actions.backend.tables`. Times are stored as naive
UTC and handed out timezone-aware; the return window is counted in UTC
calendar days.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

import plumbing.db
from actions.backend.base import (
    BackendUnavailable,
    CancelOutcome,
    CancelResult,
    Customer,
    Order,
    OrderStatus,
    ReturnOutcome,
    ReturnResult,
)
from actions.backend.seed import seed_sample_data
from actions.backend.tables import (
    AddressChangeRow,
    Base,
    CustomerIdentityRow,
    CustomerRow,
    OrderRow,
    PasswordResetRequestRow,
    ReturnRow,
    from_db_time,
    to_db_time,
)
from actions.settings import ActionSettings
from plumbing.clock import utc_now_aware

logger = logging.getLogger(__name__)

# Attempts at a write that lost a race with a concurrent one; the next attempt
# sees the winner's result, so two are enough in practice.
MAX_WRITE_ATTEMPTS = 3

# No 0/O or 1/I: RMA numbers are read out over the phone and typed in by hand.
RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RMA_LENGTH = 6

_ORDER_ID = re.compile(r"[0-9]{8}")

P = ParamSpec("P")
T = TypeVar("T")
Clock = Callable[[], dt.datetime]


def new_rma_number() -> str:
    """A random, non-sequential RMA number such as ``RMA-7F3K2Q``."""
    return "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(RMA_LENGTH))


class _LostRace(BackendUnavailable):
    """Another transaction changed the order between our read and our write.

    Retried by ``_retrying``; one that escaped a write without it would be
    what it is to the actions, a system too busy to answer now.
    """


def _is_order_id(order_id: str) -> bool:
    return _ORDER_ID.fullmatch(order_id) is not None


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _to_order(row: OrderRow) -> Order:
    return Order(
        order_id=row.order_id,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        placed_at=from_db_time(row.placed_at),
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        expected_delivery=row.expected_delivery,
        delivered_at=None if row.delivered_at is None else from_db_time(row.delivered_at),
        total=row.total,
        item_summary=row.item_summary,
    )


def _to_customer(row: CustomerRow) -> Customer:
    return Customer(
        customer_id=row.id,
        first_name=row.first_name,
        store_credit=row.store_credit,
        loyalty_points=row.loyalty_points,
        address=row.address,
    )


def build_engine(database_url: str) -> Engine:
    """An engine for ``database_url``; connects to nothing yet.

    plumbing.db's BUSINESS profile: foreign keys on, SQLite's rollback journal
    (the README has operators delete the file to re-seed it); on PostgreSQL a
    connect timeout, since Rasa gives up on the action long before libpq
    would give up on a host that does not answer.
    """
    return plumbing.db.build_engine(database_url, plumbing.db.BUSINESS)


class SqlBackend:
    """:class:`~actions.backend.base.Backend` on a SQLAlchemy database.

    ``clock`` returns the current time (timezone-aware); tests freeze it.
    """

    def __init__(self, settings: ActionSettings, *, clock: Clock = utc_now_aware) -> None:
        self._settings = settings
        self._clock = clock
        self._engine = build_engine(settings.database_url)
        self._sessions = sessionmaker(self._engine, future=True, expire_on_commit=False)
        self._ready = False
        # Worker threads can race to the first use; one prepares the schema.
        self._ready_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        return self._engine

    # -- the Backend interface ------------------------------------------------

    async def get_order(self, order_id: str) -> Order | None:
        if not _is_order_id(order_id):
            return None
        return await self._run(self._get_order, order_id)

    async def order_email_matches(self, order_id: str, email: str) -> bool:
        if not _is_order_id(order_id):
            return False
        return await self._run(self._order_email_matches, order_id, email)

    async def start_return(self, order_id: str) -> ReturnResult:
        if not _is_order_id(order_id):
            return ReturnResult(ReturnOutcome.NOT_FOUND)
        return await self._run(self._retrying, self._start_return, order_id)

    async def cancel_order(self, order_id: str) -> CancelResult:
        if not _is_order_id(order_id):
            return CancelResult(CancelOutcome.NOT_FOUND)
        return await self._run(self._cancel_order, order_id)

    async def request_password_reset(self, email: str, channel: str) -> None:
        await self._run(self._record_password_reset, email, channel)

    async def identify_customer(self, channel: str, sender_id: str) -> Customer | None:
        return await self._run(self._identify_customer, channel, sender_id)

    async def recent_orders(self, customer_id: int, limit: int) -> list[Order]:
        if limit < 1:
            return []
        return await self._run(self._recent_orders, customer_id, limit)

    async def update_address(self, customer_id: int, address: str) -> None:
        """Replace the customer's address, keeping the old one in the audit.

        Raises :class:`ValueError` for a blank address (the caller validates
        what the customer typed) and :class:`BackendUnavailable` if the
        customer no longer exists.
        """
        new_address = address.strip()
        if not new_address:
            raise ValueError("the new address is blank")
        await self._run(self._update_address, customer_id, new_address)

    async def close(self) -> None:
        await asyncio.to_thread(self._engine.dispose)

    # -- plumbing -------------------------------------------------------------

    async def _run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        # The database drivers block; running them in a worker thread keeps the
        # action server's event loop serving other conversations meanwhile.
        return await asyncio.to_thread(self._guarded, partial(work, *args, **kwargs))

    def _guarded(self, work: Callable[[], T]) -> T:
        try:
            self._ensure_ready()
            return work()
        except SQLAlchemyError as exc:
            # The message names the kind of failure only: SQLAlchemy's own
            # text carries statement parameters (e-mails, addresses) into logs.
            raise BackendUnavailable(f"database error ({type(exc).__name__})") from exc

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            self._make_sqlite_directory()
            Base.metadata.create_all(self._engine)
            if self._settings.seed_sample_data:
                self._seed()
            self._ready = True

    def _make_sqlite_directory(self) -> None:
        try:
            plumbing.db.ensure_sqlite_directory(self._engine.url)
        except OSError as exc:
            raise BackendUnavailable(
                f"cannot create the directory of {self._engine.url.database}"
            ) from exc

    def _seed(self) -> None:
        try:
            with self._sessions.begin() as session:
                seed_sample_data(session, self._clock())
        except IntegrityError:
            # Another process seeded the same empty database at the same
            # moment; its rows are the same sample data.
            logger.info("sample data was seeded concurrently by another process")

    def _retrying(self, write: Callable[[str], T], order_id: str) -> T:
        for _ in range(MAX_WRITE_ATTEMPTS):
            try:
                return write(order_id)
            except (_LostRace, IntegrityError):
                # The transaction rolled back; deciding again sees the
                # concurrent writer's result (or draws a fresh RMA number).
                logger.info("write to order %s raced another; retrying", order_id)
        raise BackendUnavailable(f"order {order_id} kept changing under us")

    def _today(self) -> dt.date:
        return to_db_time(self._clock()).date()

    # -- the work, each run in a worker thread --------------------------------

    def _get_order(self, order_id: str) -> Order | None:
        with self._sessions() as session:
            row = session.get(OrderRow, order_id)
            return None if row is None else _to_order(row)

    def _order_email_matches(self, order_id: str, email: str) -> bool:
        with self._sessions() as session:
            owner_email = session.execute(
                select(CustomerRow.email)
                .join(OrderRow, OrderRow.customer_id == CustomerRow.id)
                .where(OrderRow.order_id == order_id)
            ).scalar_one_or_none()
            return owner_email is not None and owner_email == _normalise_email(email)

    def _start_return(self, order_id: str) -> ReturnResult:
        window = self._settings.return_window_days
        with self._sessions.begin() as session:
            order = session.get(OrderRow, order_id)
            if order is None:
                return ReturnResult(ReturnOutcome.NOT_FOUND)
            existing = session.execute(
                select(ReturnRow.rma_number).where(ReturnRow.order_id == order_id)
            ).scalar_one_or_none()
            status = OrderStatus(order.status)
            if existing is not None or status is OrderStatus.RETURNED:
                if existing is None:
                    logger.warning("order %s is returned but has no RMA", order_id)
                return ReturnResult(
                    ReturnOutcome.ALREADY_AUTHORISED,
                    rma_number=existing,
                    return_window_days=window,
                )
            if status is OrderStatus.CANCELLED:
                return ReturnResult(ReturnOutcome.CANCELLED)
            if status is not OrderStatus.DELIVERED:
                return ReturnResult(ReturnOutcome.NOT_DELIVERED)
            last_day = order.delivered_at.date() + dt.timedelta(days=window)
            if self._today() > last_day:
                return ReturnResult(
                    ReturnOutcome.WINDOW_CLOSED,
                    return_window_days=window,
                    window_closed_on=last_day,
                )
            rma_number = self._authorise_return(session, order_id)
        return ReturnResult(
            ReturnOutcome.AUTHORISED, rma_number=rma_number, return_window_days=window
        )

    def _authorise_return(self, session: Any, order_id: str) -> str:
        # Conditional on the status we decided on: a concurrent return or
        # cancellation that got there first leaves nothing to update.
        changed = session.execute(
            update(OrderRow)
            .where(
                OrderRow.order_id == order_id,
                OrderRow.status == OrderStatus.DELIVERED.value,
            )
            .values(status=OrderStatus.RETURNED.value)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise _LostRace(order_id)
        rma_number = new_rma_number()
        session.add(
            ReturnRow(
                rma_number=rma_number,
                order_id=order_id,
                created_at=to_db_time(self._clock()),
            )
        )
        session.flush()
        return rma_number

    def _cancel_order(self, order_id: str) -> CancelResult:
        with self._sessions.begin() as session:
            # Check and set in one statement: of two concurrent cancellations
            # exactly one matches a processing order.
            cancelled = session.execute(
                update(OrderRow)
                .where(
                    OrderRow.order_id == order_id,
                    OrderRow.status == OrderStatus.PROCESSING.value,
                )
                .values(status=OrderStatus.CANCELLED.value)
                .execution_options(synchronize_session=False)
            ).rowcount
            order = session.execute(
                select(OrderRow.status, OrderRow.total).where(OrderRow.order_id == order_id)
            ).one_or_none()
        if order is None:
            return CancelResult(CancelOutcome.NOT_FOUND)
        if cancelled == 1:
            return CancelResult(CancelOutcome.CANCELLED, refund_amount=order.total)
        if OrderStatus(order.status) is OrderStatus.CANCELLED:
            return CancelResult(CancelOutcome.ALREADY_CANCELLED)
        # Orders never go back to processing, so one we could not cancel has
        # left the warehouse (shipped, delivered or even returned).
        return CancelResult(CancelOutcome.ALREADY_SHIPPED)

    def _record_password_reset(self, email: str, channel: str) -> None:
        # The account is deliberately not looked up: the bot's answer, its
        # timing and this row are the same whether or not the e-mail is a
        # customer's. The mailer matches requests to accounts out of band.
        with self._sessions.begin() as session:
            session.add(
                PasswordResetRequestRow(
                    email=_normalise_email(email),
                    channel=channel,
                    requested_at=to_db_time(self._clock()),
                )
            )

    def _recent_orders(self, customer_id: int, limit: int) -> list[Order]:
        with self._sessions() as session:
            rows = session.scalars(
                select(OrderRow)
                .where(OrderRow.customer_id == customer_id)
                # Ties broken by number, so that the list is the same on every asking.
                .order_by(OrderRow.placed_at.desc(), OrderRow.order_id.desc())
                .limit(limit)
            ).all()
            return [_to_order(row) for row in rows]

    def _identify_customer(self, channel: str, sender_id: str) -> Customer | None:
        with self._sessions() as session:
            row = session.execute(
                select(CustomerRow)
                .join(
                    CustomerIdentityRow,
                    CustomerIdentityRow.customer_id == CustomerRow.id,
                )
                .where(
                    CustomerIdentityRow.channel == channel,
                    CustomerIdentityRow.external_id == sender_id,
                )
            ).scalar_one_or_none()
            return None if row is None else _to_customer(row)

    def _update_address(self, customer_id: int, new_address: str) -> None:
        with self._sessions.begin() as session:
            customer = session.get(CustomerRow, customer_id, with_for_update=True)
            if customer is None:
                # The id came from identify_customer moments ago; a customer
                # deleted since is a back-office inconsistency, not a typo.
                raise BackendUnavailable(f"customer {customer_id} no longer exists")
            if customer.address == new_address:
                return
            session.add(
                AddressChangeRow(
                    customer_id=customer_id,
                    old_address=customer.address,
                    new_address=new_address,
                    changed_at=to_db_time(self._clock()),
                )
            )
            customer.address = new_address

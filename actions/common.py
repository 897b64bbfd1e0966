"""What every action shares: the backend, the customer's channel identity, formatting."""
from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal

from rasa_sdk import Tracker

from actions.backend import Backend, Order
from actions.backend.factory import create_backend
from actions.settings import ActionSettings

logger = logging.getLogger(__name__)

_shared_backend: Backend | None = None


def shared_backend() -> Backend:
    """The process-wide backend, created on first use.

    rasa-sdk instantiates action classes itself, with no arguments, when it
    imports this package; creating the backend lazily keeps engines and
    clients out of import time.
    """
    global _shared_backend
    if _shared_backend is None:
        _shared_backend = create_backend(ActionSettings.from_env())
    return _shared_backend


class UsesBackend:
    """Mixin for actions: ``self.backend`` is injected in tests, shared otherwise."""

    def __init__(self, backend: Backend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> Backend:
        return self._backend if self._backend is not None else shared_backend()


def channel_identity(tracker: Tracker) -> tuple[str, str]:
    """The (channel, sender id) pair the backend identifies customers by."""
    return tracker.get_latest_input_channel() or "unknown", tracker.sender_id


SPANISH = "es"

# Spanish names by hand: strftime's %A/%B follow the process-wide locale,
# which cannot change per conversation, and Babel would be a dependency for
# two tables of names.
_SPANISH_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_SPANISH_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)


def conversation_language(tracker: Tracker) -> str:
    """``"es"`` or ``"en"``: the language the customer is answered in.

    The domain's responses pick their variation from the ``language`` slot;
    values the actions format themselves (dates, fallbacks) must follow it.
    Anything but Spanish is English, the bot's default.
    """
    value = tracker.get_slot("language")
    return SPANISH if isinstance(value, str) and value.casefold() == SPANISH else "en"


def format_money(amount: Decimal) -> str:
    # US dollars written the US way in both languages: it is how prices read
    # on the site and on the receipts the customer holds.
    return f"${amount:,.2f}"


def format_date(day: dt.date, language: str = "en") -> str:
    """ "Tuesday 24 November", or "martes 24 de noviembre" for Spanish."""
    if language == SPANISH:
        return f"{_SPANISH_WEEKDAYS[day.weekday()]} {day.day} de {_SPANISH_MONTHS[day.month - 1]}"
    # Day before month: unambiguous for customers on both sides of the Atlantic.
    return f"{day:%A} {day.day} {day:%B}"


async def is_own_order(backend: Backend, tracker: Tracker, order: Order) -> bool:
    """Whether the conversation's channel identity is the order's customer."""
    channel, sender_id = channel_identity(tracker)
    customer = await backend.identify_customer(channel, sender_id)
    return customer is not None and customer.customer_id == order.customer_id


async def may_change_order(backend: Backend, tracker: Tracker, order: Order) -> bool:
    """Whether this conversation has shown that the order is its customer's.

    Either the channel identity is the order's customer, or the customer gave
    the e-mail on the order (slot ``order_email``). Checked again by the
    actions that change orders, not only by the forms, so that no dialogue
    path can skip it.
    """
    if await is_own_order(backend, tracker, order):
        return True
    email = tracker.get_slot("order_email")
    return bool(email) and await backend.order_email_matches(order.order_id, email)


async def may_see_order_details(backend: Backend, tracker: Tracker, order: Order) -> bool:
    """Whether this conversation may be told what is in an order and its tracking number.

    The same proof as for changing it (:func:`may_change_order`): the items
    say what someone bought, and a tracking number leads to their address on
    the carrier's site. Anyone with the number still learns the status and
    the expected date, which is what a guessed number should give away at
    most.
    """
    return await may_change_order(backend, tracker, order)


def said_in_latest_message(tracker: Tracker, order_id: str) -> bool:
    """Whether the customer's latest message holds this order number.

    Compared on digits only, so "#2345-6789" holds 23456789. A number that is
    not there came from earlier in the conversation.
    """
    digits = re.sub(r"\D", "", tracker.latest_message.get("text") or "")
    return order_id in digits

"""Order status and cancellation."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, CancelOutcome, Order, OrderStatus
from actions.common import (
    SPANISH,
    UsesBackend,
    conversation_language,
    format_date,
    format_money,
    may_change_order,
    may_see_order_details,
    said_in_latest_message,
)

logger = logging.getLogger(__name__)

STATUS_RESPONSES = {
    OrderStatus.PROCESSING: "utter_order_status_processing",
    OrderStatus.SHIPPED: "utter_order_status_shipped",
    OrderStatus.DELIVERED: "utter_order_status_delivered",
    OrderStatus.CANCELLED: "utter_order_status_cancelled",
    OrderStatus.RETURNED: "utter_order_status_returned",
}


# What a conversation that has not shown the order is its own hears: the
# status and the expected (or delivery) date, and nothing of the items, the
# carrier or the tracking number, so that a guessed or mistyped number gives
# away no more than that. Responses in the domain, like every other reply, so
# that Rasa picks the customer's language.
SUMMARY_RESPONSES = {
    "utter_order_status_processing": "utter_order_summary_processing",
    "utter_order_status_shipped": "utter_order_summary_shipped",
    "utter_order_status_late": "utter_order_summary_late",
    "utter_order_status_delivered": "utter_order_summary_delivered",
    "utter_order_status_cancelled": "utter_order_summary_cancelled",
    "utter_order_status_returned": "utter_order_summary_returned",
}
SUMMARY_VALUES = ("order_id", "expected", "delivered")

# Words the actions put into a response when the order lacks a value. They sit
# inside a sentence the domain has already put in the customer's language.
FALLBACK_WORDS = {
    "en": {
        "carrier": "our courier",
        "tracking": "not available yet",
        "expected": "soon",
        "amount": "the full amount",
    },
    SPANISH: {
        "carrier": "nuestra paquetería",
        "tracking": "aún no disponible",
        "expected": "pronto",
        "amount": "el monto total",
    },
}


def order_details(order: Order, language: str = "en") -> dict[str, Any]:
    """The values the order responses in the domain can refer to, in ``language``."""
    words = FALLBACK_WORDS[language]
    expected = order.expected_delivery
    return {
        "order_id": order.order_id,
        "items": order.item_summary,
        "carrier": order.carrier or words["carrier"],
        "tracking": order.tracking_number or words["tracking"],
        "expected": format_date(expected, language) if expected else words["expected"],
        "delivered": format_date(order.delivered_at.date(), language) if order.delivered_at else "",
    }


def status_response(order: Order, today: dt.date) -> str:
    if (
        order.status is OrderStatus.SHIPPED
        and order.expected_delivery is not None
        and order.expected_delivery < today
    ):
        return "utter_order_status_late"
    return STATUS_RESPONSES[order.status]


class ActionCheckOrderStatus(UsesBackend, Action):
    def name(self) -> str:
        return "action_check_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order_id = tracker.get_slot("order_id")
        if not order_id:
            dispatcher.utter_message(response="utter_ask_order_id")
            return []
        try:
            order = await self.backend.get_order(order_id)
            theirs = order is not None and await may_see_order_details(
                self.backend, tracker, order
            )
        except BackendUnavailable:
            logger.warning("backend unavailable during an order status lookup")
            dispatcher.utter_message(response="utter_backend_down")
            return []
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=order_id)
            return [SlotSet("order_id", None)]
        response = status_response(order, dt.date.today())
        details = order_details(order, conversation_language(tracker))
        if theirs:
            dispatcher.utter_message(response=response, **details)
        else:
            # Only what the summary shows: the other values would travel to
            # Rasa (and its logs) with the message even though no text uses them.
            shown = {key: details[key] for key in SUMMARY_VALUES}
            dispatcher.utter_message(response=SUMMARY_RESPONSES[response], **shown)
        if not said_in_latest_message(tracker, order_id):
            # The number came from earlier in the conversation, not from the
            # message that asked: the customer may have meant another order.
            dispatcher.utter_message(response="utter_order_earlier_note")
        return []


REFUSAL_RESPONSES = {
    CancelOutcome.ALREADY_SHIPPED: "utter_cancel_too_late",
    CancelOutcome.ALREADY_CANCELLED: "utter_cancel_already_cancelled",
    CancelOutcome.NOT_FOUND: "utter_order_not_found_retry",
}


class ActionCancelOrder(UsesBackend, Action):
    """Runs after cancel_form: cancels if confirmed, otherwise says why not."""

    def name(self) -> str:
        return "action_cancel_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order_id = tracker.get_slot("order_id")
        events: list[EventType] = [SlotSet("cancel_confirmed", None), SlotSet("order_email", None)]
        if not order_id:
            dispatcher.utter_message(response="utter_ask_order_id")
            return events
        try:
            response, values = await self._reply(tracker, order_id)
        except BackendUnavailable:
            logger.warning("backend unavailable during a cancellation")
            dispatcher.utter_message(response="utter_backend_down")
            return events
        dispatcher.utter_message(response=response, **values)
        if response == "utter_order_not_found_retry":
            events.append(SlotSet("order_id", None))
        return events

    async def _reply(self, tracker: Tracker, order_id: str) -> tuple[str, dict[str, Any]]:
        """What to tell the customer (a response name and its values), cancelling if due."""
        order = await self.backend.get_order(order_id)
        refusal = cancel_refusal(order)
        if refusal is not None or order is None:
            return REFUSAL_RESPONSES[refusal or CancelOutcome.NOT_FOUND], {"order_id": order_id}
        if not tracker.get_slot("cancel_confirmed"):
            return "utter_cancel_kept", {"order_id": order_id}
        if not await may_change_order(self.backend, tracker, order):
            return "utter_cannot_verify_order", {}
        # The backend re-checks atomically: the order may have shipped since
        # the customer was asked.
        result = await self.backend.cancel_order(order_id)
        if result.outcome is not CancelOutcome.CANCELLED:
            return REFUSAL_RESPONSES[result.outcome], {"order_id": order_id}
        amount = (
            format_money(result.refund_amount)
            if result.refund_amount
            else FALLBACK_WORDS[conversation_language(tracker)]["amount"]
        )
        return "utter_order_cancelled", {"order_id": order_id, "amount": amount}


def cancel_refusal(order: Order | None) -> CancelOutcome | None:
    """Why the order cannot be cancelled, or None if it still can be."""
    if order is None:
        return CancelOutcome.NOT_FOUND
    if order.status is OrderStatus.PROCESSING:
        return None
    if order.status is OrderStatus.CANCELLED:
        return CancelOutcome.ALREADY_CANCELLED
    return CancelOutcome.ALREADY_SHIPPED

"""Finding an order for a customer who has no order number.

"I don't have the order number" (intent ``no_order_number``, set by
bot/nlu/no_order_number.py) used to stop the form the customer was in. Now a
customer the channel identifies is shown their latest orders, each a button
that goes on with what they were doing (tracking, a return, a cancellation);
anyone else is told where else the number is and that a person can find the
order without it. The form stays open, so the number can still be typed.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, Order
from actions.common import UsesBackend, channel_identity, conversation_language, format_date

logger = logging.getLogger(__name__)

# At most this many orders offered: a phone screen of buttons, and WhatsApp
# shows three reply buttons before it falls back to a list.
RECENT_ORDERS = 3
# What choosing an order does, by the form the customer is in: the intent
# that starts (or goes on with) that task, with the order number as entity.
FORM_INTENTS = {
    "order_status_form": "check_order_status",
    "return_form": "start_return",
    "cancel_form": "cancel_order",
}
DEFAULT_INTENT = "check_order_status"


def order_line(order: Order, language: str) -> str:
    """ "23456789, placed Tuesday 2 November: running shoes": what tells orders apart."""
    placed = format_date(order.placed_at.date(), language)
    word = "del" if language == "es" else "placed"
    return f"{order.order_id}, {word} {placed}: {order.item_summary}"


def order_button(order: Order, intent: str) -> dict[str, Any]:
    # Rasa reads an intent and its entities straight from a payload like this
    # one, without the NLU: the number chosen cannot be misread.
    return {"title": order.order_id, "payload": f'/{intent}{{"order_id":"{order.order_id}"}}'}


class ActionFindOrder(UsesBackend, Action):
    def name(self) -> str:
        return "action_find_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        orders = await self._recent_orders(tracker)
        if not orders:
            dispatcher.utter_message(response="utter_find_order_number")
            return []
        language = conversation_language(tracker)
        intent = FORM_INTENTS.get(str((tracker.active_loop or {}).get("name")), DEFAULT_INTENT)
        dispatcher.utter_message(
            response="utter_pick_recent_order",
            orders="\n".join(f"{i}. {order_line(o, language)}" for i, o in enumerate(orders, 1)),
            buttons=[order_button(o, intent) for o in orders],
        )
        return []

    async def _recent_orders(self, tracker: Tracker) -> list[Order]:
        """The identified customer's latest orders; none for anyone else, or when unavailable."""
        recent = getattr(self.backend, "recent_orders", None)
        if recent is None:  # a backend of one's own, written before the method
            return []
        channel, sender_id = channel_identity(tracker)
        try:
            customer = await self.backend.identify_customer(channel, sender_id)
            if customer is None:
                return []
            orders: list[Order] = await recent(customer.customer_id, RECENT_ORDERS)
        except BackendUnavailable:
            # Where to find the number helps as much, and needs no system.
            logger.warning("backend unavailable while listing a customer's orders")
            return []
        return orders

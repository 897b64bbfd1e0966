"""Returns: authorise against the return window, or explain why not."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, ReturnOutcome
from actions.common import UsesBackend, conversation_language, format_date, may_change_order

logger = logging.getLogger(__name__)


class ActionStartReturn(UsesBackend, Action):
    def name(self) -> str:
        return "action_start_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order_id = tracker.get_slot("order_id")
        events: list[EventType] = [SlotSet("order_email", None)]
        if not order_id:
            dispatcher.utter_message(response="utter_ask_order_id")
            return events
        try:
            order = await self.backend.get_order(order_id)
            if order is not None and not await may_change_order(self.backend, tracker, order):
                dispatcher.utter_message(response="utter_cannot_verify_order")
                return events
            result = await self.backend.start_return(order_id)
        except BackendUnavailable:
            logger.warning("backend unavailable while starting a return")
            dispatcher.utter_message(response="utter_backend_down")
            return events

        outcome = result.outcome
        if outcome is ReturnOutcome.AUTHORISED:
            dispatcher.utter_message(
                response="utter_return_authorised",
                order_id=order_id,
                rma=result.rma_number,
                days=result.return_window_days,
            )
        elif outcome is ReturnOutcome.ALREADY_AUTHORISED:
            dispatcher.utter_message(
                response="utter_return_already_authorised", order_id=order_id, rma=result.rma_number
            )
        elif outcome is ReturnOutcome.NOT_DELIVERED:
            dispatcher.utter_message(response="utter_return_not_delivered", order_id=order_id)
        elif outcome is ReturnOutcome.WINDOW_CLOSED:
            dispatcher.utter_message(
                response="utter_return_window_closed",
                order_id=order_id,
                days=result.return_window_days,
                closed_on=(
                    format_date(result.window_closed_on, conversation_language(tracker))
                    if result.window_closed_on
                    else ""
                ),
            )
        elif outcome is ReturnOutcome.CANCELLED:
            dispatcher.utter_message(response="utter_return_order_cancelled", order_id=order_id)
        else:
            dispatcher.utter_message(response="utter_order_not_found_retry", order_id=order_id)
            events.append(SlotSet("order_id", None))
        return events

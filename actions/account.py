"""Account actions: password reset, balance, address change."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable
from actions.common import UsesBackend, channel_identity, format_money

logger = logging.getLogger(__name__)


class ActionResetPassword(UsesBackend, Action):
    def name(self) -> str:
        return "action_reset_password"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        email = tracker.get_slot("email")
        if not email:
            dispatcher.utter_message(response="utter_ask_email")
            return []
        channel, _ = channel_identity(tracker)
        try:
            await self.backend.request_password_reset(email, channel)
        except BackendUnavailable:
            logger.warning("backend unavailable while recording a password reset")
            dispatcher.utter_message(response="utter_backend_down")
            return []
        # The same answer whether or not an account exists: the bot must not
        # let anyone probe which e-mails are customers'.
        dispatcher.utter_message(response="utter_password_reset_sent", email=email)
        return []


class ActionCheckBalance(UsesBackend, Action):
    def name(self) -> str:
        return "action_check_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel, sender_id = channel_identity(tracker)
        try:
            customer = await self.backend.identify_customer(channel, sender_id)
        except BackendUnavailable:
            logger.warning("backend unavailable while checking a balance")
            dispatcher.utter_message(response="utter_backend_down")
            return []
        if customer is None:
            dispatcher.utter_message(response="utter_cannot_identify")
            return []
        dispatcher.utter_message(
            response="utter_balance",
            first_name=customer.first_name,
            credit=format_money(customer.store_credit),
            # Grouped the US way in Spanish too, like the dollars (format_money).
            points=f"{customer.loyalty_points:,}",
        )
        return []


class ActionUpdateAddress(UsesBackend, Action):
    """Runs after address_form, which ends at once for an unidentified customer."""

    def name(self) -> str:
        return "action_update_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [SlotSet("new_address", None), SlotSet("address_confirmed", None)]
        channel, sender_id = channel_identity(tracker)
        try:
            customer = await self.backend.identify_customer(channel, sender_id)
            if customer is None:
                dispatcher.utter_message(response="utter_cannot_identify")
                return reset
            address = tracker.get_slot("new_address")
            if not address or not tracker.get_slot("address_confirmed"):
                dispatcher.utter_message(response="utter_address_unchanged")
                return reset
            await self.backend.update_address(customer.customer_id, address)
        except BackendUnavailable:
            logger.warning("backend unavailable while updating an address")
            dispatcher.utter_message(response="utter_backend_down")
            return reset
        dispatcher.utter_message(
            response="utter_address_updated", first_name=customer.first_name, new_address=address
        )
        return reset

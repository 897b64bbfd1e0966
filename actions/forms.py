"""Validation of the forms' slots: order numbers, e-mails, addresses.

Each form named ``X_form`` in the domain has a ``validate_X_form`` action here.
A value that is wrong gets a message saying what is wrong and is asked for
again; a message with nothing like a value in it is left to the dialogue
policies (the customer changed the subject).

An order number from earlier in the conversation is not silently reused to
change an order: "cancel my order" after a return for 23456789 asks "is this
about order 23456789?", and a yes, a no or another number answers it.
"""
from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, Order
from actions.common import UsesBackend, channel_identity, is_own_order, said_in_latest_message
from actions.orders import cancel_refusal

logger = logging.getLogger(__name__)

ORDER_ID = re.compile(r"\d{8}")
# Digits, optionally grouped by spaces, dashes or dots ("1234 5678", "#1234-5678").
DIGIT_GROUPS = re.compile(r"#?\d[\d\s.\-]*\d|#?\d")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MIN_ADDRESS_LENGTH = 10
# Answers "I don't have the order number" inside the forms (actions/lookup.py).
FIND_ORDER_ACTION = "action_find_order"


def normalise_order_id(text: str) -> str | None:
    """``"#1234-5678"`` -> ``"12345678"``; None when it is not 8 digits."""
    digits = re.sub(r"[\s.#\-]", "", text)
    return digits if ORDER_ID.fullmatch(digits) else None


def clean_email(value: Any) -> str | None:
    """The e-mail address, lower-cased, or None when it is not one."""
    email = str(value).strip().strip("<>.,;").lower()
    return email if EMAIL.fullmatch(email) else None


def _mistyped_email(tracker: Tracker, slot: str) -> str | None:
    """The text of a reply meant as an e-mail address but not one ("jane@gmail").

    Returned so that validation says what is wrong, instead of the form
    silently asking again.
    """
    if not _requested(tracker, slot) or _has_entity(tracker, "email"):
        return None
    text = (tracker.latest_message.get("text") or "").strip()
    if "@" in text or re.search(r"\bat\b.*\bdot\b", text, re.IGNORECASE):
        return text
    return None


def _requested(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _has_entity(tracker: Tracker, entity: str) -> bool:
    return any(e.get("entity") == entity for e in tracker.latest_message.get("entities", []))


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


class OrderIdValidation(FormValidationAction, ABC):
    """Shared by the forms that ask for an order number."""

    # Whether an order number from earlier in the conversation must be
    # confirmed before the form goes on with it (see validate_order_id).
    confirms_earlier_order = False

    @abstractmethod
    def name(self) -> str: ...

    async def extract_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The regex entity catches well-formed numbers; here we catch what a
        # customer types when asked for one ("1234 5678", "1234567") so that
        # validation can accept or explain it.
        if not _requested(tracker, "order_id") or _has_entity(tracker, "order_id"):
            return {}
        text = tracker.latest_message.get("text") or ""
        candidates = [] if text.startswith("/") else [  # a button payload is not typed digits
            m.group(0).strip() for m in DIGIT_GROUPS.finditer(text)
        ]
        if not candidates:
            return self._answer_to_suggestion(tracker)
        for candidate in candidates:
            if normalise_order_id(candidate):
                return {"order_id": candidate}
        return {"order_id": max(candidates, key=len)}

    @staticmethod
    def _answer_to_suggestion(tracker: Tracker) -> dict[str, Any]:
        """A yes or a no to "is this about order X?", without a number.

        Yes takes the suggested order. No is returned as an empty order
        number, which validate_order_id turns into the plain question: an
        extraction that fills nothing would make Rasa hand the "no" to the
        rules, which read it as stopping the form.
        """
        suggested = tracker.get_slot("suggested_order_id")
        if not suggested:
            return {}
        intent = _intent(tracker)
        if intent == "affirm":
            return {"order_id": suggested}
        if intent == "deny":
            return {"order_id": None}
        return {}

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if slot_value is None:  # "no" to the suggested order: ask for the number
            return {"order_id": None, "suggested_order_id": None}
        order_id = normalise_order_id(str(slot_value))
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id", value=slot_value)
            return {"order_id": None}
        if self._reused_from_earlier(tracker, order_id):
            # The form's question (action_ask_order_id) then names it and
            # takes a yes or another number.
            return {"order_id": None, "suggested_order_id": order_id}
        if tracker.get_slot("suggested_order_id"):  # answered: forget the suggestion
            return {"order_id": order_id, "suggested_order_id": None}
        return {"order_id": order_id}

    def _reused_from_earlier(self, tracker: Tracker, order_id: str) -> bool:
        """Whether the form starts with an order number the customer gave before."""
        return (
            self.confirms_earlier_order
            and self._starting(tracker)
            and not said_in_latest_message(tracker, order_id)
        )

    def _starting(self, tracker: Tracker) -> bool:
        """Whether Rasa is validating the slots filled before this form started.

        Rasa marks the form active, with the message that started it as the
        trigger, before it validates those slots; on later turns the latest
        message is another one.
        """
        loop = tracker.active_loop or {}
        if loop.get("name") != self.form_name():
            return True
        trigger = (loop.get("trigger_message") or {}).get("message_id")
        return trigger is not None and trigger == tracker.latest_message.get("message_id")


def _last_action(tracker: Tracker) -> str | None:
    """The name of the last action run before the form that is asking.

    Rasa hands the ask action a tracker ending with the form's own run (and
    then what its validation changed), so that run is passed over.
    """
    form = (tracker.active_loop or {}).get("name")
    event = tracker.get_last_event_for("action", exclude=[form] if form else [])
    return None if event is None or not event.get("name") else str(event["name"])


class ActionAskOrderId(Action):
    """The forms' question for the order number: the earlier order offered back, if any.

    A response alone cannot do it in every language: Rasa picks at random
    among the variations whose conditions hold, and a condition cannot say
    "suggested_order_id is not null".
    """

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _last_action(tracker) == FIND_ORDER_ACTION:
            # Its answer (the customer's orders, or where the number is) asked already.
            return []
        suggested = tracker.get_slot("suggested_order_id")
        if suggested:
            dispatcher.utter_message(
                response="utter_ask_order_id_suggested", suggested_order_id=suggested
            )
        else:
            dispatcher.utter_message(response="utter_ask_order_id")
        return []


class ValidateOrderStatusForm(OrderIdValidation):
    def name(self) -> str:
        return "validate_order_status_form"


class OrderChangeValidation(UsesBackend, OrderIdValidation, ABC):
    """Forms that change an order: it must exist, and be shown to be the customer's.

    The e-mail on the order is asked for only when the channel identity does
    not already show the order is the customer's own. An order number from
    earlier in the conversation is confirmed before anything else.
    """

    confirms_earlier_order = True

    def ends_early(self, order: Order) -> bool:
        """Whether there is nothing to ask the customer about this order."""
        return False

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        order_id = tracker.get_slot("order_id")
        if not order_id:
            return domain_slots
        try:
            order = await self.backend.get_order(order_id)
            if order is None or self.ends_early(order):
                # Nothing more to ask (validate_order_id ends the form). Left
                # with the other slots, rasa-sdk's next_requested_slot would
                # request the next one after that and undo the ending, asking
                # an identified customer to confirm cancelling a shipped order.
                return [s for s in domain_slots if s == "order_id"]
            own = await is_own_order(self.backend, tracker, order)
        except BackendUnavailable:
            return domain_slots
        return [s for s in domain_slots if s != "order_email"] if own else domain_slots

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        result = await super().validate_order_id(slot_value, dispatcher, tracker, domain)
        order_id = result["order_id"]
        if order_id is None:
            return result
        try:
            order = await self.backend.get_order(order_id)
        except BackendUnavailable:
            logger.warning("backend unavailable while validating an order number")
            return {**result, "requested_slot": None}
        # An unknown order, or one with nothing to confirm: end the form and
        # let the submit action explain.
        if order is None or self.ends_early(order):
            return {**result, "requested_slot": None}
        return result

    async def extract_order_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        mistyped = _mistyped_email(tracker, "order_email")
        return {} if mistyped is None else {"order_email": mistyped}

    async def validate_order_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        email = clean_email(slot_value)
        order_id = tracker.get_slot("order_id")
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"order_email": None}
        try:
            matches = await self.backend.order_email_matches(order_id, email)
        except BackendUnavailable:
            logger.warning("backend unavailable while verifying an order e-mail")
            return {"order_email": email, "requested_slot": None}
        if not matches:
            dispatcher.utter_message(response="utter_order_email_mismatch", order_id=order_id)
            return {"order_email": None}
        return {"order_email": email}


class ValidateReturnForm(OrderChangeValidation):
    def name(self) -> str:
        return "validate_return_form"


class ValidateCancelForm(OrderChangeValidation):
    def name(self) -> str:
        return "validate_cancel_form"

    def ends_early(self, order: Order) -> bool:
        # Ask "are you sure?" only about an order that can still be cancelled.
        return cancel_refusal(order) is not None


class ValidatePasswordResetForm(FormValidationAction):
    def name(self) -> str:
        return "validate_password_reset_form"

    async def extract_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        mistyped = _mistyped_email(tracker, "email")
        return {} if mistyped is None else {"email": mistyped}

    async def validate_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        email = clean_email(slot_value)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"email": email}


class ValidateAddressForm(UsesBackend, FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Don't ask a stranger for an address we will not be allowed to store:
        # end the form at once and let action_update_address explain.
        channel, sender_id = channel_identity(tracker)
        try:
            customer = await self.backend.identify_customer(channel, sender_id)
        except BackendUnavailable:
            logger.warning("backend unavailable while identifying a customer")
            customer = None
        if customer is None:
            return [SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    async def validate_new_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        address = " ".join(str(slot_value).split())
        looks_complete = (
            len(address) >= MIN_ADDRESS_LENGTH
            and re.search(r"\d", address) is not None
            and len(re.findall(r"[A-Za-z]{2,}", address)) >= 2
        )
        if not looks_complete:
            dispatcher.utter_message(response="utter_invalid_address")
            return {"new_address": None}
        return {"new_address": address}

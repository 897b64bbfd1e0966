"""Tests of actions/forms.py: what the forms accept, reject and skip.

Orders, customers and senders are the fake backend's sample data (see
conftest.py): ``demo-alice`` on the REST channel is Alice, who owns
34567890 (processing), 12345678 (shipped) and 23456789 (delivered).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    ActionAskOrderId,
    OrderChangeValidation,
    ValidateAddressForm,
    ValidateCancelForm,
    ValidateOrderStatusForm,
    ValidatePasswordResetForm,
    ValidateReturnForm,
)
from tests.actions.conftest import render

if TYPE_CHECKING:
    from tests.actions.conftest import FakeBackend, MakeTracker

# Rasa's form ends when the last requested_slot its validation action set is None.
NOT_SET = object()


def last_requested_slot(events: list[dict[str, Any]]) -> object:
    """The last value the events give requested_slot, as Rasa's form reads it."""
    values = [
        e["value"] for e in events if e.get("event") == "slot" and e["name"] == "requested_slot"
    ]
    return values[-1] if values else NOT_SET


def slot_events(events: list[dict[str, Any]]) -> Mapping[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- the order number -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["12345678", "1234 5678", "#1234-5678", "it's 1234-5678 I think", "order 1234.5678"],
)
async def test_typed_order_numbers_are_normalised(
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    text: str,
) -> None:
    form = ValidateOrderStatusForm()
    tracker = make_tracker(text=text, slots={"requested_slot": "order_id"})

    extracted = await form.extract_order_id(dispatcher, tracker, domain)
    validated = await form.validate_order_id(extracted["order_id"], dispatcher, tracker, domain)

    assert validated == {"order_id": "12345678"}
    assert dispatcher.messages == []


@pytest.mark.parametrize("text", ["1234567", "123456789", "my order is 1234-567"])
async def test_numbers_of_the_wrong_length_are_explained_and_asked_again(
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    text: str,
) -> None:
    form = ValidateOrderStatusForm()
    tracker = make_tracker(text=text, slots={"requested_slot": "order_id"})

    extracted = await form.extract_order_id(dispatcher, tracker, domain)
    validated = await form.validate_order_id(extracted["order_id"], dispatcher, tracker, domain)

    assert validated == {"order_id": None}
    [message] = dispatcher.messages
    assert message["response"] == "utter_invalid_order_id"
    assert message["value"] == extracted["order_id"]


async def test_a_wrong_number_is_rejected_by_a_whole_form_run(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(text="1234567", slots={"requested_slot": "order_id"})

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    assert slot_events(events) == {"order_id": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_order_id"]


@pytest.mark.parametrize(
    ("text", "slots", "entities"),
    [
        # Nothing like a number: the customer changed the subject.
        ("actually, what are your opening hours?", {"requested_slot": "order_id"}, []),
        # A button's payload, not typed digits.
        ('/inform{"order_id":"12345678"}', {"requested_slot": "order_id"}, []),
        # The form is asking for something else.
        ("1234 5678", {"requested_slot": "order_email"}, []),
        ("1234 5678", {}, []),
        # The entity already carries the number, through its own slot mapping.
        (
            "12345678",
            {"requested_slot": "order_id"},
            [{"entity": "order_id", "value": "12345678"}],
        ),
    ],
    ids=["no-digits", "button-payload", "other-slot-requested", "no-form", "entity"],
)
async def test_order_number_is_not_extracted_from_other_messages(
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    text: str,
    slots: dict[str, Any],
    entities: list[dict[str, Any]],
) -> None:
    tracker = make_tracker(text=text, slots=slots, entities=entities)

    extracted = await ValidateOrderStatusForm().extract_order_id(dispatcher, tracker, domain)

    assert extracted == {}
    assert dispatcher.messages == []


# --- forms that change an order: existence, ownership --------------------------------


@pytest.mark.parametrize("order_id", ["99999999", "12345678", "56789012"])
async def test_cancel_form_ends_for_an_order_with_nothing_to_confirm(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str,
) -> None:
    # Unknown, shipped, already cancelled: action_cancel_order explains.
    form = ValidateCancelForm(backend=fake_backend)
    tracker = make_tracker(
        text=order_id,
        slots={"requested_slot": "order_id"},
        new_slots={"order_id": order_id},
        active_loop="cancel_form",
    )

    validated = await form.validate_order_id(order_id, dispatcher, tracker, domain)

    assert validated == {"order_id": order_id, "requested_slot": None}
    assert dispatcher.messages == []


@pytest.mark.parametrize("sender_id", ["demo-alice", "unknown-visitor"])
@pytest.mark.parametrize("order_id", ["99999999", "12345678"])
async def test_cancel_form_run_asks_no_confirmation_for_an_order_with_nothing_to_confirm(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    order_id: str,
    sender_id: str,
) -> None:
    tracker = make_tracker(
        text=order_id,
        slots={"requested_slot": "order_id"},
        new_slots={"order_id": order_id},
        sender_id=sender_id,
    )

    events = await ValidateCancelForm(backend=fake_backend).run(dispatcher, tracker, domain)

    # Neither "are you sure?" nor the e-mail: the form ends.
    assert last_requested_slot(events) is None
    assert slot_events(events)["order_id"] == order_id


async def test_cancel_form_asks_the_owner_to_confirm_a_cancellable_order(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    form = ValidateCancelForm(backend=fake_backend)
    tracker = make_tracker(
        text="34567890", slots={"requested_slot": "order_id"}, new_slots={"order_id": "34567890"}
    )

    assert await form.validate_order_id("34567890", dispatcher, tracker, domain) == {
        "order_id": "34567890"
    }
    events = await form.run(dispatcher, tracker, domain)

    # Identified by the channel: no e-mail needed, straight to the confirmation.
    assert last_requested_slot(events) == "cancel_confirmed"
    assert dispatcher.messages == []


async def test_cancel_form_takes_a_spaced_number_from_the_owner_then_asks_to_confirm(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    # No entity: the regex only catches 8 digits in a row, so the form extracts.
    tracker = make_tracker(text="it's 3456 7890", slots={"requested_slot": "order_id"})

    events = await ValidateCancelForm(backend=fake_backend).run(dispatcher, tracker, domain)

    assert slot_events(events)["order_id"] == "34567890"
    assert last_requested_slot(events) == "cancel_confirmed"
    assert dispatcher.messages == []


async def test_cancel_form_asks_a_stranger_for_the_email_on_a_cancellable_order(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        text="34567890",
        slots={"requested_slot": "order_id"},
        new_slots={"order_id": "34567890"},
        sender_id="unknown-visitor",
    )

    events = await ValidateCancelForm(backend=fake_backend).run(dispatcher, tracker, domain)

    # Left to Rasa's form, which asks the next empty required slot: order_email.
    assert last_requested_slot(events) in (NOT_SET, "order_email")
    assert slot_events(events)["order_id"] == "34567890"


@pytest.mark.parametrize(
    ("form_class", "order_id", "sender_id", "required"),
    [
        (ValidateCancelForm, "34567890", "demo-alice", ["order_id", "cancel_confirmed"]),
        (
            ValidateCancelForm,
            "34567890",
            "unknown-visitor",
            ["order_id", "order_email", "cancel_confirmed"],
        ),
        # Identified, but as another customer than the order's.
        (
            ValidateCancelForm,
            "34567890",
            "demo-bob",
            ["order_id", "order_email", "cancel_confirmed"],
        ),
        # Nothing to confirm, or nothing to find: only the number, then the form ends.
        (ValidateCancelForm, "12345678", "demo-alice", ["order_id"]),
        (ValidateCancelForm, "99999999", "unknown-visitor", ["order_id"]),
        (ValidateReturnForm, "23456789", "demo-alice", ["order_id"]),
        (ValidateReturnForm, "23456789", "unknown-visitor", ["order_id", "order_email"]),
        # No order number yet: everything is still to ask.
        (ValidateReturnForm, None, "demo-alice", ["order_id", "order_email"]),
    ],
)
async def test_email_is_asked_only_when_the_channel_does_not_show_the_order_is_theirs(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    form_class: type[ValidateCancelForm | ValidateReturnForm],
    order_id: str | None,
    sender_id: str,
    required: list[str],
) -> None:
    form = form_class(backend=fake_backend)
    tracker = make_tracker(slots={"order_id": order_id}, sender_id=sender_id)

    slots = await form.required_slots(form.domain_slots(domain), dispatcher, tracker, domain)

    assert slots == required


async def test_email_is_still_asked_when_the_backend_is_down(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    fake_backend.down = True
    form = ValidateReturnForm(backend=fake_backend)
    tracker = make_tracker(slots={"order_id": "23456789"})

    slots = await form.required_slots(form.domain_slots(domain), dispatcher, tracker, domain)

    assert slots == ["order_id", "order_email"]


async def test_order_number_check_with_the_backend_down_ends_the_form(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    # Asking more questions would be pointless: the submit action apologises.
    fake_backend.down = True
    tracker = make_tracker(
        text="23456789", slots={"requested_slot": "order_id"}, active_loop="return_form"
    )

    validated = await ValidateReturnForm(backend=fake_backend).validate_order_id(
        "23456789", dispatcher, tracker, domain
    )

    assert validated == {"order_id": "23456789", "requested_slot": None}


# --- an order number from earlier in the conversation --------------------------------


@pytest.mark.parametrize("form_class", [ValidateCancelForm, ValidateReturnForm])
async def test_a_change_form_started_without_a_number_asks_about_the_earlier_order(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    form_class: type[OrderChangeValidation],
) -> None:
    # "cancel my order" after talking about 23456789: Rasa starts the form
    # with the slot still filled, marks it active with this message as the
    # trigger, and validates the slot.
    form = form_class(backend=fake_backend)
    tracker = make_tracker(text="cancel my order", new_slots={"order_id": "23456789"})
    tracker.latest_message["message_id"] = "m-2"
    tracker.active_loop = {"name": form.form_name(), "trigger_message": {"message_id": "m-2"}}

    events = await form.run(dispatcher, tracker, domain)

    assert slot_events(events)["order_id"] is None
    assert slot_events(events)["suggested_order_id"] == "23456789"
    # Nothing is said about the order until the customer confirms it.
    assert dispatcher.messages == []


async def test_the_number_in_the_message_that_starts_the_form_is_used_at_once(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    form = ValidateCancelForm(backend=fake_backend)
    tracker = make_tracker(
        text="cancel order #3456-7890 please", new_slots={"order_id": "34567890"}
    )

    events = await form.run(dispatcher, tracker, domain)

    assert slot_events(events)["order_id"] == "34567890"
    assert "suggested_order_id" not in slot_events(events)
    assert last_requested_slot(events) == "cancel_confirmed"


async def test_the_status_form_answers_about_the_earlier_order_without_asking(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    # Reading a status changes nothing: the answer names the order instead
    # (see action_check_order_status).
    tracker = make_tracker(text="where's my order", new_slots={"order_id": "23456789"})

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    assert slot_events(events) == {"order_id": "23456789"}


@pytest.mark.parametrize("text", ["yes", "/affirm"])
async def test_yes_to_the_earlier_order_takes_it(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    text: str,
) -> None:
    tracker = make_tracker(
        text=text,
        intent="affirm",
        slots={"requested_slot": "order_id", "suggested_order_id": "34567890"},
        active_loop="cancel_form",
    )

    events = await ValidateCancelForm(backend=fake_backend).run(dispatcher, tracker, domain)

    assert slot_events(events)["order_id"] == "34567890"
    assert slot_events(events)["suggested_order_id"] is None
    assert last_requested_slot(events) == "cancel_confirmed"


async def test_no_to_the_earlier_order_asks_for_the_number_instead_of_stopping(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        text="no, a different one",
        intent="deny",
        slots={"requested_slot": "order_id", "suggested_order_id": "23456789"},
        active_loop="cancel_form",
    )

    events = await ValidateCancelForm(backend=fake_backend).run(dispatcher, tracker, domain)

    # Slots were set, so Rasa does not reject the form and hand the "no" to
    # the rule that stops it; with no suggestion, the plain question follows.
    assert slot_events(events)["order_id"] is None
    assert slot_events(events)["suggested_order_id"] is None
    assert dispatcher.messages == []


async def test_another_number_instead_of_the_earlier_order_is_taken(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        text="no it's 3456 7890",
        intent="deny",
        slots={"requested_slot": "order_id", "suggested_order_id": "23456789"},
        active_loop="cancel_form",
    )

    events = await ValidateCancelForm(backend=fake_backend).run(dispatcher, tracker, domain)

    assert slot_events(events)["order_id"] == "34567890"
    assert slot_events(events)["suggested_order_id"] is None
    assert last_requested_slot(events) == "cancel_confirmed"


async def test_yes_without_a_suggestion_is_left_to_the_dialogue(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        text="yes",
        intent="affirm",
        slots={"requested_slot": "order_id"},
        active_loop="cancel_form",
    )

    form = ValidateCancelForm(backend=fake_backend)

    assert await form.extract_order_id(dispatcher, tracker, domain) == {}


# --- the e-mail on the order ------------------------------------------------------------


@pytest.mark.parametrize("email", ["alice.martin@example.com", "Alice.Martin@EXAMPLE.com "])
async def test_the_email_on_the_order_is_accepted_in_any_case(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    email: str,
) -> None:
    form = ValidateReturnForm(backend=fake_backend)
    tracker = make_tracker(slots={"order_id": "23456789", "requested_slot": "order_email"})

    validated = await form.validate_order_email(email, dispatcher, tracker, domain)

    assert validated == {"order_email": "alice.martin@example.com"}
    assert dispatcher.messages == []


async def test_another_email_than_the_orders_is_refused(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    form = ValidateReturnForm(backend=fake_backend)
    tracker = make_tracker(slots={"order_id": "23456789", "requested_slot": "order_email"})

    # Bob's e-mail: a real customer's, but not this order's.
    validated = await form.validate_order_email(
        "bob.nguyen@example.com", dispatcher, tracker, domain
    )

    assert validated == {"order_email": None}
    [message] = dispatcher.messages
    assert message["response"] == "utter_order_email_mismatch"
    assert message["order_id"] == "23456789"


async def test_a_malformed_order_email_is_explained(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
) -> None:
    form = ValidateCancelForm(backend=fake_backend)
    tracker = make_tracker(
        text="alice.martin@example",
        slots={"order_id": "34567890", "requested_slot": "order_email"},
    )

    extracted = await form.extract_order_email(dispatcher, tracker, domain)
    validated = await form.validate_order_email(
        extracted["order_email"], dispatcher, tracker, domain
    )

    assert validated == {"order_email": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_email"]


# --- password reset ---------------------------------------------------------------------


async def test_mistyped_email_is_caught_and_explained(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    form = ValidatePasswordResetForm()
    tracker = make_tracker(text="jane@gmail", slots={"requested_slot": "email"})

    extracted = await form.extract_email(dispatcher, tracker, domain)
    validated = await form.validate_email(extracted["email"], dispatcher, tracker, domain)

    assert extracted == {"email": "jane@gmail"}
    assert validated == {"email": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_email"]


async def test_mistyped_email_is_rejected_by_a_whole_form_run(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(text="jane@gmail", slots={"requested_slot": "email"})

    events = await ValidatePasswordResetForm().run(dispatcher, tracker, domain)

    assert slot_events(events) == {"email": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_email"]


async def test_valid_email_is_lower_cased(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    form = ValidatePasswordResetForm()
    tracker = make_tracker(
        text="it's Jane.Doe@Example.COM",
        slots={"requested_slot": "email"},
        entities=[{"entity": "email", "value": "Jane.Doe@Example.COM"}],
    )

    # The entity fills the slot through its own mapping: nothing to extract.
    assert await form.extract_email(dispatcher, tracker, domain) == {}
    validated = await form.validate_email("Jane.Doe@Example.COM", dispatcher, tracker, domain)

    assert validated == {"email": "jane.doe@example.com"}
    assert dispatcher.messages == []


async def test_a_message_without_an_email_is_left_to_the_policies(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(text="never mind", slots={"requested_slot": "email"})

    assert await ValidatePasswordResetForm().extract_email(dispatcher, tracker, domain) == {}


# --- address ------------------------------------------------------------------------------


@pytest.mark.parametrize("down", [False, True])
async def test_address_form_ends_at_once_for_an_unidentified_customer(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    down: bool,
) -> None:
    fake_backend.down = down
    sender_id = "demo-alice" if down else "unknown-visitor"
    tracker = make_tracker(
        text="12 Baker Street, Springfield 62704",
        slots={"requested_slot": "new_address"},
        new_slots={"new_address": "12 Baker Street, Springfield 62704"},
        sender_id=sender_id,
    )

    events = await ValidateAddressForm(backend=fake_backend).run(dispatcher, tracker, domain)

    # No address is kept and none asked for: action_update_address explains.
    assert events == [SlotSet("requested_slot", None)]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12 Baker Street, Springfield 62704", "12 Baker Street, Springfield 62704"),
        ("  12 Baker Street,\n Springfield   62704 ", "12 Baker Street, Springfield 62704"),
    ],
)
async def test_identified_customer_address_is_accepted(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    typed: str,
    stored: str,
) -> None:
    tracker = make_tracker(
        text=typed, slots={"requested_slot": "new_address"}, new_slots={"new_address": typed}
    )

    events = await ValidateAddressForm(backend=fake_backend).run(dispatcher, tracker, domain)

    assert slot_events(events) == {"new_address": stored}
    assert dispatcher.messages == []


@pytest.mark.parametrize("typed", ["my house", "Baker Street, Springfield", "12 34567 890"])
async def test_incomplete_address_is_rejected(
    fake_backend: FakeBackend,
    dispatcher: CollectingDispatcher,
    make_tracker: MakeTracker,
    domain: dict[str, Any],
    typed: str,
) -> None:
    tracker = make_tracker(
        text=typed, slots={"requested_slot": "new_address"}, new_slots={"new_address": typed}
    )

    events = await ValidateAddressForm(backend=fake_backend).run(dispatcher, tracker, domain)

    assert slot_events(events) == {"new_address": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_address"]


# --- in Spanish (slot language = es) ---------------------------------------------
#
# The forms' messages are domain responses: these check that the ones the
# validation sends, and the form's own question, come out in the customer's
# language, and that Rasa never has two differing variations to pick from.


async def test_in_spanish_a_wrong_number_is_explained_in_spanish(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    slots = {"requested_slot": "order_id", "language": "es"}
    tracker = make_tracker(text="1234567", slots=slots)

    await ValidateOrderStatusForm().validate_order_id("1234567", dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert render(message, domain, slots).startswith(
        'Mmm, "1234567" no parece un número de pedido. Los números de pedido tienen '
        "exactamente 8 dígitos"
    )
    assert render(message, domain).startswith('Hmm, "1234567" doesn\'t look like an order number.')


async def test_in_spanish_a_mistyped_email_is_explained_in_spanish(
    dispatcher: CollectingDispatcher, make_tracker: MakeTracker, domain: dict[str, Any]
) -> None:
    slots = {"requested_slot": "email", "language": "es"}
    tracker = make_tracker(text="jane@gmail", slots=slots)

    await ValidatePasswordResetForm().validate_email("jane@gmail", dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert render(message, domain, slots) == (
        "Eso no parece un correo electrónico. ¿Puedes enviarlo de nuevo, como "
        "nombre@example.com?"
    )


@pytest.mark.parametrize("language", [None, "en", "es"])
@pytest.mark.parametrize("suggested", [None, "23456789"])
async def test_the_order_number_question_offers_the_earlier_order_in_the_language(
    domain: dict[str, Any],
    make_tracker: MakeTracker,
    language: str | None,
    suggested: str | None,
) -> None:
    slots = {"language": language, "suggested_order_id": suggested}
    dispatcher = CollectingDispatcher()

    await ActionAskOrderId().run(dispatcher, make_tracker(slots=slots), domain)

    [message] = dispatcher.messages
    text = render(message, domain, slots)
    if suggested and language == "es":
        assert text.startswith("¿Es sobre el pedido 23456789, del que hablamos antes?")
    elif suggested:
        assert text.startswith("Is this about order 23456789, the one we talked about earlier?")
    elif language == "es":
        assert text.startswith("¿Cuál es tu número de pedido?")
    else:
        assert text.startswith("What's your order number?")

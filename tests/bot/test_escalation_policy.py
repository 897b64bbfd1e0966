"""Tests of bot/policies/escalation.py: when the bot predicts action_handoff.

Real Rasa trackers and the assistant's own domain (plus action_handoff, until
domain.yml lists it); the policy is built the way Rasa's graph builds it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.policies.escalation import EscalationPolicy

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
HANDOFF = "action_handoff"


@pytest.fixture(scope="module")
def domain() -> Domain:
    domain = Domain.load(str(DOMAIN_FILE))
    if HANDOFF in domain.action_names_or_texts:
        return domain
    return domain.merge(Domain.from_dict({"actions": [HANDOFF]}))


@pytest.fixture
def policy(tmp_path: Path) -> EscalationPolicy:
    return _policy(tmp_path)


def _policy(tmp_path: Path, **config: Any) -> EscalationPolicy:
    created = EscalationPolicy.create(
        {**EscalationPolicy.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("train_EscalationPolicy0"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )
    assert isinstance(created, EscalationPolicy)
    return created


def customer(text: str, intent: str, confidence: float = 0.95) -> list[Event]:
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, intent={"name": intent, "confidence": confidence}),
    ]


def replies(response: str, text: str = "...") -> list[Event]:
    return [ActionExecuted(response), BotUttered(text, metadata={"utter_action": response})]


def tracker(*events: Event | list[Event]) -> DialogueStateTracker:
    flat: list[Event] = []
    for item in events:
        flat.extend(item if isinstance(item, list) else [item])
    return DialogueStateTracker.from_events("customer-1", flat)


def predicted(prediction: PolicyPrediction, domain: Domain) -> tuple[str | None, float]:
    confidence = max(prediction.probabilities)
    if confidence == 0:
        return None, 0.0
    return domain.action_names_or_texts[prediction.probabilities.index(confidence)], confidence


# --- escalations ------------------------------------------------------------------------------


def test_anger_inside_a_routine_request_escalates(
    policy: EscalationPolicy, domain: Domain
) -> None:
    conversation = tracker(
        customer("where is my order", "check_order_status"),
        replies("utter_ask_order_id"),
        customer("WHERE IS MY ORDER, third time asking!!!", "check_order_status"),
    )

    prediction = policy.predict_action_probabilities(conversation, domain)

    assert predicted(prediction, domain) == (HANDOFF, 1.0)
    assert prediction.policy_priority == 7
    reasons = prediction.diagnostic_data["escalation"]["reasons"]
    assert {"anger", "strong_anger"} & set(reasons)


def test_a_routine_request_is_left_to_the_other_policies(
    policy: EscalationPolicy, domain: Domain
) -> None:
    prediction = policy.predict_action_probabilities(
        tracker(customer("my package is a bit late", "check_order_status")), domain
    )

    assert predicted(prediction, domain) == (None, 0.0)
    assert len(prediction.probabilities) == domain.num_actions
    # An all-zero "no user" prediction would silence every other policy.
    assert not prediction.is_no_user_prediction


def test_asking_for_a_person_escalates(policy: EscalationPolicy, domain: Domain) -> None:
    prediction = policy.predict_action_probabilities(
        tracker(customer("can I talk to someone", "request_human")), domain
    )

    assert predicted(prediction, domain) == (HANDOFF, 1.0)
    assert prediction.diagnostic_data["escalation"]["reasons"] == ["explicit_request"]


def test_repeated_fallbacks_escalate(policy: EscalationPolicy, domain: Domain) -> None:
    conversation = tracker(
        customer("blorp the flux", "nlu_fallback", 0.3),
        replies("utter_please_rephrase"),
        customer("zzzt frobnicate", "nlu_fallback", 0.2),
    )

    prediction = policy.predict_action_probabilities(conversation, domain)

    assert predicted(prediction, domain) == (HANDOFF, 1.0)
    assert "repeated_fallback" in prediction.diagnostic_data["escalation"]["reasons"]


# --- no second handoff, and no handoff at the wrong moment ---------------------------------------


def test_an_escalated_conversation_is_not_escalated_again(
    policy: EscalationPolicy, domain: Domain
) -> None:
    # Rasa does not predict for a paused conversation; if anything asks the
    # policies anyway (the HTTP API's /predict), there is still no second handoff.
    conversation = tracker(
        customer("I want a human", "request_human"),
        ActionExecuted(HANDOFF),
        ConversationPaused(),
        customer("hello? I want a human!!", "request_human"),
    )

    prediction = policy.predict_action_probabilities(conversation, domain)

    assert predicted(prediction, domain) == (None, 0.0)


def test_after_a_hand_back_only_the_new_messages_count(
    policy: EscalationPolicy, domain: Domain
) -> None:
    escalated = [
        customer("my father died and I need to cancel his order", "cancel_order"),
        ActionExecuted(HANDOFF),
        ConversationPaused(),
        ConversationResumed(),
    ]

    calm = policy.predict_action_probabilities(
        tracker(*escalated, customer("where is my order", "check_order_status")), domain
    )
    again = policy.predict_action_probabilities(
        tracker(*escalated, customer("a person please", "request_human")), domain
    )

    # The bereavement was the agent's to deal with; a new request is new.
    assert predicted(calm, domain) == (None, 0.0)
    assert predicted(again, domain) == (HANDOFF, 1.0)


def test_only_right_after_a_customer_message(policy: EscalationPolicy, domain: Domain) -> None:
    conversation = tracker(
        customer("I want a human", "request_human"),
        replies("utter_greet"),
    )

    prediction = policy.predict_action_probabilities(conversation, domain)

    assert predicted(prediction, domain) == (None, 0.0)


def test_a_restart_is_never_taken_for_an_escalation(
    policy: EscalationPolicy, domain: Domain
) -> None:
    conversation = tracker(
        customer("my father died last week", "inform"),
        replies("utter_default"),
        customer("/restart", "restart", 1.0),
    )

    prediction = policy.predict_action_probabilities(conversation, domain)

    assert predicted(prediction, domain) == (None, 0.0)


def test_a_handoff_that_did_not_happen_waits_for_the_customer(
    policy: EscalationPolicy, domain: Domain
) -> None:
    # action_handoff could not record the escalation (no pause): it asked the
    # customer to try again, and the bot listens.
    conversation = tracker(customer("I want a human", "request_human"), ActionExecuted(HANDOFF))

    prediction = policy.predict_action_probabilities(conversation, domain)

    assert predicted(prediction, domain) == ("action_listen", 1.0)


# --- against the other policies (Rasa 3.6's ensemble) --------------------------------------------


def _one_hot(domain: Domain, action: str) -> list[float]:
    probabilities = [0.0] * domain.num_actions
    probabilities[domain.index_for_action(action)] = 1.0
    return probabilities


def test_escalation_beats_a_confident_rule(policy: EscalationPolicy, domain: Domain) -> None:
    conversation = tracker(customer("can I talk to someone", "request_human"))
    rule = PolicyPrediction(_one_hot(domain, "utter_complain_ack"), "RulePolicy", 6)
    ours = policy.predict_action_probabilities(conversation, domain)

    winner = DefaultPolicyPredictionEnsemble().combine_predictions([rule, ours], conversation,
                                                                   domain)

    assert winner.policy_name == "EscalationPolicy"
    assert predicted(winner, domain) == (HANDOFF, 1.0)


def test_escalation_beats_a_form_that_expects_an_answer(
    policy: EscalationPolicy, domain: Domain
) -> None:
    conversation = tracker(
        customer("where is my order", "check_order_status"),
        ActionExecuted("order_status_form"),
        ActiveLoop("order_status_form"),
        BotUttered("What's the order number?", metadata={"utter_action": "utter_ask_order_id"}),
        customer("12345678 and WHERE IS IT, third time asking!!!", "inform"),
    )
    # RulePolicy's happy path of a form is a "no user" prediction, which beats
    # any ordinary one.
    form = PolicyPrediction(
        _one_hot(domain, "order_status_form"), "RulePolicy", 6, is_no_user_prediction=True
    )
    ours = policy.predict_action_probabilities(conversation, domain)

    winner = DefaultPolicyPredictionEnsemble().combine_predictions([form, ours], conversation,
                                                                   domain)

    assert predicted(winner, domain) == (HANDOFF, 1.0)


def test_without_escalation_the_other_policies_decide(
    policy: EscalationPolicy, domain: Domain
) -> None:
    conversation = tracker(customer("where is my order", "check_order_status"))
    rule = PolicyPrediction(_one_hot(domain, "order_status_form"), "RulePolicy", 6)
    ours = policy.predict_action_probabilities(conversation, domain)

    winner = DefaultPolicyPredictionEnsemble().combine_predictions([rule, ours], conversation,
                                                                   domain)

    assert predicted(winner, domain) == ("order_status_form", 1.0)


# --- cost: the policy runs on the Rasa server's event loop ---------------------------------------

# A 10,000-character message took the old rules 3 s, and every later message
# of its conversation as long again (it was scanned once per later message).
# Now about 30 ms for it and a millisecond or two for each later one; the
# bounds are for a loaded machine.
LONG_MESSAGE_BUDGET_S = 1.0
LATER_TURN_BUDGET_S = 0.25
# CPU time: the wall clock of a shared machine also counts other processes' turns.
cpu_time = time.process_time


def test_a_long_message_does_not_slow_the_rest_of_its_conversation(
    policy: EscalationPolicy, domain: Domain
) -> None:
    long_message = ("where is my order " * 600)[:10_000]
    conversation = tracker(customer(long_message, "check_order_status"))

    started = cpu_time()
    first = policy.predict_action_probabilities(conversation, domain)
    first_s = cpu_time() - started
    later_s = []
    for k in range(5):
        for event in [*replies("utter_order_status_shipped"), *customer(f"ok {k}", "affirm")]:
            conversation.update(event)
        started = cpu_time()
        policy.predict_action_probabilities(conversation, domain)
        later_s.append(cpu_time() - started)

    assert predicted(first, domain) == (None, 0.0)
    assert first_s < LONG_MESSAGE_BUDGET_S
    assert max(later_s) < LATER_TURN_BUDGET_S, later_s


# --- training and loading -------------------------------------------------------------------------


def test_training_persists_a_marker_that_loads(
    policy: EscalationPolicy, domain: Domain, tmp_path: Path
) -> None:
    resource = policy.train([], domain)

    loaded = EscalationPolicy.load(
        EscalationPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        resource,
        ExecutionContext(GraphSchema({}), "test-model"),
    )

    prediction = loaded.predict_action_probabilities(
        tracker(customer("operator", "request_human")), domain
    )
    assert predicted(prediction, domain) == (HANDOFF, 1.0)


def test_training_fails_when_the_domain_lacks_the_action(tmp_path: Path) -> None:
    policy = _policy(tmp_path, action_name="action_not_in_domain")

    with pytest.raises(RasaException, match="action_not_in_domain"):
        policy.train([], Domain.load(str(DOMAIN_FILE)))

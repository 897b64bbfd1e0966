"""``EscalationPolicy``: predicts ``action_handoff`` when a person must take over.

Right after each customer message it converts the conversation into
:class:`~handoff.escalation.Turn` objects (:mod:`handoff.escalation.turns`) and asks
:func:`handoff.escalation.decide`. When the rules say escalate, it predicts
the handoff action with confidence 1; otherwise it predicts nothing (all
zeros) and the other policies decide as usual.

How it wins in Rasa 3.6's ensemble (``DefaultPolicyPredictionEnsemble``):

- "no user" predictions beat every other one, and RulePolicy makes one for a
  form's happy path (the customer answers the question a form asked). Our
  escalations are made "no user" too, so that anger inside a routine form
  ("12345678 and WHERE IS IT, third time asking!!!") still reaches a person;
- among predictions of the same kind, the highest confidence wins, then the
  highest priority. Ours is 1.0 with priority 7, above RulePolicy's 6, so a
  rule for the same message (complain -> utter_complain_ack) loses.

A prediction that does not escalate is a plain all-zero one: made "no user",
it would silence every other policy.

Its cost: Rasa runs policies synchronously in its graph, on the server's
event loop, so while this policy works no other conversation is answered.
It cannot be made asynchronous; its cost is bounded instead. ``decide``
reads at most ``MAX_SCANNED_CHARS`` characters of each message, in time
linear in them, and remembers what it found in earlier messages (in
``handoff.escalation`` and in this policy's detector), so each customer
message is scanned once: when it arrives. What remains per message is
serialising the session's events (only the kinds the rules read) and a
lookup per earlier message. ``bench/escalation_speed.py`` measures it: about
a millisecond per message in a 50-message conversation, some 30 ms for a
message of 10,000 characters (read up to the cap), and nothing more for the
messages after it.

The decision (reasons, priority, anger) is not passed to the action: the
action recomputes it from the same events with the same pure function
(``decide`` is deterministic and both servers read the same ``HANDOFF_*``
settings). That works whatever predicted ``action_handoff`` (this policy, a
rule, a story), and needs no extra slots in the domain.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import (
    ACTION_LISTEN_NAME,
    USER_INTENT_BACK,
    USER_INTENT_RESTART,
    USER_INTENT_SESSION_START,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    Restarted,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from handoff.escalation import (
    MAX_SCANNED_CHARS,
    AngerDetector,
    Decision,
    EscalationSettings,
    decide,
    train_models,
)
from handoff.escalation.turns import (
    EVENTS_READ,
    is_paused,
    session_events,
    since_hand_back,
    turns,
)

logger = logging.getLogger(__name__)

DEFAULT_HANDOFF_ACTION = "action_handoff"
# Above RulePolicy (6), MemoizationPolicy (3) and TEDPolicy (1).
DEFAULT_PRIORITY = 7
# Nothing is learnt; the file only gives the trained model a resource to cache.
MARKER_FILE = "escalation_policy.json"
# Rasa's own commands: the customer restarting must never be taken for an escalation.
COMMAND_INTENTS = frozenset({USER_INTENT_RESTART, USER_INTENT_BACK, USER_INTENT_SESSION_START})


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True
)
class EscalationPolicy(Policy):
    """Hands the conversation to a person when ``handoff.escalation`` says so."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": DEFAULT_PRIORITY, "action_name": DEFAULT_HANDOFF_ACTION}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: TrackerFeaturizer | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.action_name = str(config.get("action_name", DEFAULT_HANDOFF_ACTION))
        # Read once: thresholds are configuration (HANDOFF_* variables), shared
        # with the action server, which recomputes the same decision.
        self.settings = EscalationSettings.from_env()
        # Created once per policy, not per message: VADER reads its lexicon
        # from disk when the detector is made.
        self.detector = AngerDetector(shout_min_letters=self.settings.shout_min_letters)
        # The learned models, trained now (about five seconds), not on the
        # first customer's message.
        train_models(self.settings)

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # Fail at training, not on the first angry customer, if the domain
        # lacks the action this policy predicts.
        if self.action_name not in domain.action_names_or_texts:
            raise RasaException(
                f"EscalationPolicy predicts '{self.action_name}', which is not in the "
                f"domain: add it to the domain's actions."
            )
        with self._model_storage.write_to(self._resource) as path:
            (path / MARKER_FILE).write_text(json.dumps({"action_name": self.action_name}))
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        latest = tracker.latest_action_name
        if latest == self.action_name and not tracker.is_paused():
            # The handoff did not happen (the action could not record it and
            # asked the customer to try again): wait for their next message,
            # instead of letting stories that never saw action_handoff guess.
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities, is_no_user_prediction=True)
        if latest != ACTION_LISTEN_NAME or not _just_heard_customer(tracker):
            return self._prediction(probabilities)
        intent = tracker.latest_message.intent.get("name") if tracker.latest_message else None
        if intent in COMMAND_INTENTS:
            return self._prediction(probabilities)

        text = tracker.latest_message.text if tracker.latest_message else None
        if text and len(text) > MAX_SCANNED_CHARS:
            # Longer than any channel sends: the HTTP API, or a probe. Only
            # its beginning is judged.
            logger.warning(
                "a customer message of %d characters: the escalation rules read the first %d",
                len(text), MAX_SCANNED_CHARS,
            )
        events = session_events(
            e.as_dict() for e in _current_session(tracker) if e.type_name in EVENTS_READ
        )
        if is_paused(events):
            # A person owns the conversation: never a second handoff.
            return self._prediction(probabilities)
        decision = decide(turns(since_hand_back(events)), self.settings, self.detector)
        if not decision.escalate:
            return self._prediction(probabilities)

        # No sender id: on SMS it is the customer's phone number.
        logger.info(
            "escalating a conversation: priority %s, reasons %s",
            decision.priority, ", ".join(decision.reasons),
        )
        probabilities[domain.index_for_action(self.action_name)] = 1.0
        return self._prediction(
            probabilities, is_no_user_prediction=True, diagnostic_data=_diagnostics(decision)
        )


def _current_session(tracker: DialogueStateTracker) -> list[Event]:
    """The tracker's events from the latest session start or restart on.

    ``session_events`` would drop the earlier ones anyway; skipping them here
    saves serialising a long history on every message.
    """
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], (SessionStarted, Restarted)):
            return events[index:]
    return events


def _just_heard_customer(tracker: DialogueStateTracker) -> bool:
    """Whether a customer message came after the bot's last action (its action_listen)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted):
            return False
    return False


def _diagnostics(decision: Decision) -> dict[str, Any]:
    # For `rasa shell --debug` and `rasa test`: why the bot escalated.
    return {
        "escalation": {
            "reasons": list(decision.reasons),
            "priority": decision.priority,
            "anger": decision.anger,
            "explanation": dict(decision.explanation),
        }
    }

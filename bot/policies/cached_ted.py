"""``CachedTEDPolicy``: Rasa's TED policy, remembering its predictions by dialogue state.

TED predicts the next action from the conversation's last ``max_history``
states (intent, entities, slots, form, previous action), never from the words
a customer typed unless the stories are end to end (ours are not). The same
states always give the same prediction, and customers' conversations go
through far fewer distinct states than they have turns: an order-status
question is the same state whatever words asked it.

``make profile`` measured TED at 13 of 80 ms a message (2.25 predictions a
message, each a TensorFlow call); a cache hit costs the states alone. Rasa's
TED has no such cache, hence this subclass. The cache is bounded (least
recently used out) and belongs to the loaded model: a new model starts empty.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from rasa.core.policies.policy import PolicyPrediction, SupportedData
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

# Distinct dialogue states seen in a day are in the hundreds; each entry is
# one probability per action (about 100 floats).
CACHE_SIZE = 20_000


def freeze(value: Any) -> Hashable:
    """``value`` (states: lists of dicts of dicts of strings and tuples) as a hashable key."""
    if isinstance(value, dict):
        return tuple(sorted((key, freeze(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class CachedTEDPolicy(TEDPolicy):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._predictions: OrderedDict[Hashable, tuple[list[float], bool]] = OrderedDict()
        self.cache_hits = 0
        self.cache_misses = 0

    def _cacheable(self) -> bool:
        # With end-to-end stories TED also reads the customer's text, and its
        # entity predictions depend on it: then every call goes to the model.
        return self.model is not None and not self.only_e2e and TEXT not in self.fake_features

    def _state_key(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None,
    ) -> Hashable:
        # The states TED's own featurisation starts from (Policy._featurize_for_prediction).
        ml_only = self.supported_data() == SupportedData.ML_DATA
        [states] = self.featurizer.prediction_states(
            [tracker],
            domain,
            use_text_for_last_user_input=False,
            ignore_rule_only_turns=ml_only,
            rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ml_only,
        )
        return freeze(states)

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: Any = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if not self._cacheable():
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
        key = self._state_key(tracker, domain, rule_only_data)
        cached = self._predictions.get(key)
        if cached is not None:
            self._predictions.move_to_end(key)
            self.cache_hits += 1
            probabilities, end_to_end = cached
            # A new object each time: the ensemble may change what it is given.
            # Without diagnostic data (attention weights), which only
            # `rasa interactive` shows.
            return self._prediction(list(probabilities), is_end_to_end_prediction=end_to_end)
        self.cache_misses += 1
        prediction = super().predict_action_probabilities(
            tracker, domain, rule_only_data, precomputations, **kwargs
        )
        self._predictions[key] = (
            list(prediction.probabilities),
            prediction.is_end_to_end_prediction,
        )
        if len(self._predictions) > CACHE_SIZE:
            self._predictions.popitem(last=False)
        return prediction

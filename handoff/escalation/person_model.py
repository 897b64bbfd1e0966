"""A learned "needs a person" classifier: the probability that a message is one for staff.

``PersonModel.load().probability(text)`` returns 0..1. The rules (:mod:`.rules`,
:mod:`.phrases`, :mod:`.sensitive_matters`) find what they have words for; a
customer who says it another way ("my ex still orders on my card", "the
refund came back £150 short", "is anyone actually reading these") slips
past them. This model reads the whole message, as :mod:`.anger_model` does
for anger, and :func:`.rules.decide` counts a message it scores at or above
``person_model_threshold`` as one for a person (reason ``needs_person``)
when no rule has already escalated it.

What it is: the anger model's classifier (:func:`.anger_model.build_pipeline`:
logistic regression over word and character TF-IDF and the dense cues) and
its exact single-message scorer, trained on other labels:

  needs a person   handoff/escalation/person_training_needs.yml (sensitive
                   matters, contact-centre failures, threats to leave, "not
                   helping", cold anger, matters a bot cannot settle), the
                   NLU's request_human examples, and the anger training
                   file's angry messages
  does not         handoff/escalation/person_training_routine.yml (routine
                   requests in many styles, alarming words used innocently,
                   annoyance at others, small talk), the NLU's examples of
                   every other intent but complain (a complaint may or may
                   not need a person), and the anger file's calm messages

The bilingual model (for Spanish messages) adds person_training_es.yml, the
Spanish anger file and the NLU's Spanish examples (data/nlu/es/), labelled alike.

All of it written here, by hand, for this project; none of the dev or
blind test sets. Trained at first use (the Rasa policy does it at start-up),
in about two seconds; nothing is downloaded or pickled.

Why a second model and not more phrases: each new dev set found phrasings
the lists lacked, and each fix was one more pattern. A model over character
n-grams and sentiment carries what it learned to words it has not seen.
The threshold (:data:`.settings.DEFAULT_PERSON_MODEL_THRESHOLD`) was chosen
on the dev conversation sets only.

Customer text is untrusted: the anger model's preparation caps each message
at its :data:`.anger_model.MAX_MODEL_CHARS` and every step is linear.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import yaml

from handoff.escalation.anger_model import (
    DEFAULT_TRAINING_PATH as ANGER_TRAINING_PATH,
)
from handoff.escalation.anger_model import (
    MAX_MODEL_CHARS,
    LabelledMessage,
    _LinearScorer,
    build_pipeline,
    load_messages,
)
from handoff.escalation.anger_model import (
    SPANISH_TRAINING_PATH as SPANISH_ANGER_TRAINING_PATH,
)
from handoff.escalation.language import is_spanish
from handoff.escalation.settings import TURN_CACHE_SIZE

HERE = Path(__file__).parent
NEEDS_PATH = HERE / "person_training_needs.yml"
ROUTINE_PATH = HERE / "person_training_routine.yml"
# Spanish messages of both labels, by the same rules as the two files above.
SPANISH_PATH = HERE / "person_training_es.yml"
NLU_DIRECTORY = HERE.parents[1] / "data" / "nlu"
# NLU intents whose examples need a person, and those left out (either way).
PERSON_INTENTS = frozenset({"request_human"})
UNDECIDED_INTENTS = frozenset({"complain"})
# Entity annotations in Rasa's training data: "[12345678](order_id)" and
# '[x]{"entity": ...}'; the model reads the words. Bounded classes: linear.
ANNOTATION = re.compile(r"\[([^\]\n]{1,200})\](\([^)\n]{1,100}\)|\{[^}\n]{1,300}\})")


def load_person_file(path: Path) -> list[LabelledMessage]:
    """A ``messages: [{text, person}]`` file, as labelled messages (``angry`` is the label)."""
    return load_messages(path, label="person")


def nlu_examples(directory: Path = NLU_DIRECTORY) -> list[LabelledMessage]:
    """The NLU's examples, labelled by intent: request_human needs a person, the rest not."""
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        # A model trained without them would differ from the one measured,
        # silently (an image that left data/ out).
        raise FileNotFoundError(f"no NLU training data in {directory}")
    examples: list[LabelledMessage] = []
    for path in paths:
        data = yaml.load(
            path.read_text(encoding="utf-8"),
            Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
        )
        for block in (data or {}).get("nlu") or []:
            intent = str(block.get("intent") or "")
            if not intent or intent in UNDECIDED_INTENTS or "examples" not in block:
                continue
            for line in str(block["examples"]).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    text = ANNOTATION.sub(r"\1", text[2:]).strip()
                    if text:
                        examples.append(LabelledMessage(text, intent in PERSON_INTENTS))
    return examples


def training_messages(spanish: bool = False) -> list[LabelledMessage]:
    """Everything the model is trained on (see the module's docstring), unique texts.

    With ``spanish``, the Spanish files too: the bilingual model's data.
    """
    messages = [
        *load_person_file(NEEDS_PATH),
        *load_person_file(ROUTINE_PATH),
        *(load_person_file(SPANISH_PATH) if spanish else []),
        *load_messages(ANGER_TRAINING_PATH),
        *(load_messages(SPANISH_ANGER_TRAINING_PATH) if spanish else []),
        *nlu_examples(),
        # Without the Spanish NLU's routine examples the bilingual model saw
        # few ordinary Spanish messages, and scored long routine ones high.
        *(nlu_examples(NLU_DIRECTORY / "es") if spanish else []),
    ]
    seen: dict[str, LabelledMessage] = {}
    for message in messages:
        # The first label wins: the hand-labelled files come before the NLU's.
        seen.setdefault(message.text.casefold(), message)
    return list(seen.values())


class PersonModel:
    """Probability that a customer message needs a person; trained once per process."""

    def __init__(self, messages: Sequence[LabelledMessage]) -> None:
        labels = [int(m.angry) for m in messages]
        if len(set(labels)) < 2:
            raise ValueError("training needs messages of both labels")
        self.pipeline = build_pipeline()
        self.pipeline.fit([m.text for m in messages], labels)
        self._scorer = _LinearScorer(self.pipeline)

    @classmethod
    def load(cls, spanish: bool = False) -> PersonModel:
        """The model trained on the project's files, trained on the first call and then shared.

        With ``spanish``, the bilingual one (the Spanish files too); English
        messages keep the English-only model, which Spanish data cannot move.
        """
        with _TRAINING:
            return _trained(spanish)

    @classmethod
    def for_text(cls, text: str) -> PersonModel:
        """The model for ``text``'s language (:func:`.language.is_spanish`)."""
        return cls.load(is_spanish(text))

    def probability(self, text: str) -> float:
        """Probability (0..1) that ``text`` needs a person."""
        return self._scorer.probability(text[:MAX_MODEL_CHARS])

    def probabilities(self, texts: Iterable[str]) -> list[float]:
        return [self.probability(t) for t in texts]


_TRAINING = threading.Lock()


@lru_cache(maxsize=2)
def _trained(spanish: bool) -> PersonModel:
    return PersonModel(training_messages(spanish))


@lru_cache(maxsize=TURN_CACHE_SIZE)
def person_probability(text: str) -> float:
    """The "needs a person" model's probability for ``text``, remembered per text.

    Trained on first use (about two seconds); long-running processes do it
    at start-up (.warm_up).
    """
    return PersonModel.for_text(text).probability(text)

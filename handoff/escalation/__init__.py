"""When the bot hands a conversation to a person, how urgently, and why.

``decide(conversation, settings)`` judges the last customer message of a
conversation (a list of :class:`Turn`) and returns a :class:`Decision`:
whether to escalate, the reasons, a priority and the message's anger. It is
pure: no I/O and no Rasa, so the Rasa server's policy, the action server and
an offline evaluation all call it the same way. :mod:`.rules` lists the
reasons and their priorities.

This is the only part of ``handoff`` that ``bot/`` and ``actions/`` import,
and it imports nothing from the rest of ``handoff``, nor ``bot``, ``actions``
or Rasa: import contracts in ``pyproject.toml`` (``make lint``) keep both
directions. Inside, each module imports only those on the lines below its own
(a contract too)::

    warm_up             train_models(): the learned models a process uses, at start-up
    rules               decide(), Decision, the reasons and their priorities
    findings            what one message says, list by list, found once per text
    conversation_model  the learned model of whole Spanish conversations (trained
                        on the labelled conversations in conversations_es/)
    stuck               the bot cannot resolve it: fallbacks, repeats, form failures
    sensitive_matters   safety, fraud, legal threats, payment disputes, bereavement,
                        a vulnerable customer (vulnerable: illness, abuse, hardship...)
    anger_model         the learned anger classifier (trained on anger_training.yml,
                        and for Spanish messages on anger_training_es.yml too)
    anger               AngerDetector: the rule-based anger score of a message
    phrases             phrase lists (asking for a person, threats to leave...)
                        and how a phrase is matched
    turns               Turn, and Rasa's events into turns
    anger_model_cues    the learned model's dense features
    anger_words         the words, idioms and emoji the detector reads
    vader               VADER's sentiment, in linear time
    settings            HANDOFF_* thresholds, limits on untrusted text
    vocabulary          chat spelling, accents folded, words, negation
    domain_names        the intents, actions and responses of domain.yml relied on

Every rule reads English and Spanish: the Spanish patterns sit next to the
English ones, in modules of their own that import nothing of the package but
how a phrase is matched (``phrases_es``, ``sensitive_matters_es``,
``bereavement_es``, ``anger_words_es``), and
``language`` tells the learned models which version (English-only or
bilingual) reads a message.
"""

from __future__ import annotations

from handoff.escalation.anger import AngerDetector, AngerScore, AngerSignal, default_detector
from handoff.escalation.anger_model import anger_probability
from handoff.escalation.conversation_model import conversation_probability
from handoff.escalation.person_model import person_probability
from handoff.escalation.rules import (
    REASON_PRIORITY,
    Decision,
    decide,
    declines_a_person,
    queue_key,
)
from handoff.escalation.settings import MAX_SCANNED_CHARS, EscalationSettings
from handoff.escalation.stuck import lacks_order_number
from handoff.escalation.turns import (
    EVENTS_READ,
    Event,
    Turn,
    conversation_turns,
    event_time,
    intent_of,
    is_paused,
    session_events,
    since_hand_back,
)
from handoff.escalation.warm_up import train_models

# turns.turns (events to turns, no session cut) is not re-exported: as a
# package attribute it would hide the submodule of the same name.
__all__ = [
    "EVENTS_READ",
    "MAX_SCANNED_CHARS",
    "REASON_PRIORITY",
    "AngerDetector",
    "AngerScore",
    "AngerSignal",
    "Decision",
    "EscalationSettings",
    "Event",
    "Turn",
    "anger_probability",
    "conversation_probability",
    "conversation_turns",
    "decide",
    "declines_a_person",
    "default_detector",
    "event_time",
    "intent_of",
    "is_paused",
    "lacks_order_number",
    "person_probability",
    "queue_key",
    "session_events",
    "since_hand_back",
    "train_models",
]

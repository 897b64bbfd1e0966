"""decide() with the learned models off, for the tests of the rules' own findings."""

from __future__ import annotations

from handoff.escalation import EscalationSettings, Turn, decide

RULES_ONLY = EscalationSettings(
    anger_model_threshold=1.0,
    anger_model_threshold_es=1.0,
    person_model_threshold=1.0,
    person_model_threshold_es=1.0,
    conversation_model_threshold_es=1.0,
)


def reasons(*messages: str) -> list[str]:
    """The reasons the rules alone give for a conversation of these customer messages."""
    return decide([Turn.customer(m) for m in messages], RULES_ONLY).reasons

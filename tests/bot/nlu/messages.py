"""Messages as the classifiers leave them, for the tests of the components after them."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message


def classified(text: str, *ranking: tuple[str, float]) -> Message:
    """``text`` with the intent ranking given (the first entry is the intent)."""
    message = Message.build(text)
    name, confidence = ranking[0]
    message.set("intent", {"name": name, "confidence": confidence})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message

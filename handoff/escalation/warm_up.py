"""Train the learned models a process's settings use, before a customer needs them.

Each model is trained on its first use (half a second to four seconds,
:mod:`.anger_model`, :mod:`.person_model`, :mod:`.conversation_model`); a
long-running process calls :func:`train_models` at start-up so that no
customer's message waits for it. A model whose threshold is 1 is never
asked, so it is not trained.
"""

from __future__ import annotations

from handoff.escalation.anger_model import anger_probability
from handoff.escalation.conversation_model import conversation_probability
from handoff.escalation.person_model import person_probability
from handoff.escalation.settings import EscalationSettings


def train_models(settings: EscalationSettings) -> None:
    """Train every model ``settings`` turns on (about five seconds with all of them)."""
    # Each model twice: the English-only one, and the bilingual one that
    # Spanish messages ("hola") go to.
    if settings.anger_model_threshold < 1.0:
        anger_probability("")
    if settings.anger_model_threshold_es < 1.0:
        anger_probability("hola")
    if settings.person_model_threshold < 1.0:
        person_probability("")
    if settings.person_model_threshold_es < 1.0:
        person_probability("hola")
    if settings.conversation_model_threshold_es < 1.0:
        conversation_probability("hola")

"""An insult aimed at us: anger a person must hear, never a soft reading.

"Olvídalo, son unos inútiles" at the end of an errand reads, to the Spanish
conversation model (:mod:`.conversation_model`), like the routine
conversations that end with "olvídalo": it scored 0.09, below the overrule
cut-off, and the message's anger was overruled, so a customer who had just
called us useless stayed with the bot. What the model learned from is
customers taking a request back, not insults; the anger detector already
reads at whom the insult is aimed. So an insult among the anger words the
detector counted (not negated; one aimed at someone of the customer's own
is damped below the anger threshold before it gets here) makes the
message's anger hard, like strong anger. Anger the learned anger model
alone found stays soft: it reads upset, not at whom.
"""

from __future__ import annotations

import re

from handoff.escalation.anger import AngerScore
from handoff.escalation.anger_words_es import ES_INSULTS

# English insults aimed at a company's people, as the detector's anger words
# spell them; Spanish ones are its own list (anger_words_es.ES_INSULTS).
EN_INSULTS = (
    r"idiots|morons|clowns|thieves|crooks|liars|cheats|criminals|con artists|cowboys|"
    r"incompetent"
)
# Linear: an alternation of words (the Spanish list's lookbehinds are fixed-length).
INSULTS = re.compile(r"\b(" + ES_INSULTS + r"|" + EN_INSULTS + r")\b", re.IGNORECASE)


def insult(score: AngerScore) -> str | None:
    """The insult among the anger words the detector counted in a message, if any."""
    for signal in score.signals:
        if signal.name == "anger_words" and signal.weight > 0:
            found = INSULTS.search(signal.evidence)
            if found is not None:
                return found.group(0)
    return None

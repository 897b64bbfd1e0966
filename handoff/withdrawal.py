"""A customer taking back their request for a person while it still waits in the queue.

"Quiero hablar con un asesor", then, a minute later, "ya lo encontré,
olvídalo": nobody has picked the handoff up yet, and an agent who does will
only read that it is no longer needed. So when a customer message of a
*waiting* handoff takes the request back (:func:`takes_back`), the handoff
is closed at once, journaled as ``handoff.closed`` like any close, with the
resolution :data:`handoff.models.WITHDRAWN` (no survey follows: nobody
spoke to them); the conversation goes back to the bot (the service's
``on_close`` hook, as when an agent closes), and says the request is
cancelled in the customer's language (``utter_handoff_withdrawn``, said by
handoff.rasa_client's ``hand_back`` instead of ``utter_handoff_resumed``).

Only a waiting handoff: once an agent holds it, the agent reads the message
and closes it themselves (the store refuses: HandoffConflict). Only a clear
taking back: wording that cancels the request or says the need is gone
("never mind", "ya no hace falta", "ya lo resolví"), in a message the
escalation rules find no reason in (not "olvídalo, son unos inútiles", not
"never mind, I'll take my business elsewhere", not a person asked for
again). A message that only gives news ("ya encontré el número: 1234") is
not one: the agent needs it.

The broker's consumers call :class:`Withdrawals` after appending a customer
message to an open handoff (handoff.broker.events.TranscriptWriter);
``HANDOFF_CUSTOMER_WITHDRAWAL=false`` turns it off.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable

from handoff.errors import HandoffConflict, HandoffNotFound
from handoff.escalation import EscalationSettings, Turn, decide
from handoff.escalation.vocabulary import ACCENT_FOLD
from handoff.models import CUSTOMER, WAITING, WITHDRAWN
from handoff.store import Handoff, HandoffStore

logger = logging.getLogger(__name__)

# Longer messages say more than "never mind": the agent reads them.
MAX_WORDS = 25

# Every pattern is linear: alternations of literals and lookarounds of fixed
# length, no nested quantifiers. Read on lower-cased text with accents folded
# ("olvídalo" -> "olvidalo"). Each must end a clause (_END): "forget it" but
# not "don't forget it's a gift", "cancel the request" but not "cancel the
# request for my refund", "ya no hace falta" but not "no hace falta que me llamen".
_END = (
    r"(?= ?($|[.,!;:)]|then|thanks|thank you|thx|please|pls|gracias|porfa|por favor|i |ya |en |"
    r"in |on |sol[oa]))"
)
_CANCELS = (
    # English: the request cancelled, or the need gone.
    r"\b(never ?mind|forget (it|about it|that)|cancel (the|my) (request|agent|call|callback)|"
    r"no need any ?more|not needed any ?more|all (good|sorted|set) now|"
    r"(no longer|don't|do not|dont) need (it|one|an agent|a person|anyone|help|the agent)"
    r"( any ?more)?|(found|sorted|fixed|solved|figured) it( out)?( myself)?)" + _END + "|"
    # Spanish: "ya no hace falta", "olvídalo", "cancela la solicitud", "ya lo resolví".
    r"\b(ya no (hace falta|es necesario|se necesita)|no hace falta|"
    r"ya no (lo |la )?(necesito|ocupo|quiero|preciso)|olvidalo|olvidelo|olvidenlo|"
    r"olvida eso|olvide eso|olvidate|dejalo asi|dejelo asi|mejor no|nel|"
    r"(cancela|cancele|cancelen|cancelalo|cancelelo|anula|cancelar|anular) (la|mi|esa) "
    r"(solicitud|peticion|llamada)( de (asesor|agente|llamada|ayuda|contacto))?|"
    r"ya (lo |la )?(resolvi|solucione|arregle|encontre|pude|logre))" + _END
)
CANCELS = re.compile(_CANCELS)


def takes_back(text: str, settings: EscalationSettings | None = None) -> bool:
    """Whether a customer message takes their request for a person back.

    ``settings`` are the escalation rules' (``HANDOFF_*``, as the Rasa
    policy reads them), with overruling off: the rules judge the message
    alone, out of its conversation, and the Spanish conversation model,
    which reads whole conversations, must not overrule what they find in it
    (it read "olvídalo, son unos inútiles" alone as routine, 0.09, once it
    had learned many requests taken back with "olvídalo"). What the rules
    find, the agent reads.
    """
    folded = text.lower().translate(ACCENT_FOLD).replace("\u2019", "'")
    # A question is more than taking back: the bot would resume without answering it.
    if "?" in folded or len(folded.split()) > MAX_WORDS or CANCELS.search(folded) is None:
        return False
    # Not angry, leaving, asking for a person, telling of a charge...: the agent reads it.
    rules = dataclasses.replace(
        settings or EscalationSettings(), conversation_model_overrule_below_es=0.0
    )
    return not decide([Turn.customer(text)], rules).escalate


class Withdrawals:
    """Called with each customer message appended to an open handoff; closes it if taken back."""

    def __init__(
        self,
        store: HandoffStore,
        on_close: Callable[[Handoff], Awaitable[bool | None]],
        escalation: EscalationSettings | None = None,
    ) -> None:
        self._store = store
        self._on_close = on_close
        self._escalation = escalation or EscalationSettings()

    async def __call__(self, handoff: Handoff, role: str, text: str) -> bool:
        """Whether the message withdrew the handoff."""
        if role != CUSTOMER or handoff.status != WAITING:
            return False
        # The rules and their models are CPU work (and the models train at first use).
        if not await asyncio.to_thread(takes_back, text, self._escalation):
            return False
        try:
            closed = await self._store.withdraw(handoff.id, WITHDRAWN)
        except (HandoffConflict, HandoffNotFound):
            return False  # an agent took it (theirs now), or it closed meanwhile
        logger.info("handoff %d withdrawn by its customer", handoff.id)
        try:
            await self._on_close(closed)
        except Exception:
            # Closed either way; the bot not resuming must not be hidden.
            logger.exception("on_close hook failed for withdrawn handoff %d", handoff.id)
        return True

"""What one customer message says, phrase list by phrase list, found once per text.

:func:`_findings` scans a message for every phrase list :func:`.rules.decide`
reads, and remembers the answer per text (:data:`.settings.TURN_CACHE_SIZE`):
a conversation judged again after each new message scans only that message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from handoff.escalation.anger_words import aimed_elsewhere
from handoff.escalation.anger_words_es import ES_CARRIERS
from handoff.escalation.declines import NOT_A_REQUEST, ONLY_ASKING
from handoff.escalation.matters import IN_TWO_PARTS, SENSITIVE_MATTERS
from handoff.escalation.phrases import (
    ACCOUNT_CLOSURE,
    BOT_DID_NOT_HELP,
    CONTACT_CENTER_FAILURE,
    EXPLICIT_REQUEST,
    REPEATED_ASKING,
    THREAT_TO_LEAVE,
    _blanked,
    _cue,
    _first,
)
from handoff.escalation.settings import TURN_CACHE_SIZE
from handoff.escalation.vocabulary import _normalise

# Another company, in a message that does not name us (anger_words.aimed_elsewhere): its
# contact centre is not ours ("la compania de internet... nadie contesta", "my bank had me
# on hold for an hour"). Not someone of the customer's own: "mi esposo llamo y nadie contesto".
OTHER_COMPANY = re.compile(
    r"\b(banco|bank|card (company|provider|issuer)|aseguradora|insurers?|aerolinea|linea "
    r"aerea|airline|compania|company|provider|network|empresa|corporacion|operadora?|tienda|"
    r"multitienda|shop|store|retailer|seller|website|site|brand|supplier|pagina|web|marca|"
    r"paqueteria|" + ES_CARRIERS + r")\b",
    re.IGNORECASE,
)


def _another_companys(text: str) -> bool:
    elsewhere = aimed_elsewhere(text)
    return elsewhere is not None and OTHER_COMPANY.search(elsewhere) is not None


@dataclass(frozen=True)
class _Findings:
    """The phrases found in one message (None: not found), as quoted in explanations."""

    explicit_request: str | None
    bot_did_not_help: str | None
    # One per SENSITIVE_MATTERS, in its order; one pair per IN_TWO_PARTS.
    sensitive: tuple[str | None, ...]
    parts: tuple[tuple[str | None, str | None], ...] = ()
    contact_center_failure: str | None = None
    threat_to_leave: str | None = None
    account_closure: str | None = None
    repeated_asking: str | None = None
    not_a_request: str | None = None


@lru_cache(maxsize=TURN_CACHE_SIZE)
def _findings(text: str) -> _Findings:
    """Every phrase list's finding in ``text`` (already capped at MAX_SCANNED_CHARS).

    Memoised (the text is the whole key): a sensitive matter is looked for in
    every earlier message each time a conversation is judged. What declines a
    person is not a request ("sin agente porfa" holds "agente porfa").
    """
    text = _normalise(text)
    # A message asked only to know is no request anywhere; otherwise only what declines is.
    not_a_request = _cue(ONLY_ASKING, text)
    if not_a_request is not None:
        asking = ""
    else:
        not_a_request = _cue(NOT_A_REQUEST, text)
        asking = text if not_a_request is None else _blanked(NOT_A_REQUEST, text)
    # Whom it is aimed at is read only where a contact-centre failure was found.
    failure = _cue(CONTACT_CENTER_FAILURE, text)
    if failure is not None and _another_companys(text):
        failure = None
    return _Findings(
        explicit_request=_first(EXPLICIT_REQUEST, asking),
        bot_did_not_help=_first(BOT_DID_NOT_HELP, text),
        sensitive=tuple(_first(phrases, text) for _, phrases, _ in SENSITIVE_MATTERS),
        parts=tuple((_first(a, text), _first(b, text)) for _, a, b, _ in IN_TWO_PARTS),
        contact_center_failure=failure,
        threat_to_leave=_cue(THREAT_TO_LEAVE, text),
        account_closure=_cue(ACCOUNT_CLOSURE, text),
        repeated_asking=_cue(REPEATED_ASKING, text),
        not_a_request=not_a_request,
    )

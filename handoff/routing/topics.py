"""The skills a handoff needs: the customer's language, and topics from why and what for.

A handoff needs its customer's language (ISO 639-1, ``en`` when the bot
sends none) and every topic its reasons (handoff.escalation's codes) and the
customer's intents (``summary.intents``, as the action server sends them)
map to, plus any topics the bot names itself (``skills``). The table is
small on purpose: a topic is a skill a supervisor gives agents, so each one
here must be worth training people for::

    topic      from reasons                     from intents
    returns    -                                start_return
    payments   payment_dispute                  check_balance, payment, refund
    fraud      fraud                            fraud, unauthorised, stolen
    safety     safety_incident                  safety, threats
    care       bereavement, vulnerable_customer -

``care`` is the specialist team contact centres keep for customers in a
vulnerable situation (serious illness, abuse, hardship) and the bereaved.
Reasons and intents not in the table (anger, explicit_request,
check_order_status...) need no topic: any agent who speaks the language
can take them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from handoff.models import DEFAULT_LANGUAGE

RETURNS = "returns"
PAYMENTS = "payments"
FRAUD = "fraud"
SAFETY = "safety"
CARE = "care"
TOPICS = (RETURNS, PAYMENTS, FRAUD, SAFETY, CARE)

REASON_TOPICS: Mapping[str, str] = {
    "payment_dispute": PAYMENTS,
    "fraud": FRAUD,
    "safety_incident": SAFETY,
    "bereavement": CARE,
    "vulnerable_customer": CARE,
}
INTENT_TOPICS: Mapping[str, str] = {
    "start_return": RETURNS,
    "check_balance": PAYMENTS,
    "payment": PAYMENTS,
    "refund": PAYMENTS,
    "fraud": FRAUD,
    "unauthorised": FRAUD,
    "stolen": FRAUD,
    "safety": SAFETY,
    "threats": SAFETY,
}

# A skill's name as agents' profiles and handoffs store it: a language code
# (``en``, ``pt-br``) or a topic (``returns``, ``gift_cards``).
SKILL_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def language_of(value: str | None) -> str:
    """A language tag as stored: lower case, ``_`` as ``-`` (``pt_BR`` -> ``pt-br``);
    ``en`` when missing or not a language tag."""
    if not value:
        return DEFAULT_LANGUAGE
    tag = value.strip().lower().replace("_", "-")
    return tag if LANGUAGE_PATTERN.match(tag) else DEFAULT_LANGUAGE


def topics_for(
    reasons: Iterable[str], summary: Mapping[str, Any] | None, named: Iterable[str] = ()
) -> list[str]:
    """The topics a handoff needs, each once, in a stable (sorted) order."""
    found = {REASON_TOPICS[r] for r in reasons if r in REASON_TOPICS}
    intents = (summary or {}).get("intents")
    if isinstance(intents, list):
        found |= {INTENT_TOPICS[i] for i in intents if isinstance(i, str) and i in INTENT_TOPICS}
    found |= {topic for topic in named if SKILL_PATTERN.match(topic)}
    return sorted(found)

"""Personal numbers out of what the adapters send: :func:`redacted`.

Transcripts leave the system here: a contact center stores them, shows them
to its agents, indexes them, and keeps them as long as it likes. A customer
who typed a card number to the bot ("it's 4111 1111 1111 1111, why was I
charged twice?") must not have it copied there. So before an adapter builds
its request, the free text of the event (each message's text, a handoff's
transcript, resolution and summary) goes through plumbing.redaction with the
kinds of ``HANDOFF_REDACT`` (default: all of them; ``off`` sends text as it
is). Ids, names and the channel are left alone: they are what the receiver
needs to know whose conversation it is, and they are not payment data.

The journal itself keeps the text as it was: the built-in desk reads it,
and which kinds a contact center may receive is the adapters' setting, so
changing it applies to what is sent from then on, retries included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from handoff.store import JournalEvent
from plumbing.redaction import redact


def _text(value: Any, kinds: Collection[str]) -> Any:
    """Strings redacted, in lists and dicts too; anything else as it is."""
    if isinstance(value, str):
        return redact(value, kinds)
    if isinstance(value, list):
        return [_text(item, kinds) for item in value]
    if isinstance(value, dict):
        return {key: _text(item, kinds) for key, item in value.items()}
    return value


def _message(message: Any, kinds: Collection[str]) -> Any:
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return message
    return {**message, "text": redact(message["text"], kinds)}


def _handoff(handoff: Any, kinds: Collection[str]) -> Any:
    if not isinstance(handoff, dict):
        return handoff
    changed = dict(handoff)
    if isinstance(handoff.get("transcript"), list):
        changed["transcript"] = [_message(m, kinds) for m in handoff["transcript"]]
    if isinstance(handoff.get("resolution"), str):
        changed["resolution"] = redact(handoff["resolution"], kinds)
    if isinstance(handoff.get("summary"), dict):
        changed["summary"] = _text(handoff["summary"], kinds)
    return changed


def redacted(event: JournalEvent, kinds: Collection[str]) -> JournalEvent:
    """``event`` as it may leave the system: its free text without the ``kinds``."""
    if not kinds:
        return event
    payload = dict(event.payload)
    if "message" in payload:
        payload["message"] = _message(payload["message"], kinds)
    if "handoff" in payload:
        payload["handoff"] = _handoff(payload["handoff"], kinds)
    return dataclasses.replace(event, payload=payload)

"""The customer's free text in the handoff service's JSON, rewritten by one function.

Two readers see the same handoffs and journal events with numbers taken
out, each its own way: the contact-center adapters (handoff.integrations.
redaction, ``HANDOFF_REDACT``) and the people at the desk (handoff.desk.
masking, ``HANDOFF_DESK_MASK``). What counts as free text is decided here,
once: a message's text, and a handoff's transcript, resolution and every
string of its summary. Ids, the customer's fields, the channel and the
reasons are left alone: they say whose conversation it is, and hold no
payment data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from handoff.store import JournalEvent

Rewrite = Callable[[str], str]


def strings(value: Any, rewrite: Rewrite) -> Any:
    """Every string rewritten, in lists and dicts too; anything else as it is."""
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, list):
        return [strings(item, rewrite) for item in value]
    if isinstance(value, dict):
        return {key: strings(item, rewrite) for key, item in value.items()}
    return value


def message_json(message: Any, rewrite: Rewrite) -> Any:
    """A message's JSON (Message.to_json()) with its text rewritten."""
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return message
    return {**message, "text": rewrite(message["text"])}


def handoff_json(handoff: Any, rewrite: Rewrite) -> Any:
    """A handoff's JSON (Handoff.to_json()), its transcript, resolution and summary rewritten."""
    if not isinstance(handoff, dict):
        return handoff
    changed = dict(handoff)
    if isinstance(handoff.get("transcript"), list):
        changed["transcript"] = [message_json(m, rewrite) for m in handoff["transcript"]]
    if isinstance(handoff.get("resolution"), str):
        changed["resolution"] = rewrite(handoff["resolution"])
    if isinstance(handoff.get("summary"), dict):
        changed["summary"] = strings(handoff["summary"], rewrite)
    return changed


def event_json(event: JournalEvent, rewrite: Rewrite) -> JournalEvent:
    """A journal event with the message or handoff it carries rewritten."""
    payload = dict(event.payload)
    if "message" in payload:
        payload["message"] = message_json(payload["message"], rewrite)
    if "handoff" in payload:
        payload["handoff"] = handoff_json(payload["handoff"], rewrite)
    return dataclasses.replace(event, payload=payload)

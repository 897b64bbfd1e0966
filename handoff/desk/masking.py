"""Card numbers and the like masked in what people read through the API: the desk's view.

A customer sometimes types a card number, an IBAN or an SSN to the bot ("it's
4242 4242 4242 4242, why was I charged twice?"). The journal and the
transcript keep what the customer wrote (the contact-center adapters decide
for themselves what leaves the system: ``HANDOFF_REDACT``,
handoff.integrations.redaction), but an agent never needs the whole number:
"the card ending 4242" is what PCI DSS lets them see, and what keeps the
desk out of PCI scope. So every answer that carries customer text to a
person (an ``agent`` or a ``supervisor``, with the desk's session cookie or
their own bearer token) goes through plumbing.redaction with the kinds of
``HANDOFF_DESK_MASK`` (default: all of them; ``off`` shows text as it is):

- a handoff (:func:`mask_handoff`): each transcript message's text, the
  resolution, and every string in the summary; ids, the customer's fields,
  the channel and the reasons are left alone, as the adapters leave them;
- a message (:func:`mask_message`): its text;
- a journal event on the live stream (:func:`mask_events`): its handoff or
  message.

Whose: :func:`kinds_for`. People are masked whatever credential they came
with: an agent's API token (``make agent`` prints it) must not show what their
desk hides. The admin token is the machines' (the bot's outbox, the
operators' scripts): it reads what was stored.

Masking is CPU work on untrusted text, linear but not free (a transcript of
200 messages of 4096 characters takes most of a second), so it runs off the
event loop (:func:`masked_handoff` and friends, and handoff.routes.events),
and the masked form of a text is cached (:data:`TEXT_CACHE_SIZE`): every
open desk stream masks the same new message, and only the first pays.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import Any

from sanic.request import Request

from handoff.auth import PEOPLE, caller
from handoff.context import context_of
from handoff.free_text import event_json, handoff_json, message_json
from handoff.store import JournalEvent
from plumbing.redaction import KINDS, redact

# Texts whose masked form is kept: a page of the journal (200 events) and
# more, each at most a channel's limit (4096 characters).
TEXT_CACHE_SIZE = 512


def kinds_for(request: Request) -> tuple[str, ...]:
    """What to mask for the caller of a route behind handoff.auth.authorized:
    ``HANDOFF_DESK_MASK``'s kinds for people (all kinds if the desk is not
    installed), none for the admin token."""
    if caller(request).role not in PEOPLE:
        return ()
    desk = context_of(request).desk
    return KINDS if desk is None else desk.settings.mask


@functools.lru_cache(maxsize=TEXT_CACHE_SIZE)
def _masked(text: str, kinds: tuple[str, ...]) -> str:
    return redact(text, kinds)


def mask_message(message: Any, kinds: tuple[str, ...]) -> Any:
    """A message's JSON (Message.to_json()) with its text masked."""
    if not kinds:
        return message
    return message_json(message, functools.partial(_masked, kinds=kinds))


def mask_handoff(handoff: Any, kinds: tuple[str, ...]) -> Any:
    """A handoff's JSON (Handoff.to_json()) with its transcript, resolution and summary masked."""
    if not kinds:
        return handoff
    return handoff_json(handoff, functools.partial(_masked, kinds=kinds))


def mask_events(events: Sequence[JournalEvent], kinds: tuple[str, ...]) -> list[JournalEvent]:
    """Journal events with the handoff or message each carries masked."""
    if not kinds:
        return list(events)
    return [event_json(event, functools.partial(_masked, kinds=kinds)) for event in events]


# -- for the routes: the caller's kinds, off the event loop ------------------------------------


async def _as_seen(
    request: Request, value: Any, mask: Callable[[Any, tuple[str, ...]], Any]
) -> Any:
    """``mask(value, kinds)`` with the caller's kinds, in a thread; ``value`` when none."""
    kinds = kinds_for(request)
    if not kinds:
        return value
    return await asyncio.to_thread(mask, value, kinds)


async def masked_handoff(request: Request, handoff: dict[str, Any]) -> dict[str, Any]:
    """A handoff's JSON as the caller may see it."""
    masked: dict[str, Any] = await _as_seen(request, handoff, mask_handoff)
    return masked


async def masked_handoffs(request: Request, handoffs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A list of handoffs' JSON as the caller may see it."""
    masked: list[dict[str, Any]] = await _as_seen(
        request, handoffs, lambda every, kinds: [mask_handoff(h, kinds) for h in every]
    )
    return masked


async def masked_message(request: Request, message: dict[str, Any]) -> dict[str, Any]:
    """A message's JSON as the caller may see it."""
    masked: dict[str, Any] = await _as_seen(request, message, mask_message)
    return masked

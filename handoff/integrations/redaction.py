"""Personal numbers out of what the adapters send: :func:`redacted`.

Transcripts leave the system here: a contact center stores them, shows them
to its agents, indexes them, and keeps them as long as it likes. A customer
who typed a card number to the bot ("it's 4111 1111 1111 1111, why was I
charged twice?") must not have it copied there. So before an adapter builds
its request, the free text of the event (each message's text, a handoff's
transcript, resolution and summary: handoff.free_text) goes through plumbing.redaction with the
kinds of ``HANDOFF_REDACT`` (default: all of them; ``off`` sends text as it
is). Ids, names and the channel are left alone: they are what the receiver
needs to know whose conversation it is, and they are not payment data.

The journal itself keeps the text as it was: the built-in desk reads it,
and which kinds a contact center may receive is the adapters' setting, so
changing it applies to what is sent from then on, retries included.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

from handoff.free_text import event_json
from handoff.store import JournalEvent
from plumbing.redaction import redact


def redacted(event: JournalEvent, kinds: Collection[str]) -> JournalEvent:
    """``event`` as it may leave the system: its free text without the ``kinds``."""
    if not kinds:
        return event
    return event_json(event, partial(redact, kinds=kinds))

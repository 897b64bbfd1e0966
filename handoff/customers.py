"""One customer across channels: which conversations are the same person's.

A customer writes on SMS today, on Telegram next week; the agent who takes
the second conversation should see the first one and how it ended. Each
conversation (a channel's sender id) is linked to at most one customer key,
``<kind>:<value>``, in ``customer_links``; the conversations with the same
key are that customer's. The key is

- ``backend:<id>``: the backend's own customer id, when the handoff's
  ``customer`` carries ``backend_id`` (the actions found the customer by the
  channel's identity, which the channel authenticated);
- ``email:<address>``: an e-mail address that was *verified*
  (``customer.verified_email``), never one the customer merely typed: the
  summary's ``email`` is typed text, and linking on it would show one
  person's history to whoever types their address;
- ``phone:<E.164>``: an SMS conversation's id, which is the sender's number
  as the network delivered it (a REST client cannot claim the SMS channel:
  bot.channels.rest);
- ``manual:<anything>`` (or any kind above): chosen by a supervisor.

The action server sends neither ``backend_id`` nor ``verified_email`` yet
(actions/handoff.py's ``handoff_request`` sends the sender id only): until
it does, automatic links are by phone number only.

Automatic links are made when a handoff is created (:meth:`CustomerLinks.on_journal`,
a journal listener: handoff.store runs it after the commit that journaled
``handoff.created``), idempotently. An automatic link never replaces an
existing link: a supervisor's manual link stays, and a conversation's first
key stays its key. A conversation a supervisor unlinked is linked again at
its next handoff (new evidence), not before. Conversations handed off
before this module existed are linked at their next handoff. One key per
conversation is a simplification: an SMS conversation linked by phone and a
Telegram one by backend id are two customers until a supervisor links them.

Every public method is synchronous but for the ``a``-prefixed twins, which
run it in a worker thread (``asyncio.to_thread``), like the store's.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, not_, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from handoff.insights.record import QUIET_S, ConversationRecord
from handoff.models import (
    conversation_records,
    customer_links,
    handoff_events,
    handoffs,
    utc_now,
)
from handoff.store import HANDOFF_CREATED, iso, write_transaction

__all__ = [
    "HISTORY_LIMIT",
    "KINDS",
    "CustomerLinks",
    "History",
    "Link",
    "automatic_key",
    "customer_key",
    "valid_conversation_id",
]

logger = logging.getLogger(__name__)

PHONE = "phone"
EMAIL = "email"
BACKEND = "backend"
MANUAL = "manual"
KINDS = (PHONE, EMAIL, BACKEND, MANUAL)
MAX_KEY_VALUE = 200
MAX_CONVERSATION_ID = 255
HISTORY_LIMIT = 50
# The channels whose conversation id is the sender's phone number: ours
# (bot.channels.sms) and Rasa's own Twilio channel.
PHONE_CHANNELS = frozenset({"sms", "twilio"})
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Loose on purpose: the address was verified elsewhere; this only keeps
# something that is not an address out of the key.
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+")


def customer_key(value: Any) -> str:
    """``value`` as a customer key, normalised; ValueError saying what it must be.

    ``<kind>:<value>``: kind one of :data:`KINDS`, value 1 to 200 printable
    characters; a phone number in E.164, an e-mail address in lower case
    (addresses are matched case-blind in practice).
    """
    wanted = f"must be <kind>:<value>, kind one of {', '.join(KINDS)}"
    if not isinstance(value, str):
        raise ValueError(wanted)
    kind, colon, rest = value.partition(":")
    if not colon or kind not in KINDS:
        raise ValueError(wanted)
    if not 1 <= len(rest) <= MAX_KEY_VALUE or not rest.isprintable() or rest != rest.strip():
        raise ValueError(f"must have a value of 1 to {MAX_KEY_VALUE} printable characters")
    if kind == PHONE and not E164.fullmatch(rest):
        raise ValueError("must have a phone number in E.164 (+14155550101)")
    if kind == EMAIL:
        if not EMAIL_SHAPE.fullmatch(rest):
            raise ValueError("must have an e-mail address")
        rest = rest.lower()
    return f"{kind}:{rest}"


def valid_conversation_id(value: str) -> bool:
    """Whether ``value`` could be a stored conversation id (the column's length, printable)."""
    return 1 <= len(value) <= MAX_CONVERSATION_ID and value.isprintable()


def automatic_key(
    channel: str, conversation_id: str, customer: Mapping[str, Any]
) -> tuple[str, str] | None:
    """The key and source a new handoff links its conversation by, or None.

    The strongest identity first: the backend's id, a verified address, the
    SMS sender's number. Only verified identities (see the module's doc).
    """
    candidates: list[tuple[str, Any]] = []
    backend_id = customer.get("backend_id")
    if isinstance(backend_id, int) and not isinstance(backend_id, bool):
        backend_id = str(backend_id)
    candidates.append((BACKEND, backend_id))
    candidates.append((EMAIL, customer.get("verified_email")))
    if channel in PHONE_CHANNELS:
        candidates.append((PHONE, conversation_id))
    for kind, value in candidates:
        if not isinstance(value, str) or not value:
            continue
        try:
            return customer_key(f"{kind}:{value}"), kind
        except ValueError:
            # Malformed identities link nothing rather than fail the handoff.
            continue
    return None


@dataclass(frozen=True)
class Link:
    conversation_id: str
    customer_key: str
    source: str
    linked_by: str | None
    linked_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "customer_key": self.customer_key,
            "source": self.source,
            "linked_by": self.linked_by,
            "linked_at": iso(self.linked_at),
        }


@dataclass(frozen=True)
class History:
    """A handoff's customer and their earlier sessions, newest first."""

    link: Link | None
    records: list[ConversationRecord]

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_key": None if self.link is None else self.link.customer_key,
            "link": None if self.link is None else self.link.to_json(),
            "conversations": [
                {
                    "conversation_id": r.conversation_id,
                    "channel": r.channel,
                    "started_at": r.started_at.isoformat(),
                    "ended_at": r.ended_at.isoformat(),
                    "outcome": r.outcome,
                    "contact_reasons": list(r.contact_reasons),
                    "handoff_reason": r.handoff_reason,
                    "csat_score": r.csat_score,
                    "csat_comment": r.csat_comment,
                }
                for r in self.records
            ],
        }


def _link(row: Any) -> Link:
    return Link(row.conversation_id, row.customer_key, row.source, row.linked_by, row.linked_at)


def _read_link(db: Connection, conversation_id: str) -> Link | None:
    row = db.execute(
        select(customer_links).where(customer_links.c.conversation_id == conversation_id)
    ).first()
    return None if row is None else _link(row)


class CustomerLinks:
    """The ``customer_links`` table, over the handoff database's engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- automatic links ---------------------------------------------------------------------

    def link_automatically(
        self, conversation_id: str, channel: str, customer: Mapping[str, Any]
    ) -> Link | None:
        """Link the conversation by its verified identity, unless it is linked already.

        Returns the conversation's link (the existing one, or the new one), or
        None when it has none and no identity to link by. Idempotent.
        """
        with self._engine.connect() as db:
            existing = _read_link(db, conversation_id)
        if existing is not None:
            return existing
        found = automatic_key(channel, conversation_id, customer)
        if found is None:
            return None
        key, source = found
        try:
            with write_transaction(self._engine) as db:
                if _read_link(db, conversation_id) is None:
                    db.execute(
                        insert(customer_links).values(
                            conversation_id=conversation_id,
                            customer_key=key,
                            source=source,
                            linked_by=None,
                            linked_at=utc_now(),
                        )
                    )
        except IntegrityError:
            # Another writer linked it first (PostgreSQL): theirs stands.
            logger.debug("conversation %s was linked meanwhile", conversation_id)
        with self._engine.connect() as db:
            return _read_link(db, conversation_id)

    def on_journal(self, latest_event_id: int) -> None:
        """A journal listener (handoff.store): link the handoff a commit created.

        It runs in the thread that committed. The transaction that creates a
        handoff journals ``handoff.created`` last, so the latest id is that
        event; any other commit costs one lookup by primary key.
        """
        with self._engine.connect() as db:
            event = db.execute(
                select(handoff_events.c.type, handoff_events.c.handoff_id).where(
                    handoff_events.c.id == latest_event_id
                )
            ).first()
            if event is None or event.type != HANDOFF_CREATED:
                return
            row = db.execute(
                select(handoffs.c.conversation_id, handoffs.c.channel, handoffs.c.customer).where(
                    handoffs.c.id == event.handoff_id
                )
            ).first()
        if row is not None:
            self.link_automatically(row.conversation_id, row.channel, dict(row.customer or {}))

    # -- by hand -------------------------------------------------------------------------------

    def conversation_exists(self, conversation_id: str) -> bool:
        """Whether a handoff or a conversation record has this conversation id."""
        with self._engine.connect() as db:
            for table in (handoffs, conversation_records):
                found = db.execute(
                    select(table.c.conversation_id)
                    .where(table.c.conversation_id == conversation_id)
                    .limit(1)
                ).first()
                if found is not None:
                    return True
        return False

    def link(self, conversation_id: str, key: str, linked_by: str) -> Link:
        """Link the conversation to ``key`` by hand (``key`` checked by :func:`customer_key`),
        replacing whatever link it had."""
        values = {
            "customer_key": key,
            "source": MANUAL,
            "linked_by": linked_by,
            "linked_at": utc_now(),
        }
        try:
            return self._link(conversation_id, values)
        except IntegrityError:
            # An automatic link was inserted between the update and the insert
            # (PostgreSQL): the update finds it now.
            return self._link(conversation_id, values)

    def _link(self, conversation_id: str, values: dict[str, Any]) -> Link:
        with write_transaction(self._engine) as db:
            changed = db.execute(
                update(customer_links)
                .where(customer_links.c.conversation_id == conversation_id)
                .values(**values)
            ).rowcount
            if not changed:
                db.execute(insert(customer_links).values(conversation_id=conversation_id, **values))
            link = _read_link(db, conversation_id)
        assert link is not None
        return link

    def unlink(self, conversation_id: str) -> Link | None:
        """Remove the conversation's link; the link it had, or None if it had none."""
        with write_transaction(self._engine) as db:
            link = _read_link(db, conversation_id)
            if link is not None:
                db.execute(
                    delete(customer_links).where(
                        customer_links.c.conversation_id == conversation_id
                    )
                )
        return link

    def link_of(self, conversation_id: str) -> Link | None:
        with self._engine.connect() as db:
            return _read_link(db, conversation_id)

    # -- reading the history -----------------------------------------------------------------

    def history(self, conversation_id: str, since: datetime, limit: int = HISTORY_LIMIT) -> History:
        """The sessions of the conversation's customer, newest first, but the one
        current at ``since`` (naive UTC: the handoff's creation): the records of
        every conversation with the same key, and of this conversation."""
        records = conversation_records.c
        with self._engine.connect() as db:
            link = _read_link(db, conversation_id)
            latest = db.execute(
                select(records.started_at, records.ended_at)
                .where(records.conversation_id == conversation_id, records.started_at <= since)
                .order_by(records.started_at.desc())
                .limit(1)
            ).first()
            # The session the handoff belongs to: the latest one, unless it had
            # gone quiet for good by then (its record may not be kept yet).
            current = None
            if latest is not None and latest.ended_at >= since - timedelta(seconds=QUIET_S):
                current = latest.started_at
            same = records.conversation_id == conversation_id
            if link is not None:
                linked = select(customer_links.c.conversation_id).where(
                    customer_links.c.customer_key == link.customer_key
                )
                same = or_(same, records.conversation_id.in_(linked))
            query = (
                select(records.record)
                .where(same)
                .order_by(records.started_at.desc(), records.conversation_id)
                .limit(limit)
            )
            if current is not None:
                query = query.where(
                    not_(and_(records.conversation_id == conversation_id,
                              records.started_at == current))
                )  # fmt: skip
            found = [ConversationRecord.from_json(data) for data in db.execute(query).scalars()]
        return History(link, found)

    # -- async twins -------------------------------------------------------------------------

    async def aconversation_exists(self, conversation_id: str) -> bool:
        return await asyncio.to_thread(self.conversation_exists, conversation_id)

    async def alink(self, conversation_id: str, key: str, linked_by: str) -> Link:
        return await asyncio.to_thread(self.link, conversation_id, key, linked_by)

    async def aunlink(self, conversation_id: str) -> Link | None:
        return await asyncio.to_thread(self.unlink, conversation_id)

    async def ahistory(self, conversation_id: str, since: datetime) -> History:
        return await asyncio.to_thread(self.history, conversation_id, since)

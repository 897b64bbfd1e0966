"""The channels' own tables: inbox, SMS opt-outs, last inbound message, surveys.

- ``channel_inbox``: every accepted delivery, written before the webhook is
  acknowledged. Its unique key (channel, delivery id) is what makes a retried
  delivery a no-op, and rows not yet processed are what a restarted server
  picks up, so an acknowledged message is never lost.
- ``sms_opt_outs``: numbers that texted STOP; nothing is sent to them, by the
  bot or by an agent, until they text START.
- ``last_inbound``: when each customer last wrote, for Messenger's 24-hour
  window (messages after it need the HUMAN_AGENT tag) and WhatsApp's
  customer-service window (after it, only approved templates):
  :func:`window_closes_at`.
- ``channel_surveys``: every satisfaction survey asked, by the handoff
  service's ``survey_id``, so that asking again (a retry) sends nothing;
  ``pending_surveys``: the one survey per customer waiting for a score or a
  comment. Both are read and written by bot.channels.survey_store.

SQLAlchemy's synchronous engine runs in worker threads (``asyncio.to_thread``)
so the server's event loop never waits on the database; these are single-row
statements, and Rasa pins SQLAlchemy 1.4, whose asyncio extension would need a
driver (aiosqlite, asyncpg) that nothing else here uses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

import plumbing.db
from plumbing.clock import utc_now

metadata = MetaData()

# Delivery ids looked up per SELECT ... IN (...): well under SQLite's limit on
# bound parameters (999 before 3.32).
LOOKUP_CHUNK = 500

inbox = Table(
    "channel_inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("delivery_id", String(128), nullable=False),
    Column("sender_id", String(128), nullable=False),
    Column("message", JSON, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("processed_at", DateTime, nullable=True),
    UniqueConstraint("channel", "delivery_id", name="uq_channel_inbox_delivery"),
)

sms_opt_outs = Table(
    "sms_opt_outs",
    metadata,
    Column("phone_number", String(32), primary_key=True),
    Column("opted_out_at", DateTime, nullable=False),
)

last_inbound = Table(
    "last_inbound",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("sender_id", String(128), primary_key=True),
    Column("received_at", DateTime, nullable=False),
)

# The handoff service's survey ids are at most 64 characters; recipient and
# conversation ids at most 255 (bot.channels.internal's limits).
surveys_asked = Table(
    "channel_surveys",
    metadata,
    Column("survey_id", String(64), primary_key=True),
    # What the survey's buttons carry instead of the id when it is too long
    # for Telegram's callback_data (bot.channels.survey_text.payload_key).
    Column("payload_key", String(64), nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("recipient_id", String(255), nullable=False),
    Column("conversation_id", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("asked_at", DateTime, nullable=False),
    # "asking", then "sent" (the question went out), then "recorded" (and is in
    # the conversation): bot.channels.survey_store.
    Column("status", String(16), nullable=False, server_default="asking"),
)

pending_surveys = Table(
    "pending_surveys",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("recipient_id", String(255), primary_key=True),
    Column("survey_id", String(64), nullable=False),
    Column("conversation_id", String(255), nullable=False),
    Column("stage", String(16), nullable=False),  # "score", then "comment"
    Column("asked_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)


@dataclass(frozen=True)
class InboxItem:
    id: int
    channel: str
    delivery_id: str
    sender_id: str
    message: dict[str, Any]


def build_engine(database_url: str) -> Engine:
    """The channels' engine (plumbing.db's CHANNELS profile), its SQLite folder made.

    The inbox write sits between a webhook and its acknowledgement. In WAL
    mode a commit is one append and one fsync, and readers (the handoff
    service) do not wait for writers. Syncing stays FULL: an acknowledged
    delivery must survive a power cut, since the platform will not resend it.
    """
    engine = plumbing.db.build_engine(database_url, plumbing.db.CHANNELS)
    plumbing.db.ensure_sqlite_directory(engine.url)
    return engine


class ChannelStore:
    def __init__(self, database_url: str) -> None:
        self._engine = build_engine(database_url)
        metadata.create_all(self._engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    # -- inbox ---------------------------------------------------------------

    async def accept(
        self, channel: str, delivery_id: str, sender_id: str, message: dict[str, Any]
    ) -> InboxItem | None:
        """Record a delivery; None if it was recorded before (a retry)."""
        return await asyncio.to_thread(self._accept, channel, delivery_id, sender_id, message)

    def _accept(
        self, channel: str, delivery_id: str, sender_id: str, message: dict[str, Any]
    ) -> InboxItem | None:
        try:
            with self._engine.begin() as db:
                row_id = db.execute(
                    insert(inbox).values(
                        channel=channel,
                        delivery_id=delivery_id,
                        sender_id=sender_id,
                        message=json.loads(json.dumps(message)),
                        received_at=utc_now(),
                    )
                ).inserted_primary_key[0]
        except IntegrityError:
            return None
        return InboxItem(int(row_id), channel, delivery_id, sender_id, message)

    async def accept_many(
        self, channel: str, deliveries: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[InboxItem | None]:
        """Record ``(delivery_id, sender_id, message)`` deliveries in one transaction.

        The result is in the same order: None for a delivery recorded before
        (a retry), or repeated earlier in ``deliveries``.
        """
        if not deliveries:
            return []
        return await asyncio.to_thread(self._accept_many, channel, deliveries)

    def _accept_many(
        self, channel: str, deliveries: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[InboxItem | None]:
        try:
            return self._accept_batch(channel, deliveries)
        except IntegrityError:
            # A concurrent request (the platform's retry of this one) stored
            # one of them between the look-up and the insert; the whole
            # transaction was rolled back, so each goes on its own now.
            return [self._accept(channel, *delivery) for delivery in deliveries]

    def _accept_batch(
        self, channel: str, deliveries: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[InboxItem | None]:
        ids = list(dict.fromkeys(delivery_id for delivery_id, _, _ in deliveries))
        items: list[InboxItem | None] = []
        with self._engine.begin() as db:
            seen: set[str] = set()
            for start in range(0, len(ids), LOOKUP_CHUNK):
                chunk = ids[start : start + LOOKUP_CHUNK]
                seen.update(
                    db.execute(
                        select(inbox.c.delivery_id).where(
                            inbox.c.channel == channel, inbox.c.delivery_id.in_(chunk)
                        )
                    ).scalars()
                )
            received_at = utc_now()
            for delivery_id, sender_id, message in deliveries:
                if delivery_id in seen:
                    items.append(None)
                    continue
                seen.add(delivery_id)
                row_id = db.execute(
                    insert(inbox).values(
                        channel=channel,
                        delivery_id=delivery_id,
                        sender_id=sender_id,
                        message=json.loads(json.dumps(message)),
                        received_at=received_at,
                    )
                ).inserted_primary_key[0]
                items.append(InboxItem(int(row_id), channel, delivery_id, sender_id, message))
        return items

    async def mark_processed(self, item_id: int) -> None:
        await asyncio.to_thread(self._mark_processed, item_id)

    def _mark_processed(self, item_id: int) -> None:
        with self._engine.begin() as db:
            db.execute(update(inbox).where(inbox.c.id == item_id).values(processed_at=utc_now()))

    async def unprocessed(self, channel: str) -> list[InboxItem]:
        """Accepted but never processed (the server stopped in between), oldest first."""
        return await asyncio.to_thread(self._unprocessed, channel)

    def _unprocessed(self, channel: str) -> list[InboxItem]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(inbox)
                .where(inbox.c.channel == channel, inbox.c.processed_at.is_(None))
                .order_by(inbox.c.id)
            ).all()
        return [
            InboxItem(r.id, r.channel, r.delivery_id, r.sender_id, dict(r.message)) for r in rows
        ]

    # -- SMS opt-outs ----------------------------------------------------------

    async def opt_out(self, phone_number: str) -> None:
        await asyncio.to_thread(self._opt_out, phone_number)

    def _opt_out(self, phone_number: str) -> None:
        try:
            with self._engine.begin() as db:
                db.execute(
                    insert(sms_opt_outs).values(phone_number=phone_number, opted_out_at=utc_now())
                )
        except IntegrityError:
            pass  # already opted out: STOP twice means the same as once

    async def opt_in(self, phone_number: str) -> None:
        await asyncio.to_thread(self._opt_in, phone_number)

    def _opt_in(self, phone_number: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(sms_opt_outs).where(sms_opt_outs.c.phone_number == phone_number))

    async def is_opted_out(self, phone_number: str) -> bool:
        return await asyncio.to_thread(self._is_opted_out, phone_number)

    def _is_opted_out(self, phone_number: str) -> bool:
        with self._engine.connect() as db:
            found = db.execute(
                select(sms_opt_outs.c.phone_number).where(
                    sms_opt_outs.c.phone_number == phone_number
                )
            ).first()
        return found is not None

    # -- last inbound message ----------------------------------------------------

    async def touch_inbound(self, channel: str, sender_id: str) -> None:
        await asyncio.to_thread(self._touch_inbound, channel, sender_id)

    def _touch_inbound(self, channel: str, sender_id: str) -> None:
        now = utc_now()
        with self._engine.begin() as db:
            changed = db.execute(
                update(last_inbound)
                .where(last_inbound.c.channel == channel, last_inbound.c.sender_id == sender_id)
                .values(received_at=now)
            ).rowcount
        if changed:
            return
        try:
            with self._engine.begin() as db:
                db.execute(
                    insert(last_inbound).values(
                        channel=channel, sender_id=sender_id, received_at=now
                    )
                )
        except IntegrityError:
            pass  # a concurrent message from the same customer inserted it just now

    async def last_inbound_at(self, channel: str, sender_id: str) -> dt.datetime | None:
        return await asyncio.to_thread(self._last_inbound_at, channel, sender_id)

    def _last_inbound_at(self, channel: str, sender_id: str) -> dt.datetime | None:
        with self._engine.connect() as db:
            value = db.execute(
                select(last_inbound.c.received_at).where(
                    last_inbound.c.channel == channel, last_inbound.c.sender_id == sender_id
                )
            ).scalar_one_or_none()
        return value if isinstance(value, dt.datetime) else None


# WhatsApp's customer-service window (and Messenger's standard one): free-form
# messages may be sent for 24 hours after the customer's last message.
MESSAGING_WINDOW = dt.timedelta(hours=24)


async def window_closes_at(
    store: ChannelStore, sender_id: str, *, channel: str = "whatsapp"
) -> dt.datetime | None:
    """When the 24-hour window with ``sender_id`` closes (naive UTC, as stored), or
    None if they never wrote (or their record was erased): then it is closed.

    A time in the past means it has closed. For the handoff desk's "the window
    closes at" (over the internal route, which would answer it ISO-formatted).
    """
    last = await store.last_inbound_at(channel, sender_id)
    return last + MESSAGING_WINDOW if last is not None else None

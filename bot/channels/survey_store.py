"""Surveys asked and pending, in the channels' store (its ``channel_surveys`` and
``pending_surveys`` tables, bot.channels.store).

A survey asked is recorded once, by its id, before its question is sent
(:meth:`SurveyStore.claim`): a second request for the same id (the handoff
service's retry after a timeout) finds it and sends nothing. Its status says
how far the first request got: ``asking``, ``sent`` (the question went out),
``recorded`` (and was appended to the conversation). A customer has
at most one pending survey, keyed by (channel, recipient id); asking again
replaces it. A pending survey past its ``expires_at`` counts as none, and is
deleted when it is next looked up.

Like the rest of the store, the statements run in worker threads
(``asyncio.to_thread``) on the store's synchronous engine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from bot.channels.store import ChannelStore, pending_surveys, surveys_asked
from plumbing.clock import utc_now

SCORE_STAGE = "score"
COMMENT_STAGE = "comment"
# What became of a survey asked: being asked, its question sent, and also
# appended to the conversation (which a retry does if the first request could not).
ASKING, SENT, RECORDED = "asking", "sent", "recorded"


@dataclass(frozen=True)
class AskedSurvey:
    """A survey the handoff service asked for."""

    survey_id: str
    payload_key: str
    channel: str
    recipient_id: str
    conversation_id: str
    kind: str

    @classmethod
    def from_row(cls, row: Row) -> AskedSurvey:
        """The survey in a row of ``channel_surveys``."""
        return cls(
            row.survey_id, row.payload_key, row.channel, row.recipient_id,
            row.conversation_id, row.kind,
        )  # fmt: skip


@dataclass(frozen=True)
class PendingSurvey:
    """The survey a customer may answer now, and what it waits for."""

    survey_id: str
    channel: str
    recipient_id: str
    conversation_id: str
    stage: str
    expires_at: dt.datetime

    @classmethod
    def from_row(cls, row: Row) -> PendingSurvey:
        """The survey in a row of ``pending_surveys``."""
        return cls(
            row.survey_id, row.channel, row.recipient_id, row.conversation_id,
            row.stage, row.expires_at,
        )  # fmt: skip


class SurveyStore:
    """The survey tables of one :class:`~bot.channels.store.ChannelStore`."""

    def __init__(self, store: ChannelStore) -> None:
        self._engine = store.engine

    # -- asked -------------------------------------------------------------------------

    async def claim(self, survey: AskedSurvey) -> str | None:
        """Record ``survey`` as being asked: None, or the status of its id recorded before."""
        return await asyncio.to_thread(self._claim, survey)

    def _claim(self, survey: AskedSurvey) -> str | None:
        try:
            with self._engine.begin() as db:
                db.execute(
                    insert(surveys_asked).values(
                        survey_id=survey.survey_id,
                        payload_key=survey.payload_key,
                        channel=survey.channel,
                        recipient_id=survey.recipient_id,
                        conversation_id=survey.conversation_id,
                        kind=survey.kind,
                        asked_at=utc_now(),
                        status=ASKING,
                    )
                )
        except IntegrityError:
            with self._engine.connect() as db:
                status = db.execute(
                    select(surveys_asked.c.status).where(
                        surveys_asked.c.survey_id == survey.survey_id
                    )
                ).scalar_one_or_none()
            # Released between the insert and this look-up: as if being asked.
            return str(status) if status is not None else ASKING
        return None

    async def mark(self, survey_id: str, status: str) -> None:
        """The survey's question is now ``status`` (SENT, RECORDED)."""
        await asyncio.to_thread(self._mark, survey_id, status)

    def _mark(self, survey_id: str, status: str) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(surveys_asked)
                .where(surveys_asked.c.survey_id == survey_id)
                .values(status=status)
            )

    async def release(self, survey_id: str) -> None:
        """Forget a claim whose question was not sent, so that asking again may send it."""
        await asyncio.to_thread(self._release, survey_id)

    def _release(self, survey_id: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(surveys_asked).where(surveys_asked.c.survey_id == survey_id))

    async def asked_by_key(self, channel: str, key: str) -> AskedSurvey | None:
        """The survey on ``channel`` whose buttons carry ``key`` (its id, or its digest)."""
        return await asyncio.to_thread(self._asked_by_key, channel, key)

    def _asked_by_key(self, channel: str, key: str) -> AskedSurvey | None:
        with self._engine.connect() as db:
            row = db.execute(
                select(surveys_asked).where(
                    surveys_asked.c.payload_key == key, surveys_asked.c.channel == channel
                )
            ).first()
        return None if row is None else AskedSurvey.from_row(row)

    # -- pending -----------------------------------------------------------------------

    async def set_pending(self, survey: AskedSurvey, expires_at: dt.datetime) -> None:
        """Make ``survey`` the customer's pending one, waiting for a score; replaces any other."""
        await asyncio.to_thread(self._set_pending, survey, expires_at)

    def _set_pending(self, survey: AskedSurvey, expires_at: dt.datetime) -> None:
        for attempt in range(2):
            try:
                with self._engine.begin() as db:
                    self._delete_pending(db, survey.channel, survey.recipient_id)
                    db.execute(
                        insert(pending_surveys).values(
                            channel=survey.channel,
                            recipient_id=survey.recipient_id,
                            survey_id=survey.survey_id,
                            conversation_id=survey.conversation_id,
                            stage=SCORE_STAGE,
                            asked_at=utc_now(),
                            expires_at=expires_at,
                        )
                    )
                return
            except IntegrityError:
                # Another survey for the customer was set between the delete
                # and the insert (on a database whose transactions allow it):
                # once more, this one replacing it.
                if attempt:
                    raise

    async def pending(self, channel: str, recipient_id: str) -> PendingSurvey | None:
        """The customer's pending survey; None if there is none or it expired."""
        return await asyncio.to_thread(self._pending, channel, recipient_id)

    def _pending(self, channel: str, recipient_id: str) -> PendingSurvey | None:
        with self._engine.connect() as db:
            row = db.execute(
                select(pending_surveys).where(
                    pending_surveys.c.channel == channel,
                    pending_surveys.c.recipient_id == recipient_id,
                )
            ).first()
        if row is None:
            return None
        if row.expires_at <= utc_now():
            self._clear(channel, recipient_id, row.survey_id)
            return None
        return PendingSurvey.from_row(row)

    async def await_comment(self, pending: PendingSurvey, expires_at: dt.datetime) -> None:
        """The survey has its score: from now on it waits for a comment, until ``expires_at``."""
        await asyncio.to_thread(self._await_comment, pending, expires_at)

    def _await_comment(self, pending: PendingSurvey, expires_at: dt.datetime) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(pending_surveys)
                .where(self._this(pending.channel, pending.recipient_id, pending.survey_id))
                .values(stage=COMMENT_STAGE, expires_at=expires_at)
            )

    async def clear(self, channel: str, recipient_id: str, survey_id: str | None = None) -> None:
        """No pending survey for the customer any more (only if it is ``survey_id``, if given)."""
        await asyncio.to_thread(self._clear, channel, recipient_id, survey_id)

    def _clear(self, channel: str, recipient_id: str, survey_id: str | None) -> None:
        with self._engine.begin() as db:
            if survey_id is None:
                self._delete_pending(db, channel, recipient_id)
            else:
                this = self._this(channel, recipient_id, survey_id)
                db.execute(delete(pending_surveys).where(this))

    @staticmethod
    def _delete_pending(db: Connection, channel: str, recipient_id: str) -> None:
        db.execute(
            delete(pending_surveys).where(
                pending_surveys.c.channel == channel,
                pending_surveys.c.recipient_id == recipient_id,
            )
        )

    @staticmethod
    def _this(channel: str, recipient_id: str, survey_id: str) -> Any:
        # Only this survey: another one may have replaced it meanwhile.
        return and_(
            pending_surveys.c.channel == channel,
            pending_surveys.c.recipient_id == recipient_id,
            pending_surveys.c.survey_id == survey_id,
        )

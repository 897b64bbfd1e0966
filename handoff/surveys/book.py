"""The ``surveys`` table: which surveys to ask, which are due, and their answers.

:class:`SurveyBook` is synchronous (SQLAlchemy Core on the handoff
database): the runner (handoff.surveys.runner) calls it in a worker thread.

**Planning.** A survey is planned once per *origin*, what it is about (the
unique ``origin`` column: a hash, so planning again is a no-op):

- a handoff closed within :data:`LOOKBACK` on a channel that can ask
  (:data:`SURVEY_CHANNELS`), due ``delay_s`` after the close;
- with bot surveys on, a session the bot resolved (its record's outcome
  ``resolved``, which it gets once the session has been quiet an hour),
  due at once. Each look reads only the records updated since the previous
  one (less :data:`LOOK_OVERLAP`); the first after a start reads the whole
  :data:`LOOKBACK`.

It is planned ``skipped`` instead, never asked, when the conversation is
with a person again (an open handoff), or had a survey in the last
``min_gap_s``: one question a day is plenty.

**Answers** are not sent here: the customer's answer is an event in Rasa's
tracker, which the conversation's record takes in (csat_score and
csat_comment, with the survey's id). :meth:`SurveyBook.collect` copies them
from the records onto the surveys, and reports the new scores.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from handoff.escalation import event_time
from handoff.insights.record import ConversationRecord
from handoff.models import (
    CLOSED,
    WITHDRAWN,
    conversation_records,
    handoffs,
    insight_events,
    surveys,
)
from plumbing.clock import to_naive_utc, utc_now
from plumbing.db import write_transaction
from plumbing.untrusted import parse_json

# The channels whose customers can be asked: the REST channel only answers.
SURVEY_CHANNELS = ("sms", "telegram", "messenger", "whatsapp")
# How far back a closed handoff or a resolved session is still worth a question.
LOOKBACK = timedelta(hours=2)
# Asked surveys are read back from the records this long (the Rasa server
# keeps a question open 24 hours, and a comment may follow the score).
ANSWER_WINDOW = timedelta(hours=26)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
BATCH = 50
# Records are stamped by the wall clock when written (handoff.insights.keeper),
# and may commit a moment later: a look at resolved sessions starts this long
# before the previous one began, so that a record written while it ran is read
# (the runner's look at answers, SurveyRunner's collect, overlaps the same way).
LOOK_OVERLAP = timedelta(minutes=1)
# How far back a customer's last message is looked for: a turn is a few events.
RECENT_EVENTS = 200

DUE, ASKED, ANSWERED = "due", "asked", "answered"
REFUSED, FAILED, SKIPPED, UNANSWERED = "refused", "failed", "skipped", "unanswered"
HANDOFF_KIND, BOT_KIND = "handoff", "bot"


@dataclass(frozen=True)
class Survey:
    id: str
    kind: str
    conversation_id: str
    channel: str
    recipient_id: str
    handoff_id: int | None
    status: str
    attempts: int
    score: int | None = None
    comment: str | None = None
    reopened_handoff_id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> Survey:
        return cls(
            id=row.id,
            kind=row.kind,
            conversation_id=row.conversation_id,
            channel=row.channel,
            recipient_id=row.recipient_id,
            handoff_id=row.handoff_id,
            status=row.status,
            attempts=row.attempts,
            score=row.score,
            comment=row.comment,
            reopened_handoff_id=row.reopened_handoff_id,
        )


def _last_customer_message_at(db: Connection, conversation_id: str) -> datetime | None:
    """When the customer last wrote (naive UTC), from the latest events the keeper stored."""
    for (data,) in db.execute(
        select(insight_events.c.data)
        .where(insight_events.c.conversation_id == conversation_id)
        .order_by(insight_events.c.id.desc())
        .limit(RECENT_EVENTS)
    ):
        event = parse_json(data)
        if isinstance(event, dict) and event.get("event") == "user":
            moment = event_time(event)
            return None if moment is None else to_naive_utc(moment)
    return None


def origin_of(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


class SurveyBook:
    def __init__(
        self,
        engine: Engine,
        *,
        after_handoff: bool = True,
        after_bot: bool = False,
        delay_s: float = 30.0,
        min_gap_s: float = 86400.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._after_handoff = after_handoff
        self._after_bot = after_bot
        self._delay = timedelta(seconds=delay_s)
        self._min_gap = timedelta(seconds=min_gap_s)
        # The wall clock (naive UTC) the records' updated_at is stamped by; not
        # plan's ``now``, which may be another clock (the runner's).
        self._clock = clock
        # Where the next look at resolved sessions starts; None: the whole LOOKBACK.
        self._bot_looked_at: datetime | None = None

    # -- planning ------------------------------------------------------------------------

    def plan(self, now: datetime) -> int:
        """Plan the surveys that became due by ``now`` (naive UTC); how many were planned."""
        planned = 0
        # Taken before the read, and kept only once the plans are committed:
        # a step that fails looks again from where it started.
        looking_at = self._clock() - LOOK_OVERLAP
        with write_transaction(self._engine) as db:
            if self._after_handoff:
                planned += self._plan_after_handoffs(db, now)
            if self._after_bot:
                planned += self._plan_after_bot(db, now, self._bot_looked_at)
        if self._after_bot:
            self._bot_looked_at = looking_at
        return planned

    def _plan_after_handoffs(self, db: Connection, now: datetime) -> int:
        rows = db.execute(
            select(
                handoffs.c.id,
                handoffs.c.conversation_id,
                handoffs.c.channel,
                handoffs.c.customer_id,
                handoffs.c.closed_at,
            ).where(
                handoffs.c.status == CLOSED,
                # Taken back before anyone spoke to them: nothing to rate.
                or_(handoffs.c.resolution.is_(None), handoffs.c.resolution != WITHDRAWN),
                handoffs.c.closed_at >= now - LOOKBACK,
                handoffs.c.channel.in_(SURVEY_CHANNELS),
                ~exists().where(surveys.c.handoff_id == handoffs.c.id),
            )
        ).all()
        planned = 0
        for row in rows:
            planned += self._insert(
                db,
                now,
                origin=origin_of(HANDOFF_KIND, row.id),
                kind=HANDOFF_KIND,
                conversation_id=row.conversation_id,
                channel=row.channel,
                recipient_id=row.customer_id,
                handoff_id=row.id,
                due_at=row.closed_at + self._delay,
            )
        return planned

    def _plan_after_bot(self, db: Connection, now: datetime, since: datetime | None) -> int:
        """Plan the sessions resolved within LOOKBACK whose records were updated
        at or after ``since`` (every one if None). A record read is always planned
        (due or skipped) and a session only becomes resolved by an update, so one
        not updated since a look has nothing new to plan."""
        query = select(
            conversation_records.c.conversation_id,
            conversation_records.c.started_at,
            conversation_records.c.channel,
        ).where(
            conversation_records.c.outcome == "resolved",
            conversation_records.c.ended_at >= now - LOOKBACK,
            conversation_records.c.channel.in_(SURVEY_CHANNELS),
        )
        if since is not None:
            # At or after: a record stamped in the instant the mark was taken is read.
            query = query.where(conversation_records.c.updated_at >= since)
        rows = db.execute(query).all()
        planned = 0
        for row in rows:
            planned += self._insert(
                db,
                now,
                origin=origin_of(BOT_KIND, row.conversation_id, row.started_at.isoformat()),
                kind=BOT_KIND,
                conversation_id=row.conversation_id,
                channel=row.channel,
                # The channels' sender id is the conversation id (Rasa's sender_id).
                recipient_id=row.conversation_id,
                handoff_id=None,
                due_at=now,
            )
        return planned

    def _insert(self, db: Connection, now: datetime, **values: Any) -> int:
        if db.execute(select(surveys.c.id).where(surveys.c.origin == values["origin"])).first():
            return 0
        status, detail = DUE, None
        if self._open_handoff(db, values["conversation_id"]):
            status, detail = SKIPPED, "with_a_person"
        elif self._asked_lately(db, values["conversation_id"], now):
            status, detail = SKIPPED, "asked_lately"
        try:
            # A savepoint: a planner racing this one (another instance) only loses its row.
            with db.begin_nested():
                db.execute(
                    insert(surveys).values(
                        id=uuid.uuid4().hex,
                        status=status,
                        detail=detail,
                        attempts=0,
                        created_at=now,
                        **values,
                    )
                )
        except IntegrityError:
            return 0
        return int(status == DUE)

    def _open_handoff(self, db: Connection, conversation_id: str) -> bool:
        return (
            db.execute(
                select(handoffs.c.id).where(
                    handoffs.c.conversation_id == conversation_id, handoffs.c.status != CLOSED
                )
            ).first()
            is not None
        )

    def _asked_lately(self, db: Connection, conversation_id: str, now: datetime) -> bool:
        return (
            db.execute(
                select(surveys.c.id).where(
                    surveys.c.conversation_id == conversation_id,
                    surveys.c.status.in_((DUE, ASKED, ANSWERED)),
                    surveys.c.created_at >= now - self._min_gap,
                )
            ).first()
            is not None
        )

    # -- asking --------------------------------------------------------------------------

    def due(self, now: datetime, limit: int = BATCH) -> list[Survey]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(surveys)
                .where(surveys.c.status == DUE, surveys.c.due_at <= now)
                .order_by(surveys.c.due_at)
                .limit(limit)
            ).all()
        return [Survey.from_row(row) for row in rows]

    def still_wanted(self, survey: Survey, now: datetime) -> bool:
        """Whether to ask now: not when the conversation is with a person again (the
        survey is skipped), nor while the customer is writing (it waits until they
        have been quiet ``delay_s``, so the question never cuts into a conversation)."""
        with write_transaction(self._engine) as db:
            if self._open_handoff(db, survey.conversation_id):
                self._set(db, survey.id, status=SKIPPED, detail="with_a_person")
                return False
            last = _last_customer_message_at(db, survey.conversation_id)
            if last is not None and last > now - self._delay:
                self._set(db, survey.id, due_at=last + self._delay)
                return False
            return True

    def asked(self, survey: Survey, now: datetime) -> None:
        with write_transaction(self._engine) as db:
            self._set(db, survey.id, status=ASKED, asked_at=now, attempts=survey.attempts + 1)

    def refused(self, survey: Survey, reason: str) -> None:
        with write_transaction(self._engine) as db:
            self._set(db, survey.id, status=REFUSED, detail=reason[:64])

    def failed(self, survey: Survey, why: str, now: datetime, *, for_good: bool) -> None:
        attempts = survey.attempts + 1
        with write_transaction(self._engine) as db:
            if for_good or attempts >= MAX_ATTEMPTS:
                self._set(db, survey.id, status=FAILED, detail=why[:64], attempts=attempts)
            else:
                later = now + RETRY_BASE * (2 ** (attempts - 1))
                self._set(db, survey.id, attempts=attempts, due_at=later, detail=why[:64])

    # -- answers -------------------------------------------------------------------------

    def collect(self, now: datetime, changed_since: datetime | None = None) -> list[Survey]:
        """Copy answers from the records onto the surveys; the surveys that got a new score.

        ``changed_since`` (naive UTC): look only at conversations whose records
        changed since then (the runner's previous look), so that a step costs
        what changed, not every survey of the last day. Asked surveys not
        answered within :data:`ANSWER_WINDOW` become ``unanswered``.
        """
        newly_scored = []
        query = select(surveys).where(
            surveys.c.status.in_((ASKED, ANSWERED)),
            surveys.c.asked_at >= now - ANSWER_WINDOW,
        )
        if changed_since is not None:
            query = query.where(
                exists().where(
                    conversation_records.c.conversation_id == surveys.c.conversation_id,
                    conversation_records.c.updated_at >= changed_since,
                )
            )
        with write_transaction(self._engine) as db:
            rows = db.execute(query).all()
            for row in rows:
                record = self._record_of(db, row.conversation_id, row.id)
                if record is None or record.csat_score is None:
                    continue
                if (record.csat_score, record.csat_comment) == (row.score, row.comment):
                    continue
                self._set(
                    db,
                    row.id,
                    status=ANSWERED,
                    score=record.csat_score,
                    comment=record.csat_comment,
                    answered_at=row.answered_at or now,
                )
                if record.csat_score != row.score:
                    newly_scored.append(
                        replace(
                            Survey.from_row(row),
                            status=ANSWERED,
                            score=record.csat_score,
                            comment=record.csat_comment,
                        )
                    )
            db.execute(
                update(surveys)
                .where(surveys.c.status == ASKED, surveys.c.asked_at < now - ANSWER_WINDOW)
                .values(status=UNANSWERED)
            )
        return newly_scored

    def _record_of(
        self, db: Connection, conversation_id: str, survey_id: str
    ) -> ConversationRecord | None:
        # The question lands in the conversation's latest session; a reply
        # to it may come after a new one began.
        for (data,) in db.execute(
            select(conversation_records.c.record)
            .where(conversation_records.c.conversation_id == conversation_id)
            .order_by(conversation_records.c.started_at.desc())
            .limit(3)
        ):
            record = ConversationRecord.from_json(data)
            if record.csat_survey_id == survey_id:
                return record
        return None

    def reopened(self, survey: Survey, handoff_id: int) -> None:
        with write_transaction(self._engine) as db:
            self._set(db, survey.id, reopened_handoff_id=handoff_id)

    def get(self, survey_id: str) -> Survey | None:
        with self._engine.connect() as db:
            row = db.execute(select(surveys).where(surveys.c.id == survey_id)).first()
        return None if row is None else Survey.from_row(row)

    def of_conversation(self, conversation_id: str) -> Sequence[Survey]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(surveys)
                .where(surveys.c.conversation_id == conversation_id)
                .order_by(surveys.c.created_at)
            ).all()
        return [Survey.from_row(row) for row in rows]

    @staticmethod
    def _set(db: Connection, survey_id: str, **values: Any) -> None:
        db.execute(update(surveys).where(surveys.c.id == survey_id).values(**values))


def purge_surveys(engine: Engine, cutoff: datetime) -> int:
    """Delete the surveys planned before ``cutoff`` (naive UTC), answers and all
    (handoff.retention); how many. Surveys are a few rows a conversation: one delete."""
    with write_transaction(engine) as db:
        return int(db.execute(delete(surveys).where(surveys.c.created_at < cutoff)).rowcount)

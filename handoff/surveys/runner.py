"""The surveys' background work, one step every few seconds: :class:`SurveyRunner`.

Each step

1. plans the surveys that became due (handoff.surveys.book);
2. asks each due survey through the Rasa server's internal route
   (``ask``: handoff.delivery.RasaDelivery.ask_survey), which renders it in
   the customer's channel or refuses it (an SMS opt-out, Messenger's window
   closed): a refusal is final, a failure of the moment is tried again
   later, a set-up problem (a wrong token) is logged at ERROR;
3. reads the answers back from the conversation records, and with
   ``HANDOFF_CSAT_REOPEN_AT_OR_BELOW`` set, opens a handoff again for a
   handoff's survey scored that low: a new handoff in the queue (its reason
   ``low_satisfaction``, the earlier handoff and the score in its summary,
   and a line in its transcript saying so), the bot paused again, and the
   customer told a person will get back to them.

A new handoff rather than the closed one reopened: every reader of the
journal (the desk, the adapters, a contact center's webhook) already knows
``handoff.created``, and the closed handoff keeps its own handle time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from handoff.delivery import SurveyAnswer, SurveyRequest
from handoff.models import BOT, utc_now
from handoff.store import HandoffStore, NewMessage
from handoff.surveys.book import HANDOFF_KIND, LOOK_OVERLAP, Survey, SurveyBook
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

STEP_EVERY_S = 10.0
REOPEN_REASON = "low_satisfaction"
REOPENED_NOTICE = (
    "I'm sorry we didn't get this right. I've asked a colleague to look at your "
    "conversation again; they'll reply here."
)

Ask = Callable[[SurveyRequest], Awaitable[SurveyAnswer]]
Pause = Callable[[str], Awaitable[None]]
Deliver = Callable[[str, str, str], Awaitable[None]]


class SurveyRunner:
    def __init__(
        self,
        book: SurveyBook,
        store: HandoffStore,
        *,
        ask: Ask,
        pause: Pause | None = None,
        deliver: Deliver | None = None,
        reopen_at_or_below: int = 0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._book = book
        self._store = store
        self._ask = ask
        self._pause = pause
        self._deliver = deliver
        self._reopen_at = reopen_at_or_below
        self._clock = clock
        self._looked_at: datetime | None = None  # None: look at every asked survey

    async def step(self) -> None:
        now = self._clock()
        await asyncio.to_thread(self._book.plan, now)
        for survey in await asyncio.to_thread(self._book.due, now):
            await self._ask_one(survey, now)
        # Records are stamped by the wall clock; a minute's overlap between looks
        # covers a record written while the previous look ran.
        since, self._looked_at = self._looked_at, utc_now() - LOOK_OVERLAP
        for survey in await asyncio.to_thread(self._book.collect, now, since):
            logger.info("survey %s answered: %s/5", survey.id, survey.score)
            if (
                survey.kind == HANDOFF_KIND
                and survey.score is not None
                and survey.score <= self._reopen_at
                and survey.reopened_handoff_id is None
            ):
                await self.reopen(survey)

    async def _ask_one(self, survey: Survey, now: datetime) -> None:
        if not await asyncio.to_thread(self._book.still_wanted, survey, now):
            return
        request = SurveyRequest(
            survey.id, survey.channel, survey.recipient_id, survey.conversation_id, survey.kind
        )
        answer = await self._ask(request)
        # Logged by survey id: the recipient is a phone number on SMS.
        if answer.status == "asked":
            await asyncio.to_thread(self._book.asked, survey, now)
            logger.info("survey %s asked (%s, after %s)", survey.id, survey.channel, survey.kind)
        elif answer.status == "refused":
            await asyncio.to_thread(self._book.refused, survey, answer.detail)
            logger.info("survey %s not asked: %s", survey.id, answer.detail)
        else:
            for_good = answer.status == "failed"
            await asyncio.to_thread(
                self._book.failed, survey, answer.detail, now, for_good=for_good
            )
            log = logger.error if for_good else logger.warning
            log("survey %s not asked: %s", survey.id, answer.detail)

    async def reopen(self, survey: Survey) -> int | None:
        """Put the customer back in the queue after a low score; the new handoff's id."""
        earlier = (
            await self._store.get(survey.handoff_id, with_transcript=False)
            if (survey.handoff_id is not None)
            else None
        )
        if earlier is None:
            return None
        comment = f': "{survey.comment}"' if survey.comment else ""
        line = (
            f"The customer rated handoff #{earlier.id} {survey.score}/5{comment}. "
            "Opened again for a person to follow up."
        )
        handoff, created = await self._store.create_handoff(
            escalation_id=f"csat-{survey.id}",
            conversation_id=survey.conversation_id,
            channel=survey.channel,
            customer_id=survey.recipient_id,
            customer=earlier.customer,
            reasons=[REOPEN_REASON],
            priority=earlier.priority,
            anger=earlier.anger,
            summary={
                "reopens_handoff": earlier.id,
                "csat_score": survey.score,
                "csat_comment": survey.comment,
            },
            transcript=[NewMessage(BOT, line, self._clock(), f"csat-{survey.id}")],
        )
        await asyncio.to_thread(self._book.reopened, survey, handoff.id)
        if not created:
            return handoff.id  # the conversation is already with a person
        logger.info("survey %s: handoff %d opened again as %d", survey.id, earlier.id, handoff.id)
        await self._hold_bot(survey, handoff.id)
        return handoff.id

    async def _hold_bot(self, survey: Survey, handoff_id: int) -> None:
        # The handoff is recorded either way: a person sees it in the queue.
        if self._pause is not None:
            try:
                await self._pause(survey.conversation_id)
            except Exception:
                logger.exception("handoff %d: the bot was NOT paused", handoff_id)
        if self._deliver is not None:
            try:
                await self._deliver(survey.channel, survey.recipient_id, REOPENED_NOTICE)
            except Exception:
                logger.exception("handoff %d: the customer was not told", handoff_id)

    def worker(self, interval_s: float = STEP_EVERY_S) -> Worker:
        async def step() -> None:
            await self.step()

        return Worker("surveys", step, interval_s=interval_s)

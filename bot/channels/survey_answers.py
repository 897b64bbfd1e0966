"""Answers to a satisfaction survey, taken before the bot sees them.

Every channel that asks surveys hands its customer's messages to Rasa
through :func:`answering_surveys` (bot.channels.inbox wraps the
``on_new_message`` it passes to a channel's ``process``), so a message is
looked at after the channel made it text (an SMS "2" is the second button's
payload, a pressed Telegram button or Messenger quick reply its payload) and
before Rasa's NLU. With the customer's pending survey (bot.channels.survey_store):

    csat:<id>:<n> of the pending survey      the score: recorded, thanked (more warmly,
    (or csat:*:<n>, WhatsApp's list),
    or a typed score ("4", "5 stars",        and sorry, for 1 or 2) and a comment
    "⭐⭐⭐⭐") while it waits for a score     invited; the survey now waits for a comment
    a survey button while it waits for a     the score changed, thanked again
    comment
    "skip", "no thanks"... (comment stage)   a short thanks; the survey is done
    any other text (comment stage)           the comment (capped), a short thanks; done
    csat:<id>:<n> of no pending survey       "Thanks, this survey has closed."
    (answered, expired, replaced)
    anything else (score stage), a bot's     the survey is dropped silently and the
    button ("/intent") in comment stage      message goes to Rasa: the customer moved on

Every reply speaks the survey's language (bot.channels.survey_language: the
one its question was asked in, kept in the conversation), and the customer
may answer in either ("5", "cinco", "omitir").

An answer never reaches Rasa's NLU; the inbox marks its delivery processed
as any other. What it means is appended to the survey's conversation
(bot.channels.conversations), where the handoff service reads it from the
event broker: ``SlotSet("csat_score", n)``, ``SlotSet("csat_comment", text)``,
each with ``{"survey_id": id}`` in its metadata, and every reply as
``BotUttered(text, metadata={"survey_id": id, "survey": "thanks"})``.

In that order: the events first (a store that fails raises, and the inbox
tries the message again), then the pending survey's new stage, then the
reply, so a retry never thanks twice. Log lines name the survey, never the
customer or their words.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event, SlotSet

from bot.channels.conversations import append_events
from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore
from bot.channels.survey_language import conversation_language, survey_language
from bot.channels.survey_store import SCORE_STAGE, PendingSurvey, SurveyStore
from bot.channels.survey_text import (
    ANY_SURVEY_KEY,
    comment_of,
    declines_comment,
    is_survey_payload,
    payload_key,
    score_thanks,
    survey_payload,
    typed_score,
    wording,
)
from plumbing.clock import utc_now

logger = logging.getLogger(__name__)

# Rasa's slots for the answers (domain.yml; they never steer the dialogue).
SCORE_SLOT = "csat_score"
COMMENT_SLOT = "csat_comment"
# A message starting so is a payload of the bot's own buttons ("/greet").
INTENT_PREFIX = "/"

Handler = Callable[[UserMessage], Awaitable[Any]]


def thanks_event(text: str, survey_id: str) -> BotUttered:
    return BotUttered(text, metadata={"survey_id": survey_id, "survey": "thanks"})


class SurveyAnswers:
    """Takes survey answers out of one channel's messages (the module docstring)."""

    def __init__(
        self,
        channel: str,
        store: ChannelStore,
        settings: ChannelSettings,
        app: Callable[[], Any],
    ) -> None:
        self.channel = channel
        self.surveys = SurveyStore(store)
        self.settings = settings
        self._app = app  # the Sanic app once the server started (Rasa's agent is on it)

    async def take(self, message: UserMessage) -> bool:
        """Handle ``message`` if it answers a survey; False if it is for the bot."""
        text = message.text or ""
        sender = message.sender_id or ""
        pending = await self.surveys.pending(self.channel, sender)
        if is_survey_payload(text):
            pressed = survey_payload(text)
            if pressed is not None and pending is not None:
                key, score = pressed
                if key in (payload_key(pending.survey_id), ANY_SURVEY_KEY):
                    await self._score(pending, score, message)
                    return True
            await self._closed(pressed[0] if pressed else None, message)
            return True
        if pending is None:
            return False
        if pending.stage == SCORE_STAGE:
            typed = typed_score(text)
            if typed is not None:
                await self._score(pending, typed, message)
                return True
            await self._moved_on(pending)
            return False
        if text.startswith(INTENT_PREFIX):
            await self._moved_on(pending)
            return False
        words = wording(await self._language(pending))
        if declines_comment(text):
            await self._finish(pending, [], words.skipped_thanks, message)
            logger.info("survey %s: comment skipped", pending.survey_id)
        else:
            comment = SlotSet(
                COMMENT_SLOT, comment_of(text), metadata={"survey_id": pending.survey_id}
            )
            await self._finish(pending, [comment], words.comment_thanks, message)
            logger.info("survey %s: comment recorded", pending.survey_id)
        return True

    async def _language(self, pending: PendingSurvey) -> str:
        return await survey_language(self._app(), pending.conversation_id, pending.survey_id)

    async def _score(self, pending: PendingSurvey, score: int, message: UserMessage) -> None:
        thanks = score_thanks(score, await self._language(pending))
        events: list[Event] = [
            SlotSet(SCORE_SLOT, score, metadata={"survey_id": pending.survey_id}),
            thanks_event(thanks, pending.survey_id),
        ]
        await append_events(self._app(), pending.conversation_id, events)
        expires = utc_now() + dt.timedelta(minutes=self.settings.survey_comment_minutes)
        await self.surveys.await_comment(pending, expires)
        logger.info("survey %s: score %d recorded", pending.survey_id, score)
        await self._reply(message, thanks)

    async def _finish(
        self, pending: PendingSurvey, events: list[Event], thanks: str, message: UserMessage
    ) -> None:
        """The survey is done: ``events`` and the thanks recorded, the survey cleared."""
        recorded = [*events, thanks_event(thanks, pending.survey_id)]
        await append_events(self._app(), pending.conversation_id, recorded)
        await self.surveys.clear(self.channel, pending.recipient_id, pending.survey_id)
        await self._reply(message, thanks)

    async def _closed(self, key: str | None, message: UserMessage) -> None:
        """A button of a survey that is no longer pending: said so, kept from the bot."""
        asked = await self.surveys.asked_by_key(self.channel, key) if key else None
        survey_id = asked.survey_id if asked is not None else (key or "?")
        conversation_id = (asked.conversation_id if asked is not None else message.sender_id) or ""
        if asked is not None:
            language = await survey_language(self._app(), conversation_id, asked.survey_id)
        else:
            language = await conversation_language(self._app(), conversation_id)
        closed = wording(language).closed_text
        await append_events(self._app(), conversation_id, [thanks_event(closed, survey_id)])
        logger.info("survey %s: answered after it closed", survey_id)
        await self._reply(message, closed)

    async def _moved_on(self, pending: PendingSurvey) -> None:
        await self.surveys.clear(self.channel, pending.recipient_id, pending.survey_id)
        logger.info("survey %s: dropped, the customer wrote something else", pending.survey_id)

    async def _reply(self, message: UserMessage, text: str) -> None:
        # The channel's own output for its turns: a failure is logged there,
        # and the answer is kept already.
        await message.output_channel.send_text_message(message.sender_id, text)


def answering_surveys(answers: SurveyAnswers, on_new_message: Handler) -> Handler:
    """``on_new_message``, with survey answers taken out before they reach Rasa."""

    async def handle(message: UserMessage) -> Any:
        if await answers.take(message):
            return None
        return await on_new_message(message)

    return handle

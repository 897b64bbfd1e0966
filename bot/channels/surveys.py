"""Asking a customer "how did we do?", for the handoff service.

The handoff service decides when (a handoff closed, a conversation the bot
resolved went quiet) and posts the request to ``POST /internal/surveys``
(bot.channels.internal, which checks the token and the channel and calls
:func:`ask_survey`)::

    {"survey_id": "<1..64 of [A-Za-z0-9_-]>", "channel": "sms"|"telegram"|"messenger",
     "recipient_id": "<as for deliveries>", "conversation_id": "<Rasa sender id>",
     "kind": "handoff"|"bot"}

:func:`ask_survey`, in this order:

1. records the survey id (bot.channels.survey_store); an id recorded before
   is a retry, and nothing is sent again;
2. refuses to ask a customer who must not be asked (:class:`SurveyNotAsked`,
   the route's 409): an SMS number that opted out (``opted_out``), a
   Messenger customer who has not written in the last 24 hours
   (``window_closed``: a survey is the bot's message, not a person's, so it
   never takes the HUMAN_AGENT tag);
3. makes it the customer's pending survey (before the question goes out, so
   that the quickest answer finds it), replacing any other;
4. sends the question (bot.channels.survey_text) with the channel's own
   output: five buttons on Telegram (one row) and Messenger (quick replies),
   plain text by SMS. A platform that refuses for good (a Telegram user who
   blocked the bot) is ``refused``; then, as for any failure to send, the
   claim and the pending survey are undone, so a later request may ask again;
5. appends the question to the conversation (bot.channels.conversations) as
   ``BotUttered(text, data={"buttons": [...]}, metadata={"survey_id",
   "survey": "question", "survey_kind"})``, so the handoff service sees it on
   the event broker; the SMS channel reads the buttons there too, so that a
   reply "4" means the fourth.

A retry that arrives while the first request is still sending answers that
the survey was asked; if that first send then fails, the survey was not. A
retry after a question was sent but could not be appended (the route's 500)
appends it, without sending it again.
The answers are read by bot.channels.survey_answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import BotUttered

from bot.channels.conversations import append_events
from bot.channels.delivery import PermanentSendError
from bot.channels.errors import ChannelError
from bot.channels.messenger_send import STANDARD_WINDOW
from bot.channels.outbound import create_output
from bot.channels.settings import ChannelSettings
from bot.channels.sms import TWILIO_UNSUBSCRIBED, OptedOut
from bot.channels.store import ChannelStore
from bot.channels.survey_store import RECORDED, SENT, AskedSurvey, SurveyStore
from bot.channels.survey_text import payload_key, question, score_buttons
from plumbing.clock import utc_now
from plumbing.untrusted import UntrustedInput, parse_object

logger = logging.getLogger(__name__)

CHANNELS = ("sms", "telegram", "messenger")
KINDS = ("handoff", "bot")
FIELDS = frozenset({"survey_id", "channel", "recipient_id", "conversation_id", "kind"})
SURVEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# As the delivery route's: the handoff service's id columns hold 255 characters.
ID_LIMIT = 255
BODY_SHAPE = (
    'the body must be a JSON object: {"survey_id": "...", "channel": "sms|telegram|messenger", '
    '"recipient_id": "...", "conversation_id": "...", "kind": "handoff|bot"}'
)
# Control characters (and lone surrogates) have no place in an id.
_NOT_PRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")

# Why a survey was not asked: the route's 409 ``reason``.
OPTED_OUT = "opted_out"
WINDOW_CLOSED = "window_closed"
REFUSED = "refused"


class InvalidSurveyRequest(ChannelError):
    """Not a JSON object of the documented fields; the message says what is wrong."""


class SurveyNotAsked(ChannelError):
    """The customer must not be asked (the route's 409); ``reason`` says why."""

    def __init__(self, reason: str, detail: str, code: str | int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class SurveyRequest:
    """What the handoff service asks: the module docstring's body."""

    survey_id: str
    channel: str
    recipient_id: str
    conversation_id: str
    kind: str

    @classmethod
    def parse(cls, body: bytes) -> SurveyRequest:
        """The request in ``body``; raises InvalidSurveyRequest with a message for the client."""
        try:
            data = parse_object(body, FIELDS, BODY_SHAPE)
        except UntrustedInput as error:  # not a JSON object of those fields
            raise InvalidSurveyRequest(str(error)) from None
        survey_id = _text(data, "survey_id", 64)
        if not SURVEY_ID.fullmatch(survey_id):
            raise InvalidSurveyRequest("survey_id must be 1 to 64 of A-Z, a-z, 0-9, _ and -")
        kind = _text(data, "kind", 16)
        if kind not in KINDS:
            raise InvalidSurveyRequest(f"kind must be one of {', '.join(KINDS)}")
        return cls(
            survey_id=survey_id,
            # Checked against the channels loaded by the route (422 unknown_channel).
            channel=_text(data, "channel", 64),
            recipient_id=_text(data, "recipient_id", ID_LIMIT),
            conversation_id=_text(data, "conversation_id", ID_LIMIT),
            kind=kind,
        )

    def asked(self) -> AskedSurvey:
        return AskedSurvey(
            self.survey_id, payload_key(self.survey_id), self.channel, self.recipient_id,
            self.conversation_id, self.kind,
        )  # fmt: skip


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise InvalidSurveyRequest(f"{name} must be a string; {BODY_SHAPE}")
    if not value.strip():
        raise InvalidSurveyRequest(f"{name} must not be empty")
    if len(value) > limit:
        raise InvalidSurveyRequest(f"{name} is longer than {limit} characters")
    if _NOT_PRINTABLE.search(value):
        raise InvalidSurveyRequest(f"{name} must not contain control characters")
    return value


async def ask_survey(
    request: SurveyRequest, *, settings: ChannelSettings, store: ChannelStore, app: Any
) -> bool:
    """Ask the customer (the module docstring); False if the survey was asked before.

    Raises SurveyNotAsked, or SendError (bot.channels.delivery) when the
    platform kept failing, or what appending the question to the
    conversation raised (it was sent then).
    """
    surveys = SurveyStore(store)
    survey = request.asked()
    before = await surveys.claim(survey)
    if before is not None:
        logger.info("survey %s was asked before: not asked again", request.survey_id)
        if before == SENT:
            # Sent, but the first request could not append it to the conversation.
            await _record_question(request, app, surveys, question(request.kind, _buttons(request)))
        return False
    try:
        await _check_may_ask(request, store)
        expires = utc_now() + dt.timedelta(hours=settings.survey_hours)
        await surveys.set_pending(survey, expires)
        try:
            text = await _send_question(request, settings, store)
        except BaseException:
            await surveys.clear(request.channel, request.recipient_id, request.survey_id)
            raise
    except BaseException:
        # Also when cancelled (the handoff service gave up waiting): not sent,
        # so its retry must be able to ask.
        await surveys.release(request.survey_id)
        raise
    logger.info("survey %s asked on %s", request.survey_id, request.channel)
    await surveys.mark(request.survey_id, SENT)
    await _record_question(request, app, surveys, text)
    return True


async def _record_question(
    request: SurveyRequest, app: Any, surveys: SurveyStore, text: str
) -> None:
    """The question appended to the conversation, for the handoff service to read."""
    metadata = {"survey_id": request.survey_id, "survey": "question", "survey_kind": request.kind}
    event = BotUttered(text, data={"buttons": score_buttons(request.survey_id)}, metadata=metadata)
    await append_events(app, request.conversation_id, [event])
    await surveys.mark(request.survey_id, RECORDED)


def _buttons(request: SurveyRequest) -> bool:
    """Whether the channel shows the score buttons (SMS has none)."""
    return request.channel != "sms"


async def _check_may_ask(request: SurveyRequest, store: ChannelStore) -> None:
    if request.channel == "sms" and await store.is_opted_out(request.recipient_id):
        raise SurveyNotAsked(OPTED_OUT, "sms: the recipient opted out")
    if request.channel == "messenger":
        last = await store.last_inbound_at("messenger", request.recipient_id)
        if last is None or utc_now() - last >= STANDARD_WINDOW:
            raise SurveyNotAsked(
                WINDOW_CLOSED,
                "messenger: the customer has not written in the last 24 hours, and a "
                "survey is not a human agent's message",
            )


async def _send_question(
    request: SurveyRequest, settings: ChannelSettings, store: ChannelStore
) -> str:
    """Send the question; the text sent. Raises SurveyNotAsked for a platform's refusal."""
    output = create_output(request.channel, settings, store)
    with_buttons = _buttons(request)
    text = question(request.kind, with_buttons)
    try:
        if with_buttons:
            # One row of five on Telegram, as Rasa's own Telegram connector
            # renders button_type "inline"; Messenger's quick replies are a row anyway.
            await output.send_text_with_buttons(
                request.recipient_id, text, score_buttons(request.survey_id), button_type="inline"
            )
        else:
            await output.send_text_message(request.recipient_id, text)
    except PermanentSendError as error:
        # Our own record of a STOP, or Twilio's (a number that opted out before).
        opted_out = isinstance(error, OptedOut) or (
            request.channel == "sms" and error.code == TWILIO_UNSUBSCRIBED
        )
        raise SurveyNotAsked(OPTED_OUT if opted_out else REFUSED, str(error), error.code) from error
    return text

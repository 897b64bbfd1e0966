"""Asking a customer "how did we do?", for the handoff service.

The handoff service decides when (a handoff closed, a conversation the bot
resolved went quiet) and posts the request to ``POST /internal/surveys``
(bot.channels.internal, which checks the token and the channel and calls
:func:`ask_survey`)::

    {"survey_id": "<1..64 of [A-Za-z0-9_-]>",
     "channel": "sms"|"telegram"|"messenger"|"whatsapp",
     "recipient_id": "<as for deliveries>", "conversation_id": "<Rasa sender id>",
     "kind": "handoff"|"bot"}

:func:`ask_survey`, in this order:

1. records the survey id (bot.channels.survey_store); an id recorded before
   is a retry, and nothing is sent again;
2. refuses to ask a customer who must not be asked (:class:`SurveyNotAsked`,
   the route's 409): an SMS number that opted out (``opted_out``), a
   Messenger customer who has not written in the last 24 hours
   (``window_closed``: a survey is the bot's message, not a person's, so it
   never takes the HUMAN_AGENT tag); a WhatsApp customer in the same case,
   unless a ``survey`` template is configured (bot.channels.survey_whatsapp);
3. makes it the customer's pending survey (before the question goes out, so
   that the quickest answer finds it), replacing any other;
4. sends the question (bot.channels.survey_text), in the conversation's
   language (its ``language`` slot, read from Rasa's tracker store:
   bot.channels.survey_language), with the channel's own output: five
   buttons on Telegram (one row) and Messenger (quick replies), a list picker
   on WhatsApp (or its ``survey`` template outside the 24-hour window), plain
   text by SMS. A platform that refuses for good (a Telegram user who
   blocked the bot) is ``refused``; then, as for any failure to send, the
   claim and the pending survey are undone, so a later request may ask again;
5. appends the question to the conversation (bot.channels.conversations) as
   ``BotUttered(text, data={"buttons": [...]}, metadata={"survey_id",
   "survey": "question", "survey_kind", "survey_language"})``, so the handoff
   service sees it on the event broker; the SMS and WhatsApp channels read
   the buttons there too, so that a reply "4" means the fourth, and the
   answers read the language there, to thank in it.

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

from bot.channels import survey_whatsapp
from bot.channels.conversations import append_events
from bot.channels.delivery import PermanentSendError
from bot.channels.errors import ChannelError
from bot.channels.messenger_send import STANDARD_WINDOW
from bot.channels.outbound import create_output
from bot.channels.settings import ChannelSettings
from bot.channels.sms import TWILIO_UNSUBSCRIBED, OptedOut
from bot.channels.store import ChannelStore
from bot.channels.survey_language import LANGUAGE_METADATA, conversation_language
from bot.channels.survey_store import RECORDED, SENT, AskedSurvey, SurveyStore
from bot.channels.survey_text import payload_key, question, score_buttons
from bot.channels.whatsapp_send import WindowClosed
from plumbing.clock import utc_now
from plumbing.untrusted import UntrustedInput, parse_object

logger = logging.getLogger(__name__)

CHANNELS = ("sms", "telegram", "messenger", "whatsapp")
KINDS = ("handoff", "bot")
WHATSAPP = "whatsapp"
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
            language = await conversation_language(app, request.conversation_id)
            text = question(request.kind, _buttons(request), language)
            await _record_question(request, app, surveys, text, language)
        return False
    try:
        await _check_may_ask(request, settings, store)
        language = await conversation_language(app, request.conversation_id)
        expires = utc_now() + dt.timedelta(hours=settings.survey_hours)
        await surveys.set_pending(survey, expires)
        try:
            text = await _send_question(request, settings, store, app, language)
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
    await _record_question(request, app, surveys, text, language)
    return True


async def _record_question(
    request: SurveyRequest, app: Any, surveys: SurveyStore, text: str, language: str
) -> None:
    """The question appended to the conversation, for the handoff service to read."""
    metadata = {
        "survey_id": request.survey_id,
        "survey": "question",
        "survey_kind": request.kind,
        LANGUAGE_METADATA: language,
    }
    buttons = (
        survey_whatsapp.buttons()
        if request.channel == WHATSAPP
        else score_buttons(request.survey_id)
    )
    event = BotUttered(text, data={"buttons": buttons}, metadata=metadata)
    await append_events(app, request.conversation_id, [event])
    await surveys.mark(request.survey_id, RECORDED)


def _buttons(request: SurveyRequest) -> bool:
    """Whether the channel shows the score buttons (SMS has none; WhatsApp's list, as a
    rule: its template, or text if the Content API failed, end as SMS's)."""
    return request.channel != "sms"


async def _check_may_ask(
    request: SurveyRequest, settings: ChannelSettings, store: ChannelStore
) -> None:
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
    if request.channel == WHATSAPP:
        if not survey_whatsapp.valid_recipient(request.recipient_id):
            raise SurveyNotAsked(REFUSED, "whatsapp: the recipient is not whatsapp:+E.164")
        if not await survey_whatsapp.may_ask(request.recipient_id, settings=settings, store=store):
            raise SurveyNotAsked(
                WINDOW_CLOSED,
                "whatsapp: the customer has not written in the last 24 hours, and no "
                "survey template is configured (TWILIO_WHATSAPP_TEMPLATES)",
            )


async def _send_question(
    request: SurveyRequest, settings: ChannelSettings, store: ChannelStore, app: Any, language: str
) -> str:
    """Send the question; the text sent. Raises SurveyNotAsked for a platform's refusal."""
    try:
        if request.channel == WHATSAPP:
            return await survey_whatsapp.send_question(
                request.recipient_id,
                request.kind,
                language,
                settings=settings,
                store=store,
                app=app,
            )
        return await _send_natively(request, settings, store, language)
    except PermanentSendError as error:
        # Our own record of a STOP, or Twilio's (a number that opted out before).
        opted_out = isinstance(error, OptedOut) or (
            request.channel == "sms" and error.code == TWILIO_UNSUBSCRIBED
        )
        # WhatsApp's window closed meanwhile (or by Twilio's clock), with no template.
        reason = WINDOW_CLOSED if isinstance(error, WindowClosed) else REFUSED
        raise SurveyNotAsked(OPTED_OUT if opted_out else reason, str(error), error.code) from error


async def _send_natively(
    request: SurveyRequest, settings: ChannelSettings, store: ChannelStore, language: str
) -> str:
    """Send the question with the channel's own output (SMS, Telegram, Messenger)."""
    output = create_output(request.channel, settings, store)
    with_buttons = _buttons(request)
    text = question(request.kind, with_buttons, language)
    if with_buttons:
        # One row of five on Telegram, as Rasa's own Telegram connector
        # renders button_type "inline"; Messenger's quick replies are a row anyway.
        await output.send_text_with_buttons(
            request.recipient_id, text, score_buttons(request.survey_id), button_type="inline"
        )
    else:
        await output.send_text_message(request.recipient_id, text)
    return text

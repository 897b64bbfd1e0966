"""Telegram, through python-telegram-bot's async ``Bot``: POST /webhooks/telegram/webhook.

Inbound: every request must carry the secret token we gave Telegram with
setWebhook (``X-Telegram-Bot-Api-Secret-Token``); only then is the body
parsed, with ``telegram.Update.de_json``. One update is one delivery, keyed by
its ``update_id``, so Telegram's retries never make a second bot turn.

    message, edited_message   text (emoji included) goes to the bot, the new text
                              of an edit too; /start and /help become "/greet";
                              photos, stickers, voice notes, locations... get a
                              polite reply (and a caption goes to the bot)
    callback_query            a pressed button: answered (answerCallbackQuery),
                              and its payload goes to the bot as the customer's text
                              (a survey's "csat:..." buttons, and typed answers to
                              a survey, are taken before: bot.channels.survey_answers)
    anything else             acknowledged and ignored (my_chat_member, polls...)

Group chats are ignored unless ``TELEGRAM_ALLOW_GROUPS`` is set. The sender id
is the chat id, which for a private chat is the customer's user id.

``de_json`` checks shapes, not types or ranges: a chat id may come out as an
object or a 40-digit number, a text as a number, a date as year 1. So the
values the bot uses are checked after it (400 if wrong), and what it raises
on dates past the platform's ``time_t`` is a 400 too.

Outbound (the bot's replies, and agents' through bot.channels.outbound's
:func:`create_output`): bot.channels.telegram_send, the Bot API client and
the output channel.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, ClassVar

from rasa.core.channels.channel import OutputChannel
from sanic.request import Request
from telegram import CallbackQuery, MaybeInaccessibleMessage, Message, Update

from bot.channels.delivery import SendError
from bot.channels.errors import MalformedRequest
from bot.channels.inbox import InboxDelivery, OnNewMessage
from bot.channels.metrics import MeasuredWebhookChannel
from bot.channels.settings import ChannelSettings
from bot.channels.signatures import secret_token_valid
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.telegram_send import CHANNEL, TITLE_BUTTON_PREFIX, TelegramApi, TelegramOutput
from bot.channels.text import TELEGRAM_LIMIT
from plumbing.untrusted import MAX_INT64, UntrustedInput, parse_int, parse_json, parse_timestamp

logger = logging.getLogger(__name__)

SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# A customer command that should make the bot introduce itself.
GREETING_COMMANDS = frozenset({"/start", "/help"})
GREETING_INTENT = "/greet"

# The largest body read. A message with a 4096-character text and an entity
# on every character, replying to another such message, is about 370 KB (a
# usual update is under 5 KB). Update.de_json holds the event loop about
# 0.1 s per 2,000 entities: up to 0.5 s for a body of this size, 1.2 s for
# one of 1 MiB, which the server's limit would let through. (Only Telegram,
# or whoever has the secret token, gets that far.)
MAX_BODY_BYTES = 512 * 1024

# Telegram's callback query ids are strings of some 19 digits.
CALLBACK_QUERY_ID_LIMIT = 64

# answerCallbackQuery only stops the button's spinner, and Telegram forgets the
# query after a few seconds: a couple of attempts is all it is worth.
ANSWER_CALLBACK_ATTEMPTS = 2
EXPIRED_BUTTON_TEXT = "This button has expired. Please type what you need instead."

# What customers send that the bot cannot read, in the order checked: a GIF
# also carries a document, and a venue also carries a location.
UNREADABLE_KINDS = (
    "sticker",
    "animation",
    "video_note",
    "video",
    "voice",
    "audio",
    "live_photo",
    "photo",
    "document",
    "venue",
    "location",
    "contact",
)
POLITE_REPLIES = {
    "sticker": "Nice sticker! I can only read text, though.",
    "animation": "Thanks! I can't watch GIFs or videos, though.",
    "video_note": "Thanks for the video message! I can't watch videos, though.",
    "video": "Thanks for the video! I can't watch videos, though.",
    "voice": "Thanks for the voice message! I can't listen to audio yet, though.",
    "audio": "Thanks for the audio! I can't listen to audio yet, though.",
    "live_photo": "Thanks for the photo! I can't see pictures, though.",
    "photo": "Thanks for the photo! I can't see pictures, though.",
    "document": "Thanks for the file! I can't open attachments, though.",
    "venue": "Thanks for sharing a place! I can't use locations, though; "
    "our store finder at northwind.example/stores shows the stores near you.",
    "location": "Thanks for sharing your location! I can't use locations, though; "
    "our store finder at northwind.example/stores shows the stores near you.",
    "contact": "Thanks for the contact card! I can't use contacts, though.",
}
DEFAULT_POLITE_REPLY = "Sorry, I can only read text messages."
ASK_FOR_TEXT = (
    ' Please write what you need, for example "where is my order", '
    'or say "agent" to reach a person.'
)
CAPTION_NOTE = " I'll answer the text you sent with it."


def polite_reply(kind: str, has_caption: bool) -> str:
    """The answer to input the bot cannot read, e.g. a photo or a voice note."""
    return POLITE_REPLIES.get(kind, DEFAULT_POLITE_REPLY) + (
        CAPTION_NOTE if has_caption else ASK_FOR_TEXT
    )


# -- output ------------------------------------------------------------------------


def create_output(settings: ChannelSettings, store: ChannelStore) -> OutputChannel:
    """An output for sending outside a Rasa turn (bot.channels.outbound); raises SendError.

    Its Bot is shut down after each send, because outbound.send_to_customer
    creates an output per message and never closes it.
    """
    return TelegramOutput(TelegramApi(settings), raise_errors=True, one_off=True)


# -- input -------------------------------------------------------------------------


def greeting_command(text: str) -> bool:
    """/start or /help, also as "/start@NorthwindBot" or with a deep-link argument."""
    words = text.split(maxsplit=1)
    return bool(words) and words[0].split("@", 1)[0].lower() in GREETING_COMMANDS


def unreadable_kind(message: Message) -> str | None:
    """What a message without text carries: "photo", "sticker"..., or None."""
    for kind in UNREADABLE_KINDS:
        if getattr(message, kind, None):
            return kind
    if message.effective_attachment is not None:
        return "attachment"  # polls, dice, games...: the generic polite reply
    return None


def chat_allowed(chat_type: str, allow_groups: bool) -> bool:
    return chat_type == "private" or (allow_groups and chat_type in {"group", "supergroup"})


def optional_text(value: object, name: str) -> str | None:
    """A text field as the Bot API documents it (a string, or absent); raises MalformedRequest."""
    if value is None or isinstance(value, str):
        return value
    raise MalformedRequest(f"{name} is not a string")


def chat_of(message: MaybeInaccessibleMessage) -> tuple[str, str]:
    """(the chat id as the sender id, the chat type), both checked; raises MalformedRequest."""
    chat_id = message.chat.id
    # Telegram's chat ids have at most 52 bits (negative for groups); bool is an int.
    if type(chat_id) is not int:
        raise MalformedRequest("chat.id is not a whole number")
    try:
        parse_int(chat_id, name="chat.id", minimum=-MAX_INT64)
    except UntrustedInput as error:
        raise MalformedRequest(str(error)) from None
    chat_type = message.chat.type
    if not isinstance(chat_type, str):
        raise MalformedRequest("chat.type is not a string")
    return str(chat_id), chat_type


def check_date(message: Message) -> None:
    """A message's date must be a time Telegram could have sent it; raises MalformedRequest."""
    date = message.date
    if not isinstance(date, dt.datetime):
        raise MalformedRequest("message.date is not a Unix time")
    try:
        # An aware datetime's timestamp() is arithmetic: it cannot overflow.
        parse_timestamp(date.timestamp(), name="message.date")
    except UntrustedInput as error:
        raise MalformedRequest(str(error)) from None


def message_delivery(update_id: int, message: Message, edited: bool) -> InboxDelivery | None:
    sender_id, chat_type = chat_of(message)
    check_date(message)
    text = optional_text(message.text, "message.text")
    caption = optional_text(message.caption, "message.caption")
    metadata: dict[str, Any] = {"chat_type": chat_type}
    if edited:
        metadata["edited"] = True
    if text:
        text = GREETING_INTENT if greeting_command(text) else text
        return InboxDelivery(str(update_id), sender_id, {"text": text, "metadata": metadata})
    if edited:
        # Live locations and re-captioned media arrive as edits, over and over:
        # answering each with a polite reply would flood the customer.
        return None
    kind = unreadable_kind(message)
    if kind is None:
        return None  # service messages: pinned, chat photo changed...
    content: dict[str, Any] = {"kind": kind, "metadata": metadata}
    if caption:
        content["text"] = caption
    return InboxDelivery(str(update_id), sender_id, content)


def pressed_title(query: CallbackQuery) -> str | None:
    """The title of a button whose payload did not fit in callback_data."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return None  # the message is too old for Telegram to send it along
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return optional_text(button.text, "the button's text")
    return None


def callback_delivery(update_id: int, query: CallbackQuery) -> InboxDelivery | None:
    if query.message is None:
        return None  # a button under an inline-mode message, which this bot never sends
    sender_id, chat_type = chat_of(query.message)
    query_id = optional_text(query.id, "callback_query.id")
    if not query_id or len(query_id) > CALLBACK_QUERY_ID_LIMIT:
        raise MalformedRequest("callback_query.id is not a callback query id")
    content: dict[str, Any] = {"callback_query_id": query_id, "metadata": {"chat_type": chat_type}}
    data = query.data if isinstance(query.data, str) else None
    if data and data.startswith(TITLE_BUTTON_PREFIX):
        data = pressed_title(query)
    if data:
        content["text"] = data
    else:
        content["expired"] = True
    return InboxDelivery(str(update_id), sender_id, content)


def update_delivery(update: Update, allow_groups: bool) -> InboxDelivery | None:
    """The delivery in an update, or None for an update the bot does not answer.

    Raises MalformedRequest when a value the bot would use is of the wrong type
    or out of range.
    """
    if update.callback_query is not None:
        delivery = callback_delivery(update.update_id, update.callback_query)
    elif update.message is not None:
        delivery = message_delivery(update.update_id, update.message, edited=False)
    elif update.edited_message is not None:
        delivery = message_delivery(update.update_id, update.edited_message, edited=True)
    else:
        delivery = None  # my_chat_member, channel_post, poll...: nothing to answer
    if delivery is None:
        logger.debug("telegram: update %d ignored", update.update_id)
        return None
    chat_type = delivery.message["metadata"]["chat_type"]
    if not chat_allowed(chat_type, allow_groups):
        logger.debug("telegram: update %d ignored: %s chat", update.update_id, chat_type)
        return None
    return delivery


# What Update.de_json raises on an object of the wrong shape (a required field
# missing, a string where an object belongs...) or a date past the platform's
# time_t (OverflowError, OSError).
DE_JSON_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError)


class TelegramInput(MeasuredWebhookChannel):
    channel_name: ClassVar[str] = CHANNEL
    text_limit: ClassVar[int | None] = TELEGRAM_LIMIT
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES
    asks_surveys: ClassVar[bool] = True

    def __init__(self, settings: ChannelSettings, store: ChannelStore | None = None) -> None:
        super().__init__(settings, store)
        # One Bot for the channel's webhook and its replies, made on first use.
        self.api = TelegramApi(settings)

    def missing_settings(self) -> list[str]:
        return self.settings.telegram.missing()

    def authenticate(self, request: Request) -> bool:
        return secret_token_valid(
            self.settings.telegram.secret_token, request.headers.get(SECRET_TOKEN_HEADER)
        )

    def parse(self, request: Request) -> list[InboxDelivery]:
        try:
            data = parse_json(request.body)
        except UntrustedInput as error:  # not JSON, not UTF-8, nested too deep
            raise MalformedRequest(str(error)) from error
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            raise MalformedRequest("the body is not a Telegram Update")
        try:
            parse_int(data["update_id"], name="update_id")
        except UntrustedInput as error:
            raise MalformedRequest(str(error)) from None
        try:
            update = Update.de_json(data, self.api.bot)
        except DE_JSON_ERRORS as error:
            raise MalformedRequest("the body is not a Telegram Update") from error
        logger.debug("telegram: update %d", update.update_id)
        delivery = update_delivery(update, self.settings.telegram.allow_groups)
        return [delivery] if delivery is not None else []

    async def process(self, item: InboxItem, on_new_message: OnNewMessage) -> None:
        message = item.message
        output = self.get_output_channel()
        if "callback_query_id" in message:
            await self._answer_callback(message["callback_query_id"], message.get("expired", False))
        kind = message.get("kind")
        text = message.get("text")
        if kind:
            await output.send_text_message(item.sender_id, polite_reply(kind, bool(text)))
        if text:
            await on_new_message(self.user_message(item, text, output))

    async def _answer_callback(self, query_id: str, expired: bool) -> None:
        notice = EXPIRED_BUTTON_TEXT if expired else None
        try:
            await self.api.call(
                lambda bot: bot.answer_callback_query(query_id, text=notice),
                attempts=ANSWER_CALLBACK_ATTEMPTS,
            )
        except SendError as error:
            # Only the spinner on the button keeps turning; the turn goes on.
            logger.warning("telegram: callback query not answered: %s", error)

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self.api)

    async def close(self) -> None:
        await self.api.close()

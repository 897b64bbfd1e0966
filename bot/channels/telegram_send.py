"""Telegram's Bot API, for sending: the client and the output channel.

Through python-telegram-bot's async ``Bot``, created on first use in the
running event loop (:class:`TelegramApi`). Texts split at 4096 characters on
sentence boundaries, buttons as an inline keyboard under the last part (one
per row; side by side with ``button_type="inline"``, as a survey's are),
images with sendPhoto (their link as text if Telegram cannot fetch them);
every call retried on 429 (after Telegram's ``retry_after``), 5xx and network
errors, PTB's exceptions translated into bot.channels.delivery's.

What arrives from Telegram, and the channel itself, is bot.channels.telegram;
it answers pressed buttons through the same :class:`TelegramApi`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.delivery import (
    DEFAULT_ATTEMPTS,
    PermanentSendError,
    RetryableSendError,
    SendError,
    with_retries,
)
from bot.channels.settings import ChannelSettings
from bot.channels.text import TELEGRAM_LIMIT, split_text
from plumbing.http_logs import hide_in_http_logs, redact

logger = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL = "telegram"

# Telegram refuses a button whose callback_data is longer than this (in bytes).
CALLBACK_DATA_LIMIT = 64
# callback_data of a button whose payload does not fit: the pressed button is
# then found again in the message's own keyboard, and its title (which has no
# such limit) goes to the bot instead, as if the customer had typed it.
TITLE_BUTTON_PREFIX = "#button:"
# Telegram needs some text above an inline keyboard.
BUTTONS_ONLY_TEXT = "Please choose:"


# -- the Bot API client --------------------------------------------------------------


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns on reading retry_after as a number (it will become a
    # timedelta); both forms are accepted so either setting of PTB_TIMEDELTA works.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def send_error(error: TelegramError) -> SendError:
    """PTB's exception as ours: worth retrying, or not."""
    if isinstance(error, RetryAfter):
        return RetryableSendError(
            CHANNEL, str(error), 429, retry_after_s=retry_after_seconds(error)
        )
    # BadRequest is a subclass of NetworkError, so it is checked first.
    if isinstance(error, BadRequest):
        return PermanentSendError(CHANNEL, str(error), 400)
    if isinstance(error, Forbidden):
        return PermanentSendError(CHANNEL, str(error), 403)
    if isinstance(error, InvalidToken):
        return PermanentSendError(CHANNEL, str(error), 401)
    if isinstance(error, TimedOut):
        return RetryableSendError(CHANNEL, str(error) or "timed out")
    if isinstance(error, NetworkError):
        # 5xx answers and connection failures alike.
        return RetryableSendError(CHANNEL, str(error))
    # ChatMigrated, Conflict, EndPointNotFound...: retrying the same call cannot help.
    return PermanentSendError(CHANNEL, f"{type(error).__name__}: {error}")


class TelegramApi:
    """One ``Bot``, created and initialized on first use in the running loop.

    PTB 22's ``Bot`` can send before ``initialize()`` (its httpx client exists
    from the start), but its documented life cycle is initialize, use,
    shutdown: ``initialize`` also checks the token once (getMe), and
    ``shutdown`` closes the connections, which ``close`` does.
    """

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._bot: Bot | None = None
        self._initialized = False
        self._lock: asyncio.Lock | None = None

    @property
    def bot(self) -> Bot:
        """The Bot, created now if needed (parsing needs one, without any request)."""
        if self._bot is None:
            telegram = self._settings.telegram
            hide_in_http_logs(telegram.bot_token)
            timeout = self._settings.timeout_s
            request = HTTPXRequest(
                connect_timeout=timeout,
                read_timeout=timeout,
                write_timeout=timeout,
                pool_timeout=timeout,
            )
            self._bot = Bot(
                telegram.bot_token,
                base_url=f"{telegram.api_base_url}/bot",
                base_file_url=f"{telegram.api_base_url}/file/bot",
                request=request,
            )
        return self._bot

    async def ready_bot(self) -> Bot:
        bot = self.bot
        if self._initialized:
            return bot
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            # Concurrent first sends (several customers at once) initialize once.
            if not self._initialized:
                await bot.initialize()
                self._initialized = True
        return bot

    async def call(
        self, request: Callable[[Bot], Awaitable[T]], *, attempts: int = DEFAULT_ATTEMPTS
    ) -> T:
        """``request(bot)`` with retries; raises RetryableSendError or PermanentSendError."""

        async def attempt() -> T:
            try:
                return await request(await self.ready_bot())
            except TelegramError as error:
                # PTB puts the token in some messages ("The token `...` was
                # rejected"); redacted in place, as the error is logged chained.
                error.message = redact(error.message, self._settings.telegram.bot_token)
                raise send_error(error) from error

        return await with_retries(attempt, attempts=attempts)

    async def close(self) -> None:
        # Forgets the lock too: a later use may be in another event loop.
        bot, self._bot, self._initialized, self._lock = self._bot, None, False, None
        if bot is not None:
            await bot.shutdown()


# -- output ------------------------------------------------------------------------


def callback_data(button: dict[str, Any], index: int) -> str:
    payload = str(button.get("payload") or button.get("title") or "")
    if payload and len(payload.encode()) <= CALLBACK_DATA_LIMIT:
        return payload
    logger.warning(
        "telegram: button %d's payload is longer than %d bytes; its title will be sent instead",
        index,
        CALLBACK_DATA_LIMIT,
    )
    return f"{TITLE_BUTTON_PREFIX}{index}"


def inline_keyboard(
    buttons: Sequence[dict[str, Any]], *, one_row: bool = False
) -> InlineKeyboardMarkup:
    """Rasa's buttons as an inline keyboard: one button per row (titles are phrases),
    or all in ``one_row`` (short titles, such as a survey's "1 😞" to "5 😀")."""
    keys = [
        InlineKeyboardButton(
            str(button.get("title") or button.get("payload") or "?"),
            callback_data=callback_data(button, index),
        )
        for index, button in enumerate(buttons)
    ]
    return InlineKeyboardMarkup([keys] if one_row else [[key] for key in keys])


class TelegramOutput(OutputChannel):
    """Sends the bot's (or an agent's) messages to a Telegram chat.

    ``raise_errors``: raise SendError when a message cannot be delivered
    (outbound.send_to_customer's contract), or log it and carry on (in a Rasa
    turn, where an exception would lose the turn and leave the delivery to be
    processed again at the next start). ``one_off``: shut the Bot down after
    each send, for an output that nobody closes.
    """

    def __init__(
        self, api: TelegramApi, *, raise_errors: bool = False, one_off: bool = False
    ) -> None:
        self.api = api
        self.raise_errors = raise_errors
        self.one_off = one_off

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # kwargs: the rest of Rasa's message, and human_agent from the handoff
        # service, which matters on Messenger only.
        await self._send(self._send_text(recipient_id, text, None), recipient_id)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        # button_type "inline" puts the buttons side by side, as in Rasa's own
        # Telegram connector; by default (Rasa's "vertical") one per row.
        one_row = kwargs.get("button_type") == "inline"
        keyboard = inline_keyboard(buttons, one_row=one_row) if buttons else None
        await self._send(
            self._send_text(recipient_id, text or BUTTONS_ONLY_TEXT, keyboard), recipient_id
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(self._send_photo(recipient_id, image), recipient_id)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # Rasa's default would show the customer raw JSON.
        logger.warning("telegram: custom payloads are not supported; not sent")

    async def _send(self, sending: Awaitable[None], recipient_id: str) -> None:
        try:
            await sending
        except SendError as error:
            if self.raise_errors:
                raise
            logger.error("telegram: message to chat %s not delivered: %s", recipient_id, error)
        finally:
            if self.one_off:
                await self.api.close()

    async def _send_text(
        self, chat_id: str, text: str, keyboard: InlineKeyboardMarkup | None
    ) -> None:
        # Stops at the first part that fails: the rest would arrive out of
        # context, or fail the same way.
        parts = split_text(text, TELEGRAM_LIMIT)
        for number, part in enumerate(parts, start=1):
            # The buttons go under the last part, which the customer reads last.
            markup = keyboard if number == len(parts) else None
            await self.api.call(send_message(chat_id, part, markup))

    async def _send_photo(self, chat_id: str, image: str) -> None:
        try:
            await self.api.call(lambda bot: bot.send_photo(chat_id=chat_id, photo=image))
        except PermanentSendError as error:
            if error.code != 400:
                raise
            # Telegram could not fetch or use the image: the link still helps.
            logger.warning("telegram: sendPhoto refused (%s); sending the link instead", error)
            await self._send_text(chat_id, image, None)


def send_message(
    chat_id: str, text: str, markup: InlineKeyboardMarkup | None
) -> Callable[[Bot], Awaitable[Message]]:
    def request(bot: Bot) -> Awaitable[Message]:
        return bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)

    return request

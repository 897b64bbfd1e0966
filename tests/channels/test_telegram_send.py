"""bot.channels.telegram_send: rendering for the Bot API, and sending through it, retried.

Through ``TelegramOutput`` and ``TelegramApi`` against the fake Bot API
(tests/fakes/telegram.py), which enforces Telegram's limits. The fake is
shared by the whole session, so every test uses chat ids of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.delivery import RetryableSendError
from bot.channels.telegram_send import (
    BUTTONS_ONLY_TEXT,
    CALLBACK_DATA_LIMIT,
    TITLE_BUTTON_PREFIX,
    TelegramApi,
    TelegramOutput,
    inline_keyboard,
)
from bot.channels.text import TELEGRAM_LIMIT
from tests.channels.test_telegram import new_id, settings
from tests.conftest import TELEGRAM_BOT_TOKEN
from tests.fakes.telegram import FakeTelegram, error, too_many_requests

# -- rendering -----------------------------------------------------------------------


def test_buttons_become_an_inline_keyboard_with_the_payloads() -> None:
    markup = inline_keyboard([{"title": "Track my order", "payload": "/check_order_status"}])
    [[button]] = markup.inline_keyboard
    assert (button.text, button.callback_data) == ("Track my order", "/check_order_status")


def test_callback_data_is_limited_in_bytes_not_characters() -> None:
    fits = "/inform" + "é" * ((CALLBACK_DATA_LIMIT - 7) // 2)  # 2 bytes each
    too_long = fits + "é"
    markup = inline_keyboard([{"title": "A", "payload": fits}, {"title": "B", "payload": too_long}])
    assert [row[0].callback_data for row in markup.inline_keyboard] == [
        fits,
        f"{TITLE_BUTTON_PREFIX}1",
    ]


# -- sending, against the fake Bot API -----------------------------------------------------


@pytest.fixture
async def api(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramApi]:
    telegram_api = TelegramApi(settings(fake_telegram.url))
    yield telegram_api
    await telegram_api.close()


async def test_a_long_text_arrives_split_at_sentences_and_in_order(
    api: TelegramApi, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    sentences = [f"Sentence number {i} says something useful." for i in range(120)]
    text = " ".join(sentences)
    assert len(text) > 5000
    await TelegramOutput(api).send_text_message(str(chat_id), text)
    parts = fake_telegram.sent_texts(chat_id)
    assert len(parts) == 2
    assert all(len(part) <= TELEGRAM_LIMIT for part in parts)
    assert parts[0].endswith(".")  # cut between sentences
    assert " ".join(parts) == text


async def test_buttons_go_under_the_last_part(
    api: TelegramApi, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    buttons = [{"title": "Track my order", "payload": "/check_order_status"}]
    await TelegramOutput(api).send_text_with_buttons(str(chat_id), "Hello. " * 700, buttons)
    first, last = fake_telegram.sent_messages(chat_id)
    assert "reply_markup" not in first
    assert last["reply_markup"] == {
        "inline_keyboard": [[{"text": "Track my order", "callback_data": "/check_order_status"}]]
    }


async def test_button_type_inline_puts_the_buttons_side_by_side(
    api: TelegramApi, fake_telegram: FakeTelegram
) -> None:
    # As Rasa's own Telegram connector; a survey's "1 😞" to "5 😀" use it.
    chat_id = new_id()
    buttons = [{"title": f"{n}", "payload": f'/rate{{"n": {n}}}'} for n in range(1, 4)]
    output = TelegramOutput(api)
    await output.send_text_with_buttons(str(chat_id), "Rate us", buttons, button_type="inline")
    await output.send_text_with_buttons(str(chat_id), "Rate us", buttons)
    one_row, one_per_row = fake_telegram.sent_messages(chat_id)
    assert [len(row) for row in one_row["reply_markup"]["inline_keyboard"]] == [3]
    assert [len(row) for row in one_per_row["reply_markup"]["inline_keyboard"]] == [1, 1, 1]


async def test_buttons_without_text_still_get_some(
    api: TelegramApi, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    await TelegramOutput(api).send_text_with_buttons(
        str(chat_id), "", [{"title": "Yes", "payload": "/affirm"}]
    )
    assert fake_telegram.sent_texts(chat_id) == [BUTTONS_ONLY_TEXT]


# PTB itself reads RetryAfter.retry_after (deprecated as a number) when it raises it.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_rate_limited_send_waits_retry_after_and_arrives_once(
    api: TelegramApi, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, too_many_requests(retry_after=1))
    started = time.monotonic()
    await TelegramOutput(api).send_text_message(str(chat_id), "Your order has shipped.")
    assert time.monotonic() - started >= 0.9
    assert fake_telegram.sent_texts(chat_id) == ["Your order has shipped."]
    assert fake_telegram.attempts("sendMessage", chat_id) == 2


async def test_a_server_error_is_retried(api: TelegramApi, fake_telegram: FakeTelegram) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, error(502, "Bad Gateway"))
    await TelegramOutput(api).send_text_message(str(chat_id), "Hello")
    assert fake_telegram.sent_texts(chat_id) == ["Hello"]


async def test_a_blocked_bot_is_logged_and_the_turn_goes_on(
    api: TelegramApi, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, error(403, "Forbidden: bot was blocked by the user"))
    with caplog.at_level(logging.ERROR):
        await TelegramOutput(api).send_text_message(str(chat_id), "secret order details")
    assert fake_telegram.attempts("sendMessage", chat_id) == 1  # permanent: not retried
    assert "bot was blocked by the user" in caplog.text
    assert "secret order details" not in caplog.text  # no message text in the logs


async def test_the_bot_token_stays_out_of_the_http_log(
    api: TelegramApi, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        await TelegramOutput(api).send_text_message(str(new_id()), "hello")
    assert "sendMessage" in caplog.text
    assert TELEGRAM_BOT_TOKEN not in caplog.text


async def test_retries_give_up_when_telegram_keeps_failing(
    api: TelegramApi, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, *[error(500, "Internal Server Error")] * 2)

    async def no_wait(delay: float) -> None:
        return None

    monkeypatch.setattr("bot.channels.delivery.asyncio.sleep", no_wait)
    with pytest.raises(RetryableSendError):
        await api.call(lambda bot: bot.send_message(chat_id, "hi"), attempts=2)
    assert fake_telegram.attempts("sendMessage", chat_id) == 2


async def test_an_image_is_sent_as_a_photo(api: TelegramApi, fake_telegram: FakeTelegram) -> None:
    chat_id = new_id()
    await TelegramOutput(api).send_image_url(str(chat_id), "https://example.test/shoe.jpg")
    [photo] = fake_telegram.calls("sendPhoto", chat_id)
    assert photo["photo"] == "https://example.test/shoe.jpg"


async def test_an_image_telegram_cannot_fetch_is_sent_as_a_link(
    api: TelegramApi, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, error(400, "Bad Request: wrong file identifier/HTTP URL"))
    await TelegramOutput(api).send_image_url(str(chat_id), "https://example.test/shoe.jpg")
    assert fake_telegram.sent_texts(chat_id) == ["https://example.test/shoe.jpg"]


async def test_concurrent_first_sends_initialize_the_bot_once(
    fake_telegram: FakeTelegram,
) -> None:
    telegram_api = TelegramApi(settings(fake_telegram.url))
    before = len(fake_telegram.calls("getMe"))
    output = TelegramOutput(telegram_api)
    chats = [new_id() for _ in range(5)]
    try:
        await asyncio.gather(*(output.send_text_message(str(c), "hi") for c in chats))
    finally:
        await telegram_api.close()
    assert len(fake_telegram.calls("getMe")) == before + 1
    assert all(fake_telegram.sent_texts(c) == ["hi"] for c in chats)

"""bot.channels.telegram: forged updates refused, real ones answered natively, sends retried.

Three layers:

- parsing, on the channel object alone (no server);
- processing an accepted delivery, and ``create_output`` (agents' replies),
  against the fake Bot API (tests/fakes/telegram.py); sending itself is
  tests/channels/test_telegram_send.py;
- end to end (``slow``): updates posted to the running assistant's
  /webhooks/telegram/webhook, the bot's replies read back from the fake.

The assistant and the fake are shared by the whole session, so every test
uses chat ids and update ids of its own.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import sqlite3
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic.compat import Header
from sanic.request import Request

from bot.channels.delivery import PermanentSendError
from bot.channels.errors import MalformedRequest
from bot.channels.settings import ChannelSettings, TelegramSettings
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.telegram import (
    EXPIRED_BUTTON_TEXT,
    MAX_BODY_BYTES,
    SECRET_TOKEN_HEADER,
    TelegramInput,
    create_output,
    polite_reply,
)
from bot.channels.telegram_send import TITLE_BUTTON_PREFIX, TelegramOutput
from bot.channels.text import TELEGRAM_LIMIT, TRUNCATED_FROM
from tests.conftest import TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, Assistant
from tests.fakes.server import Reply
from tests.fakes.telegram import FakeTelegram, error, too_many_requests

GREETING = "Hi! I'm Northwind's automated assistant."
GREETING_PAYLOADS = ["/check_order_status", "/start_return", "/cancel_order", "/request_human"]

# Ids unique in the session: the assistant's databases outlive each test.
_ids = itertools.count(random.SystemRandom().randrange(10**8, 9 * 10**8))


def new_id() -> int:
    return next(_ids)


# -- building updates, as Telegram sends them ------------------------------------------


def chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Ada"}
    return {"id": -chat_id, "type": chat_type, "title": "Ada's team"}


def message(chat_id: int, chat_type: str = "private", **content: Any) -> dict[str, Any]:
    return {
        "message_id": new_id(),
        "date": int(time.time()),
        "chat": chat(chat_id, chat_type),
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
        **content,
    }


def text_update(chat_id: int, text: str, chat_type: str = "private") -> dict[str, Any]:
    return {"update_id": new_id(), "message": message(chat_id, chat_type, text=text)}


def edited_update(chat_id: int, text: str) -> dict[str, Any]:
    edited = message(chat_id, text=text, edit_date=int(time.time()))
    return {"update_id": new_id(), "edited_message": edited}


def callback_update(
    chat_id: int, data: str, keyboard: list[list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    bot_message = message(chat_id, text="Hi! What can I do for you?")
    bot_message["from"] = {"id": 7000001, "is_bot": True, "first_name": "Northwind"}
    if keyboard is not None:
        bot_message["reply_markup"] = {"inline_keyboard": keyboard}
    return {
        "update_id": new_id(),
        "callback_query": {
            "id": f"cq-{new_id()}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
            "chat_instance": "42",
            "message": bot_message,
            "data": data,
        },
    }


PHOTO = [{"file_id": "AgAD1", "file_unique_id": "AQAD1", "width": 90, "height": 60}]
MEDIA: dict[str, dict[str, Any]] = {
    "photo": {"photo": PHOTO},
    "sticker": {
        "sticker": {
            "file_id": "CAAC",
            "file_unique_id": "AgAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
    },
    "voice": {"voice": {"file_id": "AwAC", "file_unique_id": "AgAD2", "duration": 3}},
    "location": {"location": {"latitude": 52.52, "longitude": 13.40}},
    "document": {
        "document": {"file_id": "BQAC", "file_unique_id": "AgAD3", "file_name": "receipt.pdf"}
    },
}


# -- the channel alone: authentication and parsing --------------------------------------


def settings(
    api_base_url: str = "https://api.telegram.invalid", **telegram: Any
) -> ChannelSettings:
    return ChannelSettings(
        timeout_s=5.0,
        telegram=TelegramSettings(
            bot_token=TELEGRAM_BOT_TOKEN,
            secret_token=TELEGRAM_SECRET_TOKEN,
            api_base_url=api_base_url,
            **telegram,
        ),
    )


def webhook_request(body: Any, secret: str | None = TELEGRAM_SECRET_TOKEN) -> Request:
    """What parse and authenticate read of a Sanic request: headers and the raw body."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = Header({SECRET_TOKEN_HEADER: secret} if secret is not None else {})
    return cast(Request, SimpleNamespace(headers=headers, body=raw))


@pytest.fixture
async def channel() -> AsyncIterator[TelegramInput]:
    telegram = TelegramInput(settings(), ChannelStore("sqlite://"))
    yield telegram
    await telegram.close()


def parsed(channel: TelegramInput, update: dict[str, Any]) -> list[dict[str, Any]]:
    deliveries = channel.parse(webhook_request(update))
    for delivery in deliveries:
        assert delivery.delivery_id == str(update["update_id"])
    return [{"sender": d.sender_id, **d.message} for d in deliveries]


def test_missing_settings_disable_the_channel(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        telegram = TelegramInput(ChannelSettings(), ChannelStore("sqlite://"))
    assert not telegram.enabled
    assert "TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN" in caplog.text


@pytest.mark.parametrize("secret", [None, "", "wrong", TELEGRAM_SECRET_TOKEN + "x", "sécret"])
def test_a_wrong_or_missing_secret_token_is_refused(
    channel: TelegramInput, secret: str | None
) -> None:
    assert not channel.authenticate(webhook_request(text_update(1, "hi"), secret))


def test_the_right_secret_token_is_accepted(channel: TelegramInput) -> None:
    assert channel.authenticate(webhook_request(text_update(1, "hi")))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"message": {"text": "hi"}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": "hi"}',
        b'{"update_id": 7, "message": {"text": "no chat, no date"}}',
    ],
)
def test_a_body_that_is_not_an_update_is_malformed(channel: TelegramInput, body: bytes) -> None:
    with pytest.raises(MalformedRequest):
        channel.parse(webhook_request(body))


# -- hostile updates behind a valid secret: a client error, never a 500 ------------------


def nested(depth: int) -> bytes:
    return b'{"update_id": 1, "message": ' + b"[" * depth + b"]" * depth + b"}"


def with_message(chat_id: int = 520, **changes: Any) -> dict[str, Any]:
    update = text_update(chat_id, "hi")
    update["message"].update(changes)
    return update


def with_chat(**changes: Any) -> dict[str, Any]:
    update = text_update(521, "hi")
    update["message"]["chat"].update(changes)
    return update


@pytest.mark.parametrize(
    "update",
    [
        nested(100_000),  # RecursionError in json.loads
        nested(40),  # deeper than any update
        {"update_id": 2**64, "message": message(522, text="hi")},
        with_message(date=10**20),  # OverflowError in PTB
        with_message(date=-62135596800),  # 0001-01-01
        with_message(date=253402300800),  # year 10000
        with_message(date="yesterday"),
        with_message(text=12345),  # AttributeError in greeting_command
        with_message(text={"a": 1}),
        with_message(caption=["a"], text=None),
        with_chat(id={"a": 1}),  # would have become the conversation id "{'a': 1}"
        with_chat(id="abc"),
        with_chat(id=10**40),
        with_chat(id=True),
        with_chat(id=1.5),
        with_chat(type={"a": 1}),  # TypeError in chat_allowed when groups are allowed
    ],
    ids=lambda u: repr(u)[:60],
)
def test_hostile_updates_are_malformed_not_errors(update: Any) -> None:
    telegram = TelegramInput(settings(allow_groups=True), ChannelStore("sqlite://"))
    with pytest.raises(MalformedRequest):
        telegram.parse(webhook_request(update))


@pytest.mark.parametrize(
    "query_id", [{"a": 1}, 12345, "x" * 1000], ids=["object", "number", "too long"]
)
def test_a_callback_query_id_that_is_not_one_is_malformed(
    channel: TelegramInput, query_id: Any
) -> None:
    update = callback_update(523, "/affirm")
    update["callback_query"]["id"] = query_id
    with pytest.raises(MalformedRequest):
        channel.parse(webhook_request(update))


def test_a_pressed_title_that_is_not_text_is_malformed(channel: TelegramInput) -> None:
    keyboard = [[{"text": 42, "callback_data": f"{TITLE_BUTTON_PREFIX}0"}]]
    with pytest.raises(MalformedRequest):
        channel.parse(webhook_request(callback_update(524, f"{TITLE_BUTTON_PREFIX}0", keyboard)))


def test_a_text_over_4096_characters_is_cut_and_the_cut_recorded(channel: TelegramInput) -> None:
    text = "where is my order " + "a" * 10_000
    [delivery] = channel.read(webhook_request(text_update(525, text)))
    assert delivery.message["text"] == text[:TELEGRAM_LIMIT]
    assert delivery.message["metadata"][TRUNCATED_FROM] == len(text)


def test_a_long_caption_is_cut_too(channel: TelegramInput) -> None:
    update = {"update_id": new_id(), "message": message(526, photo=PHOTO, caption="b" * 5000)}
    [delivery] = channel.read(webhook_request(update))
    assert delivery.message["text"] == "b" * TELEGRAM_LIMIT
    assert delivery.message["metadata"][TRUNCATED_FROM] == 5000


@pytest.mark.parametrize("secret", ["\udcff", TELEGRAM_SECRET_TOKEN + "\udce9"])
async def test_a_secret_header_with_bytes_that_are_not_utf8_is_a_403(
    channel: TelegramInput, secret: str
) -> None:
    # What Sanic makes of a raw 0xff in the header: it was a 500.
    response = await channel.receive(webhook_request(text_update(527, "hi"), secret), Turns())
    assert response.status == 403


async def test_an_update_over_512_kib_is_a_413_before_it_is_parsed(channel: TelegramInput) -> None:
    # 25,000 entities in a 1 MiB update held the event loop for over a second in de_json.
    update = text_update(528, "hi")
    update["message"]["entities"] = [{"type": "bold", "offset": 0, "length": 1}] * 25_000
    request = webhook_request(update)
    assert len(request.body) > MAX_BODY_BYTES
    assert (await channel.receive(request, Turns())).status == 413


async def test_a_deeply_nested_body_with_the_right_secret_is_a_400(channel: TelegramInput) -> None:
    response = await channel.receive(webhook_request(nested(100_000)), Turns())
    assert response.status == 400


@pytest.mark.parametrize("text", ["where is my order?", "👍🙂", "/cancel_order"])
def test_text_goes_to_the_bot_from_the_chat(channel: TelegramInput, text: str) -> None:
    [delivery] = parsed(channel, text_update(501, text))
    assert delivery["sender"] == "501"
    assert delivery["text"] == text
    assert "kind" not in delivery


@pytest.mark.parametrize(
    "command", ["/start", "/help", "/START", "/start@northwind_bot", "/start ref-42"]
)
def test_start_and_help_make_the_bot_introduce_itself(channel: TelegramInput, command: str) -> None:
    [delivery] = parsed(channel, text_update(502, command))
    assert delivery["text"] == "/greet"


def test_an_edited_message_is_processed_as_a_new_message(channel: TelegramInput) -> None:
    [delivery] = parsed(channel, edited_update(503, "actually, cancel my order"))
    assert delivery["text"] == "actually, cancel my order"
    assert delivery["metadata"]["edited"] is True


def test_an_edited_live_location_is_not_answered_again(channel: TelegramInput) -> None:
    edited = message(504, edit_date=int(time.time()), **MEDIA["location"])
    assert parsed(channel, {"update_id": new_id(), "edited_message": edited}) == []


@pytest.mark.parametrize("kind", sorted(MEDIA))
def test_what_the_bot_cannot_read_is_marked_by_kind(channel: TelegramInput, kind: str) -> None:
    update = {"update_id": new_id(), "message": message(505, **MEDIA[kind])}
    [delivery] = parsed(channel, update)
    assert delivery["kind"] == kind
    assert "text" not in delivery


def test_a_gif_is_an_animation_not_a_document(channel: TelegramInput) -> None:
    gif = {"file_id": "CgAC", "file_unique_id": "AgAD4", "width": 1, "height": 1, "duration": 1}
    document = {"file_id": "CgAC", "file_unique_id": "AgAD4"}
    update = {"update_id": new_id(), "message": message(506, animation=gif, document=document)}
    assert parsed(channel, update)[0]["kind"] == "animation"


def test_a_photo_caption_goes_to_the_bot(channel: TelegramInput) -> None:
    update = {
        "update_id": new_id(),
        "message": message(507, photo=PHOTO, caption="it arrived broken"),
    }
    [delivery] = parsed(channel, update)
    assert delivery["kind"] == "photo" and delivery["text"] == "it arrived broken"


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
def test_group_chats_are_ignored_by_default(channel: TelegramInput, chat_type: str) -> None:
    assert parsed(channel, text_update(508, "hi", chat_type)) == []


async def test_group_chats_are_answered_when_allowed() -> None:
    telegram = TelegramInput(settings(allow_groups=True), ChannelStore("sqlite://"))
    try:
        [delivery] = parsed(telegram, text_update(509, "hi", "supergroup"))
        assert delivery["sender"] == "-509"
        assert parsed(telegram, text_update(509, "hi", "channel")) == []
    finally:
        await telegram.close()


def test_a_pressed_button_sends_its_payload(channel: TelegramInput) -> None:
    update = callback_update(510, "/check_order_status")
    [delivery] = parsed(channel, update)
    assert delivery["sender"] == "510"
    assert delivery["text"] == "/check_order_status"
    assert delivery["callback_query_id"] == update["callback_query"]["id"]


def test_a_button_whose_payload_did_not_fit_sends_its_title(channel: TelegramInput) -> None:
    keyboard = [
        [{"text": "Track my order", "callback_data": "/check_order_status"}],
        [{"text": "Order 12345678 please", "callback_data": f"{TITLE_BUTTON_PREFIX}1"}],
    ]
    [delivery] = parsed(channel, callback_update(511, f"{TITLE_BUTTON_PREFIX}1", keyboard))
    assert delivery["text"] == "Order 12345678 please"


def test_a_button_on_a_message_telegram_no_longer_has_is_answered_as_expired(
    channel: TelegramInput,
) -> None:
    update = callback_update(512, f"{TITLE_BUTTON_PREFIX}0")
    # An InaccessibleMessage: Telegram sends only the chat and date 0.
    update["callback_query"]["message"] = {"message_id": 1, "date": 0, "chat": chat(512)}
    [delivery] = parsed(channel, update)
    assert delivery["expired"] is True and "text" not in delivery


@pytest.mark.parametrize(
    "update",
    [
        {
            "update_id": 9001,
            "my_chat_member": {
                "chat": {"id": 5, "type": "private", "first_name": "Ada"},
                "from": {"id": 5, "is_bot": False, "first_name": "Ada"},
                "date": 1700000000,
                "old_chat_member": {
                    "status": "member",
                    "user": {"id": 7000001, "is_bot": True, "first_name": "Northwind"},
                },
                "new_chat_member": {
                    "status": "kicked",
                    "until_date": 0,
                    "user": {"id": 7000001, "is_bot": True, "first_name": "Northwind"},
                },
            },
        },
        {
            "update_id": 9002,
            "message": message(513, pinned_message={"message_id": 1, "date": 0, "chat": chat(513)}),
        },
        {"update_id": 9003},
    ],
    ids=["my_chat_member", "service message", "empty"],
)
def test_updates_the_bot_does_not_answer_are_ignored(
    channel: TelegramInput, update: dict[str, Any]
) -> None:
    assert parsed(channel, update) == []


# -- polite replies ----------------------------------------------------------------


def test_polite_replies_ask_for_text_unless_a_caption_came_along() -> None:
    assert "voice message" in polite_reply("voice", has_caption=False)
    assert '"agent"' in polite_reply("voice", has_caption=False)
    assert "text you sent with it" in polite_reply("photo", has_caption=True)
    assert polite_reply("poll", has_caption=False).startswith("Sorry, I can only read text")


# -- sending outside a Rasa turn: create_output, against the fake Bot API -------------


async def test_the_outbound_output_raises_permanent_errors(
    fake_telegram: FakeTelegram,
) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, error(400, "Bad Request: chat not found"))
    output = create_output(settings(fake_telegram.url), ChannelStore("sqlite://"))
    with pytest.raises(PermanentSendError) as raised:
        await output.send_text_message(str(chat_id), "An agent replies", human_agent=True)
    assert raised.value.code == 400


async def test_the_outbound_output_delivers_and_closes_its_bot(
    fake_telegram: FakeTelegram,
) -> None:
    chat_id = new_id()
    output = create_output(settings(fake_telegram.url), ChannelStore("sqlite://"))
    await output.send_text_message(str(chat_id), "An agent replies", human_agent=True)
    assert fake_telegram.sent_texts(chat_id) == ["An agent replies"]
    assert isinstance(output, TelegramOutput) and output.api._bot is None


async def test_a_wrong_token_is_a_permanent_error_that_does_not_show_it(
    fake_telegram: FakeTelegram,
) -> None:
    wrong = ChannelSettings(
        telegram=TelegramSettings(
            bot_token="999:wrong", secret_token="x", api_base_url=fake_telegram.url
        )
    )
    output = create_output(wrong, ChannelStore("sqlite://"))
    with pytest.raises(PermanentSendError) as raised:
        await output.send_text_message(str(new_id()), "hello")
    assert raised.value.code == 401
    assert "999:wrong" not in str(raised.value)
    assert "999:wrong" not in str(raised.value.__cause__)


# -- processing an accepted delivery ------------------------------------------------------


class Turns:
    """Stands in for Rasa's on_new_message: records the messages given to the bot."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


@pytest.fixture
async def live_channel(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramInput]:
    telegram = TelegramInput(settings(fake_telegram.url), ChannelStore("sqlite://"))
    yield telegram
    await telegram.close()


def inbox_item(chat_id: int, message: dict[str, Any]) -> InboxItem:
    return InboxItem(new_id(), "telegram", str(new_id()), str(chat_id), message)


async def test_a_photo_gets_a_polite_reply_and_no_bot_turn(
    live_channel: TelegramInput, fake_telegram: FakeTelegram
) -> None:
    chat_id, turns = new_id(), Turns()
    await live_channel.process(inbox_item(chat_id, {"kind": "photo", "metadata": {}}), turns)
    assert fake_telegram.sent_texts(chat_id) == [polite_reply("photo", has_caption=False)]
    assert turns.messages == []


async def test_a_caption_gets_the_polite_reply_then_a_bot_turn(
    live_channel: TelegramInput, fake_telegram: FakeTelegram
) -> None:
    chat_id, turns = new_id(), Turns()
    item = inbox_item(chat_id, {"kind": "photo", "text": "it broke", "metadata": {}})
    await live_channel.process(item, turns)
    assert fake_telegram.sent_texts(chat_id) == [polite_reply("photo", has_caption=True)]
    [turn] = turns.messages
    assert (turn.text, turn.sender_id, turn.input_channel) == ("it broke", str(chat_id), "telegram")
    assert turn.metadata == {"channel": "telegram"}


async def test_a_pressed_button_is_answered_then_goes_to_the_bot(
    live_channel: TelegramInput, fake_telegram: FakeTelegram
) -> None:
    chat_id, turns, query_id = new_id(), Turns(), f"cq-{new_id()}"
    item = inbox_item(chat_id, {"text": "/affirm", "callback_query_id": query_id})
    await live_channel.process(item, turns)
    answered = [
        c for c in fake_telegram.calls("answerCallbackQuery") if c["callback_query_id"] == query_id
    ]
    assert len(answered) == 1 and "text" not in answered[0]
    assert [m.text for m in turns.messages] == ["/affirm"]


async def test_an_expired_button_is_answered_with_a_notice_only(
    live_channel: TelegramInput, fake_telegram: FakeTelegram
) -> None:
    chat_id, turns, query_id = new_id(), Turns(), f"cq-{new_id()}"
    item = inbox_item(chat_id, {"callback_query_id": query_id, "expired": True})
    await live_channel.process(item, turns)
    answered = [
        c for c in fake_telegram.calls("answerCallbackQuery") if c["callback_query_id"] == query_id
    ]
    assert answered[0]["text"] == EXPIRED_BUTTON_TEXT
    assert turns.messages == []


# -- end to end: the running assistant ------------------------------------------------------


def post_update(
    assistant: Assistant, body: Any, secret: str | None = TELEGRAM_SECRET_TOKEN
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_TOKEN_HEADER] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        f"{assistant.rasa_url}/webhooks/telegram/webhook",
        content=content,
        headers=headers,
        timeout=30,
    )


def user_events(assistant: Assistant, chat_id: int | str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{assistant.rasa_url}/conversations/{chat_id}/tracker",
        params={"token": assistant.auth_token},
        timeout=30,
    )
    response.raise_for_status()
    return [e for e in response.json().get("events", []) if e["event"] == "user"]


def inbox_rows(assistant: Assistant, chat_id: int | str) -> int:
    with sqlite3.connect(assistant.channels_db) as db:
        [(count,)] = db.execute(
            "SELECT COUNT(*) FROM channel_inbox WHERE channel = 'telegram' AND sender_id = ?",
            (str(chat_id),),
        ).fetchall()
    return int(count)


@pytest.mark.slow
@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["missing", "wrong"])
def test_e2e_a_forged_update_is_refused_and_reaches_nothing(
    assistant: Assistant, fake_telegram: FakeTelegram, secret: str | None
) -> None:
    chat_id = new_id()
    response = post_update(assistant, text_update(chat_id, "hi"), secret)
    assert response.status_code == 403
    # Refused before the inbox: no delivery to process, now or at a restart.
    assert inbox_rows(assistant, chat_id) == 0
    assert user_events(assistant, chat_id) == []
    assert fake_telegram.sent_messages(chat_id) == []


@pytest.mark.slow
@pytest.mark.parametrize("body", [b"this is not json", b'{"no": "update_id"}'])
def test_e2e_a_body_that_is_not_an_update_is_a_bad_request(
    assistant: Assistant, body: bytes
) -> None:
    assert post_update(assistant, body).status_code == 400


@pytest.mark.slow
def test_e2e_the_customers_text_reaches_the_bot_and_the_reply_the_chat(
    assistant: Assistant, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    response = post_update(assistant, text_update(chat_id, "where is my order?"))
    assert response.status_code == 200
    [reply] = fake_telegram.wait_for_messages(chat_id)
    assert reply["chat_id"] == str(chat_id)
    assert "order number" in reply["text"]
    [event] = user_events(assistant, chat_id)
    assert event["text"] == "where is my order?"
    assert event["input_channel"] == "telegram"
    assert event["metadata"]["channel"] == "telegram"


@pytest.mark.slow
def test_e2e_a_redelivered_update_makes_one_bot_turn(
    assistant: Assistant, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    update = text_update(chat_id, "hi")
    assert post_update(assistant, update).status_code == 200
    assert post_update(assistant, update).status_code == 200  # Telegram's retry
    # One conversation's deliveries are processed in order: once the reply to
    # a later message is out, a second turn for the first would have been too.
    assert post_update(assistant, text_update(chat_id, "thanks")).status_code == 200
    fake_telegram.wait_for(lambda _: any("welcome" in t for t in fake_telegram.sent_texts(chat_id)))
    assert [e["text"] for e in user_events(assistant, chat_id)] == ["hi", "thanks"]
    texts = fake_telegram.sent_texts(chat_id)
    assert len(texts) == 2 and texts[0].startswith(GREETING)
    assert inbox_rows(assistant, chat_id) == 2


@pytest.mark.slow
@pytest.mark.parametrize("command", ["/start", "/help"])
def test_e2e_start_and_help_get_the_greeting(
    assistant: Assistant, fake_telegram: FakeTelegram, command: str
) -> None:
    chat_id = new_id()
    assert post_update(assistant, text_update(chat_id, command)).status_code == 200
    [reply] = fake_telegram.wait_for_messages(chat_id)
    assert reply["text"].startswith(GREETING)


@pytest.mark.slow
def test_e2e_buttons_round_trip(assistant: Assistant, fake_telegram: FakeTelegram) -> None:
    chat_id = new_id()
    assert post_update(assistant, text_update(chat_id, "hello")).status_code == 200
    [greeting] = fake_telegram.wait_for_messages(chat_id)
    keyboard = greeting["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == GREETING_PAYLOADS
    assert keyboard[0][0]["text"] == "Track my order"

    pressed = callback_update(chat_id, keyboard[0][0]["callback_data"], keyboard)
    assert post_update(assistant, pressed).status_code == 200
    query_id = pressed["callback_query"]["id"]
    fake_telegram.wait_for(
        lambda _: any(
            c["callback_query_id"] == query_id for c in fake_telegram.calls("answerCallbackQuery")
        )
    )
    _, ask = fake_telegram.wait_for_messages(chat_id, 2)
    assert "order number" in ask["text"]
    assert user_events(assistant, chat_id)[-1]["parse_data"]["intent"]["name"] == (
        "check_order_status"
    )


@pytest.mark.slow
def test_e2e_a_rate_limited_reply_arrives_once(
    assistant: Assistant, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    fake_telegram.fail_next_for(chat_id, too_many_requests(retry_after=1))
    assert post_update(assistant, text_update(chat_id, "hi")).status_code == 200
    [reply] = fake_telegram.wait_for_messages(chat_id)
    assert reply["text"].startswith(GREETING)
    assert fake_telegram.attempts("sendMessage", chat_id) == 2
    time.sleep(0.5)  # a duplicate would be sent right after the retry
    assert len(fake_telegram.sent_messages(chat_id)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["photo", "sticker", "voice", "location"])
def test_e2e_what_the_bot_cannot_read_gets_a_polite_reply(
    assistant: Assistant, fake_telegram: FakeTelegram, kind: str
) -> None:
    chat_id = new_id()
    update = {"update_id": new_id(), "message": message(chat_id, **MEDIA[kind])}
    assert post_update(assistant, update).status_code == 200
    [reply] = fake_telegram.wait_for_messages(chat_id)
    assert reply["text"] == polite_reply(kind, has_caption=False)
    assert user_events(assistant, chat_id) == []


@pytest.mark.slow
def test_e2e_a_group_chat_is_ignored(assistant: Assistant, fake_telegram: FakeTelegram) -> None:
    chat_id = new_id()
    update = text_update(chat_id, "hi", chat_type="group")
    assert post_update(assistant, update).status_code == 200
    group_id = -chat_id
    assert inbox_rows(assistant, group_id) == 0  # dropped when parsed, before the inbox
    assert user_events(assistant, group_id) == []
    assert fake_telegram.sent_messages(group_id) == []


@pytest.mark.slow
def test_e2e_an_edited_message_is_processed(
    assistant: Assistant, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    assert post_update(assistant, edited_update(chat_id, "hello there")).status_code == 200
    [reply] = fake_telegram.wait_for_messages(chat_id)
    assert reply["text"].startswith(GREETING)
    [event] = user_events(assistant, chat_id)
    assert event["metadata"]["edited"] is True


@pytest.mark.slow
def test_e2e_updates_the_bot_does_not_handle_are_acknowledged(assistant: Assistant) -> None:
    chat_id = new_id()
    update = {
        "update_id": new_id(),
        "my_chat_member": {
            "chat": chat(chat_id),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
            "date": int(time.time()),
            "old_chat_member": {
                "status": "member",
                "user": {"id": 7000001, "is_bot": True, "first_name": "Northwind"},
            },
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 7000001, "is_bot": True, "first_name": "Northwind"},
            },
        },
    }
    assert post_update(assistant, update).status_code == 200
    assert inbox_rows(assistant, chat_id) == 0


def test_the_fake_refuses_a_wrong_token(fake_telegram: FakeTelegram) -> None:
    response = httpx.post(f"{fake_telegram.url}/bot1:wrong/getMe", timeout=5)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_the_fake_answers_429_as_telegram_does() -> None:
    reply = too_many_requests(retry_after=1)
    assert isinstance(reply, Reply) and reply.status == 429
    assert reply.body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


@pytest.mark.slow
@pytest.mark.parametrize("secret", [b"\xff\xfe", TELEGRAM_SECRET_TOKEN.encode() + b"\xe9"])
def test_e2e_a_secret_header_with_bytes_that_are_not_utf8_is_a_403(
    assistant: Assistant, secret: bytes
) -> None:
    chat_id = new_id()
    response = httpx.post(
        f"{assistant.rasa_url}/webhooks/telegram/webhook",
        content=json.dumps(text_update(chat_id, "hi")).encode(),
        headers=[(b"Content-Type", b"application/json"), (SECRET_TOKEN_HEADER.encode(), secret)],
        timeout=30,
    )
    assert response.status_code == 403
    assert inbox_rows(assistant, chat_id) == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    [nested(100_000), json.dumps(with_message(date=10**20)).encode()],
    ids=["nested", "date-1e20"],
)
def test_e2e_hostile_updates_with_the_right_secret_are_400s(
    assistant: Assistant, body: bytes
) -> None:
    assert post_update(assistant, body).status_code == 400


@pytest.mark.slow
def test_e2e_a_long_message_reaches_the_bot_cut_with_its_length(
    assistant: Assistant, fake_telegram: FakeTelegram
) -> None:
    chat_id = new_id()
    text = "hi " + "a" * 9997
    assert post_update(assistant, text_update(chat_id, text)).status_code == 200
    fake_telegram.wait_for_messages(chat_id)
    [event] = user_events(assistant, chat_id)
    assert event["text"] == text[:TELEGRAM_LIMIT]
    assert event["metadata"][TRUNCATED_FROM] == 10_000

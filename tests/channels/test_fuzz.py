"""Property-based fuzzing of every webhook: no input makes a 5xx, an exception, or a slow answer.

Each test draws a few hundred requests with hypothesis: the platform's own
shape with any value in any field (wrong types, numbers past 64 bits,
Unicode digits, dates out of range, texts of every length up to and past the
channel's cap), and now and then a body that is not the platform's at all.
The SMS, Telegram and Messenger requests are signed by the real algorithms
(Twilio's SDK, the secret token, HMAC-SHA256 of the raw body), so the parsers
behind the signature checks are reached; some headers are drawn too, bytes
that are not UTF-8 included.

Each request goes through the channel's whole webhook handler (``receive``:
body cap, authentication, parsing, the cut to the cap, the inbox, the
acknowledgement) without a network in between, and then the accepted
deliveries are processed by a stand-in for the bot. Asserted for every
request: a status in the channel's documented set, nothing raised, every text
the bot got within the cap and marked when cut, and the time to answer under
``BUDGET_S``. The worst time of each channel is printed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import string
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic.request import Request
from twilio.request_validator import RequestValidator

from bot.channels.inbox import WebhookChannel
from bot.channels.messenger import SIGNATURE_HEADER, MessengerInput
from bot.channels.rest import RestInput
from bot.channels.settings import (
    MAX_WEBHOOK_BODY_BYTES,
    ChannelSettings,
    MessengerSettings,
    TelegramSettings,
    TwilioSettings,
)
from bot.channels.sms import SmsInput
from bot.channels.store import InboxItem
from bot.channels.telegram import SECRET_TOKEN_HEADER, TelegramInput
from bot.channels.text import MESSENGER_LIMIT, SMS_LIMIT, TELEGRAM_LIMIT, TRUNCATED_FROM
from tests.fakes.credentials import (
    MESSENGER_APP_SECRET,
    MESSENGER_PAGE_ACCESS_TOKEN,
    MESSENGER_VERIFY_TOKEN,
    PUBLIC_URL,
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_SECRET_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
)

# Generous: a request is answered in milliseconds; this only catches the
# pathological (a loop over NumMedia, a regex gone quadratic). BUDGET_S is CPU
# time on the event loop's thread, which every conversation waits for. The
# wall-clock bound also counts the inbox's commit (an fsync, in a worker
# thread: a thousand Messenger events took 1.1 s on a busy 2-core machine),
# so it only catches a hang or a sleep.
BUDGET_S = 0.5
WALL_BUDGET_S = 5.0
REST_CAP = 4096
FUZZ = settings(
    max_examples=250,
    deadline=None,  # timed by hand: the budget is per request, not per example
    database=None,  # nothing written into the working tree
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# -- what the draws are made of ---------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Whole numbers as platforms send them and as they never should: Unicode
# digits ("²" passes isdigit, Arabic-Indic "\u0661" passes int), past 64 bits,
# signed, blank.
number_texts = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["²", "\u0661", "\uff11\uff12", "1e3", "0x10", " 7 ", "", "1" * 5000]),
    st.text(alphabet="0123456789+-", max_size=25),
)
# Unix times: plausible, and 1e20, year 1, year 10000, negative, NaN.
timestamps = st.one_of(
    st.integers(min_value=1_600_000_000, max_value=1_900_000_000),
    st.sampled_from([10**20, -62135596800, 253402300800, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    json_values,
)
header_texts = st.one_of(
    st.text(max_size=80),
    # What Sanic hands over for bytes that are not UTF-8: lone surrogates.
    st.text(st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF), min_size=1, max_size=80),
)


def mostly(valid: st.SearchStrategy[Any], junk: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` about seven times in eight, ``junk`` otherwise: most requests get past
    the checks to the code behind them, and every check still sees junk."""
    return st.integers(0, 7).flatmap(lambda n: junk if n == 7 else valid)


# Nine requests in ten signed as the platform signs (hypothesis leans to the minimum).
signed_flags = st.integers(1, 10).map(lambda n: n <= 9)


@st.composite
def texts(draw: st.DrawFn, cap: int) -> str:
    """Any text, most short, some of any length up to twice the cap (built cheaply)."""
    if draw(st.booleans()):
        return draw(st.text(max_size=64))
    unit = draw(st.text(min_size=1, max_size=16))
    length = draw(st.integers(min_value=0, max_value=2 * cap))
    return (unit * (length // len(unit) + 1))[:length]


def long_text(length: int) -> str:
    return ("where is my order ¿ 🙂 " * (length // 20 + 1))[:length]


# -- running requests through a channel's handler -------------------------------------------


@dataclass
class Timings:
    """The time each request took; the worst is reported and checked against the budgets."""

    channel: str
    worst_cpu_s: float = 0.0
    worst_cpu_case: str = ""
    worst_wall_s: float = 0.0
    worst_wall_case: str = ""
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @contextmanager
    def timing(self, case: str) -> Iterator[list[int]]:
        """Times the block; the block appends the response's status to the list."""
        status: list[int] = []
        wall, cpu = time.perf_counter(), time.thread_time()
        yield status
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        self.calls += 1
        self.statuses[status[0]] = self.statuses.get(status[0], 0) + 1
        if cpu > self.worst_cpu_s:
            self.worst_cpu_s, self.worst_cpu_case = cpu, case
        if wall > self.worst_wall_s:
            self.worst_wall_s, self.worst_wall_case = wall, case

    def report(self, capsys: pytest.CaptureFixture[str]) -> None:
        with capsys.disabled():
            print(
                f"\n[fuzz] {self.channel}: {self.calls} requests, statuses {self.statuses}; "
                f"worst on the event loop {self.worst_cpu_s * 1000:.1f} ms CPU "
                f"({self.worst_cpu_case}), worst to answer {self.worst_wall_s * 1000:.1f} ms "
                f"({self.worst_wall_case})"
            )
        assert self.worst_cpu_s < BUDGET_S, f"{self.channel}: {self.worst_cpu_case}"
        assert self.worst_wall_s < WALL_BUDGET_S, f"{self.channel}: {self.worst_wall_case}"


class Bot:
    """Stands in for Rasa: records each message; the REST one also answers."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if isinstance(message.output_channel, CollectingOutputChannel):
            await message.output_channel.send_text_message(message.sender_id, "ok")


def check_cut(message: UserMessage, cap: int) -> None:
    assert message.text is not None and len(message.text) <= cap
    original = (message.metadata or {}).get(TRUNCATED_FROM)
    if original is not None:
        # Not == cap: UserMessage strips the text, and a cut may end in a space.
        assert original > cap


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


@pytest.fixture(scope="module")
def channel_settings(tmp_path_factory: pytest.TempPathFactory) -> ChannelSettings:
    state: Path = tmp_path_factory.mktemp("fuzz")
    return ChannelSettings(
        public_url=PUBLIC_URL,
        database_url=f"sqlite:///{state / 'channels.db'}",
        timeout_s=1.0,
        twilio=TwilioSettings(
            account_sid=TWILIO_ACCOUNT_SID,
            auth_token=TWILIO_AUTH_TOKEN,
            from_number=TWILIO_FROM_NUMBER,
            api_base_url="https://twilio.invalid",
        ),
        telegram=TelegramSettings(
            bot_token=TELEGRAM_BOT_TOKEN,
            secret_token=TELEGRAM_SECRET_TOKEN,
            api_base_url="https://telegram.invalid",
        ),
        messenger=MessengerSettings(
            page_access_token=MESSENGER_PAGE_ACCESS_TOKEN,
            app_secret=MESSENGER_APP_SECRET,
            verify_token=MESSENGER_VERIFY_TOKEN,
            api_base_url="https://graph.invalid",
        ),
    )


def without_replies(channel: WebhookChannel, bot: Bot) -> None:
    """Processing hands text to the bot and sends nothing (there is no platform here)."""

    async def process(
        item: InboxItem, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        text = item.message.get("text")
        if isinstance(text, str):
            await on_new_message(channel.user_message(item, text, CollectingOutputChannel()))

    channel.process = process  # type: ignore[method-assign]


def run_webhook(
    loop: asyncio.AbstractEventLoop,
    channel: WebhookChannel,
    request: Request,
    timings: Timings,
    case: str,
) -> list[UserMessage]:
    """One request through ``receive``, timed, then its deliveries processed; the bot's messages."""
    bot = Bot()

    async def one() -> int:
        with timings.timing(case) as status:
            status.append((await channel.receive(request, bot)).status)
        await channel._queues.drain()
        return status[0]

    status = loop.run_until_complete(one())
    assert status in {200, 400, 403, 413}, f"{status} for {case}"
    if status != 200:
        assert bot.messages == []
    return bot.messages


def describe(kind: str, body: bytes) -> str:
    return f"{kind}, {len(body)} bytes"


# -- SMS: Twilio's form, signed over the public URL ---------------------------------------

WEBHOOK_PATH = "/webhooks/sms/webhook"


def sms_request(params: dict[str, str], signature: str | None) -> Request:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return cast(
        Request,
        SimpleNamespace(
            body=urlencode(params).encode(),
            headers=headers,
            path=WEBHOOK_PATH,
            query_string="",
            url=f"http://127.0.0.1:5005{WEBHOOK_PATH}",
            ctx=SimpleNamespace(),
        ),
    )


sms_forms = st.fixed_dictionaries(
    {
        "MessageSid": mostly(
            st.text(alphabet=string.hexdigits, min_size=32, max_size=32).map(lambda h: "SM" + h),
            st.text(max_size=200),
        ),
        "AccountSid": mostly(st.just(TWILIO_ACCOUNT_SID), st.text(max_size=40)),
        "From": mostly(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True), st.text(max_size=20)),
        "To": st.just(TWILIO_FROM_NUMBER),
        "Body": texts(SMS_LIMIT),
        "NumMedia": mostly(st.integers(0, 10).map(str), number_texts),
    },
    optional={
        **{f"MediaUrl{i}": st.text(max_size=60) for i in range(12)},
        **{f"MediaContentType{i}": st.text(max_size=20) for i in range(3)},
        "NumSegments": number_texts,
        "OptOutType": st.text(max_size=10),
    },
)


def test_fuzz_sms_webhook(
    loop: asyncio.AbstractEventLoop,
    channel_settings: ChannelSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sms = SmsInput(channel_settings)
    bot_messages: list[UserMessage] = []
    without_replies(sms, Bot())
    timings = Timings("sms")

    @FUZZ
    @given(form=sms_forms, signed=signed_flags, header=header_texts)
    @example(
        form={
            "MessageSid": "SM" + "a" * 32,
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": "+15550109999",
            "To": TWILIO_FROM_NUMBER,
            "Body": long_text(SMS_LIMIT * 4),
            "NumMedia": "10000000",
            **{f"MediaUrl{i}": f"https://example.test/{i}" for i in range(12)},
        },
        signed=True,
        header="",
    )
    def one(form: dict[str, str], signed: bool, header: str) -> None:
        # Nine in ten signed as Twilio signs, the rest with a drawn header.
        signature = (
            RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(PUBLIC_URL + WEBHOOK_PATH, form)
            if signed
            else header
        )
        request = sms_request(form, signature)
        messages = run_webhook(loop, sms, request, timings, describe("sms form", request.body))
        for message in messages:
            check_cut(message, SMS_LIMIT)
        bot_messages.extend(messages)

    try:
        one()
    finally:
        sms.store.close()
    timings.report(capsys)
    assert timings.statuses.get(200), "no drawn form was accepted: the fuzz only hit refusals"


# -- Telegram: an Update, with the secret token ---------------------------------------------


@st.composite
def telegram_updates(draw: st.DrawFn) -> Any:
    """A Telegram update with any field swapped for any value; or something else entirely."""
    if draw(st.integers(0, 9)) == 9:
        return draw(json_values)
    chat = {
        "id": draw(mostly(st.integers(-(10**13), 10**13), json_values)),
        "type": draw(mostly(st.sampled_from(["private", "group", "supergroup"]), json_values)),
    }
    message: dict[str, Any] = {
        "message_id": draw(mostly(st.integers(1, 10**9), json_values)),
        "date": draw(mostly(st.integers(1_600_000_000, 1_900_000_000), timestamps)),
        "chat": chat,
    }
    content = draw(st.sampled_from(["text", "caption", "sticker", "location", "weird"]))
    if content == "text":
        message["text"] = draw(mostly(texts(TELEGRAM_LIMIT), json_values))
    elif content == "caption":
        message["photo"] = [{"file_id": "A", "file_unique_id": "B", "width": 1, "height": 1}]
        message["caption"] = draw(mostly(texts(TELEGRAM_LIMIT), json_values))
    elif content == "sticker":
        message["sticker"] = draw(json_values)
    elif content == "location":
        message["location"] = {"latitude": draw(json_values), "longitude": draw(json_values)}
    else:
        message[draw(st.text(max_size=12))] = draw(json_values)
    if draw(st.integers(0, 3)) == 3:
        message["entities"] = draw(st.lists(json_values, max_size=3))
    update: dict[str, Any] = {
        "update_id": draw(
            mostly(st.integers(0, 2**31), st.one_of(st.integers(2**62, 2**70), json_values))
        )
    }
    kind = draw(st.sampled_from(["message", "edited_message", "callback_query"]))
    if kind == "callback_query":
        update[kind] = {
            "id": draw(
                mostly(st.text(alphabet=string.digits, min_size=1, max_size=19), json_values)
            ),
            "from": {"id": 1, "is_bot": False, "first_name": "Ada"},
            "chat_instance": "1",
            "message": message,
            "data": draw(mostly(st.text(max_size=80), json_values)),
        }
    else:
        update[kind] = message
    return update


def telegram_request(body: bytes, secret: str | None) -> Request:
    headers = {} if secret is None else {SECRET_TOKEN_HEADER: secret}
    return cast(Request, SimpleNamespace(headers=headers, body=body))


def test_fuzz_telegram_webhook(
    loop: asyncio.AbstractEventLoop,
    channel_settings: ChannelSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Groups allowed: more of the parser is reached.
    telegram = TelegramInput(
        ChannelSettings(
            database_url=channel_settings.database_url,
            telegram=TelegramSettings(
                bot_token=TELEGRAM_BOT_TOKEN,
                secret_token=TELEGRAM_SECRET_TOKEN,
                api_base_url="https://telegram.invalid",
                allow_groups=True,
            ),
        )
    )
    without_replies(telegram, Bot())
    assert telegram.api.bot is not None  # made on first use (~80 ms, once): not timed
    timings = Timings("telegram")

    @FUZZ
    @given(
        update=telegram_updates(),
        raw=mostly(st.none(), st.binary(max_size=200)),
        signed=signed_flags,
        header=header_texts,
    )
    @example(
        update={
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": 1, "type": "private"},
                "text": long_text(TELEGRAM_LIMIT * 3),
            },
        },
        raw=None,
        signed=True,
        header="",
    )
    @example(update=None, raw=b"[" * 100_000 + b"]" * 100_000, signed=True, header="")
    def one(update: Any, raw: bytes | None, signed: bool, header: str) -> None:
        body = raw if raw is not None else json.dumps(update).encode()
        request = telegram_request(body, TELEGRAM_SECRET_TOKEN if signed else header)
        messages = run_webhook(loop, telegram, request, timings, describe("telegram", body))
        for message in messages:
            check_cut(message, TELEGRAM_LIMIT)

    try:
        one()
    finally:
        loop.run_until_complete(telegram.close())
        telegram.store.close()
    timings.report(capsys)
    assert timings.statuses.get(200), "no drawn update was accepted: the fuzz only hit refusals"


# -- Messenger: a page notification, signed with HMAC-SHA256 -------------------------------------


@st.composite
def messenger_events(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 9:
        return draw(json_values)
    event: dict[str, Any] = {
        "sender": {
            "id": draw(
                mostly(
                    st.integers(1, 10**16).map(str),
                    st.one_of(st.integers(-(2**70), 2**70), number_texts, json_values),
                )
            )
        },
        "recipient": {"id": draw(mostly(st.just("1047000000000001"), json_values))},
        "timestamp": draw(
            mostly(
                st.integers(min_value=1_600_000_000_000, max_value=1_900_000_000_000),
                st.one_of(
                    st.sampled_from([10**20, -62135596800000, 253402300800000, 2**64]),
                    timestamps,
                ),
            )
        ),
    }
    kind = draw(st.sampled_from(["message", "postback", "quick_reply", "attachment", "other"]))
    mid = draw(mostly(st.text(min_size=1, max_size=300).map(lambda m: "m_" + m), json_values))
    if kind == "message":
        event["message"] = {
            "mid": mid,
            "text": draw(mostly(texts(MESSENGER_LIMIT), json_values)),
        }
    elif kind == "quick_reply":
        event["message"] = {
            "mid": mid,
            "text": draw(st.text(max_size=20)),
            "quick_reply": {"payload": draw(mostly(texts(MESSENGER_LIMIT), json_values))},
        }
    elif kind == "attachment":
        event["message"] = {"mid": mid, "attachments": draw(json_values)}
    elif kind == "postback":
        event["postback"] = {
            "title": draw(mostly(st.text(max_size=20), json_values)),
            "payload": draw(mostly(texts(MESSENGER_LIMIT), json_values)),
        }
    else:
        event[draw(st.text(max_size=10))] = draw(json_values)
    return event


@st.composite
def messenger_bodies(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 9:
        return draw(json_values)
    entries = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "id": st.just("1047000000000001"),
                        "messaging": st.lists(messenger_events(), max_size=5),
                    }
                ),
                json_values,
            ),
            max_size=4,
        )
    )
    return {
        "object": draw(st.sampled_from(["page", "page", "page", "instagram"])),
        "entry": entries,
    }


def messenger_request(body: bytes, header: str | None) -> Request:
    headers = {} if header is None else {SIGNATURE_HEADER: header}
    return cast(Request, SimpleNamespace(headers=headers, body=body))


def test_fuzz_messenger_webhook(
    loop: asyncio.AbstractEventLoop,
    channel_settings: ChannelSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    messenger = MessengerInput(channel_settings)
    without_replies(messenger, Bot())
    timings = Timings("messenger")

    @FUZZ
    @given(
        payload=messenger_bodies(),
        raw=mostly(st.none(), st.binary(max_size=200)),
        signed=signed_flags,
        header=header_texts,
    )
    @example(
        payload={
            "object": "page",
            "entry": [
                {
                    "id": "1",
                    "messaging": [
                        {
                            "sender": {"id": str(10**15 + n)},
                            "timestamp": 1_700_000_000_000,
                            "message": {
                                "mid": f"m_fuzz_batch_{n}",
                                # A thousand events with texts of 500 characters: about
                                # 700 KB, under the 1 MiB body cap.
                                "text": long_text(500),
                            },
                        }
                        for n in range(1000)
                    ],
                }
            ],
        },
        raw=None,
        signed=True,
        header="",
    )
    @example(
        payload={
            "object": "page",
            "entry": [
                {
                    "id": "1",
                    "messaging": [
                        {
                            "sender": {"id": "1234567890"},
                            "timestamp": 1_700_000_000_000,
                            "message": {
                                "mid": "m_fuzz_long",
                                "text": long_text(MESSENGER_LIMIT * 5),
                            },
                        }
                    ],
                }
            ],
        },
        raw=None,
        signed=True,
        header="",
    )
    @example(payload=None, raw=b"[" * 100_000 + b"]" * 100_000, signed=True, header="")
    def one(payload: Any, raw: bytes | None, signed: bool, header: str) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        signature = (
            "sha256=" + hmac.new(MESSENGER_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
            if signed
            else header
        )
        request = messenger_request(body, signature)
        messages = run_webhook(loop, messenger, request, timings, describe("messenger", body))
        for message in messages:
            check_cut(message, MESSENGER_LIMIT)

    try:
        one()
    finally:
        messenger.store.close()
    timings.report(capsys)
    assert timings.statuses.get(200), "no drawn body was accepted: the fuzz only hit refusals"


# -- REST: {"sender", "message"}, no signature ----------------------------------------------------


@st.composite
def rest_bodies(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 9:
        return draw(json_values)
    body: dict[str, Any] = {
        "sender": draw(
            mostly(
                st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=128),
                st.one_of(number_texts, json_values, st.text(min_size=100, max_size=300)),
            )
        ),
        "message": draw(mostly(texts(REST_CAP), json_values)),
    }
    if draw(st.booleans()):
        body[draw(st.sampled_from(["input_channel", "metadata", "stream", "x"]))] = draw(
            json_values
        )
    return body


def test_fuzz_rest_webhook(
    loop: asyncio.AbstractEventLoop, capsys: pytest.CaptureFixture[str]
) -> None:
    rest = RestInput(ChannelSettings(max_message_chars=REST_CAP))
    timings = Timings("rest")

    @FUZZ
    @given(payload=rest_bodies(), raw=mostly(st.none(), st.binary(max_size=200)))
    @example(payload={"sender": "demo-alice", "message": long_text(100_000)}, raw=None)
    @example(payload=None, raw=b"[" * 100_000 + b"]" * 100_000)
    @example(payload={"sender": "demo-alice", "message": "a" * MAX_WEBHOOK_BODY_BYTES}, raw=None)
    def one(payload: Any, raw: bytes | None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        request = cast(Request, SimpleNamespace(body=body, args={}))
        bot = Bot()

        async def call() -> int:
            with timings.timing(describe("rest", body)) as status:
                status.append((await rest.receive(request, bot)).status)
            return status[0]

        status = loop.run_until_complete(call())
        assert status in {200, 400, 413}
        assert len(bot.messages) == (1 if status == 200 else 0)
        for message in bot.messages:
            check_cut(message, REST_CAP)
            assert message.input_channel == "rest"

    one()
    timings.report(capsys)
    assert timings.statuses.get(200), "no drawn body was accepted: the fuzz only hit refusals"

"""bot.channels.sms: Twilio SMS in (signed webhooks) and out (the Messages API).

Two kinds of tests:

- unit tests of the parts: what a Twilio form means, the signature check
  behind a proxy, the opt-out keywords, "2" standing for a button, and
  SmsOutput sending to the fake Twilio API (splitting, 429s, errors, opt-outs);
- end to end, through the running assistant (real Rasa server, trained model):
  a signed webhook in, the bot's reply out at the fake Twilio API.

Every test uses its own phone numbers: the assistant and its databases are
shared by the whole session.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic.request import Request
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator

from bot.channels.delivery import PermanentSendError
from bot.channels.errors import TRANSIENT_TURN_FAILURES, MalformedRequest
from bot.channels.outbound import send_to_customer
from bot.channels.settings import DEFAULT_SMS_HELP_TEXT, ChannelSettings, TwilioSettings
from bot.channels.sms import (
    EMPTY_TWIML,
    HELP,
    MAX_MEDIA,
    NON_TEXT,
    NON_TEXT_REPLY,
    OPT_IN,
    OPT_IN_REPLY,
    OPT_OUT,
    OPTED_OUT_SLOT,
    TEXT,
    SmsInput,
    SmsOutput,
    classify,
    create_output,
    mask_phone_number,
    parse_twilio_form,
)
from bot.channels.store import ChannelStore, InboxItem
from bot.channels.text import SMS_LIMIT, TRUNCATED_FROM
from tests.channels.conftest import FakeAgent
from tests.conftest import (
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
    Assistant,
)
from tests.fakes.server import Reply
from tests.fakes.twilio import FakeTwilio, twilio_error

WEBHOOK = "/webhooks/sms/webhook"
GREETING = "Hi! I'm Northwind's automated assistant."

_numbers = itertools.count(1)
_message_sids = itertools.count(1)


def new_number() -> str:
    """A phone number no other test in this session uses."""
    return f"+1555010{next(_numbers):04d}"


def new_message_sid() -> str:
    return f"SM{time.time_ns():020x}{next(_message_sids):012x}"


def inbound_form(sender: str, body: str, *, message_sid: str | None = None, **extra: str) -> dict:
    """The form Twilio posts for an incoming SMS (fields as documented)."""
    sid = message_sid or new_message_sid()
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "NY",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "US",
        "To": TWILIO_FROM_NUMBER,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def sign(params: dict, url: str = PUBLIC_URL + WEBHOOK, token: str = TWILIO_AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


def twilio_settings(base_url: str, **overrides: Any) -> TwilioSettings:
    values = {
        "account_sid": TWILIO_ACCOUNT_SID,
        "auth_token": TWILIO_AUTH_TOKEN,
        "from_number": TWILIO_FROM_NUMBER,
        "api_base_url": base_url,
        **overrides,
    }
    return TwilioSettings(**values)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChannelStore]:
    store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
    yield store
    store.close()


@pytest.fixture
def settings(fake_twilio: FakeTwilio, tmp_path: Path) -> ChannelSettings:
    return ChannelSettings(
        public_url=PUBLIC_URL,
        database_url=f"sqlite:///{tmp_path / 'channels.db'}",
        timeout_s=5.0,
        twilio=twilio_settings(fake_twilio.url),
    )


@pytest.fixture
def output(settings: ChannelSettings, store: ChannelStore) -> Iterator[SmsOutput]:
    output = SmsOutput(settings, store)
    yield output
    output.close()


def fake_request(
    params: dict, signature: str | None, *, path: str = WEBHOOK, query: str = "", url: str = ""
) -> Request:
    """What authenticate() and parse() read of a Sanic request."""
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return cast(
        Request,
        SimpleNamespace(
            body=urlencode(params).encode(),
            headers=headers,
            path=path,
            query_string=query,
            url=url or f"http://127.0.0.1:5005{path}" + (f"?{query}" if query else ""),
            ctx=SimpleNamespace(),
        ),
    )


# -- what a message means --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("STOP", OPT_OUT),
        ("  stop \n", OPT_OUT),
        ("Unsubscribe", OPT_OUT),
        ("stopall", OPT_OUT),
        ("Cancel", OPT_OUT),
        ("end", OPT_OUT),
        ("QUIT", OPT_OUT),
        ("Stop.", OPT_OUT),
        ("start", OPT_IN),
        ("UNSTOP", OPT_IN),
        ("help", HELP),
        ("Info", HELP),
        # Only the whole message is a keyword.
        ("please stop sending me texts", TEXT),
        ("cancel my order", TEXT),
        ("help me track my order", TEXT),
        ("2", TEXT),
        ("où est ma commande", TEXT),
        ("👍", TEXT),
        ("🙂🙂 !!", TEXT),
        ("", NON_TEXT),
        ("   ", NON_TEXT),
    ],
)
def test_classify(body: str, kind: str) -> None:
    assert classify(body) == kind


def test_a_text_message_is_for_the_bot() -> None:
    delivery = parse_twilio_form(
        inbound_form("+15550100000", " where is my order? ", message_sid="SM1")
    )
    assert delivery.delivery_id == "SM1"
    assert delivery.sender_id == "+15550100000"
    assert delivery.message == {"kind": TEXT, "text": "where is my order?"}


def test_a_photo_without_text_is_non_text_with_its_media() -> None:
    form = inbound_form(
        "+15550100000",
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
    )
    delivery = parse_twilio_form(form)
    assert delivery.message["kind"] == NON_TEXT
    assert delivery.message["metadata"]["media"] == [
        {"url": form["MediaUrl0"], "content_type": "image/jpeg"}
    ]


def test_a_photo_with_a_caption_is_its_caption() -> None:
    delivery = parse_twilio_form(
        inbound_form(
            "+15550100000",
            "it arrived broken",
            NumMedia="1",
            MediaUrl0="https://example.test/m",
            MediaContentType0="image/png",
        )
    )
    assert delivery.message["kind"] == TEXT
    assert delivery.message["text"] == "it arrived broken"
    assert delivery.message["metadata"]["media"][0]["url"] == "https://example.test/m"


@pytest.mark.parametrize(
    "broken",
    [
        {"MessageSid": ""},
        {"From": ""},
        {"From": "not-a-number"},
        {"From": "whatsapp:+15550100000"},
        {"NumMedia": "many"},
    ],
)
def test_malformed_forms_are_refused(broken: dict) -> None:
    with pytest.raises(MalformedRequest):
        parse_twilio_form({**inbound_form("+15550100000", "hi"), **broken})


# -- hostile forms: a client error, never a 500, and never slow ---------------------------


class CountingForm(dict):
    """A form that counts the look-ups made in it."""

    lookups = 0

    def get(self, key: Any, default: Any = None) -> Any:
        self.lookups += 1
        return super().get(key, default)


def test_num_media_is_read_up_to_twilios_ten_only() -> None:
    # NumMedia=10000000 made ten million look-ups (seconds) before the acknowledgement.
    form = CountingForm(inbound_form("+15550100000", "hi", NumMedia="10000000"))
    for i in range(12):
        form[f"MediaUrl{i}"] = f"https://example.test/m{i}"
    delivery = parse_twilio_form(form)
    assert form.lookups < 50
    assert len(delivery.message["metadata"]["media"]) == MAX_MEDIA


@pytest.mark.parametrize(
    "num_media",
    [
        "²",  # str.isdigit() says yes, int() says no
        "\u0661",  # Arabic-Indic one: int() reads it as 1
        "\uff11",  # fullwidth one: the same
        "99999999999999999999999",  # past 64 bits
        "-1",
        "1" * 5000,  # past int()'s 4300 digits
    ],
)
def test_num_media_must_be_a_small_whole_number_in_ascii_digits(num_media: str) -> None:
    with pytest.raises(MalformedRequest, match="NumMedia"):
        parse_twilio_form(inbound_form("+15550100000", "hi", NumMedia=num_media))


ARABIC_INDIC_DIGITS = {ord(str(d)): chr(0x0660 + d) for d in range(10)}
FULLWIDTH_DIGITS = {ord(str(d)): chr(0xFF10 + d) for d in range(10)}


@pytest.mark.parametrize(
    "sender",
    [
        "+1" + "5550100000".translate(ARABIC_INDIC_DIGITS),
        "+1555" + "0100000".translate(FULLWIDTH_DIGITS),
    ],
)
def test_a_phone_number_in_other_digits_is_refused(sender: str) -> None:
    # \d matches them; no phone number is written so.
    with pytest.raises(MalformedRequest, match=r"E\.164"):
        parse_twilio_form(inbound_form(sender, "hi"))


def test_a_message_sid_too_long_for_the_inbox_is_refused() -> None:
    # PostgreSQL refuses more than the column's 128 characters: that was a 500.
    with pytest.raises(MalformedRequest, match="MessageSid"):
        parse_twilio_form(inbound_form("+15550100000", "hi", message_sid="SM" + "0" * 200))


def test_phone_numbers_are_masked() -> None:
    assert mask_phone_number("+15550101234") == "***34"
    assert "0101234" not in mask_phone_number("+15550101234")


# -- authentication --------------------------------------------------------------------


def channel(settings: ChannelSettings, store: ChannelStore) -> SmsInput:
    return SmsInput(settings, store)


def test_the_signature_is_checked_over_the_public_url(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms = channel(settings, store)
    form = inbound_form("+15550100000", "hi")
    assert sms.authenticate(fake_request(form, sign(form)))
    # Signed over the URL the server sees behind the proxy: not what Twilio signs.
    seen = "http://127.0.0.1:5005" + WEBHOOK
    assert not sms.authenticate(fake_request(form, sign(form, url=seen), url=seen))


def test_the_query_string_is_part_of_the_signed_url(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms = channel(settings, store)
    form = inbound_form("+15550100000", "hi")
    signed = sign(form, url=f"{PUBLIC_URL}{WEBHOOK}?tenant=eu")
    assert sms.authenticate(fake_request(form, signed, query="tenant=eu"))
    assert not sms.authenticate(fake_request(form, sign(form), query="tenant=eu"))


@pytest.mark.parametrize(
    "signature",
    [None, "", "forged", sign(inbound_form("+15550100000", "hi"), token="not-our-token")],
)
def test_missing_or_forged_signatures_are_refused(
    settings: ChannelSettings, store: ChannelStore, signature: str | None
) -> None:
    form = inbound_form("+15550100000", "hi")
    assert not channel(settings, store).authenticate(fake_request(form, signature))


def test_a_tampered_body_is_refused(settings: ChannelSettings, store: ChannelStore) -> None:
    form = inbound_form("+15550100000", "hi")
    signature = sign(form)
    assert not channel(settings, store).authenticate(
        fake_request({**form, "Body": "STOP"}, signature)
    )


def test_an_empty_body_field_is_signed_too(settings: ChannelSettings, store: ChannelStore) -> None:
    # Twilio signs "Body" even when empty (a photo alone); dropping blank
    # fields, as Sanic's request.form does, would break the check.
    form = inbound_form("+15550100000", "", NumMedia="1", MediaUrl0="https://example.test/m")
    assert channel(settings, store).authenticate(fake_request(form, sign(form)))


def test_another_accounts_message_is_refused(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    form = inbound_form("+15550100000", "hi", AccountSid="AC" + "1" * 32)
    assert not channel(settings, store).authenticate(fake_request(form, sign(form)))


def test_without_public_url_the_seen_url_is_used_and_a_warning_logged_once(
    settings: ChannelSettings, store: ChannelStore, caplog: pytest.LogCaptureFixture
) -> None:
    sms = channel(
        ChannelSettings(database_url=settings.database_url, twilio=settings.twilio), store
    )
    form = inbound_form("+15550100000", "hi")
    seen = "http://127.0.0.1:5005" + WEBHOOK
    with caplog.at_level(logging.WARNING, logger="bot.channels.sms"):
        assert sms.authenticate(fake_request(form, sign(form, url=seen), url=seen))
        assert sms.authenticate(fake_request(form, sign(form, url=seen), url=seen))
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "PUBLIC_URL" in caplog.records[0].getMessage()


def test_missing_credentials_disable_the_channel(store: ChannelStore) -> None:
    sms = SmsInput(ChannelSettings(twilio=TwilioSettings(account_sid="AC1")), store)
    assert not sms.enabled
    assert sms.missing_settings() == ["TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"]


def test_parse_needs_the_account_sid(settings: ChannelSettings, store: ChannelStore) -> None:
    form = inbound_form("+15550100000", "hi")
    del form["AccountSid"]
    with pytest.raises(MalformedRequest):
        channel(settings, store).parse(fake_request(form, sign(form)))


def test_the_acknowledgement_is_empty_twiml(settings: ChannelSettings, store: ChannelStore) -> None:
    form = inbound_form("+15550100000", "hi")
    reply = channel(settings, store).acknowledge(fake_request(form, sign(form)))
    assert reply.status == 200
    assert reply.content_type.startswith("text/xml")
    assert reply.body == EMPTY_TWIML.encode()


async def test_a_message_over_1600_characters_is_cut_and_the_cut_recorded(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms, bot = channel(settings, store), Bot()
    form = inbound_form("+15550100000", "where is my order " + "a" * 5000)
    response = await sms.receive(fake_request(form, sign(form)), bot)
    assert response.status == 200
    await sms._queues.drain()
    [message] = bot.messages
    assert message.text == form["Body"][:SMS_LIMIT]
    assert message.metadata[TRUNCATED_FROM] == len(form["Body"]) == 5018


async def test_a_lower_configured_cap_applies_to_sms_too(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms = channel(dataclasses.replace(settings, max_message_chars=100), store)
    form = inbound_form("+15550100000", "x" * 500)
    [delivery] = sms.read(fake_request(form, sign(form)))
    assert delivery.message["text"] == "x" * 100
    assert delivery.message["metadata"] == {TRUNCATED_FROM: 500}


async def test_a_body_over_the_cap_is_refused_before_its_signature_is_checked(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms = channel(settings, store)
    form = inbound_form("+15550100000", "x" * (sms.max_body_bytes + 1))
    response = await sms.receive(fake_request(form, sign(form)), Bot())
    assert response.status == 413


async def test_a_signed_hostile_form_is_a_400_not_a_500(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms = channel(settings, store)
    form = inbound_form("+15550100000", "hi", NumMedia="²")
    response = await sms.receive(fake_request(form, sign(form)), Bot())
    assert response.status == 400


# -- processing --------------------------------------------------------------------------


def item(sender: str, message: dict[str, Any]) -> InboxItem:
    return InboxItem(1, "sms", "SM-unit", sender, message)


class Bot:
    """Stands in for Rasa: records the messages handed to it."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


def with_tracker(sms: SmsInput, tracker: DialogueStateTracker) -> None:
    """As if mounted on Rasa's app, whose agent reads this tracker."""

    async def retrieve(sender_id: str) -> DialogueStateTracker:
        return tracker

    tracker_store = SimpleNamespace(retrieve=retrieve)
    sms._app = SimpleNamespace(
        ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=tracker_store))
    )


BUTTONS = [
    {"title": "Track my order", "payload": "/check_order_status"},
    {"title": "Start a return", "payload": "/start_return"},
]


@pytest.mark.parametrize(
    ("reply", "text"),
    [("2", "/start_return"), (" 1. ", "/check_order_status"), ("3", "3"), ("hi", "hi")],
)
async def test_a_number_picks_a_button_of_the_last_bot_message(
    settings: ChannelSettings, store: ChannelStore, reply: str, text: str
) -> None:
    sms = channel(settings, store)
    sender = new_number()
    with_tracker(
        sms,
        DialogueStateTracker.from_events(
            sender, [BotUttered("How can I help?", data={"buttons": BUTTONS})]
        ),
    )
    bot = Bot()
    await sms.process(item(sender, {"kind": TEXT, "text": reply}), bot)
    [message] = bot.messages
    assert message.text == text
    assert message.sender_id == sender
    assert message.input_channel == "sms"
    assert message.metadata == {"channel": "sms"}


async def test_a_number_is_text_when_the_last_bot_message_had_no_buttons(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    sms = channel(settings, store)
    sender = new_number()
    with_tracker(
        sms,
        DialogueStateTracker.from_events(
            sender,
            [
                BotUttered("How can I help?", data={"buttons": BUTTONS}),
                BotUttered("What's the order number?"),
            ],
        ),
    )
    bot = Bot()
    await sms.process(item(sender, {"kind": TEXT, "text": "2"}), bot)
    assert bot.messages[0].text == "2"


async def test_keywords_and_non_text_never_reach_the_bot(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    sms = channel(settings, store)
    bot = Bot()
    sender = new_number()
    for kind in (HELP, NON_TEXT, OPT_OUT, OPT_IN):
        await sms.process(item(sender, {"kind": kind}), bot)
    assert bot.messages == []
    # Not after OPT_OUT: Twilio itself confirms a STOP.
    assert fake_twilio.bodies(sender) == [DEFAULT_SMS_HELP_TEXT, NON_TEXT_REPLY, OPT_IN_REPLY]
    await sms.close()


async def test_stop_and_start_are_recorded_without_logging_the_number(
    settings: ChannelSettings,
    store: ChannelStore,
    fake_twilio: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sms = channel(settings, store)
    sender = new_number()
    caplog.set_level(logging.INFO)
    stop = parse_twilio_form(inbound_form(sender, "Stop"))
    await sms.accept([stop], Bot())
    assert await store.is_opted_out(sender)
    start = parse_twilio_form(inbound_form(sender, "START"))
    await sms.accept([start], Bot())
    await sms._queues.drain()
    assert not await store.is_opted_out(sender)
    assert fake_twilio.bodies(sender) == [OPT_IN_REPLY]
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any("opted out" in line for line in info)
    assert not [line for line in info if sender in line or sender[1:] in line]
    await sms.close()


async def test_stop_and_start_set_the_opt_out_slot_in_the_number_s_conversation(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio, domain: Domain
) -> None:
    sms = channel(settings, store)
    agent = FakeAgent(domain)
    sms._app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    sender = new_number()
    await agent.add(sender, [BotUttered("How can I help?")])
    await sms.process(item(sender, {"kind": OPT_OUT}), Bot())
    tracker = await agent.tracker_store.retrieve(sender)
    assert tracker is not None and tracker.get_slot(OPTED_OUT_SLOT) is True
    await sms.process(item(sender, {"kind": OPT_IN}), Bot())
    tracker = await agent.tracker_store.retrieve(sender)
    assert tracker is not None and tracker.get_slot(OPTED_OUT_SLOT) is False
    published = [e for e in agent.broker.published if e.get("name") == OPTED_OUT_SLOT]
    assert [(e["sender_id"], e["value"]) for e in published] == [(sender, True), (sender, False)]
    assert fake_twilio.bodies(sender) == [OPT_IN_REPLY]
    await sms.close()


async def test_stop_from_a_number_without_a_conversation_creates_none(
    settings: ChannelSettings, store: ChannelStore, domain: Domain
) -> None:
    sms = channel(settings, store)
    agent = FakeAgent(domain)
    sms._app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    sender = new_number()
    await sms.process(item(sender, {"kind": OPT_OUT}), Bot())
    assert await agent.tracker_store.retrieve(sender) is None
    assert agent.broker.published == []


async def test_an_opt_out_slot_that_cannot_be_saved_raises_for_the_inbox_to_retry(
    settings: ChannelSettings,
    store: ChannelStore,
    fake_twilio: FakeTwilio,
    domain: Domain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sms = channel(settings, store)
    agent = FakeAgent(domain)
    sms._app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    sender = new_number()
    await agent.add(sender, [BotUttered("How can I help?")])

    async def down(tracker: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("the database is down"))

    monkeypatch.setattr(agent.tracker_store, "save", down)
    with pytest.raises(TRANSIENT_TURN_FAILURES):
        await sms.process(item(sender, {"kind": OPT_IN}), Bot())
    # Not confirmed yet: the retry confirms, once.
    assert fake_twilio.bodies(sender) == []
    await sms.close()


# -- sending -------------------------------------------------------------------------------


async def test_a_text_is_sent_from_our_number_to_the_customer(
    output: SmsOutput, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    await output.send_text_message(to, "Your order has shipped.", human_agent=True)
    [message] = fake_twilio.messages(to)
    assert message["To"] == to
    assert message["From"] == TWILIO_FROM_NUMBER
    assert message["Body"] == "Your order has shipped."


async def test_a_messaging_service_sends_as_itself(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    service = "MG" + "a" * 32
    output = SmsOutput(
        ChannelSettings(twilio=twilio_settings(fake_twilio.url, from_number=service)), store
    )
    to = new_number()
    await output.send_text_message(to, "hello")
    [message] = fake_twilio.messages(to)
    assert message["MessagingServiceSid"] == service
    assert "From" not in message
    output.close()


async def test_buttons_become_a_numbered_list(output: SmsOutput, fake_twilio: FakeTwilio) -> None:
    to = new_number()
    await output.send_text_with_buttons(to, "What can I do for you?", BUTTONS)
    [message] = fake_twilio.messages(to)
    assert message["Body"] == (
        "What can I do for you?\n\n1. Track my order\n2. Start a return\n\nReply with a number."
    )


async def test_an_image_is_sent_as_mms(output: SmsOutput, fake_twilio: FakeTwilio) -> None:
    to = new_number()
    await output.send_response(
        to, {"text": "Here is the label:", "image": "https://cdn.example.test/label.png"}
    )
    messages = fake_twilio.messages(to)
    assert [m.get("Body") for m in messages] == ["Here is the label:", None]
    assert messages[1]["MediaUrl"] == ["https://cdn.example.test/label.png"]


async def test_a_long_answer_is_split_at_sentences_and_sent_in_order(
    output: SmsOutput, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    sentences = [f"Sentence number {i} of the long answer is here." for i in range(110)]
    text = " ".join(sentences)
    assert len(text) > 5000
    await output.send_text_message(to, text)
    bodies = fake_twilio.bodies(to)
    assert len(bodies) == 4
    assert all(len(body) <= SMS_LIMIT for body in bodies)
    assert all(body.endswith(".") for body in bodies)  # cut after a sentence
    assert " ".join(bodies) == text


async def test_a_429_is_retried_after_retry_after_and_delivered_once(
    output: SmsOutput, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    fake_twilio.fail_next(
        Reply(
            429,
            {"code": 20429, "message": "Too Many Requests", "status": 429},
            {"Retry-After": "1"},
        )
    )
    started = time.monotonic()
    await output.send_text_message(to, "after the rate limit")
    assert time.monotonic() - started >= 1.0
    assert fake_twilio.bodies(to) == ["after the rate limit"]
    assert (
        sum(1 for r in fake_twilio.requests if f"To={to.replace('+', '%2B')}" in r.body.decode())
        == 2
    )


async def test_a_500_is_retried(output: SmsOutput, fake_twilio: FakeTwilio) -> None:
    to = new_number()
    fake_twilio.fail_next(twilio_error(500, 20500, "Internal Server Error"))
    await output.send_text_message(to, "after the outage")
    assert fake_twilio.bodies(to) == ["after the outage"]


async def test_a_permanent_error_raises_with_twilios_code_for_agents(
    output: SmsOutput, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    fake_twilio.fail_next(
        twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    )
    with pytest.raises(PermanentSendError) as raised:
        await output.send_text_message(to, "hello")
    assert raised.value.code == 21211
    assert to not in str(raised.value)  # no phone numbers in what gets logged


async def test_a_permanent_error_in_a_bot_turn_is_logged_not_raised(
    settings: ChannelSettings,
    store: ChannelStore,
    fake_twilio: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    output = SmsOutput(settings, store, raise_on_failure=False)
    to = new_number()
    fake_twilio.fail_next(
        twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    )
    with caplog.at_level(logging.INFO, logger="bot.channels.sms"):
        await output.send_text_message(to, "hello")
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "21211" in error.getMessage()
    assert to not in caplog.text and to[1:] not in caplog.text
    output.close()


async def test_wrong_credentials_are_a_permanent_error(
    store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    output = create_output(
        ChannelSettings(twilio=twilio_settings(fake_twilio.url, auth_token="wrong")), store
    )
    with pytest.raises(PermanentSendError) as raised:
        await output.send_text_message(new_number(), "hello")
    assert raised.value.code == 20003


async def test_nothing_is_sent_to_an_opted_out_number(
    output: SmsOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    await store.opt_out(to)
    with pytest.raises(PermanentSendError) as raised:
        await output.send_text_message(to, "hello")
    assert raised.value.code == 21610
    assert fake_twilio.messages(to) == []


async def test_twilios_unsubscribed_error_is_remembered(
    output: SmsOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    fake_twilio.fail_next(twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))
    with pytest.raises(PermanentSendError):
        await output.send_text_message(to, "hello")
    assert await store.is_opted_out(to)


async def test_sending_does_not_block_the_event_loop(
    output: SmsOutput, fake_twilio: FakeTwilio
) -> None:
    to = new_number()
    fake_twilio.fail_next(Reply(429, {}, {"Retry-After": "1"}))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    await output.send_text_message(to, "while the loop runs")
    ticker.cancel()
    assert ticks > 50
    assert fake_twilio.bodies(to) == ["while the loop runs"]


def test_the_http_client_has_the_configured_timeout(output: SmsOutput) -> None:
    assert output._http.timeout == 5.0


# -- end to end, through the running assistant ----------------------------------------------

e2e = pytest.mark.slow


def post(assistant: Assistant, form: dict, signature: str | None = "sign") -> httpx.Response:
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = sign(form)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return httpx.post(f"{assistant.rasa_url}{WEBHOOK}", data=form, headers=headers, timeout=30)


def events(assistant: Assistant, sender: str) -> list[dict]:
    response = httpx.get(
        f"{assistant.rasa_url}/conversations/{sender}/tracker",
        params={"token": assistant.auth_token},
        timeout=30,
    )
    response.raise_for_status()
    return list(response.json()["events"])


def user_texts(assistant: Assistant, sender: str) -> list[str]:
    return [e["text"] for e in events(assistant, sender) if e["event"] == "user"]


def opted_out(assistant: Assistant, number: str) -> bool:
    with sqlite3.connect(assistant.channels_db) as db:
        rows = db.execute("SELECT 1 FROM sms_opt_outs WHERE phone_number = ?", (number,))
        return rows.fetchone() is not None


def say(assistant: Assistant, fake: FakeTwilio, sender: str, text: str) -> list[str]:
    """Text the bot and wait for its first reply; every body sent to ``sender`` since."""
    before = len(fake.messages(sender))
    response = post(assistant, inbound_form(sender, text))
    assert response.status_code == 200, response.text
    fake.wait_for_messages(sender, before + 1)
    return fake.bodies(sender)[before:]


@e2e
def test_e2e_a_signed_message_reaches_the_bot_and_the_reply_reaches_twilio(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    response = post(assistant, inbound_form(sender, "hi there"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == EMPTY_TWIML
    [reply] = fake_twilio.wait_for_messages(sender, 1)
    assert reply["To"] == sender
    assert reply["From"] == TWILIO_FROM_NUMBER
    assert reply["Body"].startswith(GREETING)
    assert user_texts(assistant, sender) == ["hi there"]
    [user] = [e for e in events(assistant, sender) if e["event"] == "user"]
    assert user["input_channel"] == "sms"
    assert user["metadata"]["channel"] == "sms"


@e2e
def test_e2e_a_forged_signature_is_refused_and_reaches_nobody(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    forged = inbound_form(sender, "cancel order 12345678")
    response = post(assistant, forged, signature=sign(forged, token="guessed-token"))
    assert response.status_code == 403
    # The next, genuine message is processed after anything accepted before
    # it from the same number: once its reply is out, the forgery would be too.
    say(assistant, fake_twilio, sender, "hi")
    assert user_texts(assistant, sender) == ["hi"]
    assert len(fake_twilio.messages(sender)) == 1


@e2e
def test_e2e_a_missing_signature_is_refused(assistant: Assistant, fake_twilio: FakeTwilio) -> None:
    sender = new_number()
    response = post(assistant, inbound_form(sender, "hi"), signature=None)
    assert response.status_code == 403
    assert user_texts(assistant, sender) == []


@e2e
def test_e2e_a_signature_over_the_proxys_inner_url_is_refused(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    form = inbound_form(sender, "hi")
    inner = sign(form, url=f"{assistant.rasa_url}{WEBHOOK}")
    assert post(assistant, form, signature=inner).status_code == 403


@e2e
def test_e2e_a_malformed_body_with_a_valid_signature_is_a_400(assistant: Assistant) -> None:
    form = {"AccountSid": TWILIO_ACCOUNT_SID, "Body": "hi", "To": TWILIO_FROM_NUMBER}
    response = post(assistant, form)
    assert response.status_code == 400


@e2e
def test_e2e_a_retried_delivery_makes_one_bot_turn(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    form = inbound_form(sender, "hello")
    assert post(assistant, form).status_code == 200
    assert post(assistant, form).status_code == 200  # Twilio's retry: same MessageSid
    fake_twilio.wait_for_messages(sender, 1)
    # A later message is processed after the retry would have been.
    say(assistant, fake_twilio, sender, "thanks")
    assert user_texts(assistant, sender) == ["hello", "thanks"]
    assert sum(body.startswith(GREETING) for body in fake_twilio.bodies(sender)) == 1


@e2e
def test_e2e_buttons_round_trip_as_numbers(assistant: Assistant, fake_twilio: FakeTwilio) -> None:
    sender = new_number()
    [greeting] = say(assistant, fake_twilio, sender, "hi")
    assert "\n1. Track my order\n2. Start a return\n" in greeting
    assert greeting.endswith("Reply with a number.")
    replies = say(assistant, fake_twilio, sender, "1")
    assert "8 digits" in replies[0]
    # The bot got the button's payload, as from a click on another channel.
    assert user_texts(assistant, sender) == ["hi", "/check_order_status"]
    intents = [
        e["parse_data"]["intent"]["name"] for e in events(assistant, sender) if e["event"] == "user"
    ]
    assert intents[-1] == "check_order_status"


@e2e
def test_e2e_a_429_is_retried_and_the_reply_delivered_once(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    fake_twilio.fail_next(
        Reply(
            429,
            {"code": 20429, "message": "Too Many Requests", "status": 429},
            {"Retry-After": "1"},
        )
    )
    [reply] = say(assistant, fake_twilio, sender, "hi")
    assert reply.startswith(GREETING)
    time.sleep(0.5)
    assert len(fake_twilio.messages(sender)) == 1


@e2e
def test_e2e_a_photo_without_text_gets_a_polite_reply(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    form = inbound_form(
        sender,
        "",
        NumMedia="1",
        MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
    )
    assert post(assistant, form).status_code == 200
    [reply] = fake_twilio.wait_for_messages(sender, 1)
    assert reply["Body"] == NON_TEXT_REPLY
    assert user_texts(assistant, sender) == []


@e2e
def test_e2e_an_emoji_only_message_reaches_the_bot(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    replies = say(assistant, fake_twilio, sender, "👍🙂")
    assert replies and NON_TEXT_REPLY not in replies
    assert user_texts(assistant, sender) == ["👍🙂"]


@e2e
def test_e2e_help_answers_with_the_help_text(assistant: Assistant, fake_twilio: FakeTwilio) -> None:
    sender = new_number()
    assert say(assistant, fake_twilio, sender, "HELP") == [DEFAULT_SMS_HELP_TEXT]
    assert user_texts(assistant, sender) == []


@e2e
def test_e2e_stop_silences_the_bot_and_agents_until_start(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    agent_settings = ChannelSettings(
        public_url=PUBLIC_URL,
        database_url=f"sqlite:///{assistant.channels_db}",
        twilio=twilio_settings(fake_twilio.url),
    )
    agent_store = ChannelStore(agent_settings.database_url)

    def agent_says(text: str) -> None:
        asyncio.run(
            send_to_customer("sms", sender, text, settings=agent_settings, store=agent_store)
        )

    try:
        say(assistant, fake_twilio, sender, "hi")

        assert post(assistant, inbound_form(sender, "stop")).status_code == 200
        assert opted_out(assistant, sender)  # recorded before the webhook answered
        assert post(assistant, inbound_form(sender, "where is my order")).status_code == 200
        # The bot's turn happens; its reply is not sent.
        fake_twilio.wait_for(
            lambda _: (
                "where is my order" in user_texts(assistant, sender)
                and events(assistant, sender)[-1]["event"] == "action"
            )
        )
        with pytest.raises(PermanentSendError) as raised:
            agent_says("An agent here.")
        assert raised.value.code == 21610
        time.sleep(0.5)
        assert len(fake_twilio.messages(sender)) == 1  # only the greeting before STOP
        assert "stop" not in user_texts(assistant, sender)

        assert say(assistant, fake_twilio, sender, "START") == [OPT_IN_REPLY]
        assert not opted_out(assistant, sender)
        agent_says("An agent here.")
        assert fake_twilio.bodies(sender)[-1] == "An agent here."
        assert say(assistant, fake_twilio, sender, "hi")[0].startswith(GREETING)
        assert not {"stop", "START"} & set(user_texts(assistant, sender))
    finally:
        agent_store.close()


@e2e
def test_e2e_a_long_message_reaches_the_bot_cut_with_its_length(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    text = "hi " + "a" * 4997
    assert post(assistant, inbound_form(sender, text)).status_code == 200
    fake_twilio.wait_for_messages(sender, 1)
    [user] = [e for e in events(assistant, sender) if e["event"] == "user"]
    assert user["text"] == text[:SMS_LIMIT]
    assert user["metadata"][TRUNCATED_FROM] == 5000


@e2e
def test_e2e_a_signed_form_with_ten_million_media_is_answered_at_once(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    sender = new_number()
    started = time.monotonic()
    response = post(assistant, inbound_form(sender, "hi", NumMedia="10000000"))
    assert response.status_code == 200
    assert time.monotonic() - started < 2.0
    fake_twilio.wait_for_messages(sender, 1)

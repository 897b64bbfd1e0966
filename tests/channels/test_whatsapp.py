"""bot.channels.whatsapp, whatsapp_send, whatsapp_content: WhatsApp through Twilio.

Against the fake Twilio (tests.fakes.twilio: its Messages and Content APIs,
which check the account's basic auth), with webhooks signed as Twilio signs
them: the channel served on a real Sanic app, and, for agents' replies,
mounted with bot.channels.internal's route the way ``rasa run`` mounts
credentials.yml.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.core.run import create_http_input_channels
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from sqlalchemy import update

from bot.channels import store as store_module
from bot.channels.delivery import PermanentSendError
from bot.channels.errors import MalformedRequest
from bot.channels.internal import DeliveryRoute, DeliveryRouteSettings
from bot.channels.outbound import send_to_customer
from bot.channels.settings import ChannelSettings, TwilioSettings
from bot.channels.sms import EMPTY_TWIML, NON_TEXT, TEXT
from bot.channels.store import MESSAGING_WINDOW, ChannelStore, InboxItem, window_closes_at
from bot.channels.whatsapp import BUTTON, WhatsAppInput, parse_whatsapp_form
from bot.channels.whatsapp_content import LIST_PICKER, QUICK_REPLY, content_types
from bot.channels.whatsapp_send import WINDOW_CLOSED, WhatsAppOutput, WindowClosed
from plumbing.clock import utc_now
from tests.channels.test_inbox import ChannelServer
from tests.channels.test_sms import fake_request, inbound_form, sign, with_tracker
from tests.conftest import (
    DELIVERY_TOKEN,
    PUBLIC_URL,
    ROOT,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
)
from tests.fakes.twilio import FakeTwilio, twilio_error

WEBHOOK = "/webhooks/whatsapp/webhook"
SENDER = f"whatsapp:{TWILIO_FROM_NUMBER}"
AGENT_REPLY_SID = "HX" + "a1" * 16
BUTTONS = [
    {"title": "Track my order", "payload": "/check_order_status"},
    {"title": "Start a return", "payload": "/start_return"},
]

_numbers = itertools.count(1)


def new_address() -> str:
    """A WhatsApp address no other test in this session uses (the fake is shared)."""
    return f"whatsapp:+1555090{next(_numbers):04d}"


def whatsapp_form(sender: str, body: str, **extra: str) -> dict:
    """What Twilio posts for a WhatsApp message: SMS's form, whatsapp: addresses."""
    return inbound_form(sender, body, To=SENDER, ProfileName="Ada", WaId=sender[10:], **extra)


def twilio(fake: FakeTwilio, **overrides: Any) -> TwilioSettings:
    values = {
        "account_sid": TWILIO_ACCOUNT_SID,
        "auth_token": TWILIO_AUTH_TOKEN,
        "whatsapp_from": SENDER,
        "api_base_url": fake.url,
        "content_api_base_url": fake.url,
        **overrides,
    }
    return TwilioSettings(**values)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChannelStore]:
    channel_store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
    yield channel_store
    channel_store.close()


@pytest.fixture
def settings(fake_twilio: FakeTwilio, tmp_path: Path) -> ChannelSettings:
    return ChannelSettings(
        public_url=PUBLIC_URL,
        database_url=f"sqlite:///{tmp_path / 'channels.db'}",
        timeout_s=5.0,
        twilio=twilio(fake_twilio),
    )


def with_template(settings: ChannelSettings, fake: FakeTwilio) -> ChannelSettings:
    """``agent_reply`` configured, and known to the fake as an approved template."""
    fake.add_content(AGENT_REPLY_SID, {"twilio/text": {"body": "Our agent writes: {{1}}"}})
    templates = (("agent_reply", AGENT_REPLY_SID),)
    return dataclasses.replace(
        settings, twilio=dataclasses.replace(settings.twilio, whatsapp_templates=templates)
    )


@pytest.fixture
def output(settings: ChannelSettings, store: ChannelStore) -> Iterator[WhatsAppOutput]:
    sender = WhatsAppOutput(settings, store)
    yield sender
    sender.close()


async def opened(store: ChannelStore, address: str, hours_ago: float = 0.0) -> None:
    """The customer wrote ``hours_ago``: the window opened then."""
    await store.touch_inbound("whatsapp", address)
    if hours_ago:
        with store.engine.begin() as db:
            db.execute(
                update(store_module.last_inbound)
                .where(store_module.last_inbound.c.sender_id == address)
                .values(received_at=utc_now() - dt.timedelta(hours=hours_ago))
            )


class Bot:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


# -- settings ----------------------------------------------------------------------------


def test_settings_read_the_sender_templates_and_content_api() -> None:
    twilio_settings = TwilioSettings.from_env(
        {
            "TWILIO_WHATSAPP_FROM": "+14155238886",
            "TWILIO_WHATSAPP_TEMPLATES": json.dumps({"agent_reply": AGENT_REPLY_SID}),
            "TWILIO_CONTENT_API_BASE_URL": "http://127.0.0.1:9/",
        }
    )
    assert twilio_settings.whatsapp_from == "whatsapp:+14155238886"
    assert twilio_settings.whatsapp_template("agent_reply") == AGENT_REPLY_SID
    assert twilio_settings.whatsapp_template("survey") is None
    assert twilio_settings.content_api_base_url == "http://127.0.0.1:9"
    assert TwilioSettings().content_api_base_url == "https://content.twilio.com"
    service = "MG" + "b" * 32
    assert TwilioSettings.from_env({"TWILIO_WHATSAPP_FROM": service}).whatsapp_from == service


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TWILIO_WHATSAPP_TEMPLATES", "HX1", "JSON object"),
        ("TWILIO_WHATSAPP_TEMPLATES", '["HX"]', "JSON object"),
        ("TWILIO_WHATSAPP_TEMPLATES", '{"agent_replies": "HX' + "0" * 32 + '"}', "unknown"),
        ("TWILIO_WHATSAPP_TEMPLATES", '{"agent_reply": "HX123"}', "Content SID"),
        ("TWILIO_WHATSAPP_TEMPLATES", "{" + " " * 5000 + "}", "longer"),
        ("TWILIO_WHATSAPP_FROM", "whatsapp:14155238886", "WhatsApp sender"),
        ("TWILIO_WHATSAPP_FROM", "sms:+14155238886", "WhatsApp sender"),
    ],
)
def test_wrong_whatsapp_settings_name_their_variable(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as error:
        TwilioSettings.from_env({variable: value})
    assert variable in str(error.value)


def test_without_its_sender_the_channel_is_disabled_and_sms_is_not(store: ChannelStore) -> None:
    settings = ChannelSettings(
        twilio=TwilioSettings(account_sid="AC1", auth_token="t", from_number="+15005550006")
    )
    channel = WhatsAppInput(settings, store)
    assert not channel.enabled
    assert channel.missing_settings() == ["TWILIO_WHATSAPP_FROM"]


def test_credentials_yml_mounts_whatsapp_at_its_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    [whatsapp] = [c for c in channels if isinstance(c, WhatsAppInput)]
    assert whatsapp.name() == "whatsapp"
    assert whatsapp.settings.twilio.whatsapp_from == SENDER


# -- what a message means ------------------------------------------------------------------


def test_the_sender_id_keeps_its_whatsapp_prefix() -> None:
    # Not the bare number: that is the same person's SMS conversation.
    delivery = parse_whatsapp_form(whatsapp_form("whatsapp:+15550100000", " where is it? "))
    assert delivery.sender_id == "whatsapp:+15550100000"
    assert delivery.message == {"kind": TEXT, "text": "where is it?"}


@pytest.mark.parametrize("body", ["STOP", "start", "HELP"])
def test_sms_keywords_are_text_on_whatsapp(body: str) -> None:
    delivery = parse_whatsapp_form(whatsapp_form("whatsapp:+15550100000", body))
    assert delivery.message == {"kind": TEXT, "text": body}


@pytest.mark.parametrize("field", ["ButtonPayload", "ListId"])
def test_a_tapped_button_is_its_payload(field: str) -> None:
    form = whatsapp_form("whatsapp:+15550100000", "Start a return", ButtonText="Start a return")
    form[field] = "/start_return"
    delivery = parse_whatsapp_form(form)
    assert delivery.message == {"kind": BUTTON, "text": "/start_return"}


def test_a_photo_without_text_is_non_text() -> None:
    form = whatsapp_form(
        "whatsapp:+15550100000", "", NumMedia="1", MediaUrl0="https://example.test/m"
    )
    assert parse_whatsapp_form(form).message["kind"] == NON_TEXT


@pytest.mark.parametrize(
    "sender", ["+15550100000", "whatsapp:", "whatsapp:15550100000", "whatsapp:+1555x", ""]
)
def test_a_sender_that_is_no_whatsapp_address_is_malformed(sender: str) -> None:
    with pytest.raises(MalformedRequest, match="WhatsApp address"):
        parse_whatsapp_form({**whatsapp_form("whatsapp:+15550100000", "hi"), "From": sender})


# -- the webhook, served -------------------------------------------------------------------


@pytest.fixture
async def served(
    serve: Any, settings: ChannelSettings, store: ChannelStore
) -> AsyncIterator[tuple[WhatsAppInput, ChannelServer, Bot]]:
    channel, bot = WhatsAppInput(settings, store), Bot()
    server = await serve(channel, bot)
    yield channel, server, bot


async def post(server: ChannelServer, form: dict, signature: str | None) -> httpx.Response:
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return await server.client.post(WEBHOOK, data=form, headers=headers)


async def test_a_signed_message_reaches_the_bot_and_opens_the_window(
    served: tuple[WhatsAppInput, ChannelServer, Bot], store: ChannelStore
) -> None:
    channel, server, bot = served
    address = new_address()
    form = whatsapp_form(address, "where is my order?")
    response = await post(server, form, sign(form, url=PUBLIC_URL + WEBHOOK))
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    await channel._queues.drain()
    [message] = bot.messages
    assert (message.sender_id, message.text, message.input_channel) == (
        address,
        "where is my order?",
        "whatsapp",
    )
    closes_at = await window_closes_at(store, address)
    assert closes_at is not None
    assert abs(closes_at - (utc_now() + MESSAGING_WINDOW)) < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "forged",
        # SMS's URL: Twilio signs the URL it called.
        sign(whatsapp_form("whatsapp:+15550100000", "hi", MessageSid="SM1")),
    ],
)
async def test_a_forged_signature_is_a_403_and_reaches_nobody(
    served: tuple[WhatsAppInput, ChannelServer, Bot], store: ChannelStore, signature: str | None
) -> None:
    channel, server, bot = served
    form = whatsapp_form("whatsapp:+15550100000", "hi", MessageSid="SM1")
    response = await post(server, form, signature)
    assert response.status_code == 403
    await channel._queues.drain()
    assert bot.messages == []
    assert await window_closes_at(store, "whatsapp:+15550100000") is None


async def test_a_signed_malformed_form_is_a_400(
    served: tuple[WhatsAppInput, ChannelServer, Bot],
) -> None:
    _, server, _ = served
    form = whatsapp_form("+15550100000", "hi")  # an SMS sender on the WhatsApp webhook
    response = await post(server, form, sign(form, url=PUBLIC_URL + WEBHOOK))
    assert response.status_code == 400


async def test_an_oversized_body_is_a_413(
    served: tuple[WhatsAppInput, ChannelServer, Bot],
) -> None:
    channel, server, _ = served
    form = whatsapp_form("whatsapp:+15550100000", "x" * (channel.max_body_bytes + 1))
    response = await post(server, form, sign(form, url=PUBLIC_URL + WEBHOOK))
    assert response.status_code == 413


async def test_a_long_message_is_cut_to_whatsapps_limit(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    channel = WhatsAppInput(settings, store)
    form = whatsapp_form("whatsapp:+15550100000", "y" * 9000)
    [delivery] = channel.read(
        fake_request(form, sign(form, url=PUBLIC_URL + WEBHOOK), path=WEBHOOK)
    )
    assert len(delivery.message["text"]) == 4096


# -- processing: buttons tapped or typed ------------------------------------------------------


def item(sender: str, message: dict[str, Any]) -> InboxItem:
    return InboxItem(1, "whatsapp", "SM-unit", sender, message)


async def test_a_tapped_button_reaches_rasa_as_its_payload(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    channel, bot = WhatsAppInput(settings, store), Bot()
    await channel.process(item(new_address(), {"kind": BUTTON, "text": "/start_return"}), bot)
    assert [m.text for m in bot.messages] == ["/start_return"]


async def test_a_typed_number_picks_a_button_as_on_sms(
    settings: ChannelSettings, store: ChannelStore
) -> None:
    channel, bot, sender = WhatsAppInput(settings, store), Bot(), new_address()
    with_tracker(
        channel,
        DialogueStateTracker.from_events(
            sender, [BotUttered("How can I help?", data={"buttons": BUTTONS})]
        ),
    )
    await channel.process(item(sender, {"kind": TEXT, "text": "2"}), bot)
    assert [m.text for m in bot.messages] == ["/start_return"]


# -- sending inside the window ------------------------------------------------------------------


async def test_a_text_goes_from_our_whatsapp_sender_to_the_address(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to)
    await output.send_text_message(to, "Your order has shipped.")
    [message] = fake_twilio.messages(to)
    assert (message["From"], message["To"], message["Body"]) == (
        SENDER,
        to,
        "Your order has shipped.",
    )


async def test_an_sms_opt_out_of_the_same_number_does_not_silence_whatsapp(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await store.opt_out(to.removeprefix("whatsapp:"))
    await opened(store, to)
    await output.send_text_message(to, "Still here.")
    assert fake_twilio.bodies(to) == ["Still here."]


async def test_up_to_three_buttons_are_quick_replies_made_once(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to)
    before = len(fake_twilio.content_requests())
    await output.send_text_with_buttons(to, "What can I do for you?", BUTTONS)
    await output.send_text_with_buttons(to, "Anything else?", BUTTONS)
    created = fake_twilio.content_requests()[before:]
    assert len(created) == 1  # the second message reuses the first's content
    types = created[0].json()["types"]
    assert types[QUICK_REPLY]["actions"] == [
        {"title": "Track my order", "id": "/check_order_status"},
        {"title": "Start a return", "id": "/start_return"},
    ]
    first, second = fake_twilio.messages(to)
    sid = first["ContentSid"]
    assert sid.startswith("HX") and second["ContentSid"] == sid
    assert "Body" not in first
    assert json.loads(first["ContentVariables"]) == {"1": "What can I do for you?"}
    assert json.loads(second["ContentVariables"]) == {"1": "Anything else?"}
    assert first["From"] == SENDER


async def test_four_to_ten_buttons_are_a_list_picker(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to)
    buttons = [
        {"title": f"Size {i} of our larger range", "payload": f"/size{i}"} for i in range(10)
    ]
    await output.send_text_with_buttons(to, "Which size?", buttons)
    [message] = fake_twilio.messages(to)
    picker = fake_twilio.contents[message["ContentSid"]]["types"][LIST_PICKER]
    assert [i["id"] for i in picker["items"]] == [f"/size{i}" for i in range(10)]
    assert all(len(i["item"]) <= 24 for i in picker["items"])


async def test_more_than_ten_buttons_are_a_numbered_list(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to)
    buttons = [{"title": f"Store {i}", "payload": f"/store{i}"} for i in range(11)]
    await output.send_text_with_buttons(to, "Which store?", buttons)
    [message] = fake_twilio.messages(to)
    assert "ContentSid" not in message
    assert message["Body"].startswith("Which store?\n\n1. Store 0\n")
    assert message["Body"].endswith("11. Store 10\n\nReply with a number.")


async def test_the_content_api_down_means_a_numbered_list(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    output = WhatsAppOutput(settings, store)  # an empty cache
    to = new_address()
    await opened(store, to)
    fake_twilio.fail_next(twilio_error(503, 20500, "Service Unavailable"))
    await output.send_text_with_buttons(to, "Pick one", [{"title": "Yes, unique", "payload": "/y"}])
    [message] = fake_twilio.messages(to)
    assert message["Body"] == "Pick one\n\n1. Yes, unique\n\nReply with a number."
    output.close()


def test_buttons_that_cannot_be_native_are_not_rendered() -> None:
    assert content_types([]) is None
    assert content_types([{"title": "A", "payload": "/" + "p" * 200}]) is None
    same = "A title longer than twenty"
    assert content_types([{"title": same + " 1"}, {"title": same + " 2"}]) is None


def test_a_list_picker_s_button_has_its_caller_s_label_within_20_characters() -> None:
    buttons = [{"title": f"{n}", "payload": f"/p{n}"} for n in range(1, 6)]
    default = content_types(buttons)
    assert default is not None and default[LIST_PICKER]["button"] == "Choose an option"
    types = content_types(buttons, list_button="Elige un puntaje")
    assert types is not None and types[LIST_PICKER]["button"] == "Elige un puntaje"
    long = content_types(buttons, list_button="Elige una calificación, por favor")
    assert long is not None and len(long[LIST_PICKER]["button"]) == 20


async def test_a_content_in_another_language_is_made_and_cached_apart(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    output = WhatsAppOutput(settings, store)
    buttons = [{"title": f"Option {n}", "payload": f"/o{n}"} for n in range(1, 5)]
    created = len(fake_twilio.created_contents())
    english = await output.content_for(buttons)
    spanish = await output.content_for(buttons, language="es")
    assert english is not None and spanish is not None and english != spanish
    assert await output.content_for(buttons, language="es") == spanish
    made = fake_twilio.created_contents()[created:]
    assert [c["language"] for c in made] == ["en", "es"]
    assert made[1]["friendly_name"].endswith("_es")
    output.close()


async def test_a_template_is_sent_by_its_name_or_refused_without_one(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    with pytest.raises(WindowClosed, match="no survey template"):
        await WhatsAppOutput(settings, store).send_template(to, "survey", "How did we do?")
    sid = "HX" + "5e" * 16
    fake_twilio.add_content(sid, {"twilio/text": {"body": "{{1}}"}})
    configured = dataclasses.replace(
        settings,
        twilio=dataclasses.replace(settings.twilio, whatsapp_templates=(("survey", sid),)),
    )
    output = WhatsAppOutput(configured, store)
    await output.send_template(to, "survey", "How did we do?\nReply with a number.")
    [message] = fake_twilio.messages(to)
    assert message["ContentSid"] == sid
    assert json.loads(message["ContentVariables"]) == {"1": "How did we do? Reply with a number."}
    output.close()


# -- outside the window ------------------------------------------------------------------------


async def test_the_bot_is_not_sent_after_the_window(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    bot_output = WhatsAppOutput(settings, store, raise_on_failure=False)
    to = new_address()
    await opened(store, to, hours_ago=25)
    await bot_output.send_text_message(to, "Are you still there?")
    await bot_output.send_text_with_buttons(to, "Still there?", BUTTONS)
    assert fake_twilio.messages(to) == []
    bot_output.close()


async def test_an_agents_reply_without_a_template_is_refused(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to, hours_ago=24.5)
    with pytest.raises(WindowClosed) as error:
        await output.send_text_message(to, "Sorry for the wait.", human_agent=True)
    assert error.value.code == WINDOW_CLOSED
    assert fake_twilio.messages(to) == []


async def test_an_agents_reply_after_the_window_goes_as_the_template(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    output = WhatsAppOutput(with_template(settings, fake_twilio), store)
    to = new_address()
    await opened(store, to, hours_ago=30)
    await output.send_text_message(
        to, "Sorry for the wait.\n\nYour refund  is on its way.", human_agent=True
    )
    [message] = fake_twilio.messages(to)
    assert message["ContentSid"] == AGENT_REPLY_SID
    assert "Body" not in message
    # One line: WhatsApp refuses line breaks in a template's values.
    assert json.loads(message["ContentVariables"]) == {
        "1": "Sorry for the wait. Your refund is on its way."
    }
    with pytest.raises(PermanentSendError, match="900"):
        await output.send_text_message(to, "x" * 901, human_agent=True)
    output.close()


async def test_a_customer_who_never_wrote_has_no_window(store: ChannelStore) -> None:
    assert await window_closes_at(store, new_address()) is None


async def test_twilios_63016_is_a_closed_window(
    output: WhatsAppOutput, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to)
    fake_twilio.fail_next(
        twilio_error(400, 63016, "Outside messaging window. Use a Message Template instead")
    )
    with pytest.raises(WindowClosed):
        await output.send_text_message(to, "hello")


# -- agents' replies through POST /internal/deliveries ------------------------------------------


class RasaApp:
    """The WhatsApp channel and the internal route, mounted by Rasa's ``register``."""

    def __init__(self, settings: ChannelSettings, store: ChannelStore) -> None:
        from tests.live_server import LiveServer

        self.app = Sanic(f"rasa_{uuid.uuid4().hex}")
        channels = [
            WhatsAppInput(settings, store),
            DeliveryRoute(DeliveryRouteSettings(token=DELIVERY_TOKEN)),
        ]
        register(channels, self.app, route="/webhooks/")
        self.server = LiveServer(self.app)

    async def deliver(self, to: str, text: str) -> httpx.Response:
        body = {"channel": "whatsapp", "recipient_id": to, "text": text, "human_agent": True}
        return await self.server.client.post(
            "/internal/deliveries", json=body, headers={"Authorization": f"Bearer {DELIVERY_TOKEN}"}
        )


@pytest.fixture
async def rasa_app(
    monkeypatch: pytest.MonkeyPatch, settings: ChannelSettings, store: ChannelStore
) -> AsyncIterator[RasaApp]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = RasaApp(settings, store)
    await app.server.start()
    yield app
    await app.server.stop()


async def test_an_agents_reply_inside_the_window_is_sent(
    rasa_app: RasaApp, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to, hours_ago=23)
    response = await rasa_app.deliver(to, "Hi, this is Sam from Northwind.")
    assert response.status_code == 200, response.text
    assert fake_twilio.bodies(to) == ["Hi, this is Sam from Northwind."]


async def test_an_agents_reply_after_the_window_is_a_409_window_closed(
    rasa_app: RasaApp, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to, hours_ago=26)
    response = await rasa_app.deliver(to, "Hi, this is Sam from Northwind.")
    assert response.status_code == 409
    assert response.json()["error"] == "refused"
    assert response.json()["code"] == WINDOW_CLOSED
    assert fake_twilio.messages(to) == []


async def test_send_to_customer_uses_the_template_after_the_window(
    settings: ChannelSettings, store: ChannelStore, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await opened(store, to, hours_ago=48)
    await send_to_customer(
        "whatsapp",
        to,
        "We found your parcel.",
        settings=with_template(settings, fake_twilio),
        store=store,
        human_agent=True,
    )
    [message] = fake_twilio.messages(to)
    assert message["ContentSid"] == AGENT_REPLY_SID
    assert json.loads(message["ContentVariables"]) == {"1": "We found your parcel."}


async def test_a_delivery_to_a_bare_number_is_refused(
    rasa_app: RasaApp, fake_twilio: FakeTwilio
) -> None:
    response = await rasa_app.deliver("+15550100000", "hello")
    assert response.status_code == 409
    assert fake_twilio.messages("+15550100000") == []

"""bot.channels.messenger: forged deliveries refused, batches answered in full, sends retried.

Three layers:

- parsing, on plain functions and the channel object (no server; sending is
  tests/channels/test_messenger_send.py);
- the subscription handshake, on the channel's own blueprint;
- end to end (``slow``): webhooks signed like Meta signs them (HMAC-SHA256
  of the raw body with the app secret), posted to the running assistant's
  /webhooks/messenger/webhook; the bot's replies read back from the fake,
  its turns from the tracker.

The assistant and the fake are shared by the whole session, so every test
uses page-scoped ids (PSIDs) and message ids of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sanic.request import Request
from sqlalchemy import update

from bot.channels.delivery import PermanentSendError
from bot.channels.errors import MalformedRequest
from bot.channels.messenger import (
    MAX_BATCH_EVENTS,
    VERIFICATION_REFUSED,
    MessengerInput,
    parse_body,
    polite_reply,
    postback_id,
)
from bot.channels.outbound import send_to_customer
from bot.channels.settings import ChannelSettings, MessengerSettings
from bot.channels.store import ChannelStore, last_inbound, utc_now
from bot.channels.text import MESSENGER_LIMIT, TRUNCATED_FROM
from tests.channels.test_inbox import ChannelServer
from tests.conftest import (
    MESSENGER_APP_SECRET,
    MESSENGER_PAGE_ACCESS_TOKEN,
    MESSENGER_VERIFY_TOKEN,
    Assistant,
)
from tests.fakes.messenger import FakeGraph, rate_limited

PAGE_ID = "1047000000000001"
WEBHOOK = "/webhooks/messenger/webhook"
GREETING = "Hi! I'm Northwind's automated assistant."
GREETING_PAYLOADS = ["/check_order_status", "/start_return", "/cancel_order", "/request_human"]
ASK_ORDER_ID = "What's your order number?"


def new_psid() -> str:
    # PSIDs are numeric strings of about 16 digits.
    return str(uuid.uuid4().int)[:16]


def new_mid() -> str:
    return f"m_{uuid.uuid4().hex}"


# -- building deliveries, as Meta sends them ------------------------------------------


def event(psid: str, **content: Any) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        **content,
    }


def text_event(psid: str, text: str, mid: str | None = None) -> dict[str, Any]:
    return event(psid, message={"mid": mid or new_mid(), "text": text})


def quick_reply_event(psid: str, title: str, payload: str) -> dict[str, Any]:
    return event(
        psid, message={"mid": new_mid(), "text": title, "quick_reply": {"payload": payload}}
    )


def postback_event(psid: str, title: str, payload: str, mid: str | None = None) -> dict[str, Any]:
    postback = {"title": title, "payload": payload}
    if mid:
        postback["mid"] = mid
    return event(psid, postback=postback)


def attachment_event(psid: str, kind: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"url": "https://scontent.example/x.jpg"}
    message: dict[str, Any] = {"mid": new_mid()}
    if kind == "sticker":
        payload["sticker_id"] = 369239263222822  # Messenger's thumbs-up
        message["sticker_id"] = 369239263222822
        kind = "image"
    if kind == "location":
        payload = {"coordinates": {"lat": 52.52, "long": 13.4}}
    message["attachments"] = [{"type": kind, "payload": payload}]
    return event(psid, message=message)


def echo_event(psid: str, text: str) -> dict[str, Any]:
    # An echo goes from the page to the customer: sender and recipient swap.
    return {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": psid},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": new_mid(), "is_echo": True, "app_id": 1517776481860111, "text": text},
    }


def delivery_receipt(psid: str) -> dict[str, Any]:
    return event(psid, delivery={"mids": [new_mid()], "watermark": int(time.time() * 1000)})


def read_receipt(psid: str) -> dict[str, Any]:
    return event(psid, read={"watermark": int(time.time() * 1000)})


def entry(*events: dict[str, Any]) -> dict[str, Any]:
    return {"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": list(events)}


def page(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"object": "page", "entry": list(entries)}).encode()


def signature(body: bytes, secret: str = MESSENGER_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- parsing ----------------------------------------------------------------------------


def test_every_entry_and_every_event_of_a_batch_is_a_delivery_in_order() -> None:
    alice, bob = new_psid(), new_psid()
    body = page(
        entry(text_event(alice, "hi", "m_1"), text_event(alice, "where is my order", "m_2")),
        entry(text_event(bob, "hello", "m_3")),
    )
    deliveries = parse_body(body)
    assert [(d.delivery_id, d.sender_id, d.message["text"]) for d in deliveries] == [
        ("m_1", alice, "hi"),
        ("m_2", alice, "where is my order"),
        ("m_3", bob, "hello"),
    ]
    assert deliveries[0].message["metadata"] == {"page_id": PAGE_ID}


def test_a_quick_reply_sends_its_payload_not_its_title() -> None:
    psid = new_psid()
    [delivery] = parse_body(page(entry(quick_reply_event(psid, "Track my order", "/check"))))
    assert delivery.message["text"] == "/check"
    assert delivery.message["metadata"]["quick_reply"] is True


def test_a_postback_sends_its_payload_keyed_by_its_mid() -> None:
    psid = new_psid()
    [delivery] = parse_body(page(entry(postback_event(psid, "Start", "/greet", mid="m_pb"))))
    assert (delivery.delivery_id, delivery.message["text"]) == ("m_pb", "/greet")


def test_a_postback_without_mid_gets_an_id_that_a_retry_repeats() -> None:
    psid = new_psid()
    tap = postback_event(psid, "Start", "/greet")
    first = parse_body(page(entry(tap)))[0].delivery_id
    assert parse_body(page(entry(tap)))[0].delivery_id == first
    assert first == postback_id(psid, tap["timestamp"], "/greet")
    other = parse_body(page(entry({**tap, "timestamp": tap["timestamp"] + 1})))[0]
    assert other.delivery_id != first


def test_emoji_only_text_goes_to_the_bot() -> None:
    [delivery] = parse_body(page(entry(text_event(new_psid(), "👍🙂"))))
    assert delivery.message["text"] == "👍🙂"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("image", "image"), ("sticker", "sticker"), ("audio", "audio"), ("location", "location")],
)
def test_attachments_are_deliveries_of_their_kind_without_text(kind: str, expected: str) -> None:
    [delivery] = parse_body(page(entry(attachment_event(new_psid(), kind))))
    assert delivery.message["kind"] == expected
    assert "text" not in delivery.message


def test_echoes_receipts_and_standby_events_are_not_deliveries() -> None:
    psid = new_psid()
    body = page(
        entry(echo_event(psid, "our own reply"), delivery_receipt(psid), read_receipt(psid)),
        {"id": PAGE_ID, "time": 1, "standby": [text_event(psid, "for another app")]},
    )
    assert parse_body(body) == []


def test_a_very_long_mid_is_hashed_to_fit_the_inbox() -> None:
    body = page(entry(text_event(new_psid(), "hi", "m_" + "x" * 300)))
    [delivery] = parse_body(body)
    assert len(delivery.delivery_id) <= 128
    assert parse_body(body)[0].delivery_id == delivery.delivery_id


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"object": "instagram", "entry": []}',
        b'{"object": "page"}',
        b'{"object": "page", "entry": {}}',
        b'{"object": "page", "entry": ["x"]}',
        b'{"object": "page", "entry": [{"messaging": {}}]}',
        b'{"object": "page", "entry": [{"messaging": [1]}]}',
    ],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedRequest):
        parse_body(body)


# -- hostile bodies behind a valid signature: a client error or a skipped event, never a 500


def test_a_deeply_nested_body_is_malformed_not_a_recursion_error() -> None:
    # json.loads raised RecursionError: a 500.
    with pytest.raises(MalformedRequest, match="nested"):
        parse_body(b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_a_batch_of_meta_s_1000_events_is_read_whole() -> None:
    psid = new_psid()
    events = [text_event(psid, f"message {i}") for i in range(MAX_BATCH_EVENTS)]
    assert len(parse_body(page(entry(*events)))) == MAX_BATCH_EVENTS


@pytest.mark.parametrize(
    "body",
    [
        page(*[entry() for _ in range(MAX_BATCH_EVENTS + 1)]),
        page(entry(*[read_receipt("1") for _ in range(MAX_BATCH_EVENTS + 1)])),
        page(*[entry(read_receipt("1"), read_receipt("1"))] * (MAX_BATCH_EVENTS // 2 + 1)),
    ],
    ids=["entries", "events in one entry", "events in all"],
)
def test_a_batch_larger_than_meta_sends_is_refused_whole(body: bytes) -> None:
    with pytest.raises(MalformedRequest, match=str(MAX_BATCH_EVENTS)):
        parse_body(body)


@pytest.mark.parametrize(
    "sender",
    [
        {"id": {"psid": "1"}},  # became the conversation id "{'psid': '1'}"
        {"id": ["1"]},
        {"id": "abc"},
        {"id": "²"},
        {"id": "١٢٣"},
        {"id": str(2**64)},
        {"id": 2**64},
        {"id": "-5"},
        {"id": 0},
        {"id": True},
        {"id": 1.5},
        {"id": ""},
        {},
        "1234",
    ],
    ids=repr,
)
def test_an_event_whose_sender_id_is_not_a_psid_is_skipped_and_logged_without_it(
    sender: Any, caplog: pytest.LogCaptureFixture
) -> None:
    psid = new_psid()
    bad = {**text_event(psid, "my secret text"), "sender": sender}
    with caplog.at_level(logging.DEBUG, logger="bot.channels.messenger"):
        [delivery] = parse_body(page(entry(bad, text_event(psid, "hi", "m_good"))))
    assert delivery.delivery_id == "m_good"
    assert "sender id" in caplog.text
    assert "my secret text" not in caplog.text and "psid" not in caplog.text


@pytest.mark.parametrize(("sender", "expected"), [(1234, "1234"), ("+1234", "1234")])
def test_a_psid_given_as_a_number_is_the_same_conversation(sender: Any, expected: str) -> None:
    event = {**text_event("1", "hi"), "sender": {"id": sender}}
    assert parse_body(page(entry(event)))[0].sender_id == expected


@pytest.mark.parametrize(
    "timestamp",
    [10**20, 1e20, -1, -62135596800000, 253402300800000, "yesterday", {"t": 1}, True],
    ids=repr,
)
def test_an_event_with_a_timestamp_out_of_range_is_skipped(timestamp: Any) -> None:
    psid = new_psid()
    event = {**postback_event(psid, "Start", "/greet"), "timestamp": timestamp}
    assert parse_body(page(entry(event))) == []


def test_an_event_without_a_timestamp_is_read() -> None:
    event = postback_event(new_psid(), "Start", "/greet")
    del event["timestamp"]
    [delivery] = parse_body(page(entry(event)))
    assert delivery.message["text"] == "/greet"


@pytest.mark.parametrize("mid", [{"id": "m_1"}, ["m_1"], 12345, True], ids=repr)
def test_a_message_whose_mid_is_not_a_string_is_skipped(mid: Any) -> None:
    event = text_event(new_psid(), "hi")
    event["message"]["mid"] = mid
    assert parse_body(page(entry(event))) == []


def test_a_quick_reply_payload_that_is_not_text_leaves_the_title() -> None:
    event = quick_reply_event(new_psid(), "Track my order", "/check")
    event["message"]["quick_reply"]["payload"] = {"intent": "x"}
    [delivery] = parse_body(page(entry(event)))
    assert delivery.message["text"] == "Track my order"


def test_a_postback_payload_that_is_not_text_is_not_sent_to_the_bot() -> None:
    event = postback_event(new_psid(), "Start", "/greet")
    event["postback"] = {"payload": {"a": 1}, "title": ["b"]}
    assert parse_body(page(entry(event))) == []


def test_a_page_id_that_is_not_one_is_left_out() -> None:
    event = {**text_event(new_psid(), "hi"), "recipient": {"id": {"a": 1}}}
    [delivery] = parse_body(page(entry(event)))
    assert "page_id" not in delivery.message["metadata"]


def webhook_request(body: bytes, signature_header: str | None) -> Request:
    """What the channel reads of a Sanic request: headers and the raw body."""
    headers = {} if signature_header is None else {"X-Hub-Signature-256": signature_header}
    return cast(Request, SimpleNamespace(headers=headers, body=body))


class Turns:
    """Stands in for Rasa's on_new_message."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


@pytest.fixture
async def messenger(tmp_path: Any) -> AsyncIterator[MessengerInput]:
    settings = ChannelSettings(
        database_url=f"sqlite:///{tmp_path / 'inbox.db'}",
        messenger=MessengerSettings(
            page_access_token=MESSENGER_PAGE_ACCESS_TOKEN,
            app_secret=MESSENGER_APP_SECRET,
            verify_token=MESSENGER_VERIFY_TOKEN,
            api_base_url="https://graph.invalid",
        ),
    )
    channel = MessengerInput(settings)
    yield channel
    channel.store.close()


@pytest.mark.parametrize(
    "header",
    ["sha256=\udcff" + "0" * 63, "\udcc3\udca9", "sha256=" + "\udce9" * 64],
)
async def test_a_signature_header_with_bytes_that_are_not_utf8_is_a_403(
    messenger: MessengerInput, header: str
) -> None:
    # What Sanic makes of raw 0xff bytes in the header: it was a 500.
    body = page(entry(text_event(new_psid(), "hi")))
    assert (await messenger.receive(webhook_request(body, header), Turns())).status == 403


async def test_a_deeply_nested_body_with_a_valid_signature_is_a_400(
    messenger: MessengerInput,
) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = await messenger.receive(webhook_request(body, signature(body)), Turns())
    assert response.status == 400


async def test_a_body_over_the_cap_is_a_413(messenger: MessengerInput) -> None:
    body = page(entry(text_event(new_psid(), "x" * messenger.max_body_bytes)))
    response = await messenger.receive(webhook_request(body, signature(body)), Turns())
    assert response.status == 413


async def test_a_text_over_2000_characters_reaches_the_bot_cut_with_its_length(
    messenger: MessengerInput,
) -> None:
    text = "where is my order " + "a" * 3000
    body = page(entry(text_event(new_psid(), text)))
    turns = Turns()
    assert (await messenger.receive(webhook_request(body, signature(body)), turns)).status == 200
    await messenger._queues.drain()
    [turn] = turns.messages
    assert turn.text == text[:MESSENGER_LIMIT]
    assert turn.metadata[TRUNCATED_FROM] == len(text)


async def test_a_batch_of_1000_is_acknowledged_in_well_under_meta_s_timeout(
    messenger: MessengerInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each delivery committed on its own took 14 s for a thousand; one transaction, under 1 s.
    processed: list[str] = []

    async def process(item: Any, on_new_message: Any) -> None:
        processed.append(item.delivery_id)  # the turns themselves are not timed here

    async def mark_processed(item_id: int) -> None:
        return None  # one commit each, after the acknowledgement: not what is timed

    monkeypatch.setattr(messenger, "process", process)
    monkeypatch.setattr(messenger.store, "mark_processed", mark_processed)
    events = [text_event(new_psid(), f"message {i}") for i in range(MAX_BATCH_EVENTS)]
    body = page(entry(*events))
    started = time.perf_counter()
    response = await messenger.receive(webhook_request(body, signature(body)), Turns())
    elapsed = time.perf_counter() - started
    await messenger._queues.drain()
    assert response.status == 200
    assert len(processed) == MAX_BATCH_EVENTS
    assert elapsed < 5.0, f"{elapsed:.1f} s to acknowledge"


def test_missing_settings_disable_the_channel_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        channel = MessengerInput(ChannelSettings())
    assert not channel.enabled
    assert "MESSENGER_PAGE_ACCESS_TOKEN" in caplog.text and "MESSENGER_APP_SECRET" in caplog.text


# -- the subscription handshake, on the channel's own blueprint -------------------------

HANDSHAKE = {
    "hub.mode": "subscribe",
    "hub.verify_token": MESSENGER_VERIFY_TOKEN,
    "hub.challenge": "1158201444",
}


@pytest.fixture
async def handshake_server(
    messenger: MessengerInput, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ChannelServer]:
    """The channel's blueprint on a bare Sanic app, mounted as Rasa mounts it."""
    # Sanic 21.12 can start several apps in one process only in test mode.
    monkeypatch.setattr(Sanic, "test_mode", True)
    server = await ChannelServer(messenger, Turns()).start()
    yield server
    await server.stop()


async def test_the_handshake_echoes_the_challenge_as_plain_text(
    handshake_server: ChannelServer,
) -> None:
    answer = await handshake_server.client.get(WEBHOOK, params=HANDSHAKE)
    assert (answer.status_code, answer.text) == (200, "1158201444")
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {**HANDSHAKE, "hub.verify_token": "wrong"},
        {**HANDSHAKE, "hub.mode": "unsubscribe"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY_TOKEN},
    ],
    ids=["wrong-token", "not-subscribe", "no-token", "no-challenge"],
)
async def test_a_handshake_without_our_verify_token_is_a_403_that_echoes_nothing(
    handshake_server: ChannelServer, params: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.channels.messenger"):
        answer = await handshake_server.client.get(WEBHOOK, params=params)
    # Through the channels' one error answer (bot.channels.errors.error_response).
    assert (answer.status_code, answer.json()) == (403, {"error": VERIFICATION_REFUSED})
    assert "1158201444" not in answer.text
    assert "verification refused" in caplog.text


async def test_a_handshake_with_the_channel_disabled_is_a_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    disabled = MessengerInput(ChannelSettings(), ChannelStore("sqlite://"))
    server = await ChannelServer(disabled, Turns()).start()
    try:
        answer = await server.client.get(WEBHOOK, params=HANDSHAKE)
    finally:
        await server.stop()
    assert (answer.status_code, answer.json()) == (503, {"error": "channel not configured"})


# -- settings for the fake Graph API (here and in test_messenger_send.py) -------------


def channel_settings(fake_graph: FakeGraph, database_url: str = "sqlite://") -> ChannelSettings:
    return ChannelSettings(
        database_url=database_url,
        timeout_s=5.0,
        messenger=MessengerSettings(
            page_access_token=MESSENGER_PAGE_ACCESS_TOKEN,
            app_secret=MESSENGER_APP_SECRET,
            verify_token=MESSENGER_VERIFY_TOKEN,
            api_base_url=fake_graph.url,
        ),
    )


# -- end to end, through the running assistant ----------------------------------------


def post_webhook(
    assistant: Assistant, body: bytes, headers: dict[str, str] | None = None
) -> httpx.Response:
    if headers is None:
        headers = {"X-Hub-Signature-256": signature(body)}
    return httpx.post(
        f"{assistant.rasa_url}{WEBHOOK}",
        content=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=30,
    )


def deliver(assistant: Assistant, *events: dict[str, Any]) -> None:
    answer = post_webhook(assistant, page(entry(*events)))
    assert answer.status_code == 200, answer.text


def user_turns(assistant: Assistant, psid: str) -> list[dict[str, Any]]:
    """The customer's messages the bot took a turn on, from the tracker."""
    answer = httpx.get(
        f"{assistant.rasa_url}/conversations/{psid}/tracker",
        params={"token": assistant.auth_token},
        timeout=30,
    )
    answer.raise_for_status()
    return [e for e in answer.json().get("events") or [] if e["event"] == "user"]


def verify(assistant: Assistant, **params: str) -> httpx.Response:
    return httpx.get(f"{assistant.rasa_url}{WEBHOOK}", params=params, timeout=30)


@pytest.mark.slow
def test_the_handshake_echoes_the_challenge_for_the_right_token(assistant: Assistant) -> None:
    answer = verify(
        assistant,
        **{
            "hub.mode": "subscribe",
            "hub.verify_token": MESSENGER_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert answer.status_code == 200
    assert answer.text == "1158201444"
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {
            "hub.mode": "unsubscribe",
            "hub.verify_token": MESSENGER_VERIFY_TOKEN,
            "hub.challenge": "1",
        },
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
)
def test_the_handshake_is_refused_otherwise(assistant: Assistant, params: dict[str, str]) -> None:
    assert verify(assistant, **params).status_code == 403


@pytest.mark.slow
def test_a_signed_message_reaches_the_bot_and_the_reply_reaches_the_customer(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    mid = new_mid()
    deliver(assistant, text_event(psid, "hi", mid))
    [reply] = fake_graph.wait_for_sent(psid)
    assert reply["recipient"] == {"id": psid}
    assert reply["messaging_type"] == "RESPONSE"
    assert reply["message"]["text"].startswith(GREETING)
    [turn] = user_turns(assistant, psid)
    assert turn["text"] == "hi"
    assert turn["message_id"] == f"messenger-{mid}"
    assert turn["input_channel"] == "messenger"
    assert turn["metadata"]["channel"] == "messenger"


@pytest.mark.slow
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "forged"},
        "wrong secret",
        "sha1 only",
    ],
    ids=["missing", "forged", "garbage", "wrong-secret", "sha1-only"],
)
def test_an_unsigned_or_forged_delivery_is_refused_and_reaches_no_one(
    assistant: Assistant, fake_graph: FakeGraph, headers: dict[str, str] | str
) -> None:
    psid = new_psid()
    body = page(entry(text_event(psid, "hi")))
    if headers == "wrong secret":
        headers = {"X-Hub-Signature-256": signature(body, "not-the-app-secret")}
    elif headers == "sha1 only":
        # Rasa's own connector accepts this older header; Meta signs with both.
        sha1 = hmac.new(MESSENGER_APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
        headers = {"X-Hub-Signature": f"sha1={sha1}"}
    assert isinstance(headers, dict)
    assert post_webhook(assistant, body, headers).status_code == 403
    # A signed message after it is answered; the forged one never was.
    deliver(assistant, text_event(psid, "hello"))
    fake_graph.wait_for_sent(psid)
    assert [t["text"] for t in user_turns(assistant, psid)] == ["hello"]
    assert len(fake_graph.sent_to(psid)) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"object": "user", "entry": []}', b'{"object": "page", "entry": "x"}'],
)
def test_a_malformed_body_with_a_valid_signature_is_a_400(
    assistant: Assistant, body: bytes
) -> None:
    assert post_webhook(assistant, body).status_code == 400


@pytest.mark.slow
def test_a_batch_of_two_entries_from_two_customers_answers_both(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    alice, bob = new_psid(), new_psid()
    body = page(entry(text_event(alice, "hi")), entry(text_event(bob, "hello")))
    assert post_webhook(assistant, body).status_code == 200
    assert fake_graph.wait_for_sent(alice)[0]["message"]["text"].startswith(GREETING)
    assert fake_graph.wait_for_sent(bob)[0]["message"]["text"].startswith(GREETING)


@pytest.mark.slow
def test_events_of_one_customer_in_a_batch_are_answered_in_order(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    deliver(assistant, text_event(psid, "hi"), text_event(psid, "where is my order 12345678"))
    first, second = fake_graph.wait_for_sent(psid, 2)
    assert first["message"]["text"].startswith(GREETING)
    assert "12345678" in second["message"]["text"]
    assert [t["text"] for t in user_turns(assistant, psid)] == [
        "hi",
        "where is my order 12345678",
    ]


@pytest.mark.slow
def test_the_same_mid_twice_makes_exactly_one_bot_turn(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    mid = new_mid()
    deliver(assistant, text_event(psid, "hi", mid))
    deliver(assistant, text_event(psid, "hi", mid))  # Meta's retry
    deliver(assistant, text_event(psid, "thanks"))
    # Processed in order: once the answer to "thanks" is there, a second
    # greeting would have been sent before it.
    fake_graph.wait_for_sent(psid, 2)
    time.sleep(0.5)
    assert len(fake_graph.sent_to(psid)) == 2
    turns = user_turns(assistant, psid)
    assert [t["message_id"] for t in turns].count(f"messenger-{mid}") == 1
    assert len(turns) == 2


@pytest.mark.slow
def test_greeting_buttons_arrive_as_quick_replies_and_a_tapped_one_goes_to_the_bot(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    deliver(assistant, text_event(psid, "hi"))
    [greeting] = fake_graph.wait_for_sent(psid)
    replies = greeting["message"]["quick_replies"]
    assert [r["payload"] for r in replies] == GREETING_PAYLOADS
    assert all(r["content_type"] == "text" and len(r["title"]) <= 20 for r in replies)

    track = replies[0]
    deliver(assistant, quick_reply_event(psid, track["title"], track["payload"]))
    answer = fake_graph.wait_for_sent(psid, 2)[1]
    assert answer["message"]["text"].startswith(ASK_ORDER_ID)
    last = user_turns(assistant, psid)[-1]
    assert last["text"] == "/check_order_status"
    assert last["parse_data"]["intent"]["name"] == "check_order_status"


@pytest.mark.slow
def test_a_postback_goes_to_the_bot_as_the_customers_message(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    deliver(assistant, postback_event(psid, "Track my order", "/check_order_status"))
    [answer] = fake_graph.wait_for_sent(psid)
    assert answer["message"]["text"].startswith(ASK_ORDER_ID)
    [turn] = user_turns(assistant, psid)
    assert turn["parse_data"]["intent"]["name"] == "check_order_status"


@pytest.mark.slow
def test_emoji_only_text_reaches_the_bot(assistant: Assistant, fake_graph: FakeGraph) -> None:
    psid = new_psid()
    deliver(assistant, text_event(psid, "👍"))
    fake_graph.wait_for_sent(psid)
    assert [t["text"] for t in user_turns(assistant, psid)] == ["👍"]


@pytest.mark.slow
def test_photos_stickers_audio_and_locations_get_a_polite_reply_and_no_turn(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    kinds = ["image", "sticker", "audio", "location"]
    deliver(assistant, *(attachment_event(psid, kind) for kind in kinds))
    sent = fake_graph.wait_for_sent(psid, len(kinds))
    assert [body["message"]["text"] for body in sent] == [polite_reply(kind) for kind in kinds]
    assert user_turns(assistant, psid) == []


@pytest.mark.slow
def test_echoes_and_receipts_are_acknowledged_without_a_turn(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    deliver(
        assistant, echo_event(psid, "our own reply"), delivery_receipt(psid), read_receipt(psid)
    )
    deliver(assistant, text_event(psid, "hi"))
    fake_graph.wait_for_sent(psid)
    time.sleep(0.5)
    assert [t["text"] for t in user_turns(assistant, psid)] == ["hi"]
    assert len(fake_graph.sent_to(psid)) == 1
    assert user_turns(assistant, PAGE_ID) == []


@pytest.mark.slow
def test_a_reply_rate_limited_once_is_delivered_exactly_once(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    fake_graph.fail_next_for(psid, rate_limited(retry_after=1))
    deliver(assistant, text_event(psid, "hi"))
    fake_graph.wait_for_sent(psid)
    time.sleep(0.5)
    assert len(fake_graph.sent_to(psid)) == 1
    assert len(fake_graph.requests_to(psid)) == 2


@pytest.fixture
def assistant_store(assistant: Assistant) -> Iterator[ChannelStore]:
    """The running assistant's own channel tables, as the handoff service sees them."""
    channel_store = ChannelStore(f"sqlite:///{assistant.channels_db}")
    yield channel_store
    channel_store.close()


@pytest.mark.slow
async def test_after_24_hours_an_agent_tags_human_agent_and_the_bot_is_refused(
    assistant: Assistant, fake_graph: FakeGraph, assistant_store: ChannelStore
) -> None:
    psid = new_psid()
    deliver(assistant, text_event(psid, "hi"))
    fake_graph.wait_for_sent(psid)
    # The webhook recorded when the customer wrote; make it a day and more ago.
    assert await assistant_store.last_inbound_at("messenger", psid) is not None
    with assistant_store.engine.begin() as db:
        changed = db.execute(
            update(last_inbound)
            .where(last_inbound.c.channel == "messenger", last_inbound.c.sender_id == psid)
            .values(received_at=utc_now() - dt.timedelta(hours=26))
        ).rowcount
    assert changed == 1
    settings = channel_settings(fake_graph, f"sqlite:///{assistant.channels_db}")

    await send_to_customer(
        "messenger", psid, "Hi, Sam from Northwind here.",
        settings=settings, store=assistant_store, human_agent=True,
    )  # fmt: skip
    agent = fake_graph.sent_to(psid)[-1]
    assert agent["message"]["text"] == "Hi, Sam from Northwind here."
    assert (agent["messaging_type"], agent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")

    with pytest.raises(PermanentSendError):
        await send_to_customer(
            "messenger", psid, "Anything else?", settings=settings, store=assistant_store
        )
    assert len(fake_graph.sent_to(psid)) == 2  # the greeting and the agent's message


@pytest.mark.slow
@pytest.mark.parametrize(
    "header", [b"sha256=\xff\xfe", b"\xc3\x28" * 40], ids=["0xff", "invalid-utf8"]
)
def test_e2e_a_signature_header_with_bytes_that_are_not_utf8_is_a_403(
    assistant: Assistant, header: bytes
) -> None:
    psid = new_psid()
    response = httpx.post(
        f"{assistant.rasa_url}{WEBHOOK}",
        content=page(entry(text_event(psid, "hi"))),
        headers=[(b"Content-Type", b"application/json"), (b"X-Hub-Signature-256", header)],
        timeout=30,
    )
    assert response.status_code == 403
    assert user_turns(assistant, psid) == []


@pytest.mark.slow
def test_e2e_a_deeply_nested_body_with_a_valid_signature_is_a_400(assistant: Assistant) -> None:
    assert post_webhook(assistant, b"[" * 100_000 + b"]" * 100_000).status_code == 400


@pytest.mark.slow
def test_e2e_a_long_message_reaches_the_bot_cut_with_its_length(
    assistant: Assistant, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    text = "hi " + "a" * 4997
    deliver(assistant, text_event(psid, text))
    fake_graph.wait_for_sent(psid)
    [turn] = user_turns(assistant, psid)
    assert turn["text"] == text[:MESSENGER_LIMIT]
    assert turn["metadata"][TRUNCATED_FROM] == 5000

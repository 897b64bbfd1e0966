"""handoff.desk.masking: agents see "the card ending 4242", never the whole number.

Through the real service with the desk: a handoff whose transcript and summary
hold a card number, then customer messages with more; a signed-in agent reads
them masked in the conversation, the queue, the answers to what they do and the
live event stream (with their own API token too), keeping the last four
digits. The admin token, the store, and the adapters with ``HANDOFF_REDACT=off``
still have what the customer wrote: masking is the desk's view only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sanic import Sanic

from handoff.desk import DeskSettings, install
from handoff.desk.masking import mask_events, mask_handoff
from handoff.integrations import install as install_integrations
from handoff.integrations.settings import IntegrationSettings
from handoff.service import create_app
from handoff.settings import HandoffSettings
from handoff.store import JournalEvent
from plumbing.redaction import KINDS
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, FakeDelivery
from tests.handoff.desk.conftest import Desk, handoff_body
from tests.handoff.integrations.conftest import FAST, WEBHOOK_SECRET, arrived, receiver

CARD = "4242 4242 4242 4242"
CARD_LINE = f"my card is {CARD}"
MASKED_LINE = "my card is [card ending 4242]"
IBAN = "GB82 WEST 1234 5698 7654 32"
SSN = "123-45-6789"


def with_card(name: str) -> dict[str, Any]:
    body = handoff_body(name)
    body["transcript"][0]["text"] = CARD_LINE
    body["summary"]["note"] = f"charged twice on {CARD}"
    return body


def csrf(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token}


async def read_stream(
    client: httpx.AsyncClient,
    until: str,
    connected: asyncio.Event,
    headers: dict[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """GET /api/events up to the first ``until`` event: each type's latest data, as sent."""
    seen: dict[str, dict[str, Any]] = {}
    async with client.stream("GET", "/api/events", headers=headers or {}) as response:
        assert response.status_code == 200
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith(": connected"):
                connected.set()
            elif line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                seen[kind] = json.loads(line.removeprefix("data: "))
                if kind == until:
                    return seen
    raise AssertionError(f"the stream ended before a {until} event")


async def test_a_signed_in_agent_sees_card_numbers_masked_in_the_conversation_and_queue(
    desk: Desk,
) -> None:
    token = await desk.agent("sam")
    created = await desk.admin("POST", "/api/handoffs", json=with_card("ann"))
    assert created.status_code == 201, created.text
    # The bot's outbox (the admin token) is answered with what it sent.
    assert created.json()["summary"]["note"] == f"charged twice on {CARD}"
    handoff_id = created.json()["id"]
    sam, sam_csrf = await desk.signed_in("sam")
    base = f"/api/handoffs/{handoff_id}"

    conversation = await sam.get(base)
    assert conversation.status_code == 200
    assert CARD not in conversation.text and "4242 4242" not in conversation.text
    assert conversation.json()["transcript"][0]["text"] == MASKED_LINE
    assert conversation.json()["summary"]["note"] == "charged twice on [card ending 4242]"
    # What is not a payment number is left alone: the order number, the email.
    assert conversation.json()["summary"]["order_id"] == "12345678"
    assert conversation.json()["summary"]["email"] == "ann@example.com"

    queue = await sam.get("/api/handoffs", params={"status": "waiting"})
    [card] = [h for h in queue.json()["handoffs"] if h["id"] == handoff_id]
    assert card["summary"]["note"] == "charged twice on [card ending 4242]"
    assert CARD not in queue.text

    # The answers to what the agent does show the handoff masked as well.
    claimed = await sam.post(f"{base}/claim", headers=csrf(sam_csrf))
    assert claimed.status_code == 200 and CARD not in claimed.text
    reply = await sam.post(
        f"{base}/messages",
        json={"text": f"I see {CARD}, refunding it", "internal": True},
        headers=csrf(sam_csrf),
    )
    assert reply.status_code == 201
    assert reply.json()["message"]["text"] == "I see [card ending 4242], refunding it"
    closed = await sam.post(
        f"{base}/close", json={"resolution": f"refunded {CARD}"}, headers=csrf(sam_csrf)
    )
    assert closed.status_code == 200
    assert closed.json()["resolution"] == "refunded [card ending 4242]"

    # The agent's own API token is the same person: masked too.
    by_token = await desk.as_(token, "GET", base)
    assert CARD not in by_token.text
    assert by_token.json()["transcript"][0]["text"] == MASKED_LINE

    # Stored as written, and the admin token reads it so.
    stored = await desk.context.store.get(handoff_id, with_transcript=True)
    assert stored is not None and stored.transcript is not None
    assert stored.transcript[0].text == CARD_LINE
    assert stored.transcript[-1].text == f"I see {CARD}, refunding it"
    assert stored.resolution == f"refunded {CARD}"
    by_admin = await desk.admin("GET", base)
    assert by_admin.json()["transcript"][0]["text"] == CARD_LINE
    assert by_admin.json()["resolution"] == f"refunded {CARD}"
    await sam.aclose()


async def test_the_event_stream_masks_what_a_signed_in_agent_reads(desk: Desk) -> None:
    await desk.agent("sam")
    sam, _ = await desk.signed_in("sam")
    admin = desk.new_client()
    connected = [asyncio.Event(), asyncio.Event()]
    streams = [
        asyncio.create_task(read_stream(sam, "message.created", connected[0])),
        asyncio.create_task(
            read_stream(admin, "message.created", connected[1], desk.auth(ADMIN_TOKEN))
        ),
    ]
    await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connected)), 5)
    handoff = (await desk.admin("POST", "/api/handoffs", json=with_card("ann"))).json()
    said = f"{CARD_LINE}, or take it from {IBAN}, my ssn is {SSN}"
    response = await desk.admin(
        "POST", f"/api/handoffs/{handoff['id']}/customer-messages", json={"text": said}
    )
    assert response.status_code == 201
    for_sam, for_admin = await asyncio.wait_for(asyncio.gather(*streams), 5)

    # The queue's card, as the stream brings it.
    assert for_sam["handoff.created"]["handoff"]["id"] == handoff["id"]
    assert for_sam["handoff.created"]["handoff"]["summary"]["note"] == (
        "charged twice on [card ending 4242]"
    )
    assert for_sam["message.created"]["handoff_id"] == handoff["id"]
    assert for_sam["message.created"]["message"]["text"] == (
        f"{MASKED_LINE}, or take it from [IBAN ending 5432], my ssn is [SSN removed]"
    )
    assert CARD not in json.dumps(for_sam)
    assert for_admin["handoff.created"]["handoff"]["summary"]["note"] == (
        f"charged twice on {CARD}"
    )
    assert for_admin["message.created"]["message"]["text"] == said
    await sam.aclose()
    await admin.aclose()


@pytest.mark.parametrize("desk_settings", [DeskSettings(mask=("iban",))])
async def test_the_kinds_are_the_desks_setting(desk: Desk) -> None:
    await desk.agent("sam")
    handoff = await desk.create_handoff("ann")
    said = f"{CARD_LINE}; refund to {IBAN}"
    await desk.admin(
        "POST", f"/api/handoffs/{handoff['id']}/customer-messages", json={"text": said}
    )
    sam, _ = await desk.signed_in("sam")
    conversation = await sam.get(f"/api/handoffs/{handoff['id']}")
    assert (
        conversation.json()["transcript"][-1]["text"]
        == f"{CARD_LINE}; refund to [IBAN ending 5432]"
    )
    await sam.aclose()


@pytest.mark.parametrize("desk_settings", [DeskSettings(mask=())])
async def test_masking_off_shows_the_text_as_written(desk: Desk) -> None:
    await desk.agent("sam")
    handoff = (await desk.admin("POST", "/api/handoffs", json=with_card("ann"))).json()
    sam, _ = await desk.signed_in("sam")
    conversation = await sam.get(f"/api/handoffs/{handoff['id']}")
    assert conversation.json()["transcript"][0]["text"] == CARD_LINE
    await sam.aclose()


__all__ = ["receiver"]  # a fixture: pytest finds it here by name


# -- the adapters keep their own setting ---------------------------------------------------


@pytest.fixture
async def desk_with_webhook(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    receiver: FakeWebhookReceiver,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> AsyncIterator[Desk]:
    """The desk (masking every kind) and the webhook adapter with ``HANDOFF_REDACT=off``."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = create_app(settings, deliver=delivery, on_close=closes, name=f"d_{uuid.uuid4().hex}")
    install(app, DeskSettings())
    install_integrations(
        app,
        IntegrationSettings(
            adapters=("webhook",),
            webhook_url=receiver.endpoint,
            webhook_secret=WEBHOOK_SECRET,
            redact=(),
            retry_base_s=FAST["retry_base_s"],
            poll_s=FAST["poll_s"],
        ),
    )
    running = await Desk(app).start()
    yield running
    await running.stop()


async def test_with_redaction_off_the_adapters_still_get_the_full_number(
    desk_with_webhook: Desk, receiver: FakeWebhookReceiver
) -> None:
    desk = desk_with_webhook
    await desk.agent("sam")
    created = await desk.admin("POST", "/api/handoffs", json=with_card("ann"))
    assert created.status_code == 201, created.text
    handoff_id = created.json()["id"]

    [event] = await arrived(receiver, 1)
    assert event["type"] == "handoff.created"
    assert event["data"]["handoff"]["transcript"][0]["text"] == CARD_LINE
    assert event["data"]["handoff"]["summary"]["note"] == f"charged twice on {CARD}"
    [journaled] = await desk.context.store.events_after(0, 10)
    assert journaled.payload["handoff"]["transcript"][0]["text"] == CARD_LINE

    sam, _ = await desk.signed_in("sam")
    conversation = await sam.get(f"/api/handoffs/{handoff_id}")
    assert conversation.json()["transcript"][0]["text"] == MASKED_LINE
    await sam.aclose()


# -- the functions themselves ---------------------------------------------------------------


def test_masking_returns_copies_and_leaves_what_is_no_text() -> None:
    handoff = {
        "id": 7,
        "customer": {"sender_id": "+15550100"},
        "summary": {"intents": ["refund"], "notes": [f"card {CARD}"], "count": 2},
        "resolution": None,
        "transcript": [{"id": 1, "text": CARD_LINE}, {"id": 2, "text": None}],
    }
    original = json.loads(json.dumps(handoff))
    masked = mask_handoff(handoff, KINDS)
    assert handoff == original  # what the store handed out is not changed
    assert masked["summary"] == {
        "intents": ["refund"],
        "notes": ["card [card ending 4242]"],
        "count": 2,
    }
    assert masked["transcript"] == [{"id": 1, "text": MASKED_LINE}, {"id": 2, "text": None}]
    assert masked["customer"] == handoff["customer"] and masked["resolution"] is None
    assert mask_handoff(handoff, ()) is handoff

    payload = {"handoff_id": 7, "message": {"text": CARD_LINE}}
    event = JournalEvent(1, "message.created", 7, "conv", payload, dt.datetime(2026, 1, 1))
    [shown] = mask_events([event], KINDS)
    assert shown.payload["message"]["text"] == MASKED_LINE
    assert event.payload["message"]["text"] == CARD_LINE

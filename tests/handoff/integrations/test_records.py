"""handoff.integrations.records: finished conversation records to a CRM, against a local CRM.

Records are kept by the service's own keeper (``service.context.records``), fed
a conversation's events as the broker consumer would; the CRM webhook reads
the outbox it writes (handoff.insights.outbox) through the adapters' queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handoff.insights.export import scrubbed
from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.insights.outbox import record_id
from handoff.insights.record import QUIET_S
from handoff.integrations.deliveries import DeliveryQueue
from handoff.integrations.settings import RECORDS_WEBHOOK, IntegrationSettings
from handoff.integrations.signatures import verify
from handoff.models import RECORD_EVENT_TYPES, record_events
from handoff.settings import HandoffSettings
from plumbing.scrub import scrub_identifier
from tests.fakes.server import Reply
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.zendesk import FakeZendesk
from tests.handoff.conftest import ADMIN_TOKEN, Service
from tests.handoff.insights.conftest import START, Chat, at
from tests.handoff.integrations.conftest import (
    RECORDS_SECRET,
    StartService,
    create_handoff,
    eventually,
    journal,
    queued,
    store_of,
    with_settings,
)
from tests.handoff.integrations.crm_receiver import FakeCrm
from tests.handoff.routes.test_events import event_stream, next_event

PHONE = "+14155550123"


@pytest.fixture
def handoff_settings(database_url: str, request: pytest.FixtureRequest) -> HandoffSettings:
    """The service's settings; ``HANDOFF_EXPORT_SCRUB`` by indirect parameter (default on)."""
    scrub: bool = getattr(request, "param", True)
    return HandoffSettings(
        database_url=database_url, admin_token=ADMIN_TOKEN, broker="none", export_scrub=scrub
    )


def order_question(start: float = START) -> Chat:
    """A session the bot answers: resolved, once quiet."""
    chat = Chat(channel="twilio", start=start)
    chat.session().user("where is my order 12345678", "order_status", order_id="12345678")
    return chat.respond("utter_order_status", "It ships tomorrow.")


def keeper_of(service: Service) -> RecordKeeper:
    keeper = service.context.records
    assert keeper is not None
    return keeper


async def keep(service: Service, conversation: str, chat: Chat, *, quiet: bool = True) -> None:
    """The chat's events through the service's keeper, as the broker consumer hands them."""
    await DeliveryQueue(store_of(service).engine).open(RECORDS_WEBHOOK)  # running already
    as_of = at(chat.now + QUIET_S) if quiet else at(chat.now)
    events = [StreamEvent(conversation, event) for event in chat.events]
    await asyncio.to_thread(keeper_of(service).add, events, as_of)


async def taken(crm: FakeCrm, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    async def enough() -> bool:
        return len(crm.events()) >= count

    await eventually(enough, timeout_s, f"{count} records at the CRM")
    return crm.events()


async def nothing_queued(service: Service) -> bool:
    return await queued(service, adapter=RECORDS_WEBHOOK) == []


# -- the wire ------------------------------------------------------------------------------


async def test_a_finished_record_reaches_the_crm_signed_and_scrubbed(
    start_service: StartService, crm: FakeCrm, records_settings: IntegrationSettings
) -> None:
    service = await start_service(records_settings)
    await keep(service, PHONE, order_question())

    [event] = await taken(crm, 1)
    request = crm.requests[-1]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-handoff-event-id"] == str(event["id"])
    assert request.headers["x-handoff-event-type"] == "record.finished"
    stamp = request.headers["x-handoff-timestamp"]
    assert abs(int(stamp) - time.time()) < 10
    # The algorithm the generic webhook signs with, with the records' own secret.
    verify(RECORDS_SECRET, request.body, stamp, request.headers["x-handoff-signature"])

    body = json.loads(request.body)
    assert set(body) == {"id", "type", "created_at", "data"}
    assert body["type"] == "record.finished" and body["created_at"].endswith("+00:00")
    assert set(body["data"]) == {"record_id", "record"}
    kept = keeper_of(service).latest(PHONE)
    assert kept is not None and kept.outcome == "resolved"
    # As the records' export has it: the phone number hashed.
    assert body["data"]["record"] == scrubbed(kept).to_json()
    assert body["data"]["record"]["conversation_id"] == scrub_identifier(PHONE)
    assert PHONE[2:].encode() not in request.body
    assert body["data"]["record_id"] == record_id(PHONE, kept.to_json()["started_at"])
    await eventually(lambda: nothing_queued(service), what="the queue to empty")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("handoff_settings", [False], indirect=True)
async def test_with_scrubbing_off_the_crm_gets_ids_as_they_are(
    start_service: StartService, crm: FakeCrm, records_settings: IntegrationSettings
) -> None:
    service = await start_service(records_settings)
    await keep(service, PHONE, order_question())

    [event] = await taken(crm, 1)
    assert event["data"]["record"]["conversation_id"] == PHONE
    # The session's id does not depend on the setting.
    assert event["data"]["record_id"] == record_id(PHONE, event["data"]["record"]["started_at"])


async def test_a_late_change_arrives_as_an_update_of_the_same_record(
    start_service: StartService, crm: FakeCrm, records_settings: IntegrationSettings
) -> None:
    service = await start_service(records_settings)
    store = store_of(service)
    chat = Chat(channel="telegram").session().user("I want a person", "request_human")
    chat.action("action_handoff").say("A person will be with you shortly.").simple("pause")
    chat.action("action_listen")
    created = at(chat.now)
    handoff, _ = await store.create_handoff(
        escalation_id="esc-carol", conversation_id="carol", channel="telegram",
        customer_id="carol", priority=2, reasons=["asked_for_human"], now=created,
    )  # fmt: skip
    await keep(service, "carol", chat, quiet=False)  # handed off: final at once
    [finished] = await taken(crm, 1)
    assert finished["data"]["record"]["handoff_wait_s"] is None

    token = await store.create_agent("agent-1", "agent")
    agent = await store.agent_for_token(token)
    assert agent is not None
    await store.claim(handoff.id, "agent-1", now=created + timedelta(seconds=90))
    await store.agent_message(handoff.id, agent, "on it", now=created + timedelta(seconds=120))
    await store.close(handoff.id, "agent-1", "done", now=created + timedelta(seconds=300))
    chat.simple("resume")
    await keep(service, "carol", chat, quiet=False)

    _, updated = await taken(crm, 2)
    assert (finished["type"], updated["type"]) == ("record.finished", "record.updated")
    assert updated["id"] > finished["id"]
    assert updated["data"]["record_id"] == finished["data"]["record_id"]
    assert updated["data"]["record"]["handoff_wait_s"] == 90.0
    # The CRM, upserting by record id, holds the session once, as it is now.
    assert list(crm.records.values()) == [updated["data"]["record"]]
    # Folding again changes nothing: nothing more is sent.
    await asyncio.to_thread(keeper_of(service).refold_all, at(chat.now + QUIET_S))
    await eventually(lambda: nothing_queued(service), what="the queue to empty")
    await asyncio.sleep(0.2)
    assert len(crm.events()) == 2


# -- retries and dead letters --------------------------------------------------------------


async def test_records_wait_for_a_crm_that_is_down_and_arrive_once(
    start_service: StartService, crm: FakeCrm, records_settings: IntegrationSettings
) -> None:
    service = await start_service(records_settings)
    crm.down = True
    await keep(service, "ann", order_question())
    await keep(service, "bob", order_question(START + 60))

    async def retried() -> bool:
        return crm.unavailable >= 6

    await eventually(retried, what="retries while the CRM is down")
    pending = await queued(service, adapter=RECORDS_WEBHOOK)
    assert {(d["status"], d["last_error"], d["handoff_id"]) for d in pending} == {
        ("pending", "HTTP 503", 0)
    }
    crm.down = False

    events = await taken(crm, 2)
    assert sorted(e["data"]["record"]["conversation_id"] for e in events) == ["ann", "bob"]
    assert crm.duplicates == []
    await eventually(lambda: nothing_queued(service), what="the queue to empty")


async def test_a_refused_record_is_dead_lettered_and_can_be_sent_again(
    start_service: StartService,
    crm: FakeCrm,
    records_settings: IntegrationSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = await start_service(records_settings)
    crm.fail_next(Reply(422, {"error": "unknown field"}))
    with caplog.at_level(logging.INFO, logger="handoff.integrations"):
        await keep(service, PHONE, order_question())

        async def dead() -> bool:
            return len(await queued(service, status="dead")) == 1

        await eventually(dead, what="a dead letter")
    [entry] = await queued(service, status="dead")
    assert (entry["adapter"], entry["type"], entry["attempts"], entry["last_error"]) == (
        RECORDS_WEBHOOK,
        "record.finished",
        1,
        "HTTP 422",
    )
    logged = [r.getMessage() for r in caplog.records]
    assert any("dead-lettered" in line and "no handoff" in line for line in logged)
    assert not any(PHONE in line or PHONE[2:] in line for line in logged)
    assert crm.events() == []

    retried = await service.admin(
        "POST", f"/api/integrations/deliveries/{RECORDS_WEBHOOK}/{entry['event_id']}/retry"
    )
    assert retried.status_code == 200, retried.text
    [event] = await taken(crm, 1)
    assert event["id"] == entry["event_id"]
    await eventually(lambda: nothing_queued(service), what="the resent record to leave the queue")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_record_retried_too_long_is_dead_lettered(
    start_service: StartService, crm: FakeCrm, records_settings: IntegrationSettings
) -> None:
    service = await start_service(with_settings(records_settings, give_up_after_s=0.3))
    crm.down = True
    await keep(service, "ann", order_question())

    async def dead() -> bool:
        return len(await queued(service, status="dead")) == 1

    await eventually(dead, what="a dead letter")
    [entry] = await queued(service, status="dead")
    assert entry["attempts"] > 1 and entry["last_error"] == "HTTP 503"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_crm_that_rejects_our_signature_keeps_the_record_queued(
    start_service: StartService, crm: FakeCrm, records_settings: IntegrationSettings
) -> None:
    wrong = with_settings(records_settings, records_webhook_secret="not-the-crm-s-secret")
    service = await start_service(wrong)
    await keep(service, "ann", order_question())

    async def rejected() -> bool:
        return crm.bad_signatures >= 2

    await eventually(rejected, what="signed requests to be rejected")
    [entry] = await queued(service, adapter=RECORDS_WEBHOOK)
    assert (entry["status"], entry["last_error"]) == (
        "pending",
        "HTTP 401: credentials or signature rejected",
    )


# -- who does not see records --------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_contact_centers_and_the_desk_s_stream_never_see_a_record(
    start_service: StartService,
    crm: FakeCrm,
    receiver: FakeWebhookReceiver,
    zendesk: FakeZendesk,
    records_settings: IntegrationSettings,
    webhook_settings: IntegrationSettings,
    zendesk_settings: IntegrationSettings,
) -> None:
    everything = with_settings(
        zendesk_settings,
        adapters=("webhook", "zendesk"),
        webhook_url=webhook_settings.webhook_url,
        webhook_secret=webhook_settings.webhook_secret,
        records_webhook_url=records_settings.records_webhook_url,
        records_webhook_secret=records_settings.records_webhook_secret,
    )
    service = await start_service(everything)
    async with event_stream(service) as stream:
        await keep(service, "ann", order_question())
        await taken(crm, 1)
        handoff = await create_handoff(service, "bob")
        # The record went out first; the stream's next event is the handoff.
        first = await next_event(stream, timeout=5.0)
        assert (first["event"], first["data"]["handoff"]["id"]) == (
            "handoff.created",
            handoff["id"],
        )

    async def ticket() -> bool:
        return zendesk.ticket_by_external_id("handoff-esc-bob") is not None

    await eventually(ticket, what="the Zendesk ticket")
    await eventually(lambda: _webhook_got(receiver, 1), what="the contact center's event")
    await asyncio.to_thread(keeper_of(service).refold_all, at(START + 2 * QUIET_S))
    await keep(service, "cat", order_question(START + 120))
    await taken(crm, 2)

    assert [e["type"] for e in receiver.events()] == ["handoff.created"]
    assert not any(b"record_id" in r.body for r in zendesk.requests)
    assert not [e for e in await journal(service) if e.type in RECORD_EVENT_TYPES]
    listing = (await service.admin("GET", "/api/integrations/deliveries")).json()
    assert listing["unread"] == {"webhook": 0, "zendesk": 0, RECORDS_WEBHOOK: 0}
    assert {e["type"] for e in crm.events()} == {"record.finished"}


async def _webhook_got(receiver: FakeWebhookReceiver, count: int) -> bool:
    return len(receiver.events()) >= count


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_its_url_no_records_are_kept_for_a_crm(
    start_service: StartService, webhook_settings: IntegrationSettings
) -> None:
    service = await start_service(webhook_settings)
    await asyncio.to_thread(
        keeper_of(service).add,
        [StreamEvent("ann", e) for e in order_question().events],
        at(order_question().now + QUIET_S),
    )
    [record] = keeper_of(service).records()
    assert record.outcome == "resolved"
    with store_of(service).engine.connect() as db:
        assert db.execute(select(record_events)).all() == []
    retry = f"/api/integrations/deliveries/{RECORDS_WEBHOOK}/1/retry"
    assert (await service.admin("POST", retry)).status_code == 404

"""handoff.routes.customers on a real server: a handoff's history across channels,
linking and unlinking by hand, and who may do which."""

from __future__ import annotations

import time
from typing import Any

from handoff.insights.keeper import RecordKeeper, StreamEvent
from tests.handoff.conftest import Service, create
from tests.handoff.insights.conftest import Chat, at

PHONE = "+14155550101"


def keep_records(service: Service) -> float:
    """Jane: resolved on Telegram two days ago, handed off on Messenger, now on SMS
    (a session still going, which the handoff about to be created is in); and a
    stranger. When the SMS session started."""
    keeper = service.context.records
    assert isinstance(keeper, RecordKeeper)
    now = time.time()
    telegram = Chat("telegram", start=now - 2 * 86_400).session()
    telegram.user("where is my order A1234", "order_status", order_id="A1234")
    telegram.respond("utter_order_status")
    telegram.survey_question("s-tg", "bot").survey_answer("s-tg", "csat_score", 2)
    telegram.survey_answer("s-tg", "csat_comment", "card 4111 1111 1111 1111 was charged twice")
    messenger = Chat("messenger", start=now - 86_400).session()
    messenger.user("I want a refund", "request_refund")
    messenger.action("action_handoff").simple("pause").action("action_listen")
    sms = Chat("sms", start=now - 60).session()
    sms.user("a person please", "request_human")
    sms.action("action_handoff").simple("pause").action("action_listen")
    stranger = Chat("telegram", start=now - 86_000).session()
    stranger.user("hello", "greet").respond("utter_greet")
    events = [StreamEvent("tg-jane", e) for e in telegram.events]
    events += [StreamEvent("psid-jane", e) for e in messenger.events]
    events += [StreamEvent(PHONE, e) for e in sms.events]
    events += [StreamEvent("tg-other", e) for e in stranger.events]
    keeper.add(events, as_of=at(sms.now))
    keeper.settle(as_of=at(sms.now))
    return now - 60


async def sms_handoff(service: Service, started: float) -> dict[str, Any]:
    return await create(
        service, "jane", conversation_id=PHONE, channel="sms",
        customer={"sender_id": PHONE}, transcript=[
            {"role": "customer", "text": "a person please", "timestamp": started + 5},
        ],
    )  # fmt: skip


async def test_the_history_shows_the_customer_s_other_conversations(service: Service) -> None:
    handoff = await sms_handoff(service, keep_records(service))
    sue = await service.new_agent("sue", "supervisor")
    ann = await service.new_agent("ann")
    history = f"/api/handoffs/{handoff['id']}/history"

    # Linked by its phone number as it was created; nothing else has that key yet.
    response = await service.as_(ann, "GET", history)
    assert response.status_code == 200, response.text
    assert response.json()["customer_key"] == f"phone:{PHONE}"
    assert response.json()["link"]["source"] == "phone"
    assert response.json()["conversations"] == []

    for conversation_id in ("tg-jane", "psid-jane"):
        response = await service.as_(
            sue, "PUT", f"/api/customers/links/{conversation_id}",
            json={"customer_key": f"phone:{PHONE}"},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        assert response.json()["source"] == "manual" and response.json()["linked_by"] == "sue"

    response = await service.as_(ann, "GET", history)
    assert response.status_code == 200
    body = response.json()
    assert (body["handoff_id"], body["conversation_id"]) == (handoff["id"], PHONE)
    seen = [
        (c["conversation_id"], c["channel"], c["outcome"], c["contact_reasons"])
        for c in body["conversations"]
    ]
    # Newest first; the stranger's conversation and the handoff's own session are not there.
    assert seen == [
        ("psid-jane", "messenger", "handed_off", ["request_refund"]),
        ("tg-jane", "telegram", "resolved", ["order_status"]),
    ]
    assert body["conversations"][1]["started_at"] < body["conversations"][0]["started_at"]
    # How the customer rated it, their comment masked for people as transcripts are.
    rated = body["conversations"][1]
    assert rated["csat_score"] == 2 and "4111 1111 1111 1111" not in rated["csat_comment"]
    assert "charged twice" in rated["csat_comment"]
    assert body["conversations"][0]["csat_score"] is None
    raw = (await service.admin("GET", history)).json()["conversations"][1]
    assert "4111 1111 1111 1111" in raw["csat_comment"]

    response = await service.as_(sue, "DELETE", "/api/customers/links/psid-jane")
    assert response.status_code == 200 and response.json()["customer_key"] == f"phone:{PHONE}"
    after = (await service.as_(ann, "GET", history)).json()["conversations"]
    assert [c["conversation_id"] for c in after] == ["tg-jane"]


async def test_a_typed_email_links_nothing(service: Service) -> None:
    handoff = await create(service, "bob", summary={"email": "bob@example.com"})
    response = await service.admin("GET", f"/api/handoffs/{handoff['id']}/history")
    assert response.status_code == 200
    assert response.json()["customer_key"] is None and response.json()["link"] is None


async def test_who_may_do_what(service: Service) -> None:
    handoff = await sms_handoff(service, keep_records(service))
    ann = await service.new_agent("ann")
    history = f"/api/handoffs/{handoff['id']}/history"
    link = "/api/customers/links/tg-jane"
    key = {"customer_key": "manual:jane"}

    assert (await service.client.get(history)).status_code == 401
    assert (await service.client.put(link, json=key)).status_code == 401
    assert (await service.client.delete(link)).status_code == 401
    assert (await service.as_(ann, "GET", history)).status_code == 200
    assert (await service.as_(ann, "PUT", link, json=key)).status_code == 403
    assert (await service.as_(ann, "DELETE", link)).status_code == 403
    # The admin token may, like a supervisor.
    response = await service.admin("PUT", link, json=key)
    assert response.status_code == 200 and response.json()["linked_by"] == "admin"


async def test_bad_and_unknown(service: Service) -> None:
    keep_records(service)
    sue = await service.new_agent("sue", "supervisor")
    link = "/api/customers/links/tg-jane"
    for body in (
        {},
        {"customer_key": "jane"},
        {"customer_key": "fax:123"},
        {"customer_key": "manual:"},
        {"customer_key": "manual:" + "x" * 201},
        {"customer_key": "phone:12"},
        {"customer_key": 5},
    ):
        response = await service.as_(sue, "PUT", link, json=body)
        assert response.status_code == 400, body
        assert response.json()["detail"].startswith("customer_key must")
    response = await service.as_(sue, "PUT", "/api/customers/links/" + "x" * 256, json={})
    assert response.status_code == 400

    assert (await service.as_(sue, "GET", "/api/handoffs/999/history")).status_code == 404
    assert (await service.as_(sue, "GET", f"/api/handoffs/{2**70}/history")).status_code == 404
    unknown = await service.as_(
        sue, "PUT", "/api/customers/links/nobody", json={"customer_key": "manual:x"}
    )
    assert unknown.status_code == 404
    # Not linked: nothing to unlink.
    assert (await service.as_(sue, "DELETE", link)).status_code == 404
    assert (await service.as_(sue, "DELETE", "/api/customers/links/a%00b")).status_code == 400


async def test_conversation_ids_may_be_percent_encoded(service: Service) -> None:
    await sms_handoff(service, keep_records(service))
    sue = await service.new_agent("sue", "supervisor")
    encoded = "/api/customers/links/%2B14155550101"
    response = await service.as_(sue, "PUT", encoded, json={"customer_key": "manual:jane"})
    assert response.status_code == 200, response.text
    assert response.json()["conversation_id"] == PHONE
    response = await service.as_(sue, "DELETE", encoded)
    assert response.status_code == 200 and response.json()["customer_key"] == "manual:jane"

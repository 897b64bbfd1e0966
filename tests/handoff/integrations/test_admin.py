"""handoff.integrations.admin: operators see the queues and send dead letters again."""

from __future__ import annotations

import pytest

from handoff.integrations.settings import IntegrationSettings
from tests.fakes.server import Reply
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.handoff.integrations.conftest import (
    StartService,
    arrived,
    create_handoff,
    eventually,
    queued,
)

LIST = "/api/integrations/deliveries"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_only_the_admin_sees_the_queues(
    start_service: StartService, webhook_settings: IntegrationSettings
) -> None:
    service = await start_service(webhook_settings)
    token = await service.new_agent("bob", "supervisor")
    assert (await service.client.get(LIST)).status_code == 401
    assert (await service.as_(token, "GET", LIST)).status_code == 403
    retry = f"{LIST}/webhook/1/retry"
    assert (await service.as_(token, "POST", retry)).status_code == 403
    assert (await service.admin("GET", LIST)).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"status": "delivered"}, "status must be one of pending, dead"),
        ({"adapter": "zendesk"}, "adapter must be one of webhook"),
        ({"limit": "0"}, "limit must be an integer from 1 to 500"),
        # isdigit() says yes to these, int() then no (a 500 before).
        ({"limit": "²"}, "limit must be an integer from 1 to 500"),
        ({"limit": "9" * 30}, "limit must be an integer from 1 to 500"),
    ],
)
async def test_bad_parameters_are_400(
    start_service: StartService,
    webhook_settings: IntegrationSettings,
    params: dict[str, str],
    detail: str,
) -> None:
    service = await start_service(webhook_settings)
    response = await service.admin("GET", LIST, params=params)
    assert response.status_code == 400
    assert response.json()["detail"] == detail


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_retrying_an_event_id_past_64_bits_is_404(
    start_service: StartService, webhook_settings: IntegrationSettings
) -> None:
    service = await start_service(webhook_settings)
    for event_id in ("99999999999999999999", str(2**63), "-1"):
        response = await service.admin("POST", f"{LIST}/webhook/{event_id}/retry")
        assert response.status_code == 404, (event_id, response.text)


async def test_dead_letters_are_listed_without_text_and_can_be_sent_again(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    receiver.fail_next(Reply(400, {"error": "no"}))
    handoff = await create_handoff(service, "ann")

    async def dead() -> bool:
        return len(await queued(service, status="dead")) == 1

    await eventually(dead, what="a dead letter")
    listing = (await service.admin("GET", LIST, params={"adapter": "webhook"})).json()
    [entry] = listing["deliveries"]
    assert entry["handoff_id"] == handoff["id"]
    assert (entry["status"], entry["type"], entry["last_error"]) == (
        "dead",
        "handoff.created",
        "HTTP 400",
    )
    assert "where is my order" not in str(listing)
    assert listing["read_up_to"] == {"webhook": listing["latest_event_id"]}

    unknown = await service.admin("POST", f"{LIST}/webhook/{entry['event_id'] + 1}/retry")
    assert unknown.status_code == 404
    assert (await service.admin("POST", f"{LIST}/zendesk/1/retry")).status_code == 404
    retried = await service.admin("POST", f"{LIST}/webhook/{entry['event_id']}/retry")
    assert retried.json() == {
        "adapter": "webhook",
        "event_id": entry["event_id"],
        "status": "pending",
    }
    [event] = await arrived(receiver, 1)
    assert event["id"] == entry["event_id"]

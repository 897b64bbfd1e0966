"""handoff.integrations.install: adapters by configuration; none keeps the built-in desk."""

from __future__ import annotations

import pytest

from handoff.integrations.settings import IntegrationSettings
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.zendesk import FakeZendesk
from tests.handoff.conftest import FakeDelivery
from tests.handoff.integrations.conftest import (
    StartService,
    arrived,
    create_handoff,
    eventually,
    with_settings,
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_adapters_nothing_is_added_and_the_desk_works(
    start_service: StartService, delivery: FakeDelivery
) -> None:
    service = await start_service(IntegrationSettings())
    for path in ("/api/integrations/webhook", "/api/integrations/zendesk"):
        assert (await service.client.post(path, content=b"{}")).status_code == 404
    assert (await service.admin("GET", "/api/integrations/deliveries")).status_code == 404
    handoff = await create_handoff(service, "ann")
    token = await service.new_agent("bob")
    await service.as_(token, "POST", f"/api/handoffs/{handoff['id']}/claim")
    sent = await service.as_(
        token, "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "hello"}
    )
    assert sent.status_code == 201
    assert delivery.sent == [("telegram", "tg-ann", "hello")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_both_adapters_run_side_by_side(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    zendesk: FakeZendesk,
    webhook_settings: IntegrationSettings,
    zendesk_settings: IntegrationSettings,
) -> None:
    both = with_settings(
        zendesk_settings,
        adapters=("webhook", "zendesk"),
        webhook_url=webhook_settings.webhook_url,
        webhook_secret=webhook_settings.webhook_secret,
    )
    service = await start_service(both)
    await create_handoff(service, "ann")

    [event] = await arrived(receiver, 1)
    assert event["type"] == "handoff.created"

    async def ticket() -> bool:
        return zendesk.ticket_by_external_id("handoff-esc-ann") is not None

    await eventually(ticket, what="the Zendesk ticket")
    for path in ("/api/integrations/webhook", "/api/integrations/zendesk"):
        assert (await service.client.post(path, content=b"{}")).status_code == 401

"""handoff.integrations.redaction: card numbers and the like do not reach contact centers.

End to end through the service with each adapter: a handoff whose transcript
holds a card number, then a customer message with an IBAN; what the fake
receiver and the fake Zendesk got has them replaced, while the desk's own
API still shows what the customer wrote. ``HANDOFF_REDACT=off`` sends them.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from handoff.integrations.redaction import redacted
from handoff.integrations.settings import IntegrationSettings
from handoff.store import JournalEvent
from plumbing.redaction import CARDS, KINDS
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.zendesk import FakeZendesk
from tests.handoff.integrations.conftest import (
    StartService,
    arrived,
    comments,
    create_handoff,
    customer_says,
    handoff_body,
    ticket_of,
    with_settings,
)

CARD = "4111 1111 1111 1111"
IBAN_TEXT = "GB82 WEST 1234 5698 7654 32"
CARD_LINE = f"ann: you charged my card {CARD} twice"


def with_card(name: str) -> dict:
    body = handoff_body(name)
    body["transcript"][0]["text"] = CARD_LINE
    body["summary"]["note"] = f"card {CARD}"
    return body


async def test_the_webhook_sends_transcripts_and_messages_without_card_numbers(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(webhook_settings)
    handoff = await create_handoff(service, "ann", **with_card("ann"))
    await customer_says(service, handoff["id"], f"refund to {IBAN_TEXT}, ssn 123-45-6789")
    events = await arrived(receiver, 2)

    raw = b"".join(request.body for request in receiver.requests)
    assert b"4111 1111" not in raw and b"WEST 1234" not in raw and b"123-45-6789" not in raw
    created = next(e for e in events if e["type"] == "handoff.created")
    transcript = created["data"]["handoff"]["transcript"]
    assert transcript[0]["text"] == "ann: you charged my card [card ending 1111] twice"
    assert created["data"]["handoff"]["summary"]["note"] == "card [card ending 1111]"
    message = next(e for e in events if e["type"] == "message.created")["data"]["message"]
    assert message["text"] == "refund to [IBAN ending 5432], ssn [SSN removed]"

    # Inside, the desk's API still has the customer's words.
    response = await service.admin("GET", f"/api/handoffs/{handoff['id']}")
    assert CARD_LINE in json.dumps(response.json())


async def test_redaction_off_sends_the_text_as_it_is(
    start_service: StartService,
    receiver: FakeWebhookReceiver,
    webhook_settings: IntegrationSettings,
) -> None:
    service = await start_service(with_settings(webhook_settings, redact=()))
    await create_handoff(service, "bo", **with_card("bo"))
    [event] = await arrived(receiver, 1)
    assert event["data"]["handoff"]["transcript"][0]["text"] == CARD_LINE


async def test_zendesk_tickets_and_comments_hold_no_card_numbers(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
) -> None:
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "cy", **with_card("cy"))
    ticket = await ticket_of(service, zendesk, "esc-cy")
    await customer_says(service, handoff["id"], f"cy: it was {CARD}, cvv 123")
    first, second = await comments(zendesk, ticket["id"], 2)

    assert "Customer: ann: you charged my card [card ending 1111] twice" in first["body"]
    assert "note: card [card ending 1111]" in first["body"].splitlines()
    assert second["body"] == "cy: it was [card ending 1111], cvv [CVV removed]"
    raw = b"".join(request.body for request in zendesk.requests)
    assert b"4111 1111" not in raw


@pytest.mark.parametrize(
    "value, expected",
    [("", KINDS), ("off", ()), ("cards", (CARDS,))],
)
def test_handoff_redact_is_read_from_the_environment(
    value: str, expected: tuple[str, ...]
) -> None:
    assert IntegrationSettings.from_env({"HANDOFF_REDACT": value}).redact == expected


def test_an_unknown_kind_stops_the_service_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="HANDOFF_REDACT"):
        IntegrationSettings.from_env({"HANDOFF_REDACT": "cards,passports"})


def test_events_without_text_and_other_fields_are_left_alone() -> None:
    event = JournalEvent(
        7,
        "handoff.assigned",
        3,
        "+15550001111",
        {"handoff": {"id": 3, "customer_id": "4111111111111111", "assigned_to": "bob"}},
        dt.datetime(2026, 12, 3),
    )
    assert redacted(event, KINDS) == event

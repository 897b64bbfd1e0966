"""handoff.integrations.zendesk_inbound: agents' comments and solves coming back from
Zendesk's webhook, signed, parsed, carried out once (against a local fake of Zendesk)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from handoff.integrations.settings import IntegrationSettings
from tests.fakes.zendesk import FakeZendesk
from tests.handoff.conftest import FakeDelivery
from tests.handoff.integrations.conftest import (
    StartService,
    comments,
    create_handoff,
    customer_says,
    from_zendesk,
    ticket_of,
)

INBOUND = "/api/integrations/zendesk"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_private_notes_and_the_customers_own_comments_are_not_sent(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(zendesk_settings)
    handoff = await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    await customer_says(service, handoff["id"], "ann: still waiting")
    await comments(zendesk, ticket["id"], 2)

    note = await from_zendesk(service, zendesk.agent_comment(ticket["id"], "fraud?", public=False))
    own = await from_zendesk(service, zendesk.solve(ticket["id"]).replace(b"Solved", b"Open"))

    assert note.json()["comment"] == {"ignored": "a private note stays in Zendesk"}
    assert own.json()["comment"]["ignored"].startswith("the customer's own message")
    assert "close" not in own.json()
    assert delivery.sent == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_comments_without_an_id_are_still_delivered_once(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
) -> None:
    service = await start_service(zendesk_settings)
    await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    body = zendesk.agent_comment(ticket["id"], "Sorry for the wait.", with_id=False)
    assert (await from_zendesk(service, body)).json()["comment"]["delivered"] is True
    assert (await from_zendesk(service, body)).json()["comment"]["duplicate"] is True
    later = json.loads(body)
    later["comment"]["created_at"] = "2099-01-01T00:00:00Z"  # the same words, sent again later
    again = await from_zendesk(service, json.dumps(later).encode())
    assert again.json()["comment"]["delivered"] is True
    assert [text for _, _, text in delivery.sent] == ["Sorry for the wait."] * 2


def _payload(ticket_id: Any, **extra: Any) -> bytes:
    return json.dumps({"ticket_id": ticket_id, "status": "open", **extra}).encode()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("case", "status", "detail"),
    [
        ("wrong-secret", 401, "does not match"),
        ("stale", 401, "too old"),
        ("unsigned", 401, "are required"),
        ("not-json", 400, "not valid JSON"),
        ("no-ticket", 400, "ticket_id must be a Zendesk id"),
        ("bad-comment", 400, "comment.id must be a Zendesk id"),
        ("unknown-ticket", 404, "ticket 999 is not a handoff's"),
    ],
)
async def test_bad_webhooks_get_clear_errors(
    start_service: StartService,
    zendesk: FakeZendesk,
    zendesk_settings: IntegrationSettings,
    delivery: FakeDelivery,
    case: str,
    status: int,
    detail: str,
) -> None:
    service = await start_service(zendesk_settings)
    await create_handoff(service, "ann")
    ticket = await ticket_of(service, zendesk, "esc-ann")
    comment = {"id": "1", "public": "true", "body": "hi", "author": {"id": "2000", "name": "J"}}
    body = _payload(str(ticket["id"]), comment=comment)
    if case == "wrong-secret":
        response = await from_zendesk(service, body, secret="not-the-signing-secret")
    elif case == "stale":
        old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=6)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        response = await from_zendesk(service, body, timestamp=old)
    elif case == "unsigned":
        response = await service.client.post(INBOUND, content=body)
    elif case == "not-json":
        response = await from_zendesk(service, b"ticket=1")
    elif case == "no-ticket":
        response = await from_zendesk(service, _payload(""))
    elif case == "bad-comment":
        bad = {**comment, "id": "latest"}
        response = await from_zendesk(service, _payload(ticket["id"], comment=bad))
    else:
        response = await from_zendesk(service, _payload(999, comment=comment))
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    assert delivery.sent == []


# -- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (_payload("99999999999999999999"), "ticket_id must be a Zendesk id"),
        (_payload(10**20), "ticket_id must be a Zendesk id"),
        (_payload("²"), "ticket_id must be a Zendesk id"),  # isdigit() yes, int() no
        (_payload("\uff11"), "ticket_id must be a Zendesk id"),  # fullwidth 1
        (
            _payload("1", comment={"id": "9" * 25, "body": "hi"}),
            "comment.id must be a Zendesk id",
        ),
        (
            _payload("1", comment={"body": "hi", "author": {"id": "²"}}),
            "comment.author.id must be a Zendesk id",
        ),
    ],
    ids=[
        "deep",
        "id-past-64-bits",
        "id-number-past-64-bits",
        "superscript",
        "fullwidth",
        "comment-id",
        "author-id",
    ],
)
async def test_hostile_signed_bodies_are_400(
    start_service: StartService,
    zendesk_settings: IntegrationSettings,
    body: bytes,
    detail: str,
) -> None:
    service = await start_service(zendesk_settings)
    response = await from_zendesk(service, body)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_hostile_signature_headers_are_401(
    start_service: StartService, zendesk_settings: IntegrationSettings
) -> None:
    service = await start_service(zendesk_settings)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    for timestamp, signature in [
        (b"0001-01-01T00:00:00+14:00", b"x"),  # year 1: overflows as a time
        (now, b"\xff\xfe"),  # non-ASCII bytes
    ]:
        answer = await service.raw(
            b"POST /api/integrations/zendesk HTTP/1.1\r\nHost: x\r\n"
            b"X-Zendesk-Webhook-Signature-Timestamp: " + timestamp + b"\r\n"
            b"X-Zendesk-Webhook-Signature: " + signature + b"\r\nContent-Length: 2\r\n\r\n{}"
        )
        assert answer.startswith(b"HTTP/1.1 401 "), answer

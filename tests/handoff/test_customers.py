"""handoff.customers on SQLite and PostgreSQL: automatic and manual links, and the history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from handoff.customers import CustomerLinks, automatic_key, customer_key
from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.insights.record import QUIET_S
from handoff.store import HandoffStore
from plumbing.clock import to_naive_utc
from tests.handoff.insights.conftest import START, Chat, at

PHONE = "+14155550101"


@pytest.fixture
def links(store: HandoffStore) -> CustomerLinks:
    # As the service does once it has started (handoff.routes.customers).
    linker = CustomerLinks(store.engine)
    store.listen_to_journal(linker.on_journal)
    return linker


async def new_handoff(
    store: HandoffStore, conversation_id: str, channel: str, **fields: Any
) -> int:
    handoff, created = await store.create_handoff(
        escalation_id=f"esc-{conversation_id}",
        conversation_id=conversation_id,
        channel=channel,
        customer_id=conversation_id,
        priority=3,
        **fields,
    )
    assert created
    return handoff.id


def test_keys_are_checked_and_normalised() -> None:
    assert customer_key("email:Jane@Example.com") == "email:jane@example.com"
    assert customer_key("manual:Jane D. (VIP)") == "manual:Jane D. (VIP)"
    assert customer_key(f"phone:{PHONE}") == f"phone:{PHONE}"
    for bad in ("jane", "fax:1", "phone:0415", "email:jane", "manual:", "manual:a\nb",
                "manual:" + "x" * 201, 5, None):  # fmt: skip
        with pytest.raises(ValueError):
            customer_key(bad)


def test_only_verified_identities_link() -> None:
    assert automatic_key("sms", PHONE, {}) == (f"phone:{PHONE}", "phone")
    assert automatic_key("twilio", PHONE, {}) == (f"phone:{PHONE}", "phone")
    # A typed address, or a Telegram id, says nothing verified about who it is.
    assert automatic_key("telegram", "12345", {"email": "jane@example.com"}) is None
    assert automatic_key("sms", "not-a-number", {}) is None
    assert automatic_key("telegram", "1", {"verified_email": "Jane@Example.com"}) == (
        "email:jane@example.com",
        "email",
    )
    # The backend's identity wins over the phone number.
    assert automatic_key("sms", PHONE, {"backend_id": 1001}) == ("backend:1001", "backend")


async def test_an_sms_handoff_is_linked_by_its_phone_number(
    store: HandoffStore, links: CustomerLinks
) -> None:
    await new_handoff(store, PHONE, "sms")
    link = links.link_of(PHONE)
    assert link is not None
    assert (link.customer_key, link.source, link.linked_by) == (f"phone:{PHONE}", "phone", None)
    # Idempotent: linking again changes nothing.
    assert links.link_automatically(PHONE, "sms", {}) == link


async def test_a_typed_email_links_nothing(store: HandoffStore, links: CustomerLinks) -> None:
    await new_handoff(
        store, "tg-1", "telegram",
        customer={"email": "jane@example.com"}, summary={"email": "jane@example.com"},
    )  # fmt: skip
    assert links.link_of("tg-1") is None


async def test_a_backend_identity_links_across_channels(
    store: HandoffStore, links: CustomerLinks
) -> None:
    await new_handoff(store, "tg-2", "telegram", customer={"backend_id": "C-1001"})
    await new_handoff(store, "psid-2", "messenger", customer={"backend_id": "C-1001"})
    assert {links.link_of(c).customer_key for c in ("tg-2", "psid-2")} == {  # type: ignore[union-attr]
        "backend:C-1001"
    }


async def test_a_manual_link_is_never_overwritten(
    store: HandoffStore, links: CustomerLinks
) -> None:
    links.link(PHONE, "manual:jane", "sue")
    await new_handoff(store, PHONE, "sms")
    link = links.link_of(PHONE)
    assert link is not None
    assert (link.customer_key, link.source, link.linked_by) == ("manual:jane", "manual", "sue")


async def test_unlink(store: HandoffStore, links: CustomerLinks) -> None:
    await new_handoff(store, PHONE, "sms")
    removed = links.unlink(PHONE)
    assert removed is not None and removed.customer_key == f"phone:{PHONE}"
    assert links.link_of(PHONE) is None
    assert links.unlink(PHONE) is None


async def test_the_history_spans_the_customer_s_conversations(
    store: HandoffStore, links: CustomerLinks
) -> None:
    # Jane wrote on Telegram a day ago (resolved), now on SMS, and is handed off.
    telegram = Chat("telegram").session()
    telegram.user("where is my order A1234", "order_status", order_id="A1234")
    telegram.respond("utter_order_status")
    sms = Chat("sms", start=START + 86_400).session()
    sms.user("I want a person", "request_human").action("action_handoff").simple("pause")
    sms.action("action_listen")
    stranger = Chat("telegram", start=START + 100).session()
    stranger.user("hello", "greet").respond("utter_greet")
    keeper = RecordKeeper(store.engine)
    events = [StreamEvent("tg-jane", e) for e in telegram.events]
    events += [StreamEvent(PHONE, e) for e in sms.events]
    events += [StreamEvent("tg-other", e) for e in stranger.events]
    keeper.add(events, as_of=at(sms.now))
    keeper.settle(as_of=at(sms.now) + timedelta(seconds=QUIET_S))

    await new_handoff(store, PHONE, "sms")
    links.link("tg-jane", f"phone:{PHONE}", "sue")
    history = links.history(PHONE, to_naive_utc(at(sms.now)))

    assert history.link is not None and history.link.customer_key == f"phone:{PHONE}"
    data = history.to_json()
    # The SMS session is the handoff's own: left out.
    assert [(c["conversation_id"], c["channel"], c["outcome"]) for c in data["conversations"]] == [
        ("tg-jane", "telegram", "resolved")
    ]
    assert data["conversations"][0]["contact_reasons"] == ["order_status"]

    # Unlinked, the customer has no other conversation.
    links.unlink("tg-jane")
    assert links.history(PHONE, to_naive_utc(at(sms.now))).records == []

"""handoff.pickup: a handoff nobody claims in time tells its customer once, and stays queued."""

from __future__ import annotations

import datetime as dt

from handoff.pickup import PickupWatcher, notice
from handoff.settings import BusinessHours, HandoffSettings
from handoff.store import HandoffStore
from tests.handoff.conftest import FakeDelivery

T0 = dt.datetime(2026, 12, 2, 10, 0, 0)  # a Wednesday, 10:00 UTC


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def watcher(
    store: HandoffStore,
    delivery: FakeDelivery,
    clock: Clock,
    hours: str = "",
) -> PickupWatcher:
    settings = HandoffSettings(
        pickup_timeout_s=300, business_hours=BusinessHours.parse(hours, "UTC")
    )
    return PickupWatcher(store, settings, delivery, clock=clock)


async def journaled(store: HandoffStore, after: int = 0) -> list[tuple[str, dict[str, object]]]:
    """What the watcher's changes journaled (after the handoffs' own creation)."""
    return [
        (e.type, e.payload) for e in await store.events_after(after) if e.type != "handoff.created"
    ]


async def waiting(store: HandoffStore, name: str, created: dt.datetime, priority: int = 3) -> int:
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{name}",
        conversation_id=f"conv-{name}",
        channel="sms",
        customer_id=f"+1555000{len(name):04d}",
        priority=priority,
        now=created,
    )
    return handoff.id


async def test_an_overdue_customer_is_told_once_and_stays_queued(store: HandoffStore) -> None:
    delivery, clock = FakeDelivery(), Clock(T0)
    ann = await waiting(store, "ann", T0)
    bob = await waiting(store, "bob", T0 + dt.timedelta(seconds=100), priority=1)
    pickup = watcher(store, delivery, clock)

    clock.now = T0 + dt.timedelta(seconds=299)
    assert await pickup.check_once() == []
    clock.now = T0 + dt.timedelta(seconds=301)
    assert await pickup.check_once() == [ann]
    clock.now = T0 + dt.timedelta(seconds=900)
    assert await pickup.check_once() == [bob]  # ann is not told twice
    assert await pickup.check_once() == []

    (channel, recipient, text), _ = delivery.sent
    assert (channel, recipient) == ("sms", "+15550000003")
    # bob (priority 1) is ahead of ann by now: her place is the second.
    assert "still in the queue (you're number 2)" in text
    assert "call" in text
    handoff = await store.get(ann)
    assert handoff is not None and handoff.status == "waiting"
    assert [(m.role, m.text) for m in handoff.transcript or []] == [("bot", text)]
    # The alert is journaled with pickup_notified_at, before the notice is sent.
    journal = await journaled(store)
    kinds = [kind for kind, _ in journal]
    assert kinds == ["handoff.overdue", "message.created", "handoff.overdue", "message.created"]
    assert journal[0][1] == {"handoff_id": ann, "waited_s": 301, "queue_position": 2}
    assert journal[2][1] == {"handoff_id": bob, "waited_s": 800, "queue_position": 1}


async def test_claimed_handoffs_are_left_alone(store: HandoffStore) -> None:
    delivery, clock = FakeDelivery(), Clock(T0 + dt.timedelta(hours=1))
    ann = await waiting(store, "ann", T0)
    await store.claim(ann, "sam")
    assert await watcher(store, delivery, clock).check_once() == []
    assert delivery.sent == []
    assert [kind for kind, _ in await journaled(store)] == ["handoff.assigned"]


async def test_outside_business_hours_nobody_is_told(store: HandoffStore) -> None:
    delivery = FakeDelivery()
    ann = await waiting(store, "ann", T0 - dt.timedelta(hours=14))  # Tuesday 20:00
    clock = Clock(T0 - dt.timedelta(hours=12))  # 22:00: closed
    pickup = watcher(store, delivery, clock, "Mon-Fri 09:00-18:00")
    assert await pickup.check_once() == []
    clock.now = T0.replace(hour=9, minute=2)  # open, but agents only arrived 2 minutes ago
    assert await pickup.check_once() == []
    clock.now = T0.replace(hour=9, minute=6)
    assert await pickup.check_once() == [ann]


async def test_a_failed_notice_still_alerts_and_is_not_resent(store: HandoffStore) -> None:
    delivery, clock = FakeDelivery(failing=True), Clock(T0 + dt.timedelta(hours=1))
    ann = await waiting(store, "ann", T0)
    pickup = watcher(store, delivery, clock)
    assert await pickup.check_once() == [ann]
    assert await pickup.check_once() == []
    assert [kind for kind, _ in await journaled(store)] == ["handoff.overdue"]
    handoff = await store.get(ann)
    assert handoff is not None and handoff.transcript == []


def test_the_notice_is_in_the_customer_s_language() -> None:
    assert notice(3, "es").startswith("Gracias por esperar.")
    assert "(eres el número 3)" in notice(3, "es-MX")
    assert notice(None, "fr") == notice(None)
    assert "(you're number 2)" in notice(2, "en")

"""handoff.routing.router: a pass offers waiting handoffs in queue order, moves on after
a timeout, and tells a customer nobody with their skills is there, once, in their language."""

from __future__ import annotations

import datetime as dt

from handoff.routing import Router
from handoff.routing.notices import NOBODY_WITH_SKILL
from handoff.settings import BusinessHours, HandoffSettings
from handoff.store import HANDOFF_AWAITING_SKILL, HandoffStore
from tests.handoff.conftest import FakeDelivery

T0 = dt.datetime(2026, 12, 2, 10, 0, 0)  # a Wednesday, 10:00 UTC


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def router(store: HandoffStore, delivery: FakeDelivery, clock: Clock, hours: str = "") -> Router:
    settings = HandoffSettings(
        auto_assign=True,
        offer_timeout_s=60,
        business_hours=BusinessHours.parse(hours, "UTC"),
    )
    return Router(store, settings, delivery, clock=clock)


async def waiting(
    store: HandoffStore,
    name: str,
    seconds: float = 0,
    *,
    priority: int = 3,
    language: str = "en",
    skills: tuple[str, ...] = (),
) -> int:
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{name}",
        conversation_id=f"conv-{name}",
        channel="sms",
        customer_id=f"+1555{name}",
        priority=priority,
        language=language,
        skills=skills,
        now=T0 + dt.timedelta(seconds=seconds),
    )
    return handoff.id


async def agent(
    store: HandoffStore,
    name: str,
    *,
    languages: tuple[str, ...] = ("en",),
    topics: tuple[str, ...] = (),
    capacity: int = 3,
    state: str = "available",
) -> None:
    await store.create_agent(name, "agent")
    await store.set_agent_routing(name, languages, topics, capacity)
    await store.set_agent_state(name, state, T0)


async def test_the_queue_is_offered_in_order_within_capacity(store: HandoffStore) -> None:
    clock, delivery = Clock(T0 + dt.timedelta(seconds=10)), FakeDelivery()
    await agent(store, "ann", capacity=2)
    late = await waiting(store, "late", 5)
    urgent = await waiting(store, "urgent", 8, priority=1)
    early = await waiting(store, "early", 1)

    done = await router(store, delivery, clock).route_once()

    assert done.offered == {urgent: "ann", early: "ann"}
    assert late not in done.offered and delivery.sent == []  # busy, not missing a skill


async def test_an_unanswered_offer_moves_on_and_never_comes_back(store: HandoffStore) -> None:
    clock, delivery = Clock(T0 + dt.timedelta(seconds=10)), FakeDelivery()
    await agent(store, "ann")
    await agent(store, "bob")
    handoff = await waiting(store, "x")
    routing = router(store, delivery, clock)

    first = (await routing.route_once()).offered[handoff]
    clock.advance(59)
    assert (await routing.route_once()).offered == {}
    clock.advance(1)
    done = await routing.route_once()
    assert done.expired == [handoff]
    second = done.offered[handoff]
    assert {first, second} == {"ann", "bob"}

    clock.advance(60)
    done = await routing.route_once()
    assert done.expired == [handoff] and done.offered == {}
    # Both were there: nobody is missing, so the customer is not told so.
    assert done.notified == [] and delivery.sent == []


async def test_nobody_with_the_skill_the_customer_is_told_once_in_their_language(
    store: HandoffStore,
) -> None:
    clock, delivery = Clock(T0 + dt.timedelta(seconds=10)), FakeDelivery()
    await agent(store, "ann")
    await agent(store, "eva", languages=("es",), state="offline")
    spanish = await waiting(store, "es", language="es-mx")
    fraud = await waiting(store, "fraud", 1, skills=("fraud",))
    routing = router(store, delivery, clock)

    done = await routing.route_once()
    assert done.offered == {} and sorted(done.notified) == sorted([spanish, fraud])
    assert sorted(delivery.sent) == sorted(
        [
            ("sms", "+1555es", NOBODY_WITH_SKILL["es"]),
            ("sms", "+1555fraud", NOBODY_WITH_SKILL["en"]),
        ]
    )
    handoff = await store.get(spanish)
    assert handoff is not None and handoff.transcript is not None
    assert [m.text for m in handoff.transcript] == [NOBODY_WITH_SKILL["es"]]
    alerts = [e for e in await store.events_after(0) if e.type == HANDOFF_AWAITING_SKILL]
    assert {(e.handoff_id, e.payload["language"]) for e in alerts} == {
        (spanish, "es-mx"),
        (fraud, "en"),
    }

    # Once only; then someone with the skill comes online and gets the queue.
    assert (await routing.route_once()).notified == []
    await store.set_agent_state("eva", "available", clock.now)
    assert (await routing.route_once()).offered == {spanish: "eva"}
    assert len(delivery.sent) == 2


async def test_outside_business_hours_nobody_is_told(store: HandoffStore) -> None:
    clock, delivery = Clock(T0), FakeDelivery()
    await waiting(store, "x", language="es")
    done = await router(store, delivery, clock, hours="Mon-Fri 12:00-18:00").route_once()
    assert done.notified == [] and delivery.sent == []


async def test_a_failed_notice_is_not_retried(store: HandoffStore) -> None:
    clock, delivery = Clock(T0), FakeDelivery(failing=True)
    handoff = await waiting(store, "x", language="es")
    routing = router(store, delivery, clock)
    assert (await routing.route_once()).notified == [handoff]
    delivery.failing = False
    assert (await routing.route_once()).notified == [] and delivery.sent == []


async def test_offers_held_by_an_agent_who_left_are_withdrawn(store: HandoffStore) -> None:
    clock, delivery = Clock(T0), FakeDelivery()
    await agent(store, "ann")
    handoff = await waiting(store, "x")
    routing = router(store, delivery, clock)
    assert (await routing.route_once()).offered == {handoff: "ann"}
    # Disabled behind the store's back (an operator): the next pass takes the offer back.
    with store.engine.begin() as db:
        db.exec_driver_sql("UPDATE agents SET disabled = true WHERE name = 'ann'")
    assert (await routing.route_once()).withdrawn == [handoff]

"""handoff.store.routing on SQLite and PostgreSQL: profiles, matching, ordering, offers,
their answers and timeouts, capacity, and capacity under concurrent escalations."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence

import pytest

from handoff.store import (
    DECLINED,
    EXPIRED,
    HANDOFF_ASSIGNED,
    HANDOFF_OFFER_ENDED,
    HANDOFF_OFFERED,
    WITHDRAWN,
    Handoff,
    HandoffConflict,
    HandoffStore,
    JournalEvent,
    UnknownAgent,
    ranked,
)
from tests.handoff.store.conftest import at, new_handoff

TIMEOUT_S = 60.0


async def agent(
    store: HandoffStore,
    name: str,
    *,
    languages: Sequence[str] = ("en",),
    topics: Sequence[str] = (),
    capacity: int = 3,
    state: str = "available",
    since: float = 0,
) -> None:
    await store.create_agent(name, "agent")
    await store.set_agent_routing(name, languages, topics, capacity)
    await store.set_agent_state(name, state, at(since))


async def journal(store: HandoffStore) -> list[JournalEvent]:
    return await store.events_after(0, limit=100_000)


async def test_a_new_agent_is_offline_speaks_english_and_takes_three(
    store: HandoffStore,
) -> None:
    await store.create_agent("ann", "agent")
    [profile] = await store.agent_profiles()
    assert (profile.state, profile.languages, profile.topics) == ("offline", ("en",), ())
    assert (profile.capacity, profile.load, profile.idle_since) == (3, 0, None)

    await store.set_agent_state("ann", "available", at(5))
    profile = await store.agent_profile("ann")
    assert (profile.state, profile.state_since, profile.idle_since) == ("available", at(5), at(5))
    with pytest.raises(ValueError):
        await store.set_agent_state("ann", "asleep")
    with pytest.raises(UnknownAgent):
        await store.set_agent_state("nobody", "away")
    with pytest.raises(UnknownAgent):
        await store.set_agent_routing("nobody", ["en"], [], 2)


async def test_a_handoff_keeps_its_language_and_skills(store: HandoffStore) -> None:
    handoff = await new_handoff(store, "x", language="es", skills=["returns"])
    assert (handoff.language, handoff.skills, handoff.passed_over) == ("es", ["returns"], [])
    assert handoff.to_json()["language"] == "es"
    plain = await new_handoff(store, "y")
    assert (plain.language, plain.skills) == ("en", [])


async def test_the_language_and_every_topic_are_needed(store: HandoffStore) -> None:
    await agent(store, "en_returns", topics=["returns"])
    await agent(store, "es_only", languages=["es"])
    await agent(store, "es_payments", languages=["en", "es"], topics=["payments"])
    await agent(store, "es_returns", languages=["es"], topics=["returns", "fraud"])
    handoff = await new_handoff(store, "x", language="es", skills=["returns"])

    assert await store.offer(handoff.id, TIMEOUT_S, at(10)) == "es_returns"
    both = await new_handoff(store, "y", language="es", skills=["returns", "payments"])
    assert await store.offer(both.id, TIMEOUT_S, at(10)) is None  # nobody has both


async def test_the_most_spare_capacity_first_then_the_longest_idle(store: HandoffStore) -> None:
    await agent(store, "ann", since=0)
    await agent(store, "bob", since=5)
    await agent(store, "cat", capacity=4, since=9)
    handoffs = [await new_handoff(store, f"h{i}", created=i) for i in range(4)]

    # cat has 4 spare; then ann and bob have 3 each, and ann has been idle longer.
    offered = [await store.offer(h.id, TIMEOUT_S, at(20 + i)) for i, h in enumerate(handoffs)]
    assert offered == ["cat", "ann", "bob", "cat"]

    profiles = {p.name: p for p in await store.agent_profiles()}
    assert {name: p.load for name, p in profiles.items()} == {"ann": 1, "bob": 1, "cat": 2}
    assert profiles["cat"].idle_since == at(23)
    fifth = await new_handoff(store, "h4", created=4)
    assert [p.name for p in ranked(list(profiles.values()), fifth)] == ["ann", "bob", "cat"]


async def test_an_accepted_offer_is_an_assignment(store: HandoffStore) -> None:
    await agent(store, "ann")
    handoff = await new_handoff(store, "x")
    assert await store.offer(handoff.id, TIMEOUT_S, at(10)) == "ann"
    offered = await store.get(handoff.id)
    assert offered is not None
    assert (offered.status, offered.offered_to, offered.offer_expires_at) == (
        "waiting",
        "ann",
        at(70),
    )
    assert await store.offer(handoff.id, TIMEOUT_S, at(11)) is None  # one offer at a time
    with pytest.raises(HandoffConflict, match="not offered to you"):
        await store.accept_offer(handoff.id, "bob", at(12))

    accepted = await store.accept_offer(handoff.id, "ann", at(12))
    assert (accepted.status, accepted.assigned_to, accepted.offered_to) == ("assigned", "ann", None)
    types = [e.type for e in await journal(store)]
    assert types[-2:] == [HANDOFF_OFFERED, HANDOFF_ASSIGNED]
    assert (await store.agent_profile("ann")).load == 1


async def test_an_expired_offer_cannot_be_accepted(store: HandoffStore) -> None:
    await agent(store, "ann")
    handoff = await new_handoff(store, "x")
    await store.offer(handoff.id, TIMEOUT_S, at(10))
    with pytest.raises(HandoffConflict, match="expired"):
        await store.accept_offer(handoff.id, "ann", at(70))


async def test_declined_or_unanswered_it_goes_to_the_next_never_back(store: HandoffStore) -> None:
    await agent(store, "ann", since=0)
    await agent(store, "bob", since=1)
    handoff = await new_handoff(store, "x")

    assert await store.offer(handoff.id, TIMEOUT_S, at(10)) == "ann"
    declined = await store.decline_offer(handoff.id, "ann")
    assert (declined.offered_to, declined.passed_over) == (None, ["ann"])
    assert await store.offer(handoff.id, TIMEOUT_S, at(11)) == "bob"

    assert await store.expire_offers(at(70)) == []  # bob has until 71
    assert await store.expire_offers(at(71)) == [handoff.id]
    after = await store.get(handoff.id)
    assert after is not None and after.passed_over == ["ann", "bob"]
    assert await store.offer(handoff.id, TIMEOUT_S, at(72)) is None  # both passed it over
    ended = [e.payload for e in await journal(store) if e.type == HANDOFF_OFFER_ENDED]
    assert [(p["agent"], p["outcome"]) for p in ended] == [("ann", DECLINED), ("bob", EXPIRED)]
    with pytest.raises(HandoffConflict):
        await store.decline_offer(handoff.id, "bob")


async def test_only_available_agents_are_offered_and_leaving_withdraws(
    store: HandoffStore,
) -> None:
    await agent(store, "ann", state="away")
    await agent(store, "bob", state="offline")
    handoff = await new_handoff(store, "x")
    assert await store.offer(handoff.id, TIMEOUT_S, at(10)) is None

    await store.set_agent_state("ann", "available", at(11))
    assert await store.offer(handoff.id, TIMEOUT_S, at(12)) == "ann"
    profile = await store.set_agent_state("ann", "away", at(13))
    assert (profile.state, profile.load) == ("away", 0)
    after = await store.get(handoff.id)
    assert after is not None and (after.offered_to, after.passed_over) == (None, [])
    [ended] = [e.payload for e in await journal(store) if e.type == HANDOFF_OFFER_ENDED]
    assert ended["outcome"] == WITHDRAWN
    assert await store.withdraw_stale_offers() == []


async def test_an_offer_counts_against_capacity(store: HandoffStore) -> None:
    await agent(store, "ann", capacity=1)
    first, second = await new_handoff(store, "a"), await new_handoff(store, "b", created=1)
    assert await store.offer(first.id, TIMEOUT_S, at(10)) == "ann"
    assert await store.offer(second.id, TIMEOUT_S, at(10)) is None
    await store.accept_offer(first.id, "ann", at(11))
    assert await store.offer(second.id, TIMEOUT_S, at(12)) is None
    await store.close(first.id, "ann", "done", now=at(13))
    assert (await store.agent_profile("ann")).idle_since == at(13)
    assert await store.offer(second.id, TIMEOUT_S, at(14)) == "ann"


async def test_a_claim_within_capacity(store: HandoffStore) -> None:
    await agent(store, "ann", capacity=1)
    first, second = await new_handoff(store, "a"), await new_handoff(store, "b", created=1)
    await store.claim(first.id, "ann", within_capacity=True)
    with pytest.raises(HandoffConflict, match="capacity"):
        await store.claim(second.id, "ann", within_capacity=True)
    # Routing off, claims were never limited, and are not.
    claimed = await store.claim(second.id, "ann")
    assert claimed.assigned_to == "ann"


async def test_claiming_a_handoff_offered_to_you_or_to_another(store: HandoffStore) -> None:
    await agent(store, "ann", capacity=1)
    await agent(store, "bob", capacity=1, since=5)
    first, second = await new_handoff(store, "a"), await new_handoff(store, "b", created=1)
    assert await store.offer(first.id, TIMEOUT_S, at(10)) == "ann"
    # Already counted: claiming it is accepting it.
    await store.claim(first.id, "ann", within_capacity=True)
    assert await store.offer(second.id, TIMEOUT_S, at(11)) == "bob"
    # A supervisor's claim of bob's offer ends it: bob's load is free again.
    await store.claim(second.id, "sue")
    assert (await store.agent_profile("bob")).load == 0


# -- concurrency ---------------------------------------------------------------------------

AGENTS = 5
CAPACITY = 3
ESCALATIONS = 50
# Long enough that no offer expires while the test runs (expiry has its own test).
LONG_OFFER_S = 3600.0


def replayed_peak_loads(events: Sequence[JournalEvent]) -> Counter[str]:
    """Each agent's highest load, replaying the journal in id order.

    Sound on PostgreSQL too, though ids are handed out before commit: a change
    that added load counted it after the change that freed it had committed,
    so it journaled with a higher id (rows.lock_agent).
    """
    offered: dict[int, str] = {}
    held: dict[int, str] = {}
    peak: Counter[str] = Counter()
    for event in events:
        handoff = event.payload.get("handoff") or {}
        if event.type == HANDOFF_OFFERED:
            offered[event.handoff_id] = handoff["offered_to"]
        elif event.type == HANDOFF_OFFER_ENDED:
            offered.pop(event.handoff_id, None)
        elif event.type == HANDOFF_ASSIGNED:
            offered.pop(event.handoff_id, None)
            held[event.handoff_id] = handoff["assigned_to"]
        elif event.type == "handoff.closed":
            held.pop(event.handoff_id, None)
        loads = Counter(offered.values()) + Counter(held.values())
        for name, load in loads.items():
            peak[name] = max(peak[name], load)
    return peak


async def test_many_escalations_at_once_nobody_past_capacity(
    database_url: str, store: HandoffStore
) -> None:
    """50 escalations at once, 5 agents of capacity 3, three service processes (three
    engines) offering, agents accepting, declining and closing as they come: nobody is
    ever past capacity, each handoff is offered once at a time and assigned once."""
    stores = [store, HandoffStore(database_url), HandoffStore(database_url)]
    rng = random.Random(15)
    names = [f"agent{i}" for i in range(AGENTS)]
    peaks: list[int] = []
    try:
        for i, name in enumerate(names):
            await agent(store, name, capacity=CAPACITY, since=i)

        async def escalate(i: int) -> Handoff:
            via = stores[i % len(stores)]
            handoff, _ = await via.create_handoff(
                escalation_id=f"esc-{i}",
                conversation_id=f"conv-{i}",
                channel="sms",
                customer_id=f"+1555000{i:04d}",
                reasons=["explicit_request"],
                priority=rng.choice([1, 2, 3]),
                now=at(i / 10),
            )
            # Every process tries to offer it at once, as their routers would.
            await asyncio.gather(*(s.offer(handoff.id, LONG_OFFER_S, at(10)) for s in stores))
            return handoff

        sampling = True

        async def sample() -> None:
            # The committed loads, again and again while everything runs.
            while sampling:
                peaks.append(max(p.load for p in await store.agent_profiles()))
                await asyncio.sleep(0)

        sampler = asyncio.create_task(sample())
        handoffs = await asyncio.gather(*(escalate(i) for i in range(ESCALATIONS)))
        first_round = {p.name: p.load for p in await store.agent_profiles()}
        assert first_round == dict.fromkeys(names, CAPACITY)

        # Then agents answer and close, while the routers keep offering.
        for round_ in range(40):
            waiting = {h.id: h for h in await store.list("waiting", limit=500)}
            if not waiting and not await store.list("assigned", limit=500):
                break

            async def answer(handoff: Handoff, now: dt.datetime) -> None:
                via = rng.choice(stores)
                if handoff.offered_to is None:
                    await via.offer(handoff.id, LONG_OFFER_S, now)
                elif rng.random() < 0.15 and len(handoff.passed_over) < AGENTS - 1:
                    await via.decline_offer(handoff.id, handoff.offered_to)
                else:
                    await via.accept_offer(handoff.id, handoff.offered_to, now)

            async def finish(handoff: Handoff) -> None:
                if rng.random() < 0.5:
                    assert handoff.assigned_to is not None
                    await rng.choice(stores).close(handoff.id, handoff.assigned_to, "done")

            assigned = await store.list("assigned", limit=500)
            await asyncio.gather(
                *(answer(h, at(100 + round_)) for h in waiting.values()),
                *(finish(h) for h in assigned),
                *(store.offer(h.id, LONG_OFFER_S, at(100 + round_)) for h in waiting.values()),
                return_exceptions=False,
            )
        sampling = False
        await sampler
    finally:
        for other in stores[1:]:
            other.dispose()

    events = await journal(store)
    assigned_once = Counter(e.handoff_id for e in events if e.type == HANDOFF_ASSIGNED)
    assert set(assigned_once) == {h.id for h in handoffs}
    assert set(assigned_once.values()) == {1}
    # Never two pending offers of one handoff: offered, then ended or assigned, then again.
    pending: set[int] = set()
    for event in events:
        if event.type == HANDOFF_OFFERED:
            assert event.handoff_id not in pending
            pending.add(event.handoff_id)
        elif event.type in (HANDOFF_OFFER_ENDED, HANDOFF_ASSIGNED):
            pending.discard(event.handoff_id)
    # Nobody past capacity: at any committed instant sampled, nor in the journal's replay.
    assert peaks and max(peaks) <= CAPACITY
    assert max(replayed_peak_loads(events).values()) == CAPACITY
    offers = Counter(
        e.payload["handoff"]["offered_to"] for e in events if e.type == HANDOFF_OFFERED
    )
    print(
        f"\n{database_url.split(':')[0]}: {len(events)} events, {sum(offers.values())} offers "
        f"{dict(offers)}, {len(peaks)} samples, peak load {max(peaks)}"
    )

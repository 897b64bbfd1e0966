"""handoff.routing.queues: waiting handoffs per skill, and who could take them."""

from __future__ import annotations

import datetime as dt

from handoff.routing import skill_queues
from handoff.store import AgentProfile, Handoff

T0 = dt.datetime(2026, 12, 2, 10, 0, 0)


def handoff(id_: int, language: str, skills: list[str], offered_to: str | None = None) -> Handoff:
    return Handoff(
        id=id_,
        escalation_id=f"e{id_}",
        conversation_id=f"c{id_}",
        channel="sms",
        customer_id="x",
        customer={},
        reasons=[],
        priority=3,
        anger=0.0,
        summary={},
        status="waiting",
        assigned_to=None,
        created_at=T0 + dt.timedelta(seconds=id_),
        assigned_at=None,
        closed_at=None,
        resolution=None,
        last_customer_message_at=None,
        language=language,
        skills=skills,
        offered_to=offered_to,
    )


def profile(
    name: str, languages: tuple[str, ...], topics: tuple[str, ...], state: str, load: int = 0
) -> AgentProfile:
    return AgentProfile(name, "agent", languages, topics, 3, state, None, None, load)


def test_each_handoff_is_in_its_languages_and_topics_queues() -> None:
    waiting = [
        handoff(1, "en", ["returns"], offered_to="ann"),
        handoff(2, "es", []),
        handoff(3, "en", ["fraud"]),
    ]
    agents = [
        profile("ann", ("en",), ("returns",), "available", load=1),
        profile("eva", ("es", "en"), (), "away"),
    ]
    found = skill_queues(waiting, agents)
    queues = {(q["kind"], q["skill"]): q for q in found["queues"]}

    assert queues[("language", "en")]["handoff_ids"] == [1, 3]
    assert queues[("language", "en")]["offered"] == 1
    assert queues[("language", "en")]["agents_available"] == 1
    assert queues[("language", "en")]["agents_online"] == 2
    assert queues[("language", "en")]["spare_capacity"] == 2
    assert queues[("language", "es")]["waiting"] == 1
    assert queues[("language", "es")]["agents_available"] == 0
    assert queues[("topic", "fraud")]["agents_online"] == 0
    assert queues[("topic", "returns")]["oldest_created_at"] == "2026-12-02T10:00:01+00:00"
    # Spanish (eva is away) and fraud (nobody) have nobody available.
    assert found["unstaffed"] == 2

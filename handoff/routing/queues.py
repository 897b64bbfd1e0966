"""The queues per skill, as supervisors see them (``GET /api/queues``).

A waiting handoff is in the queue of its language and of each of its topics;
per queue: how many wait (and how many of them have a pending offer), since
when the oldest, and who could take them: the agents with that skill who are
available, online (available or away), and their spare capacity. A handoff
no available agent has *all* the skills for is also counted as unstaffed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from handoff.models import AVAILABLE, OFFLINE
from handoff.store import AgentProfile, Handoff, iso

LANGUAGE = "language"
TOPIC = "topic"


@dataclass
class SkillQueue:
    skill: str
    kind: str
    handoff_ids: list[int] = field(default_factory=list)
    offered: int = 0
    oldest: Any = None
    agents_available: int = 0
    agents_online: int = 0
    spare_capacity: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "kind": self.kind,
            "waiting": len(self.handoff_ids),
            "offered": self.offered,
            "oldest_created_at": iso(self.oldest),
            "handoff_ids": self.handoff_ids,
            "agents_available": self.agents_available,
            "agents_online": self.agents_online,
            "spare_capacity": self.spare_capacity,
        }


def skill_queues(waiting: Sequence[Handoff], profiles: Sequence[AgentProfile]) -> dict[str, Any]:
    """``{"queues": [...], "unstaffed": n}``; ``waiting`` in queue order."""
    queues: dict[tuple[str, str], SkillQueue] = {}

    def queue(kind: str, skill: str) -> SkillQueue:
        return queues.setdefault((kind, skill), SkillQueue(skill, kind))

    # Every skill an agent has gets a queue too, empty or not: supervisors see
    # who covers what.
    for profile in profiles:
        for language in profile.languages:
            queue(LANGUAGE, language)
        for topic in profile.topics:
            queue(TOPIC, topic)
    unstaffed = 0
    for handoff in waiting:
        for key in [(LANGUAGE, handoff.language), *((TOPIC, t) for t in handoff.skills)]:
            q = queue(*key)
            q.handoff_ids.append(handoff.id)
            q.offered += handoff.offered_to is not None
            if q.oldest is None or handoff.created_at < q.oldest:
                q.oldest = handoff.created_at
        if not any(
            p.state == AVAILABLE and p.has_skills(handoff.language, handoff.skills)
            for p in profiles
        ):
            unstaffed += 1
    for (kind, skill), q in queues.items():
        for profile in profiles:
            has = profile.has_skills(skill, []) if kind == LANGUAGE else skill in profile.topics
            if not has:
                continue
            q.agents_online += profile.state != OFFLINE
            if profile.state == AVAILABLE:
                q.agents_available += 1
                q.spare_capacity += profile.spare
    ordered = sorted(queues.values(), key=lambda q: (q.kind != LANGUAGE, q.skill))
    return {"queues": [q.to_json() for q in ordered], "unstaffed": unstaffed}

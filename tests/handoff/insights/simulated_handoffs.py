"""The simulated week's handoffs in the handoff database, with the times people took.

:func:`staff_the_week` records, for every session the simulated week
(tests/handoff/insights/simulated_week.py) handed off, the handoff the
service would hold: created when ``action_handoff`` ran, claimed by an agent
after a seeded wait, answered (after an internal note, which is no answer),
and closed. It returns what each took, the truth the insights' people's
times and handoff reasons are checked against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from handoff.insights.record import ConversationRecord
from handoff.store import HandoffStore

REASONS = ("asked_for_human", "angry", "fraud", "bot_did_not_help")


@dataclass(frozen=True)
class Staffed:
    """One handoff's truth."""

    conversation_id: str
    reason: str
    wait_s: float
    first_reply_s: float
    handle_s: float


async def staff_the_week(
    store: HandoffStore, records: list[ConversationRecord], seed: int = 14
) -> list[Staffed]:
    rng = random.Random(seed)
    token = await store.create_agent("week-agent", "agent")
    agent = await store.agent_for_token(token)
    assert agent is not None
    truths = []
    handed = [r for r in records if r.outcome == "handed_off" and r.handed_off_at is not None]
    for number, record in enumerate(sorted(handed, key=lambda r: r.started_at)):
        assert record.handed_off_at is not None
        created = record.handed_off_at + timedelta(seconds=1)
        wait_s = round(rng.uniform(20, 900), 3)
        truth = Staffed(
            record.conversation_id,
            rng.choice(REASONS),
            wait_s=wait_s,
            first_reply_s=round(wait_s + rng.uniform(5, 90), 3),
            handle_s=round(rng.uniform(120, 1800), 3),
        )
        handoff, _ = await store.create_handoff(
            escalation_id=f"week-{number}",
            conversation_id=record.conversation_id,
            channel=record.channel or "telegram",
            customer_id=record.conversation_id,
            priority=2,
            reasons=[truth.reason],
            now=created,
        )
        claimed = created + timedelta(seconds=truth.wait_s)
        await store.claim(handoff.id, agent.name, now=claimed)
        await store.agent_message(
            handoff.id, agent, "checking the order", internal=True, now=claimed
        )
        replied = created + timedelta(seconds=truth.first_reply_s)
        await store.agent_message(handoff.id, agent, "Hi, I'm on it.", now=replied)
        closed = claimed + timedelta(seconds=truth.handle_s)
        await store.close(handoff.id, agent.name, "sorted", now=closed)
        truths.append(truth)
    return truths

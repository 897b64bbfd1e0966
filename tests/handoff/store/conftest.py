"""Helpers of the store's tests; the ``store`` fixture (SQLite and PostgreSQL) is in
tests/handoff/conftest.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handoff.store import Handoff, HandoffStore, NewMessage

T0 = dt.datetime(2025, 3, 1, 12, 0, 0)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def new_handoff(
    store: HandoffStore,
    name: str,
    *,
    priority: int = 3,
    created: float = 0,
    transcript: list[NewMessage] | None = None,
    **fields: Any,
) -> Handoff:
    handoff, created_now = await store.create_handoff(
        escalation_id=fields.pop("escalation_id", f"esc-{name}"),
        conversation_id=fields.pop("conversation_id", f"conv-{name}"),
        channel="sms",
        customer_id=f"+1555{abs(hash(name)) % 10**7:07d}",
        customer={"name": name},
        reasons=["explicit_request"],
        priority=priority,
        anger=0.2,
        summary={"intents": ["order_status"], "order_number": "A123"},
        transcript=transcript or [],
        now=at(created),
        **fields,
    )
    assert created_now
    return handoff

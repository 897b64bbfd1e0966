"""handoff.stats: the supervisor's numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from handoff.stats import desk_stats
from handoff.store import Handoff, HandoffStore

# 14:30 UTC is 15:30 in Berlin (winter time); "today" there began at 23:00 UTC the day before.
NOW = dt.datetime(2026, 1, 15, 14, 30, 0)


async def handoff(
    store: HandoffStore, key: str, created: dt.datetime, reasons: list[str]
) -> Handoff:
    created_handoff, _ = await store.create_handoff(
        escalation_id=key,
        conversation_id=key,
        channel="sms",
        customer_id=key,
        reasons=reasons,
        priority=3,
        now=created,
    )
    return created_handoff


async def test_the_numbers_a_supervisor_sees(store: HandoffStore) -> None:
    await store.create_agent("sam", "agent")
    await store.create_agent("kim", "agent")
    await store.create_agent("sue", "supervisor")

    def ago(**delta: float) -> dt.datetime:
        return NOW - dt.timedelta(**delta)

    # Waiting now: 1 and 5 minutes.
    await handoff(store, "w1", ago(minutes=1), ["explicit_request"])
    await handoff(store, "w2", ago(minutes=5), ["anger", "explicit_request"])
    # Active: sam holds two, kim one; claimed after 2, 4 and 6 minutes.
    for key, agent, waited in (("a1", "sam", 2), ("a2", "sam", 4), ("a3", "kim", 6)):
        created = ago(minutes=30)
        h = await handoff(store, key, created, ["anger"])
        await store.claim(h.id, agent, now=created + dt.timedelta(minutes=waited))
    # Handled today: kim closed one this morning (claimed after 8 minutes).
    done = await handoff(store, "c1", ago(hours=5), ["fraud"])
    await store.claim(done.id, "kim", now=ago(hours=5) + dt.timedelta(minutes=8))
    await store.close(done.id, "kim", "refunded", now=ago(hours=4))
    # Yesterday, in Berlin (closed 23:30 UTC on the 13th = 00:30 on the 14th there).
    old = await handoff(store, "c0", dt.datetime(2026, 1, 13, 22, 0), ["strong_anger"])
    await store.claim(old.id, "sam", now=dt.datetime(2026, 1, 13, 22, 5))
    await store.close(old.id, "sam", "done", now=dt.datetime(2026, 1, 13, 23, 30))

    stats = await desk_stats(store.engine, NOW, "Europe/Berlin", "week")

    assert (stats.waiting, stats.active) == (2, 3)
    assert stats.average_wait_s == 180.0 and stats.longest_wait_s == 300.0
    assert stats.answered_today == 4  # a1, a2, a3 and c1
    assert stats.average_answer_s == (2 + 4 + 6 + 8) * 60 / 4
    assert stats.handled_today == 1
    assert [(a.name, a.active, a.handled_today) for a in stats.agents] == [
        ("kim", 1, 1),
        ("sam", 2, 0),
        ("sue", 0, 0),
    ]
    data = stats.to_json()
    assert data["reasons"]["totals"] == {
        "anger": 4,
        "explicit_request": 2,
        "fraud": 1,
        "strong_anger": 1,
    }
    buckets = data["reasons"]["buckets"]
    assert [b["start"][:10] for b in buckets] == [f"2026-01-{d:02d}" for d in range(9, 16)]
    assert buckets[0]["start"].endswith("+01:00")  # Berlin's midnight
    # 22:00 UTC on the 13th is 23:00 on the 13th in Berlin.
    assert buckets[4]["counts"] == {"strong_anger": 1}
    assert buckets[6]["counts"] == {"anger": 4, "explicit_request": 2, "fraud": 1}


async def test_hourly_buckets_today(store: HandoffStore) -> None:
    await handoff(store, "h1", dt.datetime(2026, 1, 15, 8, 10), ["anger"])
    await handoff(store, "h2", dt.datetime(2026, 1, 15, 8, 50), ["anger", "fraud"])
    await handoff(store, "h3", dt.datetime(2026, 1, 15, 14, 29), ["explicit_request"])
    await handoff(store, "yesterday", dt.datetime(2026, 1, 14, 22, 59), ["anger"])

    stats = (await desk_stats(store.engine, NOW, "Europe/Berlin", "today")).to_json()

    buckets = stats["reasons"]["buckets"]
    assert stats["reasons"]["bucket"] == "hour"
    # Midnight to 15:00 in Berlin: 16 hours.
    assert [b["start"][11:16] for b in buckets] == [f"{h:02d}:00" for h in range(16)]
    assert buckets[9]["counts"] == {"anger": 2, "fraud": 1}  # 08:xx UTC = 09:xx Berlin
    assert buckets[15]["counts"] == {"explicit_request": 1}
    assert sum(sum(b["counts"].values()) for b in buckets) == 4


async def test_an_empty_service(store: HandoffStore) -> None:
    stats = (await desk_stats(store.engine, NOW, "UTC", "month")).to_json()
    assert stats["waiting"] == stats["active"] == stats["handled_today"] == 0
    assert stats["wait"] == {"average_s": None, "longest_s": None}
    assert len(stats["reasons"]["buckets"]) == 30
    assert stats["reasons"]["totals"] == {} and stats["agents"] == []


async def test_a_supervisor_closing_an_unclaimed_handoff_counts_for_nobody(
    store: HandoffStore,
) -> None:
    await store.create_agent("sue", "supervisor")
    h = await handoff(store, "x", NOW - dt.timedelta(minutes=3), ["anger"])
    await store.close(h.id, "sue", "duplicate", supervisor=True, now=NOW)
    stats = await desk_stats(store.engine, NOW, "UTC")
    assert stats.handled_today == 1
    assert [(a.name, a.handled_today) for a in stats.agents] == [("sue", 0)]


async def test_unknown_period() -> None:
    with pytest.raises(ValueError, match="period must be one of"):
        await desk_stats(None, NOW, "UTC", "year")

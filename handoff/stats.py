"""The numbers a supervisor watches: queue, waits, today's work, reasons, agents' load.

:func:`desk_stats` answers ``GET /api/stats`` (handoff.desk). "Today" is the
calendar day in the service's time zone (``HANDOFF_TIMEZONE``), and reason
buckets are that zone's hours or days, so the chart reads like the wall clock
in the contact center.

- waiting / active: handoffs waiting now, and assigned now;
- wait: how long those waiting now have waited, on average and at most;
- answered today: handoffs first assigned today, and how long they had
  waited (``assigned_at - created_at``; a transfer moves ``assigned_at``, so
  a transferred handoff counts with its transfer time);
- handled today: handoffs closed today (by anyone);
- reasons: escalations per reason, per hour of today or per day of the last
  7 or 30 days (a handoff with two reasons counts once for each);
- agents: each enabled agent's open handoffs and handoffs closed today.

Counts are SQL aggregates; waits and reason buckets are computed here from
the rows they need (one day's or one period's handoffs), which keeps the
queries the same on SQLite and PostgreSQL, whose date arithmetic differs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from handoff.models import ASSIGNED, CLOSED, WAITING, agents, handoffs

PERIODS = {"today": ("hour", 1), "week": ("day", 7), "month": ("day", 30)}
DEFAULT_PERIOD = "week"


@dataclass(frozen=True)
class ReasonBucket:
    start: dt.datetime  # aware, in the service's time zone
    counts: dict[str, int]


@dataclass(frozen=True)
class AgentLoad:
    name: str
    role: str
    active: int
    handled_today: int


@dataclass(frozen=True)
class Stats:
    now: dt.datetime
    timezone: str
    waiting: int
    active: int
    average_wait_s: float | None
    longest_wait_s: float | None
    answered_today: int
    average_answer_s: float | None
    handled_today: int
    period: str
    bucket: str
    reasons: list[ReasonBucket]
    agents: list[AgentLoad]

    def to_json(self) -> dict[str, Any]:
        totals: dict[str, int] = {}
        for bucket in self.reasons:
            for reason, count in bucket.counts.items():
                totals[reason] = totals.get(reason, 0) + count
        return {
            "now": _iso(self.now),
            "timezone": self.timezone,
            "waiting": self.waiting,
            "active": self.active,
            "wait": {"average_s": self.average_wait_s, "longest_s": self.longest_wait_s},
            "answered_today": {
                "count": self.answered_today,
                "average_wait_s": self.average_answer_s,
            },
            "handled_today": self.handled_today,
            "reasons": {
                "period": self.period,
                "bucket": self.bucket,
                "totals": dict(sorted(totals.items(), key=lambda item: (-item[1], item[0]))),
                "buckets": [
                    {"start": bucket.start.isoformat(), "counts": bucket.counts}
                    for bucket in self.reasons
                ],
            },
            "agents": [
                {
                    "name": load.name,
                    "role": load.role,
                    "active": load.active,
                    "handled_today": load.handled_today,
                }
                for load in self.agents
            ],
        }


def _iso(value: dt.datetime) -> str:
    return value.replace(tzinfo=dt.timezone.utc).isoformat()


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _bucket_starts(local_now: dt.datetime, bucket: str, count: int) -> list[dt.datetime]:
    """Local starts of the period's buckets, oldest first, the current one last."""
    zone = local_now.tzinfo
    today = local_now.date()
    if bucket == "hour":
        midnight = dt.datetime.combine(today, dt.time(), tzinfo=zone)
        # Hours are stepped in UTC: a local day can have 23 or 25 of them.
        first, last = _naive_utc(midnight), _naive_utc(local_now)
        starts, step = [], first
        while step <= last:
            starts.append(step.replace(tzinfo=dt.timezone.utc).astimezone(zone))
            step += dt.timedelta(hours=1)
        return starts
    return [
        dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(), tzinfo=zone)
        for days_ago in range(count - 1, -1, -1)
    ]


def _floor(local: dt.datetime, bucket: str) -> dt.datetime:
    if bucket == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=local.tzinfo)


async def desk_stats(
    engine: Engine, now: dt.datetime, timezone: str, period: str = DEFAULT_PERIOD
) -> Stats:
    """The supervisor's numbers at ``now`` (naive UTC); ValueError for an unknown period."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    return await asyncio.to_thread(_desk_stats, engine, now, ZoneInfo(timezone), period)


def _desk_stats(engine: Engine, now: dt.datetime, zone: ZoneInfo, period: str) -> Stats:
    local_now = now.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    day_start = _naive_utc(dt.datetime.combine(local_now.date(), dt.time(), tzinfo=zone))
    bucket, count = PERIODS[period]
    starts = _bucket_starts(local_now, bucket, count)
    h = handoffs.c
    with engine.connect() as db:
        by_status = dict(
            db.execute(
                select(h.status, func.count())
                .where(h.status.in_((WAITING, ASSIGNED)))
                .group_by(h.status)
            ).all()
        )
        waited = [
            (now - created).total_seconds()
            for (created,) in db.execute(select(h.created_at).where(h.status == WAITING))
        ]
        answers = [
            (assigned - created).total_seconds()
            for created, assigned in db.execute(
                select(h.created_at, h.assigned_at).where(h.assigned_at >= day_start)
            )
        ]
        handled_today = db.execute(
            select(func.count()).select_from(handoffs).where(h.closed_at >= day_start)
        ).scalar_one()
        reasons = _reason_buckets(db, starts, bucket)
        loads = _agent_loads(db, day_start)
    return Stats(
        now=now,
        timezone=zone.key,
        waiting=int(by_status.get(WAITING, 0)),
        active=int(by_status.get(ASSIGNED, 0)),
        average_wait_s=_mean(waited),
        longest_wait_s=round(max(waited), 1) if waited else None,
        answered_today=len(answers),
        average_answer_s=_mean(answers),
        handled_today=int(handled_today),
        period=period,
        bucket=bucket,
        reasons=reasons,
        agents=loads,
    )


def _reason_buckets(db: Connection, starts: list[dt.datetime], bucket: str) -> list[ReasonBucket]:
    counts: dict[dt.datetime, dict[str, int]] = {start: {} for start in starts}
    zone = starts[0].tzinfo
    rows = db.execute(
        select(handoffs.c.created_at, handoffs.c.reasons).where(
            handoffs.c.created_at >= _naive_utc(starts[0])
        )
    )
    for created, reasons in rows:
        local = created.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        key = _floor(local, bucket)
        if key not in counts:
            continue  # created after the current bucket began: a clock ahead of ours
        for reason in reasons or ["unknown"]:
            counts[key][reason] = counts[key].get(reason, 0) + 1
    return [ReasonBucket(start, dict(sorted(counts[start].items()))) for start in starts]


def _agent_loads(db: Connection, day_start: dt.datetime) -> list[AgentLoad]:
    h = handoffs.c
    active = dict(
        db.execute(
            select(h.assigned_to, func.count()).where(h.status == ASSIGNED).group_by(h.assigned_to)
        ).all()
    )
    handled = dict(
        db.execute(
            select(h.assigned_to, func.count())
            .where(h.status == CLOSED, h.closed_at >= day_start, h.assigned_to.is_not(None))
            .group_by(h.assigned_to)
        ).all()
    )
    people = db.execute(
        select(agents.c.name, agents.c.role)
        .where(agents.c.disabled.is_(False))
        .order_by(agents.c.name)
    ).all()
    return [
        AgentLoad(name, role, int(active.get(name, 0)), int(handled.get(name, 0)))
        for name, role in people
    ]

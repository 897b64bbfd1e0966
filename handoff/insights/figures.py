"""The supervisors' figures, computed from conversation records: :func:`figures`.

What the insights page and its JSON API will show (issue 14), from any
iterable of :class:`~handoff.insights.record.ConversationRecord`, filtered
by period (a session counts in the period it started in) and channel:

- **containment**: sessions the bot resolved, out of the finished ones
  (``ongoing`` sessions are not judged yet, so they count in neither);
- the handoff and abandonment rates, on the same base;
- the top contact reasons, and each day's count of each (UTC days);
- the sentiment trend: each day's mean VADER compound of customer messages;
- the sessions whose outcome the bot got wrong: abandoned after a fallback,
  or handed off after a rephrasing (what the trainers' review should see).

Pure: no I/O, so the page, the API and a command compute the same figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from handoff.insights.record import ConversationRecord

TOP_REASONS = 10


@dataclass(frozen=True)
class Figures:
    """The figures of one period and channel selection."""

    sessions: int  # every session that started in the period
    finished: int  # of which over (not "ongoing")
    outcomes: dict[str, int]
    containment: float | None  # resolved / finished; None without finished sessions
    handoff_rate: float | None
    abandonment_rate: float | None
    top_reasons: list[tuple[str, int]]
    reasons_by_day: dict[date, dict[str, int]]
    sentiment_by_day: dict[date, float]
    # The sessions the bot got wrong, as (conversation id, started at, why).
    misses: list[tuple[str, datetime, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "sessions": self.sessions,
            "finished": self.finished,
            "outcomes": self.outcomes,
            "containment": self.containment,
            "handoff_rate": self.handoff_rate,
            "abandonment_rate": self.abandonment_rate,
            "top_reasons": [{"reason": r, "sessions": n} for r, n in self.top_reasons],
            "reasons_by_day": {d.isoformat(): n for d, n in self.reasons_by_day.items()},
            "sentiment_by_day": {d.isoformat(): v for d, v in self.sentiment_by_day.items()},
            "misses": [
                {"conversation_id": c, "started_at": s.isoformat(), "why": w}
                for c, s, w in self.misses
            ],
        }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _miss(record: ConversationRecord) -> str | None:
    if record.outcome == "abandoned" and record.fallbacks:
        return "abandoned after a fallback"
    if record.outcome == "handed_off" and record.rephrasings:
        return "handed off after a rephrasing"
    return None


class Tally:
    """The figures counted one record at a time (bounded memory): ``add``, then ``figures``.

    Only counts and sums are kept, and the misses (a few per cent of the
    sessions), so an export of any size can tally what it writes.
    """

    def __init__(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channels: Iterable[str] | None = None,
    ) -> None:
        self.since, self.until = since, until
        self.channels = None if channels is None else set(channels)
        self.sessions = 0
        self.outcomes: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.by_day: defaultdict[date, Counter[str]] = defaultdict(Counter)
        # Per day: the sum of the compounds and how many.
        self.feelings: defaultdict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
        self.misses: list[tuple[str, datetime, str]] = []

    def wanted(self, record: ConversationRecord) -> bool:
        if self.since is not None and record.started_at < self.since:
            return False
        if self.until is not None and record.started_at >= self.until:
            return False
        return self.channels is None or record.channel in self.channels

    def add(self, record: ConversationRecord) -> None:
        if not self.wanted(record):
            return
        self.sessions += 1
        self.outcomes[record.outcome] += 1
        day = record.started_at.date()
        for reason in set(record.contact_reasons):
            self.reasons[reason] += 1
            self.by_day[day][reason] += 1
        for feeling in record.sentiment:
            total = self.feelings[feeling.at.date()]
            total[0] += feeling.compound
            total[1] += 1
        why = _miss(record)
        if why is not None:
            self.misses.append((record.conversation_id, record.started_at, why))

    def figures(self) -> Figures:
        outcomes = self.outcomes
        finished = self.sessions - outcomes["ongoing"]
        return Figures(
            sessions=self.sessions,
            finished=finished,
            outcomes=dict(outcomes),
            containment=_share(outcomes["resolved"], finished),
            handoff_rate=_share(outcomes["handed_off"], finished),
            abandonment_rate=_share(outcomes["abandoned"], finished),
            # Ties in a stable order: most sessions first, then by name.
            top_reasons=sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))[
                :TOP_REASONS
            ],
            reasons_by_day={d: dict(c) for d, c in sorted(self.by_day.items())},
            sentiment_by_day={d: s / n for d, (s, n) in sorted(self.feelings.items())},
            misses=sorted(self.misses, key=lambda miss: miss[1]),
        )


def figures(
    records: Iterable[ConversationRecord],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    channels: Iterable[str] | None = None,
) -> Figures:
    """The figures of the sessions that started in [``since``, ``until``) on ``channels``.

    Times are UTC-aware, as records hold them; None means no bound (or every
    channel). A session's reasons count once each, however often repeated.
    """
    tally = Tally(since=since, until=until, channels=channels)
    for record in records:
        tally.add(record)
    return tally.figures()


def summary(result: Figures) -> str:
    """The figures in one line, for a command's report."""
    if result.containment is None:
        return f"{result.sessions} session(s), none finished"
    top = ", ".join(f"{reason} {n}" for reason, n in result.top_reasons[:3]) or "none"
    return (
        f"{result.finished} finished session(s): {result.containment:.0%} resolved by the bot, "
        f"{result.handoff_rate or 0:.0%} handed off, {result.abandonment_rate or 0:.0%} "
        f"abandoned; top reasons: {top}"
    )

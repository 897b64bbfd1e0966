"""The supervisors' figures, computed from conversation records: :func:`figures`.

What the insights page and its JSON API show (handoff.desk.insights), from any
iterable of :class:`~handoff.insights.record.ConversationRecord`, filtered
by period (a session counts in the period it started in) and channel:

- **containment**: sessions the bot resolved, out of the finished ones
  (``ongoing`` sessions are not judged yet, so they count in neither);
- the handoff and abandonment rates, on the same base;
- the top contact reasons, and each day's count of each (UTC days);
- the sentiment trend: each day's mean VADER compound of customer messages;
- the sentiment per product (:class:`ProductFigures`): for each product the
  sessions name (handoff.insights.products), how many sessions, and the mean
  compound of every customer message of those sessions (a session's
  messages count for each product it names: one message seldom names the
  product and says how it feels at once); and for the :data:`TOP_PRODUCTS`
  most named, that mean day by day (the message's UTC day, as the overall
  trend);
- the sessions whose outcome the bot got wrong: abandoned after a fallback,
  or handed off after a rephrasing (what the trainers' review should see);
- the handoffs' reasons, and the median first-response and resolution
  times, the bot's and the people's apart (:data:`TIMES`);
- customer satisfaction: surveys asked and answered, CSAT (the share of 4s
  and 5s), the average and the distribution of scores, overall and per
  survey kind (:func:`csat_figures`).

Pure: no I/O, so the page, the API and a command compute the same figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from handoff.insights.record import ConversationRecord
from plumbing.scrub import scrub_identifier

TOP_REASONS = 10
# Products with a daily trend: the most named; more lines than this on one
# chart cannot be told apart.
TOP_PRODUCTS = 5
# Survey kinds (handoff.surveys): after a person's handoff, after the bot alone.
KINDS = ("handoff", "bot")
# The times, bot and people apart: each the median over the sessions it applies to.
TIMES = {
    "bot_first_response_s": "the bot's first answer, from the customer's first message",
    "bot_resolution_s": "a session the bot resolved, from first to last message",
    "agent_first_response_s": "a handoff, from its creation to a person's first reply",
    "human_resolution_s": "a handoff, from its creation until closed",
}


@dataclass(frozen=True)
class ProductFigures:
    """How customers felt in the sessions that named one product."""

    product: str  # the catalogue's name
    sessions: int  # sessions that named it
    messages: int  # customer messages with words in those sessions
    mean_compound: float | None  # their mean VADER compound; None without any

    def to_json(self) -> dict[str, object]:
        return {
            "product": self.product,
            "sessions": self.sessions,
            "messages": self.messages,
            "mean_compound": self.mean_compound,
        }


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
    # Why sessions were handed off (the handoff's first reason), most first.
    handoff_reasons: list[tuple[str, int]] = field(default_factory=list)
    # Medians in seconds (None without any): see TIMES.
    times: dict[str, float | None] = field(default_factory=dict)
    # Customer satisfaction, overall and per survey kind: see csat_figures.
    csat: dict[str, object] = field(default_factory=dict)
    # Every product named, most sessions first; the TOP_PRODUCTS' daily mean compound.
    products: list[ProductFigures] = field(default_factory=list)
    product_sentiment_by_day: dict[str, dict[date, float]] = field(default_factory=dict)

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
                {
                    "conversation_id": c,
                    "started_at": s.isoformat(),
                    "why": w,
                    # How the trainers' review inbox (make review) names the
                    # conversation, to find its messages there.
                    "review_id": scrub_identifier(c),
                }
                for c, s, w in self.misses
            ],
            "handoff_reasons": [{"reason": r, "sessions": n} for r, n in self.handoff_reasons],
            "times": self.times,
            "csat": self.csat,
            "products": [p.to_json() for p in self.products],
            "product_sentiment_by_day": {
                product: {d.isoformat(): v for d, v in days.items()}
                for product, days in self.product_sentiment_by_day.items()
            },
        }


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most sessions first; ties in a stable order, by name."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(total: float, count: float) -> float | None:
    return total / count if count else None


def _miss(record: ConversationRecord) -> str | None:
    if record.outcome == "abandoned" and record.fallbacks:
        return "abandoned after a fallback"
    if record.outcome == "handed_off" and record.rephrasings:
        return "handed off after a rephrasing"
    return None


class Tally:
    """The figures counted one record at a time (bounded memory): ``add``, then ``figures``.

    Counts and sums are kept, the misses (a few per cent of the sessions)
    and a number per session for each median time: an export of any size
    can tally what it writes.
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
        self.handoff_reasons: Counter[str] = Counter()
        # One number per session: a median needs them (8 bytes each).
        self.times: dict[str, list[float]] = {name: [] for name in TIMES}
        # Per survey kind: how many were asked, and the answers' scores.
        self.surveys_asked: Counter[str] = Counter()
        self.scores: defaultdict[str, Counter[int]] = defaultdict(Counter)
        # Per product: sessions, and the sum and count of compounds, overall
        # and per day (a catalogue's products times the period's days at most).
        self.product_sessions: Counter[str] = Counter()
        self.product_feelings: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        self.product_days: defaultdict[str, defaultdict[date, list[float]]] = defaultdict(
            lambda: defaultdict(lambda: [0.0, 0.0])
        )

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
        if record.outcome == "handed_off" and record.handoff_reason:
            self.handoff_reasons[record.handoff_reason] += 1
        self._time(record)
        self._products(record)
        if record.csat_survey_id is not None:
            kind = record.csat_kind or "unknown"
            self.surveys_asked[kind] += 1
            if record.csat_score is not None:
                self.scores[kind][record.csat_score] += 1

    def _products(self, record: ConversationRecord) -> None:
        for product in dict.fromkeys(record.products):
            self.product_sessions[product] += 1
            overall, days = self.product_feelings[product], self.product_days[product]
            for feeling in record.sentiment:
                overall[0] += feeling.compound
                overall[1] += 1
                total = days[feeling.at.date()]
                total[0] += feeling.compound
                total[1] += 1

    def _product_figures(self) -> tuple[list[ProductFigures], dict[str, dict[date, float]]]:
        ranked = _ranked(self.product_sessions)
        products = [
            ProductFigures(
                product,
                sessions,
                int(self.product_feelings[product][1]),
                _mean(*self.product_feelings[product]),
            )
            for product, sessions in ranked
        ]
        by_day = {
            product: {d: s / n for d, (s, n) in sorted(self.product_days[product].items())}
            for product, _ in ranked[:TOP_PRODUCTS]
        }
        return products, by_day

    def _time(self, record: ConversationRecord) -> None:
        times = self.times
        if record.first_response_s is not None:
            times["bot_first_response_s"].append(record.first_response_s)
        if record.outcome == "resolved":
            times["bot_resolution_s"].append(record.duration_s)
        if record.agent_first_response_s is not None:
            times["agent_first_response_s"].append(record.agent_first_response_s)
        if record.handoff_wait_s is not None and record.handoff_handle_s is not None:
            times["human_resolution_s"].append(record.handoff_wait_s + record.handoff_handle_s)

    def figures(self) -> Figures:
        outcomes = self.outcomes
        finished = self.sessions - outcomes["ongoing"]
        products, product_days = self._product_figures()
        return Figures(
            sessions=self.sessions,
            finished=finished,
            outcomes=dict(outcomes),
            containment=_share(outcomes["resolved"], finished),
            handoff_rate=_share(outcomes["handed_off"], finished),
            abandonment_rate=_share(outcomes["abandoned"], finished),
            top_reasons=_ranked(self.reasons)[:TOP_REASONS],
            reasons_by_day={d: dict(c) for d, c in sorted(self.by_day.items())},
            sentiment_by_day={d: s / n for d, (s, n) in sorted(self.feelings.items())},
            misses=sorted(self.misses, key=lambda miss: miss[1]),
            handoff_reasons=_ranked(self.handoff_reasons),
            times={
                name: round(median(values), 3) if values else None
                for name, values in self.times.items()
            },
            csat=csat_figures(self.surveys_asked, self.scores),
            products=products,
            product_sentiment_by_day=product_days,
        )


def _csat_of(asked: int, scores: Counter[int]) -> dict[str, object]:
    answered = sum(scores.values())
    return {
        "asked": asked,
        "answered": answered,
        "response_rate": _share(answered, asked),
        # CSAT as the field counts it: the share of 4s and 5s among the answers.
        "satisfied": _share(scores[4] + scores[5], answered),
        "average": round(sum(n * c for n, c in scores.items()) / answered, 3) if answered else None,
        "distribution": {str(n): scores[n] for n in range(1, 6)},
    }


def csat_figures(asked: Counter[str], scores: Mapping[str, Counter[int]]) -> dict[str, object]:
    """Surveys asked and answered, CSAT (share of 4 and 5), average and distribution.

    Overall, and ``by_kind``: after a handoff (the people's) and after the
    bot resolved a conversation (the bot's).
    """
    total: Counter[int] = Counter()
    for counts in scores.values():
        total.update(counts)
    return {
        **_csat_of(sum(asked.values()), total),
        "by_kind": {kind: _csat_of(asked[kind], scores.get(kind, Counter())) for kind in KINDS},
    }


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

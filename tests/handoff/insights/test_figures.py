"""The supervisors' figures (handoff/insights/figures.py) against a simulated week's truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from handoff.escalation import default_detector
from handoff.insights.figures import TOP_PRODUCTS, Tally, figures, summary
from handoff.insights.record import ConversationRecord, Feeling
from plumbing.scrub import scrub_identifier
from tests.handoff.insights.conftest import START, at
from tests.handoff.insights.simulated_week import (
    CHANNELS,
    DISLIKED,
    LIKED,
    Truth,
    simulated_week,
)
from tests.handoff.insights.test_simulated_week import records_of


@pytest.fixture(scope="module")
def week() -> tuple[list[ConversationRecord], list[Truth]]:
    simulated = simulated_week()
    records = [r for rs in records_of(simulated).values() for r in rs]
    truths = [t for ts in simulated.truths.values() for t in ts]
    return records, truths


def rate(truths: list[Truth], outcome: str) -> float:
    return sum(t.outcome == outcome for t in truths) / len(truths)


def test_the_week_s_rates_are_its_truth_s(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, truths = week
    result = figures(records)

    assert result.sessions == result.finished == len(truths)
    assert result.containment == pytest.approx(rate(truths, "resolved"))
    assert result.handoff_rate == pytest.approx(rate(truths, "handed_off"))
    assert result.abandonment_rate == pytest.approx(rate(truths, "abandoned"))
    expected = Counter(r for t in truths for r in set(t.contact_reasons))
    assert dict(result.top_reasons) == dict(expected.most_common(10))
    counts = [n for _, n in result.top_reasons]
    assert counts == sorted(counts, reverse=True)


def test_the_week_s_satisfaction_is_its_truth_s(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, truths = week
    csat = figures(records).csat
    asked = [t for t in truths if t.csat_kind is not None]
    scores = [t.csat_score for t in asked if t.csat_score is not None]

    assert csat["asked"] == len(asked) > 50
    assert csat["answered"] == len(scores) > 30
    assert csat["response_rate"] == pytest.approx(len(scores) / len(asked))
    assert csat["satisfied"] == pytest.approx(sum(s >= 4 for s in scores) / len(scores))
    assert csat["average"] == pytest.approx(sum(scores) / len(scores), abs=0.001)
    assert csat["distribution"] == {str(n): scores.count(n) for n in range(1, 6)}
    by_kind = csat["by_kind"]
    assert isinstance(by_kind, dict)
    for kind in ("handoff", "bot"):
        mine = [t.csat_score for t in asked if t.csat_kind == kind and t.csat_score]
        assert by_kind[kind]["answered"] == len(mine) > 0
        assert by_kind[kind]["distribution"] == {str(n): mine.count(n) for n in range(1, 6)}


def test_without_surveys_the_satisfaction_figures_are_empty_not_zero() -> None:
    csat = figures([]).csat

    assert (csat["asked"], csat["answered"]) == (0, 0)
    assert csat["satisfied"] is None and csat["average"] is None
    assert csat["response_rate"] is None


def test_a_channel_and_a_period_select_their_sessions(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, truths = week
    for channel in CHANNELS:
        mine = [t for t in truths if t.channel == channel]
        result = figures(records, channels=[channel])
        assert result.sessions == len(mine)
        assert result.containment == pytest.approx(rate(mine, "resolved"))

    since, until = at(START + 2 * 86_400), at(START + 4 * 86_400)
    inside = [r for r in records if since <= r.started_at < until]
    result = figures(records, since=since, until=until)
    assert 0 < result.sessions == len(inside) < len(records)
    # Days are UTC days: the bounds fall at noon, so both end days are partly in.
    assert all(since.date() <= day <= until.date() for day in result.reasons_by_day)


def test_the_sessions_the_bot_got_wrong_are_listed_oldest_first(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, truths = week
    result = figures(records)

    assert len(result.misses) == sum(t.outcome == "abandoned" and t.fallbacks for t in truths)
    assert {why for _, _, why in result.misses} == {"abandoned after a fallback"}
    started = [s for _, s, _ in result.misses]
    assert started == sorted(started)


def test_daily_reasons_add_up_and_sentiment_is_a_mean_per_day(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, _ = week
    result = figures(records)

    per_day = Counter[str]()
    for counts in result.reasons_by_day.values():
        per_day.update(counts)
    assert dict(per_day.most_common(10)) == dict(result.top_reasons)
    assert result.sentiment_by_day
    assert all(-1.0 <= v <= 1.0 for v in result.sentiment_by_day.values())


def test_ongoing_sessions_are_counted_but_not_judged() -> None:
    start = at(START)
    ongoing = ConversationRecord("a", start, start + timedelta(minutes=1), outcome="ongoing")
    resolved = ConversationRecord("b", start, start + timedelta(minutes=2), outcome="resolved")

    result = figures([ongoing, resolved])

    assert (result.sessions, result.finished, result.containment) == (2, 1, 1.0)
    assert figures([ongoing]).containment is None
    assert figures([]).to_json()["containment"] is None


def test_the_json_form_has_iso_days_and_every_figure(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, _ = week
    data = figures(records).to_json()

    assert set(data) >= {"containment", "handoff_rate", "top_reasons", "misses"}
    days = list(data["reasons_by_day"])  # type: ignore[call-overload]
    assert days and all(len(day) == 10 and day[4] == "-" for day in days)


def test_each_miss_names_its_conversation_as_the_review_inbox_does() -> None:
    sms = ConversationRecord(
        "+14155550101", at(START), at(START + 60), channel="sms", outcome="abandoned", fallbacks=1
    )
    web = replace(sms, conversation_id="web-7f3a", channel="rest")

    misses = figures([sms, web]).to_json()["misses"]

    assert isinstance(misses, list)
    assert [m["review_id"] for m in misses] == [scrub_identifier(sms.conversation_id), "web-7f3a"]
    assert misses[0]["review_id"].startswith("sha256:")


def test_a_tally_added_to_one_by_one_gives_the_same_figures(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, _ = week
    tally = Tally(channels=["telegram"])
    for record in records:
        tally.add(record)

    assert tally.figures() == figures(records, channels=["telegram"])


def test_the_summary_line_gives_the_rates_and_the_top_reasons() -> None:
    start = at(START)
    done = ConversationRecord(
        "a", start, start, contact_reasons=("faq/store_hours",), outcome="resolved"
    )
    passed = ConversationRecord(
        "b", start, start, contact_reasons=("request_human",), outcome="handed_off"
    )

    assert summary(figures([done, passed, done])) == (
        "3 finished session(s): 67% resolved by the bot, 33% handed off, 0% abandoned; "
        "top reasons: faq/store_hours 2, request_human 1"
    )
    assert summary(figures([])) == "0 session(s), none finished"


def test_times_are_medians_with_the_bot_and_the_people_apart() -> None:
    start = at(START)
    resolved = [
        ConversationRecord(f"r{n}", start, start + timedelta(seconds=60 * n), first_response_s=n)
        for n in (1, 2, 9)
    ]
    handed = [
        ConversationRecord(
            f"h{n}",
            start,
            start + timedelta(seconds=10),
            outcome="handed_off",
            first_response_s=0.5,
            handoff_reason=reason,
            handoff_wait_s=wait,
            agent_first_response_s=wait + 30 if wait is not None else None,
            handoff_handle_s=600.0 if wait is not None else None,
        )
        for n, (reason, wait) in enumerate(
            [("angry", 60.0), ("angry", 120.0), ("asked_for_human", None)]
        )
    ]

    result = figures([*resolved, *handed])

    assert result.times == {
        "bot_first_response_s": 0.75,  # of 0.5, 0.5, 0.5, 1, 2, 9
        "bot_resolution_s": 120.0,  # of 60, 120, 540: resolved sessions only
        "agent_first_response_s": 120.0,  # of 90 and 150: a handoff nobody answered is out
        "human_resolution_s": 690.0,  # of 660 and 720
    }
    assert result.handoff_reasons == [("angry", 2), ("asked_for_human", 1)]
    assert result.to_json()["times"] == result.times


# -- the sentiment per product -----------------------------------------------------------


def compounds(truth: Truth) -> list[tuple[date, float]]:
    """Each customer message's day and compound, as the fold scores it (rounded to 4 places)."""
    detector = default_detector()
    return [(at(t).date(), round(detector.anger(text).compound, 4)) for t, text in truth.messages]


def test_the_week_s_sentiment_per_product_is_its_truth_s(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, truths = week
    result = figures(records)

    expected = {}
    for product in {p for t in truths for p in t.products}:
        naming = [t for t in truths if product in t.products]
        values = [value for t in naming for _, value in compounds(t)]
        expected[product] = (len(naming), len(values), sum(values) / len(values))
    got = {p.product: (p.sessions, p.messages, p.mean_compound) for p in result.products}
    assert got.keys() == expected.keys() == set(LIKED) | set(DISLIKED)
    for product, (sessions, messages, mean) in expected.items():
        assert got[product][:2] == (sessions, messages), product
        assert got[product][2] == pytest.approx(mean, abs=1e-9), product
    # Most sessions first, ties by name.
    ranked = [(-p.sessions, p.product) for p in result.products]
    assert ranked == sorted(ranked)
    # What the customers were scripted to feel shows through the rest of their messages.
    means = {p.product: p.mean_compound or 0.0 for p in result.products}
    assert min(means[p] for p in LIKED) > 0 > max(means[p] for p in DISLIKED)


def test_the_most_named_products_have_a_daily_trend_of_their_truth(
    week: tuple[list[ConversationRecord], list[Truth]],
) -> None:
    records, truths = week
    result = figures(records)

    top = [p.product for p in result.products[:TOP_PRODUCTS]]
    assert list(result.product_sentiment_by_day) == top
    for product in top:
        by_day: dict[date, list[float]] = {}
        for truth in truths:
            if product in truth.products:
                for day, value in compounds(truth):
                    by_day.setdefault(day, []).append(value)
        trend = result.product_sentiment_by_day[product]
        assert list(trend) == sorted(by_day), product
        for day, values in by_day.items():
            assert trend[day] == pytest.approx(sum(values) / len(values), abs=1e-9)
    data = result.to_json()
    assert data["products"][0] == result.products[0].to_json()  # type: ignore[index]
    first = data["product_sentiment_by_day"][top[0]]  # type: ignore[index]
    assert all(len(day) == 10 and day[4] == "-" for day in first)


def test_a_product_counts_once_per_session_with_all_its_messages() -> None:
    start = at(START)
    feelings = (Feeling(start, -0.5, 0.2), Feeling(start + timedelta(days=1), 0.25, 0.0))
    twice = ConversationRecord(
        "a", start, start, products=("Mug", "Belt", "Mug"), sentiment=feelings
    )
    silent = ConversationRecord("b", start, start, products=("Belt",))

    result = figures([twice, silent])

    assert [p.to_json() for p in result.products] == [
        {"product": "Belt", "sessions": 2, "messages": 2, "mean_compound": -0.125},
        {"product": "Mug", "sessions": 1, "messages": 2, "mean_compound": -0.125},
    ]
    assert result.product_sentiment_by_day["Mug"] == {
        start.date(): -0.5,
        start.date() + timedelta(days=1): 0.25,
    }
    nothing = figures([silent])
    assert nothing.products[0].mean_compound is None
    assert figures([]).to_json()["products"] == []
    assert figures([]).to_json()["product_sentiment_by_day"] == {}

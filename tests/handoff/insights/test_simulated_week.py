"""The records of a simulated week (tests/handoff/insights/simulated_week.py) against its truth."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

from handoff.insights.export import write
from handoff.insights.fold import build_records
from handoff.insights.record import QUIET_S, ConversationRecord
from tests.handoff.insights.conftest import at
from tests.handoff.insights.simulated_week import (
    CHANNELS,
    DISLIKED,
    LIKED,
    Week,
    simulated_week,
)


def records_of(week: Week) -> dict[str, list[ConversationRecord]]:
    last = max(e["timestamp"] for events in week.events.values() for e in events)
    as_of = at(last) + timedelta(seconds=QUIET_S)
    return {cid: build_records(cid, events, as_of=as_of) for cid, events in week.events.items()}


def test_the_week_is_big_varied_and_the_same_for_the_same_seed() -> None:
    week = simulated_week()
    assert week.sessions >= 500
    truths = [t for ts in week.truths.values() for t in ts]
    assert {t.channel for t in truths} == set(CHANNELS)
    assert {t.outcome for t in truths} == {"resolved", "handed_off", "abandoned"}
    assert any(len(ts) == 2 for ts in week.truths.values())  # senders who came back
    assert simulated_week().events == week.events
    assert simulated_week(seed=15).events != week.events


def test_every_record_of_the_week_says_what_its_session_was_scripted_to_be() -> None:
    week = simulated_week()
    records = records_of(week)
    wrong = []
    for cid, truths in week.truths.items():
        got = records[cid]
        if len(got) != len(truths):
            wrong.append(f"{cid}: {len(got)} records for {len(truths)} sessions")
            continue
        for record, truth in zip(got, truths, strict=True):
            expected = (
                truth.channel,
                truth.outcome,
                tuple(truth.contact_reasons),
                tuple(truth.order_ids),
                truth.customer_turns,
                truth.fallbacks,
                truth.rephrasings,
                truth.csat_kind,
                truth.csat_score,
                truth.csat_comment,
                tuple(truth.products),
            )
            actual = (
                record.channel,
                record.outcome,
                record.contact_reasons,
                record.order_ids,
                record.customer_turns,
                record.fallbacks,
                record.rephrasings,
                record.csat_kind,
                record.csat_score,
                record.csat_comment,
                record.products,
            )
            if actual != expected:
                wrong.append(f"{cid}: {actual} != {expected}")
    assert wrong == []


def test_the_export_of_the_week_counts_what_the_week_holds() -> None:
    week = simulated_week()
    out = io.StringIO()
    written = write((r for rs in records_of(week).values() for r in rs), out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))

    truths = [t for ts in week.truths.values() for t in ts]
    assert written == len(rows) == len(truths)
    assert Counter(r["outcome"] for r in rows) == Counter(t.outcome for t in truths)
    assert Counter(r["channel"] for r in rows) == Counter(t.channel for t in truths)
    # Containment, as the insights will show it: resolved by the bot, out of all.
    contained = sum(r["outcome"] == "resolved" for r in rows) / len(rows)
    assert contained == sum(t.outcome == "resolved" for t in truths) / len(truths)
    reasons = Counter(x for r in rows for x in r["contact_reasons"].split(";") if x)
    assert reasons == Counter(x for t in truths for x in t.contact_reasons)
    # The products column: the catalogue's names, in order of first mention.
    products = Counter(r["products"] for r in rows if r["products"])
    assert products == Counter(";".join(t.products) for t in truths if t.products)
    assert any(";" in cell for cell in products)  # sessions that named two


def test_the_week_names_products_in_about_a_third_of_its_sessions() -> None:
    truths = [t for ts in simulated_week().truths.values() for t in ts]
    named = [t for t in truths if t.products]

    assert 0.25 < len(named) / len(truths) < 0.45
    assert {p for t in named for p in t.products} == set(LIKED) | set(DISLIKED)
    # Some only to the person after a handoff: the fold reads those messages too.
    assert any(t.outcome == "handed_off" and "two weeks, " in t.messages[-1][1] for t in named)

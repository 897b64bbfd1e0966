"""plumbing.clock: naive UTC for storage, aware UTC for what is handed out."""

from __future__ import annotations

import datetime as dt

from plumbing.clock import to_naive_utc, utc_now, utc_now_aware


def test_utc_now_is_naive_utc_the_form_the_tables_store() -> None:
    before = dt.datetime.now(dt.timezone.utc)
    now = utc_now()
    after = dt.datetime.now(dt.timezone.utc)

    assert now.tzinfo is None
    assert before <= now.replace(tzinfo=dt.timezone.utc) <= after


def test_utc_now_aware_carries_its_time_zone() -> None:
    now = utc_now_aware()

    assert now.utcoffset() == dt.timedelta(0)
    assert abs(now.replace(tzinfo=None) - utc_now()) < dt.timedelta(seconds=5)


def test_to_naive_utc_converts_aware_times_and_takes_naive_ones_as_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    noon_utc = dt.datetime(2025, 3, 1, 12, 0, 0)

    assert to_naive_utc(dt.datetime(2025, 3, 1, 13, 0, 0, tzinfo=paris)) == noon_utc
    assert to_naive_utc(noon_utc.replace(tzinfo=dt.timezone.utc)) == noon_utc
    assert to_naive_utc(noon_utc) is noon_utc

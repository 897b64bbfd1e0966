"""The current time, in the form our databases store it: naive UTC.

Every timestamp column of ours (the channels' inbox, the handoff outbox, the
handoff database, the business database) is a SQLAlchemy ``DateTime``
without a time zone: SQLite has no time zone type, and such a column hands
back naive datetimes on every dialect. A naive value compared with an aware
one raises ``TypeError``, so whatever is stored, or compared with what is
stored, is naive UTC: :func:`utc_now`, and :func:`to_naive_utc` for a time
that came from elsewhere. Code that hands times to the outside world (ISO
strings with ``+00:00``, the SQL backend's answers) makes them aware at that
edge; :func:`utc_now_aware` is for a clock that answers in that form (the
SQL backend's, which its tests freeze).

``datetime.utcnow()`` gives the same naive value, but Python 3.12 deprecates
it: hence ``now(timezone.utc)`` without its time zone.
"""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Now, in UTC, as a naive datetime: the form our ``DateTime`` columns store."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def utc_now_aware() -> dt.datetime:
    """Now, in UTC, with its time zone: for times handed out rather than stored."""
    return dt.datetime.now(dt.timezone.utc)


def to_naive_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as our columns store it: aware times converted to UTC, naive ones taken as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)

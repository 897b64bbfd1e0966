"""The supervisors' insights: figures and records of the bot's conversations, by period and channel.

    GET /api/insights?since=&until=&channel=          the figures (handoff.insights.figures)
    GET /api/insights/records?since=&until=&channel=&format=csv|jsonl
                                                      the records, as a file to download

Both are for supervisors and the admin token. ``since`` and ``until`` are UTC
days (``YYYY-MM-DD``), both included: a session counts on the day it
started. Without them, the last 7 days up to today. ``channel`` may be given
several times (``sms``, ``telegram``, ``messenger``, ``rest``: the input
channels' names); without it, every channel.

The records are the handoff service's own table (handoff.insights.keeper),
kept from Rasa's event stream: a session appears once its first turn ended.
They hold no message text: the products a session named are the product
catalogue's names (handoff.insights.products, ``HANDOFF_PRODUCTS_FILE``),
from which the figures give the sentiment per product. ``conversation_id``
is the channel's sender id (a phone number on SMS): the figures' list of
misses shows it, as the desk shows it in a handoff; the download replaces an
id that holds personal data with a stable hash, by the trainers' rules
(handoff.insights.export.scrubbed), unless ``HANDOFF_EXPORT_SCRUB=false``.

Reading and summing records is CPU work: it runs in a thread. A download is
capped at :data:`MAX_DOWNLOAD` records (400 beyond it: choose a shorter
period), so that one request cannot hold the service's memory.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sanic.request import Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, authorized
from handoff.context import context_of
from handoff.errors import InvalidRequest, NotRunning
from handoff.insights.export import FORMATS, scrubbed, write
from handoff.insights.figures import figures
from handoff.insights.keeper import RecordKeeper
from handoff.models import SUPERVISOR_ROLE

DEFAULT_DAYS = 7
MAX_DAYS = 366
MAX_CHANNELS = 8
MAX_DOWNLOAD = 100_000
# Days a period may name: the bounds keep a day's neighbours representable.
EARLIEST_DAY = date(1970, 1, 2)
LATEST_DAY = date(9999, 12, 30)
CHANNEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@dataclass(frozen=True)
class Selection:
    """The days and channels a request asks for."""

    first_day: date
    last_day: date
    channels: tuple[str, ...]  # empty: every channel

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first_day, time(), timezone.utc)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(), timezone.utc)

    def to_json(self) -> dict[str, object]:
        return {
            "since": self.first_day.isoformat(),
            "until": self.last_day.isoformat(),
            "channels": list(self.channels),
        }


def _day(request: Request, name: str, default: date) -> date:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} must be a day as YYYY-MM-DD") from None


def selection(request: Request, today: date | None = None) -> Selection:
    """The request's period and channels, checked (400 when wrong)."""
    today = today or datetime.now(timezone.utc).date()
    last_day = _day(request, "until", today)
    if not EARLIEST_DAY <= last_day <= LATEST_DAY:
        raise InvalidRequest(f"until must be from {EARLIEST_DAY} to {LATEST_DAY}")
    first_day = _day(request, "since", max(EARLIEST_DAY, last_day - timedelta(DEFAULT_DAYS - 1)))
    if first_day > last_day:
        raise InvalidRequest("since must not be after until")
    if (last_day - first_day).days >= MAX_DAYS:
        raise InvalidRequest(f"a period is at most {MAX_DAYS} days")
    channels = tuple(dict.fromkeys(request.args.getlist("channel") or []))
    if len(channels) > MAX_CHANNELS or not all(CHANNEL_NAME.fullmatch(c) for c in channels):
        raise InvalidRequest("channel must be a channel's name, such as telegram")
    return Selection(first_day, last_day, channels)


def keeper_of(request: Request) -> RecordKeeper:
    records = context_of(request).records
    if records is None:
        raise NotRunning("conversation records are kept while the server runs")
    return records


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def insights(request: Request) -> HTTPResponse:
    chosen = selection(request)
    keeper = keeper_of(request)

    def compute() -> dict[str, object]:
        result = figures(
            keeper.records(chosen.since, chosen.until), channels=chosen.channels or None
        )
        return {**chosen.to_json(), **result.to_json()}

    return json_response(await asyncio.to_thread(compute))


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def records_download(request: Request) -> HTTPResponse:
    chosen = selection(request)
    form = request.args.get("format") or "csv"
    if form not in FORMATS:
        raise InvalidRequest(f"format must be one of {', '.join(FORMATS)}")
    keeper = keeper_of(request)
    scrub = context_of(request).settings.export_scrub

    def render() -> str | None:
        records = (
            scrubbed(record) if scrub else record
            for record in keeper.records(chosen.since, chosen.until)
            if not chosen.channels or record.channel in chosen.channels
        )
        out = io.StringIO()
        written = write(itertools.islice(records, MAX_DOWNLOAD + 1), out, form)
        return None if written > MAX_DOWNLOAD else out.getvalue()

    body = await asyncio.to_thread(render)
    if body is None:
        raise InvalidRequest(f"more than {MAX_DOWNLOAD} records: choose a shorter period")
    name = f"conversations-{chosen.first_day}-{chosen.last_day}.{form}"
    return raw(
        body.encode("utf-8"),
        content_type=CONTENT_TYPES[form],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

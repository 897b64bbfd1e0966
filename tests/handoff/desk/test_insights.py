"""The supervisors' insights API (handoff/desk/insights.py) over records kept from the stream."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest

from handoff.context import context_of
from handoff.insights.figures import TOP_PRODUCTS, figures
from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.insights.record import QUIET_S
from handoff.openapi import openapi_document
from plumbing.scrub import scrub_identifier
from tests.handoff.desk.conftest import Desk
from tests.handoff.insights.conftest import START, Chat, at
from tests.handoff.insights.simulated_week import simulated_week
from tests.handoff.insights.test_keeper import stream_of

FIRST_DAY = at(START).date()
LAST_DAY = FIRST_DAY + timedelta(days=7)
WEEK = f"since={FIRST_DAY}&until={LAST_DAY}"
PHONE = "+14155550123"


@pytest.fixture
async def week_desk(desk: Desk) -> Desk:
    """The desk with a supervisor, an agent and the simulated week's records."""
    keeper = context_of(desk.app).records
    assert isinstance(keeper, RecordKeeper)
    stream = stream_of(simulated_week().events)
    keeper.add(stream)
    keeper.settle(as_of=at(stream[-1].event["timestamp"]) + timedelta(seconds=QUIET_S))
    await desk.agent("sue", "supervisor")
    await desk.agent("sam")
    return desk


async def test_a_supervisor_reads_the_week_s_figures(week_desk: Desk) -> None:
    sue, _ = await week_desk.signed_in("sue")
    response = await sue.get(f"/api/insights?{WEEK}")
    await sue.aclose()

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    keeper = context_of(week_desk.app).records
    assert keeper is not None
    expected = json.loads(json.dumps(figures(keeper.records()).to_json()))
    assert body == {"since": str(FIRST_DAY), "until": str(LAST_DAY), "channels": [], **expected}
    assert body["sessions"] == simulated_week().sessions


async def test_channels_and_days_narrow_the_figures(week_desk: Desk) -> None:
    everything = (await week_desk.admin("GET", f"/api/insights?{WEEK}")).json()
    sms = (await week_desk.admin("GET", f"/api/insights?{WEEK}&channel=sms")).json()
    two = (
        await week_desk.admin("GET", f"/api/insights?{WEEK}&channel=sms&channel=telegram")
    ).json()
    first_day = (
        await week_desk.admin("GET", f"/api/insights?since={FIRST_DAY}&until={FIRST_DAY}")
    ).json()

    assert 0 < sms["sessions"] < two["sessions"] < everything["sessions"]
    assert sms["channels"] == ["sms"]
    assert 0 < first_day["sessions"] < everything["sessions"]
    assert set(first_day["reasons_by_day"]) == {str(FIRST_DAY)}


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "since=2026-05-10&until=2026-05-01",
        "since=2024-01-01&until=2026-01-01",
        "channel=Telegram;DROP",
    ],
)
async def test_a_wrong_period_or_channel_is_a_400_saying_so(week_desk: Desk, query: str) -> None:
    response = await week_desk.admin("GET", f"/api/insights?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_agents_and_strangers_do_not_read_insights(week_desk: Desk) -> None:
    sam, _ = await week_desk.signed_in("sam")
    assert (await sam.get("/api/insights")).status_code == 403
    assert (await sam.get("/api/insights/records")).status_code == 403
    await sam.aclose()
    stranger = week_desk.new_client()
    assert (await stranger.get("/api/insights")).status_code == 401
    await stranger.aclose()


async def test_the_records_download_as_csv_and_json_lines(week_desk: Desk) -> None:
    sue, _ = await week_desk.signed_in("sue")
    as_csv = await sue.get(f"/api/insights/records?{WEEK}&channel=telegram")
    as_jsonl = await sue.get(f"/api/insights/records?{WEEK}&channel=telegram&format=jsonl")
    wrong = await sue.get(f"/api/insights/records?{WEEK}&format=xlsx")
    await sue.aclose()

    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="conversations-{FIRST_DAY}-{LAST_DAY}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    lines = [json.loads(line) for line in as_jsonl.text.splitlines()]
    assert len(rows) == len(lines) > 0
    assert {row["channel"] for row in rows} == {line["channel"] for line in lines} == {"telegram"}
    assert wrong.status_code == 400


async def test_a_download_over_the_cap_is_refused(
    week_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handoff.desk.insights.MAX_DOWNLOAD", 10)
    response = await week_desk.admin("GET", f"/api/insights/records?{WEEK}")
    assert response.status_code == 400
    assert "shorter period" in response.json()["detail"]


def sms_customer(desk: Desk) -> None:
    """One SMS conversation: its id is the customer's phone number."""
    keeper = context_of(desk.app).records
    assert keeper is not None
    chat = Chat(channel="sms").session().user("where is 12345678?", "check_order_status")
    chat.respond("utter_order_status_shipped")
    keeper.add([StreamEvent(PHONE, event) for event in chat.events])


async def test_the_download_hashes_phone_numbers_by_the_trainers_rules(week_desk: Desk) -> None:
    sms_customer(week_desk)
    response = await week_desk.admin("GET", f"/api/insights/records?{WEEK}&format=jsonl")

    ids = {json.loads(line)["conversation_id"] for line in response.text.splitlines()}
    assert PHONE not in response.text
    assert scrub_identifier(PHONE) in ids
    assert "sim-0001" in ids  # an id that names nobody stays as it is


async def test_without_scrubbing_the_download_keeps_the_ids(
    week_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    sms_customer(week_desk)
    ctx = context_of(week_desk.app)
    monkeypatch.setattr(ctx, "settings", replace(ctx.settings, export_scrub=False))
    response = await week_desk.admin("GET", f"/api/insights/records?{WEEK}&format=jsonl")

    assert PHONE in {json.loads(line)["conversation_id"] for line in response.text.splitlines()}


async def test_the_figures_have_the_sentiment_per_product_the_document_describes(
    week_desk: Desk,
) -> None:
    body = (await week_desk.admin("GET", f"/api/insights?{WEEK}")).json()
    schema = openapi_document()["components"]["schemas"]["Insights"]

    assert set(body) == set(schema["required"]) == set(schema["properties"])
    item = schema["properties"]["products"]["items"]
    assert body["products"] and all(set(p) == set(item["required"]) for p in body["products"])
    named = {p for ts in simulated_week().truths.values() for t in ts for p in t.products}
    assert {p["product"] for p in body["products"]} == named
    top = [p["product"] for p in body["products"][:TOP_PRODUCTS]]
    assert list(body["product_sentiment_by_day"]) == top

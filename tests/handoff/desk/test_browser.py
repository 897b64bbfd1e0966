"""The desk page in a real headless Chromium: what an agent sees and does.

Each test drives the page as a person would (labels, roles, the keyboard),
against the handoff service with the desk on a real server; handoffs and
customer messages arrive through the admin API, as the bot sends them, and
must show up live, without a reload.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections import Counter
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, Response, expect
from sanic import Sanic
from sqlalchemy import update

from handoff.context import context_of
from handoff.desk import DeskSettings
from handoff.insights.figures import TOP_PRODUCTS
from handoff.insights.keeper import StreamEvent
from handoff.insights.record import QUIET_S
from handoff.models import desk_sessions, utc_now
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore, NewMessage
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, FakeDelivery
from tests.handoff.desk.conftest import Desk, open_desk, start_desk
from tests.handoff.insights.conftest import START, Chat, at
from tests.handoff.insights.simulated_week import simulated_week
from tests.handoff.insights.test_keeper import stream_of


def no_page_errors(page: Page) -> None:
    errors = page.desk_errors  # type: ignore[attr-defined]
    assert errors == [], errors


async def test_an_agent_works_a_handoff_from_arrival_to_close(
    desk: Desk, browser: Browser, delivery: FakeDelivery, closes: CloseRecorder
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    await expect(page.get_by_text("Nobody is waiting.")).to_be_visible()
    await expect(page).to_have_title("Desk")

    # A handoff arrives while the page is open: it appears without a reload.
    handoff = await desk.create_handoff("ann")
    card = page.locator("#queue li", has_text=handoff["customer_id"])
    await expect(card).to_be_visible()
    await expect(card).to_contain_text("SMS")
    await expect(card).to_contain_text("Strong anger · Explicit request")
    await expect(card).to_contain_text("Anger 86%")
    await expect(card).to_contain_text("Order 12345678")
    await expect(card.locator(".timer")).to_have_text(re.compile(r"^0:0\d$"))
    await expect(page).to_have_title("(1) Desk")
    await expect(page.locator("#announcer")).to_contain_text("New handoff waiting")

    # The conversation: transcript, the message that triggered the escalation.
    await card.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{handoff['customer_id']} on SMS"
    )
    transcript = page.get_by_role("log", name="Transcript")
    await expect(transcript.locator("li")).to_have_count(3)
    trigger = transcript.locator("li.trigger")
    await expect(trigger).to_have_count(1)
    await expect(trigger).to_contain_text("Get me a person now!!")
    await expect(trigger).to_contain_text("Escalated here")
    await expect(transcript.locator("li").nth(1)).to_contain_text("Bot")
    facts = page.locator("#customer")
    await expect(facts).to_contain_text("12345678")
    await expect(facts).to_contain_text("ann@example.com")
    await expect(facts).to_contain_text("Strong anger, Explicit request")
    await expect(page.get_by_label("Message to the customer")).to_be_hidden()

    await page.get_by_role("button", name="Claim").click()
    await expect(page.get_by_role("status").first).to_contain_text("You hold this conversation")
    await expect(page).to_have_title("Desk")

    # The reply box shows the channel's limit; a canned response fills it in.
    box = page.get_by_label("Message to the customer")
    await expect(page.locator("#reply-count")).to_contain_text("0 / 1600 characters")
    await page.get_by_label("Canned response").select_option(label="Greeting")
    await page.get_by_role("button", name="Insert").click()
    await expect(box).to_have_value(re.compile(r"^Hi, this is sam from the support team"))
    await box.fill("Hi, I'm Sam. Your parcel is with UPS and arrives Wednesday.")
    await page.get_by_role("button", name="Send reply").click()
    sent = transcript.locator("li.from-agent", has_text="arrives Wednesday")
    await expect(sent).to_contain_text("Delivered to the channel")
    assert delivery.sent == [
        (
            "sms",
            handoff["customer_id"],
            "Hi, I'm Sam. Your parcel is with UPS and arrives Wednesday.",
        )
    ]
    await expect(box).to_have_value("")

    # An internal note: in the transcript, marked, never delivered.
    await page.get_by_label("Internal note").check()
    await page.get_by_label("Internal note (agents only)").fill("Customer asked twice before.")
    await page.get_by_role("button", name="Add note").click()
    note = transcript.locator("li.internal")
    await expect(note).to_contain_text("Customer asked twice before.")
    await expect(note).to_contain_text("Internal note")
    assert len(delivery.sent) == 1

    # A customer message while the agent reads the conversation appears live.
    await desk.admin(
        "POST",
        f"/api/handoffs/{handoff['id']}/customer-messages",
        json={"text": "ok thanks, Wednesday works"},
    )
    await expect(transcript.locator("li.from-customer").last).to_contain_text("Wednesday works")

    # Close with a resolution: the conversation goes back to the bot.
    await page.get_by_role("button", name="Close and hand back to the bot").click()
    await expect(page.locator("#close-error")).to_contain_text("Say how it was resolved")
    await page.get_by_label("Resolution").fill("Tracking given; arrives Wednesday.")
    # The page may show the close from the event stream before the close request
    # (which resumes the bot) has answered: wait for that answer, not the text.
    async with page.expect_response(lambda r: r.url.endswith("/close")) as closing:
        await page.get_by_role("button", name="Close and hand back to the bot").click()
    assert (await closing.value).status == 200
    await expect(page.locator("#conversation-status")).to_contain_text(
        "Closed: Tracking given; arrives Wednesday."
    )
    assert [(h.id, h.resolution) for h in closes.closed] == [
        (handoff["id"], "Tracking given; arrives Wednesday.")
    ]
    await expect(page.get_by_role("button", name="Send reply")).to_be_hidden()
    no_page_errors(page)


@pytest.mark.parametrize("desk_settings", [DeskSettings(sla_amber_s=120, sla_red_s=300)])
async def test_wait_timers_turn_amber_and_red_at_the_thresholds(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    store: HandoffStore = desk.app.ctx.store
    now = utc_now()
    for name, waited_s in (("fresh", 10), ("slow", 200), ("late", 400)):
        await store.create_handoff(
            escalation_id=f"esc-{name}",
            conversation_id=f"conv-{name}",
            channel="telegram",
            customer_id=f"tg-{name}",
            customer={"name": name.title()},
            reasons=["explicit_request"],
            priority=3,
            summary={},
            transcript=[NewMessage("customer", "a person please", now)],
            now=now - dt.timedelta(seconds=waited_s),
        )
    page = await open_desk(browser, desk.url, "sam")
    cards = page.locator("#queue li")
    # Longest wait first within a priority.
    await expect(cards).to_have_count(3)
    await expect(cards.nth(0)).to_contain_text("Late")
    expected = {"Fresh": "ok", "Slow": "amber", "Late": "red"}
    for name, level in expected.items():
        timer = page.locator("#queue li", has_text=name).locator(".timer")
        await expect(timer).to_have_attribute("data-sla", level)
    await expect(page.locator("#queue li", has_text="Late").locator(".timer")).to_have_attribute(
        "aria-label", re.compile(r"^6:4\d waiting, over the red limit$")
    )
    # The colours themselves: amber and red backgrounds, with readable text.
    colours = await page.eval_on_selector_all(
        "#queue .timer",
        "els => els.map(e => [e.dataset.sla, getComputedStyle(e).backgroundColor])",
    )
    assert dict(colours) == {
        "ok": "rgb(230, 244, 234)",
        "amber": "rgb(255, 224, 138)",
        "red": "rgb(176, 0, 32)",
    }
    await expect(
        page.get_by_text("Timers turn amber after 2 min and red after 5 min")
    ).to_be_visible()


async def test_two_agents_claim_at_once_and_one_wins(desk: Desk, browser: Browser) -> None:
    await desk.agent("sam")
    await desk.agent("kim")
    handoff = await desk.create_handoff("bob")
    sam = await open_desk(browser, desk.url, "sam")
    kim = await open_desk(browser, desk.url, "kim")
    for page in (sam, kim):
        await page.locator("#queue li", has_text=handoff["customer_id"]).get_by_role("link").click()
        await expect(page.get_by_role("button", name="Claim")).to_be_enabled()

    # Both press Claim in the same instant. (A Playwright click waits for the
    # button to stay put, and the live update may hide the loser's first: the
    # DOM's own click() sends both requests for sure.)
    press = "document.getElementById('claim').click()"

    def is_claim(response: Response) -> bool:
        return response.url.endswith(f"/api/handoffs/{handoff['id']}/claim")

    async with (
        sam.expect_response(is_claim) as sam_claim,
        kim.expect_response(is_claim) as kim_claim,
    ):
        await asyncio.gather(sam.evaluate(press), kim.evaluate(press))
    statuses = {(await sam_claim.value).status, (await kim_claim.value).status}
    assert statuses == {200, 409}
    holder = (await desk.admin("GET", f"/api/handoffs/{handoff['id']}")).json()["assigned_to"]
    winner, loser = (sam, kim) if holder == "sam" else (kim, sam)
    await expect(winner.locator("#conversation-status")).to_contain_text(
        "You hold this conversation"
    )
    await expect(loser.locator("#conversation-status")).to_have_text(f"Taken by {holder}.")
    await expect(loser.get_by_role("button", name="Claim")).to_be_hidden()
    await expect(loser.get_by_role("button", name="Send reply")).to_be_hidden()
    # And the handoff has left both queues.
    await expect(loser.get_by_text("Nobody is waiting.")).to_be_attached()


async def test_a_customer_message_on_my_conversation_is_flagged_in_the_queue(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    token = await desk.agent("kim")
    mine = await desk.create_handoff("dee")
    page = await open_desk(browser, desk.url, "sam")
    await page.locator("#queue li", has_text=mine["customer_id"]).get_by_role("link").click()
    await page.get_by_role("button", name="Claim").click()
    await expect(page.locator("#conversation-status")).to_contain_text("You hold")
    await page.get_by_role("link", name="Back to the queue").click()
    active = page.locator("#active li", has_text=mine["customer_id"])
    await expect(active).to_be_visible()

    await desk.admin(
        "POST", f"/api/handoffs/{mine['id']}/customer-messages", json={"text": "still there?"}
    )
    await expect(active).to_contain_text("New message")
    await expect(page).to_have_title("(1) Desk")
    await expect(page.locator("#announcer")).to_contain_text("New message from")

    # A handoff claimed by someone else leaves the waiting list live.
    other = await desk.create_handoff("eve")
    await expect(page.locator("#queue li", has_text=other["customer_id"])).to_be_visible()
    await expect(page).to_have_title("(2) Desk")
    await desk.as_(token, "POST", f"/api/handoffs/{other['id']}/claim")
    await expect(page.locator("#queue li")).to_have_count(0)

    await active.get_by_role("link").click()
    await expect(page.get_by_role("log", name="Transcript")).to_contain_text("still there?")
    await expect(page).to_have_title("Desk")


async def test_a_reply_that_was_not_delivered_says_so(
    desk: Desk, browser: Browser, delivery: FakeDelivery
) -> None:
    await desk.agent("sam")
    await desk.agent("sue", "supervisor")
    handoff = await desk.create_handoff()
    page = await open_desk(browser, desk.url, "sam")
    await page.goto(f"{desk.url}/desk#/handoffs/{handoff['id']}")
    await page.get_by_role("button", name="Claim").click()
    # A supervisor reads along: the delivery state reaches her through the event stream.
    sue = await open_desk(browser, desk.url, "sue")
    await sue.goto(f"{desk.url}/desk#/handoffs/{handoff['id']}")
    await expect(sue.locator("#transcript li")).to_have_count(3)
    delivery.failing = True
    box = page.get_by_label("Message to the customer")
    await box.fill("Your refund is on its way.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_role("alert").filter(has_text="Not delivered")).to_be_visible()
    failed = page.locator("#transcript li.failed")
    await expect(failed).to_contain_text("Not delivered")
    await expect(box).to_have_value("Your refund is on its way.")
    await expect(sue.locator("#transcript li.failed")).to_contain_text("Not delivered")

    delivery.failing = False
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.locator("#transcript li", has_text="Delivered to the channel")).to_have_count(
        1
    )
    await expect(sue.locator("#transcript li", has_text="Delivered to the channel")).to_have_count(
        1
    )
    assert delivery.sent == [("sms", handoff["customer_id"], "Your refund is on its way.")]
    no_page_errors(sue)


async def test_an_open_desk_catches_up_after_the_service_restarts(
    monkeypatch: pytest.MonkeyPatch,
    settings: HandoffSettings,
    browser: Browser,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    first = await start_desk(settings, DeskSettings(), delivery, closes)
    await first.agent("sam")
    page = await open_desk(browser, first.url, "sam")
    before = await first.create_handoff("ann")
    await expect(page.locator("#queue li", has_text=before["customer_id"])).to_be_visible()
    port = first.client.base_url.port
    await first.stop()

    # While the service is down, another writer of its database queues a handoff.
    store = HandoffStore(settings.database_url)
    try:
        during, _ = await store.create_handoff(
            escalation_id="esc-during",
            conversation_id="+15550109999",
            channel="sms",
            customer_id="+15550109999",
            priority=2,
            transcript=[NewMessage("customer", "hello?", utc_now())],
        )
    finally:
        store.dispose()

    second = await start_desk(settings, DeskSettings(), delivery, closes, port=port)
    try:
        # The page's EventSource reconnects by itself with Last-Event-ID and is
        # sent what it missed: no reload, no stream.reset.
        card = page.locator("#queue li", has_text=during.customer_id)
        await expect(card).to_be_visible(timeout=20_000)
        await expect(page.locator("#queue li")).to_have_count(2)
        after = await second.create_handoff("bob")  # and live again
        await expect(page.locator("#queue li", has_text=after["customer_id"])).to_be_visible()
    finally:
        await second.stop()


async def test_transfer_to_another_agent(desk: Desk, browser: Browser) -> None:
    await desk.agent("sam")
    await desk.agent("kim")
    handoff = await desk.create_handoff()
    kim = await open_desk(browser, desk.url, "kim")
    sam = await open_desk(browser, desk.url, "sam")
    await sam.goto(f"{desk.url}/desk#/handoffs/{handoff['id']}")
    await sam.get_by_role("button", name="Claim").click()
    await sam.get_by_label("To agent").select_option("kim")
    await sam.get_by_role("button", name="Transfer").click()
    await expect(sam.locator("#conversation-status")).to_have_text("Taken by kim.")
    await expect(sam.get_by_role("button", name="Send reply")).to_be_hidden()
    # It shows up among kim's conversations, live.
    await expect(kim.locator("#active li", has_text=handoff["customer_id"])).to_be_visible()


async def test_the_desk_works_from_the_keyboard(desk: Desk, browser: Browser) -> None:
    await desk.agent("sam")
    handoff = await desk.create_handoff()
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{desk.url}/desk")
    await expect(page.get_by_label("Name")).to_be_focused()
    await page.keyboard.type("sam")
    await page.keyboard.press("Tab")
    await page.keyboard.type("correct horse battery")
    await page.keyboard.press("Enter")
    link = page.locator("#queue li", has_text=handoff["customer_id"]).get_by_role("link")
    await expect(link).to_be_visible()
    for _ in range(15):
        if await link.evaluate("element => element === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await expect(link).to_be_focused()
    # Focus is visible: an outline, not just the browser's default.
    outline = await link.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_be_focused()
    claim = page.get_by_role("button", name="Claim")
    for _ in range(15):
        if await claim.evaluate("element => element === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    box = page.get_by_label("Message to the customer")
    await expect(box).to_be_focused()
    await page.keyboard.type("Hello from the keyboard")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#transcript li.from-agent")).to_contain_text(
        "Hello from the keyboard"
    )


async def test_an_expired_session_returns_to_sign_in(desk: Desk, browser: Browser) -> None:
    await desk.agent("sam")
    handoff = await desk.create_handoff()
    page = await open_desk(browser, desk.url, "sam")
    link = page.locator("#queue li", has_text=handoff["customer_id"]).get_by_role("link")
    await expect(link).to_be_visible()
    # The session was last seen two hours ago (the idle limit is one hour).
    with desk.app.ctx.store.engine.begin() as db:
        db.execute(update(desk_sessions).values(last_seen_at=utc_now() - dt.timedelta(hours=2)))
    await link.click()
    await expect(page.get_by_role("heading", name="Sign in to the desk")).to_be_visible()
    await expect(page.get_by_text("Your session has ended. Please sign in again.")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    await page.reload()
    await expect(page.get_by_role("heading", name="Sign in to the desk")).to_be_visible()


async def test_wrong_password_and_sign_out(desk: Desk, browser: Browser) -> None:
    await desk.agent("sam")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{desk.url}/desk")
    await page.get_by_label("Name").fill("sam")
    await page.get_by_label("Password").fill("not my password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await page.get_by_label("Password").fill("correct horse battery")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("sam (agent)")).to_be_visible()
    cookies = await context.cookies()
    [session] = [c for c in cookies if c["name"] == "desk_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    # The page's script cannot read the session cookie.
    assert "desk_session" not in await page.evaluate("document.cookie")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Sign in to the desk")).to_be_visible()


async def test_the_supervisor_view(desk: Desk, browser: Browser) -> None:
    await desk.agent("sue", "supervisor")
    token = await desk.agent("sam")
    first = await desk.create_handoff("ann")
    await desk.create_handoff("bob", reasons=["fraud"], priority=2)
    await desk.as_(token, "POST", f"/api/handoffs/{first['id']}/claim")
    page = await open_desk(browser, desk.url, "sue")
    await page.get_by_role("link", name="Supervisor").click()
    await expect(page.locator("#stat-waiting")).to_have_text("1")
    await expect(page.locator("#stat-active")).to_have_text("1")
    await expect(page.locator("#stat-handled")).to_have_text("0")
    chart = page.get_by_role("img", name=re.compile("Escalations per day"))
    await expect(chart).to_be_visible()
    await expect(chart.locator("rect")).to_have_count(3)  # strong anger, explicit request, fraud
    await expect(page.locator("#legend")).to_contain_text("Fraud (1)")
    load = page.locator("#load tr", has_text="sam")
    await expect(load.locator("td").nth(1)).to_have_text("1")

    # Live: closing the claimed handoff updates "handled today".
    await desk.as_(token, "POST", f"/api/handoffs/{first['id']}/close", json={"resolution": "done"})
    await expect(page.locator("#stat-handled")).to_have_text("1")
    await expect(load.locator("td").nth(2)).to_have_text("1")
    await page.get_by_label("Period").select_option("today")
    await expect(page.get_by_role("img", name=re.compile("Escalations per hour"))).to_be_visible()


async def test_supervisors_are_alerted_when_nobody_picks_a_handoff_up(
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    browser: Browser,
    delivery: FakeDelivery,
    closes: CloseRecorder,
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    settings = HandoffSettings(
        database_url=sqlite_url, admin_token=ADMIN_TOKEN, broker="none", pickup_timeout_s=0.5
    )
    desk = await start_desk(settings, DeskSettings(), delivery, closes)
    try:
        await desk.agent("sue", "supervisor")
        page = await open_desk(browser, desk.url, "sue")
        handoff = await desk.create_handoff("fay")
        card = page.locator("#queue li", has_text=handoff["customer_id"])
        await expect(card).to_contain_text("Overdue: customer told to hold on")
        await expect(page.locator("#announcer")).to_contain_text(
            f"Overdue: {handoff['customer_id']} has waited"
        )
        # The customer was told, and the notice is in the transcript the agent will read.
        assert [recipient for _, recipient, _ in delivery.sent] == [handoff["customer_id"]]
        await card.get_by_role("link").click()
        await expect(page.locator("#transcript li.from-bot").last).to_contain_text(
            delivery.sent[0][2][:40]
        )
    finally:
        await desk.stop()


async def test_card_numbers_show_masked_on_the_page(desk: Desk, browser: Browser) -> None:
    # handoff.desk.masking: the page never receives the whole number.
    card_number = "4242 4242 4242 4242"
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    transcript = [
        {"role": "customer", "text": f"my card is {card_number}", "timestamp": 1767225600.0},
        {"role": "bot", "text": "I'll get you a person.", "timestamp": 1767225601.0},
    ]
    handoff = await desk.create_handoff("ann", transcript=transcript)
    await page.locator("#queue li", has_text=handoff["customer_id"]).get_by_role("link").click()
    log = page.get_by_role("log", name="Transcript")
    await expect(log.locator("li").first).to_contain_text("my card is [card ending 4242]")
    # A message arriving live comes masked through the event stream.
    await desk.admin(
        "POST",
        f"/api/handoffs/{handoff['id']}/customer-messages",
        json={"text": f"it's still {card_number}"},
    )
    await expect(log.locator("li.from-customer").last).to_contain_text(
        "it's still [card ending 4242]"
    )
    assert "4242 4242" not in await page.content()
    no_page_errors(page)


async def test_the_insights_view(desk: Desk, browser: Browser) -> None:
    keeper = context_of(desk.app).records
    assert keeper is not None
    week = simulated_week()
    stream = stream_of(week.events)
    keeper.add(stream)
    keeper.settle(as_of=at(stream[-1].event["timestamp"]) + dt.timedelta(seconds=QUIET_S))
    first_day = at(START).date()
    await desk.agent("sue", "supervisor")
    page = await open_desk(browser, desk.url, "sue")

    await page.get_by_role("link", name="Insights").click()
    await page.get_by_label("From", exact=True).fill(str(first_day))
    await page.get_by_label("To", exact=True).fill(str(first_day + dt.timedelta(days=7)))
    started = time.perf_counter()
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("#insight-sessions")).to_have_text(str(week.sessions))
    print(f"\ninsights of {week.sessions} sessions shown in {time.perf_counter() - started:.2f} s")
    reasons = page.get_by_role("img", name=re.compile("Conversations per reason"))
    reasons_seen = {r for ts in week.truths.values() for t in ts for r in t.contact_reasons}
    await expect(reasons.locator("rect")).to_have_count(min(10, len(reasons_seen)))
    sentiment = page.get_by_role("img", name=re.compile("Mean sentiment per day"))
    await expect(sentiment.locator("circle")).to_have_count(7)
    await expect(page.locator("#misses tr").first).to_contain_text("after")
    # Each miss links to its messages in the trainers' review inbox (handoff.desk.review).
    link = page.locator("#misses tr").first.get_by_role("link")
    review_id = await link.inner_text()
    await expect(link).to_have_attribute("href", f"/desk/review.html#{quote(review_id, safe='')}")
    await expect(page.locator("#insight-bot-first")).to_have_text(re.compile(r"^\d+\.\d s$"))
    # The week has no handoff database behind it: no people's times.
    await expect(page.locator("#insight-agent-first")).to_have_text("\u2013")  # en dash
    scores = [t.csat_score for ts in week.truths.values() for t in ts if t.csat_score]
    satisfied = round(100 * sum(s >= 4 for s in scores) / len(scores))
    await expect(page.locator("#insight-csat")).to_have_text(f"{satisfied}% of {len(scores)}")
    csat = page.get_by_role("img", name=re.compile("Answers per score"))
    await expect(csat.locator("rect")).to_have_count(5)
    await expect(csat).to_have_attribute(
        "aria-label", re.compile(f"1: {scores.count(1)}, 2: {scores.count(2)}, ")
    )
    # Sentiment per product: a bar each (liked ones right of zero), the most named as lines.
    named = Counter(p for ts in week.truths.values() for t in ts for p in t.products)
    per_product = page.get_by_role("img", name=re.compile("Mean sentiment per product"))
    await expect(per_product.locator("rect")).to_have_count(len(named))
    most = min(named, key=lambda p: (-named[p], p))  # ranked as the figures rank them
    label = rf"^Mean sentiment per product: {most} [+-]\d\.\d\d \({named[most]} conversations\)"
    await expect(per_product).to_have_attribute("aria-label", re.compile(label))
    trend = page.get_by_role("img", name=re.compile("Sentiment per day of the most named products"))
    await expect(trend.locator("polyline")).to_have_count(min(TOP_PRODUCTS, len(named)))
    await expect(page.locator("#products-legend .legend-item")).to_have_count(
        min(TOP_PRODUCTS, len(named))
    )
    table = page.locator("#products tr")
    await expect(table).to_have_count(len(named))
    await expect(table.first.locator("th")).to_have_text(most)

    await page.get_by_label("SMS", exact=True).uncheck()
    await page.get_by_label("Messenger", exact=True).uncheck()
    await page.get_by_label("Web", exact=True).uncheck()
    await page.get_by_role("button", name="Show").click()
    telegram = sum(1 for ts in week.truths.values() for t in ts if t.channel == "telegram")
    await expect(page.locator("#insight-sessions")).to_have_text(str(telegram))
    href = await page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert href is not None and "channel=telegram" in href and "channel=sms" not in href
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download CSV").click()
    path = await (await download.value).path()
    assert path is not None
    rows = path.read_text().splitlines()
    assert len(rows) == telegram + 1  # and the header
    assert page.desk_errors == []  # type: ignore[attr-defined]


async def test_a_supervisor_sees_the_customer_s_earlier_conversations(
    desk: Desk, browser: Browser
) -> None:
    # Jane asked the bot about an order on Telegram two days ago; now she is on SMS.
    keeper = context_of(desk.app).records
    assert keeper is not None
    telegram = Chat("telegram", start=time.time() - 2 * 86_400).session()
    telegram.user("where is my order A1234", "order_status", order_id="A1234")
    telegram.respond("utter_order_status")
    telegram.survey_question("s-jane", "bot").survey_answer("s-jane", "csat_score", 2)
    telegram.survey_answer("s-jane", "csat_comment", "it took three tries")
    keeper.add([StreamEvent("tg-jane", e) for e in telegram.events])
    keeper.settle()
    linked = await desk.admin(
        "PUT", "/api/customers/links/tg-jane", json={"customer_key": "manual:jane-doe"}
    )
    assert linked.status_code == 200, linked.text
    handoff = await desk.create_handoff("jane")
    await desk.agent("sue", "supervisor")
    page = await open_desk(browser, desk.url, "sue")

    await page.locator("#queue li", has_text=handoff["customer_id"]).get_by_role("link").click()
    earlier = page.get_by_role("region", name="Earlier conversations")
    # Linked by the SMS number as it arrived; nothing else is that customer's yet.
    await expect(earlier).to_contain_text(f"Customer phone:{handoff['conversation_id']}.")
    await expect(earlier).to_contain_text("None yet")

    await earlier.get_by_label("Link to customer").fill("manual:jane-doe")
    await earlier.get_by_role("button", name="Link", exact=True).click()
    await expect(earlier).to_contain_text("Customer manual:jane-doe, linked by sue.")
    item = earlier.locator("#history li")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("Telegram")
    await expect(item).to_contain_text("Resolved by the bot")
    await expect(item).to_contain_text("About: Order status")
    await expect(item).to_contain_text("Rated 2/5: \u201cit took three tries\u201d")
    await expect(earlier.get_by_role("status")).to_have_text("")

    await earlier.get_by_role("button", name="Unlink").click()
    await expect(earlier).to_contain_text("Not linked to a customer yet.")
    await expect(earlier).to_contain_text("None yet")
    await expect(earlier.get_by_role("button", name="Unlink")).to_be_hidden()
    no_page_errors(page)

"""Skills routing in the desk, in a real headless Chromium (handoff/desk/static/routing.js):
an agent's status switch, offers with their countdown (accepted, declined, expired),
and the supervisor's queues per skill and skills form.

Routing is on (HANDOFF_AUTO_ASSIGN) in every test here: the service's router
offers each waiting handoff to an available agent with its skills.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from handoff.settings import HandoffSettings
from tests.handoff.conftest import ADMIN_TOKEN
from tests.handoff.desk.conftest import Desk, open_desk

OFFER_COUNTDOWN = re.compile(r"^(\d+):(\d\d) left to answer$")


@pytest.fixture
def offer_timeout_s() -> float:
    """Long enough to read the countdown and answer, unless a test wants it to run out."""
    return 30.0


@pytest.fixture
def settings(sqlite_url: str, offer_timeout_s: float) -> HandoffSettings:
    return HandoffSettings(
        database_url=sqlite_url,
        admin_token=ADMIN_TOKEN,
        broker="none",
        auto_assign=True,
        offer_timeout_s=offer_timeout_s,
    )


def no_page_errors(page: Page) -> None:
    errors = page.desk_errors  # type: ignore[attr-defined]
    assert errors == [], errors


async def go_available(page: Page) -> None:
    await page.get_by_label("My status").select_option("available")
    await expect(page.locator("#announcer")).to_contain_text("Your status is now Available")


def seconds_left(text: str) -> int:
    match = OFFER_COUNTDOWN.match(text)
    assert match, text
    return int(match[1]) * 60 + int(match[2])


async def test_the_status_switch_sets_and_shows_the_agents_state(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    status = page.get_by_label("My status")
    await expect(status).to_have_value("offline")  # agents start offline (migration 0010)

    await status.select_option("away")
    await expect(page.locator("#announcer")).to_contain_text("Your status is now Away")
    profiles = (await desk.admin("GET", "/api/agents/routing")).json()["agents"]
    assert [(p["name"], p["state"]) for p in profiles] == [("sam", "away")]

    await page.reload()
    await expect(page.get_by_label("My status")).to_have_value("away")
    await go_available(page)
    await page.reload()
    await expect(page.get_by_label("My status")).to_have_value("available")
    no_page_errors(page)


async def test_an_offer_counts_down_and_accepting_opens_the_conversation(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    offers = page.get_by_role("region", name="Offered to you")
    await expect(offers).to_be_hidden()
    await go_available(page)

    handoff = await desk.create_handoff("ann")
    await expect(offers).to_be_visible()
    offer = offers.locator("li", has_text=handoff["customer_id"])
    await expect(offer).to_contain_text("SMS")
    await expect(offer).to_contain_text("Strong anger · Explicit request")
    countdown = offer.locator(".countdown")
    await expect(countdown).to_have_text(OFFER_COUNTDOWN)
    first = seconds_left(await countdown.inner_text())
    assert 20 <= first <= 30
    # It counts down live, by the server's clock.
    await expect(countdown).not_to_have_text(await countdown.inner_text(), timeout=3000)
    assert seconds_left(await countdown.inner_text()) < first
    await expect(page.locator("#announcer")).to_contain_text("A conversation is offered to you")

    await offer.get_by_role("button", name="Accept").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{handoff['customer_id']} on SMS"
    )
    await expect(page.locator("#conversation-status")).to_contain_text("You hold this conversation")
    await expect(offers).to_be_hidden()
    stored = (await desk.admin("GET", f"/api/handoffs/{handoff['id']}")).json()
    assert (stored["status"], stored["assigned_to"], stored["offered_to"]) == (
        "assigned",
        "sam",
        None,
    )
    no_page_errors(page)


async def test_a_declined_offer_leaves_the_desk_and_goes_to_someone_else(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    await desk.agent("kim")
    sam = await open_desk(browser, desk.url, "sam")
    await go_available(sam)
    handoff = await desk.create_handoff("bob")
    offer = sam.locator("#offers-list li", has_text=handoff["customer_id"])
    await expect(offer.locator(".countdown")).to_have_text(OFFER_COUNTDOWN)

    kim = await open_desk(browser, desk.url, "kim")
    await go_available(kim)
    await offer.get_by_role("button", name="Decline").click()
    await expect(sam.get_by_role("region", name="Offered to you")).to_be_hidden()
    await expect(sam.locator("#announcer")).to_contain_text("Declined")
    # Still waiting in sam's queue, and now offered to kim.
    await expect(sam.locator("#queue li", has_text=handoff["customer_id"])).to_be_visible()
    await expect(
        kim.locator("#offers-list li", has_text=handoff["customer_id"]).locator(".countdown")
    ).to_have_text(OFFER_COUNTDOWN)
    stored = (await desk.admin("GET", f"/api/handoffs/{handoff['id']}")).json()
    assert stored["passed_over"] == ["sam"] and stored["offered_to"] == "kim"
    no_page_errors(sam)
    no_page_errors(kim)


@pytest.mark.parametrize("offer_timeout_s", [2.0])
async def test_an_offer_left_unanswered_disappears_when_it_expires(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    await go_available(page)
    handoff = await desk.create_handoff("cy")
    offers = page.get_by_role("region", name="Offered to you")
    await expect(offers.locator("li", has_text=handoff["customer_id"])).to_be_visible()
    await expect(offers).to_be_hidden(timeout=6000)
    await expect(page.locator("#announcer")).to_contain_text("expired")
    no_page_errors(page)


async def test_a_supervisor_sees_the_queues_per_skill_and_edits_an_agents_skills(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sue", "supervisor")
    await desk.agent("sam")
    sam = await open_desk(browser, desk.url, "sam")
    await go_available(sam)
    # Spanish, about a refund: nobody speaks Spanish yet.
    handoff = await desk.create_handoff("dolores", language="es")
    assert handoff["language"] == "es"

    sue = await open_desk(browser, desk.url, "sue")
    await sue.get_by_role("link", name="Supervisor").click()
    queues = sue.get_by_role("region", name="Queues per skill")
    spanish = queues.locator("tr", has_text="Language: Spanish (es)")
    cells = spanish.locator("td")
    await expect(cells.nth(0)).to_have_text("1")  # waiting
    await expect(cells.nth(2)).to_have_text(re.compile(r"\d+ s"))  # oldest wait
    await expect(cells.nth(3)).to_have_text("0")  # agents available
    await expect(spanish).to_have_class(re.compile("unstaffed"))
    english = queues.locator("tr", has_text="Language: English (en)")
    await expect(english.locator("td").nth(3)).to_have_text("1")
    await expect(sue.locator("#queues-note")).to_contain_text("1 waiting with nobody available")

    skills = sue.get_by_role("region", name="Agents' skills")
    await expect(skills.locator("tr[data-agent=sam]")).to_contain_text("Available")
    await sue.locator("#skills-agent").select_option("sam")
    await expect(sue.locator("#skills-languages")).to_have_value("en")
    await sue.locator("#skills-languages").fill("en, ES")
    await sue.locator("#skills-capacity").fill("0")
    await sue.get_by_role("button", name="Save skills").click()
    await expect(sue.locator("#skills-error")).to_contain_text("Capacity is a whole number")
    await sue.locator("#skills-capacity").fill("2")
    await sue.get_by_role("button", name="Save skills").click()
    await expect(skills.locator("tr[data-agent=sam] td").nth(1)).to_have_text("en, es")
    await expect(skills.locator("tr[data-agent=sam] td").nth(3)).to_have_text("2")

    # sam speaks Spanish now: the router offers them the handoff.
    await expect(
        sam.locator("#offers-list li", has_text=handoff["customer_id"]).locator(".countdown")
    ).to_have_text(OFFER_COUNTDOWN)
    await sue.get_by_label("Period").select_option("today")  # refreshes the numbers
    await expect(spanish.locator("td").nth(3)).to_have_text("1")
    no_page_errors(sue)
    no_page_errors(sam)


async def test_agents_see_no_supervisor_queues(desk: Desk, browser: Browser) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    await expect(page.get_by_role("link", name="Supervisor")).to_be_hidden()
    response = await desk.as_(await desk.new_agent("kim"), "GET", "/api/queues")
    assert response.status_code == 403
    no_page_errors(page)

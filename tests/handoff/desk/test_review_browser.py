"""The review inbox page (handoff/desk/static/review.html) in a real headless Chromium:
what a supervisor sees when they follow a miss from the Insights page, and what
everyone else sees. Fixtures: tests/handoff/desk/conftest.py (the desk on a real
server, Debian's Chromium)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, expect

from handoff.desk import DeskSettings
from handoff.desk.review import CACHE
from plumbing.scrub import scrub_identifier
from tests.handoff.desk.conftest import Desk, open_desk
from training.review import ReviewItem, header, write_inbox

PHONE = "+14155550123"
REVIEW_ID = scrub_identifier(PHONE)  # what the Insights page's misses carry
CARD = "4111 1111 1111 1111"


def item(text: str, conversations: list[str], **overrides: object) -> ReviewItem:
    values: dict[str, object] = {
        "text": text,
        "count": len(conversations),
        "predicted": "greet",
        "confidence": 0.93,
        "reasons": ["low_confidence"],
        "conversations": conversations,
        "variants": [],
        "last_seen": "2026-06-01 08:00",
    }
    values.update(overrides)
    return ReviewItem(**values)  # type: ignore[arg-type]


def write(path: Path, items: list[ReviewItem]) -> None:
    since = dt.datetime(2026, 5, 25, tzinfo=dt.timezone.utc)
    write_inbox(path, items, header("sqlite:///var/tracker.db", since, ["greet"], len(items)))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "reports" / "review" / "inbox.yml"


@pytest.fixture
def desk_settings(inbox: Path) -> DeskSettings:
    # Overrides the desk conftest's: the desk reads this test's inbox.
    return DeskSettings(review_inbox=inbox)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    CACHE.clear()


def no_page_errors(page: Page) -> None:
    errors = page.desk_errors  # type: ignore[attr-defined]
    assert errors == [], errors


async def test_a_miss_opens_its_conversation_s_messages_in_the_review_inbox(
    desk: Desk, browser: Browser, inbox: Path
) -> None:
    fillers = [item(f"filler message {i}", [f"web-{i}"]) for i in range(52)]
    write(
        inbox,
        [
            item(
                f"whats left on my card {CARD}",
                [f"web-{i}" for i in range(12)] + [REVIEW_ID],
                predicted="check_balance",
                confidence=0.41,
                reasons=["fallback", "rephrased"],
                variants=["whats left on my voucher"],
            ),
            *fillers,
            item("get me a human", [REVIEW_ID], predicted="request_human", reasons=["handoff"]),
        ],
    )
    await desk.agent("sue", "supervisor")
    page = await open_desk(browser, desk.url, "sue")

    # The link the Insights page's misses table gives.
    await page.goto(f"{desk.url}/desk/review.html#{quote(REVIEW_ID, safe='')}")
    await expect(page.get_by_role("heading", name="Review inbox", level=1)).to_be_visible()
    await expect(page).to_have_title("Review inbox · Desk")
    await expect(page.locator("#review-status")).to_have_text(
        f"2 group(s) with messages of conversation {REVIEW_ID}."
    )
    await expect(page.get_by_label("Conversation (its id in the review inbox)")).to_have_value(
        REVIEW_ID
    )
    cards = page.locator("#groups > li")
    await expect(cards).to_have_count(2)
    first = cards.first
    # Masked as the desk masks transcripts; what the bot understood, and how sure.
    await expect(first).to_contain_text("whats left on my card [card ending 1111]")
    await expect(first).not_to_contain_text(CARD)
    await expect(first).to_contain_text("The bot understood check_balance with 41% confidence.")
    await expect(first).to_contain_text("the bot asked to rephrase · the customer said it again")
    await expect(first).to_contain_text("Also said as: “whats left on my voucher”")
    await expect(first).to_contain_text("and 3 more")  # 13 conversations, 10 shown
    # The conversation asked for comes first, highlighted.
    await expect(first.locator(".chip.unread")).to_have_text(REVIEW_ID)
    await expect(cards.nth(1)).to_contain_text("request_human")
    await expect(page.locator("#next-step")).to_contain_text("make review-apply")
    await expect(page.locator("#next-step code").first).to_have_text(re.compile("intent:"))

    # Another conversation, typed in.
    await page.get_by_label("Conversation (its id in the review inbox)").fill("web-3")
    await page.get_by_role("button", name="Show its messages").click()
    await expect(page).to_have_url(re.compile(r"#web-3$"))
    await expect(cards).to_have_count(2)  # the card one and "filler message 3"
    await expect(page.locator("#review-status")).to_contain_text("conversation web-3")

    # The whole inbox, a page at a time.
    await page.get_by_role("link", name="Show the whole inbox").click()
    await expect(page.locator("#review-status")).to_have_text(
        re.compile(r"^54 group\(s\) of messages in .*inbox\.yml\.$")
    )
    await expect(cards).to_have_count(50)
    await expect(page.locator("#page-info")).to_contain_text("Groups 1\u201350 of 54")  # an en dash
    await page.get_by_role("button", name="Next").click()
    await expect(cards).to_have_count(4)
    await expect(cards.last).to_contain_text("get me a human")
    await expect(page.get_by_role("button", name="Next")).to_be_disabled()

    # Not in the inbox: what to run.
    await page.goto(f"{desk.url}/desk/review.html?conversation=sha256:000000000000")
    await expect(page.locator("#review-status")).to_have_text(
        "No messages of conversation sha256:000000000000 in the inbox."
    )
    await expect(page.locator("#next-step")).to_contain_text("make review")
    no_page_errors(page)


async def test_without_an_inbox_the_page_says_to_run_make_review(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sue", "supervisor")
    page = await open_desk(browser, desk.url, "sue")
    await page.goto(f"{desk.url}/desk/review.html")
    await expect(page.locator("#review-status")).to_contain_text("There is no review inbox")
    await expect(page.locator("#next-step")).to_contain_text("make review")
    await expect(page.locator("#groups > li")).to_have_count(0)
    no_page_errors(page)


async def test_a_broken_inbox_is_explained_on_the_page(
    desk: Desk, browser: Browser, inbox: Path
) -> None:
    inbox.parent.mkdir(parents=True)
    inbox.write_text("items:\n  - text: [unclosed\n", encoding="utf-8")
    await desk.agent("sue", "supervisor")
    page = await open_desk(browser, desk.url, "sue")
    await page.goto(f"{desk.url}/desk/review.html")
    await expect(page.get_by_role("alert")).to_contain_text("line")
    await expect(page.locator("#next-step")).to_contain_text("make review FORCE=1")
    no_page_errors(page)


async def test_agents_and_strangers_are_sent_elsewhere(
    desk: Desk, browser: Browser, inbox: Path
) -> None:
    write(inbox, [item("hello", [REVIEW_ID])])
    context = await browser.new_context()
    stranger = await context.new_page()
    await stranger.goto(f"{desk.url}/desk/review.html#{quote(REVIEW_ID, safe='')}")
    await expect(stranger.get_by_role("heading", name="Sign in first")).to_be_visible()
    await expect(stranger.get_by_role("link", name="Sign in to the desk")).to_have_attribute(
        "href", "/desk"
    )
    await expect(stranger.get_by_text("hello")).to_have_count(0)
    await context.close()

    await desk.agent("sam")
    agent = await open_desk(browser, desk.url, "sam")
    await agent.goto(f"{desk.url}/desk/review.html")
    await expect(agent.get_by_role("heading", name="For supervisors")).to_be_visible()
    await expect(agent.locator("#groups > li")).to_have_count(0)

"""The agent desk end to end, in a real browser, on the real servers.

A customer escalates over SMS (Rasa, the escalation policy, action_handoff,
the handoff service); the handoff appears live on the desk of a signed-in
agent; they claim it (a second agent watching sees it taken), read the
transcript, see the customer's next message arrive live (through Rasa's event
broker), reply (the SMS reaches the fake Twilio API) and close with a
resolution; the bot says it is back and answers the customer again.

Debian's Chromium, driven by Playwright's synchronous API; the agents get
their desk passwords through ``python -m handoff.agents``, as ``make agent`` does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import ROOT, Assistant
from tests.fakes.twilio import FakeTwilio, new_number, post_inbound_sms
from tests.handoff.desk.conftest import CHROMIUM, require_chromium

pytestmark = pytest.mark.slow

PASSWORD = "a desk password for the test"
# The bot, Rasa's broker and the handoff service are all in the way: seconds, not milliseconds.
LIVE_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


def desk_agent(assistant: Assistant, name: str) -> None:
    """An agent with a desk password, made the way an operator makes one."""
    response = httpx.post(
        f"{assistant.handoff_url}/api/agents",
        json={"name": name, "role": "agent"},
        headers={"Authorization": f"Bearer {assistant.handoff_admin_token}"},
        timeout=30,
    )
    response.raise_for_status()
    # The handoff service's database, beside the others (scripts.run.isolated_environment).
    database_url = f"sqlite:///{assistant.business_db.parent / 'handoff.db'}"
    subprocess.run(
        [sys.executable, "-m", "handoff.agents", "password", name, "--password-stdin"],
        input=f"{PASSWORD}\n",
        text=True,
        cwd=ROOT,
        env={**os.environ, "HANDOFF_DATABASE_URL": database_url},
        capture_output=True,
        timeout=60,
        check=True,
    )


def sign_in(browser: Browser, assistant: Assistant, name: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{assistant.handoff_url}/desk")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    return page


def test_an_agent_works_an_sms_handoff_on_the_desk(
    assistant: Assistant, fake_twilio: FakeTwilio, browser: Browser
) -> None:
    customer = new_number()
    sam_name, kim_name = f"sam{customer[-4:]}", f"kim{customer[-4:]}"
    desk_agent(assistant, sam_name)
    desk_agent(assistant, kim_name)
    sam = sign_in(browser, assistant, sam_name)
    kim = sign_in(browser, assistant, kim_name)

    # The customer escalates; the handoff appears on both desks without a reload.
    post_inbound_sms(
        assistant.rasa_url, customer, "WHERE IS MY ORDER 12345678, third time asking!!!"
    ).raise_for_status()
    fake_twilio.wait_for_messages(customer, 1)  # "you are number N in the queue"
    for page in (sam, kim):
        card = page.locator("#queue li", has_text=customer)
        expect(card).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        expect(card).to_contain_text("SMS")
        expect(card).to_contain_text("Anger")
        expect(card).to_contain_text("Order 12345678")
        card.get_by_role("link").click()

    # The transcript, with the message that triggered the escalation highlighted.
    transcript = sam.get_by_role("log", name="Transcript")
    trigger = transcript.locator("li.trigger")
    expect(trigger).to_contain_text("third time asking")
    expect(trigger).to_contain_text("Escalated here")
    expect(sam.locator("#customer")).to_contain_text("12345678")

    # Sam claims; Kim, looking at the same handoff, sees it taken.
    sam.get_by_role("button", name="Claim").click()
    expect(sam.locator("#conversation-status")).to_contain_text("You hold this conversation")
    expect(kim.locator("#conversation-status")).to_have_text(f"Taken by {sam_name}.")
    expect(kim.get_by_role("button", name="Claim")).to_be_hidden()

    # What the customer writes now reaches the desk live, not the bot.
    post_inbound_sms(assistant.rasa_url, customer, "hello?? anyone there").raise_for_status()
    expect(transcript.locator("li.from-customer").last).to_contain_text(
        "hello?? anyone there", timeout=LIVE_TIMEOUT_MS
    )
    assert len(fake_twilio.messages(customer)) == 1

    # The reply reaches the customer's phone through Twilio.
    reply = "Hi, I'm Sam. Your parcel is with UPS and arrives on Wednesday, sorry for the wait."
    expect(sam.locator("#reply-count")).to_contain_text("/ 1600 characters")
    sam.get_by_label("Message to the customer").fill(reply)
    sam.get_by_role("button", name="Send reply").click()
    expect(transcript.locator("li.from-agent", has_text="arrives on Wednesday")).to_contain_text(
        "Delivered to the channel", timeout=LIVE_TIMEOUT_MS
    )
    fake_twilio.wait_for_messages(customer, 2)
    assert fake_twilio.bodies(customer)[1] == reply

    # Closing with a resolution gives the conversation back to the bot, which says so.
    sam.get_by_label("Resolution").fill("Tracking given; arrives Wednesday.")
    sam.get_by_role("button", name="Close and hand back to the bot").click()
    expect(sam.locator("#conversation-status")).to_contain_text(
        re.compile(r"^Closed: Tracking given; arrives Wednesday\.")
    )
    fake_twilio.wait_for_messages(customer, 3)
    assert "automated assistant" in fake_twilio.bodies(customer)[2]

    # And the bot answers the customer again.
    post_inbound_sms(assistant.rasa_url, customer, "where is order 12345678").raise_for_status()
    fake_twilio.wait_for_messages(customer, 4)
    assert "on its way" in fake_twilio.bodies(customer)[3]
    expect(sam.locator("#queue li", has_text=customer)).to_have_count(0)

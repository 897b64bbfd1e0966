"""Screenshots of the agent desk for the README: ``python -m scripts.desk_screenshots``.

Starts the handoff service with the desk on a free port and a throw-away
SQLite database, fills it with a realistic morning (a queue of waiting
handoffs on every channel, a conversation an agent is working, a week of
closed ones for the supervisor's chart), signs in with Debian's headless
Chromium through Playwright, and writes ``docs/desk-queue.png``,
``docs/desk-conversation.png``, ``docs/desk-supervisor.png`` and
``docs/desk-insights.png`` (the tests' simulated week of conversation records).
Nothing is sent anywhere: replies go to a ``deliver`` hook that keeps them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import socket
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import Page, ViewportSize, async_playwright

from handoff.context import context_of
from handoff.desk import DeskSettings, install
from handoff.desk.accounts import AccountStore
from handoff.models import DELIVERY_SENT, utc_now
from handoff.service import create_app
from handoff.settings import HandoffSettings
from handoff.store import Agent, Handoff, HandoffStore, NewMessage
from tests.handoff.insights.conftest import START, at
from tests.handoff.insights.simulated_handoffs import staff_the_week
from tests.handoff.insights.simulated_week import simulated_week
from tests.handoff.insights.test_keeper import stream_of
from tests.handoff.insights.test_simulated_week import records_of

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshots only"
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}


async def keep(_channel: str, _recipient: str, _text: str) -> None:
    """Replies go nowhere: this is a picture."""


async def resume(_handoff: Handoff) -> bool:
    return True


def ago(now: dt.datetime, **delta: float) -> dt.datetime:
    return now - dt.timedelta(**delta)


async def waiting(
    store: HandoffStore,
    now: dt.datetime,
    key: str,
    *,
    channel: str,
    customer_id: str,
    customer: dict[str, Any],
    reasons: list[str],
    priority: int,
    anger: float,
    summary: dict[str, Any],
    messages: list[tuple[str, str, float]],
    waited_s: float,
) -> Handoff:
    created = ago(now, seconds=waited_s)
    handoff, _ = await store.create_handoff(
        escalation_id=f"demo-{key}",
        conversation_id=f"demo-{key}",
        channel=channel,
        customer_id=customer_id,
        customer=customer,
        reasons=reasons,
        priority=priority,
        anger=anger,
        summary=summary,
        transcript=[
            NewMessage(role, text, ago(created, seconds=before_s))
            for role, text, before_s in messages
        ],
        now=created,
    )
    return handoff


async def fill(store: HandoffStore, accounts: AccountStore) -> int:
    """The demo data; the id of the conversation to photograph."""
    for name, role in (("maria", "agent"), ("james", "agent"), ("priya", "supervisor")):
        await store.create_agent(name, role)
        await accounts.set_password(name, PASSWORD)
    now = utc_now()

    # A week of closed handoffs, for the supervisor's chart.
    history = [
        ["anger"],
        ["explicit_request"],
        ["repeated_fallback", "bot_did_not_help"],
        ["payment_dispute"],
        ["strong_anger", "explicit_request"],
        ["anger_trend"],
        ["explicit_request"],
        ["form_failures"],
        ["fraud"],
        ["explicit_request", "anger"],
    ]
    for day in range(7):
        for index in range((day * 3) % 5 + 2):
            reasons = history[(day + index) % len(history)]
            created = ago(now, days=day, hours=index + 1)
            handoff, _ = await store.create_handoff(
                escalation_id=f"past-{day}-{index}",
                conversation_id=f"past-{day}-{index}",
                channel=("sms", "telegram", "messenger")[index % 3],
                customer_id=f"past-{day}-{index}",
                reasons=reasons,
                priority=1 if "strong_anger" in reasons else 3,
                summary={},
                now=created,
            )
            agent = ("maria", "james")[index % 2]
            await store.claim(handoff.id, agent, now=created + dt.timedelta(minutes=2))
            await store.close(handoff.id, agent, "resolved", now=created + dt.timedelta(minutes=9))

    # The queue.
    await waiting(
        store,
        now,
        "sms-angry",
        channel="sms",
        customer_id="+15550134",
        customer={"sender_id": "+15550134"},
        reasons=["strong_anger", "explicit_request"],
        priority=1,
        anger=0.91,
        summary={"intents": ["order_status", "request_human"], "order_id": "40318876"},
        messages=[
            ("customer", "where is order 40318876", 70),
            ("bot", "Order 40318876 shipped with DHL on Monday; tracking: JD0142.", 69),
            ("customer", "It says delivered. IT IS NOT HERE. Third time asking, get me a human", 1),
        ],
        waited_s=392,
    )
    await waiting(
        store,
        now,
        "tg-dispute",
        channel="telegram",
        customer_id="48211907",
        customer={"name": "Lena Fischer"},
        reasons=["payment_dispute"],
        priority=2,
        anger=0.35,
        summary={
            "intents": ["refund_status"],
            "order_id": "40299120",
            "email": "lena.fischer@example.com",
        },
        messages=[("customer", "I was charged twice for order 40299120", 5)],
        waited_s=171,
    )
    await waiting(
        store,
        now,
        "ms-request",
        channel="messenger",
        customer_id="6710455",
        customer={"name": "Tom Okafor"},
        reasons=["explicit_request"],
        priority=3,
        anger=0.08,
        summary={"intents": ["change_address", "request_human"]},
        messages=[("customer", "can I talk to someone about changing my address?", 3)],
        waited_s=95,
    )
    await waiting(
        store,
        now,
        "sms-fallback",
        channel="sms",
        customer_id="+15550877",
        customer={"sender_id": "+15550877"},
        reasons=["repeated_fallback", "bot_did_not_help"],
        priority=3,
        anger=0.22,
        summary={"intents": ["promotions"]},
        messages=[("customer", "the thing with the voucher from the email??", 2)],
        waited_s=38,
    )

    # The conversation Maria is working on.
    worked = await waiting(
        store,
        now,
        "tg-late",
        channel="telegram",
        customer_id="39912011",
        customer={"name": "Daniel Reyes"},
        reasons=["anger", "repeated_request"],
        priority=3,
        anger=0.64,
        summary={
            "intents": ["order_status", "request_human"],
            "order_id": "40276513",
            "email": "d.reyes@example.com",
        },
        messages=[
            ("customer", "Hi, where is my order 40276513?", 480),
            ("bot", "Order 40276513 is on its way with UPS and should arrive by Friday.", 479),
            ("customer", "You said Friday last week too.", 300),
            ("bot", "I'm sorry about the wait. It's with UPS, tracking 1Z999AA10123456784.", 299),
            (
                "customer",
                "That tracking number hasn't moved in 6 days. I want to talk to a person.",
                2,
            ),
        ],
        waited_s=420,
    )
    claimed_at = ago(now, seconds=330)
    await store.claim(worked.id, "maria", now=claimed_at)
    maria = Agent(0, "maria", "agent")
    reply = await store.agent_message(
        worked.id,
        maria,
        "Hi Daniel, this is Maria from the support team. I've read your conversation and "
        "I'm taking it from here. Let me check with UPS.",
        now=ago(now, seconds=300),
    )
    await store.set_delivery(reply.id, DELIVERY_SENT)
    await store.agent_message(
        worked.id,
        maria,
        "UPS portal: parcel stuck at the Memphis hub since the 2nd. Offer a replacement.",
        internal=True,
        now=ago(now, seconds=200),
    )
    await store.append_message(
        worked.id,
        "customer",
        "ok, thank you. I need it for a birthday on Saturday",
        ago(now, seconds=90),
    )
    return worked.id


async def sign_in(page: Page, url: str, name: str) -> None:
    await page.goto(f"{url}/desk")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Queue", level=1).wait_for()


async def photograph(url: str, conversation_id: int, out: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await (await browser.new_context(viewport=VIEWPORT)).new_page()
            await sign_in(page, url, "maria")
            await page.locator("#queue li").nth(3).wait_for()
            await page.wait_for_timeout(1200)  # the timers tick once
            await page.screenshot(path=str(out / "desk-queue.png"))

            # Tall enough for the whole transcript, which scrolls within 60% of the window.
            await page.set_viewport_size({"width": 1280, "height": 1300})
            await page.goto(f"{url}/desk#/handoffs/{conversation_id}")
            await page.locator("#transcript li").nth(7).wait_for()
            await page.get_by_label("Message to the customer").fill(
                "I've sent a replacement by express: it arrives Friday, before the birthday. "
                "You'll get the new tracking number by email within the hour."
            )
            await page.get_by_label("Resolution").fill(
                "Parcel lost at UPS hub; express replacement sent."
            )
            await page.screenshot(path=str(out / "desk-conversation.png"), full_page=True)

            supervisor = await (await browser.new_context(viewport=VIEWPORT)).new_page()
            await sign_in(supervisor, url, "priya")
            await supervisor.goto(f"{url}/desk#/supervisor")
            await supervisor.locator("#chart rect").first.wait_for()
            await supervisor.screenshot(path=str(out / "desk-supervisor.png"), full_page=True)

            await supervisor.goto(f"{url}/desk#/insights")
            first_day = at(START).date()
            await supervisor.get_by_label("From", exact=True).fill(str(first_day))
            await supervisor.get_by_label("To", exact=True).fill(
                str(first_day + dt.timedelta(days=6))
            )
            await supervisor.get_by_role("button", name="Show").click()
            await supervisor.locator("#top-reasons-chart rect").first.wait_for()
            await supervisor.screenshot(path=str(out / "desk-insights.png"), full_page=True)
        finally:
            await browser.close()


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as state:
        settings = HandoffSettings(
            database_url=f"sqlite:///{state}/handoff.db",
            admin_token="screenshots",
            broker="none",
            # Long enough that no pickup notice changes the picture while it is taken.
            pickup_timeout_s=3600,
        )
        app = create_app(settings, deliver=keep, on_close=resume, name="desk_screenshots")
        install(app, DeskSettings())
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        assert server is not None
        await server.startup()
        await server.before_start()
        await server.start_serving()
        await server.after_start()
        try:
            ctx = context_of(app)
            assert ctx.desk is not None
            conversation = await fill(ctx.store, ctx.desk.accounts)
            # The insights view: the tests' simulated week of 520 sessions, its
            # handoffs worked by an agent.
            assert ctx.records is not None
            week = simulated_week()
            await staff_the_week(ctx.store, [r for rs in records_of(week).values() for r in rs])
            stream = stream_of(week.events)
            ctx.records.add(stream)
            ctx.records.settle(at(stream[-1].event["timestamp"]) + dt.timedelta(hours=2))
            await photograph(f"http://127.0.0.1:{sock.getsockname()[1]}", conversation, out)
        finally:
            await server.before_stop()
            await server.close()
            await server.after_stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m scripts.desk_screenshots")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    asyncio.run(main(parser.parse_args().out))

"""Customer satisfaction end to end, on the real servers, with the fake Telegram API.

A customer on Telegram asks for a person (Rasa, action_handoff, the handoff
service); an agent claims and closes the handoff; the handoff service plans
the survey and the Rasa server asks it in the chat with five inline buttons;
the customer presses one and adds a comment; the score and comment reach the
conversation's record through Rasa's event broker, and the supervisors'
insights count them. A second customer scores 1: with
``HANDOFF_CSAT_REOPEN_AT_OR_BELOW=2`` they are back in the queue, the bot
paused, and told so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from bot.channels.telegram import SECRET_TOKEN_HEADER
from handoff.surveys.runner import REOPENED_NOTICE
from tests.e2e_stack import stack_fixture
from tests.fakes.credentials import TELEGRAM_SECRET_TOKEN
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.slow

T = TypeVar("T")
# The survey waits HANDOFF_CSAT_DELAY_S after the close, and the worker looks every 10 s.
SURVEY_TIMEOUT_S = 60.0
_ids = itertools.count(int(time.time()) % 1_000_000 * 100)


class Stack:
    def __init__(self, env: dict[str, str]) -> None:
        self.rasa_url = f"http://127.0.0.1:{env['RASA_PORT']}"
        self.handoff = httpx.Client(
            base_url=env["HANDOFF_URL"],
            headers={"Authorization": f"Bearer {env['HANDOFF_ADMIN_TOKEN']}"},
            timeout=30,
        )

    def telegram(self, update: dict[str, Any]) -> None:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/telegram/webhook",
            json={"update_id": next(_ids), **update},
            headers={SECRET_TOKEN_HEADER: TELEGRAM_SECRET_TOKEN},
            timeout=30,
        )
        response.raise_for_status()

    def write(self, chat_id: int, text: str) -> None:
        chat = {"id": chat_id, "type": "private", "first_name": "Ada"}
        message = {
            "message_id": next(_ids), "date": int(time.time()), "chat": chat,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"}, "text": text,
        }  # fmt: skip
        self.telegram({"message": message})

    def press(self, chat_id: int, question: dict[str, Any], title: str) -> None:
        """The customer presses the button titled ``title`` under the bot's ``question``."""
        keyboard = question["reply_markup"]["inline_keyboard"]
        button = next(b for row in keyboard for b in row if b["text"].startswith(title))
        bot_message = {
            "message_id": next(_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Ada"},
            "from": {"id": 7000001, "is_bot": True, "first_name": "Northwind"},
            "text": question["text"], "reply_markup": {"inline_keyboard": keyboard},
        }  # fmt: skip
        query = {
            "id": f"cq-{next(_ids)}", "chat_instance": "42", "message": bot_message,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
            "data": button["callback_data"],
        }  # fmt: skip
        self.telegram({"callback_query": query})

    def handed_off(self, chat_id: int) -> dict[str, Any]:
        """The conversation's open handoff, once the escalation reached the service."""

        def find() -> dict[str, Any] | None:
            listed = self.handoff.get("/api/handoffs", params={"status": "waiting"}).json()
            items = listed["handoffs"] if isinstance(listed, dict) else listed
            return next((h for h in items if h["conversation_id"] == str(chat_id)), None)

        return eventually(find, "the handoff")

    def close_as_agent(self, handoff_id: int) -> None:
        created = self.handoff.post("/api/agents", json={"name": f"ann{handoff_id}"})
        created.raise_for_status()
        agent = {"Authorization": f"Bearer {created.json()['token']}"}
        path = f"/api/handoffs/{handoff_id}"
        self.handoff.post(f"{path}/claim", headers=agent).raise_for_status()
        self.handoff.post(
            f"{path}/close", json={"resolution": "refund sent"}, headers=agent
        ).raise_for_status()


def eventually(find: Callable[[], T | None], what: str, timeout_s: float = 60.0) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


stack = stack_fixture(
    "surveys",
    lambda servers: Stack(servers.env),
    HANDOFF_CSAT_DELAY_S="2",
    HANDOFF_CSAT_REOPEN_AT_OR_BELOW="2",
)


def survey_question(telegram: FakeTelegram, chat_id: int, after: int) -> dict[str, Any]:
    """The first message after the first ``after`` that carries buttons: the survey."""

    def find() -> dict[str, Any] | None:
        sent = telegram.sent_messages(chat_id)[after:]
        return next((m for m in sent if "reply_markup" in m), None)

    return eventually(find, "the survey question", SURVEY_TIMEOUT_S)


def handed_off_and_closed(stack: Stack, telegram: FakeTelegram, chat_id: int) -> int:
    stack.write(chat_id, "I want to talk to a real person please")
    handoff = stack.handed_off(chat_id)
    stack.close_as_agent(handoff["id"])
    # The bot says it is back (utter_handoff_resumed) before anything else.
    eventually(
        lambda: any("automated assistant" in t for t in telegram.sent_texts(chat_id)),
        "the hand-back",
    )
    return len(telegram.sent_messages(chat_id))


def test_a_customer_rates_a_handoff_in_telegram_and_the_insights_count_it(
    stack: Stack, fake_telegram: FakeTelegram
) -> None:
    chat_id = 880_000 + next(_ids) % 100_000
    before = handed_off_and_closed(stack, fake_telegram, chat_id)

    question = survey_question(fake_telegram, chat_id, before)
    keyboard = question["reply_markup"]["inline_keyboard"]
    assert [b["text"][0] for row in keyboard for b in row] == ["1", "2", "3", "4", "5"]
    asked = len(fake_telegram.sent_messages(chat_id))
    stack.press(chat_id, question, "4")
    fake_telegram.wait_for_messages(chat_id, asked + 1)  # thanks, and may we know more?
    stack.write(chat_id, "Quick and friendly, thank you")
    fake_telegram.wait_for_messages(chat_id, asked + 2)

    today = dt.datetime.now(dt.timezone.utc).date().isoformat()

    def counted() -> dict[str, Any] | None:
        figures = stack.handoff.get("/api/insights", params={"since": today, "until": today})
        csat = figures.json()["csat"]
        return csat if csat["by_kind"]["handoff"]["answered"] >= 1 else None

    csat = eventually(counted, "the score in the insights")
    assert csat["distribution"]["4"] >= 1

    def commented() -> list[str] | None:
        records = stack.handoff.get(
            "/api/insights/records", params={"since": today, "until": today, "format": "jsonl"}
        )
        return [line for line in records.text.splitlines() if "Quick and friendly" in line]

    (record,) = eventually(commented, "the comment in the record")
    assert '"csat_score": 4' in record and '"csat_kind": "handoff"' in record
    # The comment went to no one but the record: the bot never answered it.
    assert not any("rephrase" in t.lower() for t in fake_telegram.sent_texts(chat_id)[asked:])


def test_a_low_score_puts_the_customer_back_in_the_queue(
    stack: Stack, fake_telegram: FakeTelegram
) -> None:
    chat_id = 990_000 + next(_ids) % 100_000
    before = handed_off_and_closed(stack, fake_telegram, chat_id)

    question = survey_question(fake_telegram, chat_id, before)
    stack.press(chat_id, question, "1")

    reopened = stack.handed_off(chat_id)
    assert reopened["reasons"] == ["low_satisfaction"]
    eventually(lambda: REOPENED_NOTICE in fake_telegram.sent_texts(chat_id), "the customer told")
    # The bot is paused: what the customer writes now reaches the person who picks it up.
    stack.write(chat_id, "the parcel never came, that's why")

    def told() -> dict[str, Any] | None:
        detail: dict[str, Any] = stack.handoff.get(f"/api/handoffs/{reopened['id']}").json()
        said = [m["text"] for m in detail["transcript"] if m["role"] == "customer"]
        return detail if any("never came" in text for text in said) else None

    detail = eventually(told, "the customer's words in the reopened handoff")
    assert detail["status"] == "waiting"
    assert "rated handoff" in detail["transcript"][0]["text"]

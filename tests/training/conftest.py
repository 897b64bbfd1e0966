"""Fixtures of the trainers' tools: a small Rasa project, and tracker stores with conversations.

The small project passes every check; a test plants one defect in it and
sees that check, and only that one, report it at the right line. The
tracker stores are written by Rasa's own SQLTrackerStore, so that the
review reads exactly what a running server writes (SQLite, and PostgreSQL
as in production).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.postgres import postgres_schema

DOMAIN = """\
version: "3.1"

intents:
  - greet
  - check_order_status
  - faq

entities:
  - order_id

slots:
  order_id:
    type: text
    mappings:
      - type: from_entity
        entity: order_id

forms:
  order_form:
    required_slots: [order_id]

responses:
  utter_greet:
    - text: "Hi!"
  utter_ask_order_id:
    - text: "What is the order number?"
  utter_order_status:
    - text: "Your order is on its way."
  utter_faq/store_hours:
    - text: "We are open 9 to 5."

actions:
  - action_check_order
"""

NLU = {
    "smalltalk.yml": """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello
    - hey there
    - good morning
    - hiya
    - howdy
    - hello there
    - hey
    - greetings
    - good evening
""",
    "orders.yml": """\
version: "3.1"
nlu:
# Order tracking.
- intent: check_order_status
  examples: |
    - where is my order
    - track my parcel
    - where is order [12345678](order_id)
    - has my package shipped
    - when will my order arrive
    - status of order [87654321](order_id)
    - my delivery is late
    - track order
    - where's my stuff
    - is my order on its way
""",
    "faq.yml": """\
version: "3.1"
nlu:
- intent: faq/store_hours
  examples: |
    - when are you open
    - opening hours
    - what time do you close
    - are you open on sunday
    - store hours
    - what are your hours
    - when do you open
    - are you open today
    - shop hours
    - holiday opening times
""",
    "entities.yml": """\
version: "3.1"
nlu:
- regex: order_id
  examples: |
    - (?<!\\d)\\d{8}(?!\\d)
""",
}

RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: faq
  steps:
  - intent: faq
  - action: utter_faq
- rule: start the order form
  steps:
  - intent: check_order_status
  - action: order_form
  - active_loop: order_form
- rule: submit the order form
  condition:
  - active_loop: order_form
  steps:
  - action: order_form
  - active_loop: null
  - slot_was_set:
    - requested_slot: null
  - action: action_check_order
"""

ACTIONS = '''\
"""The one custom action of the small project."""


class ActionCheckOrder:
    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_order_status")
        return []
'''

CONFIG = """\
recipe: default.v1
language: en
assistant_id: training-fixture
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 1
  - name: FallbackClassifier
    threshold: 0.6
policies:
  - name: RulePolicy
"""


@dataclass
class SmallProject:
    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path(relative)
        content = path.read_text()
        assert content.count(old) == 1, f"{old!r} is not once in {relative}"
        path.write_text(content.replace(old, new))

    def line_of(self, relative: str, needle: str) -> int:
        lines = self.path(relative).read_text().splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)


def write_small_project(root: Path) -> SmallProject:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "data" / "rules").mkdir()
    (root / "actions").mkdir()
    (root / "domain.yml").write_text(DOMAIN)
    (root / "config.yml").write_text(CONFIG)
    for name, content in NLU.items():
        (root / "data" / "nlu" / name).write_text(content)
    (root / "data" / "rules" / "rules.yml").write_text(RULES)
    (root / "actions" / "orders.py").write_text(ACTIONS)
    return SmallProject(root)


@pytest.fixture
def small_project(tmp_path: Path) -> SmallProject:
    return write_small_project(tmp_path / "project")


@pytest.fixture
def real_project_copy(tmp_path: Path) -> SmallProject:
    """The project's own data, domain, config and code, in a folder the test may change."""
    root = tmp_path / "copy"
    root.mkdir()
    for name in ("data", "actions", "bot", "handoff"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, root / name)
    (root / "tests" / "nlu").mkdir(parents=True)
    for name in ("test_data.yml", "dev_data.yml"):
        shutil.copy(ROOT / "tests" / "nlu" / name, root / "tests" / "nlu" / name)
    return SmallProject(root)


# -- tracker stores ------------------------------------------------------------------------


@pytest.fixture
def sqlite_tracker_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def postgresql_tracker_url() -> Iterator[str]:
    with postgres_schema("training_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_tracker_url")
    return url


class Conversation:
    """Events of one conversation, built turn by turn, timestamps one second apart."""

    def __init__(self, sender_id: str, start: float | None = None) -> None:
        self.sender_id = sender_id
        self.events: list[Any] = []
        # An hour ago by default: inside the review's default window of a week.
        self.now = time.time() - 3600 if start is None else start

    def user(
        self,
        text: str,
        intent: str,
        confidence: float,
        *,
        ranking: list[tuple[str, float]] | None = None,
        faq: tuple[str, float] | None = None,
        after_s: float = 1.0,
    ) -> Conversation:
        from rasa.shared.core.events import UserUttered

        parse_data: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "intent_ranking": [
                {"name": n, "confidence": c} for n, c in (ranking or [(intent, confidence)])
            ],
        }
        if faq:
            parse_data["response_selector"] = {
                "faq": {"response": {"intent_response_key": faq[0], "confidence": faq[1]}}
            }
        self.events.append(
            UserUttered(text, parse_data["intent"], [], parse_data, timestamp=self.tick(after_s))
        )
        return self

    def action(self, name: str) -> Conversation:
        from rasa.shared.core.events import ActionExecuted

        self.events.append(ActionExecuted(name, timestamp=self.tick(0.1)))
        return self

    def bot(self, text: str) -> Conversation:
        from rasa.shared.core.events import BotUttered

        self.events.append(BotUttered(text, timestamp=self.tick(0.1)))
        return self

    def form(self, name: str | None) -> Conversation:
        from rasa.shared.core.events import ActiveLoop

        self.events.append(ActiveLoop(name, timestamp=self.tick(0.1)))
        return self

    def pause(self) -> Conversation:
        from rasa.shared.core.events import ConversationPaused

        self.events.append(ConversationPaused(timestamp=self.tick(0.1)))
        return self

    def resume(self) -> Conversation:
        from rasa.shared.core.events import ConversationResumed

        self.events.append(ConversationResumed(timestamp=self.tick(0.1)))
        return self

    def tick(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def save_conversations(url: str, conversations: list[Conversation]) -> None:
    """Written by Rasa's SQLTrackerStore, as the server writes them."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    store = SQLTrackerStore(
        Domain.empty(),
        dialect=parsed.drivername,
        host=parsed.host,
        port=parsed.port,
        db=parsed.database or "",
        username=parsed.username,
        password=parsed.password,
        query=dict(parsed.query),
    )
    try:
        for conversation in conversations:
            tracker = DialogueStateTracker.from_events(conversation.sender_id, conversation.events)
            asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()

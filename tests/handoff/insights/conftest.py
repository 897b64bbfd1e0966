"""Fixtures of the conversation records' tests: a conversation's events, as Rasa stores them.

:class:`Chat` writes the dicts Rasa 3.6 serialises (``event.as_dict()``,
what the SQL tracker store keeps in ``events.data`` and its event broker
publishes), turn by turn, in the order the server writes them: a response
is an ``action`` event and then its ``bot`` event (with the response's name
in ``metadata.utter_action``), every turn ends with ``action_listen``, a new
session is ``action_session_start`` then ``session_started``. A test checks
that Rasa itself reads every fixture back as the same events.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

# 2026-05-28 12:00 UTC: any fixed moment, so that times in assertions are exact.
START = 1_779_969_600.0


def at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


class Chat:
    """One sender id's events, each a few seconds after the one before."""

    def __init__(self, channel: str = "twilio", start: float = START) -> None:
        self.channel = channel
        self.now = start
        self.events: list[dict[str, Any]] = []

    def tick(self, seconds: float) -> float:
        self.now += seconds
        return self.now

    def session(self, after_s: float = 0.0) -> Chat:
        """What Rasa writes when a session starts, before the customer's message."""
        self.action("action_session_start", after_s=after_s)
        self.events.append({"event": "session_started", "timestamp": self.tick(0.01)})
        return self.action("action_listen")

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.97,
        *,
        order_id: str | None = None,
        faq: str | None = None,
        after_s: float = 5.0,
    ) -> Chat:
        entities = []
        if order_id is not None:
            start = text.index(order_id)
            entities.append(
                {
                    "entity": "order_id", "start": start, "end": start + len(order_id),
                    "value": order_id, "extractor": "RegexEntityExtractor",
                }
            )  # fmt: skip
        parse_data: dict[str, Any] = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities,
            "text": text,
            "message_id": f"m{len(self.events)}",
            "metadata": {},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
        if faq is not None:
            parse_data["response_selector"] = {
                "all_retrieval_intents": ["faq"],
                "faq": {
                    "response": {
                        "responses": [{"text": "An answer."}],
                        "confidence": 0.93,
                        "intent_response_key": faq,
                        "utter_action": f"utter_{faq}",
                    },
                    "ranking": [{"confidence": 0.93, "intent_response_key": faq}],
                },
            }
        self.events.append(
            {
                "event": "user",
                "timestamp": self.tick(after_s),
                "text": text,
                "parse_data": parse_data,
                "input_channel": self.channel,
                "message_id": parse_data["message_id"],
                "metadata": {},
            }
        )
        return self

    def action(self, name: str, after_s: float = 0.1) -> Chat:
        self.events.append(
            {
                "event": "action",
                "timestamp": self.tick(after_s),
                "name": name,
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )
        return self

    def say(self, text: str, response: str | None = None) -> Chat:
        """A bot message: a response's (named in its metadata), or a custom action's text."""
        metadata = {"utter_action": response} if response else {}
        self.events.append(
            {
                "event": "bot",
                "timestamp": self.tick(0.1),
                "metadata": metadata,
                "text": text,
                "data": {"elements": None, "quick_replies": None, "buttons": None,
                         "attachment": None, "image": None, "custom": None},
            }
        )  # fmt: skip
        return self

    def respond(self, response: str, text: str = "...") -> Chat:
        """The bot predicts a response, says it, and listens."""
        return self.action(response).say(text, response).action("action_listen")

    def slot(self, name: str, value: Any) -> Chat:
        self.events.append(
            {"event": "slot", "timestamp": self.tick(0.01), "name": name, "value": value}
        )
        return self

    def survey_question(self, survey_id: str, kind: str = "handoff", after_s: float = 30) -> Chat:
        """The channels' satisfaction question, outside any turn (bot.channels.surveys)."""
        self.events.append(
            {
                "event": "bot",
                "timestamp": self.tick(after_s),
                "metadata": {"survey_id": survey_id, "survey": "question", "survey_kind": kind},
                "text": "How did we do? Reply with a number from 1 (poor) to 5 (great).",
                "data": {"buttons": [{"title": str(n), "payload": f"csat:{survey_id}:{n}"}
                                     for n in range(1, 6)]},
            }
        )  # fmt: skip
        return self

    def survey_answer(self, survey_id: str, name: str, value: Any, after_s: float = 20) -> Chat:
        """An answer's slot and the channels' thanks, as the channels append them."""
        self.events.append(
            {"event": "slot", "timestamp": self.tick(after_s), "name": name, "value": value,
             "metadata": {"survey_id": survey_id}}
        )  # fmt: skip
        self.events.append(
            {"event": "bot", "timestamp": self.tick(0.01), "text": "Thank you!",
             "metadata": {"survey_id": survey_id, "survey": "thanks"}, "data": {}}
        )  # fmt: skip
        return self

    def form(self, name: str | None) -> Chat:
        self.events.append({"event": "active_loop", "timestamp": self.tick(0.01), "name": name})
        return self

    def simple(self, kind: str) -> Chat:
        """An event with nothing but its time: pause, resume, restart, rewind."""
        self.events.append({"event": kind, "timestamp": self.tick(0.01)})
        return self


@pytest.fixture
def chat() -> Chat:
    return Chat()

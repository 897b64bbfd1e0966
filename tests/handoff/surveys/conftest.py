"""Fixtures of the surveys' tests: a store with handoffs closed, records, a fake Rasa route."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from handoff.delivery import SurveyAnswer, SurveyRequest
from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.store import Handoff, HandoffStore
from handoff.surveys import SurveyBook
from tests.handoff.insights.conftest import Chat

NOW = dt.datetime(2026, 12, 3, 12, 0, 0)


@dataclass
class FakeSurveyRoute:
    """The Rasa server's POST /internal/surveys: records what it was asked, answers as told."""

    answers: list[SurveyAnswer] = field(default_factory=list)
    asked: list[SurveyRequest] = field(default_factory=list)

    async def __call__(self, request: SurveyRequest) -> SurveyAnswer:
        self.asked.append(request)
        return self.answers.pop(0) if self.answers else SurveyAnswer("asked")


@pytest.fixture
def route() -> FakeSurveyRoute:
    return FakeSurveyRoute()


@pytest.fixture
def book(store: HandoffStore) -> SurveyBook:
    return SurveyBook(store.engine, delay_s=30, min_gap_s=86400)


async def waiting_handoff(
    store: HandoffStore,
    conversation_id: str = "+14155550101",
    channel: str = "sms",
    created_at: dt.datetime = NOW,
) -> Handoff:
    """A handoff in the queue, not yet claimed."""
    handoff, _ = await store.create_handoff(
        escalation_id=f"esc-{conversation_id}-{created_at.isoformat()}",
        conversation_id=conversation_id,
        channel=channel,
        customer_id=conversation_id,
        reasons=["request_human"],
        priority=1,
        now=created_at,
    )
    return handoff


async def closed_handoff(
    store: HandoffStore,
    conversation_id: str = "+14155550101",
    channel: str = "sms",
    closed_at: dt.datetime = NOW,
) -> Handoff:
    """A handoff Ann claimed and closed as refunded."""
    handoff = await waiting_handoff(
        store, conversation_id, channel, created_at=closed_at - dt.timedelta(minutes=10)
    )
    await store.claim(handoff.id, "ann", now=closed_at - dt.timedelta(minutes=8))
    return await store.close(handoff.id, "ann", "refunded", now=closed_at)


def answer(store: HandoffStore, conversation_id: str, survey_id: str, **slots: object) -> None:
    """The customer's answers as the channels append them, through the record keeper."""
    chat = Chat("twilio", start=(NOW - dt.timedelta(minutes=20)).timestamp())
    chat.session().user("I want a person", "request_human").action("action_listen")
    chat.survey_question(survey_id, "handoff", after_s=600)
    for name, value in slots.items():
        chat.survey_answer(survey_id, name, value, after_s=10)
    RecordKeeper(store.engine).add([StreamEvent(conversation_id, e) for e in chat.events])

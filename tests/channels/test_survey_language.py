"""bot.channels.survey_language: the language a survey speaks, read from Rasa's tracker store.

With a FakeAgent (tests.channels.conftest: Rasa's own in-memory tracker
store) on the app, as the Rasa server's agent is on ``app.ctx.agent``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet

from bot.channels.survey_language import (
    LANGUAGE_METADATA,
    conversation_language,
    survey_language,
)
from tests.channels.conftest import FakeAgent


def app_with(agent: Any) -> Any:
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


def question(survey_id: str, language: str) -> BotUttered:
    return BotUttered(
        "?", metadata={"survey_id": survey_id, "survey": "question", LANGUAGE_METADATA: language}
    )


@pytest.fixture
def agent(domain: Domain) -> FakeAgent:
    return FakeAgent(domain)


@pytest.mark.parametrize(("slot", "language"), [("es", "es"), ("en", "en"), (None, "en")])
async def test_the_conversation_s_language_is_its_slot(
    agent: FakeAgent, slot: str | None, language: str
) -> None:
    await agent.add("c-1", [SlotSet("language", slot)])
    assert await conversation_language(app_with(agent), "c-1") == language


async def test_a_conversation_rasa_does_not_know_or_no_agent_is_english(agent: FakeAgent) -> None:
    assert await conversation_language(app_with(agent), "nobody") == "en"
    assert await conversation_language(app_with(None), "c-1") == "en"
    assert await conversation_language(None, "c-1") == "en"
    assert await survey_language(app_with(None), "c-1", "s-1") == "en"


async def test_a_survey_speaks_the_language_its_question_was_asked_in(agent: FakeAgent) -> None:
    await agent.add("c-2", [SlotSet("language", "es"), question("s-1", "es")])
    # The slot changed afterwards: the answers still speak the question's language.
    await agent.add("c-2", [SlotSet("language", "en"), question("s-2", "en")])
    assert await survey_language(app_with(agent), "c-2", "s-1") == "es"
    assert await survey_language(app_with(agent), "c-2", "s-2") == "en"


async def test_a_survey_whose_question_is_not_recorded_speaks_the_slot_s(agent: FakeAgent) -> None:
    await agent.add("c-3", [SlotSet("language", "es")])
    assert await survey_language(app_with(agent), "c-3", "s-9") == "es"


async def test_a_failing_tracker_store_raises(agent: FakeAgent) -> None:
    async def down(conversation_id: str) -> None:
        raise ConnectionError("the tracker store is down")

    agent.tracker_store.retrieve = down  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await conversation_language(app_with(agent), "c-4")

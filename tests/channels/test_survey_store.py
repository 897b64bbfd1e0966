"""bot.channels.survey_store: surveys asked once, one pending survey per customer.

On SQLite and on the PostgreSQL server of tests.postgres, as the rest of the
channels' store (tests/channels/test_store.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.store import ChannelStore
from bot.channels.survey_store import (
    ASKING,
    COMMENT_STAGE,
    RECORDED,
    SCORE_STAGE,
    SENT,
    AskedSurvey,
    SurveyStore,
)
from bot.channels.survey_text import payload_key
from plumbing.clock import utc_now
from tests.postgres import postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def surveys(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SurveyStore]:
    if request.param == "sqlite":
        store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")
        yield SurveyStore(store)
        store.close()
        return
    with postgres_schema("test_surveys") as url:
        store = ChannelStore(url)
        yield SurveyStore(store)
        store.close()


def asked(survey_id: str, recipient: str = "+15550001111", channel: str = "sms") -> AskedSurvey:
    return AskedSurvey(
        survey_id, payload_key(survey_id), channel, recipient, f"conv-{recipient}", "handoff"
    )


def later(**delta: float) -> dt.datetime:
    return utc_now() + dt.timedelta(**delta)


async def test_a_survey_is_claimed_once_and_then_says_how_far_it_got(
    surveys: SurveyStore,
) -> None:
    assert await surveys.claim(asked("s-1")) is None
    assert await surveys.claim(asked("s-1")) == ASKING
    await surveys.mark("s-1", SENT)
    assert await surveys.claim(asked("s-1", recipient="+15550002222")) == SENT
    await surveys.mark("s-1", RECORDED)
    assert await surveys.claim(asked("s-1")) == RECORDED


async def test_concurrent_claims_of_one_survey_let_one_through(surveys: SurveyStore) -> None:
    results = await asyncio.gather(*[surveys.claim(asked("s-race")) for _ in range(8)])
    assert results.count(None) == 1
    assert set(results) == {None, ASKING}


async def test_a_released_claim_may_be_claimed_again(surveys: SurveyStore) -> None:
    assert await surveys.claim(asked("s-2")) is None
    await surveys.release("s-2")
    assert await surveys.claim(asked("s-2")) is None


async def test_a_survey_is_found_by_its_payload_key_on_its_channel(surveys: SurveyStore) -> None:
    long_id = "x" * 64
    await surveys.claim(asked(long_id, channel="telegram"))
    found = await surveys.asked_by_key("telegram", payload_key(long_id))
    assert found is not None and found.survey_id == long_id
    assert await surveys.asked_by_key("sms", payload_key(long_id)) is None
    assert await surveys.asked_by_key("telegram", "nope") is None


async def test_the_pending_survey_waits_for_a_score_then_a_comment(surveys: SurveyStore) -> None:
    survey = asked("s-3")
    await surveys.set_pending(survey, later(hours=24))
    pending = await surveys.pending("sms", survey.recipient_id)
    assert pending is not None
    assert (pending.survey_id, pending.stage, pending.conversation_id) == (
        "s-3", SCORE_STAGE, survey.conversation_id,
    )  # fmt: skip
    await surveys.await_comment(pending, later(minutes=15))
    pending = await surveys.pending("sms", survey.recipient_id)
    assert pending is not None and pending.stage == COMMENT_STAGE
    assert pending.expires_at < later(minutes=16)


async def test_asking_again_replaces_the_pending_survey(surveys: SurveyStore) -> None:
    await surveys.set_pending(asked("s-old"), later(hours=1))
    await surveys.set_pending(asked("s-new"), later(hours=1))
    pending = await surveys.pending("sms", "+15550001111")
    assert pending is not None and pending.survey_id == "s-new"
    # Another customer's, or another channel's, is theirs.
    await surveys.set_pending(asked("s-tg", channel="telegram"), later(hours=1))
    assert (await surveys.pending("sms", "+15550001111")).survey_id == "s-new"  # type: ignore[union-attr]


async def test_an_expired_survey_is_no_pending_survey(surveys: SurveyStore) -> None:
    await surveys.set_pending(asked("s-4"), later(seconds=-1))
    assert await surveys.pending("sms", "+15550001111") is None


async def test_clearing_one_survey_leaves_the_one_that_replaced_it(surveys: SurveyStore) -> None:
    old = asked("s-5")
    await surveys.set_pending(old, later(hours=1))
    pending = await surveys.pending("sms", old.recipient_id)
    assert pending is not None
    await surveys.set_pending(asked("s-6"), later(hours=1))
    await surveys.clear("sms", old.recipient_id, "s-5")
    await surveys.await_comment(pending, later(minutes=15))  # the old one: no effect
    now = await surveys.pending("sms", old.recipient_id)
    assert now is not None and (now.survey_id, now.stage) == ("s-6", SCORE_STAGE)
    await surveys.clear("sms", old.recipient_id)
    assert await surveys.pending("sms", old.recipient_id) is None

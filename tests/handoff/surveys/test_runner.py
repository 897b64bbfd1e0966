"""Tests of handoff/surveys/runner.py: asking through the Rasa server, and a low score."""

from __future__ import annotations

import datetime as dt

from handoff.delivery import SurveyAnswer
from handoff.store import HandoffStore
from handoff.surveys import SurveyBook, SurveyRunner
from handoff.surveys.runner import REOPEN_REASON, REOPENED_NOTICE
from tests.handoff.surveys.conftest import NOW, FakeSurveyRoute, answer, closed_handoff

LATER = NOW + dt.timedelta(seconds=31)


class Recorder:
    def __init__(self) -> None:
        self.paused: list[str] = []
        self.sent: list[tuple[str, str, str]] = []

    async def pause(self, conversation_id: str) -> None:
        self.paused.append(conversation_id)

    async def deliver(self, channel: str, recipient_id: str, text: str) -> None:
        self.sent.append((channel, recipient_id, text))


def runner(
    book: SurveyBook, store: HandoffStore, route: FakeSurveyRoute, rec: Recorder, **kw: object
) -> SurveyRunner:
    return SurveyRunner(
        book, store, ask=route, pause=rec.pause, deliver=rec.deliver,
        clock=lambda: LATER, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_a_due_survey_is_asked_through_the_route_once(
    store: HandoffStore, book: SurveyBook, route: FakeSurveyRoute
) -> None:
    handoff = await closed_handoff(store, "tg-1", channel="telegram")
    run = runner(book, store, route, Recorder())

    await run.step()
    await run.step()

    (asked,) = route.asked
    assert asked.to_json() == {
        "survey_id": asked.survey_id, "channel": "telegram", "recipient_id": "tg-1",
        "conversation_id": "tg-1", "kind": "handoff",
    }  # fmt: skip
    (survey,) = book.of_conversation("tg-1")
    assert (survey.status, survey.handoff_id) == ("asked", handoff.id)


async def test_a_refused_survey_is_not_asked_again(
    store: HandoffStore, book: SurveyBook, route: FakeSurveyRoute
) -> None:
    await closed_handoff(store)
    route.answers.append(SurveyAnswer("refused", "opted_out"))
    run = runner(book, store, route, Recorder())

    await run.step()
    await run.step()

    assert len(route.asked) == 1
    (survey,) = book.of_conversation("+14155550101")
    assert survey.status == "refused"


async def test_a_low_score_puts_the_customer_back_in_the_queue_when_configured(
    store: HandoffStore, book: SurveyBook, route: FakeSurveyRoute
) -> None:
    earlier = await closed_handoff(store)
    rec = Recorder()
    run = runner(book, store, route, rec, reopen_at_or_below=2)
    await run.step()
    (survey,) = book.of_conversation("+14155550101")

    answer(store, "+14155550101", survey.id, csat_score=1, csat_comment="nobody helped")
    await run.step()

    reopened = await store.open_handoff_for("+14155550101")
    assert reopened is not None and reopened.id != earlier.id
    assert reopened.reasons == [REOPEN_REASON]
    assert reopened.summary["reopens_handoff"] == earlier.id
    assert reopened.summary["csat_score"] == 1
    full = await store.get(reopened.id)
    assert full is not None and full.transcript is not None
    assert "rated handoff" in full.transcript[0].text and "nobody helped" in full.transcript[0].text
    assert rec.paused == ["+14155550101"]
    assert rec.sent == [("sms", "+14155550101", REOPENED_NOTICE)]
    stored = book.get(survey.id)
    assert stored is not None and stored.reopened_handoff_id == reopened.id

    await run.step()  # the same score again: nothing more
    assert len(rec.sent) == 1


async def test_a_good_score_or_reopening_off_leaves_the_handoff_closed(
    store: HandoffStore, book: SurveyBook, route: FakeSurveyRoute
) -> None:
    await closed_handoff(store, "tg-1", channel="telegram")
    await closed_handoff(store, "tg-2", channel="telegram")
    rec = Recorder()
    await runner(book, store, route, rec, reopen_at_or_below=2).step()
    first, second = (book.of_conversation(c)[0] for c in ("tg-1", "tg-2"))

    answer(store, "tg-1", first.id, csat_score=4)
    await runner(book, store, route, rec, reopen_at_or_below=2).step()
    answer(store, "tg-2", second.id, csat_score=1)
    await runner(book, store, route, rec).step()  # reopening off (0)

    assert await store.open_handoff_for("tg-1") is None
    assert await store.open_handoff_for("tg-2") is None
    assert rec.paused == [] and rec.sent == []

"""Tests of handoff/surveys/book.py: what is asked when, once, and the answers read back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, update

from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.models import WITHDRAWN, conversation_records, surveys, utc_now
from handoff.retention import purge
from handoff.store import HandoffStore
from handoff.surveys import SurveyBook
from handoff.surveys.book import LOOK_OVERLAP
from tests.handoff.insights.conftest import Chat
from tests.handoff.surveys.conftest import NOW, answer, closed_handoff, waiting_handoff

LATER = NOW + dt.timedelta(seconds=31)


async def test_a_closed_handoff_is_asked_once_after_the_delay(
    store: HandoffStore, book: SurveyBook
) -> None:
    handoff = await closed_handoff(store)

    assert book.plan(NOW) == 1
    assert book.plan(NOW) == 0  # planned once
    assert book.due(NOW) == []  # not yet: 30 s after the close
    (survey,) = book.due(LATER)
    assert (survey.kind, survey.handoff_id, survey.channel) == ("handoff", handoff.id, "sms")
    assert survey.recipient_id == "+14155550101"


async def test_rest_conversations_and_old_handoffs_are_not_asked(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store, "web-1", channel="rest")
    await closed_handoff(store, "tg-1", channel="telegram", closed_at=NOW - dt.timedelta(hours=3))

    assert book.plan(NOW) == 0


async def test_one_survey_a_day_per_conversation(store: HandoffStore, book: SurveyBook) -> None:
    await closed_handoff(store, closed_at=NOW - dt.timedelta(minutes=50))
    book.plan(NOW - dt.timedelta(minutes=49))
    await closed_handoff(store, closed_at=NOW)

    assert book.plan(NOW) == 0
    (later,) = [s for s in book.of_conversation("+14155550101") if s.status == "skipped"]
    assert later.handoff_id is not None


async def test_a_conversation_with_a_person_again_is_not_asked(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store)
    book.plan(NOW)
    (survey,) = book.due(LATER)
    await store.create_handoff(
        escalation_id="again", conversation_id="+14155550101", channel="sms",
        customer_id="+14155550101", priority=1,
    )  # fmt: skip

    assert not book.still_wanted(survey, LATER)
    assert book.due(LATER) == []


async def test_the_question_waits_until_the_customer_has_been_quiet(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store)
    book.plan(NOW)
    (survey,) = book.due(LATER)
    # Back with the bot, the customer asks something 20 s after the close.
    chat = Chat("sms", start=(NOW + dt.timedelta(seconds=20)).timestamp() - 5)
    chat.user("and where is order 12345678?", "check_order_status").action("action_listen")
    RecordKeeper(store.engine).add([StreamEvent("+14155550101", e) for e in chat.events])

    assert not book.still_wanted(survey, LATER)
    assert book.due(LATER) == []
    (waited,) = book.due(NOW + dt.timedelta(seconds=51))
    assert book.still_wanted(waited, NOW + dt.timedelta(seconds=51))


async def test_failures_of_the_moment_are_tried_later_and_set_up_errors_given_up(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store, "tg-1", channel="telegram")
    await closed_handoff(store, "tg-2", channel="telegram")
    book.plan(NOW)
    first, second = book.due(LATER)

    book.failed(first, "HTTP 502", LATER, for_good=False)
    book.failed(second, "HTTP 401 unauthorized", LATER, for_good=True)

    assert book.due(LATER) == []
    (again,) = book.due(LATER + dt.timedelta(minutes=1))
    assert again.id == first.id and again.attempts == 1
    assert book.get(second.id).status == "failed"  # type: ignore[union-attr]


async def test_a_refusal_is_final(store: HandoffStore, book: SurveyBook) -> None:
    await closed_handoff(store)
    book.plan(NOW)
    (survey,) = book.due(LATER)

    book.refused(survey, "opted_out")

    stored = book.get(survey.id)
    assert stored is not None and (stored.status, book.due(NOW + dt.timedelta(days=1))) == (
        "refused",
        [],
    )


async def test_answers_come_back_from_the_records_once(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store)
    book.plan(NOW)
    (survey,) = book.due(LATER)
    book.asked(survey, LATER)
    assert book.collect(LATER) == []

    answer(store, "+14155550101", survey.id, csat_score=2)
    (scored,) = book.collect(LATER)
    assert (scored.score, scored.status) == (2, "answered")
    assert book.collect(LATER) == []  # nothing new

    answer(store, "+14155550101", survey.id, csat_score=2, csat_comment="too slow")
    assert book.collect(LATER) == []  # a comment is no new score...
    stored = book.get(survey.id)
    assert stored is not None and stored.comment == "too slow"  # ...but is kept


async def test_a_survey_never_answered_expires(store: HandoffStore, book: SurveyBook) -> None:
    await closed_handoff(store)
    book.plan(NOW)
    (survey,) = book.due(LATER)
    book.asked(survey, LATER)

    book.collect(LATER + dt.timedelta(hours=27))

    assert book.get(survey.id).status == "unanswered"  # type: ignore[union-attr]


def resolved_by_the_bot(store: HandoffStore, conversation_id: str) -> None:
    """A Telegram session the bot answered, quiet since, its record settled ``resolved`` at NOW."""
    chat = Chat("telegram", start=(NOW - dt.timedelta(hours=1, minutes=30)).timestamp())
    chat.session().user("when do you open?", "faq", faq="faq/store_hours")
    chat.respond("utter_faq", "9 to 5.")
    keeper = RecordKeeper(store.engine)
    keeper.add([StreamEvent(conversation_id, e) for e in chat.events])
    keeper.settle(NOW.replace(tzinfo=dt.timezone.utc))


def stamp(store: HandoffStore, conversation_id: str, updated_at: dt.datetime) -> None:
    """The record written at ``updated_at`` (by the wall clock), as if by the keeper then."""
    with store.engine.begin() as db:
        db.execute(
            update(conversation_records)
            .where(conversation_records.c.conversation_id == conversation_id)
            .values(updated_at=updated_at)
        )


def forget_surveys(store: HandoffStore) -> None:
    # With its survey gone, a record read again would be planned again: what
    # shows, below, which records a look read.
    with store.engine.begin() as db:
        db.execute(delete(surveys))


async def test_bot_surveys_ask_sessions_the_bot_resolved_when_turned_on(
    store: HandoffStore,
) -> None:
    resolved_by_the_bot(store, "tg-7")

    assert SurveyBook(store.engine).plan(NOW) == 0  # off by default
    book = SurveyBook(store.engine, after_bot=True)
    assert book.plan(NOW) == 1
    (survey,) = book.due(NOW)
    assert (survey.kind, survey.recipient_id, survey.channel) == ("bot", "tg-7", "telegram")


async def test_retention_purges_surveys_planned_before_the_cutoff(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store, "tg-old", channel="telegram", closed_at=NOW - dt.timedelta(days=40))
    book.plan(NOW - dt.timedelta(days=40))
    await closed_handoff(store, "tg-new", channel="telegram")
    book.plan(NOW)

    counts = purge(store.engine, NOW - dt.timedelta(days=30))

    assert counts.surveys == 1
    assert book.of_conversation("tg-old") == [] and len(book.of_conversation("tg-new")) == 1


async def test_a_look_since_a_time_reads_only_conversations_whose_records_changed(
    store: HandoffStore, book: SurveyBook
) -> None:
    await closed_handoff(store)
    book.plan(NOW)
    (survey,) = book.due(LATER)
    book.asked(survey, LATER)
    answer(store, "+14155550101", survey.id, csat_score=5)
    written = utc_now()

    assert book.collect(LATER, changed_since=written + dt.timedelta(seconds=1)) == []
    (scored,) = book.collect(LATER, changed_since=written - dt.timedelta(seconds=1))
    assert scored.score == 5


async def test_each_look_at_resolved_sessions_reads_only_the_records_updated_since_the_last(
    store: HandoffStore,
) -> None:
    wall = dt.datetime(2026, 12, 4, 9, 0, 0)
    book = SurveyBook(store.engine, after_handoff=False, after_bot=True, clock=lambda: wall)
    resolved_by_the_bot(store, "tg-old")
    stamp(store, "tg-old", wall - dt.timedelta(minutes=5))
    assert book.plan(NOW) == 1  # the first look: the whole lookback window
    forget_surveys(store)

    # Updated in the very instant the next look starts from (the last look less
    # the overlap), and an instant before it.
    resolved_by_the_bot(store, "tg-edge")
    stamp(store, "tg-edge", wall - LOOK_OVERLAP)
    resolved_by_the_bot(store, "tg-before")
    stamp(store, "tg-before", wall - LOOK_OVERLAP - dt.timedelta(microseconds=1))
    assert book.plan(NOW) == 1
    assert [len(book.of_conversation(c)) for c in ("tg-old", "tg-edge", "tg-before")] == [0, 1, 0]

    # A restart (a new book) looks at the whole window again.
    restarted = SurveyBook(store.engine, after_handoff=False, after_bot=True, clock=lambda: wall)
    assert restarted.plan(NOW) == 2
    assert {s.conversation_id for s in restarted.due(NOW)} == {"tg-old", "tg-edge", "tg-before"}


async def test_a_look_at_resolved_sessions_that_fails_is_taken_again_from_the_same_place(
    store: HandoffStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [dt.datetime(2026, 12, 4, 9, 0, 0)]
    book = SurveyBook(store.engine, after_handoff=False, after_bot=True, clock=lambda: clock[0])
    book.plan(NOW)  # nothing yet; the next look starts a minute before this one
    resolved_by_the_bot(store, "tg-7")
    stamp(store, "tg-7", clock[0] + dt.timedelta(seconds=5))
    clock[0] += dt.timedelta(minutes=10)

    def fail(*_args: object, **_values: object) -> int:
        raise OSError("disk full")

    with monkeypatch.context() as patched:  # the plans cannot be written, this once
        patched.setattr(book, "_insert", fail)
        with pytest.raises(OSError):
            book.plan(NOW)
    clock[0] += dt.timedelta(minutes=10)

    assert book.plan(NOW) == 1


async def test_a_handoff_its_customer_took_back_is_not_asked(
    store: HandoffStore, book: SurveyBook
) -> None:
    handoff = await waiting_handoff(store, "+14155550102", created_at=NOW - dt.timedelta(minutes=2))
    await store.withdraw(handoff.id, WITHDRAWN, now=NOW)
    assert book.plan(NOW) == 0
    await closed_handoff(store)  # one an agent closed still is
    assert book.plan(NOW) == 1

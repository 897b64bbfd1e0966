"""bot.channels.survey_answers: a survey's answers are taken before Rasa, on every channel.

Through the real webhooks (signed as each platform signs them) of the Rasa
app's channels (tests.channels.conftest's SurveyServer), after a survey was
asked on POST /internal/surveys: which messages reach Rasa (the FakeAgent's
turns), what the customer is answered at the fake APIs, and what is
appended to the conversation for the handoff service.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from rasa.shared.core.events import BotUttered, Event, SlotSet
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot.channels.store import pending_surveys
from bot.channels.survey_store import COMMENT_STAGE, SurveyStore
from bot.channels.survey_text import (
    CLOSED_TEXT,
    COMMENT_THANKS,
    GOOD_SCORE_THANKS,
    INVITE_COMMENT,
    MAX_COMMENT_CHARS,
    POOR_SCORE_THANKS,
    SKIPPED_THANKS,
    WORDING,
)
from plumbing.clock import utc_now
from tests.channels.conftest import SurveyServer
from tests.channels.test_messenger import new_psid, quick_reply_event, text_event
from tests.channels.test_telegram import callback_update, text_update
from tests.fakes.messenger import FakeGraph
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio, new_number

_chats = itertools.count(940_001)
_surveys = itertools.count(1)


def new_chat() -> int:
    return next(_chats)


async def ask(server: SurveyServer, channel: str, recipient: str, **changes: Any) -> str:
    """Ask a survey; its id."""
    survey_id = f"ans-{next(_surveys):04d}"
    body = {
        "survey_id": survey_id,
        "channel": channel,
        "recipient_id": recipient,
        "conversation_id": recipient,
        "kind": "handoff",
        **changes,
    }
    if channel == "messenger":
        await server.store.touch_inbound("messenger", recipient)
    response = await server.ask(body)
    assert response.status_code == 200, response.text
    return str(body["survey_id"])


def survey_events(events: list[Event], survey_id: str) -> list[tuple[str, Any]]:
    """What the survey added to the conversation after its question, as (kind, value)."""
    found: list[tuple[str, Any]] = []
    for event in events:
        if event.metadata.get("survey_id") != survey_id:
            continue
        if isinstance(event, SlotSet):
            found.append((event.key, event.value))
        elif isinstance(event, BotUttered) and event.metadata.get("survey") == "thanks":
            found.append(("thanks", event.text))
    return found


async def expire(server: SurveyServer, channel: str, recipient: str) -> None:
    with server.store.engine.begin() as db:
        db.execute(
            update(pending_surveys)
            .where(pending_surveys.c.channel == channel)
            .where(pending_surveys.c.recipient_id == recipient)
            .values(expires_at=utc_now() - dt.timedelta(seconds=1))
        )


# -- Telegram: buttons -----------------------------------------------------------------------


async def test_telegram_a_pressed_score_then_a_comment(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:4"))
    assert fake_telegram.sent_texts(chat)[-1] == GOOD_SCORE_THANKS
    assert fake_telegram.calls("answerCallbackQuery")  # the button's spinner stopped
    pending = await SurveyStore(survey_server.store).pending("telegram", str(chat))
    assert pending is not None and pending.stage == COMMENT_STAGE
    minutes = (pending.expires_at - utc_now()).total_seconds() / 60
    assert 14.9 < minutes <= 15

    await survey_server.telegram(text_update(chat, "Maria sorted it out in minutes."))
    assert fake_telegram.sent_texts(chat)[-1] == COMMENT_THANKS
    assert survey_server.agent.texts_to_rasa(str(chat)) == []
    assert survey_events(await survey_server.agent.events(str(chat)), sid) == [
        ("csat_score", 4),
        ("thanks", GOOD_SCORE_THANKS),
        ("csat_comment", "Maria sorted it out in minutes."),
        ("thanks", COMMENT_THANKS),
    ]
    assert await SurveyStore(survey_server.store).pending("telegram", str(chat)) is None


async def test_the_events_reach_the_event_broker_with_the_survey_id(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat), conversation_id=f"c-{chat}")
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:5"))
    published = [e for e in survey_server.agent.broker.published if e["sender_id"] == f"c-{chat}"]
    [slot] = [e for e in published if e["event"] == "slot"]
    assert (slot["name"], slot["value"], slot["metadata"]["survey_id"]) == ("csat_score", 5, sid)
    [thanks] = [e for e in published if e.get("metadata", {}).get("survey") == "thanks"]
    assert thanks["event"] == "bot" and thanks["metadata"]["survey_id"] == sid


async def test_a_poor_score_is_thanked_warmly_with_an_apology(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:1"))
    reply = fake_telegram.sent_texts(chat)[-1]
    assert reply == POOR_SCORE_THANKS
    assert "sorry" in reply and reply.endswith(INVITE_COMMENT)


async def test_a_button_pressed_while_a_comment_is_awaited_changes_the_score(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:5"))
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:2"))
    assert fake_telegram.sent_texts(chat)[-1] == POOR_SCORE_THANKS
    scores = [
        value
        for key, value in survey_events(await survey_server.agent.events(str(chat)), sid)
        if key == "csat_score"
    ]
    assert scores == [5, 2]
    assert survey_server.agent.texts_to_rasa(str(chat)) == []


async def test_a_button_of_a_survey_no_longer_pending_says_it_closed(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:4"))
    await survey_server.telegram(text_update(chat, "skip"))
    assert fake_telegram.sent_texts(chat)[-1] == SKIPPED_THANKS
    # Answered: pressing one of its buttons again.
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:3"))
    assert fake_telegram.sent_texts(chat)[-1] == CLOSED_TEXT
    assert survey_server.agent.texts_to_rasa(str(chat)) == []
    assert survey_events(await survey_server.agent.events(str(chat)), sid)[-1] == (
        "thanks",
        CLOSED_TEXT,
    )


async def test_a_replaced_survey_s_button_is_closed_and_the_new_one_answers(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    old = await ask(survey_server, "telegram", str(chat))
    new = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(callback_update(chat, f"csat:{old}:5"))
    assert fake_telegram.sent_texts(chat)[-1] == CLOSED_TEXT
    await survey_server.telegram(callback_update(chat, f"csat:{new}:5"))
    assert fake_telegram.sent_texts(chat)[-1] == GOOD_SCORE_THANKS
    assert ("csat_score", 5) in survey_events(await survey_server.agent.events(str(chat)), new)


async def test_a_long_survey_id_s_buttons_work_too(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat), survey_id="L" * 64)
    [row] = fake_telegram.sent_messages(chat)[0]["reply_markup"]["inline_keyboard"]
    await survey_server.telegram(callback_update(chat, row[2]["callback_data"]))
    assert fake_telegram.sent_texts(chat)[-1] == GOOD_SCORE_THANKS
    assert ("csat_score", 3) in survey_events(await survey_server.agent.events(str(chat)), sid)


async def test_a_stale_button_is_closed_even_with_nothing_pending(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    await survey_server.telegram(callback_update(chat, "csat:unknown-survey:4"))
    assert fake_telegram.sent_texts(chat) == [CLOSED_TEXT]
    assert survey_server.agent.texts_to_rasa(str(chat)) == []


# -- SMS: typed answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "score"),
    [("4", 4), (" 5!", 5), ("4/5", 4), ("5 stars", 5), ("five", 5), ("⭐⭐⭐⭐", 4), ("1", 1)],
)
async def test_sms_a_typed_score_is_recorded(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, reply: str, score: int
) -> None:
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    await survey_server.sms(number, reply)
    assert survey_server.agent.texts_to_rasa(number) == []
    assert fake_twilio.bodies(number)[-1] == (
        POOR_SCORE_THANKS if score <= 2 else GOOD_SCORE_THANKS
    )
    assert survey_events(await survey_server.agent.events(number), sid)[0] == ("csat_score", score)


@pytest.mark.parametrize("reply", ["1-5", "3 or 4", "order 12345", "where is my order?", "10"])
async def test_sms_anything_else_goes_to_rasa_and_drops_the_survey(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, reply: str
) -> None:
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    await survey_server.sms(number, reply)
    assert survey_server.agent.texts_to_rasa(number) == [reply]
    assert await SurveyStore(survey_server.store).pending("sms", number) is None
    # The customer moved on: a later "4" is an ordinary message too.
    await survey_server.sms(number, "4")
    assert survey_server.agent.texts_to_rasa(number) == [reply, "4"]
    assert survey_events(await survey_server.agent.events(number), sid) == []
    assert len(fake_twilio.bodies(number)) == 1  # the question only


@pytest.mark.parametrize("reply", ["SKIP", "no", "No thanks!", "nothing.", "No comment"])
async def test_sms_declining_to_comment_is_thanked_and_closes_the_survey(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, reply: str
) -> None:
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    await survey_server.sms(number, "5")
    await survey_server.sms(number, reply)
    assert fake_twilio.bodies(number)[-1] == SKIPPED_THANKS
    assert [key for key, _ in survey_events(await survey_server.agent.events(number), sid)] == [
        "csat_score", "thanks", "thanks",
    ]  # fmt: skip
    assert await SurveyStore(survey_server.store).pending("sms", number) is None
    assert survey_server.agent.texts_to_rasa(number) == []


async def test_sms_a_long_comment_is_capped(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    await survey_server.sms(number, "2")
    await survey_server.sms(number, "slow " * 300)
    comments = [
        value
        for key, value in survey_events(await survey_server.agent.events(number), sid)
        if key == "csat_comment"
    ]
    assert len(comments[0]) == MAX_COMMENT_CHARS
    assert fake_twilio.bodies(number)[-1] == COMMENT_THANKS


async def test_sms_after_the_comment_window_a_message_goes_to_rasa(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    await survey_server.sms(number, "3")
    await expire(survey_server, "sms", number)
    await survey_server.sms(number, "I need to return a jacket")
    assert survey_server.agent.texts_to_rasa(number) == ["I need to return a jacket"]
    assert "csat_comment" not in dict(survey_events(await survey_server.agent.events(number), sid))


async def test_an_expired_question_is_not_answered(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    sid = await ask(survey_server, "telegram", str(chat))
    await expire(survey_server, "telegram", str(chat))
    await survey_server.telegram(text_update(chat, "5"))
    assert survey_server.agent.texts_to_rasa(str(chat)) == ["5"]
    assert survey_events(await survey_server.agent.events(str(chat)), sid) == []
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:5"))
    assert fake_telegram.sent_texts(chat)[-1] == CLOSED_TEXT


async def test_sms_a_number_answering_an_expired_question_is_told_it_closed(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    # By SMS a number picks a button of the bot's last message (bot.channels.sms):
    # when that is still the survey's question, "5" is its fifth button.
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    await expire(survey_server, "sms", number)
    await survey_server.sms(number, "5")
    assert fake_twilio.bodies(number)[-1] == CLOSED_TEXT
    assert survey_server.agent.texts_to_rasa(number) == []
    assert "csat_score" not in dict(survey_events(await survey_server.agent.events(number), sid))


async def test_sms_keywords_are_not_answers(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await ask(survey_server, "sms", number)
    await survey_server.sms(number, "HELP")
    assert fake_twilio.bodies(number)[-1] == survey_server.route.settings.twilio.help_text
    # STOP drops the survey: nothing may be sent to the number any more.
    await survey_server.sms(number, "STOP")
    assert await SurveyStore(survey_server.store).pending("sms", number) is None
    assert survey_server.agent.texts_to_rasa(number) == []


# -- Messenger: quick replies ----------------------------------------------------------------


async def test_messenger_a_quick_reply_is_the_score_and_a_bot_button_moves_on(
    survey_server: SurveyServer, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    sid = await ask(survey_server, "messenger", psid)
    await survey_server.messenger(quick_reply_event(psid, "4 🙂", f"csat:{sid}:4"))
    assert fake_graph.texts_to(psid)[-1] == GOOD_SCORE_THANKS
    # In the comment stage, a payload of the bot's own buttons is not a comment.
    await survey_server.messenger(quick_reply_event(psid, "Track my order", "/check_order_status"))
    assert survey_server.agent.texts_to_rasa(psid) == ["/check_order_status"]
    assert await SurveyStore(survey_server.store).pending("messenger", psid) is None


async def test_messenger_a_comment_is_recorded(
    survey_server: SurveyServer, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    sid = await ask(survey_server, "messenger", psid, kind="bot")
    await survey_server.messenger(text_event(psid, "⭐⭐"))
    assert fake_graph.texts_to(psid)[-1] == POOR_SCORE_THANKS
    await survey_server.messenger(text_event(psid, "It didn't understand my address."))
    assert survey_events(await survey_server.agent.events(psid), sid)[2] == (
        "csat_comment",
        "It didn't understand my address.",
    )
    assert survey_server.agent.texts_to_rasa(psid) == []


# -- a store that fails ----------------------------------------------------------------------


async def test_an_answer_whose_events_cannot_be_saved_is_tried_again_not_lost(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.channels.inbox.RETRY_PAUSES_S", (0.01, 0.01))
    number = new_number()
    sid = await ask(survey_server, "sms", number)
    store = survey_server.agent.tracker_store
    save = store.save
    failures = [OperationalError("INSERT", {}, Exception("the database is down"))]

    async def flaky_save(tracker: Any) -> None:
        if failures:
            raise failures.pop()
        await save(tracker)

    monkeypatch.setattr(store, "save", flaky_save)
    await survey_server.sms(number, "4")
    assert failures == []
    assert survey_events(await survey_server.agent.events(number), sid)[0] == ("csat_score", 4)
    # Thanked once, after the answer was kept.
    assert fake_twilio.bodies(number).count(GOOD_SCORE_THANKS) == 1
    assert survey_server.agent.texts_to_rasa(number) == []


# -- in Spanish -------------------------------------------------------------------------------

SPANISH = WORDING["es"]


async def spanish(server: SurveyServer, conversation_id: str) -> None:
    """The conversation's ``language`` slot is es (bot.nlu.language set it)."""
    await server.agent.add(conversation_id, [SlotSet("language", "es")])


@pytest.mark.parametrize(
    ("reply", "score"), [("cinco", 5), ("Cinco estrellas", 5), ("5 de 5", 5), ("dos", 2)]
)
async def test_sms_a_spanish_score_then_omitir(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, reply: str, score: int
) -> None:
    number = new_number()
    await spanish(survey_server, number)
    sid = await ask(survey_server, "sms", number)
    await survey_server.sms(number, reply)
    expected = SPANISH.poor_score_thanks if score <= 2 else SPANISH.good_score_thanks
    assert fake_twilio.bodies(number)[-1] == expected
    await survey_server.sms(number, "omitir")
    assert fake_twilio.bodies(number)[-1] == SPANISH.skipped_thanks
    assert survey_events(await survey_server.agent.events(number), sid) == [
        ("csat_score", score),
        ("thanks", expected),
        ("thanks", SPANISH.skipped_thanks),
    ]
    assert survey_server.agent.texts_to_rasa(number) == []
    assert await SurveyStore(survey_server.store).pending("sms", number) is None


@pytest.mark.parametrize("reply", ["No, gracias", "nada", "Así está bien", "asi esta bien"])
async def test_sms_spanish_ways_of_declining_to_comment(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, reply: str
) -> None:
    number = new_number()
    await spanish(survey_server, number)
    await ask(survey_server, "sms", number)
    await survey_server.sms(number, "4")
    await survey_server.sms(number, reply)
    assert fake_twilio.bodies(number)[-1] == SPANISH.skipped_thanks


async def test_telegram_a_spanish_typed_cinco_then_a_comment(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    await spanish(survey_server, str(chat))
    sid = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(text_update(chat, "cinco"))
    assert fake_telegram.sent_texts(chat)[-1] == SPANISH.good_score_thanks
    await survey_server.telegram(text_update(chat, "Me atendieron muy rápido."))
    assert fake_telegram.sent_texts(chat)[-1] == SPANISH.comment_thanks
    assert survey_events(await survey_server.agent.events(str(chat)), sid) == [
        ("csat_score", 5),
        ("thanks", SPANISH.good_score_thanks),
        ("csat_comment", "Me atendieron muy rápido."),
        ("thanks", SPANISH.comment_thanks),
    ]
    assert survey_server.agent.texts_to_rasa(str(chat)) == []


async def test_telegram_a_spanish_button_omitir_and_a_closed_survey(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    await spanish(survey_server, str(chat))
    sid = await ask(survey_server, "telegram", str(chat))
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:1"))
    assert fake_telegram.sent_texts(chat)[-1] == SPANISH.poor_score_thanks
    await survey_server.telegram(text_update(chat, "Omitir"))
    assert fake_telegram.sent_texts(chat)[-1] == SPANISH.skipped_thanks
    await survey_server.telegram(callback_update(chat, f"csat:{sid}:4"))
    assert fake_telegram.sent_texts(chat)[-1] == SPANISH.closed_text


async def test_the_thanks_keep_the_question_s_language(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await spanish(survey_server, number)
    await ask(survey_server, "sms", number)
    # The slot changes after the question (another tool wrote it): still Spanish.
    await survey_server.agent.add(number, [SlotSet("language", "en")])
    await survey_server.sms(number, "5")
    assert fake_twilio.bodies(number)[-1] == SPANISH.good_score_thanks


async def test_an_english_survey_reads_spanish_answers_and_thanks_in_english(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await ask(survey_server, "sms", number)
    await survey_server.sms(number, "cuatro")
    assert fake_twilio.bodies(number)[-1] == GOOD_SCORE_THANKS
    await survey_server.sms(number, "no gracias")
    assert fake_twilio.bodies(number)[-1] == SKIPPED_THANKS

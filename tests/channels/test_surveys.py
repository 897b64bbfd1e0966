"""bot.channels.surveys: POST /internal/surveys asks a customer "how did we do?".

On the Rasa app's channels and internal routes (tests.channels.conftest's
SurveyServer, a FakeAgent for Rasa's), sending to the fake Twilio, Telegram
and Meta APIs: what reaches each platform, what the handoff service is
answered, and the question appended to the conversation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
from typing import Any

import pytest
from rasa.shared.core.events import BotUttered, SlotSet
from sqlalchemy import update

from bot.channels.internal import MAX_BODY_BYTES, SurveyRefused, delivery_error_response
from bot.channels.store import last_inbound
from bot.channels.survey_store import SCORE_STAGE, SurveyStore
from bot.channels.survey_text import SMS_ENDING
from bot.channels.surveys import SurveyRequest
from plumbing.clock import utc_now
from tests.channels.conftest import SurveyServer
from tests.conftest import DELIVERY_TOKEN
from tests.fakes.messenger import FakeGraph
from tests.fakes.server import Reply
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import error as telegram_error
from tests.fakes.twilio import FakeTwilio, new_number, twilio_error

_chats = itertools.count(930_001)
_psids = itertools.count(1)
_surveys = itertools.count(1)

EMOJI_TITLES = ["1 😞", "2 🙁", "3 😐", "4 🙂", "5 😀"]


def new_chat() -> str:
    return str(next(_chats))


def new_psid() -> str:
    return f"8{next(_psids):015d}"


def new_survey_id() -> str:
    return f"srv-{next(_surveys):04d}"


def survey(channel: str, recipient: str, **changes: Any) -> dict[str, Any]:
    return {
        "survey_id": new_survey_id(),
        "channel": channel,
        "recipient_id": recipient,
        "conversation_id": recipient,
        "kind": "handoff",
        **changes,
    }


async def question_events(server: SurveyServer, conversation_id: str) -> list[BotUttered]:
    return [
        event
        for event in await server.agent.events(conversation_id)
        if isinstance(event, BotUttered) and event.metadata.get("survey") == "question"
    ]


# -- what the customer sees ---------------------------------------------------------------


async def test_telegram_asks_with_five_buttons_in_one_row(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    body = survey("telegram", chat)
    response = await survey_server.ask(body)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "asked"}
    [sent] = fake_telegram.sent_messages(chat)
    assert "help you got from our team today" in sent["text"]
    [row] = sent["reply_markup"]["inline_keyboard"]
    assert [button["text"] for button in row] == EMOJI_TITLES
    sid = body["survey_id"]
    assert [button["callback_data"] for button in row] == [f"csat:{sid}:{n}" for n in range(1, 6)]


async def test_messenger_asks_with_five_quick_replies_inside_the_window(
    survey_server: SurveyServer, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await survey_server.store.touch_inbound("messenger", psid)
    body = survey("messenger", psid, kind="bot")
    response = await survey_server.ask(body)
    assert response.status_code == 200, response.text
    [sent] = fake_graph.sent_to(psid)
    assert sent["messaging_type"] == "RESPONSE" and "tag" not in sent
    assert "automated assistant help you" in sent["message"]["text"]
    replies = sent["message"]["quick_replies"]
    assert [reply["title"] for reply in replies] == EMOJI_TITLES
    assert replies[3]["payload"] == f"csat:{body['survey_id']}:4"


async def test_sms_asks_in_plain_text_ending_with_how_to_answer(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    response = await survey_server.ask(survey("sms", number))
    assert response.status_code == 200, response.text
    [text] = fake_twilio.bodies(number)
    assert text.endswith("Reply with a number from 1 (poor) to 5 (great).")
    assert SMS_ENDING in text and "our team today" in text
    # Not rendered as a numbered list of buttons ("1. 1 😞 ... Reply with a number.").
    assert "😞" not in text and "\n" not in text


@pytest.mark.parametrize("kind", ["handoff", "bot"])
async def test_the_wording_depends_on_what_is_rated(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, kind: str
) -> None:
    number = new_number()
    assert (await survey_server.ask(survey("sms", number, kind=kind))).status_code == 200
    [text] = fake_twilio.bodies(number)
    assert ("our team" in text) == (kind == "handoff")
    assert ("automated assistant" in text) == (kind == "bot")
    assert len(text) <= 160  # one SMS segment


async def test_a_64_character_survey_id_still_fits_telegram_s_callback_data(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    response = await survey_server.ask(survey("telegram", chat, survey_id="x" * 64))
    assert response.status_code == 200, response.text  # the fake refuses over 64 bytes
    [row] = fake_telegram.sent_messages(chat)[0]["reply_markup"]["inline_keyboard"]
    assert all(len(button["callback_data"].encode()) <= 64 for button in row)
    assert len({button["callback_data"] for button in row}) == 5


# -- in the customer's language ------------------------------------------------------------


async def speaks(server: SurveyServer, conversation_id: str, language: str | None) -> None:
    """The conversation's ``language`` slot, as bot.nlu.language sets it."""
    await server.agent.add(conversation_id, [SlotSet("language", language)])


async def test_sms_asks_in_spanish_when_the_conversation_is_spanish(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await speaks(survey_server, number, "es")
    assert (await survey_server.ask(survey("sms", number))).status_code == 200
    [text] = fake_twilio.bodies(number)
    assert text == (
        "¿Cómo te atendimos? Califica la ayuda que recibiste hoy de nuestro equipo. "
        "Responde con un número del 1 (muy mal) al 5 (excelente)."
    )
    [event] = await question_events(survey_server, number)
    assert event.text == text and event.metadata["survey_language"] == "es"


async def test_telegram_asks_in_spanish_with_the_same_buttons(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    body = survey("telegram", chat, conversation_id=f"conv-{chat}", kind="bot")
    await speaks(survey_server, f"conv-{chat}", "es")
    assert (await survey_server.ask(body)).status_code == 200
    [sent] = fake_telegram.sent_messages(chat)
    assert sent["text"] == (
        "¿Te ayudó hoy nuestro asistente automático? "
        "Califícalo en una escala del 1 (muy mal) al 5 (excelente)."
    )
    [row] = sent["reply_markup"]["inline_keyboard"]
    assert [button["text"] for button in row] == EMOJI_TITLES


async def test_messenger_asks_in_spanish(
    survey_server: SurveyServer, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    await survey_server.store.touch_inbound("messenger", psid)
    await speaks(survey_server, psid, "es")
    assert (await survey_server.ask(survey("messenger", psid))).status_code == 200
    [sent] = fake_graph.sent_to(psid)
    assert sent["message"]["text"].startswith("¿Cómo te atendimos?")


@pytest.mark.parametrize("language", ["en", None, "unset"])
async def test_english_conversations_are_asked_as_before(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, language: str | None
) -> None:
    number = new_number()
    if language != "unset":
        await speaks(survey_server, number, language)
    assert (await survey_server.ask(survey("sms", number))).status_code == 200
    [text] = fake_twilio.bodies(number)
    assert text == "How did we do? Please rate the help you got from our team today" + SMS_ENDING
    [event] = await question_events(survey_server, number)
    assert event.metadata["survey_language"] == "en"


async def test_the_language_is_read_from_the_survey_s_conversation(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await speaks(survey_server, number, "es")  # the number's own conversation
    await speaks(survey_server, f"other-{number}", "en")
    body = survey("sms", number, conversation_id=f"other-{number}")
    assert (await survey_server.ask(body)).status_code == 200
    assert fake_twilio.bodies(number)[0].startswith("How did we do?")


# -- the question in the conversation, and the pending survey ------------------------------


async def test_the_question_is_appended_to_the_conversation_and_published(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    body = survey("telegram", chat, conversation_id=f"conv-{chat}", kind="bot")
    assert (await survey_server.ask(body)).status_code == 200
    [event] = await question_events(survey_server, f"conv-{chat}")
    assert event.text == fake_telegram.sent_texts(chat)[0]
    assert event.metadata["survey_id"] == body["survey_id"]
    assert event.metadata["survey_kind"] == "bot"
    payloads = [button["payload"] for button in event.data["buttons"]]
    assert payloads == [f"csat:{body['survey_id']}:{n}" for n in range(1, 6)]
    published = [
        e for e in survey_server.agent.broker.published if e["sender_id"] == f"conv-{chat}"
    ]
    assert published[-1]["event"] == "bot"
    assert published[-1]["metadata"]["survey"] == "question"


async def test_the_survey_then_waits_for_the_customer_s_score(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    body = survey("sms", number)
    assert (await survey_server.ask(body)).status_code == 200
    pending = await SurveyStore(survey_server.store).pending("sms", number)
    assert pending is not None
    assert (pending.survey_id, pending.stage) == (body["survey_id"], SCORE_STAGE)
    assert pending.conversation_id == number
    hours = (pending.expires_at - utc_now()).total_seconds() / 3600
    assert 23.9 < hours <= 24


async def test_asking_again_replaces_the_pending_survey(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    first, second = survey("sms", number), survey("sms", number)
    assert (await survey_server.ask(first)).status_code == 200
    assert (await survey_server.ask(second)).status_code == 200
    pending = await SurveyStore(survey_server.store).pending("sms", number)
    assert pending is not None and pending.survey_id == second["survey_id"]


# -- idempotency ------------------------------------------------------------------------------


async def test_a_survey_asked_before_is_200_and_not_sent_again(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    body = survey("telegram", chat)
    for _ in range(3):
        response = await survey_server.ask(body)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "asked"}
    assert len(fake_telegram.sent_messages(chat)) == 1
    assert len(await question_events(survey_server, chat)) == 1


# -- refusals ---------------------------------------------------------------------------------


async def test_an_opted_out_number_is_not_asked(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await survey_server.store.opt_out(number)
    body = survey("sms", number)
    response = await survey_server.ask(body)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "refused"
    assert response.json()["reason"] == "opted_out"
    assert fake_twilio.messages(number) == []
    assert await SurveyStore(survey_server.store).pending("sms", number) is None
    # Not recorded as asked: once the number opts back in, the same survey may be asked.
    await survey_server.store.opt_in(number)
    assert (await survey_server.ask(body)).status_code == 200
    assert len(fake_twilio.messages(number)) == 1


@pytest.mark.parametrize("hours_ago", [None, 25])
async def test_messenger_outside_the_24_hour_window_is_not_asked_even_with_a_tag(
    survey_server: SurveyServer, fake_graph: FakeGraph, hours_ago: int | None
) -> None:
    psid = new_psid()
    if hours_ago is not None:
        await survey_server.store.touch_inbound("messenger", psid)
        with survey_server.store.engine.begin() as db:
            db.execute(
                update(last_inbound)
                .where(last_inbound.c.sender_id == psid)
                .values(received_at=utc_now() - dt.timedelta(hours=hours_ago))
            )
    response = await survey_server.ask(survey("messenger", psid))
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "window_closed"
    assert "24 hours" in response.json()["detail"]
    assert fake_graph.requests_to(psid) == []


async def test_a_user_who_blocked_the_bot_is_refused_with_telegram_s_code(
    survey_server: SurveyServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    fake_telegram.fail_next_for(chat, telegram_error(403, "Forbidden: bot was blocked by the user"))
    body = survey("telegram", chat)
    response = await survey_server.ask(body)
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "refused"
    assert response.json()["code"] == 403
    assert "blocked" in response.json()["detail"]
    assert await SurveyStore(survey_server.store).pending("telegram", chat) is None
    assert await question_events(survey_server, chat) == []
    # Not sent, so not asked: a later request may ask.
    assert (await survey_server.ask(body)).status_code == 200
    assert len(fake_telegram.sent_messages(chat)) == 1


async def test_twilio_s_own_opt_out_is_opted_out(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))
    response = await survey_server.ask(survey("sms", new_number()))
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "opted_out"


async def test_a_platform_that_keeps_failing_is_502_and_the_survey_not_asked(
    survey_server: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    busy = Reply(503, {"code": 20500, "message": "Service Unavailable"}, {"Retry-After": "0"})
    fake_twilio.fail_next(*[busy] * 5)
    number = new_number()
    body = survey("sms", number)
    response = await survey_server.ask(body)
    assert response.status_code == 502, response.text
    assert response.json()["error"] == "channel_failed"
    assert await SurveyStore(survey_server.store).pending("sms", number) is None
    assert (await survey_server.ask(body)).status_code == 200


async def test_a_question_sent_but_not_recorded_is_500_and_a_retry_records_it(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    agent = survey_server.agent
    survey_server.route.app.ctx.agent = None  # Rasa's agent not loaded, or its store down
    number = new_number()
    body = survey("sms", number)
    with caplog.at_level(logging.ERROR, logger="bot.channels.internal"):
        response = await survey_server.ask(body)
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "Rasa agent is not loaded" in caplog.text
    # The handoff service tries a 500 again: the question is appended, not sent again.
    survey_server.route.app.ctx.agent = agent
    for _ in range(2):
        assert (await survey_server.ask(body)).status_code == 200
    assert len(fake_twilio.messages(number)) == 1
    [event] = await question_events(survey_server, number)
    assert event.text == fake_twilio.bodies(number)[0]


# -- the request ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer wrong-token-of-a-decent-length",
        f"Basic {DELIVERY_TOKEN}",
        f"Bearer {DELIVERY_TOKEN}x",
    ],
)
async def test_a_missing_or_wrong_token_is_401(
    survey_server: SurveyServer, fake_twilio: FakeTwilio, authorization: str | None
) -> None:
    number = new_number()
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await survey_server.client.post(
        "/internal/surveys", json=survey("sms", number), headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert fake_twilio.messages(number) == []


async def test_an_oversized_body_is_413_after_the_token(survey_server: SurveyServer) -> None:
    body = json.dumps(survey("sms", new_number(), kind="b" * MAX_BODY_BYTES))
    assert (await survey_server.ask(body, token="wrong")).status_code == 401
    response = await survey_server.ask(body)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"text": "How did we do?"}, "unknown field(s): text"),
        ({"survey_id": ""}, "survey_id"),
        ({"survey_id": "has space"}, "survey_id"),
        ({"survey_id": "a:b"}, "survey_id"),
        ({"survey_id": "x" * 65}, "survey_id"),
        ({"survey_id": 42}, "survey_id"),
        ({"kind": "agent"}, "kind"),
        ({"kind": None}, "kind"),
        ({"conversation_id": "c" * 256}, "conversation_id"),
        ({"conversation_id": "a\nb"}, "control"),
        ({"recipient_id": ""}, "recipient_id"),
    ],
)
async def test_a_malformed_body_is_400(
    survey_server: SurveyServer, changes: dict[str, Any], complaint: str
) -> None:
    response = await survey_server.ask(survey("sms", new_number(), **changes))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert complaint in response.json()["detail"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'"survey"'])
async def test_a_body_that_is_no_json_object_is_400(
    survey_server: SurveyServer, body: bytes
) -> None:
    response = await survey_server.ask(body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("channel", ["fax", "rest", "internal"])
async def test_a_channel_without_surveys_is_422(survey_server: SurveyServer, channel: str) -> None:
    response = await survey_server.ask(survey(channel, "someone"))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "unknown_channel"


def test_a_field_missing_names_the_field() -> None:
    body = survey("sms", "+15550009999")
    del body["conversation_id"]
    with pytest.raises(Exception, match="conversation_id"):
        SurveyRequest.parse(json.dumps(body).encode())


def test_a_refusal_answers_409_with_its_reason_and_code() -> None:
    from types import SimpleNamespace
    from typing import cast

    from sanic.request import Request

    request = cast(Request, SimpleNamespace(ctx=SimpleNamespace(delivery_channel="telegram")))
    response = delivery_error_response(request, SurveyRefused("refused", "blocked", 403))
    assert response.status == 409
    assert json.loads(response.body or b"") == {
        "error": "refused", "detail": "blocked", "reason": "refused", "code": 403,
    }  # fmt: skip

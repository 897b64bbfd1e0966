"""bot.channels.survey_whatsapp: a satisfaction survey on WhatsApp, through POST /internal/surveys.

On a Rasa app with the WhatsApp channel and the internal routes
(tests.channels.conftest's ``serve_whatsapp_surveys``, a FakeAgent for
Rasa's), sending to the fake Twilio's Messages and Content APIs: inside the
24-hour window a list picker, outside it the ``survey`` template or nothing,
and the answers read as on SMS.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from rasa.shared.core.events import BotUttered, SlotSet
from sqlalchemy import update

from bot.channels.store import last_inbound
from bot.channels.survey_store import COMMENT_STAGE, SurveyStore
from bot.channels.survey_text import (
    COMMENT_THANKS,
    GOOD_SCORE_THANKS,
    SMS_ENDING,
    WORDING,
)
from bot.channels.whatsapp_content import LIST_PICKER
from plumbing.clock import utc_now
from tests.channels.conftest import ServeWhatsAppSurveys, SurveyServer
from tests.fakes.twilio import FakeTwilio, twilio_error

SURVEY_TEMPLATE_SID = "HX" + "5e" * 16
SPANISH = WORDING["es"]
SCORE_IDS = [f"csat:*:{n}" for n in range(1, 6)]

_numbers = itertools.count(1)
_surveys = itertools.count(1)


def new_address() -> str:
    """A WhatsApp address no other test uses (the fake Twilio is shared by the session)."""
    return f"whatsapp:+1555091{next(_numbers):04d}"


def survey(recipient: str, **changes: Any) -> dict[str, Any]:
    return {
        "survey_id": f"wa-{next(_surveys):04d}",
        "channel": "whatsapp",
        "recipient_id": recipient,
        "conversation_id": recipient,
        "kind": "handoff",
        **changes,
    }


async def wrote(server: SurveyServer, address: str, hours_ago: float = 0.0) -> None:
    """The customer wrote ``hours_ago``: WhatsApp's window opened then."""
    await server.store.touch_inbound("whatsapp", address)
    if hours_ago:
        with server.store.engine.begin() as db:
            db.execute(
                update(last_inbound)
                .where(last_inbound.c.sender_id == address)
                .values(received_at=utc_now() - dt.timedelta(hours=hours_ago))
            )


async def speaks_spanish(server: SurveyServer, conversation_id: str) -> None:
    await server.agent.add(conversation_id, [SlotSet("language", "es")])


def variables(message: dict[str, Any]) -> dict[str, str]:
    return dict(json.loads(message["ContentVariables"]))


async def questions(server: SurveyServer, conversation_id: str) -> list[BotUttered]:
    return [
        event
        for event in await server.agent.events(conversation_id)
        if isinstance(event, BotUttered) and event.metadata.get("survey") == "question"
    ]


@pytest.fixture
async def whatsapp(serve_whatsapp_surveys: ServeWhatsAppSurveys) -> SurveyServer:
    """No ``survey`` template configured."""
    return await serve_whatsapp_surveys()


@pytest.fixture
async def with_template(
    serve_whatsapp_surveys: ServeWhatsAppSurveys, fake_twilio: FakeTwilio
) -> SurveyServer:
    """The ``survey`` template configured, and known to the fake as approved."""
    fake_twilio.add_content(SURVEY_TEMPLATE_SID, {"twilio/text": {"body": "{{1}}"}})
    return await serve_whatsapp_surveys({"survey": SURVEY_TEMPLATE_SID})


# -- inside the 24-hour window: a list picker ----------------------------------------------------


async def test_inside_the_window_the_scores_are_a_list_picker(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(whatsapp, to, hours_ago=23)
    created_before = len(fake_twilio.created_contents())
    response = await whatsapp.ask(survey(to))
    assert response.status_code == 200, response.text
    [content] = fake_twilio.created_contents()[created_before:]
    picker = content["types"][LIST_PICKER]
    assert picker["body"] == "{{1}}"
    assert [item["id"] for item in picker["items"]] == SCORE_IDS
    assert [item["item"] for item in picker["items"]] == ["1 😞", "2 🙁", "3 😐", "4 🙂", "5 😀"]
    assert picker["button"] == "Choose a score"
    assert content["language"] == "en"
    [sent] = fake_twilio.messages(to)
    assert sent["ContentSid"] == content["sid"] and "Body" not in sent
    text = variables(sent)["1"]
    assert "help you got from our team today" in text
    assert text.endswith("on a scale of 1 (poor) to 5 (great).")
    [event] = await questions(whatsapp, to)
    assert event.text == text and event.metadata["survey_language"] == "en"
    assert [b["payload"] for b in event.data["buttons"]] == SCORE_IDS


async def test_the_list_is_made_once_for_every_survey_of_a_language(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    first, second = new_address(), new_address()
    for address in (first, second):
        await wrote(whatsapp, address)
    created_before = len(fake_twilio.created_contents())
    assert (await whatsapp.ask(survey(first))).status_code == 200
    assert (await whatsapp.ask(survey(second, kind="bot"))).status_code == 200
    assert len(fake_twilio.created_contents()) == created_before + 1
    [one], [two] = fake_twilio.messages(first), fake_twilio.messages(second)
    assert one["ContentSid"] == two["ContentSid"]
    assert "automated assistant" in variables(two)["1"]


async def test_a_spanish_conversation_gets_a_spanish_list(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(whatsapp, to)
    await speaks_spanish(whatsapp, to)
    created_before = len(fake_twilio.created_contents())
    assert (await whatsapp.ask(survey(to))).status_code == 200
    [content] = fake_twilio.created_contents()[created_before:]
    assert content["language"] == "es"
    assert content["types"][LIST_PICKER]["button"] == SPANISH.list_button == "Elige un puntaje"
    [sent] = fake_twilio.messages(to)
    assert variables(sent)["1"] == (
        "¿Cómo te atendimos? Califica la ayuda que recibiste hoy de nuestro equipo"
        " en una escala del 1 (muy mal) al 5 (excelente)."
    )


async def test_a_chosen_item_is_the_score_and_the_thanks_are_in_the_window(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(whatsapp, to)
    body = survey(to)
    assert (await whatsapp.ask(body)).status_code == 200
    await whatsapp.whatsapp(to, "4 🙂", ListId="csat:*:4", ListTitle="4 🙂")
    assert fake_twilio.bodies(to)[-1] == GOOD_SCORE_THANKS
    pending = await SurveyStore(whatsapp.store).pending("whatsapp", to)
    assert pending is not None and pending.stage == COMMENT_STAGE
    await whatsapp.whatsapp(to, "Quick and kind.")
    assert fake_twilio.bodies(to)[-1] == COMMENT_THANKS
    assert whatsapp.agent.texts_to_rasa(to) == []
    slots = [
        (e.key, e.value)
        for e in await whatsapp.agent.events(to)
        if isinstance(e, SlotSet) and e.metadata.get("survey_id") == body["survey_id"]
    ]
    assert slots == [("csat_score", 4), ("csat_comment", "Quick and kind.")]


@pytest.mark.parametrize(("reply", "score"), [("5", 5), ("cinco", 5), ("2 de 5", 2)])
async def test_a_typed_score_is_read_as_on_sms_in_spanish(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio, reply: str, score: int
) -> None:
    to = new_address()
    await wrote(whatsapp, to)
    await speaks_spanish(whatsapp, to)
    body = survey(to)
    assert (await whatsapp.ask(body)).status_code == 200
    await whatsapp.whatsapp(to, reply)
    expected = SPANISH.poor_score_thanks if score <= 2 else SPANISH.good_score_thanks
    assert fake_twilio.bodies(to)[-1] == expected
    await whatsapp.whatsapp(to, "Omitir")
    assert fake_twilio.bodies(to)[-1] == SPANISH.skipped_thanks
    assert whatsapp.agent.texts_to_rasa(to) == []
    scores = [
        e.value
        for e in await whatsapp.agent.events(to)
        if isinstance(e, SlotSet) and e.key == "csat_score"
    ]
    assert scores == [score]


async def test_a_chosen_item_after_the_survey_closed_says_so(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(whatsapp, to)
    await speaks_spanish(whatsapp, to)
    assert (await whatsapp.ask(survey(to))).status_code == 200
    await whatsapp.whatsapp(to, "5", ListId="csat:*:5")
    await whatsapp.whatsapp(to, "no gracias")
    await whatsapp.whatsapp(to, "3", ListId="csat:*:3")
    assert fake_twilio.bodies(to)[-1] == SPANISH.closed_text
    assert whatsapp.agent.texts_to_rasa(to) == []


async def test_without_the_content_api_the_question_asks_for_a_number(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(whatsapp, to)
    # The Content API is asked first (a new list on this server): it fails.
    fake_twilio.fail_next(twilio_error(500, 20500, "Internal Server Error"))
    assert (await whatsapp.ask(survey(to))).status_code == 200
    [sent] = fake_twilio.messages(to)
    assert "ContentSid" not in sent
    assert sent["Body"].endswith(SMS_ENDING)
    await whatsapp.whatsapp(to, "3")
    assert fake_twilio.bodies(to)[-1] == GOOD_SCORE_THANKS


# -- outside the window: the survey template, or nothing ------------------------------------------


async def test_outside_the_window_the_survey_template_carries_the_question(
    with_template: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(with_template, to, hours_ago=30)
    await speaks_spanish(with_template, to)
    response = await with_template.ask(survey(to, kind="bot"))
    assert response.status_code == 200, response.text
    [sent] = fake_twilio.messages(to)
    assert sent["ContentSid"] == SURVEY_TEMPLATE_SID
    assert variables(sent) == {
        "1": "¿Te ayudó hoy nuestro asistente automático? Califícalo. "
        "Responde con un número del 1 (muy mal) al 5 (excelente)."
    }
    assert await SurveyStore(with_template.store).pending("whatsapp", to) is not None
    # The customer's answer opens the window: the thanks go as a message.
    await with_template.whatsapp(to, "cuatro")
    assert fake_twilio.bodies(to)[-1] == SPANISH.good_score_thanks


async def test_a_customer_who_never_wrote_gets_the_template_too(
    with_template: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    assert (await with_template.ask(survey(to))).status_code == 200
    [sent] = fake_twilio.messages(to)
    assert sent["ContentSid"] == SURVEY_TEMPLATE_SID
    assert variables(sent)["1"].endswith(SMS_ENDING)


@pytest.mark.parametrize("hours_ago", [None, 25])
async def test_outside_the_window_without_a_template_the_survey_is_not_asked(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio, hours_ago: float | None
) -> None:
    to = new_address()
    if hours_ago is not None:
        await wrote(whatsapp, to, hours_ago=hours_ago)
    body = survey(to)
    response = await whatsapp.ask(body)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "refused"
    assert response.json()["reason"] == "window_closed"
    assert "survey template" in response.json()["detail"]
    assert fake_twilio.messages(to) == []
    assert await SurveyStore(whatsapp.store).pending("whatsapp", to) is None
    assert await questions(whatsapp, to) == []
    # Not recorded as asked: once the customer writes, the same survey may be asked.
    await wrote(whatsapp, to)
    assert (await whatsapp.ask(body)).status_code == 200
    assert len(fake_twilio.messages(to)) == 1


async def test_a_recipient_that_is_no_whatsapp_address_is_refused(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    response = await whatsapp.ask(survey("+15550912345"))
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "refused"
    assert fake_twilio.messages("+15550912345") == []


async def test_english_conversations_are_unchanged(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    to = new_address()
    await wrote(whatsapp, to)
    await whatsapp.agent.add(to, [SlotSet("language", "en")])
    assert (await whatsapp.ask(survey(to))).status_code == 200
    [sent] = fake_twilio.messages(to)
    assert variables(sent)["1"].startswith("How did we do?")


async def test_twilio_s_closed_window_is_window_closed_and_the_survey_not_asked(
    whatsapp: SurveyServer, fake_twilio: FakeTwilio
) -> None:
    first, second = new_address(), new_address()
    for address in (first, second):
        await wrote(whatsapp, address)
    assert (await whatsapp.ask(survey(first))).status_code == 200  # the list is made
    # Twilio's clock says the window closed (63016), and no template may carry it.
    fake_twilio.fail_next(twilio_error(400, 63016, "Outside messaging window"))
    body = survey(second)
    response = await whatsapp.ask(body)
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "window_closed"
    assert await SurveyStore(whatsapp.store).pending("whatsapp", second) is None
    assert (await whatsapp.ask(body)).status_code == 200  # not recorded as asked

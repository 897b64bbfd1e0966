"""bot.channels.survey_text: the question's wording and buttons, and what a reply means."""

from __future__ import annotations

import time

import pytest

from bot.channels.survey_text import (
    CALLBACK_DATA_LIMIT,
    GOOD_SCORE_THANKS,
    INVITE_COMMENT,
    MAX_COMMENT_CHARS,
    POOR_SCORE_THANKS,
    WORDING,
    any_survey_buttons,
    comment_of,
    declines_comment,
    payload_key,
    question,
    score_buttons,
    score_thanks,
    survey_payload,
    typed_score,
    wording,
)


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("4", 4), (" 5!", 5), ("4/5", 4), ("4 / 5", 4), ("3 out of 5", 3), ("5 stars", 5),
        ("1 star", 1), ("five", 5), ("Four.", 4), ("two stars", 2), ("⭐⭐⭐⭐", 4),
        ("⭐️⭐️⭐️", 3), ("★★★★★", 5), ("4️⃣", 4), ("  2  ", 2),
    ],
)  # fmt: skip
def test_a_reply_that_is_clearly_a_score(reply: str, score: int) -> None:
    assert typed_score(reply) == score


@pytest.mark.parametrize(
    "reply",
    [
        "1-5", "3 or 4", "order 12345", "0", "6", "10", "5/10", "45", "4 5", "",
        "stars", "⭐" * 6, "five stars please", "my order 4", "4" + " " * 50,
    ],
)  # fmt: skip
def test_a_reply_that_is_not_a_score(reply: str) -> None:
    assert typed_score(reply) is None


@pytest.mark.parametrize(
    "reply", ["skip", "SKIP", "Skip.", "no", "No!", "no thanks", "No, thank you.", "nothing",
              "no comment", "No comments."],
)  # fmt: skip
def test_declining_to_comment(reply: str) -> None:
    assert declines_comment(reply)


@pytest.mark.parametrize("reply", ["no, it was slow", "nothing worked", "skip the queue", "x" * 50])
def test_a_comment_is_not_declining(reply: str) -> None:
    assert not declines_comment(reply)


@pytest.mark.parametrize("text", ["4" * 100_000, "⭐" * 100_000, "no " * 30_000, " " * 100_000])
def test_long_replies_are_refused_at_once(text: str) -> None:
    started = time.perf_counter()
    for _ in range(100):
        assert typed_score(text) is None
        assert not declines_comment(text)
    assert time.perf_counter() - started < 0.5


def test_the_payload_names_the_survey_and_fits_telegram_s_callback_data() -> None:
    assert [b["payload"] for b in score_buttons("s-1")] == [f"csat:s-1:{n}" for n in range(1, 6)]
    assert survey_payload("csat:s-1:4") == ("s-1", 4)
    for survey_id in ("a" * 57, "a" * 58, "b" * 64):
        payloads = [b["payload"] for b in score_buttons(survey_id)]
        assert all(len(p.encode()) <= CALLBACK_DATA_LIMIT for p in payloads)
        assert survey_payload(payloads[1]) == (payload_key(survey_id), 2)
    assert payload_key("a" * 57) == "a" * 57
    assert payload_key("a" * 58) != payload_key("a" * 59)


@pytest.mark.parametrize("text", ["csat:s-1:6", "csat:s-1:0", "csat:s-1", "csat::4", "/csat:s:4"])
def test_a_malformed_payload_is_no_score(text: str) -> None:
    assert survey_payload(text) is None


def test_buttons_have_short_titles_from_1_to_5() -> None:
    titles = [b["title"] for b in score_buttons("s")]
    assert [t.split()[0] for t in titles] == ["1", "2", "3", "4", "5"]
    assert all(len(t) <= 20 for t in titles)  # Messenger's quick reply title limit


def test_the_question_ends_by_channel() -> None:
    assert question("bot", with_buttons=False).endswith(
        "Reply with a number from 1 (poor) to 5 (great)."
    )
    assert question("handoff", with_buttons=True).endswith("scale of 1 (poor) to 5 (great).")
    assert question("handoff", True) != question("bot", True)


def test_poor_scores_are_thanked_with_an_apology() -> None:
    assert score_thanks(1) == score_thanks(2) == POOR_SCORE_THANKS
    assert score_thanks(3) == score_thanks(5) == GOOD_SCORE_THANKS
    assert "sorry" in POOR_SCORE_THANKS and "sorry" not in GOOD_SCORE_THANKS
    assert POOR_SCORE_THANKS.endswith(INVITE_COMMENT) and GOOD_SCORE_THANKS.endswith(INVITE_COMMENT)
    assert INVITE_COMMENT.endswith("just reply here, or send SKIP.")


def test_a_comment_is_capped() -> None:
    assert comment_of("  good  ") == "good"
    assert len(comment_of("a" * 5000)) == MAX_COMMENT_CHARS


# -- Spanish ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("cinco", 5), ("Cinco!", 5), ("cinco estrellas", 5), ("5 de 5", 5), ("5 estrellas", 5),
        ("uno", 1), ("Una estrella", 1), ("dos", 2), ("tres de cinco", 3), ("cuatro/5", 4),
        ("CÍNCO", 5), ("1 estrella", 1),
    ],
)  # fmt: skip
def test_a_spanish_reply_that_is_clearly_a_score(reply: str, score: int) -> None:
    assert typed_score(reply) == score


@pytest.mark.parametrize(
    "reply", ["seis", "cinco o seis", "5 de 10", "pedido 12345", "cinco estrellas por favor", "un"]
)
def test_a_spanish_reply_that_is_not_a_score(reply: str) -> None:
    assert typed_score(reply) is None


@pytest.mark.parametrize(
    "reply",
    [
        "omitir", "OMITIR", "Omitir.", "saltar", "No, gracias", "no gracias", "nada", "Nada más",
        "nada mas", "ninguno", "Así está bien", "asi esta bien", "Todo bien 👍", "sin comentarios",
    ],
)  # fmt: skip
def test_declining_to_comment_in_spanish(reply: str) -> None:
    assert declines_comment(reply)


@pytest.mark.parametrize("reply", ["nada funcionó", "no, fue lento", "todo bien lento"])
def test_a_spanish_comment_is_not_declining(reply: str) -> None:
    assert not declines_comment(reply)


@pytest.mark.parametrize(
    "text", ["cinco " * 20_000, "á" * 100_000, "no gracias " * 10_000, "\u0301" * 100_000]
)
def test_long_spanish_replies_are_refused_at_once(text: str) -> None:
    started = time.perf_counter()
    for _ in range(100):
        assert typed_score(text) is None
        assert not declines_comment(text)
    assert time.perf_counter() - started < 0.5


def test_the_spanish_question_ends_by_channel() -> None:
    assert question("handoff", False, "es") == (
        "¿Cómo te atendimos? Califica la ayuda que recibiste hoy de nuestro equipo. "
        "Responde con un número del 1 (muy mal) al 5 (excelente)."
    )
    assert question("bot", True, "es") == (
        "¿Te ayudó hoy nuestro asistente automático? "
        "Califícalo en una escala del 1 (muy mal) al 5 (excelente)."
    )


def test_spanish_thanks_invite_a_comment_and_say_how_to_skip() -> None:
    spanish = wording("es")
    assert score_thanks(1, "es") == spanish.poor_score_thanks
    assert score_thanks(5, "es") == spanish.good_score_thanks
    assert "lamentamos" in spanish.poor_score_thanks
    assert spanish.good_score_thanks.endswith("responde aquí o envía OMITIR.")
    assert declines_comment("OMITIR")  # what the invitation says to send
    assert spanish.closed_text == "Gracias, esta encuesta ya se cerró."
    assert len(spanish.list_button) <= 20 and len(WORDING["en"].list_button) <= 20


@pytest.mark.parametrize("language", [None, "en", "fr", "ES"])
def test_any_other_language_is_english(language: str | None) -> None:
    assert wording(str(language)) == WORDING["en"]
    assert question("bot", True, str(language)) == question("bot", True)


def test_whatsapp_s_buttons_answer_whichever_survey_is_pending() -> None:
    payloads = [b["payload"] for b in any_survey_buttons()]
    assert payloads == [f"csat:*:{n}" for n in range(1, 6)]
    assert survey_payload("csat:*:4") == ("*", 4)
    assert survey_payload("csat:**:4") is None

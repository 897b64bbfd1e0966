"""Tests of handoff/insights/fold.py: surveys and opt-outs set outside any turn, and products.

The rest of the fold is tested through the records it builds (test_record.py).
"""

from __future__ import annotations

from handoff.insights.fold import build_records
from handoff.insights.products import Catalogue
from handoff.insights.record import QUIET_S, ConversationRecord
from tests.handoff.insights.conftest import Chat, at


def only(chat: Chat, **options: object) -> ConversationRecord:
    records = build_records("sender-1", chat.events, **options)  # type: ignore[arg-type]
    assert len(records) == 1, records
    return records[0]


def resolved_faq(chat: Chat) -> Chat:
    chat.session().user("when do you open on sundays?", "faq", faq="faq/store_hours")
    return chat.respond("utter_faq", "We are open 10 to 4 on Sundays.")


def test_a_survey_answered_is_in_the_record_without_changing_turns_end_or_outcome(
    chat: Chat,
) -> None:
    resolved_faq(chat)
    before = only(chat)
    chat.survey_question("s1", "bot", after_s=QUIET_S + 60)
    chat.survey_answer("s1", "csat_score", 4).survey_answer("s1", "csat_comment", "quick, thanks")

    record = only(chat, as_of=at(chat.now + 1))

    assert (record.csat_kind, record.csat_survey_id) == ("bot", "s1")
    assert (record.csat_score, record.csat_comment) == (4, "quick, thanks")
    # The question came after an hour of quiet: the session is still over, and resolved.
    assert record.outcome == "resolved"
    assert record.ended_at == before.ended_at
    assert (record.customer_turns, record.bot_turns) == (before.customer_turns, before.bot_turns)


def test_a_question_without_an_answer_is_asked_and_unscored(chat: Chat) -> None:
    resolved_faq(chat).survey_question("s1", "handoff")

    record = only(chat)

    assert record.csat_survey_id == "s1" and record.csat_kind == "handoff"
    assert record.csat_score is None and record.csat_comment is None


def test_an_answer_to_another_survey_or_out_of_range_is_not_taken(chat: Chat) -> None:
    resolved_faq(chat).survey_question("s2")
    chat.survey_answer("s1", "csat_score", 1)  # an older question's, pressed late
    chat.survey_answer("s2", "csat_score", 9)

    assert only(chat).csat_score is None

    chat.survey_answer("s2", "csat_score", 2)
    assert only(chat).csat_score == 2


def test_a_new_question_replaces_the_earlier_answers(chat: Chat) -> None:
    resolved_faq(chat).survey_question("s1").survey_answer("s1", "csat_score", 5)
    chat.survey_question("s2", "bot")

    record = only(chat)

    assert (record.csat_survey_id, record.csat_kind, record.csat_score) == ("s2", "bot", None)


def test_the_sms_opt_out_slot_marks_the_session_opted_out_until_start(chat: Chat) -> None:
    resolved_faq(chat)
    chat.slot("sms_opted_out", True)
    stopped_at = chat.now

    record = only(chat)
    assert record.outcome == "opted_out" and record.opted_out_at == at(stopped_at)

    chat.slot("sms_opted_out", False)
    assert only(chat).outcome == "resolved"


def test_a_record_with_a_survey_comes_back_the_same_from_json(chat: Chat) -> None:
    resolved_faq(chat).survey_question("s1").survey_answer("s1", "csat_score", 3)
    chat.survey_answer("s1", "csat_comment", "ok I guess")
    record = only(chat)

    assert ConversationRecord.from_json(record.to_json()) == record
    assert record.to_row()["csat_score"] == 3


# -- products -------------------------------------------------------------------------


def test_products_named_to_the_bot_and_to_a_person_in_order_of_first_mention(
    chat: Chat,
) -> None:
    chat.session().user("my Earbuds stopped charging", "complain")
    chat.respond("utter_sorry", "Sorry to hear that.")
    chat.user('/inform{"product": "yoga mat"}', "inform")  # a button: no words of theirs
    chat.user("request a person", "request_human")
    chat.action("action_handoff").say("You're in the queue.", "utter_handoff_queued")
    chat.simple("pause").action("action_listen")
    chat.user("also the espresso maker, and the headphones again", "inform")
    chat.survey_question("s1", "handoff").survey_answer("s1", "csat_comment", "the lamp is nice")

    record = only(chat)

    assert record.products == ("Wireless headphones", "Espresso machine")
    assert len(record.sentiment) == 3  # each named product gets these in the figures
    assert ConversationRecord.from_json(record.to_json()) == record
    assert record.to_row()["products"] == "Wireless headphones;Espresso machine"


def test_products_are_found_with_the_catalogue_given(chat: Chat) -> None:
    chat.session().user("my kayak leaks, and the headphones too", "complain")
    chat.respond("utter_sorry")

    assert only(chat, catalogue=Catalogue({"Kayak": ["canoe"]})).products == ("Kayak",)
    assert only(chat, catalogue=Catalogue({})).products == ()
    assert only(chat).products == ("Wireless headphones",)  # the shipped catalogue


def test_each_session_names_its_own_products(chat: Chat) -> None:
    chat.session().user("the yoga mat is great", "inform").respond("utter_noted")
    chat.session(after_s=QUIET_S + 60).user("where are my trainers?", "check_order_status")
    chat.respond("utter_ask_order_id")

    first, second = build_records("sender-1", chat.events)

    assert (first.products, second.products) == (("Yoga mat",), ("Running shoes",))

"""Tests of handoff/insights/record.py: Rasa's events of a conversation folded into records."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from handoff.escalation import default_detector
from handoff.insights.fold import build_record, build_records, sessions
from handoff.insights.record import COLUMNS, QUIET_S, ConversationRecord, Feeling
from tests.handoff.insights.conftest import START, Chat, at


def only(chat: Chat, **options: object) -> ConversationRecord:
    records = build_records("sender-1", chat.events, **options)  # type: ignore[arg-type]
    assert len(records) == 1, records
    return records[0]


def order_status(chat: Chat) -> Chat:
    """Asks where an order is, gives the number when asked, and is told."""
    return (
        chat.user("where is my order?", "check_order_status")
        .action("order_status_form").form("order_status_form").slot("requested_slot", "order_id")
        .say("What's your order number?", "utter_ask_order_id").action("action_listen")
        .user("it's #1234-5678", "inform")
        .action("order_status_form").slot("order_id", "#1234-5678").slot("order_id", "12345678")
        .form(None).slot("requested_slot", None)
        .action("action_check_order_status")
        .say("Order 12345678 shipped on Monday.", "utter_order_status_shipped")
        .action("action_listen")
    )  # fmt: skip


# --- outcomes ----------------------------------------------------------------------------


def test_a_faq_answered_and_thanked_for_is_resolved_with_the_topic_in_full(chat: Chat) -> None:
    chat.session().user("hi", "greet").respond("utter_greet", "Hi! How can I help?")
    chat.user("when do you open on sundays?", "faq", faq="faq/store_hours")
    chat.respond("utter_faq", "We are open 10 to 4 on Sundays.")
    chat.user("thanks!", "thank").respond("utter_you_are_welcome")
    chat.user("bye", "goodbye").respond("utter_goodbye")

    record = only(chat)

    assert record.contact_reasons == ("faq/store_hours",)
    assert record.outcome == "resolved"
    assert record.channel == "twilio"
    assert record.started_at == at(START)
    assert record.ended_at == at(chat.now)
    assert (record.customer_turns, record.bot_turns, record.fallbacks) == (4, 4, 0)
    assert record.handed_off_at is None and record.customer_id is None
    assert record.products == ()


def test_the_first_response_is_timed_from_the_first_message_to_the_bot_s_next(
    chat: Chat,
) -> None:
    chat.session().user("hi", "greet", after_s=30)
    sent = chat.now
    chat.action("utter_greet", after_s=1.5).say("Hi! How can I help?", "utter_greet")
    answered = chat.now
    chat.action("action_listen").user("where is my order?", "check_order_status")
    chat.respond("utter_ask_order_id", "What's your order number?")

    assert only(chat).first_response_s == pytest.approx(answered - sent)


def test_a_session_the_bot_never_answered_has_no_first_response(chat: Chat) -> None:
    chat.session().user("hello?", "greet")

    assert only(chat).first_response_s is None


def test_a_handoff_is_timed_when_action_handoff_ran_and_what_follows_is_the_agents(
    chat: Chat,
) -> None:
    chat.session().user("my parcel never came", "check_order_status")
    chat.respond("utter_ask_order_id")
    chat.user("I want to talk to a human NOW", "request_human")
    chat.action("action_handoff")
    handoff_time = chat.now
    chat.say("You're number 2 in the queue.", "utter_handoff_queued").simple("pause")
    chat.action("action_listen")
    # Written to the agent: the NLU reads it, but neither its intent nor its
    # "fallback" are the bot's business.
    chat.user("it was order 87654321, sent to my mum", "nlu_fallback", 0.3, order_id="87654321")
    chat.user("I'd also like to return the other one", "start_return", after_s=60)

    record = only(chat, as_of=at(chat.now + 5))  # not quiet yet: a handoff is no less one

    assert record.outcome == "handed_off"
    assert record.handed_off_at == at(handoff_time)
    assert record.contact_reasons == ("check_order_status", "request_human")
    assert record.order_ids == ("87654321",)  # mentioned to the agent: still the order
    assert record.customer_turns == 4
    assert record.fallbacks == 0 and record.rephrasings == 0
    assert (record.handoff_reason, record.handoff_wait_s, record.handoff_handle_s) == (
        None,
        None,
        None,
    )


def test_after_the_hand_back_the_bot_is_judged_again(chat: Chat) -> None:
    chat.session().user("person please", "request_human").action("action_handoff")
    chat.say("Queued.", "utter_handoff_queued").simple("pause").action("action_listen")
    chat.user("my card was charged twice", "nlu_fallback", 0.2)
    chat.simple("resume")
    chat.channel = "facebook"  # the channel is the first message's
    chat.user("one more thing: cancel 12345678", "cancel_order", order_id="12345678")
    chat.respond("utter_order_cancelled").user("grrr", "nlu_fallback", 0.1)
    chat.respond("utter_please_rephrase").user("thanks", "thank")

    record = only(chat)

    assert record.outcome == "handed_off"
    assert record.channel == "twilio"
    assert record.contact_reasons == ("request_human", "cancel_order")
    assert (record.fallbacks, record.rephrasings) == (1, 1)


def test_a_handoff_that_failed_paused_nothing_and_is_none(chat: Chat) -> None:
    chat.session().user("agent please", "request_human").action("action_handoff")
    chat.say("Sorry, something went wrong. Please try again.", "utter_handoff_failed")
    chat.action("action_listen")

    record = only(chat)

    assert record.outcome == "resolved"
    assert record.handed_off_at is None


def test_a_pause_without_action_handoff_is_a_handoff_at_the_pause(chat: Chat) -> None:
    chat.session().user("hello?", "greet").respond("utter_greet").simple("pause")

    record = only(chat)

    assert record.outcome == "handed_off"
    assert record.handed_off_at == at(chat.now)


def test_silence_after_please_rephrase_is_abandoned_once_quiet_and_ongoing_before(
    chat: Chat,
) -> None:
    chat.session().user("the thingy with the stuff", "nlu_fallback", 0.41)
    chat.respond("utter_please_rephrase", "Sorry, I didn't get that. Could you rephrase?")
    last = at(chat.now)

    assert only(chat, as_of=last + timedelta(seconds=QUIET_S)).outcome == "abandoned"
    assert only(chat, as_of=last + timedelta(seconds=QUIET_S - 1)).outcome == "ongoing"
    assert only(chat, as_of=last + timedelta(minutes=5), quiet_s=300).outcome == "abandoned"
    # Without "as of", the events are all there will be: over.
    record = only(chat)
    assert record.outcome == "abandoned"
    assert record.fallbacks == 1
    assert record.contact_reasons == ()  # the NLU did not know why they came


def test_an_unanswered_form_question_is_abandoned_and_an_answered_one_is_not(
    chat: Chat,
) -> None:
    chat.session().user("cancel my order", "cancel_order")
    chat.action("cancel_form").form("cancel_form").slot("requested_slot", "order_id")
    chat.say("What's your order number?", "utter_ask_order_id").action("action_listen")
    asked = Chat()
    asked.events = list(chat.events)

    chat.user("12345678", "inform", order_id="12345678")
    chat.action("cancel_form").slot("order_id", "12345678")
    chat.say("That order is not in our system.", "utter_order_not_found")
    chat.action("action_listen")
    answered = list(chat.events)
    chat.user("oh wait, 12345687", "inform", order_id="12345687")
    chat.action("action_cancel_order").say("Order 12345687 is cancelled.", "utter_order_cancelled")
    chat.action("action_listen")

    assert only(asked).outcome == "abandoned"
    # A form's rejection asks again: no answer to it is abandoning too.
    assert build_records("s", answered)[0].outcome == "abandoned"
    done = only(chat)
    assert done.outcome == "resolved"
    assert done.order_ids == ("12345678", "12345687")
    assert done.contact_reasons == ("cancel_order",)


def test_a_customer_who_wrote_after_the_question_did_not_abandon_it(chat: Chat) -> None:
    chat.session().user("track my order", "check_order_status").respond("utter_ask_order_id")
    # The action server never answered: the customer still did what was asked.
    chat.user("12345678", "inform", order_id="12345678").action("order_status_form")

    assert only(chat).outcome == "resolved"


def test_an_opt_out_marks_the_session_it_came_in(chat: Chat) -> None:
    chat.session().user("where's my order", "check_order_status").respond("utter_ask_order_id")
    first_end = chat.now
    chat.session(after_s=4000).user("hi", "greet").respond("utter_greet")
    second_start = chat.now

    between = build_records("s", chat.events, opted_out_at=at(first_end + 10))
    later = build_records("s", chat.events, opted_out_at=at(second_start + 3600))

    assert [r.outcome for r in between] == ["opted_out", "resolved"]
    assert between[0].opted_out_at == at(first_end + 10)
    assert [r.outcome for r in later] == ["abandoned", "opted_out"]
    assert [r.outcome for r in build_records("s", chat.events)] == ["abandoned", "resolved"]


# --- what the customer wanted ----------------------------------------------------------


def test_reasons_keep_their_first_order_without_small_talk_and_answers(chat: Chat) -> None:
    chat.session().user("hello", "greet").respond("utter_greet")
    order_status(chat)
    chat.user("great, and how much is shipping?", "faq", faq="faq/shipping_cost")
    chat.respond("utter_faq")
    chat.user("where is my order?", "check_order_status").respond("utter_ask_order_id")
    chat.user("yes", "affirm").user("no", "deny").user("are you a bot?", "bot_challenge")
    chat.user("this is useless", "complain").respond("utter_complain_ack")
    chat.user("what's the weather", "out_of_scope").respond("utter_out_of_scope")
    chat.user("/start_return", "start_return").respond("utter_ask_order_id")

    record = only(chat)

    assert record.contact_reasons == (
        "check_order_status",
        "faq/shipping_cost",
        "complain",
        "out_of_scope",
        "start_return",
    )


def test_order_numbers_come_from_entities_and_the_slot_as_eight_digits(chat: Chat) -> None:
    chat.session().user("status of 23456789 please", "check_order_status", order_id="23456789")
    chat.respond("utter_order_status_processing")
    order_status(chat)
    # What the slot's custom mapping caught and the form rejected is no order.
    chat.user("cancel 1234567", "cancel_order").slot("order_id", "1234567")
    chat.slot("order_id", "4155550101").slot("order_id", None)
    chat.respond("utter_invalid_order_id")
    chat.user("23456789 again", "inform", order_id="23456789").respond("utter_order_cancelled")

    assert only(chat).order_ids == ("23456789", "12345678")


# --- fallbacks, rephrasings ---------------------------------------------------------------


def test_each_message_the_bot_did_not_understand_is_one_fallback(chat: Chat) -> None:
    chat.session().user("parcel thing broke??", "nlu_fallback", 0.3)
    chat.respond("utter_please_rephrase")
    chat.user("my package arrived broken", "start_return", 0.72)
    # The policy gives up: action_default_fallback says utter_default and
    # takes the message back (rewind); the message was still written.
    chat.action("action_default_fallback").say("Sorry, I can't help with that.", "utter_default")
    chat.simple("rewind").action("action_listen")
    chat.user("I want to return a broken item", "start_return")
    chat.respond("utter_ask_order_id")
    chat.user("12345678", "inform", order_id="12345678").respond("utter_return_authorised")
    chat.user("asdfgh", "nlu_fallback", 0.2)
    # Both fallbacks at once on one message count once.
    chat.action("action_default_fallback").say("Sorry?", "utter_default").action("action_listen")
    chat.user("thanks", "thank").respond("utter_you_are_welcome")

    record = only(chat)

    assert record.fallbacks == 3
    # After each fallback the customer wrote again.
    assert record.rephrasings == 3
    assert record.customer_turns == 6
    assert record.outcome == "resolved"
    assert record.contact_reasons == ("start_return",)


def test_a_fallback_action_that_said_nothing_is_still_a_fallback(chat: Chat) -> None:
    chat.session().user("hmm", "greet", 0.5).respond("utter_greet")
    # Without utter_default in the domain, action_default_fallback only rewinds.
    chat.user("zzzz qqq", "check_balance", 0.31).action("action_default_fallback")
    chat.simple("rewind").action("action_listen")

    record = only(chat)

    assert (record.fallbacks, record.bot_turns) == (1, 1)


def test_a_message_after_an_answered_one_is_no_rephrasing(chat: Chat) -> None:
    chat.session().user("hi", "greet").respond("utter_greet")
    chat.user("hello again", "greet").respond("utter_greet")

    record = only(chat)

    assert (record.fallbacks, record.rephrasings) == (0, 0)


def test_a_custom_actions_text_counts_as_that_actions_message(chat: Chat) -> None:
    chat.session().user("I'd like my balance", "check_balance")
    chat.action("action_default_fallback").say("Something went wrong.")  # no response name
    chat.action("action_listen")

    record = only(chat)

    assert record.fallbacks == 1
    assert record.outcome == "abandoned"


# --- sessions ------------------------------------------------------------------------------


def test_one_record_per_session_with_a_customer_message(chat: Chat) -> None:
    chat.session().user("hi", "greet").respond("utter_greet")
    chat.user("where's 12345678", "check_order_status", order_id="12345678")
    chat.respond("utter_order_status_shipped")
    chat.user("/restart", "restart").action("action_restart").simple("restart")
    chat.session()  # nothing said in it: no record
    second_start = chat.session(after_s=7200).events[-3]["timestamp"]  # action_session_start
    chat.user("store hours?", "faq", faq="faq/store_hours")
    chat.respond("utter_faq").user("start a return", "start_return")
    last_message = chat.now
    chat.respond("utter_ask_order_id")

    records = build_records("+14155550101", chat.events, as_of=at(chat.now + 60))

    assert [r.contact_reasons for r in records] == [
        ("check_order_status",),
        ("faq/store_hours", "start_return"),
    ]
    assert [r.order_ids for r in records] == [("12345678",), ()]
    # The first is over (another session followed), the second still going on.
    assert [r.outcome for r in records] == ["resolved", "ongoing"]
    assert records[1].started_at == at(second_start)
    assert records[0].ended_at < records[1].started_at
    assert records[1].ended_at > at(last_message)
    assert all(r.conversation_id == "+14155550101" for r in records)
    latest = build_record("+14155550101", chat.events, as_of=at(chat.now + 60))
    assert latest == records[1]


def test_the_latest_session_without_a_message_has_no_record_yet(chat: Chat) -> None:
    chat.session().user("hi", "greet").respond("utter_greet").session(after_s=4000)

    assert build_record("s", chat.events) is None
    assert len(build_records("s", chat.events)) == 1
    assert build_record("s", []) is None


def test_sessions_cut_before_rasas_session_start_action() -> None:
    chat = Chat().session().user("hi", "greet").respond("utter_greet").session()

    cut = sessions(chat.events)

    assert [[e.get("name", e["event"]) for e in s][:2] for s in cut] == [
        ["action_session_start", "session_started"],
        ["action_session_start", "session_started"],
    ]
    assert sum(len(s) for s in cut) == len(chat.events)


def test_events_before_any_session_start_are_a_session_of_their_own() -> None:
    # A tracker store read from --since on, in the middle of a session.
    chat = Chat().user("where's my order", "check_order_status").respond("utter_ask_order_id")
    chat.user("12345678", "inform", order_id="12345678").respond("utter_order_status_shipped")

    record = only(chat)

    assert record.started_at == at(START + 5)
    assert record.order_ids == ("12345678",)


# --- sentiment ------------------------------------------------------------------------------


def test_the_trajectory_has_the_escalation_detectors_scores_per_written_message(
    chat: Chat,
) -> None:
    texts = ["hi there, lovely day!", "where is my order", "THIS IS RIDICULOUS, 3 WEEKS!!! useless"]
    chat.session().user(texts[0], "greet").respond("utter_greet")
    chat.user("/check_order_status", "check_order_status").respond("utter_ask_order_id")
    chat.user(texts[1], "check_order_status").respond("utter_ask_order_id")
    chat.user(texts[2], "complain").respond("utter_complain_ack")
    times = [e["timestamp"] for e in chat.events if e["event"] == "user"]

    record = only(chat)

    detector = default_detector()
    intents = ["greet", "check_order_status", "complain"]
    expected = [detector.anger(t, i) for t, i in zip(texts, intents, strict=True)]
    assert [f.at for f in record.sentiment] == [at(times[0]), at(times[2]), at(times[3])]
    assert [f.compound for f in record.sentiment] == [round(s.compound, 4) for s in expected]
    assert [f.anger for f in record.sentiment] == [round(s.score, 4) for s in expected]
    calm, _neutral, angry = record.sentiment
    assert calm.compound > 0.3 and angry.compound < -0.3
    assert angry.anger > 0.5 > calm.anger
    assert record.max_anger == angry.anger


# --- serialised -----------------------------------------------------------------------------


def test_to_json_has_iso_times_and_lists_and_comes_back_the_same(chat: Chat) -> None:
    chat.session().user("I'M FURIOUS, where is 12345678", "check_order_status", order_id="12345678")
    handoff_time = chat.action("action_handoff").now
    chat.say("Queued.", "utter_handoff_queued").simple("pause")
    chat.user("hello??", "greet")
    record = only(chat)

    data = json.loads(json.dumps(record.to_json()))

    assert data["started_at"] == "2026-05-28T12:00:00+00:00"
    assert data["handed_off_at"] == at(handoff_time).isoformat()
    assert data["outcome"] == "handed_off"
    assert data["order_ids"] == ["12345678"]
    assert data["contact_reasons"] == ["check_order_status"]
    assert [set(f) for f in data["sentiment"]] == [{"at", "compound", "anger"}] * 2
    assert data["opted_out_at"] is None and data["handoff_wait_s"] is None
    assert ConversationRecord.from_json(data) == record
    with pytest.raises(ValueError, match="unknown outcome"):
        ConversationRecord.from_json({**data, "outcome": "happy"})


def test_to_row_is_flat_with_lists_joined_and_fits_a_csv(chat: Chat) -> None:
    order_status(chat.session())
    chat.user("and what's your returns policy?", "faq", faq="faq/returns_policy")
    chat.respond("utter_faq")
    record = only(chat)

    row = record.to_row()

    assert tuple(row) == COLUMNS
    assert all(v is None or isinstance(v, (str, int, float)) for v in row.values())
    assert row["contact_reasons"] == "check_order_status;faq/returns_policy"
    assert row["order_ids"] == "12345678"
    assert row["products"] == ""
    assert row["compound"] == ";".join(f"{f.compound:.4f}" for f in record.sentiment)
    assert len(str(row["anger"]).split(";")) == 3
    assert row["duration_s"] == round(chat.now - START, 3)
    assert row["started_at"] == "2026-05-28T12:00:00+00:00"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow(row)
    assert next(csv.DictReader(io.StringIO(out.getvalue())))["outcome"] == "resolved"


def test_feelings_and_records_are_frozen(chat: Chat) -> None:
    record = only(chat.session().user("hi", "greet").respond("utter_greet"))
    with pytest.raises(AttributeError):
        record.outcome = "abandoned"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Feeling(at(START), 0.0, 0.0).anger = 1.0  # type: ignore[misc]


# --- the fixtures ---------------------------------------------------------------------------


def test_the_fixtures_are_events_rasa_itself_reads_back_the_same(chat: Chat) -> None:
    from rasa.shared.core.events import Event

    chat.session().user("where is 12345678?", "check_order_status", order_id="12345678")
    chat.user("how much is shipping", "faq", faq="faq/shipping_cost")
    chat.action("order_status_form").form("order_status_form").slot("order_id", "12345678")
    chat.respond("utter_faq", "Free over $50.").simple("pause").simple("resume")
    chat.simple("rewind").user("/restart", "restart").action("action_restart").simple("restart")

    for event in chat.events:
        parsed = Event.from_parameters(event)
        assert parsed is not None, event
        assert parsed.as_dict() == event

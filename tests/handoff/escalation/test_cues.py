"""Conversation-level and rule-level cues of the escalation rules (handoff/escalation/).

The contact centre failing the customer, a threat to leave, a request made
again instead of answering the bot, anger said without swearing (a complaint
in capitals, an angry emoji with a complaint, sarcasm, verdicts), subtle
fraud and payment disputes, and the false escalations seen in the field.
Each cue is tested with the wording it must catch and the innocent wording it
must leave alone, and for linear time like every other pattern.
"""

from __future__ import annotations

import functools
import uuid

import pytest

from handoff.escalation import (
    REASON_PRIORITY,
    AngerDetector,
    EscalationSettings,
    Turn,
    decide,
    findings,
    stuck,
)
from handoff.escalation import phrases as phrase_lists
from handoff.escalation import rules as escalation_rules
from handoff.escalation.declines import NOT_A_REQUEST, ONLY_ASKING
from handoff.escalation.phrases import (
    ACCOUNT_CLOSURE,
    CONTACT_CENTER_FAILURE,
    REPEATED_ASKING,
    THREAT_TO_LEAVE,
    Phrase,
)
from handoff.escalation.settings import TURN_CACHE_SIZE
from handoff.escalation.vocabulary import _normalise
from tests.handoff.escalation.rules_only import RULES_ONLY
from tests.handoff.escalation.test_rules import B, C, detector, judge
from tests.handoff.escalation.test_rules import signal_names as signals
from tests.handoff.escalation.test_speed import SHAPES, assert_linear, growth, repeated

__all__ = ["detector"]  # a fixture: pytest finds it here by name


# --- the new reasons -------------------------------------------------------------------------


def test_new_reasons_are_priority_three_and_documented() -> None:
    for reason in ("contact_center_failure", "threat_to_leave"):
        assert REASON_PRIORITY[reason] == 3
        assert reason in (escalation_rules.__doc__ or "")


def test_settings_read_the_ignored_questions_limit() -> None:
    assert EscalationSettings().max_ignored_questions == 1
    settings = EscalationSettings.from_env({"HANDOFF_MAX_IGNORED_QUESTIONS": "2"})
    assert settings.max_ignored_questions == 2
    with pytest.raises(ValueError, match="max_ignored_questions"):
        EscalationSettings(max_ignored_questions=0)


# --- the contact centre failed the customer ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "you promised a call back on Friday and nobody rang",
        "I was told a manager would email me, still nothing",
        "the callback never happened",
        "no one ever picks up the phone at your head office",
        "I've been on hold for 50 minutes",
        "spent two hours in your phone queue yesterday",
        "the live chat disconnected me twice",
        "I got cut off after waiting in the queue",
        "your agent hung up on me",
        "my emails have been ignored for a fortnight",
        "I've written to you three times and heard nothing",
        "I have been trying to contact someone about this since Monday",
        "I can't get through to anyone on the helpline",
        "still waiting for a reply to my complaint",
        "you keep ignoring my messages",
        "all I get is the same automated reply",
        "I've been passed around from department to department",
        "so nobody is going to get back to me?",
    ],
)
def test_contact_center_failures(text: str) -> None:
    decision = judge(C(text, "complain"))
    assert "contact_center_failure" in decision.reasons, decision.summary()
    assert decision.explanation["contact_center_failure"].startswith(
        "the customer says our contact centre did not answer or call back"
    )


@pytest.mark.parametrize(
    "text",
    [
        "can someone call me back about a bulk order?",
        "nobody was in when the courier came, can I rebook?",
        "no one answered the door so it went back to the depot",
        "nobody told me the sale ended yesterday, is it still on anywhere?",
        "I was on hold for 3 minutes and the agent sorted it all, thank you!",
        "please put my order on hold for two weeks while I'm away",
        "the price label was cut off, how much is the blue one?",
        "I tried phoning but the line was busy, what's your e-mail address?",
        "they said they'd call me tomorrow to book the delivery slot",
        "I emailed my receipt over, did it arrive?",
    ],
)
def test_not_contact_center_failures(text: str) -> None:
    assert "contact_center_failure" not in judge(C(text, "out_of_scope")).reasons


def test_a_negated_wait_is_no_failure() -> None:
    assert not judge(C("I wasn't on hold for 20 minutes, it was quick", "thank")).escalate


def test_a_long_wait_in_a_happy_message_is_no_failure() -> None:
    decision = judge(
        C("on hold for 20 minutes but Jo was brilliant and fixed it, thank you!", "thank")
    )
    assert not decision.escalate, decision.summary()


# --- leaving, going public, the cold "done" ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'll be taking my custom elsewhere",
        "never shopping here again",
        "I won't be ordering from you again",
        "you've lost a loyal customer",
        "I'm done with Northwind",
        "this is the last time I order from you",
        "I'm switching to a competitor",
        "I'm going to post this everywhere",
        "leaving you a one star review",
        "I'll be contacting the press about this",
        "fourth time I've chased this. done.",
        "Never again.",
    ],
)
def test_threats_to_leave(text: str) -> None:
    decision = judge(C(text, "complain"))
    assert {"threat_to_leave", "repeated_request"} & set(decision.reasons), decision.summary()


@pytest.mark.parametrize(
    "text",
    [
        "I'll never shop anywhere else again, love you guys!",
        "never again will I buy shoes from a market, yours are so much better",
        "I'll buy it elsewhere if you don't stock it, no problem",
        "I'm done, thanks for your help!",
        "done. what do I do next?",
        "I'll leave a review once it's arrived",
        "I'm going to share this on Instagram, it's gorgeous",
    ],
)
def test_not_threats_to_leave(text: str) -> None:
    assert not judge(C(text, "thank")).escalate, judge(C(text, "thank")).summary()


def test_closing_the_account_is_leaving_only_when_unhappy() -> None:
    assert not judge(C("please close my account, I'm moving abroad", "out_of_scope")).escalate
    assert not judge(C("how do I close my account?", "out_of_scope")).escalate
    decision = judge(C("close my account, I've had enough of the delays", "complain"))
    assert "threat_to_leave" in decision.reasons


# --- a request made again instead of answering the bot ------------------------------------------


def test_repeating_instead_of_answering_the_form_escalates() -> None:
    decision = judge(
        C("I need to return the kettle"),
        B("utter_ask_order_id"),
        C("I need to return the kettle!"),
    )
    assert decision.reasons == ["repeated_request"]
    assert "utter_ask_order_id" in decision.explanation["repeated_request"]


def test_a_question_of_the_bot_is_also_one_in_its_text() -> None:
    decision = judge(
        C("why was the delivery fee charged"),
        B("action_explain_fees", text="Which order is that about?"),
        C("why was the delivery fee charged?"),
    )
    assert "repeated_request" in decision.reasons


def test_same_intent_instead_of_the_order_number() -> None:
    decision = judge(
        C("where's my parcel", "check_order_status"),
        B("utter_ask_order_id"),
        C("I just want to know where it is", "check_order_status"),
    )
    assert decision.reasons == ["repeated_request"]
    assert "check_order_status" in decision.explanation["repeated_request"]


def test_a_question_of_ones_own_in_other_words_asks_on() -> None:
    conversation = [
        C("the jeans are too small unfortunately", "start_return"),
        B("utter_ask_order_id"),
        C("how do I send them back for a bigger size?", "start_return"),
    ]
    assert not judge(*conversation).escalate, judge(*conversation).summary()
    # Not a question, or the same words again: the bot's question was ignored.
    plain = [*conversation[:2], C("I want to send them back for a bigger size", "start_return")]
    assert judge(*plain).reasons == ["repeated_request"]


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("I don't have an order number, it was a gift", "it was a GIFT, I don't have the number"),
        ("dunno the number, it's the red kettle", "I told you I can't find the confirmation email"),
        ("no tengo el numero, lo compro mi marido", "que no tengo el número!! solo quiero saber"),
        ("no me llego ningun correo de confirmacion", "sin numero de pedido, ya te dije"),
    ],
)
def test_no_order_number_said_twice_is_stuck(first: str, again: str) -> None:
    conversation = [
        C("I need to return something", "start_return"),
        B("utter_ask_order_id"),
        C(first, "deny"),
        B("utter_form_stopped"),
    ]
    decision = judge(*conversation, C(again, "start_return"))
    assert "repeated_request" in decision.reasons
    assert "no order number" in decision.explanation["repeated_request"]
    # Said once, then the number found: the bot carries on.
    assert not judge(*conversation, C("found it: 31928475", "inform")).escalate


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("i don't have the order number, i checked out as a guest", "i don't have it!!!"),
        ("no tengo el numero de pedido", "no lo tengo, ya te dije"),
    ],
)
def test_i_dont_have_it_after_being_told_where_the_number_is_is_the_second_time(
    first: str, again: str
) -> None:
    conversation = [
        C("need to return a dress", "start_return"),
        B("utter_ask_order_id"),
        C(first, "no_order_number"),
        B("utter_find_order_number"),
    ]
    assert "repeated_request" in judge(*conversation, C(again, "deny")).reasons
    # "It" is the number only as the answer to it: here it is the parcel.
    elsewhere = [conversation[0], B("utter_return_authorised"), conversation[2], B("utter_greet")]
    assert not judge(*elsewhere, C("tracking says delivered but i don't have it", "deny")).escalate


def test_an_order_not_found_was_answered() -> None:
    conversation = [
        C("where is order 19920364, it was due yesterday", "check_order_status"),
        B(
            "utter_order_not_found",
            text="I couldn't find an order with the number 19920364. "
            "Could you double-check the 8 digits?",
        ),
        C("nothing has come yet", "check_order_status"),
    ]
    assert not judge(*conversation).escalate, judge(*conversation).summary()
    asked = [conversation[0], B("utter_ask_order_id"), conversation[2]]
    assert judge(*asked).reasons == ["repeated_request"]


def test_another_question_on_the_same_faq_topic_ignores_no_question() -> None:
    conversation = [
        C("what's the address for returns", "faq/return_policy"),
        C("do I have to print a label", "start_return"),
        B("utter_ask_order_id"),
        C("is it free", "faq/return_policy"),
    ]
    assert not judge(*conversation).escalate, judge(*conversation).summary()
    # The same question again, in the same words, does.
    again = [*conversation[:3], C("what's the address for returns?", "faq/return_policy")]
    assert judge(*again).reasons == ["repeated_request"]


@pytest.mark.parametrize(
    "answer",
    [
        C("where's my parcel 24242424", "check_order_status", entities={"order_id": "24242424"}),
        C("it's 24242424, where's my parcel", None),
        C("no, where's my parcel", "deny"),
    ],
)
def test_an_answer_is_not_an_ignored_question(answer: Turn) -> None:
    assert not judge(
        C("where's my parcel", "check_order_status"), B("utter_ask_order_id"), answer
    ).escalate


@pytest.mark.parametrize(
    "question",
    ["utter_please_rephrase", "utter_greet", "utter_you_are_welcome", "utter_order_status_late"],
)
def test_repeating_after_a_non_question_is_not_ignoring(question: str) -> None:
    decision = judge(
        C("why is the sofa delayed"),
        B(question, text="Anything else?"),
        C("why is the sofa delayed"),
    )
    assert not decision.escalate, decision.summary()


def test_the_same_wording_three_times_whatever_the_intent() -> None:
    decision = judge(
        C("when does the clearance sale start", "faq/store_hours"),
        B("utter_faq/store_hours"),
        C("so when does the clearance sale start", "out_of_scope"),
        B("utter_out_of_scope"),
        C("when does the clearance sale start??", "nlu_fallback", 0.4),
    )
    assert "repeated_request" in decision.reasons
    assert "3 times" in decision.explanation["repeated_request"]


def test_a_repeat_by_intent_and_by_wording_counts_once() -> None:
    decision = judge(
        C("reset my password", "reset_password"),
        B("utter_password_reset_sent"),
        C("reset my password", "reset_password"),
    )
    # Once before and once now: two, not three (the earlier message matches both ways).
    assert not decision.escalate


def test_the_same_words_about_another_order_is_progress() -> None:
    assert not judge(
        C("when will 11112222 arrive"),
        B("x", text="Which order?"),
        C("when will 33334444 arrive"),
    ).escalate
    assert not judge(
        C("track my order"), B("utter_ask_order_id"), C("track another order")
    ).escalate


def test_ignoring_twice_can_be_required() -> None:
    turns = (
        C("I want to return the kettle"),
        B("utter_ask_order_id"),
        C("I want to return the kettle"),
    )
    assert not judge(*turns, settings=EscalationSettings(max_ignored_questions=2)).escalate


@pytest.mark.parametrize(
    "text",
    [
        "third time asking: where is my refund",
        "I've asked this 4 times now",
        "I already told you the order number",
        "how many times do I have to explain this",
        "I told you twice already",
        "fifth message about this. done.",
    ],
)
def test_the_customer_says_they_asked_before(text: str) -> None:
    decision = judge(C(text, "complain"))
    assert "repeated_request" in decision.reasons
    assert "asked before" in decision.explanation["repeated_request"]


@pytest.mark.parametrize(
    "text",
    [
        "this is the third time I've bought this kettle, great product",
        "how many times can I use the code?",
        "I already sent the item back, when's my refund?",
        "I've already asked in store, they said to message you",
    ],
)
def test_not_asking_again(text: str) -> None:
    assert "repeated_request" not in judge(C(text, "out_of_scope")).reasons


# --- irritation after chasing -------------------------------------------------------------------


def test_irritation_after_chasing_is_a_trend() -> None:
    decision = judge(
        C("has the desk shipped?"),
        B("x"),
        C("it's 60606060"),
        B("x"),
        C("still no tracking"),
        B("x"),
        C("honestly this is starting to frustrate me"),
    )
    assert decision.reasons == ["anger_trend"]
    assert "chasing" in decision.explanation["anger_trend"]


@pytest.mark.parametrize("text", ["a bit frustrating, but ok", "frustrating lol, anyway"])
def test_played_down_irritation_after_chasing_is_not(text: str) -> None:
    assert not judge(C("still no tracking"), B("x"), C(text)).escalate


# --- anger without swearing -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I HAVE WAITED IN ALL DAY AND NOBODY CAME",
        "WHERE IS MY REFUND",
        "the courier THREW my parcel over the gate and it arrived SMASHED",
    ],
)
def test_a_complaint_in_capitals_is_anger(detector: AngerDetector, text: str) -> None:
    assert "shouted_complaint" in signals(detector, text)
    assert judge(C(text)).escalate


@pytest.mark.parametrize(
    "text",
    [
        "WHAT TIME DO YOU CLOSE ON SUNDAY",
        "THANK YOU, THE DRESS IS PERFECT",
        "can I get the NEW trainers in a size 6?",
        "is the sofa STILL on offer?",
    ],
)
def test_capitals_without_a_complaint_are_not(text: str) -> None:
    assert not judge(C(text)).escalate


@pytest.mark.parametrize(
    "text", ["parcel late again 😡", "the lamp came broken 😤", "nobody replied 👎", "🤬"]
)
def test_an_angry_emoji_with_a_complaint_is_anger(detector: AngerDetector, text: str) -> None:
    assert "emoji_complaint" in signals(detector, text)
    assert {"anger", "strong_anger"} & set(judge(C(text)).reasons)


@pytest.mark.parametrize(
    "text",
    [
        "ugh, I typed my own postcode wrong 🙄",
        "😤 new personal best in your running shoes!",
        "the parcel came late 😂 no harm done",
    ],
)
def test_an_angry_emoji_without_a_complaint_is_not(text: str) -> None:
    assert not judge(C(text)).escalate


@pytest.mark.parametrize(
    "text",
    [
        "great, another missed delivery",
        "thanks for wasting my whole Saturday",
        "superb customer service, not.",
        "well done 👏 my refund went to the wrong card",
        "love being kept waiting by you lot",
        "the 'express' option took nine days",
        "The chair is already wobbling. Lovely.",
        "surprise, surprise, no delivery today",
        "great, just great, it's missing again",
    ],
)
def test_sarcasm_is_anger(detector: AngerDetector, text: str) -> None:
    assert "sarcasm" in signals(detector, text)
    assert {"anger", "strong_anger"} & set(judge(C(text)).reasons)


@pytest.mark.parametrize(
    "text",
    [
        "great, thanks! what's the returns address?",
        "Lovely, it arrived a day early. Thank you!",
        "perfect, just perfect, thank you so much",
        "what a surprise, it came a day early!",
        "the 'Oslo' sofa, is it in stock?",
        "oh sure, my email is kim@example.com",
        "Great, it arrived, but the box was dented",
    ],
)
def test_genuine_praise_is_not_sarcasm(detector: AngerDetector, text: str) -> None:
    assert "sarcasm" not in signals(detector, text)
    assert not judge(C(text)).escalate


@pytest.mark.parametrize(
    "text",
    [
        "Unacceptable.",
        "This service is not good enough.",
        "what a shambles",
        "the way you treat customers is a disgrace",
        "I am absolutely livid",
        "Three weeks. Still no refund. Appalling.",
        "your returns process is a nightmare",
        "you lied to me about the delivery date",
        "it's late. Again.",
    ],
)
def test_verdicts_are_anger_on_their_own(text: str) -> None:
    decision = judge(C(text))
    assert {"anger", "strong_anger"} & set(decision.reasons), decision.summary()


@pytest.mark.parametrize(
    "text",
    [
        "the coat is not good enough for skiing, do you have a warmer one?",
        "is it not acceptable to return worn shoes?",
        "ridiculously comfy slippers, thank you",
        "I hate this weather, do you sell umbrellas?",
        "lol I'm so useless with passwords 😂",
    ],
)
def test_innocent_uses_of_verdict_words(text: str) -> None:
    assert not judge(C(text)).escalate, judge(C(text)).summary()


def test_a_verdict_alone_is_not_strong_anger() -> None:
    decision = judge(C("This is unacceptable.", "complain"))
    assert decision.reasons == ["anger"]
    assert decision.priority == 3


# --- the false escalations seen in the field ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("these killer deals are insane!!!", "thank"),
        ("the killer deal on sofas, is it still on?", "complain"),
        ("my husband will go mad if it's late!!", "complain"),
        ("my mum's going to kill me if it isn't here by Friday", "check_order_status"),
        ("I was talking to the manager at your Leeds store and she was lovely", "thank"),
        ("a present for my gran, but the estimated date has passed", "check_order_status"),
        ("a present for my grandma and the battery died after a day", "start_return"),
    ],
)
def test_field_false_escalations(text: str, intent: str) -> None:
    decision = judge(C(text, intent))
    assert not decision.escalate, decision.summary()


def test_the_customer_own_anger_is_kept() -> None:
    assert judge(C("I'm absolutely furious it's late again", "complain")).escalate


def test_a_real_bereavement_with_a_grandmother_still_escalates() -> None:
    assert judge(C("my gran died last month, please stop her orders")).reasons == ["bereavement"]


def test_asking_for_a_supervisor_in_other_words() -> None:
    decision = judge(C("I'd like this dealt with by a supervisor please"))
    assert decision.reasons == ["explicit_request"]


# --- subtle fraud and payment disputes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("an order I never placed is going to an address I don't know", "fraud"),
        ("my voucher was drained and I never used it", "fraud"),
        ("I didn't spend it but the gift card balance is now zero", "fraud"),
        ("my account was used without my permission", "fraud"),
        ("my e-mail address was changed and it wasn't me", "fraud"),
        ("someone redeemed my points", "fraud"),
        ("my 10 year old son spent $300 on my card without asking", "fraud"),
        ("my 7 yr old ordered toys on my account without asking me", "fraud"),
        ("the direct debit still comes out after I cancelled the plan", "payment_dispute"),
        ("keeping the money is a breach of contract", "legal_threat"),
        ("you charged me twice for one order", "payment_dispute"),
        ("you keep charging me for the membership I cancelled", "payment_dispute"),
        ("there's a double charge on my card", "payment_dispute"),
        ("Klarna are chasing me to pay for a coat I returned", "payment_dispute"),
        ("a debt collector wrote to me about my Northwind order", "payment_dispute"),
    ],
)
def test_subtle_fraud_and_payment_disputes(text: str, reason: str) -> None:
    decision = judge(C(text, "complain"))
    assert reason in decision.reasons, decision.summary()
    assert decision.priority == 2


@pytest.mark.parametrize(
    "text",
    [
        "I haven't used my gift card yet, what's on it?",
        "my son ordered it for me, can I return it?",
        "will I still be charged for shipping?",
        "I used my gift card and now the balance is zero, can I top it up?",
        "can I split the payment into two with Klarna?",
        "I changed my address last week, has it updated?",
        "my Klarna reminder came, can I pay early?",
        "my new address I don't know the postcode of yet, can I add it later?",
        "got scammed on some other website so I only buy here now, do you take Apple Pay?",
        "the payment still shows as pending, when does it clear?",
    ],
)
def test_innocent_payment_and_account_questions(text: str) -> None:
    assert not judge(C(text, "check_balance")).escalate, judge(C(text, "check_balance")).summary()


# --- linear time, each message read once ---------------------------------------------------------

NEW_LISTS: dict[str, list[Phrase]] = {
    "contact_center_failure": CONTACT_CENTER_FAILURE,
    "threat_to_leave": THREAT_TO_LEAVE,
    "account_closure": ACCOUNT_CLOSURE,
    "repeated_asking": REPEATED_ASKING,
    "not_a_request": NOT_A_REQUEST,
    "only_asking": ONLY_ASKING,
}
CUE_SHAPES = dict(
    SHAPES,
    contact="nobody called me back on hold for 40 minutes in the chat queue hung up ",
    leaving="never ordering again I'm done. third time asking close my account ",
    sarcasm="great, another week 'express' lovely. well done 👏 late again ",
)


@pytest.mark.parametrize("shape", sorted(CUE_SHAPES))
@pytest.mark.parametrize("name", sorted(NEW_LISTS))
def test_each_new_list_is_linear(name: str, shape: str) -> None:
    small, large = growth(
        lambda size: _normalise(repeated(CUE_SHAPES[shape], size)),
        lambda text: phrase_lists._cue(NEW_LISTS[name], text),
    )
    assert_linear(small, large, f"{name} on {shape!r}")


@pytest.mark.parametrize("shape", ["contact", "leaving", "sarcasm"])
def test_the_new_anger_signals_are_linear(shape: str) -> None:
    detector = AngerDetector()
    small, large = growth(
        lambda size: repeated(CUE_SHAPES[shape], size), lambda text: detector._score(text, None)
    )
    assert_linear(small, large, f"anger on {shape!r}")


def test_the_wording_is_read_from_a_capped_text() -> None:
    long = repeated("why was my order cancelled ", 40_000)
    wording = stuck._wording(long)
    assert len(wording.words) <= stuck.REPEAT_MAX_WORDS
    small, large = growth(
        lambda size: f"{uuid.uuid4().hex} " + repeated("where is my order 12345678 ", size),
        lambda text: stuck._wording.__wrapped__(text),
    )
    assert large < 3 * small + 0.003


def test_each_message_is_read_once_for_the_new_cues(monkeypatch: pytest.MonkeyPatch) -> None:
    cue_scans: list[str] = []
    wording_scans: list[str] = []
    cue = findings._cue
    wording = stuck._wording.__wrapped__

    def counting_cue(phrases: list[Phrase], text: str) -> str | None:
        cue_scans.append(text)
        return cue(phrases, text)

    def counting_wording(text: str) -> object:
        wording_scans.append(text)
        return wording(text)

    monkeypatch.setattr(findings, "_cue", counting_cue)
    remembered = functools.lru_cache(maxsize=TURN_CACHE_SIZE)(counting_wording)
    monkeypatch.setattr(stuck, "_wording", remembered)
    findings._findings.cache_clear()
    tag = uuid.uuid4().hex
    conversation: list[Turn] = []
    for k in range(50):
        conversation.append(C(f"why was my order cancelled, day {k} ({tag})"))
        conversation.append(B("utter_ask_order_id"))
    for end in range(1, len(conversation) + 1, 2):
        decide(conversation[:end])

    assert len(cue_scans) == 50 * len(NEW_LISTS)
    assert len(set(wording_scans)) == len(wording_scans) == 50


# --- what the third dev set showed the lists lacked (said here in other words) ----------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("my solicitor will be writing to you about this", "legal_threat"),
        ("I'm passing this to a lawyer tomorrow", "legal_threat"),
        ("somebody took my card details and ordered two laptops", "fraud"),
        ("my old flatmate still has my password and keeps buying things", "fraud"),
        ("got hacked last night, there are orders I never made", "fraud"),
        ("the refund for the table came through 80 pounds short", "payment_dispute"),
        ("you only gave me a partial refund for the broken chairs", "payment_dispute"),
        ("my son caught his fingers in the folding mechanism", "safety_incident"),
        ("burning embers flew out of the chiminea onto the rug", "safety_incident"),
        ("someone could have been hurt by that shelf", "safety_incident"),
        ("my toddler swallowed a magnet from the fridge set", "safety_incident"),
        ("broke out in a rash all over my neck from the scarf", "safety_incident"),
        ("writing this all up on trustpilot tonight with the photos", "threat_to_leave"),
        ("I shan't be shopping with you again after this", "threat_to_leave"),
        ("Following up on my previous emails about the missing door", "contact_center_failure"),
        ("hello? is anybody actually reading these", "explicit_request"),
        ("still not helpful", "bot_did_not_help"),
    ],
)
def test_cues_said_in_everyday_words(text: str, reason: str) -> None:
    decision = judge(C(text))
    assert reason in decision.reasons, decision.summary()


@pytest.mark.parametrize(
    "text",
    [
        "I'm a solicitor, so I need a desk that fits two monitors",
        "what a steal, someone stole the show at our party with your lamp",
        "total life hack: hacked the wardrobe rails together in ten minutes",
        "my bank flagged the order as fraud but it was me, all sorted now",
        "our lawyer friend recommended the recliner, is it in grey",
        "does the swim top count as a rash guard?",
    ],
)
def test_alarming_words_used_innocently(text: str) -> None:
    decision = judge(C(text))
    assert not ({"legal_threat", "fraud"} & set(decision.reasons)), decision.summary()


def test_a_pleased_customer_the_bot_did_not_follow_is_not_stuck() -> None:
    decision = judge(
        C("WOW. THE. SOFA. IS. PERFECT.", "nlu_fallback", 0.3),
        B("utter_please_rephrase"),
        C("the fitters even hoovered up afterwards", "nlu_fallback", 0.3),
        B("utter_please_rephrase"),
    )
    assert "repeated_fallback" not in decision.reasons


def test_a_customer_the_bot_did_not_follow_twice_is_still_stuck() -> None:
    decision = judge(
        C("the thingy on the bill is off", "nlu_fallback", 0.3),
        B("utter_please_rephrase"),
        C("the amount on the paper", "nlu_fallback", 0.3),
        B("utter_please_rephrase"),
    )
    assert "repeated_fallback" in decision.reasons


# --- anger at someone else; safety and fraud words in innocent messages ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "my flatmate ate my leftovers AGAIN, absolutely raging 😤",
        "the landlord still hasn't fixed the boiler, so fed up. do you sell oil radiators?",
        "a parcel from another shop went missing AGAIN, honestly livid",
        "ugh I'm such an idiot, I typed my old postcode at checkout",
    ],
)
def test_anger_at_someone_else_does_not_escalate(detector: AngerDetector, text: str) -> None:
    assert "aimed_elsewhere" in {s.name for s in detector.anger(text).signals}
    assert not judge(C(text)).escalate
    assert not judge(C(text), settings=EscalationSettings()).escalate


@pytest.mark.parametrize(
    "text",
    [
        # The company is named or addressed: anger at us, whoever else is in it.
        "my husband is absolutely fuming at your drivers, third missed delivery",
        "you lot lost my parcel AGAIN, my neighbour is sick of signing for nothing. furious",
        # Possessives and blame sent back to us are no anger elsewhere.
        "my son's birthday present never turned up. inexcusable",
        "I'm furious, being told it's not my fault but nobody will refund me",
    ],
)
def test_anger_at_us_that_names_someone_else_still_escalates(text: str) -> None:
    assert judge(C(text)).escalate


def test_asking_whether_it_is_a_bot_does_not_ask_the_anger_model() -> None:
    everything = EscalationSettings(anger_model_threshold=0.0, person_model_threshold=1.0)
    question = "wait, am I talking to a real human or a computer right now?"
    assert not judge(C(question, "bot_challenge"), settings=everything).escalate
    # Read as anything else, the same words would be asked about.
    assert judge(C(question, "out_of_scope"), settings=everything).reasons == ["anger"]


def test_declining_a_person_does_not_ask_the_anger_model() -> None:
    # The words of a decline are a request's, which the model learnt as often angry.
    everything = EscalationSettings(anger_model_threshold=0.0, person_model_threshold=1.0)
    assert not judge(C("no need to put me through to anyone", "deny"), settings=everything).escalate
    # Anger in words still counts.
    angry = judge(C("I don't want an agent, I want my money back, THIEVES"), settings=everything)
    assert "anger" in angry.reasons or "strong_anger" in angry.reasons


def test_venting_elsewhere_does_not_ask_the_person_model() -> None:
    text = "a courier from a different shop lost my parcel AGAIN, honestly raging"
    everything = EscalationSettings(person_model_threshold=0.0)
    assert not judge(C(text), settings=everything).escalate
    # A worry that involves someone else is not venting: the model is asked.
    worry = judge(C("my toddler found a loose magnet from the toy set"), settings=everything)
    assert worry.reasons == ["needs_person"]


def test_a_plain_question_calling_us_you_lot_is_not_anger(detector: AngerDetector) -> None:
    question = "do you lot deliver on Sundays or not till Monday?"
    assert "anger_words" not in signals(detector, question)
    assert "anger_words" in signals(detector, "you lot are useless, where is my sofa")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("need a knee brace for an old rugby injury, which size?", None),
        ("is the foam roller good for injury recovery?", None),
        ("will the fan heater overheat if I leave it on overnight?", None),
        ("does the charger have overheat protection?", None),
        ("my bank flagged it as fraud but I've approved the payment now, can I retry?", None),
        ("any tips for avoiding fraud when I pay online? my dad keeps getting odd texts", None),
        ("my bank is so useless, they froze my card AGAIN 🙄 can I pay by PayPal?", None),
        ("so angry at the airline, they lost my luggage 😤 do you ship to hotels?", None),
        ("you took my money but there's no order on my account", "payment_dispute"),
        ("the app shows two payments of $80 for the same lamp", "payment_dispute"),
        ("I placed two orders for one table by accident, can you cancel one?", None),
        ("got a shock off the lamp when I switched it on", "safety_incident"),
        ("got a shock when I saw the delivery price lol", None),
        ("someone used my card for an order here, is it fraud?", "fraud"),
        ("your site is useless, my bank says you charged me twice 😡", "payment_dispute"),
        ("the step ladder buckled and I injured my back", "safety_incident"),
        ("the charger overheated and melted the socket", "safety_incident"),
        ("there's a fraudulent charge on my card, I never approved it", "fraud"),
    ],
)
def test_safety_and_fraud_words_in_innocent_messages(text: str, reason: str | None) -> None:
    decision = judge(C(text))
    if reason is None:
        assert not decision.escalate, decision.summary()
    else:
        assert reason in decision.reasons, decision.summary()


# --- Spanish repeats ---------------------------------------------------------------------

def test_a_spanish_request_made_three_times_in_other_words_escalates() -> None:
    conversation = [
        C("cuando llega la lavadora?"),
        C("y la lavadora cuando llega"),
        C("te pregunto otra vez, cuando llega la lavadora"),
    ]
    assert "repeated_request" in decide(conversation, RULES_ONLY).reasons


def test_spanish_function_words_do_not_make_a_repeat() -> None:
    # "el", "de", "la", "pedido"... are shared by any two messages about an order.
    conversation = [
        C("quiero cambiar la direccion de el pedido"),
        C("y de paso quiero saber el precio de la mesa"),
        C("y tambien el horario de la tienda"),
    ]
    assert "repeated_request" not in decide(conversation, RULES_ONLY).reasons


def test_tracking_another_order_in_spanish_is_no_repeat() -> None:
    conversation = [
        C("quiero rastrear mi pedido 38291047"),
        C("quiero rastrear otro pedido, el 38291048"),
        C("y rastrear otro mas, el 38291049"),
    ]
    assert "repeated_request" not in decide(conversation, RULES_ONLY).reasons


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # The English twins of the seventh Spanish round (es_dev12).
        ("no reply by Monday and you'll know where I'm posting about it", "threat_to_leave"),
        ("the adapter smells of burning rubber", "safety_incident"),
        ("a message claiming to be you had a link, I typed in my card number", "fraud"),
        ("I can see a purchase on my card which isn't mine", "fraud"),
        ("I still don't understand what to do to send it back", "bot_did_not_help"),
        ("that refund was meant for our rent this month", "vulnerable_customer"),
        ("do not want my husband to find out where I'm staying", "vulnerable_customer"),
        ("can I speak to a flesh-and-blood human?", "explicit_request"),
        ("I'm blind and can't read the return label", "vulnerable_customer"),
        ("I'm hard of hearing, that's why I prefer texting", None),
        ("two charges came up, turns out one was the postage. all good", None),
        ("I typed my card number at checkout and it was declined", None),
        # And of the eighth (es_dev13).
        ("my daughter used my card for a game, we never gave her permission", "fraud"),
        ("an email said I'd won a giveaway, so I gave my card details", "fraud"),
        ("the free fitting was agreed, we've got it in writing", "legal_threat"),
        ("furious at myself, wrong postcode again, can it be changed?", None),
        # And of the ninth (es_dev14).
        ("I don't want to keep you long, quick question about delivery", None),
        ("I don't want to keep talking to a machine", "explicit_request"),
        ("I already asked this same question on Monday", "repeated_request"),
        ("the same charge appears twice on my card", "payment_dispute"),
        ("we need the refund to pay our rent", "vulnerable_customer"),
        ("I'm now unemployed and the next instalment is due", "vulnerable_customer"),
    ],
)
def test_english_twins_of_the_seventh_spanish_round(text: str, reason: str | None) -> None:
    found = decide([Turn.customer(text)], RULES_ONLY).reasons
    assert (reason in found) if reason else found == [], found

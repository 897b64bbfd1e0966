"""A simulated week of conversations on every channel, with its own ground truth.

Issue 14 asks for the insights to be checked against "a realistic simulated
week" whose right answers are known: :func:`simulated_week` writes one, as
the Rasa events of each conversation (the :class:`~tests.handoff.insights.
conftest.Chat` fixture's, which Rasa reads back as its own), together with
what each conversation was scripted to be (:class:`Truth`): its channel,
contact reasons, order numbers, outcome, and counts. A sender may come back
later in the week: a new session of the same conversation id.

Seeded: the same seed gives the same week, so a failing figure can be
replayed. The insights page and the live records table will be checked
against the same week.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from handoff.insights.record import QUIET_S
from tests.handoff.insights.conftest import START, Chat

CHANNELS = ("sms", "telegram", "messenger")
DAY_S = 86_400.0
FAQS = ("faq/store_hours", "faq/shipping_cost", "faq/return_policy", "faq/payment_methods")
# Outcomes and how often each is scripted (opt-outs never reach Rasa's events).
OUTCOMES = (("resolved", 0.6), ("handed_off", 0.2), ("abandoned", 0.2))


@dataclass
class Truth:
    """What a session was scripted to be: what its record must say."""

    conversation_id: str
    channel: str
    outcome: str
    contact_reasons: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    customer_turns: int = 0
    fallbacks: int = 0
    rephrasings: int = 0
    # The satisfaction survey asked in the session, if any, and its answers.
    csat_kind: str | None = None
    csat_score: int | None = None
    csat_comment: str | None = None


@dataclass
class Week:
    """Each sender's events, and the truth of each of its sessions, oldest first."""

    events: dict[str, list[dict[str, Any]]]
    truths: dict[str, list[Truth]]

    @property
    def sessions(self) -> int:
        return sum(len(t) for t in self.truths.values())


def _order_id(rng: random.Random) -> str:
    return str(rng.randrange(10_000_000, 100_000_000))


def _script(chat: Chat, truth: Truth, rng: random.Random) -> None:
    """One session: an opening, a reason or two, then the scripted outcome."""

    def said(text: str, intent: str, **kwargs: Any) -> None:
        chat.user(text, intent, **kwargs)
        truth.customer_turns += 1

    if rng.random() < 0.5:
        said("hi there", "greet")
        chat.respond("utter_greet", "Hi! How can I help?")
    if rng.random() < 0.5:
        faq = rng.choice(FAQS)
        said(f"question about {faq.split('/')[1].replace('_', ' ')}", "faq", faq=faq)
        chat.respond("utter_faq", "Here is the answer.")
        truth.contact_reasons.append(faq)
    if truth.outcome != "abandoned" and rng.random() < 0.5:
        order_id = _order_id(rng)
        said(f"where is order {order_id}?", "check_order_status", order_id=order_id)
        chat.slot("order_id", order_id).action("action_check_order_status")
        chat.say(f"Order {order_id} is on its way.").action("action_listen")
        truth.contact_reasons.append("check_order_status")
        truth.order_ids.append(order_id)
    if truth.outcome == "resolved":
        if rng.random() < 0.3:
            # Misunderstood once, then rephrased and answered.
            said("the thing about the stuff", "nlu_fallback", confidence=0.3)
            chat.respond("utter_please_rephrase", "Could you rephrase?")
            said("how much is delivery", "faq", faq="faq/shipping_cost")
            chat.respond("utter_faq", "Delivery is free over 50.")
            truth.fallbacks += 1
            truth.rephrasings += 1
            if "faq/shipping_cost" not in truth.contact_reasons:
                truth.contact_reasons.append("faq/shipping_cost")
        said("thanks!", "thank")
        chat.respond("utter_you_are_welcome", "You're welcome!")
    elif truth.outcome == "handed_off":
        said("this is useless, I want a person", "request_human")
        chat.action("action_handoff").say("You're in the queue.", "utter_handoff_queued")
        chat.simple("pause").action("action_listen")
        truth.contact_reasons.append("request_human")
        # Written to the agent: counted as turns, not as the bot's reasons.
        said("it's been two weeks", "inform", after_s=30.0)
    else:
        if rng.random() < 0.5:
            said("cancel my order", "cancel_order")
            chat.action("cancel_form").form("cancel_form").slot("requested_slot", "order_id")
            chat.say("What's your order number?", "utter_ask_order_id").action("action_listen")
            truth.contact_reasons.append("cancel_order")
        else:
            said("blorp the widget", "nlu_fallback", confidence=0.2)
            chat.respond("utter_please_rephrase", "Could you rephrase?")
            truth.fallbacks += 1


# Scores as a contact center sees them: mostly content, a tail of unhappy ones.
SCORES = ((5, 0.45), (4, 0.25), (3, 0.12), (2, 0.08), (1, 0.10))
COMMENTS = ("quick and friendly", "took too long", "still waiting for my refund", "great help")


def _survey(chat: Chat, truth: Truth, rng: random.Random, number: int) -> None:
    """After a handoff (7 in 10), or a session the bot resolved (3 in 10), once quiet:
    the channels' question, answered 6 times in 10, with a comment now and then."""
    if truth.outcome == "handed_off" and rng.random() < 0.7:
        kind, after_s = "handoff", 120.0
    elif truth.outcome == "resolved" and rng.random() < 0.3:
        kind, after_s = "bot", QUIET_S + 60
    else:
        return
    survey_id = f"{truth.conversation_id}-{number}"
    chat.survey_question(survey_id, kind, after_s=after_s)
    truth.csat_kind = kind
    if rng.random() < 0.6:
        truth.csat_score = rng.choices([s for s, _ in SCORES], [w for _, w in SCORES])[0]
        chat.survey_answer(survey_id, "csat_score", truth.csat_score)
        if rng.random() < 0.3:
            truth.csat_comment = rng.choice(COMMENTS)
            chat.survey_answer(survey_id, "csat_comment", truth.csat_comment)


def simulated_week(conversations: int = 520, seed: int = 14) -> Week:
    """``conversations`` sessions spread over a week, over every channel.

    About one sender in ten comes back for a second session, more than an
    hour (Rasa's session expiration) after the first.
    """
    rng = random.Random(seed)
    # Its own generator: the surveys leave the sessions as they were without them.
    surveys = random.Random(seed + 1)
    outcomes = [o for o, _ in OUTCOMES]
    weights = [w for _, w in OUTCOMES]
    events: dict[str, list[dict[str, Any]]] = {}
    truths: dict[str, list[Truth]] = {}
    made = 0
    while made < conversations:
        conversation_id = f"sim-{len(events):04d}"
        channel = rng.choice(CHANNELS)
        chat = Chat(channel, START + rng.uniform(0, 6 * DAY_S))
        sessions = 2 if rng.random() < 0.1 and made + 1 < conversations else 1
        for number in range(sessions):
            truth = Truth(conversation_id, channel, rng.choices(outcomes, weights)[0])
            chat.session(after_s=rng.uniform(2, 20) * 3600 if number else 0.0)
            _script(chat, truth, rng)
            _survey(chat, truth, surveys, number)
            truths.setdefault(conversation_id, []).append(truth)
            made += 1
        events[conversation_id] = chat.events
    return Week(events, truths)

"""A simulated week of conversations on every channel, with its own ground truth.

Issue 14 asks for the insights to be checked against "a realistic simulated
week" whose right answers are known: :func:`simulated_week` writes one, as
the Rasa events of each conversation (the :class:`~tests.handoff.insights.
conftest.Chat` fixture's, which Rasa reads back as its own), together with
what each conversation was scripted to be (:class:`Truth`): its channel,
contact reasons, order numbers, outcome, and counts. A sender may come back
later in the week: a new session of the same conversation id.

About a third of the sessions name a product of the shipped catalogue
(handoff/insights/products.yml), as customers write them (plurals, capitals,
accents, other words for it), liked or disliked (:data:`LIKED`,
:data:`DISLIKED`): once, twice, or only to the person after a handoff. The
truth keeps the products in order of first mention and every message's
time and text, from which the sentiment per product is known.

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
    # The catalogue's names, in order of first mention, and (time, text) of
    # every customer message.
    products: list[str] = field(default_factory=list)
    messages: list[tuple[float, str]] = field(default_factory=list)


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


# Products as customers write them (the catalogue's name first), and what they say of them.
LIKED = {
    "Yoga mat": ("yoga mat", "Yoga Mats", "exercise mat"),
    "Running shoes": ("running shoes", "trainers", "SNEAKERS"),
    "Linen shirt": ("linen shirt", "linen shirts"),
}
DISLIKED = {
    "Wireless headphones": ("wireless headphones", "headphone", "earbuds"),
    "Espresso machine": ("espresso machine", "coffee maker", "machine à café"),
    "Desk lamp": ("desk lamp", "lamps"),
}
LIKED_LINES = (
    "I love my new {}, great quality!",
    "the {} is perfect, thank you so much",
    "really happy with the {}",
)
DISLIKED_LINES = (
    "the {} is awful, I'm so disappointed",
    "terrible {}, worst purchase ever",
    "I hate this {}, it's useless",
)


def _product_line(truth: Truth, products: random.Random, name: str | None = None) -> str:
    """A message naming a product (``name``, or one drawn), and the truth told of it."""
    name = name or products.choice([*LIKED, *DISLIKED])
    liked = name in LIKED
    alias = products.choice((LIKED if liked else DISLIKED)[name])
    if name not in truth.products:
        truth.products.append(name)
    return products.choice(LIKED_LINES if liked else DISLIKED_LINES).format(alias)


def _script(chat: Chat, truth: Truth, rng: random.Random, products: random.Random) -> None:
    """One session: an opening, a reason or two, then the scripted outcome.

    ``products`` draws what is said of products: its own generator, so the
    sessions are otherwise the same as without them.
    """

    def said(text: str, intent: str, **kwargs: Any) -> None:
        chat.user(text, intent, **kwargs)
        truth.customer_turns += 1
        truth.messages.append((chat.now, text))

    if rng.random() < 0.5:
        said("hi there", "greet")
        chat.respond("utter_greet", "Hi! How can I help?")
    if products.random() < 0.35:
        said(_product_line(truth, products), "inform")
        chat.respond("utter_noted", "Thanks for telling us.")
        if products.random() < 0.3:
            # Again: the same product, or another one.
            again = truth.products[0] if products.random() < 0.5 else None
            said(_product_line(truth, products, again), "inform")
            chat.respond("utter_noted", "Noted.")
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
        # Written to the agent: counted as turns, not as the bot's reasons;
        # a product named to the agent is named all the same.
        if products.random() < 0.3:
            said(f"it's been two weeks, {_product_line(truth, products)}", "inform", after_s=30.0)
        else:
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
    # Their own generators: surveys and products leave the sessions as they were without them.
    surveys = random.Random(seed + 1)
    products = random.Random(seed + 2)
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
            _script(chat, truth, rng, products)
            _survey(chat, truth, surveys, number)
            truths.setdefault(conversation_id, []).append(truth)
            made += 1
        events[conversation_id] = chat.events
    return Week(events, truths)

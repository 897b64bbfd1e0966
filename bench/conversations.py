"""What the load generator's customers say: routine and escalating conversations, varied.

A conversation is the customer's side only; the bot's answers decide nothing
here (the generator waits for them, whatever they are). Wordings are picked
from the lists below by a seeded random generator, so a run's mix can be
reproduced, and the order numbers are the seeded backend's
(actions/backend/seed.py), so that an order-status question reaches the
action server and the database rather than a "not found".

  routine      greeting, order status or an FAQ question (or both), thanks,
               sometimes goodbye; what most of the traffic is
  escalating   an angry complaint, or asking for a person, possibly after
               a routine question; ends where the bot hands over
  init bot     what `rasa init`'s sample bot understands (greet, mood,
               affirm, goodbye), for stock Rasa's own baseline
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Kind = Literal["routine", "escalating", "init"]

# Orders of every status in the seeded backend.
ORDER_NUMBERS = (
    "12345678", "23456789", "34567890", "45678901", "56789012", "67890123",
    "78901234", "10293847", "24681357", "89012345", "90123456",
)  # fmt: skip

GREETINGS = (
    "hi", "hello", "hey there", "good morning", "hiya", "hello, anyone there?",
    "hi there", "good afternoon", "hey",
)  # fmt: skip
ORDER_QUESTIONS = (
    "where is my order {order}",
    "can you check order {order} for me?",
    "what's the status of order {order}",
    "has order {order} shipped yet?",
    "track my package {order} please",
    "i'd like an update on my order {order}",
    "when will order {order} arrive",
)
# Asked without the number: the form asks for it, and the next turn gives it.
ORDER_QUESTIONS_WITHOUT_NUMBER = (
    "where is my order?",
    "hey has my package shipped yet",
    "track my parcel pls",
    "i want to know where my order is",
)
ORDER_NUMBER_ANSWERS = ("{order}", "it's {order}", "the number is {order}", "order {order}")
FAQ_QUESTIONS = (
    "what are your opening hours?",
    "when does the store open on saturday",
    "where is your store?",
    "how much does shipping cost",
    "how much is express shipping?",
    "what is your return policy",
    "can I return something I bought?",
    "which payment methods do you accept?",
    "do you take paypal",
    "is there a warranty on your products?",
    "how long is the warranty",
)
THANKS = ("thanks!", "thank you so much", "great, thanks", "cheers", "thx", "perfect, thank you")
GOODBYES = ("bye", "goodbye", "see you", "that's all, bye", "have a nice day, bye")
ANGRY = (
    "this is the worst service ever, my order {order} is late AGAIN",
    "I'm furious. Order {order} still hasn't arrived and nobody helps",
    "this is ridiculous!!! I've waited two weeks for {order}",
    "absolutely useless, I want my money back for {order} NOW",
    "i'm really unhappy with how i've been treated, this is a disgrace",
    "your delivery driver was rude and threw my parcel, I want to complain",
)
ASK_FOR_PERSON = (
    "get me a human, now",
    "i want to talk to a real person",
    "let me speak to an agent please",
    "can I talk to a manager",
    "operator",
    "stop, I need a real human to help me",
)
INIT_GREETINGS = ("hi", "hello", "hey", "good morning", "hey there")
INIT_MOODS_HAPPY = ("I'm great", "feeling good", "perfect", "very good", "I am amazing")
INIT_MOODS_SAD = ("I'm sad", "not good", "very sad", "I am disappointed", "unhappy")
INIT_AFFIRM = ("yes", "indeed", "of course", "that sounds good")
INIT_DENY = ("no", "never", "not really", "I don't think so")
INIT_GOODBYES = ("bye", "goodbye", "see you around", "see you later")


@dataclass(frozen=True)
class Conversation:
    kind: Kind
    turns: tuple[str, ...]


def routine(rng: random.Random) -> Conversation:
    turns = [rng.choice(GREETINGS)]
    order = rng.choice(ORDER_NUMBERS)
    topics = rng.choice([("order",), ("faq",), ("order", "faq"), ("faq", "order")])
    for topic in topics:
        if topic == "faq":
            turns.append(rng.choice(FAQ_QUESTIONS))
        elif rng.random() < 0.3:
            turns.append(rng.choice(ORDER_QUESTIONS_WITHOUT_NUMBER))
            turns.append(rng.choice(ORDER_NUMBER_ANSWERS).format(order=order))
        else:
            turns.append(rng.choice(ORDER_QUESTIONS).format(order=order))
    turns.append(rng.choice(THANKS))
    if rng.random() < 0.5:
        turns.append(rng.choice(GOODBYES))
    return Conversation("routine", tuple(turns))


def escalating(rng: random.Random) -> Conversation:
    order = rng.choice(ORDER_NUMBERS)
    turns = []
    if rng.random() < 0.5:
        turns.append(rng.choice(GREETINGS))
    if rng.random() < 0.4:
        turns.append(rng.choice(ORDER_QUESTIONS).format(order=order))
    if rng.random() < 0.6:
        turns.append(rng.choice(ANGRY).format(order=order))
    else:
        turns.append(rng.choice(ASK_FOR_PERSON))
    # Insisting: a second push, in case the first did not hand over (the
    # generator stops a conversation where the bot goes silent).
    turns.append(rng.choice(ASK_FOR_PERSON))
    return Conversation("escalating", tuple(turns))


def init_bot(rng: random.Random) -> Conversation:
    turns = [rng.choice(INIT_GREETINGS)]
    if rng.random() < 0.5:
        turns.append(rng.choice(INIT_MOODS_HAPPY))
    else:
        turns += [rng.choice(INIT_MOODS_SAD), rng.choice(INIT_AFFIRM + INIT_DENY)]
    turns.append(rng.choice(INIT_GOODBYES))
    return Conversation("init", tuple(turns))


def mix(count: int, *, escalating_share: float = 0.0, seed: int = 13) -> list[Conversation]:
    """``count`` conversations, ``escalating_share`` of them escalating, shuffled."""
    rng = random.Random(seed)
    escalations = round(count * escalating_share)
    conversations = [escalating(rng) for _ in range(escalations)]
    conversations += [routine(rng) for _ in range(count - escalations)]
    rng.shuffle(conversations)
    return conversations


def init_mix(count: int, *, seed: int = 13) -> list[Conversation]:
    rng = random.Random(seed)
    return [init_bot(rng) for _ in range(count)]

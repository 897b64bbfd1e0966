"""When the bot hands a conversation to a person, how urgently, and why.

``decide(conversation, settings)`` judges the last customer message of a
conversation and returns a :class:`Decision`: whether to escalate, the reasons
(stable machine-readable codes, each with a human-readable explanation), a
priority, and the anger score of the judged message. It is pure: no I/O, no
Rasa imports, so the handoff service, an action or an offline evaluation can
all call it on a plain list of :class:`Turn`.

Reasons, grouped by priority (1 is the most urgent)::

    1  safety_incident    fire, injury, electric shock... caused by a product
       strong_anger       anger score >= strong_anger_threshold
    2  fraud              card or account misuse, orders the customer did not place
       legal_threat       lawyers, courts, small claims, regulators
       payment_dispute    chargebacks and disputed charges (see below), a charge
                          taken twice, a lender chasing payment for a return
    3  explicit_request   the customer asks for a person
       anger              anger score >= anger_threshold
       anger_trend        anger sustained or rising over the last few messages,
                          or irritation said outright after chasing ("still
                          nothing", then "this is starting to annoy me")
       threat_to_leave    the customer means to leave or go public: "never
                          ordering again", "closing my account", "taking my
                          business elsewhere", "1-star review", "third time. done."
       contact_center_failure
                          the customer could not reach us before: nobody called
                          back, on hold for an hour, cut off, e-mails unanswered,
                          "I've been trying to reach someone for days"
       repeated_fallback  the bot failed to understand several messages in a row
       bot_did_not_help   the customer says the bot's answer did not help
       repeated_request   the same request made again and again (by intent or by
                          wording), made again instead of answering the bot's
                          question, or "third time asking" / "I already told you"
       form_failures      a form rejected the customer's answers repeatedly
       bereavement        a death in the customer's family

A chargeback is neither fraud (the customer made the purchase) nor a lawsuit,
but it is a formal dispute with the card issuer, with deadlines and fees, that
only staff can settle: it gets its own code, ``payment_dispute``, at the
fraud/legal priority.

Queues order escalations by priority, then longest wait first: sort on
:func:`queue_key`.

The anger score comes from :class:`AngerDetector`, which combines VADER's
sentiment lexicon (adapted to retail support: "wrong", "broken", "cancel"
describe the problem, not the customer's mood; "killer deals" and "my
husband will go mad" are nobody's anger) with signals VADER does not see:
anger words, profanity (including "f***", "sh1t", "wtf"), shouting,
runs of "!!"/"??", angry emoji, the ``complain`` intent and repeat-contact
cues ("third time", "how many times"). Shouting and "!!!" only count when the
message is not positive ("OMG I LOVE IT!!!"), and a friendly tone (🙈, 😂,
"lol") damps the rest, so casual swearing does not escalate. Anger without
swearing reaches the threshold through the signals that pair a manner with
what went wrong (a complaint): a complaint in capitals ("I HAVE BEEN WAITING
SINCE 8AM", "the driver SMASHED my gate"), an angry emoji with a complaint
("came smashed 😤"), ironic praise of a failure ("great, another week",
"thanks for nothing", "well done 👏", "...kept my money. Great."), and verdicts
that need nothing else ("unacceptable", "not good enough.", "a disgrace",
"I'm furious"). The weights are priors chosen from what each signal means,
not fitted to a data set; the thresholds are configuration.

Customer text is untrusted, and ``decide`` runs inside the Rasa server's
policy ensemble, on its event loop: its cost must stay small whatever is
sent. So every pattern here runs in time linear in the text (no
``(?=.*x).*y``, no nested or adjacent unbounded quantifiers; a "requires"
condition is a second search, not a lookahead), VADER gets the same scores
in linear time (:class:`handoff.vader.LinearVader`), each message is read up to
:data:`MAX_SCANNED_CHARS` characters, and each message is scored once:
findings are memoised per message text (:data:`TURN_CACHE_SIZE`), so a
conversation of N messages costs N scans, not one per message per later
message. ``bench/escalation_speed.py`` measures it.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Literal

from handoff.vader import LinearVader

# --- settings ------------------------------------------------------------------

DEFAULT_ANGER_THRESHOLD = 0.5
DEFAULT_STRONG_ANGER_THRESHOLD = 0.85
DEFAULT_ANGER_TREND_TURNS = 3
DEFAULT_ANGER_TREND_THRESHOLD = 0.35
DEFAULT_ANGER_TREND_RISE = 0.3
DEFAULT_MAX_FALLBACKS = 2
DEFAULT_MAX_REPEATS = 3
DEFAULT_MAX_FORM_FAILURES = 3
DEFAULT_MAX_IGNORED_QUESTIONS = 1
DEFAULT_MIN_INTENT_CONFIDENCE = 0.5
DEFAULT_SHOUT_MIN_LETTERS = 10
# The learned model's probability at which a message counts as angry, chosen
# on the dev sets: 0.65 (handoff.anger_model's own choice) and 0.70 catch the
# same dev anger (0.92 at 6.7% false alarms with the rules), but 0.65 also
# escalated 4% of the calm dev conversations ("track another order").
DEFAULT_ANGER_MODEL_THRESHOLD = 0.70
# Messages with fewer words are left to the rules (see decide()).
ANGER_MODEL_MIN_WORDS = 6

# --- untrusted text ----------------------------------------------------------------

# The rules read at most this many characters of each message. Channels cap
# what a customer can send (an SMS at 1,600, Messenger at 2,000, Telegram and
# WhatsApp at 4,096), but a tracker can hold older, longer texts and Rasa's
# HTTP API accepts events of any length. Anything a rule looks for is said
# well within the longest message a channel takes; past it, more text only
# costs time, on the event loop.
MAX_SCANNED_CHARS = 4096
# Messages whose findings (phrases, anger score) are remembered, keyed by the
# text (and the trusted intent, for anger): each message is scanned once, not
# again for every later message of its conversation. 4,096 holds the whole
# of some eighty 50-message conversations at once; the keys are capped texts,
# so the cache holds at most 4,096 x MAX_SCANNED_CHARS characters (16 MB of
# ASCII) even if every message is as long as allowed.
TURN_CACHE_SIZE = 4096


@dataclass(frozen=True)
class EscalationSettings:
    """Thresholds of the escalation rules, read from ``HANDOFF_*`` variables."""

    # Anger score (0..1) of the judged message at which a person takes over
    # (HANDOFF_ANGER_THRESHOLD), and at which it jumps the queue to priority 1
    # (HANDOFF_STRONG_ANGER_THRESHOLD).
    anger_threshold: float = DEFAULT_ANGER_THRESHOLD
    strong_anger_threshold: float = DEFAULT_STRONG_ANGER_THRESHOLD
    # The trend looks at the last N customer messages (HANDOFF_ANGER_TREND_TURNS):
    # it escalates when their average score reaches HANDOFF_ANGER_TREND_THRESHOLD
    # and the judged message still scores at least half of it (irritation that
    # does not go away), or when the scores rise message after message by
    # HANDOFF_ANGER_TREND_RISE in all, ending at or above that threshold (a
    # customer working up to anger).
    anger_trend_turns: int = DEFAULT_ANGER_TREND_TURNS
    anger_trend_threshold: float = DEFAULT_ANGER_TREND_THRESHOLD
    anger_trend_rise: float = DEFAULT_ANGER_TREND_RISE
    # Customer messages in a row the bot did not understand (HANDOFF_MAX_FALLBACKS).
    max_fallbacks: int = DEFAULT_MAX_FALLBACKS
    # Times the same request may be made before a person takes over (HANDOFF_MAX_REPEATS).
    max_repeats: int = DEFAULT_MAX_REPEATS
    # Answers a form may reject before a person takes over (HANDOFF_MAX_FORM_FAILURES):
    # one or two typos in an order number are normal, a third is not.
    max_form_failures: int = DEFAULT_MAX_FORM_FAILURES
    # Questions of the bot ("What's your order number?") the customer may
    # answer by making the same request again before a person takes over
    # (HANDOFF_MAX_IGNORED_QUESTIONS): by default the second time a request
    # is made instead of an answer, the conversation is stuck.
    max_ignored_questions: int = DEFAULT_MAX_IGNORED_QUESTIONS
    # Below this NLU confidence, request_human and complain are not trusted
    # (HANDOFF_MIN_INTENT_CONFIDENCE); the wording can still show the request.
    min_intent_confidence: float = DEFAULT_MIN_INTENT_CONFIDENCE
    # Messages with fewer letters are too short to call shouting ("OK", "NO")
    # (HANDOFF_SHOUT_MIN_LETTERS).
    shout_min_letters: int = DEFAULT_SHOUT_MIN_LETTERS
    # The learned anger model (handoff.anger_model) hands a message to a person
    # when its probability reaches this (HANDOFF_ANGER_MODEL_THRESHOLD); 1
    # turns the model off, leaving the detector's rules alone.
    anger_model_threshold: float = DEFAULT_ANGER_MODEL_THRESHOLD

    def __post_init__(self) -> None:
        for name in (
            "anger_model_threshold",
            "anger_threshold",
            "strong_anger_threshold",
            "anger_trend_threshold",
            "anger_trend_rise",
            "min_intent_confidence",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.strong_anger_threshold < self.anger_threshold:
            raise ValueError("strong_anger_threshold must not be below anger_threshold")
        for name in (
            "anger_trend_turns",
            "max_fallbacks",
            "max_repeats",
            "max_form_failures",
            "max_ignored_questions",
            "shout_min_letters",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EscalationSettings:
        env = os.environ if environ is None else environ

        def number(variable: str, default: float) -> float:
            raw = env.get(variable, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{variable} must be a number, not {raw!r}") from None
            if not math.isfinite(value):
                raise ValueError(f"{variable} must be a finite number, not {raw!r}")
            return value

        def integer(variable: str, default: int) -> int:
            raw = env.get(variable, "").strip()
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{variable} must be a whole number, not {raw!r}") from None

        return cls(
            anger_threshold=number("HANDOFF_ANGER_THRESHOLD", DEFAULT_ANGER_THRESHOLD),
            strong_anger_threshold=number(
                "HANDOFF_STRONG_ANGER_THRESHOLD", DEFAULT_STRONG_ANGER_THRESHOLD
            ),
            anger_trend_turns=integer("HANDOFF_ANGER_TREND_TURNS", DEFAULT_ANGER_TREND_TURNS),
            anger_trend_threshold=number(
                "HANDOFF_ANGER_TREND_THRESHOLD", DEFAULT_ANGER_TREND_THRESHOLD
            ),
            anger_trend_rise=number("HANDOFF_ANGER_TREND_RISE", DEFAULT_ANGER_TREND_RISE),
            max_fallbacks=integer("HANDOFF_MAX_FALLBACKS", DEFAULT_MAX_FALLBACKS),
            max_repeats=integer("HANDOFF_MAX_REPEATS", DEFAULT_MAX_REPEATS),
            max_form_failures=integer("HANDOFF_MAX_FORM_FAILURES", DEFAULT_MAX_FORM_FAILURES),
            max_ignored_questions=integer(
                "HANDOFF_MAX_IGNORED_QUESTIONS", DEFAULT_MAX_IGNORED_QUESTIONS
            ),
            min_intent_confidence=number(
                "HANDOFF_MIN_INTENT_CONFIDENCE", DEFAULT_MIN_INTENT_CONFIDENCE
            ),
            shout_min_letters=integer("HANDOFF_SHOUT_MIN_LETTERS", DEFAULT_SHOUT_MIN_LETTERS),
            anger_model_threshold=number(
                "HANDOFF_ANGER_MODEL_THRESHOLD", DEFAULT_ANGER_MODEL_THRESHOLD
            ),
        )


# --- the conversation --------------------------------------------------------------

Role = Literal["customer", "bot"]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation.

    Customer turns carry the NLU's ``intent`` (retrieval intents in full, as
    ``faq/shipping_cost``), its ``confidence`` and extracted ``entities``; bot
    turns carry the ``action``: the response (``utter_invalid_email``) or
    action (``action_default_fallback``) that produced the message.
    """

    role: Role
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    # Excluded from the hash: a dict is not hashable, and turns are compared,
    # never used as keys.
    entities: Mapping[str, str] = field(default_factory=dict, hash=False)
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        if self.role not in ("customer", "bot"):
            raise ValueError(f"role must be 'customer' or 'bot', not {self.role!r}")

    @classmethod
    def customer(
        cls,
        text: str,
        intent: str | None = None,
        confidence: float | None = None,
        entities: Mapping[str, str] | None = None,
        timestamp: datetime | None = None,
    ) -> Turn:
        return cls(
            role="customer",
            text=text,
            intent=intent,
            confidence=confidence,
            entities=dict(entities or {}),
            timestamp=timestamp,
        )

    @classmethod
    def bot(cls, action: str, text: str = "", timestamp: datetime | None = None) -> Turn:
        return cls(role="bot", text=text, action=action, timestamp=timestamp)


# --- what the bot's actions mean -------------------------------------------------

# The bot did not understand the message it answers.
FALLBACK_ACTIONS = frozenset(
    {
        "utter_please_rephrase",
        "utter_default",
        "action_default_fallback",
        "action_two_stage_fallback",
    }
)
# A form (or the action it submits to) rejected what the customer gave.
FORM_FAILURE_RESPONSES = frozenset(
    {
        "utter_invalid_order_id",
        "utter_invalid_email",
        "utter_invalid_address",
        "utter_order_email_mismatch",
        "utter_order_not_found",
        "utter_cannot_verify_order",
    }
)
# A task came to an end (done, refused for a reason, or stopped by the
# customer): form failures before it belong to a finished attempt.
TASK_END_RESPONSES = frozenset(
    {
        "utter_return_authorised",
        "utter_return_already_authorised",
        "utter_return_not_delivered",
        "utter_return_window_closed",
        "utter_return_order_cancelled",
        "utter_order_cancelled",
        "utter_cancel_too_late",
        "utter_cancel_already_cancelled",
        "utter_cancel_kept",
        "utter_password_reset_sent",
        "utter_balance",
        "utter_address_updated",
        "utter_address_unchanged",
        "utter_form_stopped",
    }
)
TASK_END_PREFIXES = ("utter_order_status_",)
# Questions that leave the customer free to ask anything ("What can I do for
# you?", "Anything else?"): asking the same again is no ignored question.
OPEN_QUESTIONS = frozenset({"utter_greet", "utter_you_are_welcome", "utter_form_stopped"})
# A bot question is a form's (utter_ask_*), a form's rejection that asks
# again (FORM_FAILURE_RESPONSES), or any other message of the bot ending in
# "?", except the fallbacks (a customer who repeats after "please rephrase"
# does as asked), open questions and the end of a task.
QUESTION_PREFIXES = ("utter_ask_",)
# Intents whose messages are answers or small talk, never a repeated request
# by their wording: the same e-mail given twice is a form failure, "thanks"
# twice is politeness.
NOT_REQUESTS = frozenset(
    {"inform", "affirm", "deny", "greet", "goodbye", "thank", "bot_challenge", "request_human"}
)
# Intents that ask the bot to do something; repeating one of them is a
# repeated request. Small talk, "inform" (answers inside a form) and
# complaints are not requests to repeat; nlu_fallback has its own rule.
REQUEST_INTENTS = frozenset(
    {
        "check_order_status",
        "start_return",
        "cancel_order",
        "reset_password",
        "check_balance",
        "update_address",
    }
)
# Retrieval intents count only in full ("faq/warranty"): two different
# questions are not the same request.
REQUEST_INTENT_PREFIXES = ("faq/",)
FALLBACK_INTENT = "nlu_fallback"
# A request repeated in other words than the NLU's: two messages say the same
# when they share at least REPEAT_MIN_SHARED_WORDS content words, making up
# REPEAT_MIN_OVERLAP of the shorter one's ("why was my order cancelled" and
# "just tell me why it got cancelled"). A repeated question is short: only
# the first REPEAT_SCANNED_CHARS characters and REPEAT_MAX_WORDS content
# words of a message are compared, so a comparison costs little whatever the
# message, and each message's words are read once (memoised, like its
# findings).
REPEAT_SCANNED_CHARS = 300
REPEAT_MAX_WORDS = 40
REPEAT_MIN_SHARED_WORDS = 2
REPEAT_MIN_OVERLAP = 0.6
STOP_WORDS = frozenset(
    """a an the my me i i'm i've i'd i'll you you're your it it's its is are was were be been
    being am to of for and or on in at with this that these those please pls just can could
    would will do does did have has had so ok okay hi hello hey there here now then u ur we
    our us they them their he she his her him get got getting some any all about from by as
    if but not no yes yeah thanks thank cheers sorry tell know want need like let also still
    really very one""".split()
)
# Words that make a new request of the same words: "track another one".
NOVELTY_WORDS = frozenset(
    {"another", "other", "different", "next", "second", "new", "more", "else"}
)
# A reply that answers a yes/no question, whatever else it says.
ANSWER_START = re.compile(
    r"^\W*(yes|yeah|yep|yup|no|nope|nah|sure|ok|okay|correct|right|confirm(ed)?|go ahead|"
    r"please do|do it)\b",
    re.IGNORECASE,
)
# What a message gives a form: order numbers and e-mail addresses. The
# lookbehind starts an address only where a word starts: linear.
GIVEN_VALUES = re.compile(r"\d{6,}|(?<!\S)\S+@\S+")

# --- anger -------------------------------------------------------------------------

# Phones often type a curly apostrophe; the patterns below are written with a
# straight one, so messages are normalised first.
CURLY_APOSTROPHE = "\u2019"
# Chat spelling, written out before the phrase patterns run, so that they need
# one spelling each: "ur app", "im done with u people", "dont".
CHAT_SPELLING = (
    (re.compile(r"\bu\b", re.IGNORECASE), "you"),
    (re.compile(r"\bur\b", re.IGNORECASE), "your"),
    (re.compile(r"\bim\b", re.IGNORECASE), "i'm"),
    (re.compile(r"\bive\b", re.IGNORECASE), "i've"),
    (re.compile(r"\b(pls|plz)\b", re.IGNORECASE), "please"),
    (re.compile(r"\bppl\b", re.IGNORECASE), "people"),
    (re.compile(r"\b(sum1|some1|sum1e|sumone)\b", re.IGNORECASE), "someone"),
    (re.compile(r"\b(any1|ne1)\b", re.IGNORECASE), "anyone"),
    (re.compile(r"\bno1\b", re.IGNORECASE), "no one"),
    (re.compile(r"\btlk\b", re.IGNORECASE), "talk"),
    (re.compile(r"\bspk\b", re.IGNORECASE), "speak"),
    (re.compile(r"\bcn\b", re.IGNORECASE), "can"),
    (re.compile(r"\br\b", re.IGNORECASE), "are"),
    # "2" is "to" only after a verb that takes one: "tlk 2 sum1", not "2 items".
    (
        re.compile(r"\b(talk|speak|chat|get|go|send|reply|respond|listen|back) 2\b", re.IGNORECASE),
        r"\1 to",
    ),
    (
        re.compile(
            r"\b(do|did|does|ca|wo|is|was|are|have|has|had|would|could|should)nt\b", re.IGNORECASE
        ),
        r"\1n't",
    ),
)


def _normalise(text: str) -> str:
    """The message as the phrase patterns expect it (the case is kept)."""
    text = text.replace(CURLY_APOSTROPHE, "'")
    for pattern, replacement in CHAT_SPELLING:
        text = pattern.sub(replacement, text)
    return text


# Weights of the anger signals. They add up, the sum is capped at 1, then
# damped by a positive or friendly tone. Priors, each set by what the signal
# means on its own: one signal alone (a complaint, a curse, caps lock) stays
# well below the default threshold of 0.5; it takes two or three together.
W_NEGATIVE_SENTIMENT = 0.45  # times VADER's negative compound (0..1)
W_ANGER_WORD = 0.25  # "furious", "unacceptable", "fed up"...
W_ANGER_WORD_EXTRA = 0.1  # each further one
W_IRRITATION_WORD = 0.12  # "annoying", "frustrated": anger, but mild
W_ANGER_WORDS_MAX = 0.45
W_PROFANITY = 0.2  # an expletive: "shit, wrong number" is not aimed at anyone
W_HOSTILE_PROFANITY = 0.3  # aimed at someone: "wtf", "f*** you", "screw this"
W_MILD_PROFANITY = 0.1  # "damn", "crap", "bloody"
W_SHOUTING = 0.2
W_EMPHASIS = 0.1  # a word or two in capitals: "AGAIN", "NOW"
W_PUNCTUATION = 0.15  # "!!", "??", "?!"
W_PUNCTUATION_MANY = 0.2  # several runs, or a long one
# Capitals and "!!" together, in a message that is not positive, are a raised
# voice ("ANSWER ME!!!"); each alone is often caps lock or enthusiasm.
W_RAISED_VOICE = 0.15
W_ANGRY_EMOJI = 0.3
W_ANNOYED_EMOJI = 0.15
W_COMPLAIN_INTENT = 0.15
W_REPEAT_STRONG = 0.25  # "third time", "how many times"
W_REPEAT_WEAK = 0.1  # "again", "still": often neutral ("order it again")
W_REPEAT_MAX = 0.3
# Anger said without swearing. Each is, on its own, what a contact-centre lead
# hands to a person, so each reaches the default threshold (0.5) together
# with the signal it builds on, and no further: only more signals make it
# strong anger.
# A verdict: "unacceptable", "not good enough", "a disgrace". With VADER's
# negative sentiment, which reads the same word, it adds up to this much.
W_DECISIVE_ANGER_WORD = 0.5
W_DECISIVE_ANGER_WORDS_MAX = 0.6
W_SHOUTED_COMPLAINT = 0.3  # on top of shouting (0.2): a complaint in capitals
W_EMPHASISED_COMPLAINT = 0.4  # on top of emphasis (0.1): "the driver SMASHED my gate"
W_EMOJI_COMPLAINT = 0.2  # on top of an angry emoji (0.3): "smashed again 😡"
W_ANNOYED_EMOJI_COMPLAINT = 0.35  # on top of an annoyed one (0.15): "came smashed 😤"
W_SARCASM = 0.5  # ironic praise of what went wrong: "great, another week"
# At or below this compound a message is a complaint even without a
# complaint word (what makes a raised voice or an emoji angry).
COMPLAINT_COMPOUND = -0.3
# An angry emoji with at most this many words around it is the whole message
# ("😡", "my parcel 🤬"): aimed at whoever reads it.
BARE_EMOJI_WORDS = 3
# A friendly tone (🙈, 😂, "lol", "no worries") keeps this share of the score.
FRIENDLY_FACTOR = 0.6
# Above this compound the message is positive: shouting and "!!!" are joy,
# curses are emphasis ("holy shit these are amazing").
POSITIVE_COMPOUND = 0.3

# Words VADER scores as negative that, in retail support, describe the problem
# rather than the customer's mood: "I ordered the wrong size", "the mug arrived
# broken", "please cancel". Left in, every routine request would look annoyed.
DESCRIPTIVE_WORDS = (
    "wrong",
    "mistake",
    "mistakes",
    "accident",
    "accidentally",
    "broke",
    "broken",
    "break",
    "damaged",
    "damage",
    "faulty",
    "fault",
    "cancel",
    "cancelled",
    "canceled",
    "lost",
    "lose",
    "missing",
    "error",
    "errors",
    "problem",
    "problems",
    "forget",
    "forgotten",
    "stuck",
    "delay",
    "delayed",
    "dead",
    "died",
    "no",
    "sorry",
    "cut",
    "crash",
    "fire",
    "hard",
    "leave",
    "stop",
    "miss",
    "fail",
    "failed",
    "failing",
    "funeral",
    "complaint",
    "complain",
)
# Words VADER does not know or scores too mildly for a shop's products and service.
LEXICON_OVERRIDES = {"rubbish": -1.5, "junk": -1.5, "nightmare": -2.0}
# Idioms whose words read as anger but are not the customer's: marketing
# ("killer deals", "insane offers", "deals to die for") and someone else's
# imagined reaction ("my husband will go mad if it's late", "she'll kill me").
# They are blanked out before VADER and the anger patterns read the message.
# The customer's own "I'll go mad" is kept.
THIRD_PARTY = (
    r"(he|she|they|(my|our|the) (\w+ )?(husband|wife|partner|boyfriend|girlfriend|mum|mom|"
    r"mam|mother|dad|father|son|daughter|kids?|children|boss|gran|granny|grandma|nan|nana|"
    r"grandad|granddad|grandpa|sister|brother|fianc[ée]e?|missus|other half|family|friend))"
)
NEUTRAL_IDIOMS = re.compile(
    r"\bkiller\b|\b(to die for|dead cheap|dirt cheap|drop[- ]dead gorgeous|killing it)\b|"
    # "insane deals", "crazy low prices", "mad sale": praise of an offer.
    r"\b(insane(ly)?|crazy|mad|sick|wicked|stupid(ly)?|silly|bonkers|unreal|obscene(ly)?)"
    r"( good| low| cheap| big)? (deals?|offers?|bargains?|discounts?|savings|sales?|promos?|"
    r"promotions?|steals?)\b|"
    r"\bridiculous(ly)?( how)? (comfy|comfortable|cheap|good|soft|cosy|cozy|cute|pretty|fast|"
    r"quick|easy|warm|light|nice|well|gorgeous|lovely)\b|"
    r"\b(deals?|offers?|bargains?|discounts?|savings|sales?|promos?) (are|is|were|was) "
    r"(insane|crazy|mad|sick|unreal|bonkers|wicked|killer|stupid)\b|"
    r"\b" + THIRD_PARTY + r"('ll| will| would|'d| is going to|'s going to| are going to|"
    r"'re going to| is gonna| are gonna| gonna| might| may)( \w+)? (go (mad|crazy|mental|"
    r"spare|ballistic|nuts|bananas|berserk)|kill me|murder me|have my head|be (furious|"
    r"livid|fuming|mad|angry|cross|raging|upset|gutted)|be (so|really|very|absolutely|well) "
    r"(furious|livid|fuming|mad|angry|cross|raging|upset|gutted)|go (so |totally |absolutely )?"
    r"(mad|crazy|mental|spare|ballistic|nuts)|freak( out)?|lose (it|the plot|"
    r"(his|her|their) (mind|minds|head|rag))|have a (fit|meltdown)|throw a (fit|wobbly|"
    r"tantrum)|hit the roof)\b",
    re.IGNORECASE,
)

# Of the anger words, the verdicts and declarations that, on their own, are
# anger a person should hear: "unacceptable", "not good enough", "I'm furious".
# The rest ("useless", "worst", "you people", "are you serious") need another
# signal with them.
DECISIVE_WORDS = (
    r"furious|fuming|livid|outraged|outrageous|enraged|infuriat\w*|ridiculous|"
    r"unacceptable|disgrace\w*|disgust\w*|appall\w*|pathetic|shambles|atrocious|abysmal|"
    r"horrendous|inexcusable|despicable|shameful|shame on you|incompeten\w*|thieves|crooks?|"
    r"liars|con artists|cowboys|daylight robbery|rip[- ]?off|"
    r"(is|are|'s|'re|what) (a |an )?(\w+ )?joke|(beyond|past) a joke|"
    r"sick (of|and tired)|fed up|had enough|enough is enough|last straw|had it with|"
    r"(losing|lost|running out of|out of) (my |all )?patience|patience is (wearing|running)|"
    r"seething|(beyond|so|really|very) (angry|mad|cross)|"
    # Hating us, not the weather: "I hate this weather" is small talk.
    r"hate (you|northwind)|hate (this|your) (company|shop|store|service|app|website|place)|"
    r"hate this(?= *([.!,;]|$))|taking the piss|get your act together|"
    # "Not acceptable." as a verdict, not "is it not acceptable to return it?"
    r"(not|isn't|wasn't|aren't|weren't) (\w+ )?(good enough|acceptable|on)(?= *([.,!;]|$))|"
    r"how dare|"
    r"(is|are|was|were|'s|'re) (a |an )?(absolute |complete |total |utter )?(nightmare|"
    r"disaster|farce|circus|con)(?! (party|gift|present|film|movie|book))|"
    r"disrespect\w*|arrogan\w*|lied|sort\W+it\W+out(?<!sort it out)|"
    # A verdict or "Again." as a sentence of its own: "...won't refund it. Joke."
    r"(?<=[.!?] )(yet |once )?again(?=[.!])|(?<=[.!?] )(a |what a |such a |absolute |total |"
    r"utter )?(joke|shocking|shameful|embarrassing|laughable|disgraceful)(?=[.!])|"
    r"done being (polite|nice|patient|reasonable|understanding)|zero stars|"
    r"(i'm|i am|we're|we are) (so |really |very |absolutely |extremely |getting |beyond )?"
    r"(angry|livid|pissed|cross|raging)"
)

ANGER_WORDS = re.compile(
    r"\b(furious|fuming|livid|outraged|outrageous|enraged|infuriat\w*|angry|pissed|"
    r"ridiculous|unacceptable|disgrace\w*|disgust\w*|appall\w*|pathetic|useless|"
    # "Joke" only as a verdict: "you're a joke", not "tell me a joke".
    r"incompeten\w*|(is|are|'s|'re|what) (a |an )?(\w+ )?joke|clowns|idiots?|morons?|"
    r"shambles|rip[- ]?off|liars?|lied|crooks?|cheats?|criminals?|daylight robbery|"
    r"atrocious|abysmal|horrendous|inexcusable|despicable|shocking|clueless|insulting|"
    r"nonsense|thieves|robbed|cowboys|con artists|"
    r"worst|scam|sick (of|and tired)|fed up|had enough|enough is enough|had it with|"
    r"you lot|(no ?one|nobody) (has|had) (a|any) clue|(beyond|past) a joke|last straw|"
    r"(losing|lost|running out of|out of) (my |all )?patience|patience is (wearing|running)|"
    r"raging|seething|(beyond|so|really|very) (angry|mad|cross)|"
    r"you('ve| have)? ruined|ruined my|taking the piss|having a laugh|"
    # ("Thanks for nothing" is sarcasm: counted there, once.)
    r"waste of (my )?(time|money)|you people|shame on you|"
    r"are you (kidding|serious|joking)|never (again|ordering|shopping|buying)|"
    r"sort (it|this) out|get your act together|do your job|(i'm|i am) done with (you|this|"
    r"your)|" + DECISIVE_WORDS + r"|"
    # The verdicts (DECISIVE_WORDS, above) are anger words too.
    # A curse as the verdict on the company or the service ("this is
    # bullshit") is hostile; a curse as an exclamation ("shit, wrong number") is not.
    r"(this|that|it|you|your \w+)( is|'s| are|'re| was) (such |absolute |complete |total |"
    r"utter )?(bullshit|bs|shit|crap|garbage|trash|rubbish))\b",
    re.IGNORECASE,
)
DECISIVE_ANGER_WORDS = re.compile(r"\b(" + DECISIVE_WORDS + r")\b", re.IGNORECASE)
IRRITATION_WORDS = re.compile(
    r"\b(annoy(s|ed|ing|ance)?|frustrat\w*|irritat\w*|exasperat\w*|fed-up)\b",
    re.IGNORECASE,
)
# "A bit annoying", "slightly frustrated": irritation the customer plays down.
PLAYED_DOWN = re.compile(
    r"\b(a (little )?bit|bit|slightly|a little|mildly|kind of|kinda|sort of|somewhat|a tad|"
    r"tad|little) (\w+ )?(annoy\w*|frustrat\w*|irritat\w*|fed up|disappoint\w*)",
    re.IGNORECASE,
)
# Obfuscated forms are spelled out: "f***", "f*ck", "sh1t", "a**hole".
PROFANITY = re.compile(
    r"(?<!\w)(f(u|\*|#|@)?(c|\*)?(k|\*)(ing|in|ed|er|ers|s)?|f\*+\w*|fck\w*|fuk\w*|"
    r"mother ?f\w+|effing|sh(i|1|!|\*)t+(ty|s|e)?|bullsh[\w*]*|wtf|stfu|ffs|omfg|"
    r"a(ss|\*\*|rse)hole|bastards?|bitch\w*|pissed( off)?|dick(head)?s?|"
    r"screw you)(?!\w)",
    re.IGNORECASE,
)
HOSTILE_PROFANITY = re.compile(
    r"(?<!\w)(wtf|stfu|screw (you|this|that|your \w+)|go to hell|piss off|"
    r"f(u|\*|#|@)?(c|\*)?(k|\*) (you|off|this|that|your \w+|u))(?!\w)",
    re.IGNORECASE,
)
MILD_PROFANITY = re.compile(
    r"\b(damn\w*|dammit|crap\w*|(the|bloody) hell|bloody|frigg\w*|freak(ing|in))\b",
    re.IGNORECASE,
)
PUNCTUATION_RUN = re.compile(r"[!?¿¡]{2,}")
ANGRY_EMOJI = frozenset("😡🤬😠👿💢🖕")
ANNOYED_EMOJI = frozenset("😤🙄😒👎")
FRIENDLY_EMOJI = frozenset("🙈😂🤣😅🙏😊🙂😄😁😆😉😍🥰😀☺🤗💕❤♥👍😘🥲")
LAUGHING_EMOJI = frozenset("🙈😂🤣😅")
FRIENDLY_WORDS = re.compile(
    r"(\b(lol|lmao|rofl|haha\w*|hehe\w*|no worries|no rush|all good|no big deal|"
    r"not a big deal|no biggie|my bad|fair enough|cheers)\b|(?<!\w)[:;]-?[)D](?!\w))",
    re.IGNORECASE,
)
# Praise said through gritted teeth: the positive words in such a message
# must not cancel its anger.
SARCASM = re.compile(
    r"\b(oh|yeah|wow|well),? (great|brilliant|wonderful|perfect|fantastic|lovely|"
    r"marvellous|marvelous|amazing|sure|super|joy|nice|look)\b|\bthanks for nothing\b|"
    r"\byeah,? (right|sure)\b|\b(that's|that is|it's|it is|how) just (great|brilliant|perfect|"
    r"wonderful|lovely|fantastic|marvell?ous)\b",
    re.IGNORECASE,
)
SARCASTIC_EMOJI = "🙄😒"
# Sarcasm that is a complaint by itself: "thanks for wasting my day",
# "fantastic service, not", "love being ignored", "surprise, surprise".
INHERENT_SARCASM = re.compile(
    r"\b(thanks|thank you|cheers)( (so|very) much| a lot| a bunch)? for (nothing|wasting|ruining|"
    r"ignoring|losing|lying|making me wait|the runaround|absolutely nothing|sweet fa)\b|"
    r"\b(great|fantastic|excellent|brilliant|amazing|wonderful|superb|stellar|top|lovely|"
    r"good|perfect)( customer)? (service|job|work|experience|communication|stuff)[,.!]* "
    r"not\b(?= *([.!]|$))|"
    r"\b(love|loving|gotta love|got to love|nothing like|nothing better than|enjoy|enjoying"
    r"|such fun|so much fun) (being |getting )?(ignored|lied to|fobbed off|kept waiting|passed "
    r"around|messed around|mucked about|cut off|left on hold|on hold|paying for nothing|"
    r"chasing|waiting for (nothing|a reply|an answer|a refund|a parcel that))\b|"
    r"\bsurprise,? surprise\b|\bcolou?r me (shocked|surprised)\b|\bslow clap\b",
    re.IGNORECASE,
)
# Ironic next to a complaint, genuine elsewhere: "great, just great. Lost
# again." but "perfect, just perfect!"; "what a surprise, late again" but
# "what a surprise, it came a day early".
SARCASM_NEXT_TO_COMPLAINT = re.compile(
    r"\b(great|brilliant|fantastic|wonderful|perfect|lovely|marvell?ous),? just (great|"
    r"brilliant|fantastic|wonderful|perfect|lovely|marvell?ous)\b|\bwhat a (surprise|shock)"
    r"(?! (party|gift|present|visit))\b|\bwho (would have|could have|would've|'d have) "
    r"(thought|guessed)\b|\bshocker\b",
    re.IGNORECASE,
)
# Praise, ironic when what went wrong stands next to it.
PRAISE_WORDS = (
    r"(great|brilliant|fantastic|wonderful|perfect|lovely|amazing|superb|excellent|"
    r"marvell?ous|incredible|splendid|terrific|awesome|fab|fabulous|classy|impressive|"
    r"outstanding|stellar|genius|super|nice|nice one|well done|good job|great job|"
    r"great work|good work|bravo|top notch|top quality|top service|5 stars|five stars|"
    r"love it|love that|love this|just what i needed)"
)
# Every word of praise, blanked out to see whether the rest of a seemingly
# sarcastic message is positive too: then the praise was meant.
ANY_PRAISE = re.compile(r"\b" + PRAISE_WORDS + r"\b|\b(wow|oh|yeah)\b", re.IGNORECASE)
# Praise or thanks with an eye-roll: "very helpful 🙄", "thanks 😒". The
# emoji says the praise is not meant, whatever the rest of the message says.
EYE_ROLLED_PRAISE = re.compile(
    r"\b(" + PRAISE_WORDS + r"|(very |so |really |super )?helpful|thanks|thank you|cheers)"
    r"\b[^\n\U0001f644\U0001f612]{0,40}[\U0001f644\U0001f612]",
    re.IGNORECASE,
)
# "Brilliant, the duvet is falling apart": praise opening a sentence that
# complains. Matched at the start of one sentence at a time; the rest of the
# sentence is then read once, for a complaint.
PRAISE_OPENER = re.compile(
    r"^\W*(oh |wow |well |just |how |so |really |yeah |ah )*"
    + PRAISE_WORDS
    + r"\s*[,:;\u2013\u2014-]+\s*",
    re.IGNORECASE,
)
# "...and kept my money. Great.": a sentence of praise alone.
PRAISE_ONLY = re.compile(
    r"^\W*(oh |wow |well |just |how |so |really |yeah |ah |what a )*"
    + PRAISE_WORDS
    + r"( (service|job|work|stuff|effort|guys|team|everyone|northwind|as always|as usual|"
    r"again|then|indeed|once again|you lot|people|thanks|there))?\W*$",
    re.IGNORECASE,
)
# What follows an ironic "Great." in the next sentence: "Great. Another week."
IRONY_FOLLOWS = re.compile(
    r"^\W*(another|again|still|yet|so|now|and|no|nothing|lost|not|never|that's|it's been)\b",
    re.IGNORECASE,
)
# Scare quotes around what was promised: "your 'express' delivery".
SCARE_QUOTED = re.compile(
    r"(?<!\w)['\"\u201c\u2018]([^'\"\u201c\u201d\u2018\u2019\n]{1,40})['\"\u201d\u2019](?!\w)"
)
PROMISE = re.compile(
    r"\b(express|next[- ]day|same[- ]day|guaranteed?|premium|fast|quick|speedy|free|"
    r"\d+ ?(hours?|hrs?|days?|working days?)|within|soon|shortly|on its way|out for delivery|"
    r"delivered|dispatched|priority|value|care|sorry|high demand|customer (service|first|care)"
    r"|helpful|tracked|luxury|quality|durable|waterproof|refund|processing|investigating)\b",
    re.IGNORECASE,
)
# "@Northwind" is who the message is for, not what it says.
MENTION = re.compile(r"@\w+")
SENTENCE_BREAK = re.compile(r"[.!?\n]+")
# In the same sentence as the praise, these make it genuine: "great, it came,
# but the box was dented", "perfect, thanks, though it was late".
GENUINE = re.compile(
    r"\b(but|though|thanks|thank you|cheers|anyway|luckily|fortunately)\b", re.IGNORECASE
)
# What went wrong, in a customer's words. Alone it is a routine report ("my
# parcel is late") and scores nothing; with a raised voice, an angry emoji or
# ironic praise it is an angry complaint.
COMPLAINT_CONTENT = re.compile(
    r"\b((never|not|still not|hasn't|haven't|didn't|did not|has not|have not|still haven't|"
    r"still hasn't|isn't|wasn't|aren't)( \w+)? (arrived|came|come|turned up|shown up|showed up|"
    r"received|delivered|refunded|heard|here|working|replied|answered|called|rang|fixed|"
    r"sorted|resolved)|"
    r"still (waiting|no|nothing|not|missing|broken)|waiting|waited|"
    r"late|delayed|smashed|damaged|crushed|cracked|ripped|torn|dented|faulty|defective|"
    r"shattered|leak(ing|ed|s)|mou?ldy|soaked|missing|overcharged|ignored|ignoring|"
    r"lied|lying|liars?|lies|a lie|blamed|excuses|fobbed|rude|broken|"
    r"(won't|will not|doesn't|does not|don't|do not|never) (\w+ )?(answer|reply|respond|"
    r"call back|get back)|"
    r"(you|they|courier|driver|you've|you have|has been|have been|was|were|got|been) lost|"
    # "Lost the replacement as well": lost by us; "I lost my receipt" is not.
    r"(?<!i )(?<!i've )(?<!we )(?<!i have )lost (my|our|the|another|a) \w+|"
    r"(old|wrong|previous) address|even though i|despite (me|my|us|our|having|paying)|"
    r"(went|gone|going|sent|delivered|refunded|posted|shipped) to (the |a )?wrong|"
    r"(missed|failed) (delivery|deliveries|slot|appointment|collection)|"
    r"another (missed|late|lost|broken|failed|wasted|cancelled|wrong|damaged) \w+|"
    r"took (\w+ ){0,2}(days|weeks|months|hours)|"
    # What a product does wrong.
    r"wobbl\w*|fray(ed|ing)|peel(ed|ing)|bobbl(ed|ing)|pilling|snapped|scratched|stained|"
    r"sagg(ed|ing)|squeak\w*|rattl\w*|rust(ed|ing|y)|dead on arrival|"
    r"(sent|delivered|gave|given|got|received) (me |us )?(the |a )?wrong|"
    r"(fell|falling|came|coming) apart|stopped working|(doesn't|does not|didn't|did not|"
    r"won't|will not) work|"
    r"(no|zero) (refund|reply|response|answer|update|updates|idea|help|delivery|parcel|"
    r"call ?back|contact|explanation|apology|show)|nobody|no one|nothing|"
    r"again|twice|(are|is|were|was|has|have) (all )?gone|"
    r"another (day|week|month|delay|excuse|wait|email|e-mail|promise|weekend)|"
    r"(been|over|nearly|almost|for) (a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|\d+) (days?|weeks?|"
    r"months?|hours?|minutes|mins)|on hold|"
    r"where('s| is| are) (my|our)|where is it|since (\d+ ?(am|pm)?|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|yesterday|last \w+|this morning)|without (telling|"
    r"asking|warning|notice|informing|any)|(kept|took|taken|keeping|stole) (my|our) money|"
    r"(my|our) money back)\b",
    re.IGNORECASE,
)
# A word written in capitals that says what went wrong: "it arrived SMASHED",
# "it's been a MONTH". Not "WRONG": "I ordered the WRONG size" is the
# customer's own mistake.
EMPHASISED_PROBLEMS = frozenset(
    """NEVER STILL AGAIN LOST BROKEN SMASHED DAMAGED MISSING NOTHING NOBODY LATE WEEK
    WEEKS MONTH MONTHS DAYS HOURS TWICE NOT NO NOW REFUND MONEY STOLEN IGNORED LIED
    RUINED USELESS RUBBISH JOKE WAITING WAITED CRUSHED CRACKED RIPPED TORN SHATTERED
    EMPTY NONE ANYONE ANYTHING""".split()
)
# "Great job, you lost it again": praise followed, on the same line, by what
# went wrong. Two searches, not one pattern "great job.*(again|...)": that
# one reads the rest of the line again from every "great job" in it.
PRAISE = re.compile(r"\bgreat job\b", re.IGNORECASE)
PRAISE_UNDONE = re.compile(r"\b(again|lost|never|still)\b", re.IGNORECASE)
REPEAT_STRONG = re.compile(
    r"\b((second|third|fourth|fifth|sixth|umpteenth|\d+(st|nd|rd|th)) (\w+ )?(time|week|day|"
    r"email|e-mail|message|call|chat|attempt|try|delivery|request|complaint)|"
    r"how many (more )?times|keep (asking|telling|saying|"
    r"contacting|calling|emailing|writing|chasing)|for the (last|final) time|"
    r"(told|asked) you (already|before|twice)|already (told|asked|said)|"
    r"again and again|over and over|in a row|every (single )?time|"
    r"(no ?one|nobody) (ever )?(answers|replies|responds|gets back|calls back|picks up)|"
    r"(i|we) (already )?(asked|emailed|called|wrote|messaged|contacted|chased)"
    r"( \w+){0,5} (yesterday|before|last week|days ago|already|twice)|"
    r"(two|three|four|five|several|multiple|\d+) (times|emails|calls|messages))\b",
    re.IGNORECASE,
)
REPEAT_WEAK = re.compile(r"\b(again|still|yet again|once more)\b", re.IGNORECASE)
# Acronyms in capitals are not shouting.
ACRONYMS = frozenset(
    {
        "OK",
        "ID",
        "UK",
        "US",
        "USA",
        "TV",
        "DVD",
        "PIN",
        "PDF",
        "ASAP",
        "FAQ",
        "SMS",
        "UPS",
        "DHL",
        "USPS",
        "FEDEX",
        "RMA",
        "PM",
        "AM",
        "EU",
        "XL",
        "XXL",
        "XS",
        "LED",
        "USB",
        "HDMI",
        "SIM",
        "CEO",
        "EST",
        "PST",
        "GMT",
        "UTC",
        "NYC",
        "LA",
        "DM",
    }
)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class AngerSignal:
    """One signal's contribution to an anger score, and what triggered it."""

    name: str
    weight: float
    evidence: str


@dataclass(frozen=True)
class AngerScore:
    """Anger of one message: a 0..1 score and the signals that made it."""

    score: float
    signals: tuple[AngerSignal, ...] = ()
    # VADER's compound sentiment after the retail adaptation (-1..1).
    compound: float = 0.0

    def describe(self) -> str:
        parts = [f"{s.name} ({s.evidence})" for s in self.signals if s.weight > 0]
        damping = [f"{s.name} ({s.evidence})" for s in self.signals if s.weight <= 0]
        text = ", ".join(parts) if parts else "no anger signal"
        if damping:
            text += "; damped by " + ", ".join(damping)
        return text


def _excerpts(matches: Iterable[re.Match[str]]) -> list[str]:
    return [m.group(0).strip() for m in matches]


def _sarcastic(text: str) -> bool:
    if SARCASM.search(text) is not None or any(c in text for c in SARCASTIC_EMOJI):
        return True
    # Line by line, as "." in a pattern would: praise on one line and "again"
    # on the next is not the same remark.
    for line in text.split("\n"):
        praise = PRAISE.search(line)
        if praise is not None and PRAISE_UNDONE.search(line, praise.end()) is not None:
            return True
    return False


def _complaint(text: str, compound: float) -> str | None:
    """What the message says went wrong (quoted), or None if it is no complaint."""
    match = COMPLAINT_CONTENT.search(text)
    if match is not None:
        return match.group(0)
    if compound <= COMPLAINT_COMPOUND:
        return f"VADER compound {compound:+.2f}"
    return None


def _sarcasm(text: str, complaint: str | None) -> str | None:
    """Ironic praise of what went wrong (quoted), or None.

    Praise alone is praise, and "oh sure, it's jane@example.com" is an
    answer: apart from forms that are complaints by themselves ("thanks for
    nothing"), the praise counts only next to a complaint, or next to a
    promise in scare quotes ("oh sure, 'within 24 hours'").
    """
    inherent = INHERENT_SARCASM.search(text)
    if inherent is not None:
        return inherent.group(0)
    quoted = next(
        (m.group(0) for m in SCARE_QUOTED.finditer(text) if PROMISE.search(m.group(1))), None
    )
    marker = SARCASM.search(text)
    if marker is not None and (complaint is not None or quoted is not None):
        return f"{marker.group(0)} ({complaint or quoted})"
    if complaint is None:
        return None
    marker = SARCASM_NEXT_TO_COMPLAINT.search(text)
    if marker is not None:
        return f"{marker.group(0)} ({complaint})"
    if quoted is not None:
        return f"{quoted} in scare quotes ({complaint})"
    if "\U0001f44f" in text:  # clapping hands
        return f"\U0001f44f ({complaint})"
    for line in text.split("\n"):
        praise = PRAISE.search(line)
        if praise is not None and PRAISE_UNDONE.search(line, praise.end()) is not None:
            return f"{praise.group(0)} ({complaint})"
    sentences = [s.strip() for s in SENTENCE_BREAK.split(text)]
    sentences = [s for s in sentences if s]
    for i, sentence in enumerate(sentences):
        opener = PRAISE_OPENER.match(sentence)
        if opener is not None:
            rest = sentence[opener.end() :]
            # "Great, it came, but the box was dented" is praise, then a complaint.
            if COMPLAINT_CONTENT.search(rest) is not None and GENUINE.search(rest) is None:
                return sentence
        if PRAISE_ONLY.match(sentence) is None or len(sentences) < 2:
            continue
        # "It's lost. Great." ends on the irony; "Great. Another week." and
        # "Fab. Delivered to the wrong house." open with it ("Great! The box
        # was dented though" does not).
        if i == len(sentences) - 1:
            return f"{sentence} ({complaint})"
        after = sentences[1] if i == 0 else ""
        if after and (
            IRONY_FOLLOWS.match(after)
            or (COMPLAINT_CONTENT.search(after) is not None and GENUINE.search(after) is None)
        ):
            return f"{sentence} ({complaint})"
    return None



class AngerDetector:
    """Scores the anger of a customer message from 0 (none) to 1 (furious).

    Create one and reuse it: VADER's lexicon is read from disk when the
    detector is created, never at import. It reads at most MAX_SCANNED_CHARS
    characters of a message, and remembers the scores of the last
    TURN_CACHE_SIZE messages: the anger trend asks again about earlier ones.
    """

    def __init__(self, shout_min_letters: int = DEFAULT_SHOUT_MIN_LETTERS) -> None:
        self.shout_min_letters = shout_min_letters
        self._vader = LinearVader()
        # The analyzer's lexicon is its own dict: adapting it changes only this
        # detector.
        for word in DESCRIPTIVE_WORDS:
            self._vader.lexicon.pop(word, None)
        self._vader.lexicon.update(LEXICON_OVERRIDES)
        # Per detector, not per module: the adapted lexicon and
        # shout_min_letters are this detector's. Scores are frozen dataclasses,
        # safe to hand out twice.
        self._remembered = lru_cache(maxsize=TURN_CACHE_SIZE)(self._score)

    def anger(self, text: str, intent: str | None = None) -> AngerScore:
        return self._remembered(text[:MAX_SCANNED_CHARS], intent)

    def _score(self, text: str, intent: str | None) -> AngerScore:
        # VADER reads the message as written (it knows "u" and "lol"); the
        # patterns read it with chat spelling written out.
        # Idioms that only look angry ("killer deals", "my husband will go
        # mad") are blanked out first, for VADER and the patterns alike.
        text = NEUTRAL_IDIOMS.sub(" ", text)
        compound = float(self._vader.polarity_scores(text)["compound"]) if text else 0.0
        text = _normalise(text)
        signals: list[AngerSignal] = []
        complaint = _complaint(text, compound)
        eye_rolled = EYE_ROLLED_PRAISE.search(text)
        sarcasm = eye_rolled.group(0) if eye_rolled is not None else _sarcasm(text, complaint)
        if eye_rolled is None and sarcasm is not None and self._meant(text):
            sarcasm = None
        sarcastic = sarcasm is not None or _sarcastic(text)
        # Ironic praise is not positive; the rest of the message decides.
        valence = min(compound, 0.0) if sarcastic else compound
        positive = valence >= POSITIVE_COMPOUND
        add = signals.append

        if valence < 0:
            add(
                AngerSignal(
                    "negative_sentiment",
                    W_NEGATIVE_SENTIMENT * -valence,
                    f"VADER compound {compound:+.2f}",
                )
            )

        anger_words = [m for m in ANGER_WORDS.finditer(text) if not _negated(text, m.start(), 2)]
        if anger_words:
            decisive = any(
                not _negated(text, m.start(), 2) for m in DECISIVE_ANGER_WORDS.finditer(text)
            )
            # A verdict brings the message to W_DECISIVE_ANGER_WORD together
            # with VADER's share, which already counts the same word: "This
            # is unacceptable" is anger, not strong anger.
            said = W_NEGATIVE_SENTIMENT * -valence if valence < 0 else 0.0
            first, most = (
                (max(W_ANGER_WORD, W_DECISIVE_ANGER_WORD - said), W_DECISIVE_ANGER_WORDS_MAX)
                if decisive
                else (W_ANGER_WORD, W_ANGER_WORDS_MAX)
            )
            weight = min(most, first + W_ANGER_WORD_EXTRA * (len(anger_words) - 1))
            add(AngerSignal("anger_words", weight, ", ".join(_excerpts(anger_words))))
        else:
            irritation = [
                m for m in IRRITATION_WORDS.finditer(text) if not _negated(text, m.start(), 2)
            ]
            if irritation:
                add(
                    AngerSignal(
                        "irritation_words", W_IRRITATION_WORD, ", ".join(_excerpts(irritation))
                    )
                )

        # Curses and shouting in a positive message are emphasis, not anger.
        if not positive:
            hostile = _excerpts(HOSTILE_PROFANITY.finditer(text))
            profanity = _excerpts(PROFANITY.finditer(text))
            mild = _excerpts(MILD_PROFANITY.finditer(text))
            if hostile:
                add(AngerSignal("profanity", W_HOSTILE_PROFANITY, ", ".join(hostile + profanity)))
            elif profanity:
                add(AngerSignal("profanity", W_PROFANITY, ", ".join(profanity + mild)))
            elif mild:
                add(AngerSignal("mild_profanity", W_MILD_PROFANITY, ", ".join(mild)))

            shouting = self._shouting(text)
            if shouting is not None:
                add(shouting)
                # A raised voice about what went wrong: "I HAVE BEEN WAITING
                # SINCE 8AM", "the driver SMASHED my gate". Capitals on a
                # question or on good news are not.
                emphasised = [w for w in WORD.findall(text) if w in EMPHASISED_PROBLEMS]
                if complaint is not None and shouting.name == "shouting":
                    add(AngerSignal("shouted_complaint", W_SHOUTED_COMPLAINT, complaint))
                elif complaint is not None and emphasised:
                    about = "" if complaint.upper() == emphasised[0] else f" ({complaint})"
                    add(
                        AngerSignal(
                            "shouted_complaint",
                            W_EMPHASISED_COMPLAINT,
                            f"{emphasised[0]} in capitals{about}",
                        )
                    )

            runs = PUNCTUATION_RUN.findall(text)
            if runs:
                many = len(runs) > 1 or max(len(r) for r in runs) >= 4
                add(
                    AngerSignal(
                        "punctuation", W_PUNCTUATION_MANY if many else W_PUNCTUATION, " ".join(runs)
                    )
                )
                exclaimed = [r for r in runs if "!" in r]
                # "!" raises the voice; "??" in capitals is often just caps lock.
                # Excitement in capitals ("THE SALE IS ON!!!") has nothing
                # negative in it: no complaint, no negative tone.
                grievance = complaint is not None or valence < 0
                if shouting is not None and shouting.name == "shouting" and exclaimed and grievance:
                    add(
                        AngerSignal("raised_voice", W_RAISED_VOICE, "capitals with " + exclaimed[0])
                    )

        angry = [c for c in text if c in ANGRY_EMOJI]
        annoyed = [c for c in text if c in ANNOYED_EMOJI]
        if angry:
            add(AngerSignal("angry_emoji", W_ANGRY_EMOJI, "".join(angry)))
        elif annoyed:
            add(AngerSignal("angry_emoji", W_ANNOYED_EMOJI, "".join(annoyed)))
        # An angry face next to what went wrong is an angry complaint; so is
        # one sent with next to nothing else ("my parcel 😡"). An eye-roll at
        # the customer's own slip ("ugh, ordered the wrong size 🙄") is no
        # complaint: annoyed emoji need words saying what went wrong.
        if (angry or annoyed) and not positive:
            weight = W_EMOJI_COMPLAINT if angry else W_ANNOYED_EMOJI_COMPLAINT
            wrong: str | None
            if angry:
                wrong = complaint
            else:
                words = COMPLAINT_CONTENT.search(text)
                wrong = words.group(0) if words is not None else None
            if wrong is not None:
                add(AngerSignal("emoji_complaint", weight, wrong))
            elif angry and len(WORD.findall(MENTION.sub(" ", text))) <= BARE_EMOJI_WORDS:
                add(AngerSignal("emoji_complaint", weight, "an angry emoji and little else"))

        if sarcasm is not None:
            add(AngerSignal("sarcasm", W_SARCASM, sarcasm))

        if intent == "complain":
            add(AngerSignal("complain_intent", W_COMPLAIN_INTENT, "intent complain"))

        strong = _excerpts(REPEAT_STRONG.finditer(text))
        weak = _excerpts(REPEAT_WEAK.finditer(text))
        if strong or weak:
            weight = min(
                W_REPEAT_MAX,
                (W_REPEAT_STRONG if strong else 0.0) + (W_REPEAT_WEAK if weak else 0.0),
            )
            add(AngerSignal("repeat_contact", weight, ", ".join(strong + weak)))

        score = min(1.0, sum(s.weight for s in signals))

        # Only a clearly positive message damps: a slightly positive compound is
        # noise ("are you kidding me?!" scores +0.18). Nor does VADER overrule
        # explicit anger words: its negation rule reads "going nowhere. Useless!"
        # as positive.
        if score > 0 and positive and not anger_words:
            factor = 1.0 - 0.8 * valence
            add(
                AngerSignal(
                    "positive_sentiment", score * factor - score, f"VADER compound {compound:+.2f}"
                )
            )
            score *= factor
        # In ironic praise a smile or a thumbs-up is part of the irony ("top
        # quality 👍"); laughing is still laughing.
        smiles = LAUGHING_EMOJI if sarcasm is not None else FRIENDLY_EMOJI
        friendly = [c for c in text if c in smiles]
        friendly += _excerpts(FRIENDLY_WORDS.finditer(text))
        # An angry emoji says the smiley is not friendly.
        if score > 0 and friendly and not angry:
            add(AngerSignal("friendly_tone", score * FRIENDLY_FACTOR - score, ", ".join(friendly)))
            score *= FRIENDLY_FACTOR

        return AngerScore(
            score=round(max(0.0, score), 4), signals=tuple(signals), compound=compound
        )

    def _meant(self, text: str) -> bool:
        """Whether a message with ironic-looking praise is positive without it.

        "Perfect, just perfect, thank you so much, another day and it would
        have been late" still thanks: the praise was meant. VADER reads the
        message again with the praise, the sarcastic forms, scare-quoted words
        and smiles blanked out; a second pass only for the few messages that
        look sarcastic, linear like the first.
        """
        rest = text
        for pattern in (INHERENT_SARCASM, SARCASM, SARCASM_NEXT_TO_COMPLAINT, SCARE_QUOTED):
            rest = pattern.sub(" ", rest)
        rest = ANY_PRAISE.sub(" ", rest)
        rest = "".join(c for c in rest if c not in FRIENDLY_EMOJI or c in LAUGHING_EMOJI)
        return float(self._vader.polarity_scores(rest)["compound"]) >= POSITIVE_COMPOUND

    def _shouting(self, text: str) -> AngerSignal | None:
        words = [w for w in WORD.findall(text) if len(w) >= 2]
        letters = [c for w in words for c in w if c.isalpha()]
        upper_words = [w for w in words if w.isupper() and w.upper() not in ACRONYMS]
        if not upper_words:
            return None
        ratio = sum(c.isupper() for c in letters) / len(letters)
        # A shouted phrase inside a calm sentence ("WHERE IS MY ORDER, third
        # time asking") is shouting too, not only a message in capitals.
        run = longest = 0
        for w in words:
            run = run + 1 if w.isupper() and w.upper() not in ACRONYMS else 0
            longest = max(longest, run)
        shouted_letters = sum(len(w) for w in upper_words)
        if (
            len(letters) >= self.shout_min_letters
            and (ratio >= 0.6 or longest >= 3)
            and shouted_letters >= self.shout_min_letters
        ):
            return AngerSignal(
                "shouting",
                W_SHOUTING,
                f"{ratio:.0%} capitals, {len(upper_words)} words in capitals",
            )
        return AngerSignal("emphasis", W_EMPHASIS, " ".join(upper_words[:3]))


# --- phrases ----------------------------------------------------------------------

NEGATORS = re.compile(
    r"\b(no|not|never|nobody|none|nothing|without|neither|nor|n't|\w+n't|dont|didnt|"
    r"doesnt|wasnt|werent|isnt|wont|cant)\b",
    re.IGNORECASE,
)
# A negation reaches back only within its clause: "it didn't ship, and it
# caught fire" is not negated.
CLAUSE_BREAK = re.compile(r"[.,;:!?()\n]|\bbut\b|\bthen\b|\band\b", re.IGNORECASE)


# How far back a negation is looked for: a few words (four at most), and the
# spaces between them, fit well within it. Reading back to the start of the
# text instead, for every match, made a message full of matches quadratic.
# Where the words before a match are longer than this, the window is cut at a
# word boundary, so it can only miss a negation, never invent one.
NEGATION_LOOKBACK_CHARS = 128


def _negated(text: str, start: int, words: int = 4) -> bool:
    """Whether a negation stands within ``words`` words before ``start``, in the same clause."""
    if not words:
        return False
    low = max(0, start - NEGATION_LOOKBACK_CHARS)
    clause = low
    # Searched in place (pos, endpos): "\b" still sees the character before
    # ``low``, so a word cut by the window is not taken for a clause break.
    for clause_break in CLAUSE_BREAK.finditer(text, low, start):
        clause = clause_break.end()
    tokens = text[clause:start].replace(CURLY_APOSTROPHE, "'").split()
    if clause == low and low > 0 and not text[low - 1].isspace() and not text[low].isspace():
        # The window starts inside a word: its tail is not a word of the clause.
        tokens = tokens[1:]
    return NEGATORS.search(" ".join(tokens[-words:])) is not None


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern[str]
    # Whether "no", "not", "nobody"... just before the match cancels it
    # ("nobody was hurt"); patterns that contain their own negation
    # ("I didn't place this order") are not negatable.
    negatable: bool = True
    # A pattern the same line must also contain, before or after the match
    # ("it wasn't me" is fraud next to "password", "charged"...). A second
    # search, where a lookahead "(?=.*X).*Y" would read the rest of the line
    # again from every position: quadratic.
    requires: re.Pattern[str] | None = None


@dataclass(frozen=True)
class OnALineWith:
    """A phrase pattern that counts only on a line that also matches ``requires``."""

    pattern: str
    requires: str


def _phrases(*patterns: str | OnALineWith, negatable: bool = True) -> list[Phrase]:
    return [
        Phrase(re.compile(p, re.IGNORECASE), negatable)
        if isinstance(p, str)
        else Phrase(
            re.compile(p.pattern, re.IGNORECASE), negatable, re.compile(p.requires, re.IGNORECASE)
        )
        for p in patterns
    ]


def _matches(phrase: Phrase, text: str) -> Iterator[tuple[int, str]]:
    """Where ``phrase`` is found in ``text`` (start, excerpt), in order."""
    if phrase.requires is None:
        for match in phrase.pattern.finditer(text):
            yield match.start(), match.group(0)
        return
    # Line by line, as "." in the lookahead this replaces read them.
    line_start = 0
    for line in text.split("\n"):
        last: re.Match[str] | None = None
        for match in phrase.pattern.finditer(line):
            last = match
        if last is not None and phrase.requires.search(line) is not None:
            # Quoted from the start of the line, for context, to the end of its
            # last match: what the lookahead pattern quoted.
            yield line_start, line[: last.end()]
        line_start += len(line) + 1


def _first(phrases: Sequence[Phrase], text: str) -> str | None:
    """The first phrase found in ``text`` (normalised) and not negated, as it was written."""
    for phrase in phrases:
        for start, excerpt in _matches(phrase, text):
            if phrase.negatable and _negated(text, start):
                continue
            return excerpt
    return None


def _find(phrases: Sequence[Phrase], text: str) -> str | None:
    """The first phrase found in ``text`` and not negated, as it was written."""
    return _first(phrases, _normalise(text))


PEOPLE = (
    r"(a |an |the |your |some |one of your )?(real |actual |live |human )?"
    r"(human|person|people|agent|operator|manager|supervisor|representative|rep|someone|"
    r"somebody|staff|employee|colleague|advisor|adviser)\b"
)
# Narrower after "give me", "I need": "give me the staff discount", "I need
# someone to sign for it" are not requests for an agent.
AGENT = (
    r"(a |an |the |your )?(real |actual |live |human )?"
    r"(human|person|agent|operator|manager|supervisor|representative)\b"
)
EXPLICIT_REQUEST = _phrases(
    # Not the question "am I talking to a human?" (bot_challenge).
    # Nor a story: "I was talking to the manager at your Leeds store, she
    # was lovely" praises someone, it asks for no one.
    r"(?<!am i )(?<!is this )(?<!is it )(?<!are you )(?<!was i )(?<!was )(?<!were )"
    r"(?<!been )(?<!after )(?<!when )(?<!while )(?<!enjoyed )(?<!loved )"
    r"\b(speak|talk|chat)(ing)? (to|with) " + PEOPLE,
    r"\b(get|give|put|transfer|connect|pass|hand) me (to |with |through to |over to )?"
    r"(someone|somebody|" + AGENT + ")",
    r"\b(i|we) (want|need|would like|'d like) " + AGENT,
    # "\W*(please)?\W*$" would try every split of a run of punctuation
    # between its two "\W*": quadratic. Each "\W*" here has its own stop.
    r"^\W*(human|agent|operator|representative|manager|supervisor|real person|live agent|"
    r"person)(\W*(please|pls|plz|now))?\W*$",
    r"\b(human|agent|operator|person|representative) (please|pls|plz)\b",
    r"\b(can|could|would|please|will) (someone|somebody|a person|one of you|you) "
    r"(\w+ )?(call|ring|phone) me\b",
    r"\bescalate (this|it|me)\b",
    # "is there an actual human there or is it just you": asked of the bot,
    # not "is there a human I can ask at the store?" (no "real"/"there").
    r"\b(is|are) (there|they) (an? |any )?(actual|real|live) (human|person|people|agent)s?\b",
    r"\b(is|are) there (an? |any )?(human|person|people|agent|anyone|anybody|someone|somebody)"
    r" (real |actual )?(there|at all|out there|around|available)\b",
    r"\b(handled|dealt with|looked at|looked into|sorted|reviewed|taken over) by (a |an |the |"
    r"your )?(real |actual |live |human )?(human|person|manager|supervisor|agent|"
    r"representative|member of (your )?staff|team leader)\b",
)
BOT_DID_NOT_HELP = _phrases(
    r"\b(that|this|it|you|u|the bot|your (answer|reply|bot)s?)('s|'re| is| was| are| were)? ?"
    r"(n't|not|never|didn'?t|doesn'?t|don'?t|isn'?t|wasn'?t|aren'?t|did not|does not|do not)"
    r" (really |at all |very |much )?(help|helping|helpful|helped)\b(?! (me )?(with|to|choose))",
    r"^\W*(didn'?t|doesn'?t|did not|does not|not) (really |very )?(help|helpful)\b",
    r"\bnot (very |at all |really )?helpful\b|\b(of )?no help\b",
    r"\b(bot|chatbot|robot|assistant|this|you|u)('s| is| are|'re| r)? (so |completely |totally "
    r"|absolutely )?(useless|pointless|hopeless|no help|stupid|dumb)\b",
    r"\b(useless|stupid|dumb|pointless) (bot|robot|machine|chatbot|assistant)\b",
    r"\byou (clearly |obviously |really |just )?(can't|cannot|can not|are not able to|"
    r"aren't able to) help\b",
    r"\bare you (even )?(listening|reading)\b",
    r"\b(didn'?t|doesn'?t|did not|does not|not|never) (answer|address)(ed|ing)? (my|the) "
    r"question",
    r"\b(that'?s|that is|this is|it'?s|it is)? ?not what i (asked|meant|said|was asking)\b",
    r"\b(that'?s|that is|this is|it'?s|it is) not (my|the) question\b",
    r"\byou (don'?t|do not|didn'?t|did not|aren'?t|are not|'re not) (understand|"
    r"understanding|listening|listen|get it|reading)\b",
    r"\b(going|go|running|run|talking) (round |around )?in circles\b|\b(going|getting) nowhere\b",
    r"\b(that|this|it|which)( still)? (doesn't|didn't|does not|did not|won't|can't) (really )?"
    r"(explain|answer|address|solve|fix|resolve|cover)\b",
    r"\b(you )?(already|keep) (said|saying|telling|sending|repeating) (that|me that|"
    r"the same|yourself)\b",
    r"\b(same|wrong) (answer|reply|response)\b",
    negatable=False,
)
LEGAL_THREAT = _phrases(
    # Not "to Sue" or "I'm Sue": Sue is also a name.
    r"\b(i'?ll|i will|i'?m going to|i am going to|gonna|going to|will|we'?ll|we will|"
    r"want to|plan to|intend to|have to|had to) (sue|be suing)\b",
    r"\b(i'?m|i am|we are|we're|be) suing\b",
    r"\bsue (you|u|your|the|this|northwind|them)\b",
    # "Legal advice" only about this matter: "I need legal advice about my
    # divorce" is out of scope, not a threat.
    r"\blegal advice (on|about|regarding) (this|that|it|the matter|your|you)\b|"
    r"\b(taking|taken|took|seeking|sought|getting|got) legal advice\b",
    r"\b(lawsuit|legal (action|proceedings|steps|route|options|team|counsel)|"
    r"class[- ]action|small[- ]claims|cease and desist|letter before action)\b",
    r"\b(lawyer|attorney|solicitor)s?\b",
    r"\b(take|taking|see|seeing|bring|bringing|drag|dragging) (you|this|it|your company|"
    r"northwind)? ?(to )?court\b",
    r"\bsee you in court\b|\b(go|going|went) to court\b|\bcourt (action|case|claim|proceedings)\b",
    r"\b(further|pursue|pursuing|act|acting|proceed|proceeding) legally\b",
    r"\b(trading standards|better business bureau|attorney general|ombudsman|"
    r"consumer protection (agency|bureau|office)|consumer rights act)\b",
    r"\breport(ing)? (you|this|your company) to (the )?(bbb|ftc|cfpb|fca|regulator|police)\b",
)
PAYMENT_DISPUTE = _phrases(
    r"\bcharge[- ]?backs?\b",
    r"\bdisput(e|ing) (the|this|that|a|my) (charge|payment|transaction)\b",
    r"\b(reverse|reversing|reversal of) (the|this|that) (charge|payment|transaction)\b",
    r"\b(my|the) bank to (reverse|dispute|claw back|recall) \b",
    r"\b(charge|payment|transaction|money)s? (reversed|disputed|clawed back)\b",
    r"\b(rais|open|fil|lodg)(e|ed|ing) a (payment )?dispute\b",
    r"\b(claim|case|dispute) with (paypal|klarna|visa|mastercard|amex|(my|the) (\w+ ){0,2}"
    r"(bank|card|provider|issuer|card company))\b",
    r"\b(bank|visa|mastercard|amex|american express|paypal|klarna|card company|card issuer|"
    r"card provider) to (get|claim|recover|have|take) (back )?(my|the|our) (money|payment|refund)",
    # A duplicate charge: "charged twice", "double charged", "two charges for one order".
    r"\b(charged|billed|debited|charging|billing)( me| us| my card| my account| for it| for "
    r"this| for the same order)? (twice|two times|double|2x|x2|three times|3 times|multiple "
    r"times)\b",
    r"\b(payment|money|amount|charge)s? (was |were |has been |have been |got |been )?(taken|"
    r"debited|charged|deducted|collected|processed) (twice|two times|double|2x|x2)\b",
    r"\bdouble[- ]?(charged|charge|charging|billed|billing|debited|payment)\b|"
    r"\b(duplicate|identical) (charges?|payments?|transactions?|debits?)\b",
    r"\b(two|2|three|3) (identical |separate )?(charges|debits)\b|\b(two|2|three|3) "
    r"(payments|transactions) (were |have been |had been )?(taken|made|came out|went out|"
    r"gone out)\b",
    # The lender or a collector chasing money for an order that was returned:
    # "Klarna is chasing me for an order I returned".
    OnALineWith(
        r"\b(klarna|clearpay|afterpay|paypal|laybuy|zilch|debt collect\w*|collection agency)\b"
        r"[^.!?\n]{0,40}\b(chas|demand|pursu|hound|harass|threaten|remind|charg|bill|asking me "
        r"to pay|want(s)? me to pay|says i owe|saying i owe)\w*|\b(chas|charg|bill|demand|pursu)"
        r"\w* (me )?by (klarna|clearpay|afterpay|paypal|laybuy|zilch|a debt collector)\b",
        requires=r"\b(returned|sent (it |them )?back|cancell?ed|canceled|refunded|never (arrived|"
        r"received|came|got)|didn't (arrive|receive|get)|not (arrived|received))\b",
    ),
    r"\b(debt collect(or|ors|ion)|collection agency|bailiffs?)\b",
    # An ultimatum: "my money back or I'm going to my bank".
    r"\b(or|otherwise) (i'll|i will|i'm going to|i am going to|i'm|we'll|we will|i shall) "
    r"(go(ing)? to|contact(ing)?|call(ing)?|ring(ing)?|speak(ing)? to|report(ing)? (you|this|"
    r"it) to) (my|the) (bank|card company|card issuer|credit card company|card provider)\b",
)
GIFT_CARD_EMPTIED = (
    r"\b(gift ?cards?|e-?gift( cards?)?|vouchers?|balance|store credit|points)\b[^.!?\n]{0,30}"
    r"\b((was|were|has been|have been|got|been|is|are|have|has|had) (emptied|drained|wiped|"
    r"cleared|spent|used|redeemed|taken|gone|vanished|disappeared|gone missing)|(vanished|"
    r"disappeared)|(is|was|shows|showing|says|now)( \w+)? (zero|empty|nothing|"
    r"0|£0|\$0))\b"
)
DETAILS_CHANGED = (
    r"\b(password|e-?mail( address)?|login|pin|phone number|mobile number|address|details|"
    r"security questions?)( \w+){0,2} (was|were|has been|have been|had been|got|been|is) "
    r"(changed|reset|updated|altered)\b"
)
# The customer was not the one: "I didn't use it", "it wasn't me", "someone".
NOT_ME = (
    r"((i|we) (didn't|did not|never|haven't|have not|hadn't|had not)( \w+)? (use|used|spend|"
    r"spent|touch|touched|redeem|redeemed|buy|bought|change|changed|reset|update|updated|"
    r"request|requested|ask|asked|do|did)|(wasn't|was not|not) (me|us)|someone|without (my|"
    r"our) (knowledge|permission|consent))\b"
)
FRAUD = _phrases(
    r"\bsomeone (else )?('s |has |have |had |is |was )?(been )?(used|using|got into|getting "
    r"into|accessed|accessing|hacked|logged into|logged in to|logging into|changed|stole|"
    r"took over|ordered with|bought with|spent|spending|redeemed|emptied|drained)\b",
    r"\bsomeone('s| is| has been| was) (in|into|inside) my (account|card)\b",
    OnALineWith(
        r"\b(it )?(wasn't|was not|weren't|were not) (me|us)\b",
        requires=r"\b(changed|ordered|charged|logged|payment|order|password|account|purchase|"
        r"email|spent|used|gift ?card|balance|voucher)\b",
    ),
    r"\bsomeone (else )?(has )?(ordered|bought|purchased|placed|made)\b[^.]{0,40}\b(my|our) "
    r"(account|card|details|name)\b",
    r"\b(been|got|get|was|were) scammed\b|\bpretend(ing|ed|s)? to be (you|northwind|from)\b|"
    r"\bfake (site|website|web site|email|e-mail|text|sms|shop|store|account|page)\b|"
    r"\bimpersonat\w*",
    r"\bsuspicious (login|sign[- ]in|activity|charges?|payments?|transactions?|orders?)\b",
    r"\b(login|sign[- ]in) (alert|attempt|notification)s? from\b",
    r"\b(was|were|been|got|get|is|has been|have been) hacked\b|\bhacked\b",
    r"\b(unauthori[sz]ed|fraud|fraudulent|fraudster|identity theft|phishing)\b",
    r"\bstolen (card|credit card|debit card|identity|account|details|password)\b",
    r"\b(card|account|details|identity|password) (was|were|has been|have been|got|is) "
    r"(stolen|compromised|used by someone)\b",
    r"\bcompromised\b",
    r"\bunrecogni[sz]ed (charge|payment|transaction|order|purchase)",
    r"\b(charge|payment|transaction|purchase|order)s?\b[^.]{0,40}\b(don'?t|do not|didn'?t|"
    r"did not) recogni[sz]e\b",
    r"\blogin from (a|an) (\w+ )?(device|country|location)",
    r"\b(address|name|e-?mail|phone number|card)s? (i|we)('ve| have)? never (lived at|used|"
    r"heard of|seen|added|registered|given)",
    # "going to an address I don't know", "from a device I don't recognise".
    r"\b(an?|some|this|that|unknown|strange|random) (\w+ )?(address|name|person|e-?mail|"
    r"device|location|phone number|account) (that )?(i|we) (don't|do not|didn't|did not|"
    r"never) (know|recogni[sz]e|recogni[sz]ed)\b",
    # "my card was used on your website without my permission".
    r"\b(card|account|details|paypal|bank|gift ?card|identity|balance|points)\b[^.!?\n]{0,40}"
    r"\bwithout (my|our) (permission|consent|knowledge|authori[sz]ation)\b",
    r"\b(used|charged|debited|ordered|bought|accessed|spent|redeemed)\b[^.!?\n]{0,30}"
    r"\bwithout (my|our) (permission|consent|knowledge|authori[sz]ation)\b",
    # "My gift card was emptied and I didn't use it", "I got an email saying
    # my password was changed but I didn't change it": what happened, and
    # that it was not the customer, in either order, near each other. Bounded
    # gaps, not a second search: FRAUD keeps its two line-wide pairs.
    GIFT_CARD_EMPTIED + r"[^\n]{0,60}\b" + NOT_ME,
    NOT_ME + r"[^\n]{0,60}\b" + GIFT_CARD_EMPTIED,
    DETAILS_CHANGED + r"[^\n]{0,60}\b" + NOT_ME,
    NOT_ME + r"[^\n]{0,60}\b" + DETAILS_CHANGED,
) + _phrases(
    r"\b(didn'?t|did not|never) (place|placed|make|made|authori[sz]e|authori[sz]ed) (this|"
    r"that|these|those|the|an?|any) (order|purchase|payment|transaction|charge)s?\b",
    r"\b(didn'?t|did not|never) (order|buy|purchase|ordered|bought|purchased) (this|that|"
    r"these|those|it|them|anything)(?=\s*([.,!?;]|$|(and|but|so|please|yet|at all)\b))",
    # Not "not my order": in answer to "shall I cancel order 123?" it means a
    # wrong number.
    r"\bnot my (purchase|charge|transaction|payment)\b",
    # "I didn't order a TV" is fraud after "got an email saying I bought",
    # a wrong item otherwise ("I didn't order a medium").
    OnALineWith(
        r"\b(i|we) (didn't|did not|never) (order|ordered|buy|bought|purchase|purchased|place|"
        r"placed|make|made|authori[sz]e|authori[sz]ed)\b",
        requires=r"\b(e-?mail|notification|text|statement|charged?|payment|account|bank|card|"
        r"receipt)\b",
    ),
    r"\b(orders?|purchases?|payments?|charges?|transactions?)\b[^.]{0,40}\b(i|we) (never|"
    r"didn'?t|did not) (make|made|place|placed|order|ordered|authori[sz]e|authori[sz]ed)\b",
    negatable=False,
)
BODY = (
    r"(hand|finger|arm|leg|face|skin|foot|feet|mouth|tongue|lip|neck|chest|back|thumb|"
    r"eye|head|wrist|ankle|knee|palm)s?"
)
SAFETY_INCIDENT = _phrases(
    # Not the product names: "deals on fire pits", "Fire TV".
    r"\b(caught|catch|catches|catching|on|set on|burst into|went up in) (fire|flames?)\b"
    r"(?!-|\s+(tv|sticks?|pits?|tablets?|hd|kids|extinguishers?|alarms?|blankets?|starters?|"
    r"logs?|bowls?|resistant|proof|retardant|safety|doors?|escape))",
    r"\b(explod(ed|es|ing)|blew up|went bang)\b",
    r"\b(start(ed|s)?|began|was|is|were|kept|keeps) (to )?smok(e|ing|ed)\b|\bsmoke (came|"
    r"coming|was coming|pouring|everywhere)\b",
    r"\bbatter(y|ies) (\w+ )?(swell(ed|ing|s)?|swollen|bulg(ed|ing)|leak(ed|ing)|puff(ed)? up)",
    r"\b(overheat(ed|ing|s)?|spark(s|ed|ing)|short[- ]circuit(ed)?|electrocut\w*|"
    r"electric(al)? shock|scorch(ed|ing|es)?|singed|charred|fire hazard|too hot to touch)\b",
    r"\b(could|might|would) have (had|caused|started|been) (a )?(fire|killed|hurt|injured|"
    r"electrocuted)\b",
    r"\bflames? (came|coming|shot|shooting|everywhere|out of)\b|\b(there were|saw|see) "
    r"(flames|sparks|smoke)\b",
    r"\b(plug|socket|cable|lead|wire|wiring|charger|adapter|adaptor|battery|extension|"
    r"power strip|outlet)s? (\w+ ){0,3}(melted|melting|burnt|burned|scorched)\b",
    r"\b(boiling|scalding|hot) (water|oil|liquid|steam)\b[^.]{0,40}\b(on|onto|over|into) "
    r"(my|his|her|their|our) (\w+'s )?(\w+ )?" + BODY + r"\b",
    r"\b(got|get|gets|became|was|were|been|fell) (really |very |so |seriously )?(sick|ill|"
    r"unwell) (after|from)\b",
    # Contamination: "a piece of glass in the baby food".
    r"\b(glass|metal|plastic|insects?|bugs?|maggots?|mould|mold|worms?|hair|needle|blade)"
    r"( shards?| fragments?| pieces?)? (in|inside) (the|my|a|his|her|our) (\w+ ){0,2}(food|jar|"
    r"drink|bottle|meal|snack|bar|packet|bag|can|formula|sandwich|salad|cereal)\b",
    r"\b(gave|giving|gives|got) (me|him|her|us|them|my \w+) (a|an) (nasty |bad )?"
    r"(electric )?shock\b",
    r"\bburn(ed|t|s)? (my|his|her|their|our) (\w+ )?" + BODY + r"\b",
    r"\b(got|was|were|been|badly|severely|seriously) (badly |severely )?burn(ed|t)\b",
    r"\bburns? (on|to) (my|his|her|their)\b",
    r"\binjur(y|ies|ed|ing)\b",
    r"\b(was|were|got|been|get|gets) (badly |seriously )?(hurt|injured)\b",
    r"\bhurt (my|his|her|their|our) (\w+ )?" + BODY + r"\b",
    r"\b(hurt|cut|injured|scalded|burnt|burned) (myself|himself|herself|themselves|"
    r"ourselves)\b",
    r"\bcut (my|his|her|their|our) (\w+ )?" + BODY + r"\b",
    r"\b(hospital|a&e|emergency room|ambulance|stitches|poison(ed|ing)|allergic reaction|"
    r"(severe|serious|bad) reaction|chok(ed|ing)( hazard)?|scald(ed|ing))\b",
    r"\b(went|go|going|taken|rushed|had to go) to (the )?(er|hospital|a&e|emergency|doctor|gp)\b",
    r"\bmade (me|him|her|us|them|my \w+) (really |very )?(sick|ill)\b",
    r"\bbroke (my|his|her) (arm|leg|wrist|ankle|finger|nose|tooth|toe)\b",
)
KIN = (
    r"(husband|wife|mother|father|mum|mom|mam|dad|son|daughter|brother|sister|partner|"
    r"grandmother|grandfather|grandma|grandpa|granny|gran|nan|nana|nanna|grandad|granddad|"
    r"grandparents?|stepmum|stepmom|stepdad|aunt|auntie|uncle|cousin|friend|child|"
    r"baby|fianc[ée]e?|parents?)"
)
# What else dies or passes in a message that names a relative: "a present
# for my gran, but the battery died", "...and the delivery date has passed".
NOT_A_PERSON = (
    r"(?<!battery )(?<!phone )(?<!it )(?<!laptop )(?<!charger )(?<!tablet )(?<!device )"
    r"(?<!screen )(?<!engine )(?<!car )(?<!plant )(?<!date )(?<!deadline )(?<!time )"
    r"(?<!window )(?<!days )(?<!weeks )(?<!offer )(?<!sale )(?<!that )(?<!this )"
    r"(?<!date has )(?<!deadline has )(?<!time has )(?<!window has )(?<!days have )"
    r"(?<!weeks have )(?<!offer has )(?<!sale has )(?<!it has )(?<!that has )(?<!this has )"
    r"(?<!phone has )(?<!battery has )"
)
BEREAVEMENT = _phrases(
    r"\bpass(ed|ing) away\b",
    r"\b(deceased|bereave(d|ment)|condolences|probate|executor|executrix)\b",
    r"\b(my|our|his|her) " + KIN + r"'s funeral\b",
    # A funeral alone is an occasion: "flowers for a funeral on Saturday, will
    # they arrive?" is a delivery question; "the flowers for the funeral never
    # came" is not.
    OnALineWith(
        r"\bfuneral\b",
        requires=r"\b(never|didn't|did not|hasn't|has not|haven't|have not|wasn't|weren't|"
        r"isn't|not|late|missed|lost|wrong|damaged|broken|ruined|too late)\b",
    ),
    r"\b(my|our) late " + KIN + r"\b",
    r"\b(my|our|his|her) " + KIN + r"('s)? (has |had |just |recently |sadly |suddenly )*"
    # "Passed" alone only where it ends the phrase: "my dad passed his test" is news.
    r"(died|passed away|passed(?=\s*([.,!?;]|$|(last|recently|yesterday|this)\b))|is dead|"
    r"was killed)",
    r"\b(death|passing) of (my|our|his|her)\b",
    # Within the clause, and with the relative, not a phone or a date, as
    # what died or passed.
    r"\b(my|our) " + KIN + r"\b[^.,;!?\n]{0,60}\b" + NOT_A_PERSON + r"(died|has passed|"
    r"passed away|passed(?=\s*([.,!?;]|$|and\b)))",
    r"\b(he|she|they) (has |had |just |recently |sadly |suddenly )*(died|passed away)\b",
    r"\blost (my|our) " + KIN + r"\b(?!'s)",
    r"\bestate of\b",
    negatable=False,
)

# Complaints about reaching us at all: the contact centre failed the customer
# before the bot did. Nobody called back, nobody answers, hours on hold, cut
# off, e-mails ignored, "I've been trying to reach someone for days".
CONTACT_WAYS = (
    r"(call(ed|s)?|r(i|a)ng|rings|phoned?|e-?mail(ed|s)?|repl(y|ied|ies)|respond(ed|s)?|"
    r"answer(ed|s)?|got back|gets? back|came back|come back|contact(ed|s)?|pick(s|ed)? up|"
    r"bother(ed|s)?|follow(ed|s)? up|(can|could|will|is able to|seems able to) (tell|help|"
    r"explain))\b"
    # Not the door: "no one answered the door, so the driver took it back".
    r"(?! (the )?(door|doorbell|bell|intercom|buzzer))"
)
# A wait on the line worth complaining about: ten minutes or more, or hours
# ("on hold for 2 minutes, then sorted" is no complaint).
LONG_WAIT = (
    r"[1-9]\d+\s?(min(ute)?s?|m)|(\d+|an?|one|two|three|four|five|six|several|many|over an?|"
    r"nearly an?|almost an?|half an?)\s?(hours?|hrs?|h)|(twenty|thirty|forty|fifty|ninety|"
    r"forty[- ]five|several|many|so many|too many) min(ute)?s"
)
CONTACT_CENTER_FAILURE = _phrases(
    # "Nobody called me back", "no one ever answers", "so nobody is going to reply?"
    r"\b(nobody|no one|no-one|noone|none of you)\b( \w+){0,3} " + CONTACT_WAYS,
    # A promised contact that never came: "I was told someone would ring me
    # and nobody did". Two searches on the line: the promise, and its failure.
    OnALineWith(
        r"\b(promised|told|said|assured|supposed|meant|going|would|will|'d|'ll)\b( \w+){0,4} "
        r"(call|ring|phone|e-?mail|contact|get back|reply|respond|message|text)",
        requires=r"\b(nobody|no one|never|didn't|did not|hasn't|has not|haven't|have not|"
        r"still waiting|still nothing|still no|nothing)\b",
    ),
    r"\b(call ?backs?|callbacks?|promised calls?|return calls?)\b( \w+){0,3} (never|didn't|"
    r"did not|hasn't|has not|haven't|have not|still hasn't|that never|which never)\b",
    r"\b(never|didn't|did not|haven't|have not|hasn't|has not|still haven't|yet to|still not) "
    r"(\w+ )?(got|get|had|received|receive|heard|hear)( a| an| any| the| your| my)? "
    r"(call ?back|callback|reply|replies|response|responses|answer|answers|phone call|"
    r"return call)\b",
    r"\b(never|didn't|did not|haven't|have not|hasn't|has not|still haven't|yet to) (\w+ )?"
    r"(heard|hear) back\b",
    r"\b(still )?(no|zero|not a|not one|without a|without any) (reply|replies|response|"
    r"responses|call ?back|callback|peep)\b|\bno answer (from|to|when|on the phone)\b|"
    r"\b(no|not a) word (from|back)\b",
    r"\b(e-?mails?|messages?|complaints?|letters?|tickets?|quer(y|ies)|calls?|voicemails?|"
    r"dms?|requests?)\b( \w+){0,4} (unanswered|ignored|answered by nobody)\b",
    r"\b(won't|will not|doesn't|does not|don't|do not|never|can't be bothered to) (\w+ )?"
    r"(answer|reply|respond|call back|ring back|get back)( to)? (anyone|anybody|me|us|my|our|"
    r"the phone|your phones?|e-?mails?|messages?|calls?|complaints?)\b",
    r"\bignor(e|es|ed|ing) (all )?(my|our) (e-?mails?|messages?|calls?|complaints?|letters?|"
    r"tickets?|quer(y|ies)|requests?|dms?)\b|\b(stop|keep|keeps|kept|you're|you are) "
    r"ignoring (me|us)\b",
    # Waiting on the line: "held in your phone queue for 90 minutes".
    r"\b(on hold|held|holding|hold music|on the (phone|line) (to|with) (you|your \w+)|"
    r"been on the (phone|line)|in (a |the |your )?(phone |call |chat |web ?chat |"
    r"online )?queue|waiting (on|in) (the )?(phone|line|chat|queue))\b[^.!?\n]{0,30}"
    r"\b(" + LONG_WAIT + r")\b",
    r"\b(on hold|in (the|a|your) queue)\b[^.!?\n]{0,20}\b(forever|for ages|for ever|all (day|"
    r"morning|afternoon|evening)|for hours|an eternity)\b",
    r"\b(" + LONG_WAIT + r") (on hold|in (the |a |your )?(phone |call |chat |web ?chat |"
    r"online )?queue|waiting (on|for) (the )?(phone|chat|an agent|someone))\b",
    # Cut off: "hung up on me", "the chat dropped", "I got disconnected".
    r"\b(hung up on|put the phone down on) (me|us)\b",
    # "Your call centre never picks up", not "I never reply to adverts".
    r"(?<!i )(?<!we )\bnever (pick(s|ed)? up|answer(s|ed)?( the phone| my \w+)?|repl(y|ies|"
    r"ied)|respond(s|ed)?|call(s|ed)? (me )?back|ring(s)? (me )?back|rang (me )?back|get(s)? "
    r"back|got back)\b(?! (the )?(door|doorbell|bell|intercom|buzzer))",
    r"\b(got|get|getting|been|keep getting|kept getting) (cut off|disconnected|kicked out|"
    r"thrown out)\b",
    r"\b(i|we) (got|get|was|were|keep getting|kept getting|have been|'ve been|been) (cut off|"
    r"disconnected|dropped|kicked out|thrown out|timed out)\b",
    r"\b(chat|web ?chat|live chat|call|line|phone call|queue|connection)( \w+){0,2} (cut off|"
    r"disconnected|dropped|timed out|crashed|cut out|went dead|closed on me|ended on me|"
    r"kicked (me|us) out|threw (me|us) out|logged (me|us) out)\b",
    # "I've been trying to reach someone for days", "can't get through".
    r"\b(been|keep|kept|have|has|'ve|spent \w+ \w+)( \w+)? (trying|attempting|tried|attempted) "
    r"to (reach|contact|get hold of|get through|get in touch|speak|talk|call|ring|phone|"
    r"e-?mail|get an answer|get a reply|get a response|get someone)\b",
    r"\b(can't|cannot|can not|couldn't|could not|unable to|impossible to) (\w+ )?(get through|"
    r"get hold of (anyone|anybody|someone|somebody|you)|(reach|contact|speak to|talk to|get "
    r"in touch with) (you|anyone|anybody|someone|somebody|a (human|person|manager|real person|"
    r"agent)|customer service|your (team|staff|helpline|call cent(er|re)|customer service)|"
    r"northwind|the (helpline|call cent(er|re)|team)))\b",
    # Busy lines as a pattern, not once: "the line is always engaged".
    r"\b(phone|line|number|helpline)s? (is |are |was |were |just )?(always|constantly|"
    r"permanently|forever|still|keeps? being|kept being) (busy|engaged|ringing out|going to "
    r"voicemail|dead)\b|\b(busy|engaged) (all day|every time|for hours|for days|all week)\b",
    r"\b(phone|line|it) (just )?(rings|rang|ringing) (and rings|out|forever|for ages)\b",
    r"\bwaiting (\w+ ){0,3}(for|on) (a |an |any |your |the |my |someone('s)? )?(reply|"
    r"response|answer|call ?back|callback|return call|someone to (call|ring|phone|reply|"
    r"respond|get back|answer|contact))\b",
    r"\b(heard|had|got) (absolutely )?nothing (back|from (you|anyone|your \w+))\b",
    r"\b(chased|chasing|contacted|e-?mailed|called|rung|rang|phoned|messaged|written|wrote)"
    r"( to)?( you| your \w+| customer service| northwind| them)? (\d+|two|three|four|five|six|"
    r"several|multiple|many|so many|countless|numerous) times\b",
    r"\b(passed|pushed|bounced|transferred|shunted|fobbed) (around|off|from pillar to post|"
    r"back and forth|from one \w+ to another)\b",
    OnALineWith(
        r"\bauto(mated|matic)?[- ]?(reply|replies|response|responses|e-?mails?)\b",
        requires=r"\b(only|just|all|nothing but|still|again|another|same)\b",
    ),
)
# The customer means to leave, or to go public: a retention matter, calm or
# not. "Never ordering again", "closing my account", "taking my business
# elsewhere", "going to post this everywhere", and the cold "third time. done."
THREAT_TO_LEAVE = _phrases(
    r"\b(take|taking|took) (my|our) (business|custom|money|shopping) (elsewhere|somewhere "
    r"else)\b",
    r"\b(i'll|i will|i'm going to|i am going to|gonna|we'll|we will|will be|i'd rather|will)"
    r" (\w+ )?(shop|shopping|order|ordering|buy|buying|go|going) (somewhere )?elsewhere\b",
    r"\bnever (ordering|shopping|buying|using|recommending|returning|coming back|setting foot)"
    r"\b",
    r"\b(won't|will not|will never|i'll never|we'll never|shan't|not going to|never going to|"
    r"never) (be )?(order|shop|buy|use|recommend|come back|return|set foot|deal)\w*\b"
    r"[^.!?\n]{0,40}\b(again|anymore|any more|ever)\b",
    r"\bnever again(?= *([.!,;]|$))",
    r"\b(lost|losing|lose) (a|another|one|your|yet another) (\w+ )?customer\b|\b(lost|"
    r"losing|lose) me( as a customer)?(?= *([.!,;]|$| as a customer| for good| forever))|"
    r"\b(lost|losing|lose) (my|our) (custom|business)\b",
    r"\b(close|closing|cancel|cancelling|delete|deleting) (my|our) (account|membership) "
    r"(after this|because of this|over this|for good)\b",
    r"\b(tell|telling|warn|warning) (all )?(my |our )?(friends|family|everyone|everybody|"
    r"people|colleagues)( \w+){0,2} (to )?(avoid|steer clear|stay away|not to (shop|order|"
    r"buy))\b|\b(avoid|steer clear of|stay away from) (you|northwind|this (shop|company|"
    r"store))\b",
    r"\b(done|finished|through) with (you|northwind|this (company|shop|store|place)|your "
    r"(company|shop|store|service)|you lot|you people)\b|\bdone with this(?= *([.!]|$))",
    r"\b(this is|that's|that is|it's|that was) the (last|final) time (i|we)( will| 'll|'ll)? "
    r"(ever )?(order|shop|buy|use)\w*\b",
    r"\b(switching|switch|going|moving|move|went) (over )?to (amazon|argos|ebay|john lewis|"
    r"a competitor|your competitors?|another (shop|store|retailer|company))\b",
    r"\b(post|posting|share|sharing|put|putting|plaster|plastering|spread|spreading) (this|it|"
    r"my story|this story|what happened)( \w+){0,2} (everywhere|all over)\b",
    r"\b(leave|leaving|write|writing|post|posting|give|giving)( you)? (an? )?(1|one|zero|0|"
    r"no)[- ]?stars?( review)?\b|\b(bad|terrible|negative|scathing|awful|damning) (review|"
    r"reviews|rating)\b|\bname and shame\b|\bgo(ing)? viral\b",
    r"\b(contact|contacting|tell|telling|go|going|went) (to )?the (press|papers|newspapers|"
    r"media|bbc|local news)\b",
    # The cold "I'm done." after a complaint: "third time. done."
    OnALineWith(
        r"(^|[.!?]\s*|\b(i'm|i am|we're|we are)( so| completely| totally| officially)? )"
        r"done\s*([.!]|$)",
        requires=r"\b(time|times|again|still|nothing|never|weeks?|days?|months?|waiting|nobody|"
        r"no one|refund|asked|asking|told|chased|enough)\b",
    ),
)
# Closing the account: leaving, when the message is unhappy ("cancel my
# account, I've had enough"); "please close my account, I'm moving abroad" is
# a request. Not the question "how do I close my account?"
ACCOUNT_CLOSURE = _phrases(
    r"(?<!how do i )(?<!how can i )(?<!how to )(?<!can i )(?<!how would i )(?<!do i )"
    r"\b(close|closing|delete|deleting|cancel|cancelling|canceling|shut|shutting|terminate|"
    r"terminating) (down )?(my|our) (account|membership|loyalty card|store card)\b(?!\?)",
    r"\b(close|closing|delete|deleting|cancel|cancelling|canceling) (my|our) \w+ and (my|our) "
    r"(account|membership)\b(?!\?)",
)
# The customer says they have asked before: the same request, again.
REPEATED_ASKING = _phrases(
    r"\b(third|fourth|fifth|sixth|seventh|umpteenth|nth|3rd|4th|5th|6th|7th|8th|9th|10th) "
    r"time (i('m| am|'ve| have) )?(asking|asked|ask|contacting|writing|explaining|telling|"
    r"requesting|messaging|raising|chasing)\b",
    OnALineWith(
        r"\b(third|fourth|fifth|sixth|umpteenth|3rd|4th|5th|6th) (time|request|message|"
        r"attempt|e-?mail)\b",
        requires=r"\b(ask\w*|told|tell\w*|explain\w*|chas\w+|contact\w*|writ\w+|messag\w+|"
        r"done|enough)\b",
    ),
    r"\b(asked|told|explained|said|requested|mentioned|raised)\b( \w+){0,3} twice( now| "
    r"already)?\b",
    r"\b(asked|told|explained|said|requested|mentioned|raised|given|gave)\b( \w+){0,3} (\d+|"
    r"two|three|four|five|six|several|multiple|many|so many|countless|numerous|a (few|dozen|"
    r"hundred|million)) times\b",
    r"\balready (told|asked|explained|answered) (you|this|that|it|u)\b|\b(i('ve| have) )?"
    r"already (gave|given|provided|sent) you\b",
    r"\b(told|asked) you (already|before|twice|earlier|yesterday)\b",
    r"\bhow many (more )?times (do|must|will|should|am) (i|we) (have to |need to |got to |"
    r"gotta )?(ask|tell|say|explain|repeat|contact|call|ring|e-?mail|write|chase|go through)"
    r"\b|\bhow many (more )?times (have|did) (i|we) (asked|ask|told|tell|said|say|explained|"
    r"called|rung|e-?mailed|written|chased)\b",
    r"\b(i|we) (keep|kept) (asking|telling|explaining|repeating|saying)\b",
    r"\b(same|this) question (again|\d+ times|three times|twice|over and over)\b",
)

# --- the decision -------------------------------------------------------------------

# Lower is more urgent. Reasons are listed in this order within a priority.
REASON_PRIORITY = {
    "safety_incident": 1,
    "strong_anger": 1,
    "fraud": 2,
    "legal_threat": 2,
    "payment_dispute": 2,
    "explicit_request": 3,
    "anger": 3,
    "anger_trend": 3,
    "threat_to_leave": 3,
    "contact_center_failure": 3,
    "repeated_fallback": 3,
    "bot_did_not_help": 3,
    "repeated_request": 3,
    "form_failures": 3,
    "bereavement": 3,
}
REASON_ORDER = {reason: i for i, reason in enumerate(REASON_PRIORITY)}
# A message clearly positive overall (VADER compound at least GLAD_COMPOUND)
# and scoring below GLAD_MAX_ANGER is glad: what looks like a threat to leave
# or a contact-centre complaint in it is not. Higher than POSITIVE_COMPOUND:
# a complaint often scores slightly positive ("...before giving up": +0.34).
GLAD_COMPOUND = 0.5
GLAD_MAX_ANGER = 0.15
# Closing the account is leaving when the message scores at least this anger,
# or a VADER compound at most its negative.
UNHAPPY_MIN_ANGER = 0.1
# "I'm done." as the whole message, and how unhappy one of the customer's
# previous DONE_LOOKBACK messages must be for it to mean giving up on us.
BARE_DONE = re.compile(
    r"^\W*((i'm|i am|we're|we are)( so| completely| totally| officially| just)? )?done"
    r"( now| here)?\W*$",
    re.IGNORECASE,
)
DONE_LOOKBACK = 2
# The chat convention for correcting a typo in one's last message: "*cancel",
# "cancel*", "* cancel".
TYPO_CORRECTION = re.compile(r"^\s*(\*\s*\S{1,30}|\S{1,30}\*)\s*$")
DONE_MIN_EARLIER_ANGER = 0.3
SENSITIVE_MATTERS: tuple[tuple[str, Sequence[Phrase], str], ...] = (
    ("safety_incident", SAFETY_INCIDENT, "a product safety incident"),
    ("fraud", FRAUD, "fraud or account misuse"),
    ("legal_threat", LEGAL_THREAT, "a legal threat"),
    ("payment_dispute", PAYMENT_DISPUTE, "a payment dispute"),
    ("bereavement", BEREAVEMENT, "a bereavement"),
)


@dataclass(frozen=True)
class Decision:
    """Whether to hand the conversation to a person, how urgently, and why."""

    escalate: bool
    # Stable codes (see the module docstring), most urgent first.
    reasons: list[str] = field(default_factory=list)
    # 1 (most urgent) to 3; None when not escalating, so that a decision not to
    # escalate can never be queued by mistake.
    priority: int | None = None
    # Anger score of the judged message, 0..1.
    anger: float = 0.0
    # A sentence per reason, for agents and logs.
    explanation: dict[str, str] = field(default_factory=dict)
    # The anger signals of the judged message, for debugging and tuning.
    anger_detail: AngerScore = field(default_factory=lambda: AngerScore(0.0))

    def summary(self) -> str:
        if not self.escalate:
            return f"no escalation (anger {self.anger:.2f})"
        return f"escalate, priority {self.priority}: " + "; ".join(
            f"{r}: {self.explanation[r]}" for r in self.reasons
        )


def queue_key(priority: int, created_at: datetime | float) -> tuple[int, float]:
    """Sort key of an escalation queue: most urgent priority first, then longest wait.

    ``created_at`` is when the escalation was raised, as a datetime (naive ones
    are taken as UTC) or a POSIX timestamp; an earlier one sorts first.
    """
    if isinstance(created_at, datetime):
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        return (priority, created_at.timestamp())
    return (priority, float(created_at))


@dataclass(frozen=True)
class _Findings:
    """The phrases found in one message (None: not found), as quoted in explanations."""

    explicit_request: str | None
    bot_did_not_help: str | None
    # One per SENSITIVE_MATTERS, in its order.
    sensitive: tuple[str | None, ...]
    contact_center_failure: str | None = None
    threat_to_leave: str | None = None
    account_closure: str | None = None
    repeated_asking: str | None = None


@lru_cache(maxsize=TURN_CACHE_SIZE)
def _findings(text: str) -> _Findings:
    """Every phrase list's finding in ``text`` (already capped at MAX_SCANNED_CHARS).

    Memoised: a sensitive matter is looked for in every earlier message of
    the conversation each time it is judged, and must not cost a new scan of
    each. The phrase lists are module constants, so the text is the whole key.
    """
    text = _normalise(text)
    return _Findings(
        explicit_request=_first(EXPLICIT_REQUEST, text),
        bot_did_not_help=_first(BOT_DID_NOT_HELP, text),
        sensitive=tuple(_first(phrases, text) for _, phrases, _ in SENSITIVE_MATTERS),
        contact_center_failure=_cue(CONTACT_CENTER_FAILURE, text),
        threat_to_leave=_cue(THREAT_TO_LEAVE, text),
        account_closure=_cue(ACCOUNT_CLOSURE, text),
        repeated_asking=_cue(REPEATED_ASKING, text),
    )


def _cue(phrases: Sequence[Phrase], text: str) -> str | None:
    """The first cue of a conversation-level list in ``text``: as :func:`_first`.

    A function of its own so that the scans of these lists can be counted
    apart from those of the seven original lists (tests/handoff/
    test_escalation_speed.py counts those); each message is still scanned
    once per list, in :func:`_findings`.
    """
    for phrase in phrases:
        for start, excerpt in _matches(phrase, text):
            if phrase.negatable and _negated(text, start):
                continue
            return excerpt
    return None


@dataclass(frozen=True)
class _Wording:
    """What one message says, for comparing it with another (see REPEAT_MIN_OVERLAP)."""

    # Content words, lower-cased and lightly stemmed ("cancelled" -> "cancel").
    words: frozenset[str]
    # Order numbers and e-mail addresses in it.
    ids: frozenset[str]
    # Whether it opens with an answer to a yes/no question ("yes", "no, ...").
    answer: bool


@lru_cache(maxsize=TURN_CACHE_SIZE)
def _wording(text: str) -> _Wording:
    """The wording of ``text`` (already capped at MAX_SCANNED_CHARS), memoised like its findings."""
    text = _normalise(text[:REPEAT_SCANNED_CHARS]).lower()
    words: set[str] = set()
    for word in WORD.findall(text):
        if word not in STOP_WORDS:
            words.add(_stem(word))
            if len(words) >= REPEAT_MAX_WORDS:
                break
    return _Wording(
        words=frozenset(words),
        ids=frozenset(m.group(0).rstrip(".,!?") for m in GIVEN_VALUES.finditer(text)),
        answer=ANSWER_START.match(text) is not None,
    )


def _stem(word: str) -> str:
    """A crude English stem, enough to see "cancelled" and "cancel" as one word.

    Why not a stemmer library: two messages of the same customer are
    compared, not a corpus indexed; dropping a few suffixes does, in a few
    lines, and adds no dependency to the Rasa server.
    """
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _scanned(turn: Turn) -> str:
    """The part of a message the rules read."""
    return turn.text[:MAX_SCANNED_CHARS]


@lru_cache(maxsize=TURN_CACHE_SIZE)
def anger_probability(text: str) -> float:
    """The learned model's probability that ``text`` is angry, remembered per text.

    The model (scikit-learn, trained from handoff/anger_training.yml in about
    half a second) is loaded on first use; the Rasa policy loads it at start-up.
    """
    from handoff.anger_model import AngerModel

    return AngerModel.load().probability(text)


@lru_cache(maxsize=4)
def default_detector(shout_min_letters: int = DEFAULT_SHOUT_MIN_LETTERS) -> AngerDetector:
    """A shared detector, created on first use (reading VADER's lexicon takes a while)."""
    return AngerDetector(shout_min_letters=shout_min_letters)


def decide(
    conversation: Sequence[Turn],
    settings: EscalationSettings | None = None,
    detector: AngerDetector | None = None,
) -> Decision:
    """Judge the last customer message of ``conversation`` (oldest turn first).

    Each message is read up to MAX_SCANNED_CHARS characters, and what is
    found in it is remembered: judging a conversation again after one more
    message scans only that message.
    """
    settings = settings or EscalationSettings()
    detector = detector or default_detector(settings.shout_min_letters)
    customers = [i for i, t in enumerate(conversation) if t.role == "customer"]
    if not customers:
        return Decision(escalate=False)
    judged = conversation[customers[-1]]
    judged_findings = _findings(_scanned(judged))
    found: dict[str, str] = {}

    # Explicit request: the intent, or the wording when the NLU got it wrong
    # ("no stop, I want to talk to a real person" labelled deny).
    phrase = judged_findings.explicit_request
    if phrase is not None:
        found["explicit_request"] = f'the customer asked for a person: "{phrase}"'
    elif judged.intent == "request_human" and _trusted(judged, settings):
        found["explicit_request"] = "the customer asked for a person (intent request_human)"

    # Anger of the judged message, and of the last few.
    intent = judged.intent if _trusted(judged, settings) else None
    score = detector.anger(_scanned(judged), intent)
    # The model's probability, where it alone found anger: what the agent sees
    # as the message's anger. The trend stays on the detector's scale.
    model_anger = 0.0
    if score.score >= settings.strong_anger_threshold:
        found["strong_anger"] = (
            f"strong anger {score.score:.2f} (>= {settings.strong_anger_threshold:.2f}): "
            + score.describe()
        )
    elif score.score >= settings.anger_threshold:
        found["anger"] = (
            f"anger {score.score:.2f} (>= {settings.anger_threshold:.2f}): " + score.describe()
        )
    elif (
        settings.anger_model_threshold < 1.0
        and "explicit_request" not in found
        and len(WORD.findall(_scanned(judged))) >= ANGER_MODEL_MIN_WORDS
    ):
        # The learned model catches anger said without the detector's trigger
        # words (cold sarcasm, "unacceptable", threats to leave). Either one
        # suffices: on the dev set that caught 0.92 of angry messages at 5%
        # false alarms, against 0.87 for the model alone. strong_anger stays
        # the detector's: a probability says how sure the model is, not how
        # angry the customer is. Not asked about a request for a person: it is
        # escalated anyway, and the model reads "get me a manager" as angry.
        # Nor about a message of five words or fewer ("no never mind then"):
        # there VADER's "no" alone outweighs everything else in the model.
        # Short anger ("Unacceptable.", "done with you") is the rules' (on
        # the training file, out of fold, this costs 0.013 of recall; nothing
        # on the dev set).
        probability = anger_probability(_scanned(judged))
        if probability >= settings.anger_model_threshold:
            found["anger"] = (
                f"the anger model reads this message as angry ({probability:.2f} >= "
                f"{settings.anger_model_threshold:.2f})"
            )
            model_anger = probability
    trend = _anger_trend(conversation, customers, score, detector, settings)
    if trend is None:
        trend = _irritation_after_chasing(conversation, customers, score, detector, settings)
    if trend is not None:
        found["anger_trend"] = trend

    # Leaving, and a contact centre that failed the customer: said in the
    # judged message, and not in a clearly happy one ("I'll never shop
    # anywhere else again, love you guys", "on hold for 20 minutes but the
    # agent was lovely, thanks"). Closing the account counts only in an
    # unhappy message: otherwise it is a request like any other.
    glad = score.compound >= GLAD_COMPOUND and score.score < GLAD_MAX_ANGER
    phrase = None if glad else judged_findings.threat_to_leave
    unhappy = score.score >= UNHAPPY_MIN_ANGER or score.compound <= -UNHAPPY_MIN_ANGER
    if phrase is None and unhappy:
        phrase = judged_findings.account_closure
    if phrase is None and BARE_DONE.match(_scanned(judged)) is not None:
        phrase = _done_after_grievance(conversation, customers, detector)
    if phrase is not None:
        found["threat_to_leave"] = f'the customer threatens to leave or go public: "{phrase}"'
    phrase = None if glad else judged_findings.contact_center_failure
    if phrase is not None:
        found["contact_center_failure"] = (
            f'the customer says our contact centre did not answer or call back: "{phrase}"'
        )

    # A conversation the bot cannot resolve.
    fallbacks = _fallbacks_in_a_row(conversation, customers)
    if fallbacks >= settings.max_fallbacks:
        found["repeated_fallback"] = f"the bot did not understand {fallbacks} messages in a row"
    phrase = judged_findings.bot_did_not_help
    if phrase is not None:
        found["bot_did_not_help"] = f'the customer says the bot did not help: "{phrase}"'
    # One reason however the repeat shows: counted by intent and by wording
    # (a message matching both counts once), made instead of answering the
    # bot's question, or said by the customer ("third time asking").
    repeat = _repeats(conversation, customers)
    said = judged_findings.repeated_asking
    parts = []
    if repeat.count >= settings.max_repeats or (
        repeat.count >= 2 and len(repeat.ignored) >= settings.max_ignored_questions
    ):
        part = f"the customer made the same request ({repeat.by}) {repeat.count} times"
        if repeat.ignored:
            part += ", instead of answering " + ", ".join(sorted(set(repeat.ignored)))
        parts.append(part)
    if said is not None:
        parts.append(f'the customer says they asked before: "{said}"')
    if parts:
        found["repeated_request"] = "; ".join(parts)
    failures = _form_failures(conversation)
    if failures >= settings.max_form_failures:
        found["form_failures"] = f"the form rejected the customer's answers {failures} times"

    # Sensitive matters stay sensitive for the whole conversation: a bereavement
    # mentioned two messages ago still needs a person. The latest mention is
    # quoted. Earlier messages' findings are remembered (_findings), so this
    # costs a lookup per message, not a scan.
    missing = set(range(len(SENSITIVE_MATTERS)))
    for index in reversed(customers):
        sensitive = _findings(_scanned(conversation[index])).sensitive
        for matter in sorted(missing):
            phrase = sensitive[matter]
            if phrase is not None:
                code, _, label = SENSITIVE_MATTERS[matter]
                found[code] = f'{label}: "{phrase}"'
                missing.discard(matter)
        if not missing:
            break

    reasons = sorted(found, key=lambda r: (REASON_PRIORITY[r], REASON_ORDER[r]))
    return Decision(
        escalate=bool(reasons),
        reasons=reasons,
        priority=min((REASON_PRIORITY[r] for r in reasons), default=None),
        anger=max(score.score, model_anger),
        explanation={r: found[r] for r in reasons},
        anger_detail=score,
    )


def _done_after_grievance(
    conversation: Sequence[Turn], customers: Sequence[int], detector: AngerDetector
) -> str | None:
    """A bare "I'm done." right after a message that complained, quoted; else None.

    Alone it may be the end of a form ("done!"); after "Third missed
    delivery." it is the customer giving up on us.
    """
    for index in customers[-1 - DONE_LOOKBACK : -1]:
        earlier = detector.anger(_scanned(conversation[index]))
        if earlier.score >= DONE_MIN_EARLIER_ANGER:
            return f"{_scanned(conversation[customers[-1]]).strip()} (after: {earlier.describe()})"
    return None


def _trusted(turn: Turn, settings: EscalationSettings) -> bool:
    return turn.confidence is None or turn.confidence >= settings.min_intent_confidence


def _anger_trend(
    conversation: Sequence[Turn],
    customers: Sequence[int],
    judged: AngerScore,
    detector: AngerDetector,
    settings: EscalationSettings,
) -> str | None:
    n = settings.anger_trend_turns
    if n < 2 or len(customers) < n:
        return None
    # Remembered by the detector: each earlier message was scored when it was judged.
    scores = [
        detector.anger(_scanned(t), t.intent if _trusted(t, settings) else None).score
        for t in (conversation[i] for i in customers[-n:-1])
    ] + [judged.score]
    shown = " -> ".join(f"{s:.2f}" for s in scores)
    floor = settings.anger_trend_threshold
    # Sustained: on average irritated, and not calmed down in the judged
    # message. An average, so that one slightly calmer message in a row of
    # irritated ones does not reset the trend.
    mean = sum(scores) / n
    if mean >= floor and scores[-1] >= floor / 2:
        return f"anger averaged {mean:.2f} (>= {floor:.2f}) over the last {n} messages ({shown})"
    rising = all(b > a for a, b in itertools.pairwise(scores))
    if rising and scores[-1] >= floor and scores[-1] - scores[0] >= settings.anger_trend_rise:
        return f"anger rose over the last {n} messages ({shown})"
    return None


def _irritation_after_chasing(
    conversation: Sequence[Turn],
    customers: Sequence[int],
    judged: AngerScore,
    detector: AngerDetector,
    settings: EscalationSettings,
) -> str | None:
    """Irritation said outright after the customer chased the same matter.

    "Still nothing", then "this is really starting to annoy me": each alone
    is mild, and the average of a calm start stays low, but a customer who
    chased and now says they are annoyed is past the bot. Not when the
    irritation is played down ("a bit annoying"), laughed off or outweighed
    by a positive tone.
    """
    said = next((s for s in judged.signals if s.name in ("anger_words", "irritation_words")), None)
    if said is None:
        return None
    if any(s.weight < 0 for s in judged.signals):
        return None
    text = _normalise(conversation[customers[-1]].text[:MAX_SCANNED_CHARS])
    if PLAYED_DOWN.search(text) is not None:
        return None
    for index in reversed(customers[-settings.anger_trend_turns - 1 : -1]):
        turn = conversation[index]
        earlier = detector.anger(_scanned(turn), turn.intent if _trusted(turn, settings) else None)
        chased = next((s for s in earlier.signals if s.name == "repeat_contact"), None)
        if chased is not None:
            return f'irritation after chasing: "{chased.evidence}" earlier, now "{said.evidence}"'
    return None


def _replies(conversation: Sequence[Turn], customers: Sequence[int], k: int) -> list[str]:
    """Names of the bot's turns answering the k-th customer turn."""
    end = customers[k + 1] if k + 1 < len(customers) else len(conversation)
    return [t.action or "" for t in conversation[customers[k] + 1 : end]]


def _fallbacks_in_a_row(conversation: Sequence[Turn], customers: Sequence[int]) -> int:
    """Customer messages, ending with the judged one, that the bot did not understand."""
    count = 0
    for k in range(len(customers) - 1, -1, -1):
        turn = conversation[customers[k]]
        replies = _replies(conversation, customers, k)
        if turn.intent == FALLBACK_INTENT or any(r in FALLBACK_ACTIONS for r in replies):
            count += 1
        else:
            break
    return count


def _is_request(intent: str | None) -> bool:
    return intent is not None and (
        intent in REQUEST_INTENTS or intent.startswith(REQUEST_INTENT_PREFIXES)
    )


@dataclass(frozen=True)
class _Repeat:
    """How often the judged request was made, and how."""

    # Times made, the judged message included (1: not repeated).
    count: int = 1
    # What identified the repeats: the intent, or "wording".
    by: str = ""
    # The bot's questions the customer answered with the same request again.
    ignored: tuple[str, ...] = ()


def _repeats(conversation: Sequence[Turn], customers: Sequence[int]) -> _Repeat:
    """How many times the judged request has been made, the judged message included.

    Two messages make the same request when their intent does (and their
    entities do not conflict), or when their wording does (:func:`_same_wording`):
    the NLU may label the same question differently each time. A message that
    is both counts once. A repeat that follows a question of the bot and gives
    nothing new (no entity, no order number or e-mail, no "yes"/"no") ignored
    that question.
    """
    judged_index = customers[-1]
    judged = conversation[judged_index]
    if TYPO_CORRECTION.match(_scanned(judged)) is not None:
        # "*cancel" after "cancle order 31928475" fixes a typo: it makes no
        # request of its own, so it repeats none.
        return _Repeat()
    by_intent = _same_intent(conversation, customers)
    by_wording = _same_wording(conversation, customers)
    earlier = by_intent | by_wording
    if not earlier:
        return _Repeat()
    chain = [*sorted(earlier), judged_index]
    if by_intent and judged.intent:
        by = judged.intent + (" and wording" if by_wording - by_intent else "")
    else:
        by = "wording"
    ignored = []
    given = _given(conversation[chain[0]])
    for index in chain[1:]:
        turn = conversation[index]
        question = _question_before(conversation, index)
        new = _given(turn) - given
        if question is not None and not new and not _wording(_scanned(turn)).answer:
            ignored.append(question)
        given |= new
    return _Repeat(count=len(chain), by=by, ignored=tuple(ignored))


def _same_intent(conversation: Sequence[Turn], customers: Sequence[int]) -> set[int]:
    """Earlier customer turns with the judged request's intent and no conflicting entity.

    Entities given in answers to a form ("inform") belong to the request that
    started it. Asking about three different orders is three requests, each
    made once: the customer made progress.
    """
    judged = conversation[customers[-1]]
    if not _is_request(judged.intent):
        return set()
    requests: list[tuple[int, str, dict[str, str]]] = []
    for index in customers:
        turn = conversation[index]
        if _is_request(turn.intent):
            requests.append((index, turn.intent or "", dict(turn.entities)))
        elif turn.intent == "inform" and requests:
            for key, value in turn.entities.items():
                requests[-1][2].setdefault(key, value)
    _, intent, merged = requests[-1]
    merged = dict(merged)
    same = set()
    for index, other_intent, entities in reversed(requests[:-1]):
        if other_intent != intent:
            continue
        if any(merged.get(k, v) != v for k, v in entities.items()):
            continue
        merged.update(entities)
        same.add(index)
    return same


def _same_wording(conversation: Sequence[Turn], customers: Sequence[int]) -> set[int]:
    """Earlier customer turns that say what the judged one says (see REPEAT_MIN_OVERLAP)."""
    judged = conversation[customers[-1]]
    if judged.intent in NOT_REQUESTS:
        return set()
    mine = _wording(_scanned(judged))
    if len(mine.words) < REPEAT_MIN_SHARED_WORDS:
        return set()
    mine_ids = mine.ids | frozenset(judged.entities.values())
    same = set()
    for index in customers[:-1]:
        turn = conversation[index]
        if turn.intent in NOT_REQUESTS:
            continue
        theirs = _wording(_scanned(turn))
        shared = len(mine.words & theirs.words)
        if shared < REPEAT_MIN_SHARED_WORDS:
            continue
        if shared / min(len(mine.words), len(theirs.words)) < REPEAT_MIN_OVERLAP:
            continue
        # "And another order", "a different one": a new request in the same words.
        if (mine.words - theirs.words) & NOVELTY_WORDS:
            continue
        # About two different orders: two requests.
        their_ids = theirs.ids | frozenset(turn.entities.values())
        if mine_ids and their_ids and not mine_ids & their_ids:
            continue
        same.add(index)
    return same


def _given(turn: Turn) -> frozenset[str]:
    """What a message gives a form: its entities, order numbers and e-mails."""
    return _wording(_scanned(turn)).ids | frozenset(f"{k}={v}" for k, v in turn.entities.items())


def _question_before(conversation: Sequence[Turn], index: int) -> str | None:
    """The bot's question the customer turn at ``index`` answers, if it answers one."""
    for turn in reversed(conversation[:index]):
        if turn.role != "bot":
            return None
        if _is_question(turn):
            return turn.action or "a question"
    return None


def _is_question(turn: Turn) -> bool:
    action = turn.action or ""
    if (
        action in FALLBACK_ACTIONS
        or action in OPEN_QUESTIONS
        or action in TASK_END_RESPONSES
        or action.startswith(TASK_END_PREFIXES)
    ):
        return False
    if action.startswith(QUESTION_PREFIXES) or action in FORM_FAILURE_RESPONSES:
        return True
    return turn.text.rstrip().endswith("?")


def _form_failures(conversation: Sequence[Turn]) -> int:
    """Answers rejected by forms since the last task came to an end."""
    count = 0
    for turn in reversed(conversation):
        if turn.role != "bot" or not turn.action:
            continue
        if turn.action in TASK_END_RESPONSES or turn.action.startswith(TASK_END_PREFIXES):
            break
        if turn.action in FORM_FAILURE_RESPONSES:
            count += 1
    return count

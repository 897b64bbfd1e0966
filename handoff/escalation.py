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
       payment_dispute    chargebacks and disputed charges (see below)
    3  explicit_request   the customer asks for a person
       anger              anger score >= anger_threshold
       anger_trend        anger sustained or rising over the last few messages
       repeated_fallback  the bot failed to understand several messages in a row
       bot_did_not_help   the customer says the bot's answer did not help
       repeated_request   the same request made again and again
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
describe the problem, not the customer's mood) with signals VADER does not
see: anger words, profanity (including "f***", "sh1t", "wtf"), shouting,
runs of "!!"/"??", angry emoji, the ``complain`` intent and repeat-contact
cues ("third time", "how many times"). Shouting and "!!!" only count when the
message is not positive ("OMG I LOVE IT!!!"), and a friendly tone (🙈, 😂,
"lol") damps the rest, so casual swearing does not escalate. The weights are
priors chosen from what each signal means, not fitted to a data set; the
thresholds are configuration.

Customer text is untrusted, and ``decide`` runs inside the Rasa server's
policy ensemble, on its event loop: its cost must stay small whatever is
sent. So every pattern here runs in time linear in the text (no
``(?=.*x).*y``, no nested or adjacent unbounded quantifiers; a "requires"
condition is a second search, not a lookahead), VADER gets the same scores
in linear time (:class:`_LinearVader`), each message is read up to
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
from typing import Any, Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# --- settings ------------------------------------------------------------------

DEFAULT_ANGER_THRESHOLD = 0.5
DEFAULT_STRONG_ANGER_THRESHOLD = 0.85
DEFAULT_ANGER_TREND_TURNS = 3
DEFAULT_ANGER_TREND_THRESHOLD = 0.35
DEFAULT_ANGER_TREND_RISE = 0.3
DEFAULT_MAX_FALLBACKS = 2
DEFAULT_MAX_REPEATS = 3
DEFAULT_MAX_FORM_FAILURES = 3
DEFAULT_MIN_INTENT_CONFIDENCE = 0.5
DEFAULT_SHOUT_MIN_LETTERS = 10

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
    # Below this NLU confidence, request_human and complain are not trusted
    # (HANDOFF_MIN_INTENT_CONFIDENCE); the wording can still show the request.
    min_intent_confidence: float = DEFAULT_MIN_INTENT_CONFIDENCE
    # Messages with fewer letters are too short to call shouting ("OK", "NO")
    # (HANDOFF_SHOUT_MIN_LETTERS).
    shout_min_letters: int = DEFAULT_SHOUT_MIN_LETTERS

    def __post_init__(self) -> None:
        for name in (
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
            min_intent_confidence=number(
                "HANDOFF_MIN_INTENT_CONFIDENCE", DEFAULT_MIN_INTENT_CONFIDENCE
            ),
            shout_min_letters=integer("HANDOFF_SHOUT_MIN_LETTERS", DEFAULT_SHOUT_MIN_LETTERS),
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

ANGER_WORDS = re.compile(
    r"\b(furious|fuming|livid|outraged|outrageous|enraged|infuriat\w*|angry|pissed|"
    r"ridiculous|unacceptable|disgrace\w*|disgust\w*|appall\w*|pathetic|useless|"
    # "Joke" only as a verdict: "you're a joke", not "tell me a joke".
    r"incompeten\w*|(is|are|'s|'re|what) (a |an )?(\w+ )?joke|clowns|idiots?|morons?|"
    r"shambles|rip[- ]?off|liars?|lied|crooks?|cheats?|criminals?|daylight robbery|"
    r"atrocious|abysmal|horrendous|inexcusable|despicable|shocking|clueless|insulting|"
    r"nonsense|thieves|robbed|cowboys|con artists|hate (you|this|your)|"
    r"worst|scam|sick (of|and tired)|fed up|had enough|enough is enough|had it with|"
    r"you lot|(no ?one|nobody) (has|had) (a|any) clue|(beyond|past) a joke|last straw|"
    r"(losing|lost|running out of|out of) (my |all )?patience|patience is (wearing|running)|"
    r"raging|seething|(beyond|so|really|very) (angry|mad|cross)|"
    r"you('ve| have)? ruined|ruined my|taking the piss|having a laugh|"
    r"thanks for nothing|waste of (my )?(time|money)|you people|shame on you|"
    r"are you (kidding|serious|joking)|never (again|ordering|shopping|buying)|"
    r"sort (it|this) out|get your act together|do your job|(i'm|i am) done with (you|this|"
    r"your)|"
    # A curse as the verdict on the company or the service ("this is
    # bullshit") is hostile; a curse as an exclamation ("shit, wrong number") is not.
    r"(this|that|it|you|your \w+)( is|'s| are|'re| was) (such |absolute |complete |total |"
    r"utter )?(bullshit|bs|shit|crap|garbage|trash|rubbish))\b",
    re.IGNORECASE,
)
IRRITATION_WORDS = re.compile(
    r"\b(annoy(ed|ing)|frustrat(ed|ing)|irritat(ed|ing)|exasperat\w*|fed-up)\b",
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
ANNOYED_EMOJI = frozenset("😤🙄😒")
FRIENDLY_EMOJI = frozenset("🙈😂🤣😅🙏😊🙂😄😁😆😉😍🥰😀☺🤗💕❤♥👍😘🥲")
FRIENDLY_WORDS = re.compile(
    r"(\b(lol|lmao|rofl|haha\w*|hehe\w*|no worries|no rush|all good|no big deal|"
    r"not a big deal|no biggie|my bad|fair enough|cheers)\b|(?<!\w)[:;]-?[)D](?!\w))",
    re.IGNORECASE,
)
# Praise said through gritted teeth: the positive words in such a message
# must not cancel its anger.
SARCASM = re.compile(
    r"\b(oh|yeah),? (great|brilliant|wonderful|perfect|fantastic|lovely|"
    r"marvellous|marvelous|amazing)\b|\bthanks for nothing\b|\byeah,? right\b",
    re.IGNORECASE,
)
SARCASTIC_EMOJI = "🙄😒"
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


# Of the words around a sentiment word, VADER's negation and idiom checks read
# at most three before it and two after it.
VADER_WORDS_BEFORE = 3
VADER_WORDS_AFTER = 2


class _LinearVader(SentimentIntensityAnalyzer):
    """VADER 3.3.2 with the same scores, in time linear in the message's length.

    For every sentiment word, VADER's ``_negation_check`` and
    ``_special_idioms_check`` lowercase the whole message to read the few
    words around it: quadratic (a 4,096-character message of emoji and words
    took 0.7 s, 10,000 characters 3.7 s). These overrides hand VADER's own
    code only those words, so the result cannot differ;
    ``tests/handoff/test_escalation_equivalence.py`` compares the two on
    generated text. Why not another library: VADER's lexicon and rules are
    what the anger weights were chosen against. Its ``_but_check`` is still
    quadratic in the number of words after a "but", but in C (``list.index``)
    and on at most MAX_SCANNED_CHARS characters.
    """

    @staticmethod
    def _negation_check(
        valence: float, words_and_emoticons: list[str], start_i: int, i: int
    ) -> Any:
        low = max(0, i - VADER_WORDS_BEFORE)
        window = words_and_emoticons[low : i + VADER_WORDS_AFTER + 1]
        return SentimentIntensityAnalyzer._negation_check(valence, window, start_i, i - low)

    @staticmethod
    def _special_idioms_check(valence: float, words_and_emoticons: list[str], i: int) -> Any:
        # VADER's own length checks ("is there a word after i?") give the same
        # answers on the window, which keeps the two words after i.
        low = max(0, i - VADER_WORDS_BEFORE)
        window = words_and_emoticons[low : i + VADER_WORDS_AFTER + 1]
        return SentimentIntensityAnalyzer._special_idioms_check(valence, window, i - low)


class AngerDetector:
    """Scores the anger of a customer message from 0 (none) to 1 (furious).

    Create one and reuse it: VADER's lexicon is read from disk when the
    detector is created, never at import. It reads at most MAX_SCANNED_CHARS
    characters of a message, and remembers the scores of the last
    TURN_CACHE_SIZE messages: the anger trend asks again about earlier ones.
    """

    def __init__(self, shout_min_letters: int = DEFAULT_SHOUT_MIN_LETTERS) -> None:
        self.shout_min_letters = shout_min_letters
        self._vader = _LinearVader()
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
        compound = float(self._vader.polarity_scores(text)["compound"]) if text else 0.0
        text = _normalise(text)
        signals: list[AngerSignal] = []
        sarcastic = _sarcastic(text)
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
            weight = min(
                W_ANGER_WORDS_MAX, W_ANGER_WORD + W_ANGER_WORD_EXTRA * (len(anger_words) - 1)
            )
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
                if shouting is not None and shouting.name == "shouting" and exclaimed:
                    add(
                        AngerSignal("raised_voice", W_RAISED_VOICE, "capitals with " + exclaimed[0])
                    )

        angry = [c for c in text if c in ANGRY_EMOJI]
        annoyed = [c for c in text if c in ANNOYED_EMOJI]
        if angry:
            add(AngerSignal("angry_emoji", W_ANGRY_EMOJI, "".join(angry)))
        elif annoyed:
            add(AngerSignal("angry_emoji", W_ANNOYED_EMOJI, "".join(annoyed)))

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
        friendly = [c for c in text if c in FRIENDLY_EMOJI]
        friendly += _excerpts(FRIENDLY_WORDS.finditer(text))
        # An angry emoji says the smiley is not friendly.
        if score > 0 and friendly and not angry:
            add(AngerSignal("friendly_tone", score * FRIENDLY_FACTOR - score, ", ".join(friendly)))
            score *= FRIENDLY_FACTOR

        return AngerScore(
            score=round(max(0.0, score), 4), signals=tuple(signals), compound=compound
        )

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
    r"(?<!am i )(?<!is this )(?<!is it )(?<!are you )(?<!was i )"
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
)
FRAUD = _phrases(
    r"\bsomeone (else )?('s |has |have |had |is |was )?(been )?(used|using|got into|getting "
    r"into|accessed|accessing|hacked|logged into|logged in to|logging into|changed|stole|"
    r"took over|ordered with|bought with)\b",
    r"\bsomeone('s| is| has been| was) (in|into|inside) my (account|card)\b",
    OnALineWith(
        r"\b(it )?(wasn't|was not|weren't|were not) (me|us)\b",
        requires=r"\b(changed|ordered|charged|logged|payment|order|password|account|purchase|"
        r"email)\b",
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
) + _phrases(
    r"\b(didn'?t|did not|never) (place|make|authori[sz]e) (this|that|these|those|the|an?|any)"
    r" (order|purchase|payment|transaction|charge)s?\b",
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
    r"grandmother|grandfather|grandma|grandpa|granny|nan|aunt|uncle|cousin|friend|child|"
    r"baby|fianc[ée]e?|parents?)"
)
BEREAVEMENT = _phrases(
    r"\bpass(ed|ing) away\b",
    r"\b(deceased|funeral|bereave(d|ment)|condolences|probate|executor|executrix)\b",
    r"\b(my|our) late " + KIN + r"\b",
    r"\b(my|our|his|her) " + KIN + r"('s)? (has |had |just |recently |sadly |suddenly )*"
    # "Passed" alone only where it ends the phrase: "my dad passed his test" is news.
    r"(died|passed away|passed(?=\s*([.,!?;]|$|(last|recently|yesterday|this)\b))|is dead|"
    r"was killed)",
    r"\b(death|passing) of (my|our|his|her)\b",
    r"\b(my|our) " + KIN + r"\b[^.]{0,60}\b(died|has passed|passed away|passed(?=\s*([.,!?;]|$|"
    r"and\b)))",
    r"\b(he|she|they) (has |had |just |recently |sadly |suddenly )*(died|passed away)\b",
    r"\blost (my|our) " + KIN + r"\b(?!'s)",
    r"\bestate of\b",
    negatable=False,
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
    "repeated_fallback": 3,
    "bot_did_not_help": 3,
    "repeated_request": 3,
    "form_failures": 3,
    "bereavement": 3,
}
REASON_ORDER = {reason: i for i, reason in enumerate(REASON_PRIORITY)}
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
    )


def _scanned(turn: Turn) -> str:
    """The part of a message the rules read."""
    return turn.text[:MAX_SCANNED_CHARS]


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
    if score.score >= settings.strong_anger_threshold:
        found["strong_anger"] = (
            f"strong anger {score.score:.2f} (>= {settings.strong_anger_threshold:.2f}): "
            + score.describe()
        )
    elif score.score >= settings.anger_threshold:
        found["anger"] = (
            f"anger {score.score:.2f} (>= {settings.anger_threshold:.2f}): " + score.describe()
        )
    trend = _anger_trend(conversation, customers, score, detector, settings)
    if trend is not None:
        found["anger_trend"] = trend

    # A conversation the bot cannot resolve.
    fallbacks = _fallbacks_in_a_row(conversation, customers)
    if fallbacks >= settings.max_fallbacks:
        found["repeated_fallback"] = f"the bot did not understand {fallbacks} messages in a row"
    phrase = judged_findings.bot_did_not_help
    if phrase is not None:
        found["bot_did_not_help"] = f'the customer says the bot did not help: "{phrase}"'
    repeats = _repeats(conversation, customers)
    if repeats >= settings.max_repeats:
        found["repeated_request"] = (
            f"the customer made the same request ({judged.intent}) {repeats} times"
        )
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
        anger=score.score,
        explanation={r: found[r] for r in reasons},
        anger_detail=score,
    )


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


def _repeats(conversation: Sequence[Turn], customers: Sequence[int]) -> int:
    """How many times the judged request has been made, the judged message included.

    Requests are the same when their intent is and their entities do not
    conflict; entities given in answers to a form ("inform") belong to the
    request that started it. Asking about three different orders is three
    requests, each made once: the customer made progress.
    """
    judged = conversation[customers[-1]]
    if not _is_request(judged.intent):
        return 0
    requests: list[tuple[str, dict[str, str]]] = []
    for index in customers:
        turn = conversation[index]
        if _is_request(turn.intent):
            requests.append((turn.intent or "", dict(turn.entities)))
        elif turn.intent == "inform" and requests:
            for key, value in turn.entities.items():
                requests[-1][1].setdefault(key, value)
    intent, merged = requests[-1]
    merged = dict(merged)
    count = 1
    for other_intent, entities in reversed(requests[:-1]):
        if other_intent != intent:
            continue
        if any(merged.get(k, v) != v for k, v in entities.items()):
            continue
        merged.update(entities)
        count += 1
    return count


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

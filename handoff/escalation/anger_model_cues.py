"""The learned anger model's dense cue features (:mod:`.anger_model`).

A few features meant to carry over to vocabularies the training set never
saw (:data:`CUE_NAMES`): VADER's compound, negative and positive scores, the
share of capitals, runs of "!!" and "??", angry and annoyed emoji, and small
lists of cues for anger words, threats to leave, contact-centre complaints,
repeated asking, sarcasm, profanity, friendliness and self-blame. They run
on text already prepared by :func:`.anger_model.prepare`, in time linear in
its length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from handoff.escalation.vader import LinearVader

# --- VADER, in linear time ---------------------------------------------------------

@lru_cache(maxsize=1)
def _vader() -> LinearVader:
    """One shared analyzer, created on first use: reading its lexicon takes a while."""
    return LinearVader()


# --- dense cues -----------------------------------------------------------------------

# Each cue list is a plain alternation of words and short phrases: linear,
# and readable by the people who maintain the training data. They are written
# in lower case and run on the lowercased text (re.IGNORECASE made them seven
# times slower). They are features, not rules: the regression decides how
# much each is worth, next to the words around it ("close my account, I'm
# moving abroad" is calm).
ANGER_CUES = re.compile(
    r"\b(unacceptable|not (good enough|acceptable|ok|okay|happy)|ridiculous|absurd|"
    r"disgrace\w*|disgust\w*|appall\w*|shameful|shocking|pathetic|useless|incompeten\w*|"
    r"joke|clowns|worst|scam\w*|rip[- ]?off|thie(f|ves)|theft|crooks?|liars?|lying|"
    r"fed up|sick (of|and tired|to death)|had enough|enough is enough|furious|fuming|livid|"
    r"outrage\w*|angry|pissed|mad at|shambles|inexcusable|unforgivable|insult\w*|"
    r"rubbish|garbage|trash|nightmare|unbelievable|terrible|awful|horrible|horrendous|"
    r"abysmal|atrocious|embarrassing|unfair|nerve|how dare|you people|you lot|"
    r"waste of|wasted|ruined|let down|taken for granted|patience|are you (kidding|serious)|"
    r"seriously|what is wrong with you|do you even care|don'?t care|doesn'?t care)\b",
)
LEAVE_CUES = re.compile(
    r"\b(never (again|ordering|order|shopping|shop|buying|buy|using|coming back|trust)|"
    r"last (time|order|chance)|(close|cancel|delete|closing|cancelling|canceling|deleting) "
    r"(my|the whole) (account|membership|subscription|order)|elsewhere|competitors?|"
    r"lost a (loyal )?customer|lost me|trading standards|ombudsman|regulator|bbb|"
    r"small claims|chargeback|charge back|lawyer|solicitor|court|newspaper|"
    r"(1|one)[- ]star|boycott|avoid|warning to|tell (everyone|everybody|my)|followers|"
    r"(done|finished) with|goodbye|bye|taking (my|our) (business|money)|switching to|"
    r"report(ing)? (you|this|it)|taking (it|this) further|consumer rights)\b",
)
CONTACT_CUES = re.compile(
    r"\b(on hold|hold music|(no ?one|nobody|no1|noone|no body) (ever |actually |has |even )?"
    r"(answers?|answered|repl(y|ies|ied)|respond(s|ed)?|calls?|called|picks?|picked|got|"
    r"gets|contact(s|ed)|helps?|cares?|bothered|reads?|knows)|no (reply|replies|response|"
    r"answer|acknowledge?ment|callback|call back|record)|not (a single|one|even an?) "
    r"(reply|response|email|answer|call)|never (called|rang|replied|responded|got back|came|"
    r"heard)|call ?backs?|hung up|hangs up|cut off|went dead|rings out|(still )?waiting "
    r"(for|on) (a |an |the |your |my )?(reply|response|answer|call|callback|refund|money)|"
    r"ignor(e|es|ed|ing)|unanswered|copy[- ]?paste|chat ?bot|bot|transferred|"
    r"call volumes?|queue|get through|speak to (a|an) (real|actual) (person|human)|"
    r"template|automated|silence)\b",
)
REPEAT_CUES = re.compile(
    r"\b((second|third|fourth|fifth|sixth|seventh|umpteenth|\d+(st|nd|rd|th)) "
    r"(\w+ )?(time|message|email|e-mail|week|call|attempt|delivery|request|complaint|date)|"
    r"how many (more )?times|again and again|over and over|every (single )?time|"
    r"(already|keep|kept) (told|asked|sent|said|explained|asking|telling|chasing|"
    r"explaining|saying|repeating|being asked)|yet again|for the last time|"
    r"repeat(ing)? myself|twice|(three|four|five|six|\d+) times|in a row)\b",
)
# Praise for what went wrong: a praise word, then on the same line a word for
# the trouble. Two searches (PRAISE, then TROUBLE from where it ended), not one
# pattern "praise.*trouble", which would read the rest of the line again from
# every praise word.
PRAISE = re.compile(
    r"\b(great|brilliant|amazing|fantastic|wonderful|lovely|perfect|impressive|"
    r"outstanding|excellent|superb|genius|bravo|well done|nice (one|job|work|to know)|"
    r"good job|thanks|thank you|cheers|love|loving|appreciate|so glad|so helpful|yay|wow|"
    r"oh good|oh sure|oh look|world class|top service|10/10|5 stars|gold medal)\b",
)
TROUBLE = re.compile(
    r"\b(again|lost|losing|never|still|late|broken|wrong|missing|nothing|no (update|reply|"
    r"answer|explanation)|zero|another|delay(ed)?|cancell?(ed|ing)|hung up|on hold|"
    r"rejected|refused|ruin(ed|ing)|waiting|weeks?|months?|bin|pieces|it wasn'?t|"
    r"not|nobody|no one)\b",
)
# Praise that, closing a message about trouble, is a verdict: "Well done.",
# "Fantastic." (not "thanks": a polite report ends with it too), looked for in
# the last CLOSING_PRAISE_CHARS characters.
CLOSING_PRAISE = re.compile(
    r"\b(great (work|job|stuff|service)|well done|fantastic|amazing|brilliant|lovely|"
    r"perfect|bravo|nice (one|work|job)|classic|impressive|10/10|thanks a (lot|bunch|million)|"
    r"good job|outstanding|superb|wonderful|genius|top (work|service)|stellar)\b"
)
CLOSING_PRAISE_CHARS = 40
GENUINE = re.compile(
    r"\b(but|though|although|luckily|thankfully|fortunately|anyway|in the end|finally|"
    r"actually|now)\b"
)
SARCASM_MARKERS = re.compile(
    r"\b(cool cool|what a surprise|surprise surprise|thanks for nothing|yeah right|"
    r"sure you do|oh great|oh brilliant|oh wonderful|oh joy|slow clap|/s)\b",
)
PROFANITY = re.compile(
    r"(?<!\w)(f+u+c+k\w*|f\*+\w*|fk\w*|fck\w*|fuk\w*|wtf|ffs|stfu|omfg|sh[i1!*]t\w*|"
    r"bullsh\w*|bs|crap\w*|damn\w*|dammit|goddamn\w*|bloody|hell|piss\w*|bastard\w*|"
    r"arse\w*|ass|asshole\w*|idiots?|morons?|screw (you|this|that)|get stuffed)(?!\w)",
)
FRIENDLY_CUES = re.compile(
    r"(\b(lol|lmao|rofl|haha\w*|hehe\w*|no worries|no rush|no stress|no problem|"
    r"no big deal|no hard feelings|all good|thanks|thank (you|u)|thx|ty|cheers|please|pls|"
    r"plz|appreciate\w*|lovely|xx+)\b|(?<!\w)[:;]-?[)d](?!\w))",
)
SELF_BLAME = re.compile(
    r"\b(my (own )?(fault|bad|mistake)|silly me|i forgot|forgot to|i'?m an idiot|oops|"
    r"whoops|i messed up|i typed|by accident|accidentally|facepalm|i keep forgetting|"
    r"annoyed (at|with) myself|frustrated with myself|hopeless with|why am i like this)\b",
)
ANGRY_EMOJI = frozenset("😡🤬😠👿💢🖕")
ANNOYED_EMOJI = frozenset("😤🙄😒👎")
# Ironic applause and the upside-down face, mostly; sarcasm if the rest is negative.
IRONIC_EMOJI = frozenset("👏🙃")
FRIENDLY_EMOJI = frozenset("🙈😂🤣😅🙏😊🙂😄😁😆😉😍🥰😀☺🤗💕❤♥😘🥲🎉✨🔥🐶")
PUNCTUATION_RUN = re.compile(r"[!?]{2,}")
WORD = re.compile(r"[^\W\d_]+")
# Capitals that are names, not shouting.
ACRONYMS = frozenset(
    "OK ID UK US USA TV PIN PDF ASAP FAQ SMS UPS DHL RMA PM AM EU XL XXL XS LED USB HDMI "
    "VAT PO QR NW BBQ DM PJS BBB OMG LOL TBH".split()
)
# Above this VADER compound a message is positive: capitals and "!!!" are joy.
POSITIVE_COMPOUND = 0.3
# Counts are capped so that one long rant does not dominate: three of a cue
# say as much as more.
COUNT_CAP = 3
# Capitals count as shouting only in messages with this many letters ("OK", "NO").
SHOUT_MIN_LETTERS = 8

CUE_NAMES = (
    "vader_compound",
    "vader_negative",
    "vader_positive",
    "negative_valence",
    "capitals_share",
    "shouting_not_positive",
    "exclamation_runs_not_positive",
    "question_runs_not_positive",
    "angry_emoji",
    "annoyed_emoji",
    "ironic_emoji_with_trouble",
    "friendly_emoji",
    "anger_words",
    "leave_threats",
    "contact_centre",
    "repeat_contact",
    "sarcasm",
    "profanity_not_positive",
    "friendly_words",
    "self_blame",
)


def _count(n: int) -> float:
    return min(n, COUNT_CAP) / COUNT_CAP


def _emoji(text: str, emoji: frozenset[str]) -> int:
    # One C-level scan per emoji of the set, not a Python loop per character.
    return sum(text.count(e) for e in emoji)


def _sarcasm(low: str) -> int:
    found = len(SARCASM_MARKERS.findall(low))
    for line in low.split("\n"):
        praise = PRAISE.search(line)
        if praise is not None and TROUBLE.search(line, praise.end()) is not None:
            found += 1
    # "Parcel left in a puddle. Well done.": the trouble first, then a verdict
    # of praise closing the message, with nothing ("but", "luckily") to say
    # the praise is meant. Three searches, each over the text once.
    verdict = CLOSING_PRAISE.search(low, max(0, len(low) - CLOSING_PRAISE_CHARS))
    if (
        verdict is not None
        and TROUBLE.search(low, 0, verdict.start()) is not None
        and GENUINE.search(low) is None
    ):
        found += 1
    return found


def cues(text: str) -> list[float]:
    """The dense cue features of an already prepared text, in CUE_NAMES order (about 0..1)."""
    scores = _vader().polarity_scores(text) if text.strip() else {}
    compound = float(scores.get("compound", 0.0))
    low = text.lower()
    # Most messages have no emoji at all: skip counting them.
    plain = text.isascii()
    ironic = 0 if plain else _emoji(text, IRONIC_EMOJI)
    sarcasm = _sarcasm(low) + (ironic if ironic and TROUBLE.search(low) else 0)
    # Praise for what went wrong is not positive: VADER reads "great job
    # losing my parcel" as praise. As the escalation rules do, a sarcastic
    # message keeps only its negative sentiment.
    if sarcasm:
        compound = min(compound, 0.0)
    positive = compound >= POSITIVE_COMPOUND

    words = [w for w in WORD.findall(text) if len(w) >= 2]
    letters = sum(len(w) for w in words)
    shouted = sum(len(w) for w in words if w.isupper() and w not in ACRONYMS)
    capitals = shouted / letters if letters >= SHOUT_MIN_LETTERS else 0.0

    runs = PUNCTUATION_RUN.findall(text)
    angry = 0 if plain else _emoji(text, ANGRY_EMOJI)
    annoyed = 0 if plain else _emoji(text, ANNOYED_EMOJI)
    friendly_emoji = 0 if plain else _emoji(text, FRIENDLY_EMOJI)
    return [
        compound,
        float(scores.get("neg", 0.0)),
        0.0 if sarcasm else float(scores.get("pos", 0.0)),
        max(0.0, -compound),
        capitals,
        0.0 if positive else capitals,
        0.0 if positive else _count(sum("!" in r for r in runs)),
        0.0 if positive else _count(sum("?" in r for r in runs)),
        _count(angry),
        _count(annoyed),
        _count(ironic) if sarcasm else 0.0,
        _count(friendly_emoji),
        _count(len(ANGER_CUES.findall(low))),
        _count(len(LEAVE_CUES.findall(low))),
        _count(len(CONTACT_CUES.findall(low))),
        _count(len(REPEAT_CUES.findall(low))),
        _count(sarcasm),
        0.0 if positive else _count(len(PROFANITY.findall(low))),
        _count(len(FRIENDLY_CUES.findall(low))),
        _count(len(SELF_BLAME.findall(low))),
    ]


class CueFeatures(BaseEstimator, TransformerMixin):
    """The dense cues as a scikit-learn transformer (stateless: fit learns nothing)."""

    def fit(self, texts: Sequence[str], y: Any = None) -> CueFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows = [cues(t) for t in texts]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), -1))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(CUE_NAMES, dtype=object)

"""The anger of one customer message, from 0 (none) to 1 (furious): :class:`AngerDetector`.

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

The words, idioms and emoji it looks for are in :mod:`.anger_words`; the
weights it gives each signal are here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from handoff.escalation.anger_words import (
    ACRONYMS,
    ANGER_WORDS,
    ANGRY_EMOJI,
    ANNOYED_EMOJI,
    ANY_PRAISE,
    COMPLAINT_CONTENT,
    DECISIVE_ANGER_WORDS,
    EMPHASISED_PROBLEMS,
    EYE_ROLLED_PRAISE,
    FRIENDLY_EMOJI,
    FRIENDLY_WORDS,
    GENUINE,
    HOSTILE_PROFANITY,
    INHERENT_SARCASM,
    IRONY_FOLLOWS,
    IRRITATION_WORDS,
    LAUGHING_EMOJI,
    LEXICON_OVERRIDES,
    MENTION,
    MILD_PROFANITY,
    NEUTRAL_IDIOMS,
    PRAISE,
    PRAISE_GESTURES,
    PRAISE_ONLY,
    PRAISE_OPENER,
    PRAISE_UNDONE,
    PROFANITY,
    PROMISE,
    PUNCTUATION_RUN,
    REPEAT_STRONG,
    REPEAT_WEAK,
    SARCASM,
    SARCASM_NEXT_TO_COMPLAINT,
    SARCASTIC_EMOJI,
    SCARE_QUOTED,
    SENTENCE_BREAK,
    WORDS_OUT_OF_LEXICON,
    aimed_elsewhere,
)
from handoff.escalation.domain_names import COMPLAIN_INTENT
from handoff.escalation.settings import (
    DEFAULT_SHOUT_MIN_LETTERS,
    MAX_SCANNED_CHARS,
    TURN_CACHE_SIZE,
)
from handoff.escalation.vader import LinearVader
from handoff.escalation.vocabulary import ACCENT_FOLD, WORD, _negated, _normalise

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
# Anger said without swearing. Each is, on its own, what a contact-centre lead hands
# to a person, so each reaches the threshold (0.5) with the signal it builds on.
# A verdict: "unacceptable", "not good enough", "a disgrace". With VADER's
# negative sentiment, which reads the same word, it adds up to this much.
W_DECISIVE_ANGER_WORD = 0.5
W_DECISIVE_ANGER_WORDS_MAX = 0.6
W_SHOUTED_COMPLAINT = 0.3  # on top of shouting (0.2): a complaint in capitals
W_EMPHASISED_COMPLAINT = 0.4  # on top of emphasis (0.1): "the driver SMASHED my gate"
W_EMOJI_COMPLAINT = 0.2  # on top of an angry emoji (0.3): "smashed again 😡"
W_ANNOYED_EMOJI_COMPLAINT = 0.35  # on top of an annoyed one (0.15): "came smashed 😤"
W_SARCASM = 0.5  # ironic praise of what went wrong: "great, another week"
# At or below this compound a message is a complaint without a complaint word.
COMPLAINT_COMPOUND = -0.3
# An angry emoji with at most this many words around it is the whole message
# ("😡", "my parcel 🤬"): aimed at whoever reads it.
BARE_EMOJI_WORDS = 3
# A friendly tone (🙈, 😂, "lol", "no worries") keeps this share of the score.
FRIENDLY_FACTOR = 0.6
# Upset with someone else or themselves (aimed_elsewhere): this share of the score stays.
ELSEWHERE_FACTOR = 0.3
# Above this compound the message is positive: shouting and "!!!" are joy,
# curses are emphasis ("holy shit these are amazing").
POSITIVE_COMPOUND = 0.3


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
        for word in WORDS_OUT_OF_LEXICON:
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
        # mad", "está brutal") are blanked out first, for VADER and the patterns
        # alike; accents folded, as every Spanish pattern expects.
        text = NEUTRAL_IDIOMS.sub(" ", text.translate(ACCENT_FOLD))
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

        if intent == COMPLAIN_INTENT:
            add(AngerSignal("complain_intent", W_COMPLAIN_INTENT, f"intent {COMPLAIN_INTENT}"))

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

        elsewhere = aimed_elsewhere(text) if score > 0 else None
        if elsewhere is not None:
            add(AngerSignal("aimed_elsewhere", score * ELSEWHERE_FACTOR - score, elsewhere))
            score *= ELSEWHERE_FACTOR

        return AngerScore(
            score=round(max(0.0, score), 4), signals=tuple(signals), compound=compound
        )

    def _meant(self, text: str) -> bool:
        """Whether a message with ironic-looking praise is positive without it.

        "Perfect, just perfect, thank you so much, another day and it would
        have been late" still thanks: the praise was meant. VADER reads the
        message again with the praise, the sarcastic forms, scare-quoted words,
        smiles and praise gestures (👌👏🙌) blanked out; a second pass only for
        the few messages that look sarcastic, linear like the first.
        """
        rest = text
        for pattern in (INHERENT_SARCASM, SARCASM, SARCASM_NEXT_TO_COMPLAINT, SCARE_QUOTED):
            rest = pattern.sub(" ", rest)
        rest = ANY_PRAISE.sub(" ", rest)
        rest = "".join(
            c for c in rest if c not in FRIENDLY_EMOJI | PRAISE_GESTURES or c in LAUGHING_EMOJI
        )
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


def vented_elsewhere(score: AngerScore, anger_threshold: float) -> bool:
    """Whether the message is angry (at least ``anger_threshold``), but at someone else.

    Venting about another shop's courier needs no person; a worry that
    involves someone else ("my toddler nearly swallowed a magnet") may, so
    only anger this detector damped as aimed elsewhere counts.
    """
    damped = next((s for s in score.signals if s.name == "aimed_elsewhere"), None)
    return damped is not None and score.score - damped.weight >= anger_threshold


@lru_cache(maxsize=4)
def default_detector(shout_min_letters: int = DEFAULT_SHOUT_MIN_LETTERS) -> AngerDetector:
    """A shared detector, created on first use (reading VADER's lexicon takes a while)."""
    return AngerDetector(shout_min_letters=shout_min_letters)

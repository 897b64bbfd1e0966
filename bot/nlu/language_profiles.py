"""Which language a message is written in: character n-gram profiles learnt from our own data.

A naive Bayes classifier over the character 1- to 4-grams of each word (with
the word's edges, like CountVectorsFeaturizer's ``char_wb``) and the words
themselves, trained on data/nlu/ at ``rasa train``: each example is in its
intent block's ``metadata: {language: ...}``, or in the model's default
language. Why not a detection library (lingua, langdetect, fastText's lid):
they tell 75 to 176 languages apart from general web text, while we need
two, on the short, accentless, misspelt messages customers send a shop
("sip", "grax", "donde esta mi pedido"), which is exactly what our training
data holds; and a trainer who adds a language adds its data, nothing else.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Beyond this, a message's language is already plain; the rest only costs time.
MAX_CHARS = 500
# Smoothing: a feature unseen in one language's data still has a small chance there.
ALPHA = 0.5
# Features seen fewer times in all the data are noise (a typo, an order number).
MIN_COUNT = 2
WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    """The words of ``text``: lower case, letters only (accents kept: "ñ" says a lot).

    E-mail addresses and links are left out: "gmail", "com" and "www" are
    in no language, but fill the English examples of giving an e-mail.
    """
    folded = unicodedata.normalize("NFC", text[:MAX_CHARS]).casefold()
    kept = [
        token
        for token in folded.split()
        if "@" not in token and not token.startswith(("http", "www."))
    ]
    return WORD.findall(" ".join(kept))


def features(text: str) -> Counter[str]:
    """Each word, and the character 1- to 4-grams of the word with its edges marked."""
    found: Counter[str] = Counter()
    for word in words(text):
        found["w " + word] += 1
        padded = f" {word} "
        for n in range(1, 5):
            for start in range(len(padded) - n + 1):
                gram = padded[start : start + n]
                if gram != " ":
                    found[gram] += 1
    return found


@dataclass(frozen=True)
class Guess:
    language: str
    probability: float  # of ``language``, against all the others


@dataclass
class LanguageProfiles:
    """Per language, the log probability of each feature; equal priors.

    Equal, not the data's shares: a language with less training data is not
    less likely in the next message.
    """

    log_probs: dict[str, dict[str, float]]
    unseen: dict[str, float]  # a feature known to the model but not to that language

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]]) -> LanguageProfiles:
        """From (text, language) pairs."""
        counts: dict[str, Counter[str]] = {}
        for text, language in examples:
            counts.setdefault(language, Counter()).update(features(text))
        total: Counter[str] = Counter()
        for counted in counts.values():
            total.update(counted)
        kept = {feature for feature, count in total.items() if count >= MIN_COUNT}
        log_probs: dict[str, dict[str, float]] = {}
        unseen: dict[str, float] = {}
        for language, counted in counts.items():
            mass = sum(counted[f] for f in kept) + ALPHA * len(kept)
            log_probs[language] = {
                f: math.log((counted[f] + ALPHA) / mass) for f in kept if counted[f]
            }
            unseen[language] = math.log(ALPHA / mass)
        return cls(log_probs, unseen)

    @property
    def languages(self) -> list[str]:
        return sorted(self.log_probs)

    def guess(self, text: str) -> Guess | None:
        """The likeliest language of ``text``; None when it has no word we know."""
        found = features(text)
        known = [f for f in found if any(f in probs for probs in self.log_probs.values())]
        if not known or len(self.log_probs) < 2:
            return None
        scores = {
            language: sum(found[f] * probs.get(f, self.unseen[language]) for f in known)
            for language, probs in self.log_probs.items()
        }
        best = max(scores, key=lambda language: scores[language])
        # Softmax without overflow: every score relative to the best.
        odds = sum(math.exp(score - scores[best]) for score in scores.values())
        return Guess(best, 1.0 / odds)

    def as_dict(self) -> dict[str, object]:
        return {"log_probs": self.log_probs, "unseen": self.unseen}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LanguageProfiles:
        log_probs = data["log_probs"]
        unseen = data["unseen"]
        if not isinstance(log_probs, dict) or not isinstance(unseen, dict):
            raise ValueError("not language profiles")
        return cls(
            {str(k): {str(f): float(p) for f, p in v.items()} for k, v in log_probs.items()},
            {str(k): float(v) for k, v in unseen.items()},
        )

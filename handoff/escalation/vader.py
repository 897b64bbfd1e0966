"""VADER 3.3.2 with the same scores, in time (near) linear in a message's length.

Shared by the escalation rules' anger detector (:mod:`.anger`) and the
learned anger model (:mod:`.anger_model`). Customer text is
hostile input, and stock VADER is quadratic in it: a 4,096-character message
of emoji and words took 0.7 s, 10,000 characters 3.7 s. Why not another
library: VADER's lexicon and rules are what the anger weights and the
model's cues were chosen against; these overrides keep its results exactly
(tests/handoff/escalation/test_equivalence.py compares the two on generated
text).
"""

from __future__ import annotations

import heapq
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Of the words around a sentiment word, VADER's negation and idiom checks read
# at most three before it and two after it.
VADER_WORDS_BEFORE = 3
VADER_WORDS_AFTER = 2


class LinearVader(SentimentIntensityAnalyzer):
    """VADER 3.3.2 with the same scores, in time (near) linear in the message's length.

    VADER's ``_negation_check`` and ``_special_idioms_check`` lowercase the
    whole message for every sentiment word, to read the few words around it:
    quadratic. These overrides hand VADER's own code only those words (it
    reads a word before the sentiment word only when there is one, so no
    index wraps around, and the window gives the same answers); its
    ``_but_check``, quadratic too, is rewritten below.
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
        low = max(0, i - VADER_WORDS_BEFORE)
        window = words_and_emoticons[low : i + VADER_WORDS_AFTER + 1]
        return SentimentIntensityAnalyzer._special_idioms_check(valence, window, i - low)

    @staticmethod
    def _but_check(words_and_emoticons: list[str], sentiments: list[float]) -> list[float]:
        """VADER's "but" rule, with its quirks, without its quadratic list operations.

        VADER walks the scores and, for each, rescales the *first* score
        equal to it (``list.index``): halved before the first "but", times
        1.5 after it; each lookup and ``pop``/``insert`` reads the whole
        list. Here a heap of positions per value finds that first score
        (stale positions are dropped as they surface): the same updates, in
        O(n log n).
        """
        lowered = [str(w).lower() for w in words_and_emoticons]
        if "but" not in lowered:
            return sentiments
        but = lowered.index("but")
        positions: dict[float, list[int]] = {}
        for i, value in enumerate(sentiments):
            heapq.heappush(positions.setdefault(value, []), i)
        for i in range(len(sentiments)):
            # VADER's loop reads the list as it changes it.
            value = sentiments[i]
            heap = positions[value]
            while sentiments[heap[0]] != value:
                heapq.heappop(heap)
            first = heap[0]
            if first == but:
                continue
            heapq.heappop(heap)
            sentiments[first] = value * 0.5 if first < but else value * 1.5
            heapq.heappush(positions.setdefault(sentiments[first], []), first)
        return sentiments

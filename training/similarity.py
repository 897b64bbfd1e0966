"""How alike two short messages are: near-duplicates in the data, grouping in the review.

Two texts are near-identical when, case and punctuation aside, at least
``threshold`` of their characters match in order (difflib's ratio: "where is
my ordr" and "wheres my order" score 0.9 and more; "thanks" and "no thanks"
0.8, "correct" and "incorrect" 0.88). That keeps apart the contrasting
examples the data needs ("absolutely" / "absolutely not") while catching
typos, contractions and punctuation.

Comparing every pair with difflib is quadratic and slow in pure Python, so
candidates are found first as one sparse product of TF-IDF character n-gram
vectors (scikit-learn): no pair of the real data at ratio 0.9 or more has a
cosine below 0.5, and candidates are taken from 0.3 up.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer

from training.corpus import normalise

CANDIDATE_COSINE = 0.3


def ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def similar_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, ratio) for every i < j whose texts are at least ``threshold`` alike."""
    if len(texts) < 2:
        return []
    normalised = [normalise(t) for t in texts]
    # An empty text has no n-grams; a placeholder keeps the matrix's rows aligned.
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform(
        [t or "\0" for t in normalised]
    )
    candidates = (matrix @ matrix.T).tocoo()
    pairs = []
    for i, j, cosine in zip(candidates.row, candidates.col, candidates.data, strict=True):
        if i >= j or cosine < CANDIDATE_COSINE:
            continue
        matcher = difflib.SequenceMatcher(None, normalised[i], normalised[j])
        if matcher.quick_ratio() >= threshold and (similarity := matcher.ratio()) >= threshold:
            pairs.append((int(i), int(j), similarity))
    return sorted(pairs)

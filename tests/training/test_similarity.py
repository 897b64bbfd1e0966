"""Near-identical messages are found; contrasting examples are not."""

from __future__ import annotations

from training.similarity import similar_pairs


def test_typos_contractions_and_punctuation_make_near_duplicates() -> None:
    texts = ["where is my order", "wheres my order?", "Where is my ordr!!", "cancel my order"]
    pairs = {(i, j) for i, j, _ in similar_pairs(texts, 0.9)}
    assert pairs == {(0, 1), (0, 2), (1, 2)}


def test_contrasting_examples_are_not_near_duplicates() -> None:
    texts = ["absolutely", "absolutely not", "thanks", "no thanks", "correct", "incorrect"]
    assert similar_pairs(texts, 0.9) == []


def test_emoji_are_part_of_the_message() -> None:
    assert similar_pairs(["👍", "👎"], 0.9) == []
    assert [(i, j) for i, j, _ in similar_pairs(["👍", "👍!"], 0.9)] == [(0, 1)]


def test_fewer_than_two_texts_have_no_pairs() -> None:
    assert similar_pairs([], 0.9) == [] and similar_pairs(["hi"], 0.9) == []

"""bot.channels.text: long answers split for each channel's limit, long messages cut,
buttons as numbered text."""

from __future__ import annotations

import re

import pytest

from bot.channels.text import (
    MESSENGER_LIMIT,
    SMS_LIMIT,
    TELEGRAM_LIMIT,
    cap_text,
    chosen_button,
    numbered_buttons,
    split_text,
)

BUTTONS = [
    {"title": "Track my order", "payload": "/track_order"},
    {"title": "Start a return", "payload": "/start_return"},
    {"title": "Talk to a person", "payload": "/human_handoff"},
]


def without_whitespace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_split_well(text: str, parts: list[str], limit: int) -> None:
    """Every part fits, none is blank or padded, and together they are the whole text."""
    assert parts, "a non-empty text gives at least one part"
    for part in parts:
        assert 0 < len(part) <= limit, len(part)
        assert part == part.strip()
    assert without_whitespace("".join(parts)) == without_whitespace(text)


# -- split_text --------------------------------------------------------------------


def test_text_within_the_limit_is_one_part_unchanged() -> None:
    text = "Your order 1042 has shipped.\nIt should arrive on Friday."
    assert split_text(text, SMS_LIMIT) == [text]


def test_text_exactly_at_the_limit_is_one_part() -> None:
    text = "x" * 100
    assert split_text(text, 100) == [text]


def test_surrounding_whitespace_is_trimmed() -> None:
    assert split_text("  \n Hello there. \n", 100) == ["Hello there."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_text_gives_no_parts(text: str) -> None:
    assert split_text(text, 100) == []


def test_parts_break_after_sentences() -> None:
    sentences = [f"Sentence number {i} is here." for i in range(10)]  # 27-28 chars each
    text = " ".join(sentences)
    parts = split_text(text, 60)
    assert_split_well(text, parts, 60)
    for part in parts:
        assert part.endswith("."), part
        # Whole sentences only: each part is a run of the original sentences.
        assert part in text
        assert part.startswith("Sentence number")
    assert " ".join(parts) == text


@pytest.mark.parametrize("end", ["!", "?", "…"])
def test_other_sentence_ends_are_boundaries(end: str) -> None:
    text = f"First part is here{end} Second part is here{end}"
    assert split_text(text, 25) == [f"First part is here{end}", f"Second part is here{end}"]


def test_a_sentence_exactly_at_the_limit_stays_whole() -> None:
    assert split_text("Hello you. Bye now", 10) == ["Hello you.", "Bye now"]
    assert split_text("Hello you and bye", 9) == ["Hello you", "and bye"]


def test_a_sentence_longer_than_the_limit_breaks_between_words() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve"
    parts = split_text(text, 20)
    assert_split_well(text, parts, 20)
    # No word is cut: every part is made of whole words of the text.
    assert " ".join(parts).split() == text.split()


def test_5000_characters_for_each_channel_limit() -> None:
    sentence = "Your refund for order 1042 was approved and will reach your card soon. "
    text = (sentence * 80)[:5000].strip()
    assert len(text) >= 4990
    for limit in (SMS_LIMIT, TELEGRAM_LIMIT, MESSENGER_LIMIT):
        parts = split_text(text, limit)
        assert_split_well(text, parts, limit)
        # All but the last part end a sentence, and are as full as whole sentences allow.
        assert all(part.endswith(".") for part in parts[:-1])
        assert all(len(part) > limit - len(sentence) for part in parts[:-1])


def test_order_is_preserved() -> None:
    text = " ".join(f"Step {i:03d}." for i in range(400))
    parts = split_text(text, SMS_LIMIT)
    assert len(parts) > 1
    numbers = [int(n) for n in re.findall(r"Step (\d{3})", " ".join(parts))]
    assert numbers == list(range(400))


def test_single_word_longer_than_the_limit_is_cut_inside_it() -> None:
    word = "".join(chr(ord("a") + i % 26) for i in range(5000))
    parts = split_text(word, SMS_LIMIT)
    assert [len(p) for p in parts] == [1600, 1600, 1600, 200]
    assert "".join(parts) == word


def test_huge_word_after_short_words_keeps_the_short_words_whole() -> None:
    text = "Tracking link: " + "x" * 250
    parts = split_text(text, 100)
    assert parts[0] == "Tracking link:"
    assert_split_well(text, parts, 100)
    assert "".join(parts[1:]) == "x" * 250


@pytest.mark.parametrize("limit", range(1, 40))
def test_every_limit_is_respected_exactly(limit: int) -> None:
    # Words, sentence ends and line breaks at every offset, to catch off-by-ones.
    text = (
        "I ordered 3 items. One arrived broken!\nCan I get a refund? "
        "Order numbers: 1042, 1043  and 1044… Thanks.\n\nsupercalifragilisticexpialidocious  ok"
    )
    parts = split_text(text, limit)
    assert_split_well(text, parts, limit)


def test_line_breaks_inside_a_part_are_kept() -> None:
    text = "Your options:\n- track an order\n- start a return\n- talk to a person"
    assert split_text(text, 200) == [text]


def test_line_breaks_are_boundaries_when_splitting() -> None:
    lines = [f"- line {i} without a full stop" for i in range(6)]  # 28 chars each
    text = "\n".join(lines)
    parts = split_text(text, 70)
    assert_split_well(text, parts, 70)
    assert "\n".join(parts).splitlines() == lines
    assert all("\n" in part for part in parts[:-1])  # two lines a part, the break kept


# -- numbered_buttons and chosen_button ----------------------------------------------


def test_numbered_buttons_lists_titles_in_order() -> None:
    assert numbered_buttons("What would you like to do?", BUTTONS) == (
        "What would you like to do?\n"
        "\n"
        "1. Track my order\n"
        "2. Start a return\n"
        "3. Talk to a person\n"
        "\n"
        "Reply with a number."
    )


def test_numbered_buttons_without_buttons_is_the_text() -> None:
    assert numbered_buttons("Anything else?", []) == "Anything else?"


@pytest.mark.parametrize("reply", ["2", "2.", "2)", "#2", " 2 ", "02", "2\n"])
def test_chosen_button_reads_the_number(reply: str) -> None:
    assert chosen_button(reply, BUTTONS) == BUTTONS[1]


@pytest.mark.parametrize("reply", ["1", "3"])
def test_chosen_button_first_and_last(reply: str) -> None:
    assert chosen_button(reply, BUTTONS) == BUTTONS[int(reply) - 1]


@pytest.mark.parametrize("reply", ["0", "4", "99", "-1"])
def test_chosen_button_out_of_range_is_none(reply: str) -> None:
    assert chosen_button(reply, BUTTONS) is None


@pytest.mark.parametrize(
    "reply", ["", "two", "2 please", "order 2", "1042", "2.5", "2,3", "#", "."]
)
def test_chosen_button_not_a_choice_is_none(reply: str) -> None:
    assert chosen_button(reply, BUTTONS) is None


def test_chosen_button_without_buttons_is_none() -> None:
    assert chosen_button("1", []) is None


# -- cutting a customer's message to the channel's cap ---------------------------------


def test_a_text_within_the_cap_is_kept_whole() -> None:
    assert cap_text("where is my order", 17) == ("where is my order", None)


def test_a_longer_text_is_cut_to_the_cap_and_its_length_returned() -> None:
    assert cap_text("x" * 100_000, 4096) == ("x" * 4096, 100_000)


def test_the_cap_counts_characters_not_bytes() -> None:
    text, original = cap_text("é🙂" * 10, 5)
    assert text == "é🙂é🙂é" and original == 20


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        cap_text("hi", 0)

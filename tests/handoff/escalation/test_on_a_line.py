from __future__ import annotations

from handoff.escalation.on_a_line import OnALineWith, unless_on_the_line


def test_a_plain_pattern_becomes_one_quoted_in_place_with_the_condition() -> None:
    (phrase,) = unless_on_the_line([r"\bme voy\b"], r"\bbroma\b")

    assert phrase == OnALineWith(r"\bme voy\b", unless=r"\bbroma\b", in_place=True)


def test_a_condition_of_its_own_is_kept_beside_the_new_one() -> None:
    own = OnALineWith(r"\bfraude\b", requires=r"\btarjeta\b", unless=r"\bbanco\b")

    (phrase,) = unless_on_the_line([own], r"\bya lo resolvieron\b")

    assert phrase.requires == r"\btarjeta\b"
    assert phrase.unless == r"\bbanco\b|\bya lo resolvieron\b"
    assert not phrase.in_place

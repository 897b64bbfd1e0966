"""A phrase pattern with conditions on the rest of its line.

Its own module, below the phrase lists of both languages, so that a list in
:mod:`.phrases_es` can carry its own conditions (a threat taken back in jest)
rather than have :mod:`.phrases` add them where the lists are joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class OnALineWith:
    """A phrase pattern that counts only on a line that also matches ``requires``.

    And, with ``unless``, only on a line that does not match ``unless``.
    """

    pattern: str
    requires: str | None = None
    unless: str | None = None
    in_place: bool = False


def unless_on_the_line(
    patterns: Sequence[str | OnALineWith], unless: str
) -> tuple[OnALineWith, ...]:
    """Each pattern, counted only on a line that does not also match ``unless``.

    A plain pattern keeps its own reading: each match negated where it is.
    """
    return tuple(
        OnALineWith(p, unless=unless, in_place=True)
        if isinstance(p, str)
        else replace(p, unless=unless if p.unless is None else f"{p.unless}|{unless}")
        for p in patterns
    )

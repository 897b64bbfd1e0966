"""The products a customer names, found in their words with a catalogue: :class:`Catalogue`.

The domain has no product entity, and teaching the NLU one would need a new
model and a new evaluation. The records (handoff.insights.fold) find
products the way a person skimming a transcript would: by the names the shop
sells them under. A catalogue is a YAML mapping of each product's name (what
the insights show) to the other ways customers write it::

    Wireless headphones: [headphones, earbuds, bluetooth headphones]
    Espresso machine: [coffee machine, coffee maker, machine à café]

The name itself is always one of its aliases. :data:`DEFAULT_CATALOGUE`
(``products.yml`` beside this module) is the demo shop's, the products of
the seeded orders (actions.backend.seed); ``HANDOFF_PRODUCTS_FILE``
(handoff.settings) names another, read and checked once at start-up, so a
wrong file stops the service with a :class:`CatalogueError` that names it.

How a message is matched (:meth:`Catalogue.find`):

- at most :data:`MAX_SCANNED_CHARS` characters of it are read (the same cap
  as the anger detector's: past the longest message a channel takes, more
  text only costs time);
- it is cut once into words (letters and digits), accents dropped and case
  folded, so "CAFÉ machine" is "cafe machine";
- each word is made singular by a few suffix rules (:func:`singular`),
  applied to the catalogue's aliases alike, so "headphones" finds
  "headphone" and "batteries" finds "battery";
- aliases are whole-word sequences in a trie: "cable" is not found in
  "capable", and where aliases overlap the longest wins ("coffee beans" over
  "beans"); a word is part of one match at most.

Time is linear in the (capped) text: one pass of a single character-class
pattern to cut words, then at each word a walk down the trie of at most
:data:`MAX_ALIAS_WORDS` steps. Nothing backtracks over the customer's text.

Why not a library: none of the usual phrase matchers is installed with Rasa
3.6 (no flashtext, pyahocorasick or spaCy's PhraseMatcher in the venv), and
adding one for a trie of a few hundred aliases is more weight than the
forty lines here; the accent folding and the plural rules would be ours
either way.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handoff.escalation import MAX_SCANNED_CHARS

DEFAULT_CATALOGUE = Path(__file__).with_name("products.yml")
# A catalogue bigger than these is a mistake (a data dump, not a shop's list),
# and would make every record's fold and the insights page slower.
MAX_FILE_BYTES = 1_000_000
MAX_PRODUCTS = 1000
MAX_ALIASES = 50  # per product
MAX_NAME_CHARS = 100
# An alias of more words than this is a sentence, not a product's name; it
# also bounds each step of the match.
MAX_ALIAS_WORDS = 6

# Letters and digits: one character class repeated, which the regex engine
# scans in one pass whatever the text.
WORD = re.compile(r"[^\W_]+")
# Plurals that end -es after these keep the e out ("boxes" is "box",
# "glasses" is "glass"); other words ending in s lose only the s ("shoes" is
# "shoe"), except these endings, singular already ("glass", "campus", "iris").
ES_PLURALS = ("sses", "shes", "ches", "xes", "zes")
NOT_PLURALS = ("ss", "us", "is")


class CatalogueError(ValueError):
    """A product catalogue that cannot be used; the message names the file and what is wrong."""


def fold_text(text: str) -> str:
    """``text`` without accents, in folded case: "Café" is "cafe", "STRASSE" and "Straße" alike."""
    if text.isascii():
        return text.lower()  # the same, and most messages are ASCII: skip the decomposition
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def singular(word: str) -> str:
    """The word without an English plural ending, by rule, not by dictionary.

    The same rules run on the catalogue's aliases, so what matters is that a
    singular and its plural end up alike, not that the result is a word:
    "series" becomes "sery" on both sides. Irregular plurals ("knives",
    "lenses") are left to the catalogue to list.
    """
    if len(word) <= 3:
        return word  # "bus", "gas", "yes"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(ES_PLURALS):
        return word[:-2]
    if word.endswith("s") and not word.endswith(NOT_PLURALS):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The text's first :data:`MAX_SCANNED_CHARS` characters as folded, singular words."""
    return [singular(word) for word in WORD.findall(fold_text(text[:MAX_SCANNED_CHARS]))]


@dataclass
class _Node:
    """A trie node: the next words, and the product whose alias ends here."""

    children: dict[str, _Node] = field(default_factory=dict)
    product: str | None = None


class Catalogue:
    """Products and their aliases, ready to be found in customer messages."""

    def __init__(self, products: Mapping[str, Iterable[str]], source: str = "catalogue") -> None:
        """``products``: each name and its other spellings; ``source`` names it in errors.

        Raises :class:`CatalogueError` for an alias with no word in it, of more
        than :data:`MAX_ALIAS_WORDS` words, or written the same (once folded)
        for two products.
        """
        self.source = source
        self.products: tuple[str, ...] = tuple(products)
        self._root = _Node()
        owners: dict[tuple[str, ...], str] = {}
        for name, aliases in products.items():
            for alias in (name, *aliases):
                key = tuple(words(alias))
                if not key:
                    raise CatalogueError(f"{source}: {name!r} has an alias with no word: {alias!r}")
                if len(key) > MAX_ALIAS_WORDS:
                    raise CatalogueError(
                        f"{source}: {name!r} has an alias of more than {MAX_ALIAS_WORDS} "
                        f"words: {alias!r}"
                    )
                owner = owners.setdefault(key, name)
                if owner != name:
                    raise CatalogueError(
                        f"{source}: {alias!r} is written the same as an alias of both "
                        f"{owner!r} and {name!r}; give it to one of them"
                    )
                node = self._root
                for word in key:
                    node = node.children.setdefault(word, _Node())
                node.product = name

    def __len__(self) -> int:
        return len(self.products)

    def __repr__(self) -> str:
        return f"Catalogue({self.source!r}, {len(self.products)} products)"

    def find(self, text: str) -> list[str]:
        """The products ``text`` names, in order of first mention, each once.

        Leftmost, then longest: at each word the longest alias starting
        there is taken and the words it covers are passed over.
        """
        found: dict[str, None] = {}  # an ordered set
        tokens = words(text)
        index = 0
        while index < len(tokens):
            node, matched, end = self._root, None, index
            for position in range(index, min(len(tokens), index + MAX_ALIAS_WORDS)):
                child = node.children.get(tokens[position])
                if child is None:
                    break
                node = child
                if node.product is not None:
                    matched, end = node.product, position + 1
            if matched is None:
                index += 1
            else:
                found.setdefault(matched)
                index = end
        return list(found)


def _aliases(name: object, value: object, source: str) -> list[str]:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
        raise CatalogueError(
            f"{source}: each product's name must be text of 1 to {MAX_NAME_CHARS} "
            f"characters, not {name!r}"
        )
    if value is None:
        return []  # only its name
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise CatalogueError(f"{source}: the aliases of {name!r} must be a list of text")
    if len(value) > MAX_ALIASES:
        raise CatalogueError(f"{source}: {name!r} has more than {MAX_ALIASES} aliases")
    return value


def parse_catalogue(text: str, source: str = "catalogue") -> Catalogue:
    """A catalogue from its YAML: a mapping of product names to lists of aliases."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CatalogueError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(data, dict) or not data:
        raise CatalogueError(
            f"{source}: expected a mapping of product names to lists of aliases, "
            "e.g. 'Yoga mat: [yoga mats, exercise mat]'"
        )
    if len(data) > MAX_PRODUCTS:
        raise CatalogueError(f"{source}: more than {MAX_PRODUCTS} products")
    products: dict[str, list[str]] = {}
    for name, value in data.items():
        aliases = _aliases(name, value, source)  # checks the name too
        products[name.strip()] = aliases
    return Catalogue(products, source)


@functools.lru_cache(maxsize=8)
def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue in ``path`` (the shipped one without), read once per path and kept.

    Kept because the keeper folds conversations all day: the file is read
    when the service starts (handoff.settings checks it then), not per fold.
    """
    path = path or DEFAULT_CATALOGUE
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CatalogueError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(f"{path}: cannot be read ({error})") from None
    return parse_catalogue(text, str(path))


def parse_products_file(value: str, variable: str) -> Path:
    """``HANDOFF_PRODUCTS_FILE``: a catalogue's path, loaded now so that a wrong one is a
    settings error at start-up, not a failure in the middle of folding."""
    path = Path(value.strip())
    try:
        load_catalogue(path)
    except CatalogueError as error:
        raise ValueError(f"{variable}: {error}") from None
    return path

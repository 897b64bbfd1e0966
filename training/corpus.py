"""The training data, read with the line every item is on.

Rasa's own loaders forget where an example came from; a trainer needs
``data/nlu/orders.yml:42`` to fix it. So the files are read here with
ruamel's round-trip loader, which keeps line numbers, and each example is
parsed with Rasa's own entity parser, so that the text and entities are
exactly those Rasa trains on.

An example inside a ``examples: |`` block is on the line after the ``|``
plus its index in the block: a literal block keeps every line, blank ones
included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.shared.nlu.training_data import entities_parser
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

# Rasa strips these around an example (rasa_yaml.STRIP_SYMBOLS).
STRIP_SYMBOLS = "\n\r "


@dataclass(frozen=True, order=True)
class Location:
    path: Path
    line: int  # 1-based

    def relative_to(self, root: Path) -> str:
        try:
            return f"{self.path.relative_to(root)}:{self.line}"
        except ValueError:
            return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Entity:
    name: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    intent: str  # "faq/store_hours" for a retrieval intent
    text: str  # as written, with its [annotations](entity)
    plain: str  # as the model sees it
    entities: tuple[Entity, ...]
    where: Location


# The language of an intent block without ``metadata: {language: ...}``:
# config.yml's ``language``, and bot.nlu.language's ``default_language``.
DEFAULT_LANGUAGE = "en"


@dataclass
class IntentBlock:
    """One ``- intent:`` item of an NLU file."""

    intent: str
    where: Location
    examples: list[Example] = field(default_factory=list)
    language: str = DEFAULT_LANGUAGE

    @property
    def label(self) -> str:
        """The intent, and its language when not the default one: ``greet [es]``."""
        return (
            self.intent if self.language == DEFAULT_LANGUAGE else f"{self.intent} [{self.language}]"
        )


def block_language(item: CommentedMap) -> str:
    metadata = item.get("metadata")
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return str(language) if language else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Regex:
    name: str
    pattern: str
    where: Location


@dataclass
class NluData:
    blocks: list[IntentBlock] = field(default_factory=list)
    regexes: list[Regex] = field(default_factory=list)

    @property
    def examples(self) -> list[Example]:
        return [e for block in self.blocks for e in block.examples]

    def languages(self) -> dict[str, tuple[int, set[str]]]:
        """Per language: its examples, and the intents they are of."""
        found: dict[str, tuple[int, set[str]]] = {}
        for block in self.blocks:
            count, intents = found.get(block.language, (0, set()))
            found[block.language] = (count + len(block.examples), intents | {block.intent})
        return found

    def files_holding(self, intent: str) -> list[Path]:
        """The files with examples of ``intent``, the one with the most first."""
        counts: dict[Path, int] = {}
        for block in self.blocks:
            if block.intent == intent:
                counts[block.where.path] = counts.get(block.where.path, 0) + len(block.examples)
        return sorted(counts, key=lambda p: -counts[p])


@dataclass
class Domain:
    intents: dict[str, Location] = field(default_factory=dict)
    entities: dict[str, Location] = field(default_factory=dict)
    responses: dict[str, Location] = field(default_factory=dict)
    # form -> the slots it asks for
    forms: dict[str, list[str]] = field(default_factory=dict)


def normalise(text: str) -> str:
    """What makes two messages "the same": case, punctuation and spacing ignored.

    Emoji and other symbols are kept: "👍" and "👎" are different answers.
    """
    spaced = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text.lower())
    return " ".join(spaced.split())


def round_trip(path: Path) -> Any:
    return YAML(typ="rt").load(path.read_text(encoding="utf-8"))


def parse_example(text: str) -> tuple[str, tuple[Entity, ...]]:
    """The plain text and entities of an annotated example, as Rasa parses them."""
    entities = tuple(
        Entity(str(e["entity"]), str(e["value"]), int(e["start"]), int(e["end"]))
        for e in entities_parser.find_entities_in_training_example(text)
    )
    return entities_parser.replace_entities(text), entities


def block_lines(item: CommentedMap, key: str) -> Iterator[tuple[int, str]]:
    """(1-based line, text) of each line of a multi-line value such as ``examples: |``."""
    value = item.get(key)
    if not isinstance(value, str):
        return
    line0, _ = item.lc.value(key)
    # A literal block starts on the line after its "|"; a plain scalar on its own.
    first = line0 + 2 if isinstance(value, LiteralScalarString) else line0 + 1
    for offset, line in enumerate(value.splitlines()):
        yield (first + offset if isinstance(value, LiteralScalarString) else first), line


def load_nlu(paths: Iterable[Path]) -> NluData:
    data = NluData()
    for path in paths:
        file = read_nlu(path.read_text(encoding="utf-8"), path)
        data.blocks += file.blocks
        data.regexes += file.regexes
    return data


def read_nlu(content: str, path: Path) -> NluData:
    """The NLU items of one file's ``content`` (no NLU: nothing)."""
    data = NluData()
    document = YAML(typ="rt").load(content)
    items = document.get("nlu") if isinstance(document, CommentedMap) else None
    if isinstance(items, CommentedSeq):
        for index, item in enumerate(items):
            if not isinstance(item, CommentedMap):
                continue
            where = Location(path, items.lc.item(index)[0] + 1)
            if "intent" in item:
                block = IntentBlock(str(item["intent"]), where, language=block_language(item))
                for line, raw in block_lines(item, "examples"):
                    if not raw.lstrip().startswith("-"):
                        continue  # Rasa skips such a line (and warns).
                    text = raw.lstrip()[1:].strip(STRIP_SYMBOLS)
                    plain, entities = parse_example(text)
                    block.examples.append(
                        Example(block.intent, text, plain, entities, Location(path, line))
                    )
                data.blocks.append(block)
            elif "regex" in item:
                for line, raw in block_lines(item, "examples"):
                    if raw.lstrip().startswith("-"):
                        pattern = raw.lstrip()[1:].strip(STRIP_SYMBOLS)
                        regex = Regex(str(item["regex"]), pattern, Location(path, line))
                        data.regexes.append(regex)
    return data


def domain_files(path: Path) -> list[Path]:
    """The domain: one file, or a folder of them (Rasa merges a split domain)."""
    if path.is_dir():
        return sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")])
    return [path]


def key_locations(mapping: Any, path: Path) -> dict[str, Location]:
    if not isinstance(mapping, CommentedMap):
        return {}
    return {str(k): Location(path, mapping.lc.key(k)[0] + 1) for k in mapping}


def load_domain(path: Path) -> Domain:
    domain = Domain()
    for file in domain_files(path):
        document = round_trip(file)
        if not isinstance(document, CommentedMap):
            continue
        for key, names in (("intents", domain.intents), ("entities", domain.entities)):
            items = document.get(key)
            if isinstance(items, CommentedSeq):
                for index, item in enumerate(items):
                    # "- greet" or "- greet: {use_entities: [...]}"
                    name = next(iter(item)) if isinstance(item, CommentedMap) else item
                    names[str(name)] = Location(file, items.lc.item(index)[0] + 1)
        domain.responses.update(key_locations(document.get("responses"), file))
        forms = document.get("forms")
        if isinstance(forms, CommentedMap):
            for form, spec in forms.items():
                slots = spec.get("required_slots", []) if isinstance(spec, CommentedMap) else []
                domain.forms[str(form)] = [str(s) for s in slots]
    return domain


def dialogue_actions(paths: Iterable[Path]) -> dict[str, list[Location]]:
    """Every ``action:`` named in the rules and stories, with where."""
    used: dict[str, list[Location]] = {}

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if key == "action" and isinstance(value, str):
                    used.setdefault(value, []).append(Location(path, node.lc.key(key)[0] + 1))
                else:
                    walk(value, path)
        elif isinstance(node, CommentedSeq):
            for value in node:
                walk(value, path)

    for path in paths:
        walk(round_trip(path), path)
    return used


def yaml_files(folder: Path) -> list[Path]:
    return sorted([*folder.rglob("*.yml"), *folder.rglob("*.yaml")]) if folder.is_dir() else []

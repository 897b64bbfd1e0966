"""The trainers' review inbox, read-only on the desk: the messages ``make review`` found the
bot may have got wrong, so that the Insights page's misses can link to them.

    GET /api/review?conversation=&offset=&limit=      supervisor, admin

The Insights page lists the conversations the bot got wrong, each with a
``review_id`` (plumbing.scrub.scrub_identifier of its sender id: a hash for
a phone number). With ``conversation=<review_id>`` this answers the inbox's
groups that hold messages of that conversation; without it, the whole inbox,
``limit`` groups (default :data:`DEFAULT_LIMIT`, at most :data:`MAX_LIMIT`)
from ``offset``. The page is ``/desk/review.html`` (static/review.js), opened
as ``/desk/review.html#<review_id>`` from the Insights page.

**The file** is ``HANDOFF_DESK_REVIEW_INBOX`` (handoff.desk.settings; default
``reports/review/inbox.yml``), written by ``write_inbox`` in
training/review.py (``make review``), edited by trainers, and settled by
training/apply.py (``make review-apply``). The handoff service imports
neither training nor Rasa (which training's modules load), so this reads the
file by its format, and tests/handoff/desk/test_review.py runs the writer
and reads its file here, so that the two cannot drift apart::

    # The trainers' inbox: ... (a header of comments: the period, how to label)
    items:
    - text: whats left on my voucher     # scrubbed by plumbing.scrub
      intent:                # the trainer's label; empty until decided
      discard: false         # true: the trainer threw it away
      topic: orders          # optional: a new intent's data/nlu file
      predicted: check_balance           # the model's best real intent
      confidence: 0.41       # its mean confidence over the group
      why: [fallback]        # fallback, low_confidence, rephrased, handoff
      count: 1               # the group's messages
      variants: [...]        # optional: other wordings, at most 5
      last_seen: 2026-06-01 08:00        # UTC
      conversations: ['sha256:0123456789ab', '7']   # every one, by review id

The writer is ruamel's YAML 1.2 and this reader PyYAML's 1.1: a customer's
"no" is written plain and PyYAML would read it as false. So scalars are read
as the text they are (their nodes), by YAML 1.2's core schema for what
matters: ``~``, ``null`` and nothing are null; only ``true`` is true (as
training/apply.py, on ruamel, reads ``discard:``).

**What goes wrong with the file is an answer, not an error** (``state``):
``missing`` is an empty inbox saying to run ``make review``; ``malformed``
(not that YAML: a trainer's typo, with its line), ``too_large`` (over
:data:`MAX_INBOX_BYTES`) give the reason and no groups. Aliases are refused
as malformed: one alias can repeat a list a thousandfold in the answer, and
the writer never writes one. Optional fields of the wrong type are left out
rather than failing the whole inbox.

**Reading** happens in a thread, once per version of the file (its inode,
size and mtime): the file is parsed when it changed, and a conversation's
groups are then a dictionary lookup. **Masking**: the review scrubbed phone
numbers, e-mail addresses and card numbers, but trainers edit the texts and
the scrubber knows no IBAN or SSN; people see them through the desk's
masking kinds (handoff.desk.masking), as they see transcripts.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.auth import ADMIN_ROLE, authorized
from handoff.context import context_of
from handoff.desk.masking import kinds_for
from handoff.desk.parts import STATIC_DIR, Asset
from handoff.desk.settings import PROJECT_ROOT
from handoff.errors import InvalidRequest
from handoff.inputs import query_int, query_text
from handoff.models import SUPERVISOR_ROLE
from plumbing.redaction import redact

# An inbox of a busy week is a few hundred kilobytes. Its YAML nodes take some
# 30 times the file's size in memory and some 0.7 s per megabyte to
# build (measured), so this bounds one gone wrong to ~130 MB and ~3 s, once.
MAX_INBOX_BYTES = 4 * 1024 * 1024
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# A review id is a hash ("sha256:" and 12 hex digits) or a channel's sender id.
MAX_REVIEW_ID = 128
# Shown per group; the count says how many there are.
CONVERSATIONS_SHOWN = 10
# A channel's longest message: longer texts (a trainer's paste) are cut for display.
MAX_TEXT = 4096
NULLS = frozenset({"", "~", "null", "Null", "NULL"})
TRUE = frozenset({"true", "True", "TRUE"})
PAGE_ASSETS = {
    "review.html": "text/html; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
}
# libyaml's parser when PyYAML has it (50 times faster); the same nodes either way.
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MISSING_STEP = "Run `make review` (SINCE=30d for a longer period) to fill the inbox."
MALFORMED_STEP = "Fix the file (its line is above), or write it again with `make review FORCE=1`."
LABEL_STEP = (
    "In {path}, set `intent:` (or `discard: true`) on these items, then run `make review-apply`."
)
NOT_FOUND_STEP = (
    "None of this conversation's messages are in the inbox: they may be older than the "
    "review's period, already in the training data, or newer than the inbox. "
    "Run `make review-apply`, then `make review` (SINCE=30d for a longer period)."
)


def page_assets(directory: Path = STATIC_DIR) -> dict[str, Asset]:
    """The review page's files, read when the desk is installed (handoff.desk.install)."""
    return {
        name: Asset((directory / name).read_bytes(), content_type)
        for name, content_type in PAGE_ASSETS.items()
    }


# -- the file, read ----------------------------------------------------------------------------


class Malformed(ValueError):
    """The inbox is not the YAML ``make review`` writes; the message says where."""


@dataclass(frozen=True)
class Group:
    """One item of the inbox: messages alike, as the review grouped them."""

    index: int  # its place in the file, from 1
    line: int  # of its "- text:", for the trainer's editor
    text: str
    variants: tuple[str, ...] = ()
    predicted: str | None = None
    confidence: float | None = None
    why: tuple[str, ...] = ()
    count: int | None = None
    last_seen: str | None = None
    conversations: tuple[str, ...] = ()
    intent: str | None = None
    discard: bool = False
    topic: str | None = None

    def to_json(self, kinds: Sequence[str], first: str | None = None) -> dict[str, object]:
        """As the API answers it: texts masked, ``first`` (the conversation asked for) first."""
        shown = list(self.conversations)
        if first is not None and first in shown:
            shown.remove(first)
            shown.insert(0, first)
        return {
            "index": self.index,
            "line": self.line,
            "text": _masked(self.text, kinds),
            "variants": [_masked(v, kinds) for v in self.variants],
            "predicted": self.predicted,
            "confidence": self.confidence,
            "why": list(self.why),
            "count": self.count,
            "last_seen": self.last_seen,
            "intent": self.intent,
            "discard": self.discard,
            "topic": self.topic,
            "conversations": shown[:CONVERSATIONS_SHOWN],
            "conversation_count": len(self.conversations),
        }


@dataclass(frozen=True)
class Inbox:
    """The inbox file as last read: its groups, or why there are none."""

    state: str  # ready, missing, malformed, too_large
    message: str
    path: str  # as people know it: relative to the project when under it
    groups: tuple[Group, ...] = ()
    updated_at: str | None = None
    # review id -> the positions in ``groups`` of the groups holding it
    by_conversation: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def of_conversation(self, review_id: str) -> list[Group]:
        return [self.groups[i] for i in self.by_conversation.get(review_id, ())]


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _scalar(node: yaml.Node | None, name: str, line: int) -> str | None:
    """A scalar's text as written (None for YAML's nulls); Malformed for a list or mapping."""
    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode):
        raise Malformed(f"line {line}: `{name}:` must be a single value")
    text = str(node.value)
    if not node.style and text in NULLS:
        return None
    return text[:MAX_TEXT] + " …" if len(text) > MAX_TEXT else text


def _optional(node: yaml.Node | None, name: str, line: int) -> str | None:
    try:
        return _scalar(node, name, line)
    except Malformed:
        return None  # a field only shown: left out rather than failing the inbox


def _texts(node: yaml.Node | None) -> tuple[str, ...]:
    """A list of scalars; anything else (a trainer's edit gone wrong) is no list."""
    if not isinstance(node, yaml.SequenceNode):
        return ()
    return tuple(
        text
        for item in node.value
        if isinstance(item, yaml.ScalarNode)
        for text in [_optional(item, "", 0)]
        if text is not None
    )


def _number(node: yaml.Node | None, kind: type[int] | type[float]) -> Any:
    """A finite, non-negative number; None for anything else (a field only shown)."""
    text = _optional(node, "", 0)
    try:
        number = None if text is None else kind(text)
    except ValueError:
        return None
    return number if number is not None and 0 <= number < math.inf else None


def _no_aliases(root: yaml.Node) -> None:
    """Malformed if a node appears twice: an alias (composed as the anchor's own node)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise Malformed(f"line {node.start_mark.line + 1}: aliases (*name) are not read here")
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)


def _group(index: int, node: yaml.Node) -> Group:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise Malformed(f"line {line}: an item must be a mapping with `text:`")
    fields: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            fields[str(key.value)] = value
    text = _scalar(fields.get("text"), "text", line)
    if not text:
        raise Malformed(f"line {line}: an item needs its `text:`")
    confidence = _number(fields.get("confidence"), float)
    return Group(
        index=index,
        line=line,
        text=text,
        variants=_texts(fields.get("variants")),
        predicted=_optional(fields.get("predicted"), "predicted", line),
        confidence=confidence if confidence is None or 0 <= confidence <= 1 else None,
        why=_texts(fields.get("why")),
        count=_number(fields.get("count"), int),
        last_seen=_optional(fields.get("last_seen"), "last_seen", line),
        conversations=tuple(dict.fromkeys(_texts(fields.get("conversations")))),
        intent=_optional(fields.get("intent"), "intent", line),
        discard=_optional(fields.get("discard"), "discard", line) in TRUE,
        topic=_optional(fields.get("topic"), "topic", line),
    )


def parse_inbox(text: str) -> tuple[Group, ...]:
    """The groups of an inbox's text; Malformed (with the line) when it is not one."""
    loader = Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise Malformed(f"{where}not YAML ({problem})") from None
    finally:
        loader.dispose()
    if root is None:
        return ()  # an empty file: review-apply leaves none, but an editor may
    _no_aliases(root)
    if not isinstance(root, yaml.MappingNode):
        raise Malformed("line 1: no `items:` list; is this the review inbox?")
    items = next(
        (v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "items"), None
    )
    if items is None or not isinstance(items, yaml.SequenceNode):
        if isinstance(items, yaml.ScalarNode) and not items.style and items.value in NULLS:
            return ()
        raise Malformed("no `items:` list; is this the review inbox?")
    return tuple(_group(i, node) for i, node in enumerate(items.value, start=1))


def load_inbox(path: Path) -> Inbox:
    """The inbox at ``path``, read now (blocking: call it in a thread)."""
    shown = display_path(path)
    try:
        with path.open("rb") as file:
            modified = os.fstat(file.fileno()).st_mtime
            data = file.read(MAX_INBOX_BYTES + 1)
    except FileNotFoundError:
        return Inbox(
            "missing",
            f"There is no review inbox ({shown}): `make review` writes it, and "
            "`make review-apply` removes it once every item is decided.",
            shown,
        )
    except OSError as error:
        return Inbox("malformed", f"{shown} cannot be read: {error.strerror}.", shown)
    updated_at = datetime.fromtimestamp(modified, timezone.utc).isoformat()
    if len(data) > MAX_INBOX_BYTES:
        return Inbox(
            "too_large",
            f"{shown} is larger than {MAX_INBOX_BYTES // (1024 * 1024)} MB: "
            "review a shorter period (make review SINCE=1d).",
            shown,
            updated_at=updated_at,
        )
    try:
        groups = parse_inbox(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Inbox("malformed", f"{shown} is not UTF-8 text.", shown, updated_at=updated_at)
    except Malformed as problem:
        return Inbox("malformed", f"{shown}, {problem}.", shown, updated_at=updated_at)
    by_conversation: dict[str, list[int]] = {}
    for position, group in enumerate(groups):
        for review_id in group.conversations:
            by_conversation.setdefault(review_id, []).append(position)
    return Inbox(
        "ready",
        f"{len(groups)} group(s) of messages in {shown}.",
        shown,
        groups,
        updated_at,
        {review_id: tuple(positions) for review_id, positions in by_conversation.items()},
    )


class InboxCache:
    """The last reading of each inbox file, read again when the file changed.

    Module-wide, not per app: the file is the process's, and the desk's parts
    (handoff.desk.parts) are the page's. One lock: a request waits for a parse
    in progress rather than starting its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readings: dict[Path, tuple[tuple[int, int, int] | None, Inbox]] = {}

    def read(self, path: Path) -> Inbox:
        """Blocking: call it in a thread."""
        with self._lock:
            try:
                status = path.stat()
                version: tuple[int, int, int] | None = (
                    status.st_ino,
                    status.st_size,
                    status.st_mtime_ns,
                )
            except OSError:
                version = None  # missing (or unreadable): load_inbox says which
            cached = self._readings.get(path)
            if cached is not None and version is not None and cached[0] == version:
                return cached[1]
            inbox = load_inbox(path)
            self._readings[path] = (version, inbox)
            return inbox

    def clear(self) -> None:
        with self._lock:
            self._readings.clear()


CACHE = InboxCache()


# -- the route ---------------------------------------------------------------------------------


def _masked(text: str, kinds: Sequence[str]) -> str:
    return redact(text, kinds) if kinds else text


def answer(
    inbox: Inbox, review_id: str | None, offset: int, limit: int, kinds: Sequence[str]
) -> dict[str, object]:
    """The JSON of GET /api/review (CPU work on the texts: call it in a thread)."""
    if inbox.state != "ready":
        step = MISSING_STEP if inbox.state == "missing" else MALFORMED_STEP
        chosen: list[Group] = []
    else:
        chosen = list(inbox.groups) if review_id is None else inbox.of_conversation(review_id)
        step = NOT_FOUND_STEP if review_id is not None and not chosen else LABEL_STEP
    return {
        "state": inbox.state,
        "message": inbox.message,
        "next_step": step.format(path=inbox.path),
        "path": inbox.path,
        "updated_at": inbox.updated_at,
        "groups_in_inbox": len(inbox.groups),
        "conversation": review_id,
        "total": len(chosen),
        "offset": offset,
        "limit": limit,
        "groups": [g.to_json(kinds, review_id) for g in chosen[offset : offset + limit]],
    }


def review_id_of(request: Request) -> str | None:
    """The ``conversation`` parameter, checked (400 when it cannot be a review id)."""
    value = query_text(request.args, "conversation")
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_REVIEW_ID or not value.isprintable():
        raise InvalidRequest(
            f"conversation must be a review id (as the Insights page shows it), "
            f"at most {MAX_REVIEW_ID} characters"
        )
    return value


@authorized(ADMIN_ROLE, SUPERVISOR_ROLE)
async def review_inbox(request: Request) -> HTTPResponse:
    review_id = review_id_of(request)
    offset = query_int(request.args, "offset", default=0, minimum=0, maximum=1_000_000)
    limit = query_int(request.args, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    desk = context_of(request).desk
    if desk is None:
        raise TypeError("the review route runs on an app the desk was installed on")
    path = desk.settings.review_inbox
    kinds = kinds_for(request)

    def read() -> dict[str, object]:
        return answer(CACHE.read(path), review_id, offset, limit, kinds)

    return json_response(await asyncio.to_thread(read))

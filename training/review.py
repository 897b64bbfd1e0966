"""``make review``: the trainers' inbox, from real conversations in the tracker store.

Rasa's SQL tracker store keeps every event of every conversation in one
table, ``events`` (``sender_id``, ``type_name``, ``timestamp``,
``action_name``, ``data`` as JSON). This reads it with SQLAlchemy
(:mod:`plumbing.rasa_events`), so any database Rasa can use works
(``TRAINING_TRACKER_URL``, default the one in ``endpoints.yml``), and picks
the customer messages the bot likely got wrong:

- ``fallback``: the NLU was unsure (``nlu_fallback``) or the dialogue policy
  gave up (``action_default_fallback``), and the bot asked to rephrase;
- ``low_confidence``: answered, but with the intent (or the FAQ answer) below
  ``--low-confidence``;
- ``rephrased``: the customer's next message, within ``--rephrase-window``
  seconds, says it again differently (most of the same words, a different
  intent) or corrects the bot ("no, I meant ...");
- ``handoff``: one of the two messages before a handoff to a person, not
  counting a confidently understood request for one.

Messages written while a person had the conversation (the bot was paused)
are not the bot's business and are left out, as are button payloads
("/intent"). What remains is scrubbed of personal data (:mod:`plumbing.scrub`),
grouped (identical, or near-identical with any order number) and written to
``reports/review/inbox.yml`` with, for each group: how many times it was
seen, the intent the model predicted and how sure it was, why it was picked,
and in which conversations (every one, last in the item: the desk's review
page, handoff.desk.review, finds a conversation of the Insights page's misses
by it; the id is plumbing.scrub.scrub_identifier's, a hash for a phone
number). Messages already in the training data, or discarded in an earlier
review, are left out.

The trainer sets ``intent:`` or ``discard: true`` on each, and ``make
review-apply`` (:mod:`training.apply`) does the rest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from sqlalchemy.engine import Engine, make_url

from plumbing.rasa_events import NoTrackerStore, open_tracker_store, read_conversations
from plumbing.scrub import scrub, scrub_identifier
from training.corpus import load_domain, load_nlu, normalise, parse_example, yaml_files
from training.settings import TrainingSettings
from training.similarity import ratio, similar_pairs

LOW_CONFIDENCE = 0.8
REPHRASE_WINDOW_S = 120.0
# Two messages this alike (see training.similarity) are the same message
# said again; for grouping, and for a rephrasing (with a lower bar: a
# rephrasing keeps some words and changes others).
GROUP_SIMILARITY = 0.9
REPHRASE_SIMILARITY = 0.5
HANDOFF_MESSAGES = 2
MAX_SHOWN = 5
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_default_fallback"
HANDOFF_ACTION = "action_handoff"
HUMAN_REQUEST_INTENT = "request_human"
CORRECTION = re.compile(
    r"\b(i mean|i meant|not what i|that'?s not|thats not|you misunderstood|misunderstood|"
    r"no,? i (said|asked|want|wanted)|i said|i asked|let me rephrase|in other words|"
    r"wrong answer|didn'?t ask)\b",
    re.IGNORECASE,
)
INBOX = Path("review") / "inbox.yml"
DISCARDED = Path("review") / "discarded.txt"


@dataclass
class Turn:
    """One customer message, as the bot understood it."""

    sender_id: str
    event_id: int
    timestamp: float
    text: str
    intent: str  # what the NLU said, nlu_fallback included
    predicted: str  # the best real intent ("faq/store_hours" for a FAQ)
    confidence: float  # of ``predicted`` (of the answer, for a FAQ)
    # A form was asking for something: the message answers it, it does not
    # restate the one before.
    in_form: bool = False
    reasons: set[str] = field(default_factory=set)


@dataclass
class ReviewItem:
    text: str
    count: int
    predicted: str
    confidence: float
    reasons: list[str]
    conversations: list[str]
    variants: list[str]
    last_seen: str


@dataclass(frozen=True)
class Criteria:
    low_confidence: float = LOW_CONFIDENCE
    rephrase_window_s: float = REPHRASE_WINDOW_S


def parse_since(value: str, now: dt.datetime | None = None) -> dt.datetime:
    """ "7d", "24h", "2024-06-01" or "2024-06-01T08:00" (UTC unless an offset is given)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    relative = re.fullmatch(r"(\d+)\s*([dh])", value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - (dt.timedelta(days=amount) if unit == "d" else dt.timedelta(hours=amount))
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: give a date (2024-06-01), a time (2024-06-01T08:00) or 7d / 24h"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def understood(parse_data: dict[str, Any]) -> tuple[str, str, float]:
    """(intent, best real intent, its confidence) from a message's parse data.

    With nlu_fallback on top, the model's own best guess is the next in the
    ranking; for the FAQ, the answer the response selector chose.
    """
    intent = parse_data.get("intent") or {}
    name = str(intent.get("name") or "")
    confidence = float(intent.get("confidence") or 0.0)
    predicted, predicted_confidence = name, confidence
    if name == FALLBACK_INTENT:
        ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") != name]
        if ranking:
            predicted = str(ranking[0]["name"])
            predicted_confidence = float(ranking[0]["confidence"])
    if predicted == "faq":
        response = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response")
        if response and response.get("intent_response_key"):
            predicted = str(response["intent_response_key"])
            predicted_confidence = min(predicted_confidence, float(response.get("confidence", 1)))
    return name, predicted, predicted_confidence


def flag_conversation(rows: Iterable[Any], criteria: Criteria) -> list[Turn]:
    """The customer messages of one conversation, each with why it was picked (maybe none)."""
    turns: list[Turn] = []
    paused = False
    active_form: str | None = None
    handed_over = 0  # turns before this one were before the last handoff
    for row in rows:
        kind = row.type_name
        if kind == "active_loop":
            active_form = (json.loads(row.data or "{}")).get("name")
        elif kind == "pause":
            paused = True
        elif kind == "resume":
            paused = False
        elif kind == "user" and not paused:
            data = json.loads(row.data or "{}")
            text = str(data.get("text") or "").strip()
            if not text or text.startswith("/"):
                continue  # empty, or a button's payload: nothing a trainer can label
            intent, predicted, confidence = understood(data.get("parse_data") or {})
            turn = Turn(
                row.sender_id, row.id, float(row.timestamp), text, intent, predicted, confidence,
                in_form=bool(active_form),
            )  # fmt: skip
            if intent == FALLBACK_INTENT:
                turn.reasons.add("fallback")
            elif confidence < criteria.low_confidence:
                turn.reasons.add("low_confidence")
            turns.append(turn)
        elif kind == "action" and turns and not paused:
            if row.action_name == FALLBACK_ACTION:
                turns[-1].reasons.add("fallback")
                turns[-1].reasons.discard("low_confidence")
            elif row.action_name == HANDOFF_ACTION:
                # What the bot missed before the customer gave up, not the (understood)
                # request for a person itself; never further back than the last handoff.
                missed = [
                    t
                    for t in turns[handed_over:]
                    if not (
                        t.predicted == HUMAN_REQUEST_INTENT
                        and t.confidence >= criteria.low_confidence
                    )
                ]
                for turn in missed[-HANDOFF_MESSAGES:]:
                    turn.reasons.add("handoff")
                handed_over = len(turns)
    for turn, following in itertools.pairwise(turns):
        if following.in_form or following.timestamp - turn.timestamp > criteria.rephrase_window_s:
            continue
        similar = ratio(turn.text, following.text) >= REPHRASE_SIMILARITY
        if CORRECTION.search(following.text) or (similar and following.predicted != turn.predicted):
            turn.reasons.add("rephrased")
    return turns


def grouping_key(text: str) -> str:
    # Any order number is the same message: "where is 12345678" == "where is 87654321".
    return re.sub(r"\d", "0", normalise(text))


def group(turns: list[Turn]) -> list[ReviewItem]:
    scrubbed = [scrub(t.text).text for t in turns]
    keys = [grouping_key(s) for s in scrubbed]
    distinct = sorted(set(keys))
    # Union-find over the distinct keys, joined when near-identical.
    parent = list(range(len(distinct)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in similar_pairs(distinct, GROUP_SIMILARITY):
        parent[root(j)] = root(i)
    index = {key: root(i) for i, key in enumerate(distinct)}
    members: dict[int, list[int]] = {}
    for position, key in enumerate(keys):
        members.setdefault(index[key], []).append(position)

    items = []
    for positions in members.values():
        texts = Counter(scrubbed[p] for p in positions)
        predicted = Counter(turns[p].predicted for p in positions).most_common(1)[0][0]
        conversations = list(dict.fromkeys(scrub_identifier(turns[p].sender_id) for p in positions))
        last = max(turns[p].timestamp for p in positions)
        items.append(
            ReviewItem(
                text=texts.most_common(1)[0][0],
                count=len(positions),
                predicted=predicted,
                confidence=round(statistics.mean(turns[p].confidence for p in positions), 2),
                reasons=sorted({r for p in positions for r in turns[p].reasons}),
                # All of them, not MAX_SHOWN: the desk looks a conversation up by its id.
                conversations=conversations,
                variants=[t for t, _ in texts.most_common()[1 : MAX_SHOWN + 1]],
                last_seen=f"{dt.datetime.fromtimestamp(last, dt.timezone.utc):%Y-%m-%d %H:%M}",
            )
        )
    return sorted(items, key=lambda i: (-i.count, i.confidence, i.text))


def known_texts(root: Path, discarded: Path) -> set[str]:
    """Texts a review need not show again: in the training data, or discarded before."""
    known = {normalise(e.plain) for e in load_nlu(yaml_files(root / "data")).examples}
    if discarded.exists():
        known |= {normalise(line) for line in discarded.read_text(encoding="utf-8").splitlines()}
    return known


def collect(
    engine: Engine, since: dt.datetime, criteria: Criteria, known: set[str]
) -> tuple[list[ReviewItem], int]:
    """The review items, and how many picked messages were left out as already known."""
    picked: list[Turn] = []
    already = 0
    for rows in read_conversations(engine, since):
        for turn in flag_conversation(rows, criteria):
            if not turn.reasons:
                continue
            plain, _ = parse_example(scrub(turn.text).text)
            if normalise(plain) in known:
                already += 1
            else:
                picked.append(turn)
    return group(picked), already


def has_decisions(path: Path) -> bool:
    if not path.exists():
        return False
    # Read as training.apply reads it (libyaml's "safe" refuses what ruamel wrote
    # before ids were quoted: [sha256:...]).
    document = YAML(typ="rt").load(path.read_text(encoding="utf-8")) or {}
    return any(
        isinstance(item, dict) and (item.get("intent") or item.get("discard"))
        for item in document.get("items") or []
    )


def safe(url: str) -> str:
    """The URL fit to print: its password hidden."""
    return str(make_url(url).render_as_string(hide_password=True))


def header(url: str, since: dt.datetime, intents: list[str], count: int) -> str:
    wrapped: list[str] = []
    line = "#  "
    for intent in intents:
        if len(line) + len(intent) > 88:
            wrapped.append(line.rstrip(", "))
            line = "#  "
        line += intent + ", "
    wrapped.append(line.rstrip(", "))
    return "\n".join(
        [
            f"# The trainers' inbox: {count} message group(s) the bot may have got wrong,",
            f"# from {safe(url)}",
            f"# since {since:%Y-%m-%d %H:%M} UTC.",
            "#",
            "# For each item set `intent:` to what the customer meant (faq/<name> for a FAQ)",
            "# or `discard: true`; leave it as is to decide later. Fix the text if needed,",
            "# and replace any personal data the scrubber missed (names, street addresses).",
            "# A new intent also needs `topic:`, the data/nlu file to put it in (e.g. orders).",
            "# Then run `make review-apply`.",
            "#",
            "# Why an item is here: fallback (the bot asked to rephrase), low_confidence,",
            "# rephrased (the customer said it again differently), handoff (just before one).",
            "# `conversations:` where it was said (a phone number hashed), as the desk's",
            "# Insights and review pages (/desk/review.html) name them.",
            "#",
            "# Intents:",
            *wrapped,
            "",
        ]
    )


def write_inbox(path: Path, items: list[ReviewItem], head: str) -> None:
    document = CommentedMap()
    rows = CommentedSeq()
    for item in items:
        entry: Any = CommentedMap()
        entry["text"] = item.text
        entry["intent"] = None
        entry["discard"] = False
        entry["predicted"] = item.predicted
        entry["confidence"] = item.confidence
        entry["why"] = CommentedSeq(item.reasons)
        entry["why"].fa.set_flow_style()
        entry["count"] = item.count
        if item.variants:
            entry["variants"] = CommentedSeq(item.variants)
        entry["last_seen"] = item.last_seen
        # Last: every conversation is listed, so a frequent message's list is long.
        # Quoted: libyaml (YAML(typ="safe")) refuses "sha256:..." plain in a [list].
        entry["conversations"] = CommentedSeq(
            SingleQuotedScalarString(c) for c in item.conversations
        )
        entry["conversations"].fa.set_flow_style()
        rows.append(entry)
    document["items"] = rows
    yaml = YAML(typ="rt")
    yaml.width = 120  # type: ignore[assignment]  # ruamel declares it None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        yaml.dump(document, out)


def main(argv: list[str] | None = None) -> int:
    settings = TrainingSettings.from_env()
    parser = argparse.ArgumentParser(prog="make review", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=settings.tracker_url, help="tracker store SQLAlchemy URL")
    parser.add_argument("--since", type=parse_since, default="7d", help="7d, 24h or a date")
    parser.add_argument("--low-confidence", type=float, default=LOW_CONFIDENCE)
    parser.add_argument("--rephrase-window", type=float, default=REPHRASE_WINDOW_S)
    parser.add_argument("--out", type=Path, default=settings.reports_dir / INBOX)
    parser.add_argument("--force", action="store_true", help="overwrite an inbox's decisions")
    args = parser.parse_args(argv)

    if has_decisions(args.out) and not args.force:
        print(
            f"{args.out} has decisions not applied yet: run `make review-apply` first "
            "(or FORCE=1 to overwrite them)",
            file=sys.stderr,
        )
        return 1
    try:
        engine = open_tracker_store(args.url)
    except NoTrackerStore as missing:
        print(missing, file=sys.stderr)
        return 1
    try:
        known = known_texts(settings.root, settings.reports_dir / DISCARDED)
        criteria = Criteria(args.low_confidence, args.rephrase_window)
        items, already = collect(engine, args.since, criteria, known)
    finally:
        engine.dispose()
    domain = load_domain(settings.root / "domain.yml")
    nlu = load_nlu(yaml_files(settings.root / "data"))
    intents = sorted({b.intent for b in nlu.blocks} | set(domain.intents) - {"faq"})
    write_inbox(args.out, items, header(args.url, args.since, intents, len(items)))
    messages = sum(i.count for i in items)
    print(
        f"review: {len(items)} group(s) of {messages} message(s) written to {args.out}"
        f" ({already} already in the training data or discarded before)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

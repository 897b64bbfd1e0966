"""Escalation precision and recall on labelled conversations, through the real bot.

    .venv/bin/python -m training.conversations tests/handoff/escalation_conversations_blind.yml

Each conversation is the customer's messages only (the labelled files under
``tests/handoff/escalation_conversations_*.yml``, their list called
``messages`` or ``turns``); they are sent one by one through the REST
channel of a running assistant, as a new customer each, and the
conversation counts as escalated when the bot answers with a handoff: the
text of one of :data:`HANDOFF_RESPONSES`, in any of its variations in
``domain.yml`` (English, Spanish, whichever the bot picked).
So the whole chain is measured: NLU, dialogue, the escalation policy.
Without ``--rasa-url`` it starts its own assistant (free ports, throw-away
databases) for the length of the run.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from handoff.escalation.conversation_model import LabelledConversation, load_conversations

# Every English handoff answer starts with this (utter_handoff_queued,
# _closed_hours, _pending): what is looked for when the domain has none of
# HANDOFF_RESPONSES.
HANDOFF_ANSWER = "I'm passing you to a member of our team"
# The responses that mean the conversation was handed to a person. Not
# utter_handoff_failed: the bot tried and could not.
HANDOFF_RESPONSES = ("utter_handoff_queued", "utter_handoff_closed_hours", "utter_handoff_pending")
DEFAULT_DOMAIN = Path("domain.yml")
# A variation's text up to its first slot ("You're number {position}..."):
# what every rendering of it starts with.
PLACEHOLDER = re.compile(r"\{[^{}\n]*\}")
# Shorter fixed openings would be no evidence of a handoff ("{name}, ...").
MIN_OPENING_CHARS = 12
CONCURRENCY = 6


@dataclass(frozen=True)
class Outcome:
    conversation: LabelledConversation
    escalated: bool
    # The customer message after which the bot handed over (1-based), if it did.
    at_message: int | None

    @property
    def correct(self) -> bool:
        return self.escalated == self.conversation.escalate


@dataclass(frozen=True)
class Scores:
    outcomes: list[Outcome]

    def _count(self, escalate: bool, escalated: bool) -> int:
        return sum(
            o.conversation.escalate == escalate and o.escalated == escalated for o in self.outcomes
        )

    @property
    def precision(self) -> float:
        tp, fp = self._count(True, True), self._count(False, True)
        return tp / (tp + fp) if tp + fp else 1.0

    @property
    def recall(self) -> float:
        tp, fn = self._count(True, True), self._count(True, False)
        return tp / (tp + fn) if tp + fn else 1.0

    @property
    def false_escalation_rate(self) -> float:
        fp, tn = self._count(False, True), self._count(False, False)
        return fp / (fp + tn) if fp + tn else 0.0

    def report(self) -> str:
        lines = [
            f"{len(self.outcomes)} conversations: precision {self.precision:.3f}, "
            f"recall {self.recall:.3f}, false escalations {self.false_escalation_rate:.1%}"
        ]
        for outcome in self.outcomes:
            if not outcome.correct:
                kind = "missed" if outcome.conversation.escalate else "false escalation"
                where = f" (after message {outcome.at_message})" if outcome.at_message else ""
                lines.append(
                    f"  {kind}: {outcome.conversation.id}{where}: {outcome.conversation.why}"
                )
        return "\n".join(lines)


def handoff_openings(domain: Path = DEFAULT_DOMAIN) -> tuple[str, ...]:
    """How the handoff answers start, in every language and variation of HANDOFF_RESPONSES.

    Read from the domain rather than written here: the answers are
    translated and reworded there, and a stale copy would count every
    handoff as a miss. Falls back to HANDOFF_ANSWER when the domain has
    none of the responses.
    """
    data = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    responses = data.get("responses") or {}
    openings: set[str] = set()
    for name in HANDOFF_RESPONSES:
        for variation in responses.get(name) or []:
            text = variation.get("text") if isinstance(variation, dict) else None
            if not isinstance(text, str):
                continue
            found = PLACEHOLDER.search(text)
            opening = (text[: found.start()] if found else text).strip()
            if len(opening) >= MIN_OPENING_CHARS:
                openings.add(opening)
    return tuple(sorted(openings)) or (HANDOFF_ANSWER,)


def is_handoff(text: str, openings: Sequence[str]) -> bool:
    """Whether a bot message is one of the handoff answers (starts like one of ``openings``)."""
    text = text.strip()
    return any(text.startswith(opening) for opening in openings)


def run_one(rasa_url: str, conversation: LabelledConversation, openings: Sequence[str]) -> Outcome:
    sender = f"eval-{conversation.id}-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=rasa_url, timeout=120) as client:
        for index, text in enumerate(conversation.messages, start=1):
            response = client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            response.raise_for_status()
            if any(is_handoff(str(r.get("text", "")), openings) for r in response.json()):
                return Outcome(conversation, True, index)
    return Outcome(conversation, False, None)


def run(
    rasa_url: str,
    conversations: Sequence[LabelledConversation],
    openings: Sequence[str] | None = None,
) -> Scores:
    """Each conversation through the assistant at ``rasa_url`` (handoffs: the domain's)."""
    if openings is None:
        openings = handoff_openings()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return Scores(list(pool.map(lambda c: run_one(rasa_url, c, openings), conversations)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.conversations", description=__doc__.split("\n")[0]
    )
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--rasa-url", help="a running assistant (default: start one)")
    parser.add_argument("--model", type=Path, default=Path("models/retail-bot.tar.gz"))
    parser.add_argument(
        "--domain",
        type=Path,
        default=DEFAULT_DOMAIN,
        help="where the handoff answers' texts are read (default: domain.yml)",
    )
    args = parser.parse_args(argv)
    conversations = {path: load_conversations(path) for path in args.files}
    openings = handoff_openings(args.domain)

    def score_all(url: str) -> None:
        for path, items in conversations.items():
            print(f"{path}: {run(url, items, openings).report()}")

    if args.rasa_url:
        score_all(args.rasa_url)
        return 0
    from scripts.run import isolated_environment, running, services

    with tempfile.TemporaryDirectory() as state:
        env = isolated_environment(Path(state), args.model.resolve())
        with running(services(env, handoff=True), env):
            score_all(f"http://127.0.0.1:{env['RASA_PORT']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

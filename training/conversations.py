"""Escalation precision and recall on labelled conversations, through the real bot.

    .venv/bin/python -m training.conversations tests/handoff/escalation_conversations_blind.yml

Each conversation is the customer's messages only (the labelled files under
``tests/handoff/escalation_conversations_*.yml``); they are sent one by one
through the REST channel of a running assistant, as a new customer each, and
the conversation counts as escalated when the bot answers with a handoff.
So the whole chain is measured: NLU, dialogue, the escalation policy.
Without ``--rasa-url`` it starts its own assistant (free ports, throw-away
databases) for the length of the run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

# Every handoff answer starts with this (utter_handoff_queued, _closed_hours, _pending).
HANDOFF_ANSWER = "I'm passing you to a member of our team"
CONCURRENCY = 6


@dataclass(frozen=True)
class Conversation:
    id: str
    escalate: bool
    why: str
    messages: list[str]


@dataclass(frozen=True)
class Outcome:
    conversation: Conversation
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
            o.conversation.escalate == escalate and o.escalated == escalated
            for o in self.outcomes
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


def load(path: Path) -> list[Conversation]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    return [
        Conversation(
            id=str(c["id"]),
            escalate=bool(c["escalate"]),
            why=str(c.get("why", "")),
            messages=[str(m) for m in c["messages"]],
        )
        for c in raw
    ]


def run_one(rasa_url: str, conversation: Conversation) -> Outcome:
    sender = f"eval-{conversation.id}-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=rasa_url, timeout=120) as client:
        for index, text in enumerate(conversation.messages, start=1):
            response = client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            response.raise_for_status()
            if any(str(r.get("text", "")).startswith(HANDOFF_ANSWER) for r in response.json()):
                return Outcome(conversation, True, index)
    return Outcome(conversation, False, None)


def run(rasa_url: str, conversations: Sequence[Conversation]) -> Scores:
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return Scores(list(pool.map(lambda c: run_one(rasa_url, c), conversations)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.conversations", description=__doc__.split("\n")[0]
    )
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--rasa-url", help="a running assistant (default: start one)")
    parser.add_argument("--model", type=Path, default=Path("models/retail-bot.tar.gz"))
    args = parser.parse_args(argv)
    conversations = {path: load(path) for path in args.files}

    def score_all(url: str) -> None:
        for path, items in conversations.items():
            print(f"{path}: {run(url, items).report()}")

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

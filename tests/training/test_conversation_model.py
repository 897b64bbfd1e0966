"""Choosing the conversation model's threshold: held-out files, rates, the rule."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import training.conversation_model
from handoff.escalation.conversation_model import (
    ConversationModel,
    LabelledConversation,
    load_conversations,
)
from training.conversation_model import HeldOut, choose, hold_out, judge, main, rates

CONVERSATIONS = """\
conversations:
- id: a
  escalate: true
  turns: ["hola", "mi esposo fallecio y la cuenta estaba a su nombre"]
- id: b
  escalate: true
  turns: ["es la tercera vez que escribo y nadie me contesta, quiero hablar con alguien"]
- id: c
  escalate: false
  turns: ["hola", "donde esta mi pedido 12345678?"]
- id: d
  escalate: false
  turns: ["tienen la mesa en color nogal?", "gracias!"]
"""


def test_rates_count_the_rules_or_a_score_at_the_threshold() -> None:
    results = [
        HeldOut(True, True, 0.1),
        HeldOut(True, False, 0.9),
        HeldOut(True, False, 0.3),
        HeldOut(False, False, 0.95),
        HeldOut(False, False, 0.2),
    ]
    assert rates(results, 0.85) == (pytest.approx(2 / 3), 0.5)
    assert rates(results, 0.99) == (pytest.approx(1 / 3), 0.0)
    assert rates(results, 0.85, rules=False) == (pytest.approx(1 / 3), 0.5)


def test_the_chosen_threshold_is_the_best_recall_adding_little_to_the_rules_false_escalations() -> (
    None
):
    # 100 routine conversations, 5 escalated by the rules whatever the model says:
    # the model may add one (1%), the one scoring 0.75, not also the one scoring 0.65.
    negatives = (
        [HeldOut(False, False, 0.1)] * 93
        + [HeldOut(False, True, 0.99)] * 5
        + [HeldOut(False, False, s) for s in (0.65, 0.75)]
    )
    positives = [HeldOut(True, False, s) for s in (0.55, 0.72, 0.97)]
    assert choose(positives + negatives, (0.5, 0.6, 0.7, 0.8, 0.9)) == 0.7
    # Equal recall: the higher threshold.
    assert choose([HeldOut(True, False, 0.97), *negatives], (0.7, 0.8, 0.9)) == 0.9
    assert choose([HeldOut(False, False, 0.99)], (0.5,)) is None


def test_the_rules_are_replayed_after_every_message_and_the_model_asked_where_decide_asks_it() -> (
    None
):
    asked: list[str] = []

    def scorer(text: str) -> float:
        asked.append(text)
        return 0.3 + 0.1 * len(asked)

    assert judge(["hola", "quiero hablar con una persona"], scorer) == (True, 0.4)
    assert asked == ["hola"]
    asked.clear()
    assert judge(["hola", "donde esta mi pedido?"], scorer) == (False, 0.5)
    assert asked == ["hola", "hola\ndonde esta mi pedido?"]
    # Not asked: English, nor a customer declining a person.
    asked.clear()
    assert judge(["hi", "where is my order?"], scorer) == (False, 0.0)
    assert judge(["no hace falta que me llamen, gracias"], scorer) == (False, 0.0)
    assert asked == []


def test_each_file_is_judged_by_a_model_that_never_saw_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("one.yml", "two.yml"):
        (tmp_path / name).write_text(CONVERSATIONS, encoding="utf-8")
    (tmp_path / "three.yml").write_text(CONVERSATIONS.replace("esposo", "hermano"), "utf-8")
    files = [load_conversations(path) for path in sorted(tmp_path.glob("*.yml"))]
    trained_on: list[LabelledConversation] = []

    class Recording(ConversationModel):
        def __init__(self, conversations: Sequence[LabelledConversation]) -> None:
            trained_on.extend(conversations)
            super().__init__(conversations)

    monkeypatch.setattr(training.conversation_model, "ConversationModel", Recording)
    held = hold_out(files, 2)
    assert trained_on == files[0] + files[1]
    assert [h.escalate for h in held] == [True, True, False, False]
    assert held[1].by_rules is True
    assert all(0.0 <= h.score <= 1.0 for h in held)


def test_the_command_prints_the_table_and_the_choice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("one.yml", "two.yml"):
        (tmp_path / name).write_text(CONVERSATIONS, encoding="utf-8")
    assert main(["--directory", str(tmp_path), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "8 conversations held out" in out
    assert "chosen (highest recall adding at most 1% false escalations to the rules'):" in out

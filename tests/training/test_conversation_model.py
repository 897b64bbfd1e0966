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
from training.conversation_model import (
    HeldOut,
    Step,
    choose,
    choose_overrule,
    choose_regularisation,
    hold_out,
    judge,
    main,
    rates,
    recall_at_routine_share,
)

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


def held(escalate: bool, *steps: tuple[bool, bool, float | None]) -> HeldOut:
    return HeldOut(escalate, tuple(Step(*step) for step in steps))


def by_rules(escalate: bool) -> HeldOut:
    """Escalated by a rule the model cannot overrule (a safety incident, say)."""
    return held(escalate, (True, False, None))


def asked(escalate: bool, score: float) -> HeldOut:
    """No rule fired; the model was asked once."""
    return held(escalate, (False, False, score))


def test_rates_count_the_rules_or_a_score_at_the_threshold() -> None:
    results = [
        by_rules(True),
        asked(True, 0.9),
        asked(True, 0.3),
        asked(False, 0.95),
        asked(False, 0.2),
    ]
    assert rates(results, 0.85) == (pytest.approx(2 / 3), 0.5)
    assert rates(results, 0.99) == (pytest.approx(1 / 3), 0.0)
    assert rates(results, 0.85, rules=False) == (pytest.approx(1 / 3), 0.5)


def test_an_overruled_message_leaves_the_conversation_to_the_next_ones() -> None:
    # Anger read in message 1 of a conversation the model scores 0.05, then a quiet
    # message the model scores 0.9: overruled at 0.1, the model hands it over after message 2.
    conversation = held(False, (True, True, 0.05), (False, False, 0.9))
    assert conversation.escalated(0.85)
    assert conversation.escalated(0.95, overrule_below=0.1) is False
    assert conversation.escalated(0.85, overrule_below=0.1)
    # Not overruled when the model scored it at or above the cut-off, nor when it was not asked.
    assert held(False, (True, True, 0.1)).escalated(2.0, overrule_below=0.1)
    assert held(False, (True, True, None)).escalated(2.0, overrule_below=0.5)


def test_the_overrule_cut_off_rises_while_each_step_takes_back_three_false_per_true_lost() -> None:
    soft = [
        # Step to 0.1: takes back 3 false escalations for 1 true one lost: kept.
        *[held(False, (True, True, 0.07))] * 3,
        held(True, (True, True, 0.08)),
        # Step to 0.2: 2 back for 1 lost: not kept, nor anything above it.
        *[held(False, (True, True, 0.15))] * 2,
        held(True, (True, True, 0.18)),
        *[held(False, (True, True, 0.25))] * 9,
    ]
    assert choose_overrule(soft, (0.1, 0.2, 0.3)) == 0.1
    assert choose_overrule([held(True, (True, True, 0.05))], (0.1,)) == 0.0
    # Nothing to overrule: the cut-off costs nothing, so the highest is kept.
    assert choose_overrule([by_rules(False), asked(True, 0.2)], (0.1, 0.2)) == 0.2


def test_the_chosen_threshold_is_the_highest_whose_recall_reaches_the_target() -> None:
    # 20 conversations to escalate: the rules catch 17 whatever the model says, the
    # model the others at 0.97, 0.72 and 0.55. 0.95 of 20 is 19: 0.7 reaches it,
    # 0.8 does not, and 0.6 and 0.5 reach it too, with more false escalations.
    positives = [by_rules(True)] * 17 + [asked(True, s) for s in (0.55, 0.72, 0.97)]
    negatives = [asked(False, 0.1)] * 95 + [asked(False, s) for s in (0.52, 0.65, 0.75)]
    assert choose(positives + negatives, (0.5, 0.6, 0.7, 0.8, 0.9)) == 0.7
    # None reaches it: no choice.
    assert choose([asked(True, 0.4), asked(True, 0.97)], (0.5, 0.9)) is None
    assert choose([asked(False, 0.99)], (0.5,)) is None


def test_the_recall_is_counted_with_the_rules_as_overruled() -> None:
    # A conversation to escalate that only the rules' soft reading caught (the model
    # scores it 0.02): overruled at 0.1, reaching 19 of 20 needs the lower threshold.
    positives = [held(True, (True, True, 0.02)), *[by_rules(True)] * 18, asked(True, 0.9)]
    negatives = [asked(False, 0.05)] * 100
    assert choose(positives + negatives, (0.5, 0.95), overrule_below=0.0) == 0.95
    assert choose(positives + negatives, (0.5, 0.95), overrule_below=0.1) == 0.5


def test_the_rules_are_replayed_after_every_message_and_the_model_asked_where_decide_asks_it() -> (
    None
):
    asked_texts: list[str] = []

    def scorer(text: str) -> float:
        asked_texts.append(text)
        return 0.3 + 0.1 * len(asked_texts)

    # A person asked for: not a reason the model may overrule, so replay stops there.
    assert judge(["hola", "quiero hablar con una persona"], scorer) == (
        Step(False, False, 0.4),
        Step(True, False, None),
    )
    assert asked_texts == ["hola"]
    asked_texts.clear()
    assert judge(["hola", "donde esta mi pedido?"], scorer) == (
        Step(False, False, 0.4),
        Step(False, False, 0.5),
    )
    assert asked_texts == ["hola", "hola\ndonde esta mi pedido?"]
    # Not asked: English, nor a customer declining a person.
    asked_texts.clear()
    assert judge(["hi", "where is my order?"], scorer) == (
        Step(False, False, None),
        Step(False, False, None),
    )
    assert judge(["no hace falta que me llamen, gracias"], scorer) == (Step(False, False, None),)
    assert asked_texts == []


def test_an_escalation_the_model_may_overrule_is_scored_and_the_replay_goes_on() -> None:
    scores = iter([0.03, 0.2])
    steps = judge(
        ["estoy harta, es una verguenza lo de este pedido", "bueno, donde esta?"],
        lambda _text: next(scores),
    )
    assert steps[0] == Step(True, True, 0.03)
    assert len(steps) == 2


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
    results = hold_out(files, 2)
    assert trained_on == files[0] + files[1]
    assert [h.escalate for h in results] == [True, True, False, False]
    assert results[1].steps[0].by_rules is True
    assert all(0.0 <= s.score <= 1.0 for h in results for s in h.steps if s.score is not None)


def test_the_command_prints_the_table_and_the_choice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("one.yml", "two.yml"):
        (tmp_path / name).write_text(CONVERSATIONS, encoding="utf-8")
    assert main(["--directory", str(tmp_path), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "8 conversations held out" in out
    assert "chosen overrule cut-off (each step takes back at least 3 false" in out
    assert "chosen (the highest threshold whose recall reaches 0.95):" in out


def test_recall_is_read_at_the_score_the_routine_share_reaches() -> None:
    # 100 routine beginnings scoring 0.00 to 0.99: 2% of them reach 0.98.
    routine = [(i / 100, 0) for i in range(100)]
    escalate = [(0.985, 1), (0.99, 1), (0.5, 1), (0.97, 1)]
    assert recall_at_routine_share(routine + escalate, 0.02) == 0.5
    assert recall_at_routine_share(escalate, 0.02) == 0.0


def test_the_most_regularised_c_near_the_best_recall_is_chosen() -> None:
    assert choose_regularisation({2.0: 0.857, 4.0: 0.873, 20.0: 0.895, 100.0: 0.896}) == 20.0
    assert choose_regularisation({2.0: 0.9, 4.0: 0.8}) == 2.0


def test_the_command_chooses_c_held_out_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("one.yml", "two.yml"):
        (tmp_path / name).write_text(CONVERSATIONS, encoding="utf-8")
    assert main(["--directory", str(tmp_path), "--jobs", "1", "--regularisation"]) == 0
    out = capsys.readouterr().out
    assert "chosen (the most regularised within 0.005 of the best): " in out
    assert "overrule" not in out

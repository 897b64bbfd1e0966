"""training.conversations: the labelled files, and a handoff recognised in either language."""

from __future__ import annotations

from pathlib import Path

from handoff.escalation.conversation_model import load_conversations
from training.conversations import (
    HANDOFF_ANSWER,
    handoff_openings,
    is_handoff,
)

DOMAIN = """
responses:
  utter_handoff_queued:
  - text: "I'm passing you to a member of our team. You're number {position} in the queue."
  - condition:
    - type: slot
      name: language
      value: es
    text: "Te voy a comunicar con una persona de nuestro equipo. Eres el número {position}."
  utter_handoff_pending:
  - text: "I'm passing you to a member of our team. A person will take over soon."
  utter_handoff_failed:
  - text: "Sorry, I couldn't reach our team just now."
  utter_greet:
  - text: "Hi!"
"""


def test_every_variation_of_the_handoff_responses_is_recognised(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(DOMAIN, encoding="utf-8")
    openings = handoff_openings(domain)

    for answer in (
        "I'm passing you to a member of our team. You're number 3 in the queue.",
        "Te voy a comunicar con una persona de nuestro equipo. Eres el número 2.",
        "I'm passing you to a member of our team. A person will take over soon.",
    ):
        assert is_handoff(answer, openings)
    # A failed handoff, or any other answer, is no handoff.
    assert not is_handoff("Sorry, I couldn't reach our team just now.", openings)
    assert not is_handoff("Hi!", openings)


def test_a_domain_without_the_responses_falls_back_to_the_english_answer(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text("responses: {}\n", encoding="utf-8")
    assert handoff_openings(domain) == (HANDOFF_ANSWER,)


def test_the_projects_domain_has_both_languages() -> None:
    openings = handoff_openings()
    assert any(o.startswith("I'm passing you") for o in openings)
    assert len(openings) >= 3


def test_messages_and_turns_are_both_read(tmp_path: Path) -> None:
    path = tmp_path / "set.yml"
    path.write_text(
        "conversations:\n"
        "- {id: a, escalate: true, messages: [hi, human please]}\n"
        "- {id: b, escalate: false, turns: [hola, gracias]}\n",
        encoding="utf-8",
    )
    loaded = load_conversations(path)
    assert [c.messages for c in loaded] == [("hi", "human please"), ("hola", "gracias")]

"""Every intent, action and response the escalation rules rely on exists in domain.yml.

The rules read a conversation by name (handoff/escalation/domain_names.py): a
name changed in the domain but not there would switch a rule off without an
error. The domain is loaded with Rasa's own ``Domain``, so Rasa's default
intents and actions (``nlu_fallback``, ``action_listen``...) count, as they
do for the bot.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

import handoff.escalation
from handoff.escalation.domain_names import ACTIONS, INTENTS, RESPONSE_PREFIXES, RESPONSES

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = Path(handoff.escalation.__file__).parent
# A string that looks like an action or response name.
NAME_LIKE = re.compile(r"(action|utter)_\w+")
# Strings of that shape that are no name: the key of a bot event's metadata.
NOT_NAMES = frozenset({"utter_action"})


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def test_every_intent_is_in_the_domain(domain: Domain) -> None:
    assert sorted(INTENTS - set(domain.intents)) == []


def test_every_response_is_in_the_domain(domain: Domain) -> None:
    assert sorted(RESPONSES - set(domain.responses)) == []


def test_every_action_is_in_the_domain_or_one_of_rasas(domain: Domain) -> None:
    assert sorted(ACTIONS - set(domain.action_names_or_texts)) == []


def test_every_response_prefix_starts_a_response(domain: Domain) -> None:
    unused = [p for p in RESPONSE_PREFIXES if not any(r.startswith(p) for r in domain.responses)]
    assert unused == []


def test_the_rules_name_no_action_or_response_outside_domain_names() -> None:
    # What the test above cannot see: a name written straight into a rule.
    declared = ACTIONS | RESPONSES
    stray = sorted(
        f"{path.name}: {node.value}"
        for path in PACKAGE.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and NAME_LIKE.fullmatch(node.value)
        and node.value not in declared | NOT_NAMES
        and not node.value.startswith(RESPONSE_PREFIXES)
    )
    assert stray == []

"""`rasa data validate` passes, with no warning other than three known false alarms."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT
from training.validate import RULE_SET_ALARMS


def responses_used_by_code() -> set[str]:
    """Responses our code sends (actions, the handoff service), and the forms' questions."""
    code = "\n".join(
        p.read_text() for folder in ("actions", "handoff") for p in (ROOT / folder).rglob("*.py")
    )
    used = set(re.findall(r'"(utter_[a-z_]*[a-z])"', code))
    used.discard("utter_action")  # the key under which Rasa names a response, not one
    domain = (ROOT / "domain.yml").read_text()
    used |= set(re.findall(r"^  (utter_ask_[a-z_]+):", domain, re.MULTILINE))
    used.add("utter_default")  # sent by Rasa's own action_default_fallback
    return used


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate"],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    warnings = re.findall(r"UserWarning: (.*)", output)
    used = responses_used_by_code()
    unexpected = []
    for warning in warnings:
        unused = re.match(
            r"The utterance '(utter_[a-z_]+)' is not used in any story or rule", warning
        )
        if unused and unused.group(1) in used:
            continue  # Rasa's validator cannot see responses sent by custom actions.
        if warning.startswith(
            "The following duplicated intents have been found"
        ) and warning.endswith(": faq"):
            continue  # Rasa merges the retrieval intent from the NLU data and warns about itself.
        if any(alarm.search(warning) for alarm in RULE_SET_ALARMS):
            continue  # an intent set by a rule in the pipeline: no examples by design
        unexpected.append(warning)
    assert unexpected == []
    assert "No story structure conflicts found" in output


def test_every_response_the_actions_send_exists() -> None:
    domain = (ROOT / "domain.yml").read_text()
    missing = [
        r for r in responses_used_by_code() if not re.search(rf"^  {r}:", domain, re.MULTILINE)
    ]
    assert missing == []

"""Anger in single social-media messages, on the blind set (never trained or tuned on).

tests/handoff/escalation/anger_messages_blind.yml (243 messages, 122 angry) was written
from a description of the task only. A message counts as angry when decide()
hands it to a person for anger or what anger says (a threat to leave, a
contact centre that failed the customer). Measured when the set was written:
recall 0.172 at 1.7% false alarms with the old rules; 0.861 at 10.7% with the
new cues and the learned model; 0.869 at 5.8% once the model's training data
had cold anger and calm look-alikes (threshold kept at 0.70, chosen on the two
dev sets). The floors catch regressions; the false-alarm one is the goal.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from handoff.escalation import EscalationSettings, Turn, decide

BLIND = Path(__file__).with_name("anger_messages_blind.yml")
ANGER_REASONS = {
    "anger", "strong_anger", "anger_trend", "threat_to_leave", "contact_center_failure"
}  # fmt: skip
MIN_RECALL = 0.80
MAX_FALSE_ALARMS = 0.10


def test_anger_in_blind_social_media_messages() -> None:
    messages = yaml.safe_load(BLIND.read_text(encoding="utf-8"))["messages"]
    settings = EscalationSettings()

    def flagged(text: str) -> bool:
        return bool(ANGER_REASONS & set(decide([Turn.customer(text)], settings).reasons))

    angry = [m["text"] for m in messages if m["angry"]]
    calm = [m["text"] for m in messages if not m["angry"]]
    recall = sum(map(flagged, angry)) / len(angry)
    false_alarms = sum(map(flagged, calm)) / len(calm)
    print(f"\nanger, blind: recall {recall:.3f}, false alarms {false_alarms:.3f}")
    assert recall >= MIN_RECALL
    assert false_alarms <= MAX_FALSE_ALARMS

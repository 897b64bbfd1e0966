"""Escalation on the blind conversations, through the real bot (NLU, dialogue, policy).

tests/handoff/escalation_conversations_blind.yml (110 conversations, 55 to
escalate; customer messages only) was written from the escalation policy's
description, without the rules or the training data. Measured when it was
written: precision 0.857, recall 0.545, 9.1% false escalations with the old
rules and data; precision 0.943, recall 0.909, 5.5% false escalations with
the new cues, the anger model and the new data; precision 0.926, recall
0.909, 7.3% with the NLU pipeline of 2026-12-03 (word pairs, 50 epochs:
chosen on the dev sets, where it scored as well as the old one); precision
0.946, recall 0.964, 5.5% with the "needs a person" model (threshold 0.80,
chosen on dev4) and the cues dev3 showed missing.

tests/handoff/escalation_conversations_blind2.yml (140 conversations, 70 to
escalate) was written later the same way, and only ever measured: precision
0.895, recall 0.729, 8.6% false escalations before the model; 0.917, 0.943,
8.6% with it; 0.957, 0.943, 4.3% once anger aimed at someone else (a
neighbour, another shop, oneself) stopped counting as anger at us.

tests/handoff/escalation_conversations_blind3.yml (120 conversations, 60 to
escalate, 36 of the 60 others hard negatives) was written the same way on
2026-12-03, and measured before that change: precision 0.841, recall 0.967,
18.3% false escalations; after it, 0.879, 0.967, 13.3%.

tests/handoff/escalation_conversations_es_blind.yml (125 Spanish
conversations, 56 to escalate) was written the same way for Spanish, with
its dev set escalation_conversations_es_dev.yml (63). Before the Spanish
cues and data: recall 0.429, 17.4% false escalations (the bot answered in
English); with them (2026-12-04): precision 0.783, recall 0.964, 21.7% false
escalations (dev: 0.933, 1.000, 5.7%). The false escalations are over the
goal of 5%: README "Languages" says where they come from. With declines
of a person taken off request_human (bot/nlu/declined_request.py), more
declining wordings, faq/contact_us and the other changes chosen on the new
dev sets (escalation_conversations_es_dev2.yml, 120, and the English
escalation_conversations_dev5.yml, 100, both full of hard negatives: es_dev2
30.0% -> 10.0% false escalations, dev5 20.0% -> 8.0%), and the "needs a
person" model's threshold for Spanish chosen on those and es_dev3 (100
routine messages that look serious), 2026-12-04: Spanish blind precision
0.869, recall 0.946, 11.6%; English blind 0.963, 0.945, 3.6%; blind2 0.958,
0.971, 4.3%; blind3 0.892, 0.967, 11.7%. With hypotheticals and questions
about people's hours asking for no one, "no order number" said twice as
stuck, the bilingual "needs a person" model trained on the Spanish NLU
examples and the other changes chosen on es_dev4 and dev6 (2026-12-04,
later): Spanish blind 0.867, 0.929, 11.6%; English blind 0.962, 0.927, 3.6%;
blind2 0.958, 0.971, 4.3%; blind3 0.906, 0.967, 10.0%. The third round
(praise the bot missed is chatting, anger aimed at banks and football, new
cues, "no order number" answered; chosen on es_dev5 and es_dev6; 2026-12-04,
later still): Spanish blind 0.867, 0.929, 11.6%; English blind 0.945, 0.945,
5.5%; blind2 0.957, 0.957, 4.3%; blind3 0.906, 0.967, 10.0%. The fourth round
(vulnerable customers, matters told in two messages, the cues es_dev7 to
es_dev9 showed; 2026-12-05): Spanish blind 0.869, 0.946, 11.6%; the English
blind sets unchanged. The fifth and sixth rounds (the cues es_dev10 and
es_dev11 showed, 2026-12-05): every blind set unchanged. The seventh to
ninth rounds (es_dev12 to es_dev14, 2026-12-05): Spanish blind 0.883, 0.946,
10.1%; the English blind sets unchanged.

tests/handoff/escalation_conversations_es_blind2.yml (140 Spanish
conversations, 70 to escalate, half of them "subtle": the reason quiet,
indirect or told over two messages) was written on 2026-12-05 from the
policy as it now stands (vulnerable customers, bereavement, payment disputes
included), with es_dev12 and es_dev13, and is only measured: precision 0.931,
recall 0.771, 5.7% false escalations when written (before the seventh round);
0.949, 0.800, 4.3% after the eighth, and the ninth did not move it.
tests/handoff/escalation_conversations_es_blind3.yml (140, the same way)
was written after the ninth round and only measured: precision 0.922, recall
0.843, 7.1% false escalations (with the rules of the start of that day, in
process: recall 0.829, 8.6%).
With the Spanish conversation model (handoff/escalation/conversation_model.py,
trained on the former Spanish dev sets and 2,700 new conversations, never on
these; 2026-12-05): Spanish blind 0.964, 10.1%; blind2 0.871, 5.7%; blind3
0.929, 7.1%; the English blind sets unchanged.

After the eleventh to thirteenth rounds (overruling soft readings, seven more
training files, two messages not understood overruled, the model asked when
a message reads as glad; 2026-12-05): Spanish blind 0.930, 0.946, 5.8%;
blind2 0.970, 0.929, 2.9%; blind3 0.957, 0.943, 4.3%; the English blind sets
unchanged. tests/handoff/escalation_conversations_es_blind4.yml (140, half
of its routine conversations hard negatives) and
tests/handoff/escalation/escalation_probes_es.yml (120 told reasons in
unusual words, all for a person) were written after the twelfth round and
are only measured: when written, recall 0.957 at 17.1% false escalations,
and 0.700; after the thirteenth, 0.957 at 12.9%, and 0.742.

After the fourteenth round (five more training files, promises of ours not
kept, staff who damaged the home, what was put right or happened elsewhere,
a request repeated by the NLU alone overrulable, threshold 0.91; 2026-12-06):
Spanish blind 0.946, 5.8%; blind2 0.929, 2.9%; blind3 0.943, 5.7%; blind4
0.957, 10.0%; probes 0.792; English unchanged.
tests/handoff/escalation_conversations_es_blind5.yml (140, a third of its
routine conversations hard negatives) was written at the start of that round
and is only measured: recall 0.886 at 12.9% when written, 0.900 at 11.4% after.

The fifteenth round (an insult aimed at us never overruled, what was
settled, another company's contact centre, a loss outside the family;
2026-12-06) left every blind set as it was.
tests/handoff/escalation_conversations_es_blind6.yml (140, a third of its
routine conversations hard negatives) was written at the end of that round
and is only measured: recall 0.943 at 11.4%, before the round's changes and
after.

The seventeenth round (the conversation model does the message models' work:
the Spanish anger and "needs a person" models off, threshold 0.85, overrule
below 0.05; deaths years ago, hospital shifts; 2026-12-06): Spanish blind
0.982, 5.8%; blind2 0.943, 2.9%; blind3 0.957, 5.7%; blind4 0.971, 8.6%;
blind5 0.914, 10.0%; blind6 0.957, 11.4%; probes 0.825; English unchanged.
tests/handoff/escalation_conversations_es_blind7.yml (140, a third of its
routine conversations hard negatives) was written during that round and is
only measured: recall 0.957 at 10.0% before the round's changes, 0.943 at
11.4% after.

The eighteenth round (questions, warnings, figures of speech and matters in
passing; 2026-12-06): Spanish blind 0.982, 5.8%; blind2 0.943, 2.9%; blind3
0.957, 5.7%; blind4 0.971, 7.1%; blind5 0.914, 8.6%; blind6 0.957, 11.4%;
blind7 0.943, 10.0%; probes 0.825; English unchanged.
tests/handoff/escalation_conversations_es_blind8.yml (140, a third of its
routine conversations hard negatives) was written during that round and is
only measured: recall 0.943 at 7.1% before the round's changes, 0.943 at
4.3% after.

The nineteenth round (a person asked about, not for; another shop; a charge
put right; three fallbacks in a row in Spanish; 2026-12-06): blind4 0.971,
5.7%; blind6 0.957, 8.6%; every other set, the probes and English unchanged.

The twentieth round (Spanish words VADER read as English ones; other
businesses; a charge put right not shown to the conversation model;
2026-12-06): blind3 0.957, 4.3%; blind5 0.914, 7.1%; every other set, the
probes and English unchanged.

The recall floors of the first English set and of the Spanish ones leave
them two conversations (0.90; 0.94, 0.91, 0.92, 0.94, 0.88, 0.92, 0.91, 0.91,
and 0.80 for the probes), and the first set's
false-escalation ceiling two as well (0.09, 3 of 55 measured), as do those of
the third to eighth Spanish sets (0.08, 0.09, 0.11, 0.12, 0.13, 0.08): a model
trained on another machine may differ by one.

The floors catch regressions; `python -m training.conversations FILE`
prints the misses (read them for the blind files only to report, never to
write rules or data).
"""

from __future__ import annotations

import pytest

from handoff.escalation.conversation_model import load_conversations
from tests.conftest import ROOT, Assistant
from training.conversations import run

pytestmark = pytest.mark.slow

BLIND = ROOT / "tests" / "handoff"
# File, lowest recall, highest false-escalation rate.
FLOORS = [
    ("escalation_conversations_blind.yml", 0.90, 0.09),
    ("escalation_conversations_blind2.yml", 0.93, 0.07),
    ("escalation_conversations_blind3.yml", 0.93, 0.15),
    ("escalation_conversations_es_blind.yml", 0.94, 0.10),
    ("escalation_conversations_es_blind2.yml", 0.91, 0.07),
    ("escalation_conversations_es_blind3.yml", 0.92, 0.08),
    ("escalation_conversations_es_blind4.yml", 0.94, 0.09),
    ("escalation_conversations_es_blind5.yml", 0.88, 0.11),
    ("escalation_conversations_es_blind6.yml", 0.92, 0.12),
    ("escalation_conversations_es_blind7.yml", 0.91, 0.13),
    ("escalation_conversations_es_blind8.yml", 0.91, 0.08),
    # Every probe is for a person: no false escalation can happen.
    ("escalation/escalation_probes_es.yml", 0.80, 0.0),
]


@pytest.mark.parametrize(("name", "min_recall", "max_false_escalations"), FLOORS)
def test_blind_conversations_escalate_when_they_should(
    assistant: Assistant, name: str, min_recall: float, max_false_escalations: float
) -> None:
    scores = run(assistant.rasa_url, load_conversations(BLIND / name))
    print("\n" + scores.report())
    assert scores.recall >= min_recall, scores.report()
    assert scores.false_escalation_rate <= max_false_escalations, scores.report()

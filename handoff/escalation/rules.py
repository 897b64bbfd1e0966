"""When the bot hands a conversation to a person, how urgently, and why.

``decide(conversation, settings)`` judges the last customer message of a
conversation and returns a :class:`Decision`: whether to escalate, the reasons
(stable machine-readable codes, each with a human-readable explanation), a
priority, and the anger score of the judged message. It is pure: no I/O, no
Rasa imports, so the handoff service, an action or an offline evaluation can
all call it on a plain list of :class:`Turn`.

Reasons, grouped by priority (1 is the most urgent)::

    1  safety_incident    fire, injury, electric shock... caused by a product
       strong_anger       anger score >= strong_anger_threshold
    2  fraud              card or account misuse, orders the customer did not place
       legal_threat       lawyers, courts, small claims, regulators
       payment_dispute    chargebacks and disputed charges (see below), a charge
                          taken twice, a lender chasing payment for a return
    3  explicit_request   the customer asks for a person
       anger              anger score >= anger_threshold
       anger_trend        anger sustained or rising over the last few messages,
                          or irritation said outright after chasing ("still
                          nothing", then "this is starting to annoy me")
       threat_to_leave    the customer means to leave or go public: "never
                          ordering again", "closing my account", "taking my
                          business elsewhere", "1-star review", "third time. done."
       contact_center_failure
                          the customer could not reach us before: nobody called
                          back, on hold for an hour, cut off, e-mails unanswered,
                          "I've been trying to reach someone for days"
       repeated_fallback  the bot failed to understand several messages (not praise) in a row
       bot_did_not_help   the customer says the bot's answer did not help
       repeated_request   the same request made again and again (by intent or by
                          wording), made again instead of answering the bot's
                          question, "third time asking" / "I already told you", or
                          "I don't have the order number" said twice
       form_failures      a form rejected the customer's answers repeatedly
       bereavement        a death in the customer's family
       vulnerable_customer illness, disability, dementia, abuse, hardship (.vulnerable)
       needs_person       no rule found a reason, but a learned model reads the
                          message (:mod:`.person_model`) or, in Spanish, the
                          conversation so far (:mod:`.conversation_model`) as
                          one for a person

In Spanish the conversation model may also overrule reasons that are only soft
readings (the judged message's anger, the message model's needs_person, three
fallbacks, a request repeated by the NLU's intent alone): :data:`Decision.overruled`
then says which, and why. A chargeback is a formal dispute with the card issuer,
with deadlines and fees, that only staff can settle: ``payment_dispute``. Queues
order escalations by priority, then longest wait first (:func:`queue_key`).
Anger: :class:`.anger.AngerDetector`, and :mod:`.anger_model` below its threshold;
phrases: :mod:`.phrases`, :mod:`.sensitive_matters`; a stuck conversation: :mod:`.stuck`.

Customer text is untrusted, and ``decide`` runs inside the Rasa server's
policy ensemble, on its event loop: its cost must stay small whatever is
sent. So every pattern in this package runs in time linear in the text (no
``(?=.*x).*y``, no nested or adjacent unbounded quantifiers; a "requires"
condition is a second search, not a lookahead), VADER gets the same scores
in linear time (:class:`.vader.LinearVader`), each message is read up to
:data:`MAX_SCANNED_CHARS` characters, and each message is scored once:
findings are memoised per message text (:data:`TURN_CACHE_SIZE`), so a
conversation of N messages costs N scans, not one per message per later
message. ``bench/escalation_speed.py`` measures it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from handoff.escalation.anger import AngerDetector, AngerScore, default_detector, vented_elsewhere
from handoff.escalation.anger_model import anger_probability
from handoff.escalation.anger_words import PLAYED_DOWN, aimed_elsewhere
from handoff.escalation.conversation_model import (
    OVERRULABLE,
    SEPARATOR,
    conversation_probability,
    model_text,
)
from handoff.escalation.domain_names import BOT_CHALLENGE_INTENT, REQUEST_HUMAN_INTENT
from handoff.escalation.findings import _findings
from handoff.escalation.insults import insult
from handoff.escalation.language import is_spanish
from handoff.escalation.matters import IN_TWO_PARTS, PARTS_WINDOW, SENSITIVE_MATTERS
from handoff.escalation.person_model import person_probability
from handoff.escalation.settings import (
    ANGER_MODEL_MIN_WORDS,
    MAX_SCANNED_CHARS,
    PERSON_MODEL_MIN_WORDS,
    EscalationSettings,
)
from handoff.escalation.stuck import _fallbacks_in_a_row, _form_failures, _repeats, _scanned
from handoff.escalation.turns import Turn
from handoff.escalation.vocabulary import WORD, _normalise

# --- the decision -------------------------------------------------------------------

# Lower is more urgent. Reasons are listed in this order within a priority.
REASON_PRIORITY = {
    "safety_incident": 1,
    "strong_anger": 1,
    "fraud": 2,
    "legal_threat": 2,
    "payment_dispute": 2,
    "explicit_request": 3,
    "anger": 3,
    "anger_trend": 3,
    "threat_to_leave": 3,
    "contact_center_failure": 3,
    "repeated_fallback": 3,
    "bot_did_not_help": 3,
    "repeated_request": 3,
    "form_failures": 3,
    "bereavement": 3,
    "vulnerable_customer": 3,
    "needs_person": 3,
}
REASON_ORDER = {reason: i for i, reason in enumerate(REASON_PRIORITY)}
# A message clearly positive overall (VADER compound at least GLAD_COMPOUND) and scoring
# below GLAD_MAX_ANGER is glad: what looks like a threat to leave or a contact-centre
# complaint in it is not. Above POSITIVE_COMPOUND: "...before giving up" scores +0.34.
GLAD_COMPOUND = 0.5
GLAD_MAX_ANGER = 0.15
# Another shop named ("en la otra tienda me tuvieron un mes esperando, por eso os compro a
# vosotros"): a story the "needs a person" model reads as a complaint; the rules judge it
# well. Not someone of the customer's own (aimed_elsewhere): a worry about a child may need one.
ANOTHER_SHOP = re.compile(
    r"\b(otr[oa] (tienda|empresa|pagina|web|sitio|marca|paqueteria)|(a different|another|some "
    r"other|the other|a other) (shop|store|retailer|company|seller|website|site|brand))\b",
    re.IGNORECASE,
)
# Closing the account is leaving at least this anger, or a VADER compound at most its negative.
UNHAPPY_MIN_ANGER = 0.1
# "I'm done." as the whole message, and how unhappy one of the customer's
# previous DONE_LOOKBACK messages must be for it to mean giving up on us.
BARE_DONE = re.compile(
    r"^\W*((i'm|i am|we're|we are)( so| completely| totally| officially| just)? )?done"
    r"( now| here)?\W*$",
    re.IGNORECASE,
)
DONE_LOOKBACK = 2
DONE_MIN_EARLIER_ANGER = 0.3


@dataclass(frozen=True)
class Decision:
    """Whether to hand the conversation to a person, how urgently, and why."""

    escalate: bool
    # Stable codes (see the module docstring), most urgent first.
    reasons: list[str] = field(default_factory=list)
    # 1 (most urgent) to 3; None when not escalating: such a decision can never be queued.
    priority: int | None = None
    anger: float = 0.0  # the anger score of the judged message, 0..1
    # A sentence per reason, for agents and logs.
    explanation: dict[str, str] = field(default_factory=dict)
    # The anger signals of the judged message, for debugging and tuning.
    anger_detail: AngerScore = field(default_factory=lambda: AngerScore(0.0))
    # The rules' reasons the conversation model overruled, with why (.conversation_model).
    overruled: dict[str, str] = field(default_factory=dict)
    # The reasons are all soft readings, which the conversation model may overrule (it did not).
    overrulable: bool = False

    def summary(self) -> str:
        if not self.escalate:
            return f"no escalation (anger {self.anger:.2f})" + "".join(
                f"; {r}: {why}" for r, why in self.overruled.items()
            )
        return f"escalate, priority {self.priority}: " + "; ".join(
            f"{r}: {self.explanation[r]}" for r in self.reasons
        )


def queue_key(priority: int, created_at: datetime | float) -> tuple[int, float]:
    """Sort key of an escalation queue: most urgent priority first, then longest wait.

    ``created_at`` is when the escalation was raised, as a datetime (naive ones
    are taken as UTC) or a POSIX timestamp; an earlier one sorts first.
    """
    if isinstance(created_at, datetime):
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        return (priority, created_at.timestamp())
    return (priority, float(created_at))


def declines_a_person(text: str) -> bool:
    """Whether ``text`` declines a person ("no need to call me") and asks for none."""
    findings = _findings(text[:MAX_SCANNED_CHARS])
    return findings.not_a_request is not None and findings.explicit_request is None


def _glad(score: AngerScore) -> bool:
    return score.compound >= GLAD_COMPOUND and score.score < GLAD_MAX_ANGER


def decide(
    conversation: Sequence[Turn],
    settings: EscalationSettings | None = None,
    detector: AngerDetector | None = None,
    conversation_scorer: Callable[[str], float] | None = None,
) -> Decision:
    """Judge the last customer message of ``conversation`` (oldest turn first).

    Each message is read up to MAX_SCANNED_CHARS characters, and what is
    found in it is remembered: judging a conversation again after one more
    message scans only that message. ``conversation_scorer`` replaces the
    shared conversation model (a model trained without some files, when
    choosing its threshold).
    """
    settings = settings or EscalationSettings()
    conversation_scorer = conversation_scorer or conversation_probability
    detector = detector or default_detector(settings.shout_min_letters)
    customers = [i for i, t in enumerate(conversation) if t.role == "customer"]
    if not customers:
        return Decision(escalate=False)
    judged = conversation[customers[-1]]
    judged_findings = _findings(_scanned(judged))
    found: dict[str, str] = {}

    # Explicit request: the wording ("no stop, I want a real person" labelled deny), or the
    # intent unless the wording declines ("no need to call me").
    phrase = judged_findings.explicit_request
    if phrase is not None:
        found["explicit_request"] = f'the customer asked for a person: "{phrase}"'
    elif (
        judged.intent == REQUEST_HUMAN_INTENT
        and _trusted(judged, settings)
        and judged_findings.not_a_request is None
    ):
        found["explicit_request"] = (
            f"the customer asked for a person (intent {REQUEST_HUMAN_INTENT})"
        )

    # Anger of the judged message, and of the last few.
    intent = judged.intent if _trusted(judged, settings) else None
    score = detector.anger(_scanned(judged), intent)
    # The model's probability, where it alone found anger: what the agent sees as the
    # message's anger. The trend stays on the detector's scale.
    model_anger = 0.0
    if score.score >= settings.strong_anger_threshold:
        found["strong_anger"] = (
            f"strong anger {score.score:.2f} (>= {settings.strong_anger_threshold:.2f}): "
            + score.describe()
        )
    elif score.score >= settings.anger_threshold:
        found["anger"] = (
            f"anger {score.score:.2f} (>= {settings.anger_threshold:.2f}): " + score.describe()
        )
    elif (
        "explicit_request" not in found
        and intent != BOT_CHALLENGE_INTENT
        and judged_findings.not_a_request is None
        and len(WORD.findall(_scanned(judged))) >= ANGER_MODEL_MIN_WORDS
        # Upset with a neighbour or themselves: the model reads upset, not at whom.
        and aimed_elsewhere(_scanned(judged)) is None
        and (cutoff := settings.anger_model_cutoff(is_spanish(_scanned(judged)))) < 1.0
    ):
        # The model catches anger said without the detector's trigger words (cold sarcasm);
        # either suffices (dev: 0.92 of angry messages at 5% false alarms, 0.87 for the model
        # alone). strong_anger stays the detector's: a probability is sureness, not anger. Not
        # asked about a person requested or declined, "are you a bot?", nor five words or fewer.
        probability = anger_probability(_scanned(judged))
        if probability >= cutoff:
            found["anger"] = (
                f"the anger model reads this message as angry ({probability:.2f} >= {cutoff:.2f})"
            )
            model_anger = probability
    trend = _anger_trend(conversation, customers, score, detector, settings)
    if trend is None:
        trend = _irritation_after_chasing(conversation, customers, score, detector, settings)
    if trend is not None:
        found["anger_trend"] = trend

    # Leaving: not in a happy message ("I'll never shop anywhere else again, love you guys").
    # Closing the account counts only in an unhappy message.
    glad = _glad(score)
    phrase = None if glad else judged_findings.threat_to_leave
    unhappy = score.score >= UNHAPPY_MIN_ANGER or score.compound <= -UNHAPPY_MIN_ANGER
    if phrase is None and unhappy:
        phrase = judged_findings.account_closure
    if phrase is None and BARE_DONE.match(_scanned(judged)) is not None:
        phrase = _done_after_grievance(conversation, customers, detector)
    if phrase is not None:
        found["threat_to_leave"] = f'the customer threatens to leave or go public: "{phrase}"'
    # Not in a glad English message ("on hold 20 min but Jo fixed it, thanks!"): VADER reads
    # no Spanish praise, so "2 horas en espera 😅" read glad (2 of 2 labelled: for a person).
    english_glad = glad and not is_spanish(_scanned(judged))
    phrase = None if english_glad else judged_findings.contact_center_failure
    if phrase is not None:
        found["contact_center_failure"] = (
            f'the customer says our contact centre did not answer or call back: "{phrase}"'
        )

    # A conversation the bot cannot resolve (a Spanish one gets a try more: HANDOFF_MAX_*).
    # Praise the bot did not follow ("BEST. DRIVERS. EVER.", "joder q bonita es") is chatting,
    # and a person declined ("queria una persona pero pruebo contigo primero") was understood.
    joined = SEPARATOR.join(_scanned(conversation[i]) for i in customers)
    max_fallbacks = settings.fallback_limit(spanish := is_spanish(joined))
    fallbacks = _fallbacks_in_a_row(conversation, customers)
    run = customers[len(customers) - fallbacks :] if fallbacks >= max_fallbacks else []
    missed = sum(
        not _glad(detector.anger(_scanned(conversation[i]), conversation[i].intent))
        and _findings(_scanned(conversation[i])).not_a_request is None
        for i in run
    )
    if missed >= max_fallbacks:
        found["repeated_fallback"] = f"the bot did not understand {fallbacks} messages in a row"
    phrase = judged_findings.bot_did_not_help
    if phrase is not None:
        found["bot_did_not_help"] = f'the customer says the bot did not help: "{phrase}"'
    # One reason however the repeat shows: counted by intent and by wording
    # (a message matching both counts once), made instead of answering the
    # bot's question, or said by the customer ("third time asking").
    repeat = _repeats(conversation, customers)
    said = judged_findings.repeated_asking
    parts = []
    if repeat.count >= settings.max_repeats or (
        repeat.count >= 2 and len(repeat.ignored) >= settings.max_ignored_questions
    ):
        part = f"the customer made the same request ({repeat.by}) {repeat.count} times"
        if repeat.ignored:
            part += ", instead of answering " + ", ".join(sorted(set(repeat.ignored)))
        parts.append(part)
    if said is not None:
        parts.append(f'the customer says they asked before: "{said}"')
    if repeat.no_number is not None:
        parts.append(f'the customer says again they have no order number: "{repeat.no_number}"')
    if parts:
        found["repeated_request"] = "; ".join(parts)
    # Only the NLU's intent, at most max_repeats times: a soft reading, like fallbacks.
    soft_repeat = said is None and repeat.no_number is None and not repeat.worded
    soft_repeat = soft_repeat and repeat.count <= settings.max_repeats
    failures = _form_failures(conversation)
    if failures >= settings.max_form_failures:
        found["form_failures"] = f"the form rejected the customer's answers {failures} times"

    # Sensitive matters stay sensitive for the whole conversation (a bereavement two
    # messages ago); the latest mention is quoted. Earlier messages' findings are
    # remembered (_findings): a lookup per message, not a scan.
    missing = set(range(len(SENSITIVE_MATTERS)))
    for index in reversed(customers):
        sensitive = _findings(_scanned(conversation[index])).sensitive
        for matter in sorted(missing):
            phrase = sensitive[matter]
            if phrase is not None:
                code, _, label = SENSITIVE_MATTERS[matter]
                found[code] = f'{label}: "{phrase}"'
                missing.discard(matter)
        if not missing:
            break
    # Or told in two messages ("el banco me desconto la plata" / "el pedido no existe").
    recent = [_findings(_scanned(conversation[i])).parts for i in customers[-PARTS_WINDOW:]]
    for k, (code, _, _, label) in enumerate(IN_TWO_PARTS):
        halves = [next((p[k][j] for p in recent if p[k][j] is not None), None) for j in (0, 1)]
        if code not in found and None not in halves:
            found[code] = f'{label}: "{halves[0]}" and "{halves[1]}"'

    # What no rule has words for: the learned model, when nothing escalated (nor declined).
    threshold = 1.0
    if not found and judged_findings.not_a_request is None:
        threshold = settings.person_model_cutoff(is_spanish(_scanned(judged)))
    if (
        threshold < 1.0
        and len(WORD.findall(_scanned(judged))) >= PERSON_MODEL_MIN_WORDS
        and not vented_elsewhere(score, settings.anger_threshold)
        and ANOTHER_SHOP.search(_normalise(_scanned(judged))) is None
    ):
        probability = person_probability(_scanned(judged))
        if probability >= threshold:
            found["needs_person"] = (
                f"the model reads this message as one for a person ({probability:.2f} >= "
                f"{threshold:.2f})"
            )
    # And the Spanish conversation so far, read whole (.conversation_model): a reason
    # told quietly or over several messages, or one message's soft readings overruled.
    cutoff, overrule_below = (
        settings.conversation_model_threshold_es,
        settings.conversation_model_overrule_below_es,
    )
    # Asked even when the message reads as glad: VADER scores Spanish greetings and thanks
    # but no Spanish complaint, so "Buenas, el río se llevó la casa..." reads as glad.
    asks = not found and judged_findings.not_a_request is None
    # Never a fallback past the limit (a third in English, a fourth in Spanish), nor a fourth
    # repeat, nor the detector's anger at an insult aimed at us ("déjalo, sois unos gilipollas").
    hard = {"anger"} if model_anger == 0.0 and insult(score) is not None else set()
    softened = (OVERRULABLE - hard) | ({"repeated_request"} if soft_repeat else set())
    soft = found.keys() <= softened and missed <= max_fallbacks
    overrules = bool(found) and soft and overrule_below > 0.0
    overruled: dict[str, str] = {}
    if (asks and cutoff < 1.0) or overrules:
        whole = conversation_scorer(model_text(joined)) if spanish else None
        if asks and whole is not None and whole >= cutoff:
            found["needs_person"] = (
                f"the model reads the conversation so far as one for a person "
                f"({whole:.2f} >= {cutoff:.2f})"
            )
        elif overrules and whole is not None and whole < overrule_below:
            overruled = {
                r: f"{why}; overruled: the model reads the conversation so far as routine "
                f"({whole:.2f} < {overrule_below:.2f})"
                for r, why in found.items()
            }
            found = {}

    reasons = sorted(found, key=lambda r: (REASON_PRIORITY[r], REASON_ORDER[r]))
    return Decision(
        escalate=bool(reasons),
        reasons=reasons,
        priority=min((REASON_PRIORITY[r] for r in reasons), default=None),
        anger=max(score.score, model_anger),
        explanation={r: found[r] for r in reasons},
        anger_detail=score,
        overruled=overruled,
        overrulable=overrules and not overruled,
    )


def _done_after_grievance(
    conversation: Sequence[Turn], customers: Sequence[int], detector: AngerDetector
) -> str | None:
    """A bare "I'm done." right after a message that complained, quoted; else None.

    Alone it may be the end of a form ("done!"); after "Third missed
    delivery." it is the customer giving up on us.
    """
    for index in customers[-1 - DONE_LOOKBACK : -1]:
        earlier = detector.anger(_scanned(conversation[index]))
        if earlier.score >= DONE_MIN_EARLIER_ANGER:
            return f"{_scanned(conversation[customers[-1]]).strip()} (after: {earlier.describe()})"
    return None


def _trusted(turn: Turn, settings: EscalationSettings) -> bool:
    return turn.confidence is None or turn.confidence >= settings.min_intent_confidence


def _anger_trend(
    conversation: Sequence[Turn],
    customers: Sequence[int],
    judged: AngerScore,
    detector: AngerDetector,
    settings: EscalationSettings,
) -> str | None:
    n = settings.anger_trend_turns
    if n < 2 or len(customers) < n:
        return None
    # Remembered by the detector: each earlier message was scored when it was judged.
    scores = [
        detector.anger(_scanned(t), t.intent if _trusted(t, settings) else None).score
        for t in (conversation[i] for i in customers[-n:-1])
    ] + [judged.score]
    shown = " -> ".join(f"{s:.2f}" for s in scores)
    floor = settings.anger_trend_threshold
    # Sustained: on average irritated, and not calmed down in the judged
    # message. An average, so that one slightly calmer message in a row of
    # irritated ones does not reset the trend.
    mean = sum(scores) / n
    if mean >= floor and scores[-1] >= floor / 2:
        return f"anger averaged {mean:.2f} (>= {floor:.2f}) over the last {n} messages ({shown})"
    rising = all(b > a for a, b in itertools.pairwise(scores))
    if rising and scores[-1] >= floor and scores[-1] - scores[0] >= settings.anger_trend_rise:
        return f"anger rose over the last {n} messages ({shown})"
    return None


def _irritation_after_chasing(
    conversation: Sequence[Turn],
    customers: Sequence[int],
    judged: AngerScore,
    detector: AngerDetector,
    settings: EscalationSettings,
) -> str | None:
    """Irritation said outright after the customer chased the same matter.

    "Still nothing", then "this is really starting to annoy me": each alone
    is mild, and the average of a calm start stays low, but a customer who
    chased and now says they are annoyed is past the bot. Not when the
    irritation is played down ("a bit annoying"), laughed off or outweighed
    by a positive tone.
    """
    said = next((s for s in judged.signals if s.name in ("anger_words", "irritation_words")), None)
    if said is None:
        return None
    if any(s.weight < 0 for s in judged.signals):
        return None
    text = _normalise(conversation[customers[-1]].text[:MAX_SCANNED_CHARS])
    if PLAYED_DOWN.search(text) is not None:
        return None
    for index in reversed(customers[-settings.anger_trend_turns - 1 : -1]):
        turn = conversation[index]
        earlier = detector.anger(_scanned(turn), turn.intent if _trusted(turn, settings) else None)
        chased = next((s for s in earlier.signals if s.name == "repeat_contact"), None)
        # Chasing someone else ("DPD lost a parcel from a different shop
        # AGAIN") is no chase of us.
        if chased is not None and not any(s.name == "aimed_elsewhere" for s in earlier.signals):
            return f'irritation after chasing: "{chased.evidence}" earlier, now "{said.evidence}"'
    return None

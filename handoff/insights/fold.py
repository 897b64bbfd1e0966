"""Rasa's events of one sender id folded into :class:`ConversationRecord` s, one per session.

``build_records(conversation_id, events)`` takes the events of one sender id
as Rasa serialises them (the dicts of the SQL tracker store's ``events.data``
column, and what its event broker publishes) and returns one record per
session. ``build_record`` returns the latest session's. Both are pure: no
I/O, no Rasa, no clock (``as_of`` is given), so the export of a tracker store
and the table kept from the live event stream (handoff.insights.keeper) fold
the same way.

**One record per session.** Rasa starts a new session (``session_started``)
after ``session_expiration_time`` (60 minutes in domain.yml) of silence, and
on ``restart``: each is a contact as a CRM counts them, and a sender id (a
phone number on SMS) may come back for years. A session without a customer
message (Rasa opens one before the first message; a restart's empty one) is
no contact and gives no record. A record is keyed by ``conversation_id`` and
``started_at``. Rewound and undone events (``rewind`` after
``action_default_fallback``, ``undo``) are counted as they happened: the
customer did write the message the bot took back.

**Contact reasons** are the customer's intents in order of first appearance,
FAQ questions in full (``faq/store_hours``, from the response selector, as
:func:`handoff.escalation.intent_of` reads it), leaving out small talk and
answers (:data:`NOT_REASONS`: greetings, thanks, yes/no, a form's answers,
``bot_challenge``, ``nlu_fallback``, Rasa's ``/restart``). Asking for a
person, complaining and ``out_of_scope`` are reasons. Messages written
while a person had the conversation (paused) are not read for reasons: they
are answers to the agent, which the NLU was not trained on.

**Order numbers** are the ``order_id`` entities and slot values, as 8
digits ("#1234-5678" typed is ``12345678``, as the forms read it). What the
slot's custom mapping caught that is no order number ("1234567", a phone
number typed at the question) is left out: the form rejected it too.
**Products** are found in the customer's words with a catalogue
(:class:`handoff.insights.products.Catalogue`: product names and their
aliases, ``HANDOFF_PRODUCTS_FILE`` or the shipped one), not by the NLU: the
domain has no product entity, and adding one would need a new model and
its evaluation. In order of first mention, each once. Every customer message
with words is read, those written to a person during a handoff too (unlike
the reasons: a product named to the agent is no less named, and the match
does not depend on the NLU); a button's ``/intent`` payload and the survey's
comment are not. A product gets the sentiment of the whole session
(:mod:`handoff.insights.figures` sums it per product): one customer message
rarely names the product and says how it feels at once.

**Sentiment** is one :class:`Feeling` per customer message with words (not a
button's ``/intent`` payload): VADER's compound (-1..1) and the anger score
(0..1) of :mod:`handoff.escalation`'s detector, the same the escalation
rules judge by.

**Outcome**, in this order of precedence:

- ``opted_out``: the customer opted out. SMS STOP and its synonyms never
  reach the NLU: ``bot.channels.sms`` records them in the channels' store
  and sets the ``sms_opted_out`` slot in the sender's tracker (false again
  after START), which is what the fold reads; a caller that knows better
  may pass ``opted_out_at``.
- ``handed_off``: the bot was paused (``action_handoff`` pauses it once the
  handoff is recorded; an agent may pause it too). ``handed_off_at`` is when
  ``action_handoff`` ran, or the pause's time without one. An
  ``action_handoff`` that failed (``utter_handoff_failed``, no pause) is no
  handoff. The reason, wait and handle times are the handoff database's:
  left None here for whoever joins them in.
- ``ongoing``: not over yet, so not judged. A session is over when another
  follows it, or when nothing happened in it for ``quiet_s`` (default the
  session expiration, :data:`QUIET_S`) before ``as_of``.
- ``abandoned``: the bot's last message was a fallback ("please rephrase",
  ``utter_default``) or a question left unanswered (a form's
  ``utter_ask_*``, or a form's rejection that asks again, such as
  ``utter_invalid_order_id``), and the customer never wrote after it.
- ``resolved``: otherwise (the bot's last message answered, or the customer
  wrote after it).

**Counts**: ``customer_turns`` (every message, buttons and those written to
an agent included), ``bot_turns`` (the bot's messages), ``fallbacks``
(customer messages the bot did not understand: ``nlu_fallback``, or answered
with a fallback action or response, once each) and ``rephrasings`` (a
customer message right after one that fell back). Fallbacks and
rephrasings count only while the bot had the conversation.

**Satisfaction**: the channels ask a survey and record its answers
outside any turn (:func:`_survey`): ``csat_kind`` and ``csat_survey_id``
from the question, ``csat_score`` (1..5) and ``csat_comment`` from the
slots that carry its id. They change neither the turns nor the session's
end. An answer belongs to the session its question was asked in.

**First response**: ``first_response_s``, from the session's first customer
message to the bot's first message after it (Rasa's event times: the time
the turn took in the server, not the channel's delivery).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from handoff.escalation import AngerDetector, default_detector, event_time, intent_of
from handoff.escalation.domain_names import (
    FALLBACK_ACTIONS,
    FALLBACK_INTENT,
    FORM_FAILURE_RESPONSES,
    HOUSEKEEPING_ACTIONS,
    NOT_REQUESTS,
    QUESTION_PREFIXES,
    REQUEST_HUMAN_INTENT,
)
from handoff.insights.products import Catalogue, load_catalogue
from handoff.insights.record import (
    EPOCH,
    QUIET_S,
    ConversationRecord,
    Event,
    Feeling,
    Outcome,
    seconds_between,
)

HANDOFF_ACTION = "action_handoff"
ORDER_ID = "order_id"
# As actions.forms.normalise_order_id reads a typed number (handoff may not import actions).
ORDER_NUMBER = re.compile(r"\d{8}")
ORDER_SEPARATORS = re.compile(r"[\s.#\-]")
# The escalation rules' answers and small talk (domain_names.NOT_REQUESTS),
# except asking for a person, which is a reason to contact; the NLU's "I do
# not know", which says nothing of why the customer came; and Rasa's own
# intents of its /restart, /back and /session_start commands.
RASA_COMMANDS = frozenset({"restart", "back", "session_start"})
NOT_REASONS = (NOT_REQUESTS - {REQUEST_HUMAN_INTENT}) | {FALLBACK_INTENT} | RASA_COMMANDS
# Start a new session: Rasa's action_session_start comes just before its
# session_started, action_restart before its restart.
SESSION_MARKERS = frozenset({"session_started", "restart"})
SESSION_ACTIONS = frozenset({"action_session_start", "action_restart"})
# The slots the channels set outside any turn (domain.yml).
CSAT_SCORE_SLOT = "csat_score"
CSAT_SLOTS = frozenset({CSAT_SCORE_SLOT, "csat_comment"})
OPTED_OUT_SLOT = "sms_opted_out"
SURVEY_KINDS = ("handoff", "bot")
MAX_COMMENT_CHARS = 1000

# --- sessions ------------------------------------------------------------------------


def sessions(events: Iterable[Event]) -> list[list[Event]]:
    """The events cut into sessions, each with the markers that opened it."""
    cut: list[list[Event]] = [[]]
    for event in events:
        if _opens_session(event) and not all(_opens_session(e) for e in cut[-1]):
            cut.append([])
        cut[-1].append(event)
    return [session for session in cut if session]


def _opens_session(event: Event) -> bool:
    kind = event.get("event")
    return kind in SESSION_MARKERS or (kind == "action" and event.get("name") in SESSION_ACTIONS)


# --- the fold ------------------------------------------------------------------------


@dataclass
class _Message:
    """A customer message while being folded: whether the bot fell back on it."""

    paused: bool
    fell_back: bool


@dataclass
class _Fold:
    """What one pass over a session's events gathers."""

    times: list[datetime] = field(default_factory=list)
    channel: str | None = None
    reasons: dict[str, None] = field(default_factory=dict)  # an ordered set
    order_ids: dict[str, None] = field(default_factory=dict)
    products: dict[str, None] = field(default_factory=dict)
    sentiment: list[Feeling] = field(default_factory=list)
    messages: list[_Message] = field(default_factory=list)
    bot_turns: int = 0
    last_bot: str | None = None  # the response or action of the bot's last message
    last_action: str | None = None
    customer_after_bot: bool = False  # the customer wrote after the bot's last message
    paused: bool = False
    handoff_ran: datetime | None = None
    handed_off_at: datetime | None = None
    first_message_at: datetime | None = None
    first_reply_at: datetime | None = None
    opted_out_at: datetime | None = None
    csat_kind: str | None = None
    csat_survey_id: str | None = None
    csat_score: int | None = None
    csat_comment: str | None = None


def build_records(
    conversation_id: str,
    events: Iterable[Event],
    *,
    as_of: datetime | None = None,
    quiet_s: float = QUIET_S,
    opted_out_at: datetime | None = None,
    detector: AngerDetector | None = None,
    catalogue: Catalogue | None = None,
) -> list[ConversationRecord]:
    """One record per session with a customer message, oldest first.

    ``as_of`` (UTC) is when the events were read: the last session is over
    if it has been quiet ``quiet_s`` by then; without ``as_of`` it is taken
    as over (a finished export of past conversations). ``opted_out_at``
    marks the session it falls in (or the last, if after it) opted out.
    ``catalogue``: the products to find; without it, the shipped one (read
    once, then kept).
    """
    detector = detector or default_detector()
    catalogue = load_catalogue() if catalogue is None else catalogue
    cut = sessions(events)
    folded = [_fold(conversation_id, session, detector, catalogue) for session in cut]
    records = [record for record in folded if record is not None]
    judged = []
    for index, record in enumerate(records):
        following = records[index + 1] if index + 1 < len(records) else None
        # A session is over once another begins (an empty one too: the
        # customer was gone long enough for Rasa to start one).
        over = (
            record is not folded[-1]
            or as_of is None
            or (as_of - record.ended_at).total_seconds() >= quiet_s
        )
        # The opt-out belongs to the session it came in or after, before the next.
        opted = (
            opted_out_at is not None
            and record.started_at <= opted_out_at
            and (following is None or opted_out_at < following.started_at)
        )
        judged.append(_judged(record, over, opted_out_at if opted else record.opted_out_at))
    return judged


def build_record(
    conversation_id: str,
    events: Iterable[Event],
    *,
    as_of: datetime | None = None,
    quiet_s: float = QUIET_S,
    opted_out_at: datetime | None = None,
    detector: AngerDetector | None = None,
    catalogue: Catalogue | None = None,
) -> ConversationRecord | None:
    """The record of the latest session, or None if it has no customer message yet."""
    events = list(events)
    latest = sessions(events)[-1:] or [[]]
    records = build_records(
        conversation_id, latest[0], as_of=as_of, quiet_s=quiet_s,
        opted_out_at=opted_out_at, detector=detector, catalogue=catalogue,
    )  # fmt: skip
    return records[-1] if records else None


def _fold(
    conversation_id: str, session: Sequence[Event], detector: AngerDetector, catalogue: Catalogue
) -> ConversationRecord | None:
    fold = _Fold()
    for event in session:
        kind = event.get("event")
        moment = event_time(event)
        if _survey(fold, event):
            continue  # no turn of the conversation: its times and outcome stay
        if moment is not None and not _opens_session(event):
            fold.times.append(moment)
        if kind == "user":
            _customer(fold, event, moment, detector, catalogue)
        elif kind == "bot":
            response = (event.get("metadata") or {}).get("utter_action")
            fold.bot_turns += 1
            # A message without a response's name is its action's (a custom
            # action's text), as handoff.escalation.turns reads it.
            fold.last_bot = str(response) if response else fold.last_action
            fold.customer_after_bot = False
            if fold.first_reply_at is None and fold.first_message_at is not None:
                fold.first_reply_at = moment
            _fell_back(fold, fold.last_bot)
        elif kind == "action":
            _action(fold, str(event.get("name") or ""), moment)
        elif kind == "slot" and event.get("name") == ORDER_ID:
            _order_number(fold, event.get("value"))
        elif kind == "slot" and event.get("name") == OPTED_OUT_SLOT:
            fold.opted_out_at = (moment or EPOCH) if event.get("value") is True else None
        elif kind == "pause":
            fold.paused = True
            if fold.handed_off_at is None:
                fold.handed_off_at = fold.handoff_ran or moment
        elif kind == "resume":
            fold.paused = False
    if not fold.messages:
        return None
    started = min((t for e in session if (t := event_time(e))), default=EPOCH)
    ended = max(fold.times, default=started)
    rephrasings = sum(
        1
        for before, message in itertools.pairwise(fold.messages)
        if before.fell_back and not before.paused and not message.paused
    )
    return ConversationRecord(
        conversation_id=conversation_id,
        started_at=started,
        ended_at=ended,
        channel=fold.channel,
        contact_reasons=tuple(fold.reasons),
        order_ids=tuple(fold.order_ids),
        products=tuple(fold.products),
        sentiment=tuple(fold.sentiment),
        first_response_s=_rounded(seconds_between(fold.first_message_at, fold.first_reply_at)),
        handed_off_at=fold.handed_off_at,
        customer_turns=len(fold.messages),
        bot_turns=fold.bot_turns,
        fallbacks=sum(1 for m in fold.messages if m.fell_back and not m.paused),
        rephrasings=rephrasings,
        opted_out_at=fold.opted_out_at,
        csat_kind=fold.csat_kind,
        csat_survey_id=fold.csat_survey_id,
        csat_score=fold.csat_score,
        csat_comment=fold.csat_comment,
        # The outcome's inputs, judged by _judged once it is known whether it is over.
        outcome="abandoned" if _left_unanswered(fold) else "resolved",
    )


def _customer(
    fold: _Fold,
    event: Event,
    moment: datetime | None,
    detector: AngerDetector,
    catalogue: Catalogue,
) -> None:
    intent, _ = intent_of(event)
    text = str(event.get("text") or "")
    fold.messages.append(_Message(paused=fold.paused, fell_back=intent == FALLBACK_INTENT))
    if fold.first_message_at is None:
        fold.first_message_at = moment
    fold.customer_after_bot = True
    if fold.channel is None and event.get("input_channel"):
        fold.channel = str(event["input_channel"])
    if intent and intent not in NOT_REASONS and not fold.paused:
        fold.reasons.setdefault(intent)
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == ORDER_ID:
            _order_number(fold, entity.get("value"))
    if text.strip() and not text.startswith("/"):
        # A button's payload ("/affirm") says nothing of how the customer feels.
        score = detector.anger(text, intent)
        fold.sentiment.append(
            Feeling(moment or EPOCH, round(score.compound, 4), round(score.score, 4))
        )
        for product in catalogue.find(text):
            fold.products.setdefault(product)


def _survey(fold: _Fold, event: Event) -> bool:
    """Take in a satisfaction survey's event; whether ``event`` was one.

    The channels ask and record outside any turn (bot.channels.surveys):
    the question and thanks are bot messages marked with ``survey_id`` in
    their metadata, the answers slots. None of them is a turn: they count in
    neither the turns nor the session's end, so a survey asked after a
    session went quiet does not make it ``ongoing`` again.
    """
    kind = event.get("event")
    metadata = event.get("metadata") or {}
    survey_id = metadata.get("survey_id") if isinstance(metadata, dict) else None
    if kind == "bot" and isinstance(survey_id, str):
        if metadata.get("survey") == "question":
            fold.csat_survey_id = survey_id
            kind_asked = metadata.get("survey_kind")
            fold.csat_kind = kind_asked if kind_asked in SURVEY_KINDS else None
            fold.csat_score = fold.csat_comment = None
        return True
    if kind != "slot" or event.get("name") not in CSAT_SLOTS:
        return False
    if survey_id is not None and survey_id != fold.csat_survey_id:
        return True  # an answer to another session's question
    value = event.get("value")
    if event.get("name") == CSAT_SCORE_SLOT:
        valid = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
        fold.csat_score = value if valid else None
    else:
        fold.csat_comment = str(value)[:MAX_COMMENT_CHARS] if value else None
    return True


def _order_number(fold: _Fold, value: object) -> None:
    if value is None:
        return
    digits = ORDER_SEPARATORS.sub("", str(value))
    if ORDER_NUMBER.fullmatch(digits):
        fold.order_ids.setdefault(digits)


def _action(fold: _Fold, name: str, moment: datetime | None) -> None:
    if not name or name in HOUSEKEEPING_ACTIONS:
        return
    fold.last_action = name
    if name == HANDOFF_ACTION and not fold.paused:
        # The latest attempt before the pause: one that failed paused nothing.
        fold.handoff_ran = moment
    # A fallback action (action_default_fallback) may utter a response that
    # is not a fallback's name (utter_default is, a custom text is not).
    _fell_back(fold, name)


def _fell_back(fold: _Fold, name: str | None) -> None:
    if name in FALLBACK_ACTIONS and fold.messages and not fold.paused:
        fold.messages[-1].fell_back = True


def _left_unanswered(fold: _Fold) -> bool:
    """The bot's last message asked to rephrase, or asked a question, and no answer came."""
    if fold.customer_after_bot or fold.last_bot is None:
        return False
    return (
        fold.last_bot in FALLBACK_ACTIONS
        or fold.last_bot in FORM_FAILURE_RESPONSES
        or fold.last_bot.startswith(QUESTION_PREFIXES)
    )


def _judged(
    record: ConversationRecord, over: bool, opted_out_at: datetime | None
) -> ConversationRecord:
    outcome: Outcome
    if opted_out_at is not None:
        outcome = "opted_out"
    elif record.handed_off_at is not None:
        outcome = "handed_off"
    elif not over:
        outcome = "ongoing"
    else:
        outcome = record.outcome  # abandoned or resolved, as the fold found
    return replace(record, outcome=outcome, opted_out_at=opted_out_at)


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)

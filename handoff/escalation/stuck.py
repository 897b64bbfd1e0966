"""Signs that the bot cannot resolve a conversation, read from its turns.

Fallbacks in a row, the same request made again (by intent, by wording, or
instead of answering the bot's question), and forms rejecting the customer's
answers: the rules (:mod:`.rules`) turn these counts into reasons. Each
message's wording is read once and remembered, like its phrases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from handoff.escalation.domain_names import (
    FALLBACK_ACTIONS,
    FALLBACK_INTENT,
    FORM_FAILURE_RESPONSES,
    INFORM_INTENT,
    LOOKUP_MISSES,
    NOT_REQUESTS,
    NUMBER_ASKED,
    OPEN_QUESTIONS,
    QUESTION_PREFIXES,
    REQUEST_INTENT_PREFIXES,
    REQUEST_INTENTS,
    TASK_END_PREFIXES,
    TASK_END_RESPONSES,
)
from handoff.escalation.phrases import NO_ORDER_NUMBER, NO_ORDER_NUMBER_IT, _find
from handoff.escalation.settings import MAX_SCANNED_CHARS, TURN_CACHE_SIZE
from handoff.escalation.turns import Turn
from handoff.escalation.vocabulary import WORD, _normalise

# A request repeated in other words than the NLU's: two messages say the same
# when they share at least REPEAT_MIN_SHARED_WORDS content words, making up
# REPEAT_MIN_OVERLAP of the shorter one's ("why was my order cancelled" and
# "just tell me why it got cancelled"). A repeated question is short: only
# the first REPEAT_SCANNED_CHARS characters and REPEAT_MAX_WORDS content
# words of a message are compared, so a comparison costs little whatever the
# message, and each message's words are read once (memoised, like its
# findings).
REPEAT_SCANNED_CHARS = 300
REPEAT_MAX_WORDS = 40
REPEAT_MIN_SHARED_WORDS = 2
REPEAT_MIN_OVERLAP = 0.6
STOP_WORDS = frozenset(
    """a an the my me i i'm i've i'd i'll you you're your it it's its is are was were be been
    being am to of for and or on in at with this that these those please pls just can could
    would will do does did have has had so ok okay hi hello hey there here now then u ur we
    our us they them their he she his her him get got getting some any all about from by as
    if but not no yes yeah thanks thank cheers sorry tell know want need like let also still
    really very one"""
    # Spanish, accents folded: without them "el pedido" and "de la tienda" would
    # share words with any other message.
    """el la los las lo un una unos unas de del al a y o e u que en por para con sin mi mis
    me te se le les nos os tu tus su sus yo es son esta estan estoy fue ser hay muy mas
    pero ya si no hola gracias favor por favor porfa bueno buenas quiero necesito puedo
    pueden podrian tengo tienen este esta ese esa esto eso todo
    tambien todavia aun sigue ahora aqui ahi ok vale dale""".split()
)
# Words that make a new request of the same words: "track another one".
NOVELTY_WORDS = frozenset(
    {"another", "other", "different", "next", "second", "new", "more", "else"}
    # "rastrear otro pedido"
    | {"otro", "otra", "otros", "otras", "diferente", "siguiente", "segundo", "nuevo", "nueva"}
)
# "Again" in Spanish, blanked out before the words are read: its "otra"
# ("otra vez") is no other request, as "otro pedido" is.
AGAIN = re.compile(r"\b(otra vez|una vez mas|de nuevo)\b")
# A reply that answers a yes/no question, whatever else it says.
ANSWER_START = re.compile(
    r"^\W*(yes|yeah|yep|yup|no|nope|nah|sure|ok|okay|correct|right|confirm(ed)?|go ahead|"
    r"please do|do it|si|claro|vale|dale|correcto|confirmo|exacto|listo|va|andale|"
    r"de acuerdo|por supuesto|afirmativo|negativo)\b",
    re.IGNORECASE,
)
# What a message gives a form: order numbers and e-mail addresses. The
# lookbehind starts an address only where a word starts: linear.
GIVEN_VALUES = re.compile(r"\d{6,}|(?<!\S)\S+@\S+")
# The chat convention for correcting a typo in one's last message: "*cancel",
# "cancel*", "* cancel".
TYPO_CORRECTION = re.compile(r"^\s*(\*\s*\S{1,30}|\S{1,30}\*)\s*$")


@dataclass(frozen=True)
class _Wording:
    """What one message says, for comparing it with another (see REPEAT_MIN_OVERLAP)."""

    # Content words, lower-cased and lightly stemmed ("cancelled" -> "cancel").
    words: frozenset[str]
    # Order numbers and e-mail addresses in it.
    ids: frozenset[str]
    # Whether it opens with an answer to a yes/no question ("yes", "no, ...").
    answer: bool


@lru_cache(maxsize=TURN_CACHE_SIZE)
def _wording(text: str) -> _Wording:
    """The wording of ``text`` (already capped at MAX_SCANNED_CHARS), memoised like its findings."""
    text = AGAIN.sub(" ", _normalise(text[:REPEAT_SCANNED_CHARS]).lower())
    words: set[str] = set()
    for word in WORD.findall(text):
        if word not in STOP_WORDS:
            words.add(_stem(word))
            if len(words) >= REPEAT_MAX_WORDS:
                break
    return _Wording(
        words=frozenset(words),
        ids=frozenset(m.group(0).rstrip(".,!?") for m in GIVEN_VALUES.finditer(text)),
        answer=ANSWER_START.match(text) is not None,
    )


def _stem(word: str) -> str:
    """A crude English stem, enough to see "cancelled" and "cancel" as one word.

    Why not a stemmer library: two messages of the same customer are
    compared, not a corpus indexed; dropping a few suffixes does, in a few
    lines, and adds no dependency to the Rasa server.
    """
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _scanned(turn: Turn) -> str:
    """The part of a message the rules read."""
    return turn.text[:MAX_SCANNED_CHARS]


def _replies(conversation: Sequence[Turn], customers: Sequence[int], k: int) -> list[str]:
    """Names of the bot's turns answering the k-th customer turn."""
    end = customers[k + 1] if k + 1 < len(customers) else len(conversation)
    return [t.action or "" for t in conversation[customers[k] + 1 : end]]


def _fallbacks_in_a_row(conversation: Sequence[Turn], customers: Sequence[int]) -> int:
    """Customer messages, ending with the judged one, that the bot did not understand."""
    count = 0
    for k in range(len(customers) - 1, -1, -1):
        turn = conversation[customers[k]]
        replies = _replies(conversation, customers, k)
        if turn.intent == FALLBACK_INTENT or any(r in FALLBACK_ACTIONS for r in replies):
            count += 1
        else:
            break
    return count


def _is_request(intent: str | None) -> bool:
    return intent is not None and (
        intent in REQUEST_INTENTS or intent.startswith(REQUEST_INTENT_PREFIXES)
    )


@dataclass(frozen=True)
class _Repeat:
    """How often the judged request was made, and how."""

    # Times made, the judged message included (1: not repeated).
    count: int = 1
    # What identified the repeats: the intent, or "wording".
    by: str = ""
    # The bot's questions the customer answered with the same request again.
    ignored: tuple[str, ...] = ()
    # The judged message's words, when it says again there is no order number.
    no_number: str | None = None
    # Some repeat is in the same words, not only the NLU's same intent.
    worded: bool = False


def _repeats(conversation: Sequence[Turn], customers: Sequence[int]) -> _Repeat:
    """The judged request's repeats (:func:`_request_repeats`), and a "no number" said again."""
    repeat = _request_repeats(conversation, customers)
    no_number = _without_number_again(conversation, customers)
    return repeat if no_number is None else replace(repeat, no_number=no_number)


def _request_repeats(conversation: Sequence[Turn], customers: Sequence[int]) -> _Repeat:
    """How many times the judged request has been made, the judged message included.

    Two messages make the same request when their intent does (and their
    entities do not conflict), or when their wording does (:func:`_same_wording`):
    the NLU may label the same question differently each time. A message that
    is both counts once. A repeat that follows a question of the bot and gives
    nothing new (no entity, no order number or e-mail, no "yes"/"no") ignored
    that question.
    """
    judged_index = customers[-1]
    judged = conversation[judged_index]
    if TYPO_CORRECTION.match(_scanned(judged)) is not None:
        # "*cancel" after "cancle order 31928475" fixes a typo: it makes no
        # request of its own, so it repeats none.
        return _Repeat()
    by_intent = _same_intent(conversation, customers)
    by_wording = _same_wording(conversation, customers)
    earlier = by_intent | by_wording
    if not earlier:
        return _Repeat()
    chain = [*sorted(earlier), judged_index]
    if by_intent and judged.intent:
        by = judged.intent + (" and wording" if by_wording - by_intent else "")
    else:
        by = "wording"
    if not by_wording and (judged.intent or "").startswith(REQUEST_INTENT_PREFIXES):
        # Two questions on one FAQ topic in other words ("the returns address",
        # then "is it free?") read on; they ignore no question of the bot's.
        return _Repeat(count=len(chain), by=by)
    ignored = []
    # The messages of the chain that say the judged one's words (it among them).
    worded = by_wording | ({judged_index} if by_wording else set())
    given = _given(conversation[chain[0]])
    for index in chain[1:]:
        turn = conversation[index]
        question = _question_before(conversation, index)
        new = _given(turn) - given
        if (
            question is not None
            and question not in LOOKUP_MISSES
            and not new
            and not _wording(_scanned(turn)).answer
            # A question of the customer's own in other words ("the jeans are too
            # small", then "how do I send them back?") asks on, it does not repeat.
            and not (index not in worded and _asks(turn))
        ):
            ignored.append(question)
        given |= new
    return _Repeat(count=len(chain), by=by, ignored=tuple(ignored), worded=bool(by_wording))


def _same_intent(conversation: Sequence[Turn], customers: Sequence[int]) -> set[int]:
    """Earlier customer turns with the judged request's intent and no conflicting entity.

    Entities given in answers to a form ("inform") belong to the request that
    started it. Asking about three different orders is three requests, each
    made once: the customer made progress.
    """
    judged = conversation[customers[-1]]
    if not _is_request(judged.intent):
        return set()
    requests: list[tuple[int, str, dict[str, str]]] = []
    for index in customers:
        turn = conversation[index]
        if _is_request(turn.intent):
            requests.append((index, turn.intent or "", dict(turn.entities)))
        elif turn.intent == INFORM_INTENT and requests:
            for key, value in turn.entities.items():
                requests[-1][2].setdefault(key, value)
    _, intent, merged = requests[-1]
    merged = dict(merged)
    same = set()
    for index, other_intent, entities in reversed(requests[:-1]):
        if other_intent != intent:
            continue
        if any(merged.get(k, v) != v for k, v in entities.items()):
            continue
        merged.update(entities)
        same.add(index)
    return same


def _same_wording(conversation: Sequence[Turn], customers: Sequence[int]) -> set[int]:
    """Earlier customer turns that say what the judged one says (see REPEAT_MIN_OVERLAP)."""
    judged = conversation[customers[-1]]
    if judged.intent in NOT_REQUESTS:
        return set()
    mine = _wording(_scanned(judged))
    if len(mine.words) < REPEAT_MIN_SHARED_WORDS:
        return set()
    mine_ids = mine.ids | frozenset(judged.entities.values())
    same = set()
    for index in customers[:-1]:
        turn = conversation[index]
        if turn.intent in NOT_REQUESTS:
            continue
        theirs = _wording(_scanned(turn))
        shared = len(mine.words & theirs.words)
        if shared < REPEAT_MIN_SHARED_WORDS:
            continue
        if shared / min(len(mine.words), len(theirs.words)) < REPEAT_MIN_OVERLAP:
            continue
        # "And another order", "a different one": a new request in the same words.
        if (mine.words - theirs.words) & NOVELTY_WORDS:
            continue
        # About two different orders: two requests.
        their_ids = theirs.ids | frozenset(turn.entities.values())
        if mine_ids and their_ids and not mine_ids & their_ids:
            continue
        same.add(index)
    return same


def _without_number_again(conversation: Sequence[Turn], customers: Sequence[int]) -> str | None:
    """The judged message's words when it says, again, that the customer has no order number.

    The bot can look an order up by its number only; a customer who has to say
    twice that they have none ("it was a gift, I told you") is stuck.
    """
    said = _says_no_number(conversation, customers[-1])
    if said is None or not any(_says_no_number(conversation, i) for i in customers[:-1]):
        return None
    return said


def _says_no_number(conversation: Sequence[Turn], index: int) -> str | None:
    """The words of the customer turn at ``index`` saying there is no order number.

    "I don't have it" counts only as the answer to the bot asking for the
    number (or saying where it is): elsewhere "it" may be the parcel.
    """
    text = _scanned(conversation[index])
    said = _no_number(text)
    if said is None and index > 0 and conversation[index - 1].action in NUMBER_ASKED:
        said = _no_number_it(text)
    return said


@lru_cache(maxsize=TURN_CACHE_SIZE)
def _no_number(text: str) -> str | None:
    return _find(NO_ORDER_NUMBER, text)


@lru_cache(maxsize=TURN_CACHE_SIZE)
def _no_number_it(text: str) -> str | None:
    return _find(NO_ORDER_NUMBER_IT, text)


def lacks_order_number(text: str) -> bool:
    """Whether ``text`` says the customer has no order number ("I lost the confirmation e-mail").

    The bot's NLU reads the same words (bot/nlu/no_order_number.py) to offer
    another way to the order, so that what the bot answers and what the
    rules count as saying it again are one definition.
    """
    return _no_number(text[:MAX_SCANNED_CHARS]) is not None


def _given(turn: Turn) -> frozenset[str]:
    """What a message gives a form: its entities, order numbers and e-mails."""
    return _wording(_scanned(turn)).ids | frozenset(f"{k}={v}" for k, v in turn.entities.items())


def _question_before(conversation: Sequence[Turn], index: int) -> str | None:
    """The bot's question the customer turn at ``index`` answers, if it answers one."""
    for turn in reversed(conversation[:index]):
        if turn.role != "bot":
            return None
        if _is_question(turn):
            return turn.action or "a question"
    return None


def _asks(turn: Turn) -> bool:
    """Whether a customer message is a question ("...?", "¿...")."""
    text = _scanned(turn).strip()
    return text.endswith("?") or text.startswith("¿")


def _is_question(turn: Turn) -> bool:
    action = turn.action or ""
    if (
        action in FALLBACK_ACTIONS
        or action in OPEN_QUESTIONS
        or action in TASK_END_RESPONSES
        or action.startswith(TASK_END_PREFIXES)
    ):
        return False
    if action.startswith(QUESTION_PREFIXES) or action in FORM_FAILURE_RESPONSES:
        return True
    return turn.text.rstrip().endswith("?")


def _form_failures(conversation: Sequence[Turn]) -> int:
    """Answers rejected by forms since the last task came to an end."""
    count = 0
    for turn in reversed(conversation):
        if turn.role != "bot" or not turn.action:
            continue
        if turn.action in TASK_END_RESPONSES or turn.action.startswith(TASK_END_PREFIXES):
            break
        if turn.action in FORM_FAILURE_RESPONSES:
            count += 1
    return count

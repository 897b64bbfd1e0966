"""Tests of actions/handoff.py and actions/handoff_outbox.py: escalating to a person.

The handoff service is a local fake (tests/fakes/handoff.py) on a real port:
up, down (503), or not listening at all (connection refused). The outbox is a
SQLite file under the test's tmp_path, and the forwarder retries every few
hundredths of a second instead of seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import socket
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.handoff import HandoffReceipt
from actions.handoff import (
    ActionHandoff,
    escalation_id_for,
    format_opening,
    format_wait,
    handoff_request,
)
from actions.handoff_outbox import (
    HandoffSender,
    Outbox,
    OutboxForwarder,
    main,
)
from handoff.escalation import EscalationSettings, conversation_turns, decide
from tests.actions.conftest import TOKEN, Make, render
from tests.fakes.handoff import WAIT_PER_PLACE_S, FakeHandoffService
from tests.fakes.server import Reply

SENDER = "demo-alice"
T0 = 1_718_000_000.0  # 2024-06-10 06:13:20 UTC

# The responses proposed for domain.yml; the domain's own win once added.
PROPOSED_RESPONSES = {
    "utter_handoff_queued": [
        {
            "text": "I'm passing you to a member of our team. You're number {position} in "
            "the queue, and the wait is {wait}. They'll reply right here and can see our "
            "conversation, so there's no need to repeat anything."
        }
    ],
    "utter_handoff_closed_hours": [
        {
            "text": "I'm passing you to a member of our team. They're offline right now and "
            "back on {opening}; your conversation stays in the queue until then and they'll "
            "reply right here, so there's no need to write again."
        }
    ],
    "utter_handoff_pending": [
        {
            "text": "I'm passing you to a member of our team. A person will take over this "
            "chat as soon as possible and can see our conversation, so there's no need to "
            "repeat anything."
        }
    ],
    "utter_handoff_failed": [
        {
            "text": "Sorry, I couldn't reach our team just now because of a problem on our "
            "side. Please try again in a few minutes."
        }
    ],
}


# --- conversations -------------------------------------------------------------------


def user(
    text: str,
    intent: str,
    at: float,
    confidence: float = 0.95,
    entities: dict[str, str] | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": at,
        "text": text,
        "input_channel": "rest",
        "message_id": message_id or f"m-{at}",
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        },
    }


def bot(text: str, response: str, at: float) -> dict[str, Any]:
    return {"event": "bot", "timestamp": at, "text": text, "metadata": {"utter_action": response}}


def action(name: str, at: float) -> dict[str, Any]:
    return {"event": "action", "timestamp": at, "name": name}


def session_start(at: float) -> list[dict[str, Any]]:
    return [action("action_session_start", at), {"event": "session_started", "timestamp": at}]


ANGRY = "WHERE IS MY ORDER, third time asking!!!"


def angry_conversation() -> list[dict[str, Any]]:
    return [
        # A previous session: not part of this conversation.
        *session_start(T0 - 86_400),
        action("action_listen", T0 - 86_400),
        user("hi", "greet", T0 - 86_399),
        # This session.
        *session_start(T0),
        action("action_listen", T0),
        user(
            "where is my order 12345678",
            "check_order_status",
            T0 + 1,
            entities={"order_id": "12345678"},
        ),
        action("action_check_order_status", T0 + 2),
        bot("Your order 12345678 shipped with UPS.", "utter_order_status_shipped", T0 + 2),
        action("action_listen", T0 + 3),
        user(ANGRY, "check_order_status", T0 + 60),
    ]


def tracker_for(
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker(
        SENDER,
        {"requested_slot": None, **(slots or {})},
        latest["parse_data"],
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


ALICE_SLOTS = {"order_id": "12345678", "email": "alice.martin@example.com"}


# --- fixtures ----------------------------------------------------------------------


@pytest.fixture
async def sender(make_sender: Make, service: FakeHandoffService) -> HandoffSender:
    return await make_sender(service.url)


@pytest.fixture
def handoff_domain(domain: dict[str, Any]) -> dict[str, Any]:
    for name, variations in PROPOSED_RESPONSES.items():
        domain["responses"].setdefault(name, variations)
    return domain


def says(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> list[str]:
    return [render(message, domain) for message in dispatcher.messages]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens on it once the socket is closed


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout_s: float = 10.0) -> None:
    """Wait until ``check`` holds (the forwarder works in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


async def run_handoff(
    sender: HandoffSender, tracker: Tracker, domain: dict[str, Any]
) -> tuple[list[Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff(sender, EscalationSettings()).run(dispatcher, tracker, domain)
    return events, says(dispatcher, domain)


# --- the service is up -------------------------------------------------------------------


async def test_escalation_posts_the_request_and_tells_the_place_in_the_queue(
    sender: HandoffSender, service: FakeHandoffService, handoff_domain: dict[str, Any]
) -> None:
    events, replies = await run_handoff(
        sender, tracker_for(angry_conversation(), ALICE_SLOTS), handoff_domain
    )

    assert events == [ConversationPaused()]
    assert replies == [
        "I'm passing you to a member of our team. You're number 1 in the queue, and the wait "
        "is about 4 minutes. They'll reply right here and can see our conversation, so "
        "there's no need to repeat anything."
    ]
    [post] = service.posts()
    assert post.path == "/api/handoffs"
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    body = post.json()
    expected = decide(conversation_turns(angry_conversation()), EscalationSettings())
    assert uuid.UUID(body["escalation_id"])
    assert body["conversation_id"] == SENDER
    assert body["channel"] == "rest"
    assert body["customer"] == {"sender_id": SENDER}
    assert body["reasons"] == expected.reasons
    assert {"anger", "strong_anger"} & set(body["reasons"])
    assert body["priority"] == expected.priority
    assert body["anger"] == pytest.approx(expected.anger)
    assert body["summary"] == {
        "intents": ["check_order_status"],
        "order_id": "12345678",
        "email": "alice.martin@example.com",
    }
    # This session only, customer and bot, with their times.
    assert body["transcript"] == [
        {
            "role": "customer",
            "text": "where is my order 12345678",
            "timestamp": "2024-06-10T06:13:21+00:00",
        },
        {
            "role": "bot",
            "text": "Your order 12345678 shipped with UPS.",
            "timestamp": "2024-06-10T06:13:22+00:00",
        },
        {"role": "customer", "text": ANGRY, "timestamp": "2024-06-10T06:14:20+00:00"},
    ]
    entry = await sender.outbox.get(body["escalation_id"])
    assert entry is not None
    assert entry.delivered_at is not None
    assert entry.handoff_id == "1"
    assert entry.attempts == 1


def test_the_transcript_keeps_what_a_fallback_took_back() -> None:
    """A fallback rewinds the customer's message: it was still sent, and so was the answer."""
    first = "the thingamajig on the side went purple after the update"
    second = "no no the round bit that spins, not the lid"
    last = "you are not helping at all"
    events = [
        *session_start(T0),
        action("action_listen", T0),
        user(first, "nlu_fallback", T0 + 1, confidence=0.4),
        action("utter_please_rephrase", T0 + 2),
        bot("Sorry, could you say that another way?", "utter_please_rephrase", T0 + 2),
        action("action_listen", T0 + 3),
        user(second, "inform", T0 + 10, confidence=0.3),
        action("action_default_fallback", T0 + 11),
        bot("Sorry, I didn't get that.", "utter_default", T0 + 11),
        {"event": "rewind", "timestamp": T0 + 11},
        action("action_listen", T0 + 12),
        user(last, "bot_did_not_help", T0 + 20),
        # An undone action's message was sent all the same.
        action("utter_greet", T0 + 21),
        bot("Hi!", "utter_greet", T0 + 21),
        {"event": "undo", "timestamp": T0 + 21},
    ]
    request = handoff_request(
        tracker_for(events), decide(conversation_turns(events)), str(uuid.uuid4())
    )
    assert [(m["role"], m["text"]) for m in request["transcript"]] == [
        ("customer", first),
        ("bot", "Sorry, could you say that another way?"),
        ("customer", second),
        ("bot", "Sorry, I didn't get that."),
        ("customer", last),
        ("bot", "Hi!"),
    ]


def test_the_transcript_says_when_a_channel_cut_a_long_message() -> None:
    events = [*session_start(T0), action("action_listen", T0), user("x" * 4096, "inform", T0 + 1)]
    events[-1]["metadata"] = {"truncated_from": 100_000}
    request = handoff_request(tracker_for(events), decide([]), str(uuid.uuid4()))
    [message] = request["transcript"]
    assert message["text"].startswith("x" * 4096)
    assert message["text"].endswith("[cut: the customer's message was 100000 characters long]")


async def test_outside_business_hours_the_customer_hears_when_agents_are_back(
    sender: HandoffSender, service: FakeHandoffService, handoff_domain: dict[str, Any]
) -> None:
    service.business_hours_open = False
    service.next_opening = "2024-06-17T09:00:00+01:00"

    events, replies = await run_handoff(sender, tracker_for(angry_conversation()), handoff_domain)

    assert events == [ConversationPaused()]
    assert replies == [
        "I'm passing you to a member of our team. They're offline right now and back on "
        "Monday 17 June at 09:00 UTC+01:00; your conversation stays in the queue until then "
        "and they'll reply right here, so there's no need to write again."
    ]
    assert len(service.handoffs) == 1


async def test_the_same_escalation_twice_makes_one_handoff(
    sender: HandoffSender, service: FakeHandoffService, handoff_domain: dict[str, Any]
) -> None:
    tracker = tracker_for(angry_conversation())

    first, first_replies = await run_handoff(sender, tracker, handoff_domain)
    second, second_replies = await run_handoff(sender, tracker, handoff_domain)

    assert first == second == [ConversationPaused()]
    assert first_replies == second_replies
    posts = service.posts()
    assert len(posts) == 2
    assert posts[0].json()["escalation_id"] == posts[1].json()["escalation_id"]
    assert len(service.handoffs) == 1
    assert await sender.outbox.pending_count() == 0


def test_escalation_ids_are_stable_per_message() -> None:
    conversation = angry_conversation()
    again = angry_conversation()
    later = [*conversation, action("action_listen", T0 + 61), user("hello??", "greet", T0 + 90)]

    assert escalation_id_for(tracker_for(conversation)) == escalation_id_for(tracker_for(again))
    assert escalation_id_for(tracker_for(conversation)) != escalation_id_for(tracker_for(later))


async def test_a_form_in_progress_ends_when_a_person_takes_over(
    sender: HandoffSender, handoff_domain: dict[str, Any]
) -> None:
    tracker = tracker_for(angry_conversation(), active_loop="order_status_form")

    events, _ = await run_handoff(sender, tracker, handoff_domain)

    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]


def test_a_handoff_predicted_by_a_rule_is_sent_with_the_dialogue_reason() -> None:
    calm = [action("action_listen", T0), user("hello", "greet", T0 + 1)]
    tracker = tracker_for(calm)
    decision = decide(conversation_turns(calm), EscalationSettings())

    request = handoff_request(tracker, decision, "e-1")

    assert not decision.escalate
    assert (request["reasons"], request["priority"]) == (["dialogue"], 3)


@pytest.mark.parametrize(("slot", "language"), [("es", "es"), ("en", "en"), (None, "en")])
def test_a_handoff_carries_the_conversation_s_language(slot: str | None, language: str) -> None:
    calm = [action("action_listen", T0), user("hola", "greet", T0 + 1)]
    decision = decide(conversation_turns(calm), EscalationSettings())

    request = handoff_request(tracker_for(calm, {"language": slot}), decision, "e-1")

    assert request["language"] == language


# --- the service is down -------------------------------------------------------------------


async def test_service_down_the_outbox_keeps_it_and_delivers_it_once_when_back(
    sender: HandoffSender, service: FakeHandoffService, handoff_domain: dict[str, Any]
) -> None:
    service.down = True

    events, replies = await run_handoff(sender, tracker_for(angry_conversation()), handoff_domain)

    # The customer is promised a person (the outbox guarantees it), and the bot pauses.
    assert events == [ConversationPaused()]
    assert replies == [
        "I'm passing you to a member of our team. A person will take over this chat as soon "
        "as possible and can see our conversation, so there's no need to repeat anything."
    ]
    [post] = service.posts()
    escalation_id = post.json()["escalation_id"]
    entry = await sender.outbox.get(escalation_id)
    assert entry is not None
    assert entry.delivered_at is None
    assert service.handoffs == {}

    # The forwarder the action started retries in the background...
    await eventually(lambda: len(service.posts()) >= 3)
    assert service.handoffs == {}
    service.down = False

    # ...and delivers once the service is back.
    async def delivered() -> bool:
        entry = await sender.outbox.get(escalation_id)
        return entry is not None and entry.delivered_at is not None

    await eventually(delivered)
    assert list(service.handoffs) == [escalation_id]
    posts_when_delivered = len(service.posts())
    await asyncio.sleep(0.3)  # several retry periods: nothing more is sent
    assert len(service.posts()) == posts_when_delivered
    assert await sender.outbox.pending_count() == 0


async def test_connection_refused_the_customer_is_still_promised_a_person(
    make_sender: Make, handoff_domain: dict[str, Any]
) -> None:
    sender = await make_sender(f"http://127.0.0.1:{closed_port()}")

    events, replies = await run_handoff(sender, tracker_for(angry_conversation()), handoff_domain)

    assert events == [ConversationPaused()]
    assert replies[0].startswith("I'm passing you to a member of our team. A person will")
    [entry] = await sender.outbox.due(everything=True)
    assert entry.delivered_at is None
    assert entry.attempts >= 1


async def test_when_the_outbox_cannot_be_written_nothing_is_promised(
    make_sender: Make,
    service: FakeHandoffService,
    handoff_domain: dict[str, Any],
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the outbox's folder should be")
    sender = await make_sender(service.url, f"sqlite:///{blocker / 'outbox.db'}")

    events, replies = await run_handoff(sender, tracker_for(angry_conversation()), handoff_domain)

    assert events == []  # no pause: the bot keeps answering
    assert replies == [
        "Sorry, I couldn't reach our team just now because of a problem on our side. "
        "Please try again in a few minutes."
    ]
    assert service.posts() == []


# --- the forwarder -------------------------------------------------------------------------


async def test_a_rejected_request_does_not_hold_up_the_others(
    sender: HandoffSender, service: FakeHandoffService
) -> None:
    for n in (1, 2):
        await sender.outbox.add(f"e-{n}", {"escalation_id": f"e-{n}", "n": n})
    service.fail_next(Reply(422, {"error": "invalid"}))

    result = await sender.forwarder.flush(everything=True)

    assert (result.delivered, result.pending) == (1, 1)
    assert list(service.handoffs) == ["e-2"]
    rejected = await sender.outbox.get("e-1")
    assert rejected is not None
    assert rejected.delivered_at is None
    # Retried later (fixed configuration, fixed service): delivered then.
    assert (await sender.forwarder.flush(everything=True)).pending == 0
    assert list(service.handoffs) == ["e-2", "e-1"]


async def test_a_down_service_stops_the_pass_and_rows_stay_in_order(
    sender: HandoffSender, service: FakeHandoffService
) -> None:
    for n in (1, 2, 3):
        await sender.outbox.add(f"e-{n}", {"escalation_id": f"e-{n}"})
    service.fail_next(Reply(503))

    result = await sender.forwarder.flush(everything=True)

    assert (result.delivered, result.pending) == (0, 3)
    assert len(service.posts()) == 1
    await sender.forwarder.flush(everything=True)
    assert list(service.handoffs) == ["e-1", "e-2", "e-3"]


async def test_backoff_doubles_up_to_a_ceiling(sender: HandoffSender) -> None:
    forwarder = OutboxForwarder(
        sender.outbox, sender.forwarder.client, retry_base_s=2.0, retry_max_s=60.0
    )
    assert [forwarder.retry_delay(n) for n in (1, 2, 3, 6, 7, 20)] == [2, 4, 8, 60, 60, 60]


def test_the_flush_command_delivers_what_is_pending(
    service: FakeHandoffService,
    outbox_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def record() -> None:
        outbox = Outbox(outbox_url)
        await outbox.add("e-1", {"escalation_id": "e-1"}, first_attempt_in_s=3600)
        outbox.close()

    asyncio.run(record())
    monkeypatch.setenv("HANDOFF_URL", service.url)
    monkeypatch.setenv("HANDOFF_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("ACTIONS_HANDOFF_OUTBOX_URL", outbox_url)

    service.down = True
    assert main([]) == 1
    service.down = False
    assert main([]) == 0
    assert main([]) == 0

    assert list(service.handoffs) == ["e-1"]
    assert capsys.readouterr().out.splitlines() == [
        "delivered 0, still pending 1",
        "delivered 1, still pending 0",
        "delivered 0, still pending 0",
    ]


# --- what the customer reads ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "less than a minute"),
        (29, "less than a minute"),
        (WAIT_PER_PLACE_S, "about 4 minutes"),
        (60, "about 1 minute"),
        (3600, "about 1 hour"),
        (4800, "about 1 hour 20 minutes"),
        (7260, "about 2 hours 1 minute"),
    ],
)
def test_waits_read_naturally(seconds: float, text: str) -> None:
    assert format_wait(seconds) == text


def test_openings_are_shown_in_the_business_hours_offset() -> None:
    utc = dt.datetime(2024, 6, 17, 9, 0, tzinfo=dt.timezone.utc)
    assert format_opening(utc) == "Monday 17 June at 09:00 UTC"


def test_receipts_tolerate_missing_or_malformed_fields() -> None:
    assert HandoffReceipt.from_json({"id": 7}) == HandoffReceipt("7")
    receipt = HandoffReceipt.from_json(
        {
            "id": 7,
            "queue_position": "3",
            "expected_wait_s": -1,
            "business_hours_open": "no",
            "next_opening": "2024-06-17T09:00:00Z",
        }
    )
    assert receipt.queue_position is None
    assert receipt.expected_wait_s is None
    assert receipt.business_hours_open is True
    assert receipt.next_opening == dt.datetime(2024, 6, 17, 9, 0, tzinfo=dt.timezone.utc)
    assert HandoffReceipt.from_json("not an object") == HandoffReceipt("")


# --- in Spanish (slot language = es) -----------------------------------------------------


async def test_in_spanish_the_place_in_the_queue_and_the_wait_are_spanish(
    sender: HandoffSender, service: FakeHandoffService, handoff_domain: dict[str, Any]
) -> None:
    slots = {**ALICE_SLOTS, "language": "es"}
    dispatcher = CollectingDispatcher()

    await ActionHandoff(sender, EscalationSettings()).run(
        dispatcher, tracker_for(angry_conversation(), slots), handoff_domain
    )

    assert [render(m, handoff_domain, slots) for m in dispatcher.messages] == [
        "Te voy a comunicar con una persona de nuestro equipo. Eres el número 1 en la fila y "
        "la espera es de aproximadamente 4 minutos. Te responderá aquí mismo y puede ver "
        "nuestra conversación, así que no necesitas repetir nada."
    ]


async def test_in_spanish_outside_business_hours_the_opening_is_spanish(
    sender: HandoffSender, service: FakeHandoffService, handoff_domain: dict[str, Any]
) -> None:
    service.business_hours_open = False
    service.next_opening = "2024-06-17T09:00:00+01:00"
    slots = {"language": "es"}
    dispatcher = CollectingDispatcher()

    await ActionHandoff(sender, EscalationSettings()).run(
        dispatcher, tracker_for(angry_conversation(), slots), handoff_domain
    )

    [text] = [render(m, handoff_domain, slots) for m in dispatcher.messages]
    assert "vuelve el lunes 17 de junio a las 09:00 UTC+01:00;" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (29, "menos de un minuto"),
        (60, "aproximadamente 1 minuto"),
        (WAIT_PER_PLACE_S, "aproximadamente 4 minutos"),
        (3600, "aproximadamente 1 hora"),
        (4800, "aproximadamente 1 hora y 20 minutos"),
        (7260, "aproximadamente 2 horas y 1 minuto"),
    ],
)
def test_waits_read_naturally_in_spanish(seconds: float, text: str) -> None:
    assert format_wait(seconds, "es") == text


def test_openings_are_shown_in_spanish() -> None:
    utc = dt.datetime(2024, 6, 17, 9, 0, tzinfo=dt.timezone.utc)
    assert format_opening(utc, "es") == "lunes 17 de junio a las 09:00 UTC"

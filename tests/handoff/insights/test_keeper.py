"""Records kept from the event stream (handoff/insights/keeper.py), as the export folds them."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from statistics import median

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from sqlalchemy import func, insert, select

from handoff.broker import SqlEventConsumer
from handoff.insights import keeper as keeper_module
from handoff.insights.figures import figures
from handoff.insights.fold import build_records
from handoff.insights.keeper import RecordKeeper, StreamEvent, with_handoffs
from handoff.insights.outbox import record_id
from handoff.insights.products import Catalogue
from handoff.insights.record import QUIET_S
from handoff.models import RECORDS_WEBHOOK, insight_events, integration_cursors, record_events
from handoff.store import HandoffStore
from plumbing.clock import utc_now
from tests.handoff.insights.conftest import Chat, at
from tests.handoff.insights.simulated_handoffs import staff_the_week
from tests.handoff.insights.simulated_week import simulated_week
from tests.handoff.insights.test_simulated_week import records_of

BATCH = 500


def stream_of(events: dict[str, list[dict]]) -> list[StreamEvent]:
    """Every sender's events interleaved in time, as a broker delivers them."""
    tagged = [
        (event["timestamp"], cid, n, event)
        for cid, evs in events.items()
        for n, event in enumerate(evs)
    ]
    tagged.sort(key=lambda t: (t[0], t[1], t[2]))
    return [StreamEvent(cid, event) for _, cid, _, event in tagged]


def kept(keeper: RecordKeeper) -> dict[str, list[dict]]:
    by_conversation: dict[str, list[dict]] = {}
    for record in keeper.records():
        by_conversation.setdefault(record.conversation_id, []).append(record.to_json())
    return by_conversation


@pytest.fixture
def keeper(store: HandoffStore) -> RecordKeeper:
    return RecordKeeper(store.engine)


def test_a_week_streamed_in_batches_gives_the_records_the_export_gives(
    keeper: RecordKeeper,
) -> None:
    week = simulated_week()
    stream = stream_of(week.events)
    started = time.perf_counter()
    for start in range(0, len(stream), BATCH):
        batch = stream[start : start + BATCH]
        keeper.add(batch, as_of=at(batch[-1].event["timestamp"]))
    last = max(e.event["timestamp"] for e in stream)
    settled = keeper.settle(as_of=at(last) + timedelta(seconds=QUIET_S))
    took = time.perf_counter() - started
    print(f"\n{week.sessions} sessions, {len(stream)} events kept in {took:.1f} s")

    expected = {
        cid: [r.to_json() for r in records] for cid, records in records_of(week).items()
    }
    assert kept(keeper) == expected
    assert settled > 0
    result = figures(keeper.records())
    assert result.sessions == result.finished == week.sessions


async def test_the_week_s_people_s_times_and_handoff_reasons_are_its_truth_s(
    keeper: RecordKeeper, store: HandoffStore
) -> None:
    week = simulated_week()
    staffed = await staff_the_week(store, [r for rs in records_of(week).values() for r in rs])
    stream = stream_of(week.events)
    keeper.add(stream)
    keeper.settle(as_of=at(stream[-1].event["timestamp"]) + timedelta(seconds=QUIET_S))

    result = figures(keeper.records())

    assert len(staffed) == result.outcomes["handed_off"] > 50
    assert result.times["agent_first_response_s"] == pytest.approx(
        median(t.first_reply_s for t in staffed), abs=0.01
    )
    assert result.times["human_resolution_s"] == pytest.approx(
        median(t.wait_s + t.handle_s for t in staffed), abs=0.01
    )
    assert dict(result.handoff_reasons) == Counter(t.reason for t in staffed)


def asks_for_an_order(chat: Chat) -> Chat:
    """A session left at the bot's question: ongoing, then abandoned once quiet."""
    chat.session().user("where is my order", "order_status")
    return chat.action("order_form").form("order_form").respond("utter_ask_order_id")


def test_the_same_events_again_change_nothing(keeper: RecordKeeper, store: HandoffStore) -> None:
    chat = asks_for_an_order(Chat())
    events = [StreamEvent("alice", e) for e in chat.events]
    as_of = at(chat.now)

    assert keeper.add(events, as_of=as_of) == len(events)
    before = kept(keeper)
    assert keeper.add(events + events, as_of=as_of) == 0

    assert kept(keeper) == before
    with store.engine.connect() as db:
        assert db.execute(select(func.count()).select_from(insight_events)).scalar() == len(events)


def test_an_ongoing_session_is_judged_once_it_has_been_quiet(keeper: RecordKeeper) -> None:
    chat = asks_for_an_order(Chat())
    keeper.add([StreamEvent("bob", e) for e in chat.events], at(chat.now))
    [record] = keeper.records()
    assert record.outcome == "ongoing"

    assert keeper.settle(as_of=at(chat.now + 60)) == 0
    assert keeper.settle(as_of=at(chat.now + QUIET_S)) == 1
    [record] = keeper.records()
    assert record.outcome == "abandoned"  # the bot's question was never answered


async def test_a_handed_off_session_gets_its_handoff_s_reason_wait_and_handle_times(
    keeper: RecordKeeper, store: HandoffStore
) -> None:
    chat = Chat(channel="telegram").session().user("I want a person", "request_human")
    chat.action("action_handoff").say("A person will be with you shortly.").simple("pause")
    chat.action("action_listen")
    created = at(chat.now)
    handoff, _ = await store.create_handoff(
        escalation_id="esc-carol",
        conversation_id="carol",
        channel="telegram",
        customer_id="carol",
        priority=2,
        reasons=["asked_for_human", "angry"],
        now=created,
    )
    token = await store.create_agent("agent-1", "agent")
    agent = await store.agent_for_token(token)
    assert agent is not None
    await store.claim(handoff.id, "agent-1", now=created + timedelta(seconds=90))
    note = created + timedelta(seconds=100)
    await store.agent_message(handoff.id, agent, "checking UPS", internal=True, now=note)
    reply = created + timedelta(seconds=130)
    await store.agent_message(handoff.id, agent, "I'm on it", now=reply)
    await store.close(handoff.id, "agent-1", "done", now=created + timedelta(seconds=390))

    events = [StreamEvent("carol", e) for e in chat.events]
    keeper.add(events, as_of=at(chat.now))

    [record] = keeper.records()
    assert record.outcome == "handed_off"
    timed = (record.handoff_wait_s, record.agent_first_response_s, record.handoff_handle_s)
    assert record.handoff_reason == "asked_for_human"
    assert timed == (90.0, 130.0, 300.0)  # the internal note is no reply to the customer


def test_a_handoff_of_another_session_is_not_joined() -> None:
    chat = Chat().session().user("I want a person", "request_human")
    chat.action("action_handoff").simple("pause").action("action_listen")
    chat.simple("resume").session(after_s=4000).user("hi", "greet").respond("utter_greet")
    first, second = build_records("dave", chat.events)
    later = {
        "reasons": ["asked_for_human"],
        "created_at": (second.started_at + timedelta(seconds=5)).replace(tzinfo=None),
        "assigned_at": None,
        "closed_at": None,
    }

    joined = with_handoffs([first, second], [later])

    assert first.outcome == "handed_off" and joined[0].handoff_reason is None
    assert joined[1].handoff_reason is None  # resolved: no handoff to join


async def test_the_sql_consumer_keeps_records_of_every_conversation(
    tmp_path: Path, store: HandoffStore
) -> None:
    rasa_events = tmp_path / "events.db"
    broker = SQLEventBroker(dialect="sqlite", db=str(rasa_events))
    chat = asks_for_an_order(Chat(channel="facebook"))
    for event in chat.events:
        broker.publish({"sender_id": "erin", **event})
    broker.engine.dispose()
    keeper = RecordKeeper(store.engine)
    consumer = SqlEventConsumer(f"sqlite:///{rasa_events}", store, records=keeper)

    assert await consumer.poll_once() == len(chat.events)
    await consumer.stop()

    [record] = keeper.records()
    assert (record.conversation_id, record.channel, record.contact_reasons) == (
        "erin",
        "facebook",
        ("order_status",),
    )


# -- the records' outbox (handoff.insights.outbox) -------------------------------------------


def journaled(store: HandoffStore) -> list[tuple[str, str, dict]]:
    """``record_events``, oldest first: (type, conversation, payload)."""
    with store.engine.connect() as db:
        rows = db.execute(select(record_events).order_by(record_events.c.id)).all()
    return [(row.type, row.conversation_id, row.payload) for row in rows]


@pytest.fixture
def crm_reads(store: HandoffStore) -> None:
    """The CRM webhook has run once: its cursor on the outbox exists."""
    with store.engine.begin() as db:
        db.execute(
            insert(integration_cursors).values(
                adapter=RECORDS_WEBHOOK, position=0, updated_at=utc_now()
            )
        )


@pytest.mark.usefixtures("crm_reads")
def test_a_session_that_finishes_is_journaled_once(
    keeper: RecordKeeper, store: HandoffStore
) -> None:
    chat = asks_for_an_order(Chat())
    events = [StreamEvent("alice", e) for e in chat.events]
    keeper.add(events, as_of=at(chat.now))
    assert journaled(store) == []  # ongoing: not over yet

    keeper.settle(as_of=at(chat.now + QUIET_S))

    [record] = keeper.records()
    assert record.outcome == "abandoned"
    record_json = record.to_json()
    assert journaled(store) == [
        (
            "record.finished",
            "alice",
            {"record_id": record_id("alice", record_json["started_at"]), "record": record_json},
        )
    ]
    # Redelivered events, another settle, a refold: nothing changed, nothing more.
    later = at(chat.now + 2 * QUIET_S)
    assert keeper.add(events + events, as_of=later) == 0
    keeper.settle(as_of=later)
    assert keeper.refold_all(as_of=later) == 1
    assert [kind for kind, _, _ in journaled(store)] == ["record.finished"]


@pytest.mark.usefixtures("crm_reads")
def test_a_record_inserted_final_is_journaled_finished(
    keeper: RecordKeeper, store: HandoffStore
) -> None:
    chat = Chat().session().user("hi", "greet").respond("utter_greet")
    chat.session(after_s=QUIET_S + 10).user("where is my order", "order_status")
    keeper.add([StreamEvent("+14155550123", e) for e in chat.events], as_of=at(chat.now))

    first, second = keeper.records()
    assert (first.outcome, second.outcome) == ("resolved", "ongoing")
    [(kind, conversation, payload)] = journaled(store)
    assert (kind, conversation, payload["record"]) == (
        "record.finished",
        "+14155550123",
        first.to_json(),
    )
    # The CRM's id for the session names nobody, and is the same for the scrubbed id.
    assert "4155550123" not in payload["record_id"]
    assert payload["record_id"] == record_id("+14155550123", first.to_json()["started_at"])
    assert payload["record_id"] != record_id("+14155550123", second.to_json()["started_at"])


@pytest.mark.usefixtures("crm_reads")
async def test_a_finished_record_that_changes_is_journaled_updated(
    keeper: RecordKeeper, store: HandoffStore
) -> None:
    chat = Chat(channel="telegram").session().user("I want a person", "request_human")
    chat.action("action_handoff").say("A person will be with you shortly.").simple("pause")
    chat.action("action_listen")
    created = at(chat.now)
    handoff, _ = await store.create_handoff(
        escalation_id="esc-carol", conversation_id="carol", channel="telegram",
        customer_id="carol", priority=2, reasons=["asked_for_human"], now=created,
    )  # fmt: skip
    keeper.add([StreamEvent("carol", e) for e in chat.events], as_of=at(chat.now))
    [(kind, _, payload)] = journaled(store)
    assert (kind, payload["record"]["outcome"]) == ("record.finished", "handed_off")
    assert payload["record"]["handoff_wait_s"] is None  # nobody has taken it yet

    # A person takes it and closes it; the bot resumes: the handoff's times join in.
    token = await store.create_agent("agent-1", "agent")
    agent = await store.agent_for_token(token)
    assert agent is not None
    await store.claim(handoff.id, "agent-1", now=created + timedelta(seconds=90))
    await store.agent_message(handoff.id, agent, "on it", now=created + timedelta(seconds=120))
    await store.close(handoff.id, "agent-1", "done", now=created + timedelta(seconds=300))
    chat.simple("resume")
    keeper.add([StreamEvent("carol", chat.events[-1])], as_of=at(chat.now))

    kinds = [kind for kind, _, _ in journaled(store)]
    assert kinds == ["record.finished", "record.updated"]
    _, _, updated = journaled(store)[-1]
    [record] = keeper.records()
    assert updated["record"] == record.to_json()
    assert updated["record"]["handoff_wait_s"] == 90.0
    assert updated["record_id"] == payload["record_id"]
    keeper.refold_all(as_of=at(chat.now + QUIET_S))
    assert len(journaled(store)) == 2


def test_nothing_is_journaled_while_nobody_reads_the_outbox(
    keeper: RecordKeeper, store: HandoffStore
) -> None:
    chat = asks_for_an_order(Chat())
    keeper.add([StreamEvent("bob", e) for e in chat.events], as_of=at(chat.now + QUIET_S))
    assert [r.outcome for r in keeper.records()] == ["abandoned"]
    assert journaled(store) == []


@pytest.mark.usefixtures("crm_reads")
def test_a_record_s_event_commits_with_the_record_or_neither_does(
    keeper: RecordKeeper, store: HandoffStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    dan = Chat().session().user("hi", "greet").respond("utter_greet")
    eve = Chat().session().user("hello", "greet").respond("utter_greet")
    events = [StreamEvent("dan", e) for e in dan.events] + [
        StreamEvent("eve", e) for e in eve.events
    ]

    def folds_dan_only(conversation_id: str, *args: object, **kwargs: object) -> list:
        if conversation_id == "eve":
            raise RuntimeError("the fold broke")
        return build_records(conversation_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(keeper_module, "build_records", folds_dan_only)
    with pytest.raises(RuntimeError):
        keeper.add(events, as_of=at(dan.now + QUIET_S))
    assert (list(keeper.records()), journaled(store)) == ([], [])

    monkeypatch.undo()
    keeper.add(events, as_of=at(dan.now + QUIET_S))
    assert [(kind, cid) for kind, cid, _ in journaled(store)] == [
        ("record.finished", "dan"),
        ("record.finished", "eve"),
    ]


def test_the_keeper_finds_products_with_its_catalogue(store: HandoffStore) -> None:
    chat = Chat().session().user("the kayak is lovely, the headphones are not", "inform")
    chat.respond("utter_noted")
    stream = [StreamEvent("kim", event) for event in chat.events]

    RecordKeeper(store.engine, catalogue=Catalogue({"Kayak": []})).add(stream)
    (record,) = RecordKeeper(store.engine).records()

    assert record.products == ("Kayak",)


def test_a_message_to_the_person_is_in_the_record_before_the_handoff_closes(
    keeper: RecordKeeper,
) -> None:
    chat = Chat().session().user("I want a person", "request_human")
    chat.action("action_handoff").say("You're in the queue.", "utter_handoff_queued")
    chat.simple("pause").action("action_listen")
    keeper.add([StreamEvent("pat", event) for event in chat.events])
    # Rasa, paused, predicts nothing after it: no action_listen ends this turn.
    told = chat.user("the yoga mat tore after a week", "inform", after_s=30).events[-1]

    keeper.add([StreamEvent("pat", told)])

    (record,) = keeper.records()
    assert (record.outcome, record.customer_turns, record.products) == (
        "handed_off",
        2,
        ("Yoga mat",),
    )

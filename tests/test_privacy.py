"""scripts.privacy: one customer's data exported, or erased, across every store.

Two customers leave a footprint in every store, written by the stores' own
code (Rasa's tracker store and broker as the Rasa server runs them, the
channels' store, the action server's outbox and business backend, the
handoff store with its journal, contact-center tables and insights). Alice
is then exported or erased; every table of every store is read back whole
and searched for anything of hers, and compared row by row with what it
held before: exactly her rows are gone (her SMS opt-out kept), and all of
Bob's, and everything else, are there as they were. On SQLite, and on
PostgreSQL (a schema per store; the broker is RabbitMQ there, as in the
production profile, and is skipped).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import os
import stat
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from sqlalchemy.orm import Session

import plumbing.db
from actions.backend.sql import SqlBackend
from actions.backend.tables import CustomerIdentityRow, CustomerRow, OrderRow
from actions.handoff_outbox import HandoffSender, Outbox
from actions.server import create_app as create_actions_app
from actions.settings import ActionSettings
from bot.channels.internal import DeliveryRoute, DeliveryRouteSettings
from bot.channels.store import ChannelStore
from bot.channels.survey_store import AskedSurvey, SurveyStore
from bot.stores.broker import SQLEventBroker
from bot.stores.tracker import SQLTrackerStore
from handoff.insights.backfill import backfill
from handoff.insights.keeper import RecordKeeper
from handoff.integrations.deliveries import DeliveryQueue
from handoff.integrations.inbound import Answer, InboundLog
from handoff.integrations.zendesk import TicketMap
from handoff.migrate import migrate
from handoff.privacy.stores import CUSTOMER_LINKS
from handoff.service import create_app as create_handoff_app
from handoff.settings import HandoffSettings
from handoff.store import Agent, HandoffStore, NewMessage
from handoff.surveys import SurveyBook
from plumbing.clock import utc_now
from plumbing.privacy.locations import BROKER, BUSINESS, CHANNELS, HANDOFF, OUTBOX, TRACKER
from plumbing.privacy.subject import Subject, kind_of
from scripts.privacy.__main__ import main
from tests.handoff.conftest import CloseRecorder, FakeDelivery
from tests.live_server import LiveServer
from tests.postgres import postgres_schema

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [order_status, human_handoff]
slots:
  email:
    type: text
    mappings: [{type: from_text}]
responses:
  utter_ask_email: [{text: "What is your e-mail?"}]
"""
)
ADAPTER = "zendesk"


@dataclass(frozen=True)
class Person:
    tag: str
    name: str
    phone: str
    # A Telegram chat, known to be theirs through the business database.
    telegram: str
    # A web chat, known to be theirs only by the e-mail they typed in it.
    web: str
    # A Messenger chat, known to be theirs only by a supervisor's link (handoff.customers).
    messenger: str
    email: str
    # Something they wrote, found wherever their words are kept.
    marker: str
    order_id: str

    @property
    def whatsapp(self) -> str:
        """Their WhatsApp conversation: theirs by the number (bot.channels.whatsapp)."""
        return f"whatsapp:{self.phone}"

    def conversations(self, world: World) -> tuple[str, ...]:
        linked = (self.messenger,) if world.links else ()
        return (self.phone, self.whatsapp, self.telegram, self.web, *linked)

    @property
    def needles(self) -> tuple[str, ...]:
        # The phone's digits: a number is found however it is written.
        return (self.phone[1:], self.telegram, self.web, self.messenger, self.email, self.marker)


ALICE = Person(
    "a", "Alice Privacy", "+14155550177", "700800900", "web-alice-5f3a", "5550009990001",
    "alice.privacy@example.com", "ZQX-ALICE-7731", "31415926",
)  # fmt: skip
BOB = Person(
    "b", "Bob Keeps", "+14155550188", "700800911", "web-bob-77b1", "5550009990002",
    "bob.keeps@example.com", "ZQX-BOB-4410", "27182818",
)  # fmt: skip


@dataclass
class World:
    kind: str
    root: Path
    # The stores' URLs, as the test reads them back (no broker on PostgreSQL).
    urls: dict[str, str]
    environ: dict[str, str]
    handoff_ids: dict[str, list[int]] = field(default_factory=dict)
    customer_ids: dict[str, int] = field(default_factory=dict)
    # Whether the handoff database links conversations to customers
    # (handoff.customers' table, from migration 0007 on).
    links: bool = False


# -- the world ----------------------------------------------------------------------------


def sqlite_world(root: Path) -> World:
    urls = {
        store: f"sqlite:///{root / f'{store}.db'}"
        for store in (TRACKER, BROKER, CHANNELS, OUTBOX, HANDOFF, BUSINESS)
    }
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: bot.stores.tracker.SQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {root / 'tracker.db'}\n"
        "event_broker:\n  type: bot.stores.broker.SQLEventBroker\n  dialect: sqlite\n"
        f"  db: {root / 'broker.db'}\n"
    )
    return World("sqlite", root, urls, environment(endpoints, urls))


def postgres_world(root: Path, stack: ExitStack) -> World:
    urls = {
        store: stack.enter_context(postgres_schema(f"privacy_{store}"))
        for store in (TRACKER, CHANNELS, OUTBOX, HANDOFF, BUSINESS)
    }
    tracker = sa.engine.make_url(urls[TRACKER])
    endpoints = root / "endpoints.yml"
    # As endpoints.production.yml: PostgreSQL, and RabbitMQ as the broker.
    endpoints.write_text(
        "tracker_store:\n  type: bot.stores.tracker.SQLTrackerStore\n  dialect: postgresql\n"
        f"  url: {tracker.host}\n  port: ${{DB_PORT}}\n  db: {tracker.database}\n"
        f"  username: {tracker.username}\n"
        f"  query: {json.dumps(dict(tracker.query))}\n"
        "event_broker:\n  type: pika\n  url: localhost\n  queues: [rasa_production_events]\n"
    )
    env = environment(endpoints, urls)
    env["DB_PORT"] = str(tracker.port or 5432)
    return World("postgresql", root, urls, env)


def environment(endpoints: Path, urls: dict[str, str]) -> dict[str, str]:
    return {
        "RASA_ENDPOINTS": str(endpoints),
        "CHANNELS_DATABASE_URL": urls[CHANNELS],
        "ACTIONS_HANDOFF_OUTBOX_URL": urls[OUTBOX],
        "HANDOFF_DATABASE_URL": urls[HANDOFF],
        "ACTIONS_DATABASE_URL": urls[BUSINESS],
    }


async def populate(world: World, people: list[Person], *, left_open: Person | None = None) -> None:
    """Each person's footprint in every store, in order; ``left_open``'s handoff stays open."""
    migrate(world.urls[HANDOFF])
    handoffs = HandoffStore(world.urls[HANDOFF])
    world.links = sa.inspect(handoffs.engine).has_table(CUSTOMER_LINKS)
    queue = DeliveryQueue(handoffs.engine)
    # The adapter's cursor starts at the journal's end: what follows is queued for it.
    await queue.open(ADAPTER)
    try:
        for person in people:
            await business(world, person)
            await conversations(world, person)
            await channels(world, person)
            await outbox(world, person)
            await handoff(world, handoffs, person, left_open=person == left_open)
        await queue.ingest(ADAPTER, lambda event: True)
        tracker = plumbing.db.build_engine(world.urls[TRACKER], plumbing.db.RASA_EVENTS)
        try:
            backfill(RecordKeeper(handoffs.engine), tracker)
        finally:
            tracker.dispose()
    finally:
        handoffs.dispose()


async def business(world: World, person: Person) -> None:
    backend = SqlBackend(ActionSettings(database_url=world.urls[BUSINESS], seed_sample_data=False))
    await backend.identify_customer("sms", "nobody")  # the tables, made at first use
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    first, last = person.name.split()
    with Session(backend.engine, future=True) as session, session.begin():
        customer = CustomerRow(first_name=first, last_name=last, email=person.email)
        customer.address = "1 Old Road"
        customer.store_credit, customer.loyalty_points = Decimal("12.50"), 40
        session.add(customer)
        session.flush()
        world.customer_ids[person.tag] = key = int(customer.id)
        for channel, sender_id in (("sms", person.phone), ("telegram", person.telegram)):
            identity = CustomerIdentityRow(channel=channel, external_id=sender_id)
            session.add(identity)
            identity.customer_id = key
        order = OrderRow(order_id=person.order_id, customer_id=key, status="delivered")
        order.placed_at, order.delivered_at = now - dt.timedelta(days=6), now
        order.total, order.item_summary = Decimal("59.90"), "Kettle"
        session.add(order)
    await backend.start_return(person.order_id)
    await backend.update_address(world.customer_ids[person.tag], f"9 {person.marker} Lane")
    await backend.request_password_reset(person.email, "telegram")
    await backend.close()


async def conversations(world: World, person: Person) -> None:
    """A turn in each of their conversations, saved as the Rasa server saves it."""
    broker = SQLEventBroker(db=db_path(world.urls[BROKER])) if BROKER in world.urls else None
    if world.kind == "sqlite":
        store = SQLTrackerStore(DOMAIN, db=db_path(world.urls[TRACKER]), event_broker=broker)
    else:
        url = sa.engine.make_url(world.urls[TRACKER])
        server = {"host": url.host, "port": url.port, "username": url.username}
        store = SQLTrackerStore(
            DOMAIN, dialect="postgresql", db=url.database, query=dict(url.query), **server
        )
    try:
        for conversation in person.conversations(world):
            tracker = DialogueStateTracker(conversation, DOMAIN.slots)
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))
            text = f"where is my order? {person.marker}, {person.email}"
            tracker.update(UserUttered(text, {"name": "order_status", "confidence": 0.9}, []))
            tracker.update(SlotSet("email", person.email))
            tracker.update(BotUttered("Let me look."))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
    finally:
        store.engine.dispose()
        if broker is not None:
            broker.engine.dispose()


def db_path(url: str) -> str:
    return str(sa.engine.make_url(url).database)


async def channels(world: World, person: Person) -> None:
    store = ChannelStore(world.urls[CHANNELS])
    try:
        text = {"kind": "text", "text": f"where is my order? {person.marker}"}
        await store.accept("sms", f"SM{person.tag}0001", person.phone, text)
        await store.accept("telegram", f"{person.telegram}:1", person.telegram, text)
        await store.touch_inbound("sms", person.phone)
        await store.touch_inbound("telegram", person.telegram)
        await store.opt_out(person.phone)
        # The satisfaction question after her handoff, waiting for its answer.
        surveys = SurveyStore(store)
        asked = AskedSurvey(
            f"survey-{person.tag}", f"key-{person.tag}", "sms", person.phone, person.phone,
            "handoff",
        )  # fmt: skip
        await surveys.claim(asked)
        await surveys.set_pending(asked, dt.datetime(2026, 12, 2, 10, 0))
        if world.links:
            await store.accept("messenger", f"m.{person.tag}", person.messenger, text)
    finally:
        store.close()


async def outbox(world: World, person: Person) -> None:
    store = Outbox(world.urls[OUTBOX])
    text = f"a person please {person.marker}"
    said = {"role": "customer", "text": text, "timestamp": "2026-12-01T10:00:00+00:00"}
    # The body actions.handoff.handoff_request builds.
    escalation = {
        "escalation_id": f"esc-{person.tag}", "conversation_id": person.phone, "channel": "sms",
        "customer": {"sender_id": person.phone}, "reasons": ["asked_for_human"], "priority": 2,
        "summary": {"intents": ["order_status"], "email": None}, "transcript": [said],
    }  # fmt: skip
    try:
        await store.add(f"esc-{person.tag}", escalation)
    finally:
        store.close()


async def handoff(
    world: World, store: HandoffStore, person: Person, *, left_open: bool = False
) -> None:
    agent = Agent(1, "jane", "agent")
    now = dt.datetime(2026, 12, 1, 10, 0)
    said = NewMessage("customer", f"a person please {person.marker}", now, f"e{person.tag}1")
    sms, _ = await store.create_handoff(
        escalation_id=f"esc-{person.tag}", conversation_id=person.phone, channel="sms",
        customer_id=person.phone, customer={"sender_id": person.phone, "name": person.name},
        reasons=["asked_for_human"], priority=2, transcript=[said],
    )  # fmt: skip
    await store.claim(sms.id, agent.name)
    await store.agent_message(sms.id, agent, f"Hello {person.name}, I am looking into it")
    await store.append_message(sms.id, "customer", f"thanks, it is {person.email}")
    await TicketMap(store.engine).record(sms.id, 9000 + ord(person.tag), 7000 + ord(person.tag))

    async def reply() -> Answer:
        return Answer(201, {"handoff_id": sms.id, "message": {"text": f"on it {person.name}"}})

    await InboundLog(store.engine).once(ADAPTER, f"zd-{person.tag}", reply)
    await store.close(sms.id, agent.name, "answered")
    SurveyBook(store.engine).plan(utc_now())  # her satisfaction survey, planned
    # A web chat whose only link to them is the e-mail they gave the bot.
    web, _ = await store.create_handoff(
        escalation_id=f"esc-{person.tag}-web", conversation_id=person.web, channel="rest",
        customer_id=person.web, customer={"sender_id": person.web}, priority=3,
        summary={"email": person.email.upper()},
        transcript=[NewMessage("customer", f"my parcel {person.marker}", now, f"e{person.tag}2")],
    )  # fmt: skip
    if not left_open:
        await store.claim(web.id, agent.name)
        await store.close(web.id, agent.name, "answered")
    world.handoff_ids[person.tag] = [sms.id, web.id]
    if world.links:
        # As a supervisor links a conversation to the customer on the desk.
        links = sa.Table(CUSTOMER_LINKS, sa.MetaData(), autoload_with=store.engine)
        link: dict[str, Any] = {"customer_key": f"email:{person.email}", "source": "manual"}
        link.update(conversation_id=person.messenger, linked_at=now, linked_by="sue")
        with store.engine.begin() as db:
            db.execute(links.insert(), link)


# -- reading every table back --------------------------------------------------------------

Snapshot = dict[tuple[str, str], list[dict[str, Any]]]


def snapshot(world: World) -> Snapshot:
    """Every row of every table of every store."""
    rows: Snapshot = {}
    for store, url in world.urls.items():
        engine = sa.create_engine(url, future=True)
        try:
            metadata = sa.MetaData()
            with engine.connect() as db:
                metadata.reflect(bind=db)
                for table in metadata.sorted_tables:
                    found = [dict(row._mapping) for row in db.execute(sa.select(table))]
                    rows[(store, table.name)] = sorted(found, key=text_of)
        finally:
            engine.dispose()
    return rows


def text_of(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def mentions(row: dict[str, Any], person: Person) -> bool:
    text = text_of(row).lower()
    return any(needle.lower() in text for needle in person.needles)


def owned(world: World, person: Person, table: str, row: dict[str, Any]) -> bool:
    """Whether the row is the person's: it names them, or hangs on something of theirs."""
    handoffs = world.handoff_ids[person.tag]
    customer = world.customer_ids[person.tag]
    response = row.get("response")
    return (
        mentions(row, person)
        or row.get("handoff_id") in handoffs
        or (table == "handoffs" and row.get("id") in handoffs)
        or (isinstance(response, dict) and response.get("handoff_id") in handoffs)
        or (table in ("orders", "address_changes") and row.get("customer_id") == customer)
        or (table == "returns" and row.get("order_id") == person.order_id)
    )


def without(world: World, before: Snapshot, person: Person, *, kept: set[str]) -> Snapshot:
    """``before`` less the person's rows, but those of the ``kept`` tables."""
    return {
        (store, table): [
            row for row in rows if table in kept or not owned(world, person, table, row)
        ]
        for (store, table), rows in before.items()
    }


# Where a customer's footprint is, table by table: the test writes all of them.
FOOTPRINT = {
    (TRACKER, "events"), (BROKER, "events"),
    (CHANNELS, "channel_inbox"), (CHANNELS, "last_inbound"), (CHANNELS, "sms_opt_outs"),
    (CHANNELS, "channel_surveys"), (CHANNELS, "pending_surveys"), (HANDOFF, "surveys"),
    (OUTBOX, "handoff_outbox"),
    (HANDOFF, "handoffs"), (HANDOFF, "transcript_messages"), (HANDOFF, "handoff_events"),
    (HANDOFF, "integration_deliveries"), (HANDOFF, "integration_inbound_events"),
    (HANDOFF, "zendesk_tickets"), (HANDOFF, "insight_events"), (HANDOFF, "conversation_records"),
    (BUSINESS, "customers"), (BUSINESS, "customer_identities"), (BUSINESS, "orders"),
    (BUSINESS, "returns"), (BUSINESS, "address_changes"), (BUSINESS, "password_reset_requests"),
}  # fmt: skip


def footprint(world: World) -> set[tuple[str, str]]:
    expected = {key for key in FOOTPRINT if key[0] in world.urls}
    if world.links:
        expected.add((HANDOFF, CUSTOMER_LINKS))
    return expected


def run(world: World, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), world.environ, out)
    return status, out.getvalue()


@pytest.fixture(params=["sqlite", "postgresql"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    with ExitStack() as stack:
        sqlite = request.param == "sqlite"
        built = sqlite_world(tmp_path) if sqlite else postgres_world(tmp_path, stack)
        await populate(built, [ALICE, BOB])
        yield built


# -- the tests -----------------------------------------------------------------------------


def test_the_footprint_is_in_every_table_it_should_be(world: World) -> None:
    # The erase tests mean something only if there was something of each everywhere.
    before = snapshot(world)
    for person in (ALICE, BOB):
        theirs = {k for k, rs in before.items() if any(owned(world, person, k[1], r) for r in rs)}
        assert footprint(world) <= theirs, sorted(footprint(world) - theirs)


def test_erase_leaves_nothing_of_her_and_everything_else_as_it_was(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot(world)
    with caplog.at_level(logging.INFO):
        status, out = run(world, "erase", "--customer", "+1 (415) 555-0177", "--yes")
    assert status == 0, out
    after = snapshot(world)
    # Nothing of Alice anywhere, but the opt-out: her number and when she texted STOP.
    hits = {key: [r for r in rows if mentions(r, ALICE)] for key, rows in after.items()}
    assert {key for key, rows in hits.items() if rows} == {(CHANNELS, "sms_opt_outs")}
    assert [set(r) for r in hits[(CHANNELS, "sms_opt_outs")]] == [{"phone_number", "opted_out_at"}]
    # Exactly her rows went: Bob's, and every other row, are there as they were.
    assert after == without(world, before, ALICE, kept={"sms_opt_outs"})
    assert "kept: sms_opt_outs 1" in out
    if world.kind == "sqlite":
        # Nor in the files' free space, nor in a write-ahead log (secure_delete, the log
        # emptied): only the opt-out's number, in the channels' file.
        files = {path.name: path.read_bytes() for path in world.root.glob("*.db*")}
        left = {(f, n) for f, data in files.items() for n in ALICE.needles if n.encode() in data}
        assert left == {("channels.db", ALICE.phone[1:])}
    # One line per store, with counts only.
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("plumbing.privacy.")]
    assert len(lines) == 6 and all(line.startswith("privacy erase: ") for line in lines)
    logged = "\n".join(r.getMessage() for r in caplog.records).lower()
    assert [needle for needle in ALICE.needles if needle.lower() in logged] == []
    # Only the opt-out is left, which an erase keeps: nothing to ask about.
    status, out = run(world, "erase", "--customer", ALICE.phone)
    assert status == 0 and "Nothing to erase." in out and "kept: sms_opt_outs 1" in out


def test_the_opt_out_goes_too_when_asked(world: World) -> None:
    status, _ = run(world, "erase", "--customer", ALICE.email, "--yes", "--include-opt-out")
    assert status == 0
    after = snapshot(world)
    assert [key for key, rows in after.items() if any(mentions(r, ALICE) for r in rows)] == []
    assert any(mentions(r, BOB) for r in after[(CHANNELS, "sms_opt_outs")])


def test_a_dry_run_says_what_it_would_erase_and_erases_nothing(world: World) -> None:
    before = snapshot(world)
    status, out = run(world, "erase", "--customer", ALICE.email)
    assert status == 2 and snapshot(world) == before
    assert "Would erase:" in out and "--yes" in out
    assert "handoffs 2" in out and "kept: sms_opt_outs 1" in out
    # The operator sees who was found, and how, before saying yes.
    for conversation in ALICE.conversations(world):
        assert f"conversation {conversation}:" in out
    assert BOB.phone not in out


def test_every_identifier_of_hers_finds_the_same_rows(world: World) -> None:
    found = set()
    for given in (ALICE.phone, "0014155550177", ALICE.email.title(), ALICE.telegram):
        status, out = run(world, "erase", "--customer", given)
        assert status == 2
        found.add(out.split("Would erase:")[1])
    assert len(found) == 1


def test_the_export_holds_her_data_from_every_store_and_nobody_elses(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "alice.json"
    assert run(world, "export", "--customer", ALICE.email, "--out", str(target))[0] == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    document = json.loads(target.read_text())
    assert set(document) == {"customer", "generated_at", "stores", "not_read"}
    assert dt.datetime.fromisoformat(document["generated_at"])
    found = {c["id"] for c in document["customer"]["conversations"]}
    assert found == set(ALICE.conversations(world))
    assert set(document["stores"]) == set(world.urls)
    for store, tables in document["stores"].items():
        assert ALICE.marker in json.dumps(tables), store
    # Every table of her footprint, the opt-out included; nothing of Bob's.
    exported = {(store, table) for store, tables in document["stores"].items() for table in tables}
    assert footprint(world) <= exported, sorted(footprint(world) - exported)
    text = json.dumps(document).lower()
    assert [needle for needle in BOB.needles if needle.lower() in text] == []
    # JSON columns as JSON, times in ISO 8601, amounts exact.
    assert isinstance(document["stores"][TRACKER]["events"][0]["data"], dict)
    handoff_row = document["stores"][HANDOFF]["handoffs"][0]
    assert handoff_row["customer"]["sender_id"] == ALICE.phone
    assert dt.datetime.fromisoformat(handoff_row["created_at"])
    assert document["stores"][BUSINESS]["customers"][0]["store_credit"] == "12.50"
    if world.kind == "postgresql":
        assert document["not_read"][BROKER].startswith("skipped")


def test_no_stores_yet_is_not_an_error_and_creates_none(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("event_broker:\n  type: pika\n  url: localhost\n")
    state = tmp_path / "var"
    urls = {store: f"sqlite:///{state / f'{store}.db'}" for store in (CHANNELS, OUTBOX, HANDOFF)}
    world = World("sqlite", tmp_path, {}, environment(endpoints, {**urls, BUSINESS: urls[OUTBOX]}))
    world.environ["ACTIONS_BACKEND"] = "crm.northwind:Backend"  # the company's own system
    status, out = run(world, "export", "--customer", ALICE.phone)
    assert status == 0
    document = json.loads(out)
    assert document["stores"] == {}
    assert document["not_read"][TRACKER].startswith("skipped: no tracker_store")
    assert document["not_read"][BROKER].startswith("skipped: event_broker is 'pika'")
    assert document["not_read"][HANDOFF].startswith("absent")
    assert document["not_read"][BUSINESS].startswith("skipped: ACTIONS_BACKEND is crm.")
    status, out = run(world, "erase", "--customer", ALICE.phone, "--yes")
    assert status == 0 and "Nothing is held" in out
    assert not state.exists()


async def test_open_handoffs_and_sqlite_ids_handed_out_again_refuse_the_erase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = sqlite_world(tmp_path)
    # Alice's rows are the newest, and her web chat's handoff is open.
    await populate(built, [BOB, ALICE], left_open=ALICE)
    before = snapshot(built)
    # In a thread: the command runs its own event loop.
    dry_run = await asyncio.to_thread(run, built, "erase", "--customer", ALICE.phone)
    assert dry_run[0] == 1  # the dry run says so too
    erased = await asyncio.to_thread(run, built, "erase", "--customer", ALICE.phone, "--yes")
    assert erased[0] == 1
    assert snapshot(built) == before
    err = capsys.readouterr().err
    assert "handoffs are open" in err and "nothing was erased" in err
    assert "newest of handoff_events" in err and "newest of events" in err


@pytest.mark.parametrize(
    ("given", "kind", "value"),
    [
        ("+1 (415) 555-0177", "phone", "+14155550177"),
        ("+1.415.555.0177", "phone", "+14155550177"),
        ("0044 20 7946 0958", "phone", "+442079460958"),
        ("+1234567890123456", "conversation", "+1234567890123456"),  # longer than E.164
        ("4155550177", "conversation", "4155550177"),  # no country code: a chat id, maybe
        (" Alice.Privacy@Example.COM ", "email", "alice.privacy@example.com"),
        ("demo-alice", "conversation", "demo-alice"),
    ],
)
def test_what_an_id_is(given: str, kind: str, value: str) -> None:
    assert kind_of(given) == (kind, value)


# -- the admin API: the same, with each process reading its own stores ----------------------

ADMIN = "admin-token-for-the-privacy-api-0123456789"
DELIVERY = "delivery-token-for-the-privacy-api-012345"
ACTIONS = "actions-token-for-the-privacy-api-0123456"


class IdleSender:
    """The action server's outbox forwarder, idle: it would deliver Alice's and Bob's
    escalations to the handoff service and change the rows the test compares."""

    outbox = None

    def kick(self) -> None:
        pass  # nothing to forward: see the class

    async def close(self) -> None:
        pass  # nothing opened


@dataclass
class Servers:
    handoff: LiveServer
    actions: LiveServer
    rasa: LiveServer

    async def ask(self, path: str, token: str = ADMIN, **body: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return await self.handoff.client.post(path, json=body, headers=headers, timeout=60)


@pytest.fixture
async def servers(world: World, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Servers]:
    """The three processes' apps on real ports, each reading its stores from its own
    settings: the Rasa server's internal route, the action server, the handoff service."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    for name, value in world.environ.items():
        monkeypatch.setenv(name, value)  # what the Rasa server's route reads (os.environ)
    name = uuid.uuid4().hex
    rasa_app = Sanic(f"rasa_{name}")
    route = DeliveryRoute(DeliveryRouteSettings(token=DELIVERY))
    rasa_app.blueprint(route.blueprint(None), url_prefix=route.url_prefix())  # type: ignore[arg-type]
    settings = ActionSettings.from_env(
        {**world.environ, "ACTIONS_TOKEN": ACTIONS, "HANDOFF_ADMIN_TOKEN": ADMIN}
    )
    actions_app = create_actions_app(settings, sender=cast(HandoffSender, IdleSender()))
    rasa = await LiveServer(rasa_app).start()
    actions = await LiveServer(actions_app).start()
    handoff_settings = HandoffSettings(
        database_url=world.urls[HANDOFF],
        admin_token=ADMIN,
        broker="none",
        rasa_url=str(rasa.client.base_url),
        delivery_token=DELIVERY,
        actions_url=str(actions.client.base_url),
    )
    handoff_app = create_handoff_app(
        handoff_settings, deliver=FakeDelivery(), on_close=CloseRecorder(), name=f"handoff_{name}"
    )
    handoff = await LiveServer(handoff_app).start()
    yield Servers(handoff, actions, rasa)
    for server in (handoff, actions, rasa):
        await server.stop()


async def test_the_admin_api_exports_and_erases_as_the_command_does(
    world: World, servers: Servers
) -> None:
    before = snapshot(world)
    # Only the admin token: an export is everything held about someone.
    assert (
        await servers.ask("/api/privacy/export", token="nope", customer=ALICE.email)
    ).status_code == 401
    assert (await servers.ask("/api/privacy/export")).status_code == 400

    answer = await servers.ask("/api/privacy/export", customer=ALICE.email)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"].startswith("no-store")
    status, out = await asyncio.to_thread(run, world, "export", "--customer", ALICE.email)
    assert status == 0
    expected = json.loads(out)
    document = answer.json()
    assert {**document, "generated_at": None} == {**expected, "generated_at": None}
    assert set(document["stores"]) == set(world.urls)

    dry_run = await servers.ask("/api/privacy/erase", customer=ALICE.phone)
    assert dry_run.status_code == 200, dry_run.text
    planned = dry_run.json()
    assert planned["erased"] is False
    assert {c["id"] for c in planned["customer"]["conversations"]} == set(
        ALICE.conversations(world)
    )
    assert planned["stores"][CHANNELS]["kept"] == {"sms_opt_outs": 1}
    assert planned["stores"][HANDOFF]["would_erase"]["handoffs"] == len(
        world.handoff_ids[ALICE.tag]
    )
    assert snapshot(world) == before

    done = await servers.ask("/api/privacy/erase", customer=ALICE.phone, confirm=True)
    assert done.status_code == 200, done.text
    erased = done.json()
    assert erased["erased"] is True
    assert erased["stores"][BUSINESS]["erased"]["customers"] == 1
    assert snapshot(world) == without(world, before, ALICE, kept={"sms_opt_outs"})


async def test_each_owner_wants_its_own_token_and_one_that_is_down_stops_the_erase(
    world: World, servers: Servers
) -> None:
    # Each owner's route wants its own token: the action server's, not the one the
    # Rasa server calls actions with.
    for server, path, token in (
        (servers.rasa, "/internal/privacy", ADMIN),
        (servers.actions, "/privacy", ACTIONS),
        (servers.handoff, "/api/privacy/erase", DELIVERY),
    ):
        refused = await server.client.post(
            path, json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code in (401, 403), path
    asked = await servers.actions.client.post(
        "/privacy",
        json={"step": "discover", "subject": Subject.of(BOB.email).to_json(), "first": True},
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert asked.status_code == 200, asked.text
    assert BOB.telegram in {c["id"] for c in asked.json()["subject"]["conversations"]}

    before = snapshot(world)
    await servers.actions.stop()
    answer = await servers.ask("/api/privacy/erase", customer=BOB.phone, confirm=True)
    assert answer.status_code == 502, answer.text
    assert answer.json()["error"] == "owner_unavailable"
    assert "the action server did not answer" in answer.json()["detail"]
    assert BOB.phone[1:] not in answer.text
    assert snapshot(world) == before

"""Nothing lost, nothing doubled: the production profile under load while its parts fail.

One isolated production profile (two Rasa instances and two action servers
behind nginx, on PostgreSQL, Redis and RabbitMQ), started once for the module.

- Faults under load (``fault_run``, once): 12 customers in routine
  conversations and 3 who asked for a person keep writing while one Rasa
  instance is killed with SIGKILL, an action server and the handoff service
  restart, RabbitMQ closes the profile's connections and PostgreSQL drops its
  sessions. Then, message by message: nothing accepted is doubled, the few
  requests that failed succeed when retried, every accepted message is once
  in its tracker, and what customers wrote during a handoff is once in its
  transcript. Fixed on the way, each once a failure here: a turn answered
  while PostgreSQL dropped connections was missing from the tracker
  (bot/stores/engines.py); a killed instance's lock held its conversation
  for 60 s, until nginx took the other instance out of service too
  (scripts/run_prod.py, scripts/nginx.py); transcript lines were lost when
  Rasa 3.6's RabbitMQ publisher dropped events after RabbitMQ closed its
  connection (handoff.reconcile completes them from the tracker).
- One customer's burst, spread over both instances, is taken one turn at a
  time (bot/stores/lock.py: Rasa's Redis lock store issued the same ticket
  to two instances), each reply answering its own message and each message
  once in the tracker. The same burst without a shared lock store loses
  turns from the tracker.
- Concurrent customers each get the replies to their own messages, in order.

Run alone with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.run import Service, running, wait_until_healthy
from scripts.run_prod import isolated_production, production_services
from tests.production_load import (
    ORDERS,
    REQUEST_TIMEOUT_S,
    Sent,
    close_rabbitmq_connections,
    customer_transcript,
    escalating_customer,
    interleaved_turns,
    kill_hard,
    new_sender,
    reply_text,
    retry_failures,
    routine_customer,
    send,
    terminate_database_connections,
    tracker,
    user_texts,
)
from tests.test_run_prod import MODEL, back_ends_or_skip, nginx_or_skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROUTINE_CUSTOMERS = 12
ESCALATING_CUSTOMERS = 3
FAULT_INTERVAL_S = 5.0
BURST = 20
# Failed requests (nginx answered 5xx, or the connection dropped) while an
# instance died: the customer retries them. Allowed, but only a few.
MAX_FAILED_SHARE = 0.1


@dataclass
class Production:
    env: dict[str, str]
    services: list[Service]

    def named(self, prefix: str) -> list[Service]:
        return [s for s in self.services if s.name.startswith(prefix)]


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    nginx_or_skip()
    back_ends_or_skip()
    if not MODEL.exists():
        pytest.fail("models/retail-bot.tar.gz is missing: run `make test`, which trains first")
    state = tmp_path_factory.mktemp("production-faults")
    with isolated_production(state, MODEL, rasa_instances=2, action_instances=2) as env:
        # A burst from one customer is what these tests send on purpose.
        env["CHANNELS_RATE_PER_MINUTE"] = "0"
        # Transcripts compared with Rasa's trackers every 2 s, not 30
        # (handoff.reconcile), so that the test need not wait long.
        env["HANDOFF_RECONCILE_S"] = "2"
        all_services = production_services(env, 2, 2)
        with running(all_services, env):
            yield Production(env, all_services)


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


# -- 1. faults under load -----------------------------------------------------------------


def inject_faults(
    production: Production, done: threading.Event, notes: list[str], moments: dict[str, float]
) -> None:
    """The faults, one after the other, while the customers write; when each was made."""
    env = production.env
    rasa = production.named("Rasa instance")[0]
    actions = production.named("action server")[0]
    handoff = production.named("handoff service")[0]
    try:
        time.sleep(FAULT_INTERVAL_S)
        moments["kill"] = time.monotonic()
        kill_hard(rasa)
        notes.append(f"{time.strftime('%X')} kill -9 {rasa.name}")
        rasa.start(env)  # back in a while: Rasa takes seconds to load its model
        time.sleep(FAULT_INTERVAL_S)
        moments["actions"] = time.monotonic()
        actions.stop()
        actions.start(env)
        notes.append(f"{time.strftime('%X')} restarted {actions.name}")
        time.sleep(FAULT_INTERVAL_S)
        moments["handoff"] = time.monotonic()
        handoff.stop()
        handoff.start(env)
        notes.append(f"{time.strftime('%X')} restarted the handoff service")
        time.sleep(FAULT_INTERVAL_S)
        moments["broker"] = time.monotonic()
        closed = close_rabbitmq_connections(production.services, env["RABBITMQ_PORT"])
        notes.append(f"{time.strftime('%X')} RabbitMQ closed {closed} connections")
        if closed == 0:
            raise RuntimeError("no RabbitMQ connection of the profile was found to close")
        time.sleep(FAULT_INTERVAL_S)
        moments["database"] = time.monotonic()
        dropped = terminate_database_connections(env)
        notes.append(f"{time.strftime('%X')} PostgreSQL dropped {dropped} connections")
        if dropped == 0:
            raise RuntimeError("the profile held no PostgreSQL connection to drop")
        if not wait_until_healthy(production.services, lambda: False):
            raise RuntimeError("the profile did not recover from the faults")
        notes.append(f"{time.strftime('%X')} every service healthy again")
        time.sleep(FAULT_INTERVAL_S)  # load on the recovered profile too
    finally:
        done.set()


async def load_during(
    production: Production, faults_done: threading.Event
) -> tuple[list[Sent], list[Sent]]:
    log: list[Sent] = []
    after_handoff: list[Sent] = []
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=ROUTINE_CUSTOMERS + ESCALATING_CUSTOMERS)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        customers = [
            *(
                routine_customer(client, production.env, stop, log)
                for _ in range(ROUTINE_CUSTOMERS)
            ),
            *(
                escalating_customer(client, production.env, stop, log, after_handoff)
                for _ in range(ESCALATING_CUSTOMERS)
            ),
        ]
        tasks = [asyncio.create_task(c) for c in customers]
        while not faults_done.is_set():
            await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*tasks)
    return log, after_handoff


@dataclass
class FaultRun:
    """The load, the faults, and what the back ends held afterwards."""

    log: list[Sent]
    after_handoff: list[Sent]
    notes: list[str]
    broker_fault_at: float
    moments: dict[str, float] = field(default_factory=dict)
    trackers: dict[str, Counter[str]] = field(default_factory=dict)
    transcripts: dict[str, Counter[str] | None] = field(default_factory=dict)

    @property
    def failed(self) -> list[Sent]:
        return [s for s in self.log if not s.accepted]

    def occurrences(self, sent: Sent) -> int:
        return self.trackers[sent.sender][sent.text]

    def in_transcript(self, sent: Sent) -> int:
        return (self.transcripts[sent.sender] or Counter())[sent.text]

    def handed_over(self, before_broker_fault: bool) -> list[Sent]:
        """Accepted messages written during a handoff, before or after RabbitMQ's fault."""
        return [
            s
            for s in self.after_handoff
            if s.accepted and (s.sent_at < self.broker_fault_at) == before_broker_fault
        ]


@pytest.fixture(scope="module")
def fault_run(production: Production) -> FaultRun:
    """Customers writing while, one after the other, every part of the profile fails."""
    env = production.env
    notes: list[str] = []
    moments: dict[str, float] = {}
    faults_done = threading.Event()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        faults = pool.submit(inject_faults, production, faults_done, notes, moments)
        try:
            log, after_handoff = asyncio.run(load_during(production, faults_done))
        finally:
            faults_done.set()
        faults.result()  # a fault that could not be made fails the tests
    notes.append(f"load ran {time.monotonic() - started:.0f} s")
    run = FaultRun(log, after_handoff, notes, moments["broker"], {**moments, "start": started})
    asyncio.run(retry_failures(env, run.failed))
    run.trackers = {
        sender: user_texts(tracker(env, sender)["events"]) for sender in {s.sender for s in log}
    }
    escalated = {s.sender for s in after_handoff}

    def transcripts() -> dict[str, Counter[str] | None] | None:
        # Within seconds: over RabbitMQ, or from Rasa's tracker for what
        # Rasa's publisher lost after RabbitMQ's fault (handoff.reconcile).
        run.transcripts = {sender: customer_transcript(env, sender) for sender in escalated}
        arrived = all(
            run.in_transcript(s)
            for before in (True, False)
            for s in run.handed_over(before_broker_fault=before)
        )
        return run.transcripts if arrived else None

    eventually(transcripts, timeout=30)
    print_summary(run)
    return run


def print_summary(run: FaultRun) -> None:
    accepted_once = [s for s in run.log if s.accepted]
    missing = [s for s in accepted_once if run.occurrences(s) == 0]
    doubled = [s for s in accepted_once if run.occurrences(s) > 1]
    retried = [s for s in run.failed if s.retried and s.retried.accepted]
    print("\nfaults under load:")
    for note in run.notes:
        print(f"  {note}")
    print(
        f"  {'requests':>9} {'accepted':>9} {'failed':>7} {'retry ok':>9}"
        f" {'missing':>8} {'dupl.':>6}"
    )
    print(
        f"  {len(run.log):>9} {len(accepted_once):>9} {len(run.failed):>7} {len(retried):>9}"
        f" {len(missing):>8} {len(doubled):>6}"
    )
    print(f"  failed requests by status: {dict(Counter(s.status for s in run.failed))}")
    for before in (True, False):
        handed = run.handed_over(before)
        lost = sum(run.in_transcript(s) == 0 for s in handed)
        print(
            f"  handoff transcript lines, messages {'before' if before else 'after'} RabbitMQ's"
            f" fault: {len(handed)} accepted, missing {lost},"
            f" doubled {sum(run.in_transcript(s) > 1 for s in handed)}"
        )
    start = run.moments["start"]
    faults = ", ".join(f"{k} {v - start:.0f}" for k, v in run.moments.items() if k != "start")
    lost_at = [
        f"{s.sent_at - start:.0f}"
        for s in run.after_handoff
        if s.accepted and not run.in_transcript(s)
    ]
    print(f"  faults at (s into the load): {faults}")
    print(f"  lost transcript lines written at (s): {' '.join(lost_at)}")


def test_under_faults_nothing_accepted_is_doubled_and_failed_requests_succeed_when_retried(
    fault_run: FaultRun,
) -> None:
    log, failed = fault_run.log, fault_run.failed
    # A retried message is there twice when nginx's error hid a turn that was
    # taken: in its tracker, and in its transcript if written during a handoff.
    doubled = [s for s in log if fault_run.occurrences(s) > (1 if s.accepted else 2)]
    doubled_lines = [
        s for s in fault_run.after_handoff if fault_run.in_transcript(s) > (1 if s.accepted else 2)
    ]
    unanswered = [
        s for s in log if s.accepted and not s.replies and s not in fault_run.after_handoff
    ]
    not_retried = [s for s in failed if not (s.retried and s.retried.accepted)]

    assert len(log) >= 100, "too little load to say anything"
    assert doubled == [], [(s.sender, s.text) for s in doubled]
    assert doubled_lines == [], [(s.sender, s.text) for s in doubled_lines]
    assert unanswered == [], [(s.sender, s.text) for s in unanswered]
    # A failure is nginx's answer (502, 504), which the customer's client retries.
    assert {s.status for s in failed} <= {502, 503, 504}, Counter(s.status for s in failed)
    assert not_retried == [], [(s.sender, s.status) for s in not_retried]


def test_under_faults_only_a_few_requests_fail(fault_run: FaultRun) -> None:
    log, failed = fault_run.log, fault_run.failed

    assert len(failed) <= MAX_FAILED_SHARE * len(log), Counter(s.status for s in failed)


def test_under_faults_every_accepted_message_is_in_its_tracker(fault_run: FaultRun) -> None:
    missing = [s for s in fault_run.log if s.accepted and fault_run.occurrences(s) == 0]

    assert missing == [], [(s.sender, s.text) for s in missing]


def test_under_faults_every_message_written_during_a_handoff_reaches_its_transcript(
    fault_run: FaultRun,
) -> None:
    handed = [s for s in fault_run.after_handoff if s.accepted]

    assert None not in fault_run.transcripts.values(), "a handoff is missing"
    assert [s.text for s in handed if fault_run.in_transcript(s) == 0] == []


# -- 2. one customer's burst --------------------------------------------------------------


def burst_texts() -> list[tuple[str, str]]:
    """``BURST`` different messages, each asking for a known order: (order, text)."""
    asks = [
        (order, template.format(order=order))
        for template in ("where is my order {order}", "status of order {order}")
        for order in ORDERS
    ]
    return asks[:BURST]


async def burst(env: dict[str, str], sender: str, asks: list[tuple[str, str]]) -> list[Sent]:
    """All of one customer's messages at once, none waiting for a reply."""
    limits = httpx.Limits(max_connections=BURST)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        return list(await asyncio.gather(*(send(client, env, sender, text) for _, text in asks)))


def burst_outcome(
    env: dict[str, str], sent: list[Sent], asks: list[tuple[str, str]]
) -> dict[str, Any]:
    """What became of a burst: each message once in the tracker, turn after turn, its own reply."""
    events = tracker(env, sent[0].sender)["events"]
    texts = user_texts(events)
    return {
        "accepted": sum(s.accepted for s in sent),
        "missing": [text for _, text in asks if texts[text] == 0],
        "duplicated": [text for _, text in asks if texts[text] > 1],
        "interleaved": interleaved_turns(events),
        "wrong replies": [
            text for s, (order, text) in zip(sent, asks, strict=True) if order not in reply_text(s)
        ],
    }


def test_a_burst_from_one_customer_is_taken_one_turn_at_a_time_across_instances(
    production: Production,
) -> None:
    env = production.env
    asks = burst_texts()
    started = time.monotonic()
    sent = asyncio.run(burst(env, new_sender("burst"), asks))
    outcome = burst_outcome(env, sent, asks)
    print(
        f"\nburst of {BURST} with the Redis lock store"
        f" ({time.monotonic() - started:.1f} s): {outcome}"
    )
    served = {s.sender for s in sent}

    assert len(served) == 1
    assert outcome["accepted"] == BURST, [s.status for s in sent]
    assert outcome["duplicated"] == []
    assert outcome["interleaved"] == []
    assert outcome["wrong replies"] == []
    # Answered, yet not in the tracker, was what two instances running a turn
    # of the conversation at once left behind: Rasa's Redis lock store issued
    # the same ticket twice (bot/stores/lock.py takes them atomically).
    assert outcome["missing"] == []


# -- 3. concurrent customers each get their own replies -----------------------------------


async def conversation(
    client: httpx.AsyncClient, env: dict[str, str], orders: list[str]
) -> tuple[str, list[tuple[str, Sent]]]:
    sender = new_sender("order")
    answers = []
    for order in orders:
        answers.append((order, await send(client, env, sender, f"where is my order {order}")))
    return sender, answers


def test_concurrent_customers_each_get_the_replies_to_their_own_messages(
    production: Production,
) -> None:
    """Eight customers at once, each asking for four orders in turn, each a different one."""
    env = production.env

    async def everyone() -> list[tuple[str, list[tuple[str, Sent]]]]:
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
            return list(
                await asyncio.gather(
                    *(
                        conversation(client, env, [ORDERS[(c + i) % len(ORDERS)] for i in range(4)])
                        for c in range(8)
                    )
                )
            )

    customers = asyncio.run(everyone())
    results = [answer for _, answers in customers for answer in answers]
    wrong = [(order, reply_text(sent)) for order, sent in results if order not in reply_text(sent)]
    out_of_order = [
        sender
        for sender, answers in customers
        if [str(e["text"]) for e in tracker(env, sender)["events"] if e.get("event") == "user"]
        != [sent.text for _, sent in answers]
    ]

    assert all(sent.accepted for _, sent in results)
    assert wrong == []
    assert out_of_order == []


# -- 2b. the same burst without a shared lock store ---------------------------------------


def through_nginx_again(env: dict[str, str], answers: int = 40) -> None:
    """Wait until nginx reaches the restarted instances: its kept-alive connections
    to the old processes are used up by reads (which it may try elsewhere), not
    by the burst's POSTs (which it never sends twice, and answers 502)."""
    deadline = time.monotonic() + 60
    ok = 0
    while ok < answers:
        assert time.monotonic() < deadline, "nginx does not reach the restarted instances"
        try:
            status = httpx.get(f"http://127.0.0.1:{env['RASA_PORT']}/", timeout=5).status_code
        except httpx.HTTPError:
            status = 0
        ok = ok + 1 if status == 200 else 0
        if status != 200:
            time.sleep(0.5)


BURSTS_WITHOUT_LOCK = 3


def test_without_the_redis_lock_store_a_burst_loses_turns(
    production: Production, tmp_path: Path
) -> None:
    """The same burst with each instance on its own in-memory lock (no ``lock_store``).

    Rasa then serialises a conversation's turns only within one process, and
    the two instances load, extend and save the same tracker at once: each
    customer got the answer to each message, yet the tracker lost turns (1
    to 6 of 20 in each of our five runs) or mixed them. A burst now and then
    comes through whole (one in CI), so up to three are sent. That is what
    the shared lock prevents. A burst with a message nginx gave up on (a 504
    after 60 s, once in CI) proves nothing either way and is not counted: the
    proof is every message answered, yet the tracker wrong. Last in the module:
    it leaves the Rasa instances stopped.
    """
    env = production.env
    endpoints = Path(env["RASA_ENDPOINTS"]).read_text()
    start, end = endpoints.index("lock_store:"), endpoints.index("event_broker:")
    without_lock = tmp_path / "endpoints.no-lock.yml"
    without_lock.write_text(endpoints[:start] + endpoints[end:])
    originals = production.named("Rasa instance")
    variants = [
        replace(r, own={**r.own, "RASA_ENDPOINTS": str(without_lock)}, process=None)
        for r in originals
    ]
    for service in originals:
        service.terminate()
    for service in originals:
        service.wait_stopped()
    for service in variants:
        service.start(env)
    try:
        assert wait_until_healthy(variants, lambda: False)
        through_nginx_again(env)
        # A race shows when it shows: most bursts lose turns, one now and then
        # happens to interleave cleanly. Up to BURSTS_WITHOUT_LOCK tries, each a
        # new conversation; one corrupted tracker is the proof.
        corrupted = False
        for attempt in range(1, BURSTS_WITHOUT_LOCK + 1):
            asks = burst_texts()
            sent = asyncio.run(burst(env, new_sender(f"nolock{attempt}"), asks))
            outcome = burst_outcome(env, sent, asks)
            if outcome["accepted"] < BURST:
                print(f"\nburst {attempt}: not every message answered, not counted: {outcome}")
                continue
            assert outcome["wrong replies"] == []
            corrupted = bool(outcome["missing"] or outcome["duplicated"] or outcome["interleaved"])
            print(f"\nburst {attempt} of {BURST} with in-memory locks, one per instance: {outcome}")
            if corrupted:
                break
    finally:
        for service in variants:
            service.terminate()
        for service in variants:
            service.wait_stopped()
    print(f"  tracker lost, doubled or interleaved turns without the shared lock: {corrupted}")
    assert corrupted

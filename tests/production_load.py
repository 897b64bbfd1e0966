"""Customers and faults for tests/test_production_faults.py: the production profile under load.

The customers talk to nginx's REST webhook as a front end would, and every
request is recorded (who, what, HTTP status, the bot's replies) so that the
test can check afterwards, message by message, what became of it. The
faults act on one isolated profile's processes, connections and databases
only: other tests on this machine share PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg2

from scripts.prod_databases import DATABASE_SUFFIXES
from scripts.run import Service

# A routine conversation: a greeting, an order's status (an action call
# through nginx's action upstream), an FAQ, thanks. Distinct texts, so that
# each request is one user event that can be found and counted.
ROUTINE = (
    "hi",
    "where is my order {order}",
    "what's your return policy",
    "thanks",
)
# The demo shop's orders (actions/backend/seed.py): a known order is answered
# with its status, and mentions its number; unknown ones, asked three times,
# hand the conversation to a person.
ORDERS = (
    "12345678", "23456789", "34567890", "45678901", "56789012", "67890123",
    "78901234", "10293847", "24681357", "89012345", "90123456",
)  # fmt: skip
ESCALATION = "I want to talk to a person"
REQUEST_TIMEOUT_S = 60.0
PAUSE_S = 0.3


@dataclass
class Sent:
    """One webhook request and what nginx answered."""

    sender: str
    text: str
    status: int  # 0: no HTTP answer at all (connection refused or reset)
    replies: list[dict[str, Any]] = field(default_factory=list)
    sent_at: float = 0.0
    # The same message sent again after a failure, as the customer would.
    retried: Sent | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 200


def webhook_url(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook"


async def send(client: httpx.AsyncClient, env: dict[str, str], sender: str, text: str) -> Sent:
    sent_at = time.monotonic()
    try:
        response = await client.post(webhook_url(env), json={"sender": sender, "message": text})
    except httpx.TransportError:
        return Sent(sender, text, 0, sent_at=sent_at)
    replies = response.json() if response.status_code == 200 else []
    return Sent(sender, text, response.status_code, replies, sent_at)


def new_sender(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}"


def reply_text(sent: Sent) -> str:
    return " ".join(str(reply.get("text", "")) for reply in sent.replies)


async def routine_customer(
    client: httpx.AsyncClient, env: dict[str, str], stop: asyncio.Event, log: list[Sent]
) -> None:
    """Routine conversations one after the other, each with a new sender, until ``stop``."""
    while not stop.is_set():
        sender = new_sender("load")
        order = random.choice(ORDERS)
        for template in ROUTINE:
            log.append(await send(client, env, sender, template.format(order=order)))
            await asyncio.sleep(PAUSE_S)


async def escalating_customer(
    client: httpx.AsyncClient,
    env: dict[str, str],
    stop: asyncio.Event,
    log: list[Sent],
    after_handoff: list[Sent],
) -> None:
    """Asks for a person, then keeps writing until ``stop``; what follows is the transcript's."""
    sender = new_sender("angry")
    while True:
        first = await send(client, env, sender, ESCALATION)
        log.append(first)
        if first.accepted:
            break
        await asyncio.sleep(1)  # the customer tries again
    number = 0
    while not stop.is_set():
        number += 1
        sent = await send(
            client, env, sender, f"more detail {number} {uuid.uuid4().hex[:6]} about my parcel"
        )
        log.append(sent)
        after_handoff.append(sent)
        await asyncio.sleep(PAUSE_S * 3)


async def retry_failures(env: dict[str, str], log: Iterable[Sent]) -> None:
    """Send each failed request again, once every component is back, as its customer would."""
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
        for sent in log:
            if not sent.accepted:
                sent.retried = await send(client, env, sent.sender, sent.text)


# -- what the back ends hold ------------------------------------------------------------


def tracker(env: dict[str, str], sender: str) -> dict[str, Any]:
    for _ in range(5):
        response = httpx.get(
            f"http://127.0.0.1:{env['RASA_PORT']}/conversations/{sender}/tracker",
            params={"token": env["RASA_AUTH_TOKEN"]},
            timeout=30,
        )
        # Just after instances restarted, nginx may still try a connection
        # to the old process: a read is safe to repeat.
        if response.status_code not in (502, 503, 504):
            break
        time.sleep(1.0)
    response.raise_for_status()
    result = response.json()
    assert isinstance(result, dict)
    return result


def user_texts(events: list[dict[str, Any]]) -> Counter[str]:
    return Counter(str(e.get("text")) for e in events if e.get("event") == "user")


def interleaved_turns(events: list[dict[str, Any]]) -> list[str]:
    """Where two turns are mixed: a user event before the previous turn ended.

    A turn is a user event, the bot's actions, and ``action_listen`` (the
    bot waits for the customer again). With turns serialised, every user
    event after the first comes after an ``action_listen``, with a bot
    utterance between it and the previous user event.
    """
    problems: list[str] = []
    previous_user: str | None = None
    listened, uttered = True, True
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if previous_user is not None and not (listened and uttered):
                problems.append(
                    f"{event.get('text')!r} began before {previous_user!r} was answered"
                )
            previous_user, listened, uttered = str(event.get("text")), False, False
        elif kind == "bot":
            uttered = True
        elif kind == "action" and event.get("name") == "action_listen" and previous_user:
            listened = True
    return problems


def handoff_api(env: dict[str, str], path: str, **params: str) -> Any:
    response = httpx.get(
        f"http://127.0.0.1:{env['HANDOFF_PORT']}/api/handoffs{path}",
        params=params,
        headers={"Authorization": f"Bearer {env['HANDOFF_ADMIN_TOKEN']}"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def customer_transcript(env: dict[str, str], sender: str) -> Counter[str] | None:
    """The customer's lines in the handoff of ``sender``'s conversation; None without one."""
    handoffs = handoff_api(env, "", conversation_id=sender)["handoffs"]
    if not handoffs:
        return None
    texts: Counter[str] = Counter()
    for handoff in handoffs:
        for message in handoff_api(env, f"/{handoff['id']}").get("transcript", []):
            if message.get("role") == "customer":
                texts[str(message.get("text"))] += 1
    return texts


# -- faults ----------------------------------------------------------------------------


def kill_hard(service: Service) -> None:
    """kill -9 the service's whole process group, as a crashed machine would."""
    assert service.process is not None
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait()


def terminate_database_connections(env: dict[str, str]) -> int:
    """Drop every connection to the profile's databases, as a PostgreSQL failover does."""
    databases = [env["DB_NAME"], *{env["DB_NAME"] + s for s in DATABASE_SUFFIXES.values()}]
    connection = psycopg2.connect(
        host=env["DB_HOST"],
        port=int(env["DB_PORT"]),
        user=env["DB_USER"],
        password=env["DB_PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=10,
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
                (databases,),
            )
            row = cursor.fetchone()
    finally:
        connection.close()
    return int(row[0]) if row else 0


_SS_LINE = re.compile(r"\s127\.0\.0\.1:(\d+)\s+\S+\s.*?pid=(\d+)")


def close_rabbitmq_connections(all_services: list[Service], broker_port: str) -> int:
    """Have RabbitMQ close the profile's own AMQP connections (not the machine's others).

    The broker is shared with every other test on the machine, so it is not
    restarted: for its clients, a connection closed by the broker
    (CONNECTION_FORCED) is what a broker restart looks like. Connections are
    matched to the profile's processes by their local port (``ss``), then
    closed by the broker's connection id (``rabbitmqctl``).
    """
    groups = {s.process.pid for s in all_services if s.process and s.process.poll() is None}
    sockets = subprocess.run(
        ["ss", "-Htnp", "state", "established", "dport", f"= :{broker_port}"],
        capture_output=True, text=True, check=True, timeout=10,
    )  # fmt: skip
    ours = set()
    for line in sockets.stdout.splitlines():
        match = _SS_LINE.search(line)
        if match is None:
            continue
        port, pid = match.groups()
        try:
            if os.getpgid(int(pid)) in groups:
                ours.add(port)
        except ProcessLookupError:
            continue
    listing = subprocess.run(
        ["rabbitmqctl", "list_connections", "-q", "pid", "peer_port"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    closed = 0
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] in ours:
            subprocess.run(
                ["rabbitmqctl", "close_connection", fields[0], "fault test"],
                capture_output=True, check=True, timeout=30,
            )  # fmt: skip
            closed += 1
    return closed

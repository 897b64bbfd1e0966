"""scripts.run_prod: ``make run-prod``, Rasa instances behind nginx on PostgreSQL, Redis, RabbitMQ.

The first tests check what the launcher hands each process (no server
started). The slow ones start the whole profile, on free ports and with a
database, queue, exchange and lock prefix of its own (removed afterwards), and
talk to it through nginx as a customer would.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from scripts.nginx import STATE_VARIABLE, nginx_binary, nginx_config, served_by
from scripts.prod_databases import postgres_url
from scripts.run import Service, running, stop_all
from scripts.run_prod import (
    isolated_endpoints,
    isolated_production,
    isolated_production_environment,
    production_services,
    with_production_defaults,
)
from tests.e2e_stack import eventually
from tests.postgres import skip_or_fail

MODEL = Path(__file__).resolve().parent.parent / "models" / "retail-bot.tar.gz"
WAIT_S = 20.0


def nginx_or_skip() -> str:
    try:
        return nginx_binary()
    except FileNotFoundError as error:
        skip_or_fail(str(error))


def back_ends_or_skip() -> None:
    env = with_production_defaults({})
    for host, port in (
        (env["DB_HOST"], env["DB_PORT"]),
        (env["REDIS_HOST"], env["REDIS_PORT"]),
        (env["RABBITMQ_HOST"], env["RABBITMQ_PORT"]),
    ):
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
        except OSError:
            skip_or_fail(f"nothing listens at {host}:{port} (PostgreSQL, Redis or RabbitMQ)")


# -- what each process gets -------------------------------------------------------------


def test_the_defaults_are_this_machines_back_ends_and_can_be_overridden() -> None:
    env = with_production_defaults({"DB_HOST": "db.internal", "REDIS_PASSWORD": ""})

    assert env["DB_HOST"] == "db.internal"
    assert env["REDIS_HOST"] == "127.0.0.1" and env["REDIS_PASSWORD"] == ""
    assert env["RABBITMQ_USERNAME"] == env["RABBITMQ_PASSWORD"] == "guest"
    assert env["HANDOFF_BROKER"] == "rabbitmq"
    assert env["RASA_ENDPOINTS"].endswith("endpoints.production.yml")
    # Every database on the same PostgreSQL server, one each.
    assert env["HANDOFF_DATABASE_URL"] == postgres_url(env, "northwind_handoff")
    assert "@db.internal:5432/northwind_channels" in env["CHANNELS_DATABASE_URL"]
    assert env["RASA_INSTANCE_PORTS"] == "5011,5012"
    # A URL that is set is kept.
    mine = "postgresql+psycopg2://u:p@elsewhere/handoff"
    assert with_production_defaults({"HANDOFF_DATABASE_URL": mine})["HANDOFF_DATABASE_URL"] == mine
    with pytest.raises(ValueError, match="RASA_INSTANCES"):
        with_production_defaults({"RASA_INSTANCES": "0"})


def test_each_process_gets_only_the_secrets_it_uses(tmp_path: Path) -> None:
    nginx_or_skip()
    env = isolated_production_environment(tmp_path, MODEL, rasa_instances=2, action_instances=2)
    env["DB_PASSWORD"] = "tracker-password"
    env["TWILIO_AUTH_TOKEN"] = "twilio-secret"

    handoff, *others = production_services(env, 2, 2)
    actions = [s for s in others if s.name.startswith("action server")]
    rasa = [s for s in others if s.name.startswith("Rasa instance")]
    nginx = others[-1]

    assert len(actions) == 2 and len(rasa) == 2
    for instance, port in zip(rasa, env["RASA_INSTANCE_PORTS"].split(","), strict=True):
        own = instance.environment(env)
        assert own["RASA_PORT"] == port and own["RASA_INTERFACE"] == "127.0.0.1"
        assert own["DB_PASSWORD"] == "tracker-password"
        assert own["TWILIO_AUTH_TOKEN"] == "twilio-secret"
        assert "HANDOFF_DATABASE_URL" not in own and "ACTIONS_DATABASE_URL" not in own
        assert "HANDOFF_ADMIN_TOKEN" not in own
        # One secret for all instances, generated once.
        assert own["ACTIONS_TOKEN"] == env["ACTIONS_TOKEN"]
    for service in (handoff, *actions):
        own = service.environment(env)
        assert "DB_PASSWORD" not in own and "TWILIO_AUTH_TOKEN" not in own, service.name
        assert "CHANNELS_DATABASE_URL" not in own, service.name
    assert handoff.environment(env)["HANDOFF_BROKER"] == "rabbitmq"
    assert nginx.environment(env) == {}


def test_the_nginx_configuration_balances_every_instance(tmp_path: Path) -> None:
    nginx = nginx_or_skip()
    env = with_production_defaults(
        {"RASA_PORT": "5005", "ACTIONS_PORT": "5055", STATE_VARIABLE: str(tmp_path)}
    )
    config = nginx_config(env, [5011, 5012, 5013], [5061])
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx.conf").write_text(config)

    assert "listen 127.0.0.1:5005;" in config and "listen 127.0.0.1:5055;" in config
    for port in (5011, 5012, 5013, 5061):
        assert f"server 127.0.0.1:{port} " in config
    assert re.search(r"@[A-Z_]+@", config) is None  # every placeholder filled
    # nginx itself accepts it.
    check = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path),
         "-e", str(tmp_path / "check.log")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_an_isolated_profile_has_its_own_queue_exchange_and_locks(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = isolated_production_environment(tmp_path / "a", MODEL)
    second = isolated_production_environment(tmp_path / "b", MODEL)

    for name in ("DB_NAME", "HANDOFF_RABBITMQ_QUEUE", "HANDOFF_RABBITMQ_EXCHANGE", "RASA_PORT"):
        assert first[name] != second[name], name
    endpoints = Path(first["RASA_ENDPOINTS"]).read_text()
    assert f"- {first['HANDOFF_RABBITMQ_QUEUE']}\n" in endpoints
    assert f"exchange_name: {first['HANDOFF_RABBITMQ_EXCHANGE']}\n" in endpoints
    assert f"key_prefix: {first['RASA_LOCK_KEY_PREFIX']}\n" in endpoints
    settings = [line for line in endpoints.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in settings if "rasa_production_events" in line]
    assert endpoints == isolated_endpoints(first)


def test_served_by_counts_each_upstream_from_the_access_log(tmp_path: Path) -> None:
    (tmp_path / "nginx-access.log").write_text(
        "2026-01-01T00:00:00+00:00 POST /webhooks/rest/webhook 200 "
        "upstream=127.0.0.1:5011 time=0.1\n"
        "2026-01-01T00:00:01+00:00 POST /webhooks/rest/webhook 200 "
        "upstream=127.0.0.1:5011, 127.0.0.1:5012 time=0.2\n"
        "2026-01-01T00:00:02+00:00 POST /webhook 200 upstream=127.0.0.1:5061 time=0.1\n"
    )
    env = {STATE_VARIABLE: str(tmp_path)}

    assert served_by(env, "/webhooks/") == {"127.0.0.1:5011": 2, "127.0.0.1:5012": 1}
    assert served_by(env)["127.0.0.1:5061"] == 1
    assert served_by({STATE_VARIABLE: str(tmp_path / "none")}) == {}


def test_the_instances_of_a_kind_are_stopped_together_and_the_kinds_in_order(
    tmp_path: Path,
) -> None:
    """Rasa takes seconds to stop: its instances stop at once, not one after the other."""
    log = tmp_path / "log"

    def slow_to_stop(name: str, group: str) -> Service:
        # On SIGTERM: note it, take a second to shut down, note the exit.
        script = (
            f'trap \'echo "term {name} $(date +%s.%N)" >> {log}; sleep 1; '
            f'echo "exit {name} $(date +%s.%N)" >> {log}; exit 0\' TERM; '
            "while true; do sleep 0.05; done"
        )
        return Service(name, ["bash", "-c", script], "http://127.0.0.1:1/", group=group)

    # Started in this order, so stopped in the reverse one.
    all_services = [
        slow_to_stop("actions", ""),
        slow_to_stop("rasa1", "rasa"),
        slow_to_stop("rasa2", "rasa"),
    ]
    for service in all_services:
        service.start({})
    time.sleep(0.5)  # the traps are set
    stop_all(all_services)

    when = {}
    for line in log.read_text().splitlines():
        event, name, moment = line.split()
        when[f"{event} {name}"] = float(moment)
    # Both instances were asked before either had finished...
    assert when["term rasa1"] < when["exit rasa2"] and when["term rasa2"] < when["exit rasa1"]
    # ...and the next kind only once both were gone.
    assert when["term actions"] > max(when["exit rasa1"], when["exit rasa2"])
    assert not any(service.running() for service in all_services)


# -- the whole profile ------------------------------------------------------------------


@dataclass
class Production:
    env: dict[str, str]
    services: list[Service]


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    """Two Rasa instances, one action server, the handoff service and nginx, running."""
    nginx_or_skip()
    back_ends_or_skip()
    if not MODEL.exists():
        pytest.fail("models/retail-bot.tar.gz is missing: run `make test`, which trains first")
    state = tmp_path_factory.mktemp("production")
    with isolated_production(state, MODEL, rasa_instances=2, action_instances=1) as env:
        all_services = production_services(env, 2, 1)
        with running(all_services, env):
            yield Production(env, all_services)


def say(env: dict[str, str], sender: str, message: str) -> list[dict[str, Any]]:
    """What the bot answers ``sender`` on the REST channel, through nginx."""
    response = httpx.post(
        f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=30,
    )
    response.raise_for_status()
    answer = response.json()
    assert isinstance(answer, list)
    return answer


def handoff_api(env: dict[str, str], path: str) -> Any:
    response = httpx.get(
        f"http://127.0.0.1:{env['HANDOFF_PORT']}/api/handoffs{path}",
        headers={"Authorization": f"Bearer {env['HANDOFF_ADMIN_TOKEN']}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


@pytest.mark.slow
def test_conversations_go_through_nginx_to_both_instances_and_into_postgresql(
    production: Production,
) -> None:
    env = production.env
    rasa_instances = {f"127.0.0.1:{port}" for port in env["RASA_INSTANCE_PORTS"].split(",")}
    customers = [f"demo-{uuid.uuid4().hex[:8]}" for _ in range(6)]

    for customer in customers:
        replies = say(env, customer, "hi")
        assert replies and "Northwind" in replies[0]["text"]
    # An order's status: an action, called through nginx's action upstream.
    replies = say(env, "demo-bob", "where is my order 12345678")
    assert any("12345678" in reply.get("text", "") for reply in replies)

    served = served_by(env, "/webhooks/rest/")
    assert set(served) == rasa_instances, served  # both instances took conversations
    action_server = f"127.0.0.1:{env['ACTIONS_INSTANCE_PORTS']}"
    assert served_by(env, "/webhook")[action_server] >= 1
    # The conversations are in PostgreSQL (Rasa's tracker store), whichever
    # instance served them.
    engine = create_engine(postgres_url(env, env["DB_NAME"]), future=True)
    try:
        with engine.connect() as db:
            senders = set(
                db.execute(
                    text("SELECT DISTINCT sender_id FROM events WHERE type_name = 'user'")
                ).scalars()
            )
    finally:
        engine.dispose()
    assert {*customers, "demo-bob"} <= senders


@pytest.mark.slow
def test_a_handoff_is_followed_by_the_handoff_service_over_rabbitmq(
    production: Production,
) -> None:
    env = production.env
    customer = f"demo-{uuid.uuid4().hex[:8]}"

    replies = say(env, customer, "I want to talk to a person")
    assert any("queue" in reply.get("text", "") for reply in replies), replies
    handoff = eventually(
        lambda: next(
            (h for h in handoff_api(env, "")["handoffs"] if h["conversation_id"] == customer),
            None,
        ),
        "the handoff in the handoff service",
        timeout=WAIT_S,
    )
    # While a person owns the conversation, the bot stays silent; what the
    # customer writes reaches the transcript only through Rasa's event
    # broker, RabbitMQ, which the handoff service consumes.
    words = f"my parcel {uuid.uuid4().hex[:6]} never came"
    say(env, customer, words)

    def in_transcript() -> bool:
        transcript = handoff_api(env, f"/{handoff['id']}").get("transcript", [])
        return any(message.get("text") == words for message in transcript)

    eventually(in_transcript, "the words in the transcript", timeout=WAIT_S)


@pytest.mark.slow
def logged_past(
    env: dict[str, str], lines: int, survivor: tuple[str, int] | None = None
) -> Counter[str]:
    """nginx's counts once its access log holds ``lines`` REST requests (and the
    ``survivor`` upstream its count), or after 10 s: nginx writes a request's line
    after the answer is sent, so a client may read the answer first."""
    deadline = time.monotonic() + 10.0
    while True:
        served = served_by(env, "/webhooks/rest/")
        enough = sum(served.values()) >= lines
        if survivor is not None:
            enough = enough and served[survivor[0]] >= survivor[1]
        if enough or time.monotonic() > deadline:
            return served
        time.sleep(0.1)


def test_nginx_sends_everything_to_the_other_instance_when_one_dies(
    production: Production,
) -> None:
    env = production.env
    first, second = (s for s in production.services if s.name.startswith("Rasa instance"))
    survivor = f"127.0.0.1:{env['RASA_INSTANCE_PORTS'].split(',')[1]}"
    customer = f"demo-{uuid.uuid4().hex[:8]}"
    logged = sum(served_by(env, "/webhooks/rest/").values())
    say(env, customer, "hi")  # the conversation starts while both run
    before = logged_past(env, logged + 1)[survivor]

    assert first.process is not None
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait()
    # The same conversation goes on (its tracker is in PostgreSQL), and new ones start.
    replies = say(env, customer, "where is my order 12345678")
    assert any("12345678" in reply.get("text", "") for reply in replies)
    for _ in range(3):
        replies = say(env, f"demo-{uuid.uuid4().hex[:8]}", "hi")
        assert replies and "Northwind" in replies[0]["text"]

    assert logged_past(env, 0, survivor=(survivor, before + 4))[survivor] - before == 4
    assert second.running()

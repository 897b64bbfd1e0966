"""``make run-prod``: the production profile on this machine, behind Debian's nginx.

What it starts, each in its own process group (as ``make run``, whose
supervisor this reuses: scripts.run's Service, wait and stop)::

    nginx            RASA_PORT (5005)     -> the Rasa instances (least_conn)
                     ACTIONS_PORT (5055)  -> the action servers (least_conn)
    Rasa  x RASA_INSTANCES (2)      on RASA_INSTANCE_PORTS (5011, 5012, ...)
    action server x ACTIONS_INSTANCES (2)  on ACTIONS_INSTANCE_PORTS (5061, 5062, ...)
    handoff service  HANDOFF_PORT (5080), HANDOFF_BROKER=rabbitmq

on the back ends Rasa itself scales on: conversations (Rasa's tracker store),
the channels' inbox, the business data with the handoff outbox, and the
handoff database in PostgreSQL (one database each, created when missing and
brought to their schema before anything starts); conversation locks in
Redis; every event published to RabbitMQ, consumed by the handoff service.
Everything comes from environment variables (:func:`with_production_defaults`
lists them with this machine's defaults); secrets are generated once into
var/, as ``make run`` does, and given to every instance.

Every Rasa instance calls the action servers through nginx rather than one
each: any Rasa instance can use any action server, an action server that
dies costs no Rasa instance its actions, and the two grow separately, as
they do on Kubernetes (a Service in front of each Deployment).

Tests and benchmarks use :func:`isolated_production` (free ports, a
database, queue, exchange and lock prefix of their own, removed afterwards)
with :func:`production_services` and scripts.run's ``running``.

This module holds the profile's environment, its services and the
throw-away profiles; scripts.prod_databases creates, prepares and drops the
databases, and scripts.nginx configures and runs nginx and reads its log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from scripts.nginx import (
    STATE_VARIABLE,
    nginx_binary,
    nginx_config,
    nginx_service,
    served_by,
)
from scripts.prod_databases import (
    DATABASE_SUFFIXES,
    check_reachable,
    drop_databases,
    ensure_databases,
    postgres_url,
    prepare_databases,
)
from scripts.run import (
    ROOT,
    Service,
    banner,
    environment,
    free_ports,
    isolated_environment,
    local_host,
    services,
    stop_requested,
    supervise,
)

# What the benchmarks and tests import from here, whichever module holds it.
__all__ = [
    "STATE_VARIABLE",
    "check_reachable",
    "ensure_databases",
    "isolated_endpoints",
    "isolated_production",
    "isolated_production_environment",
    "main",
    "nginx_binary",
    "nginx_config",
    "postgres_url",
    "prepare_databases",
    "production_services",
    "remove_isolated_resources",
    "served_by",
    "with_production_defaults",
]

DEFAULT_RASA_INSTANCES = 2
DEFAULT_ACTIONS_INSTANCES = 2
# Where the instances listen by default: RASA_PORT and ACTIONS_PORT are nginx's.
RASA_INSTANCE_BASE_PORT = 5011
ACTIONS_INSTANCE_BASE_PORT = 5061
DEFAULT_DATABASE = "northwind"
PRODUCTION_ENDPOINTS = ROOT / "endpoints.production.yml"
# Rasa's tracker store, lock store and event broker (endpoints.production.yml):
# the Rasa instances' secrets, not the other services'.
RASA_BACK_END_VARIABLES = ("DB_", "REDIS_", "RABBITMQ_")
# The other services' databases and broker: not the Rasa instances'.
SERVICE_DATABASE_VARIABLES = (
    "HANDOFF_DATABASE_URL",
    "HANDOFF_RABBITMQ_URL",
    "ACTIONS_DATABASE_URL",
    "ACTIONS_HANDOFF_OUTBOX_URL",
)


# -- configuration ----------------------------------------------------------------------


def with_production_defaults(env: dict[str, str]) -> dict[str, str]:
    """``env`` with what the production profile needs, this machine's defaults where unset.

    PostgreSQL (``DB_HOST`` 127.0.0.1, ``DB_PORT`` 5432, ``DB_USER`` postgres,
    ``DB_PASSWORD`` empty, ``DB_NAME`` northwind for Rasa's conversations, and
    ``<DB_NAME>_channels``, ``_actions``, ``_handoff`` for ours unless their
    URLs are set), Redis (``REDIS_HOST`` 127.0.0.1, ``REDIS_PORT`` 6379,
    ``REDIS_PASSWORD`` empty), RabbitMQ (``RABBITMQ_HOST`` 127.0.0.1,
    ``RABBITMQ_PORT`` 5672, ``RABBITMQ_USERNAME``/``RABBITMQ_PASSWORD``
    guest), and the instances (``RASA_INSTANCES``, ``ACTIONS_INSTANCES``: 2
    each; their ports ``RASA_INSTANCE_PORTS``, ``ACTIONS_INSTANCE_PORTS``,
    comma-separated), and ``TICKET_LOCK_LIFETIME`` 20 s.
    """
    env = dict(env)
    defaults = {
        "DB_HOST": "127.0.0.1",
        "DB_PORT": "5432",
        "DB_USER": "postgres",
        "DB_PASSWORD": "",
        "DB_NAME": DEFAULT_DATABASE,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_PASSWORD": "",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_PORT": "5672",
        "RABBITMQ_USERNAME": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RASA_ENDPOINTS": str(PRODUCTION_ENDPOINTS),
        "HANDOFF_BROKER": "rabbitmq",
        "RASA_INSTANCES": str(DEFAULT_RASA_INSTANCES),
        "ACTIONS_INSTANCES": str(DEFAULT_ACTIONS_INSTANCES),
        STATE_VARIABLE: str(ROOT / "var" / "prod"),
        # How long a conversation's lock outlives a Rasa instance killed in
        # the middle of a turn (Rasa's default: 60 s, nginx's read timeout:
        # the conversation's next message then timed out at nginx). A turn
        # takes well under a second; one that takes 20 s has lost its
        # action server anyway.
        "TICKET_LOCK_LIFETIME": "20",
    }
    for name, value in defaults.items():
        # Blank counts as unset, except for passwords, where blank means none.
        if name not in env or (not env[name].strip() and not name.endswith("_PASSWORD")):
            env[name] = value
    for name, suffix in DATABASE_SUFFIXES.items():
        if not env.get(name, "").strip():
            env[name] = postgres_url(env, env["DB_NAME"] + suffix)
    if not env.get("HANDOFF_RABBITMQ_URL", "").strip():
        user, password = quote(env["RABBITMQ_USERNAME"], ""), quote(env["RABBITMQ_PASSWORD"], "")
        host = local_host(env["RABBITMQ_HOST"]) if env["RABBITMQ_HOST"] else "127.0.0.1"
        env["HANDOFF_RABBITMQ_URL"] = f"amqp://{user}:{password}@{host}:{env['RABBITMQ_PORT']}/"
    for count, ports, base in (
        ("RASA_INSTANCES", "RASA_INSTANCE_PORTS", RASA_INSTANCE_BASE_PORT),
        ("ACTIONS_INSTANCES", "ACTIONS_INSTANCE_PORTS", ACTIONS_INSTANCE_BASE_PORT),
    ):
        if not env.get(ports, "").strip():
            env[ports] = ",".join(str(base + i) for i in range(instance_count(env, count)))
    return env


def instance_count(env: dict[str, str], variable: str) -> int:
    value = env.get(variable, "").strip()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{variable} must be a number of instances, 1 or more, not {value!r}")
    return int(value)


def instance_ports(env: dict[str, str], variable: str, count: int) -> list[int]:
    """The first ``count`` ports of the comma-separated ``variable``."""
    try:
        ports = [int(port) for port in env.get(variable, "").split(",") if port.strip()]
    except ValueError:
        raise ValueError(f"{variable} must be comma-separated port numbers") from None
    if len(ports) < count:
        raise ValueError(f"{variable} names {len(ports)} ports for {count} instances")
    return ports[:count]


def production_services(
    env: dict[str, str], rasa_instances: int, action_instances: int
) -> list[Service]:
    """The handoff service, the action servers, the Rasa instances and nginx, in start order.

    ``env`` as :func:`with_production_defaults` or
    :func:`isolated_production_environment` make it; writes nginx's
    configuration into its state folder.
    """
    handoff, actions, rasa = services(env, handoff=True)
    rasa_ports = instance_ports(env, "RASA_INSTANCE_PORTS", rasa_instances)
    action_ports = instance_ports(env, "ACTIONS_INSTANCE_PORTS", action_instances)
    handoff = replace(handoff, withheld=(*handoff.withheld, *RASA_BACK_END_VARIABLES))
    action_servers = [
        replace(
            actions,
            name=f"action server {i}" if action_instances > 1 else actions.name,
            command=[sys.executable, "-m", "actions.server", "--port", str(port)],
            health_url=f"http://127.0.0.1:{port}/health",
            withheld=(*actions.withheld, *RASA_BACK_END_VARIABLES),
            group="actions",
        )
        for i, port in enumerate(action_ports, 1)
    ]
    rasa_servers = [
        replace(
            rasa,
            name=f"Rasa instance {i}" if rasa_instances > 1 else rasa.name,
            health_url=f"http://127.0.0.1:{port}/",
            withheld=(*rasa.withheld, *SERVICE_DATABASE_VARIABLES),
            # Behind nginx, only nginx listens beyond loopback.
            own={"RASA_PORT": str(port), "RASA_INTERFACE": "127.0.0.1"},
            group="rasa",
        )
        for i, port in enumerate(rasa_ports, 1)
    ]
    return [
        handoff,
        *action_servers,
        *rasa_servers,
        nginx_service(env, rasa_ports, action_ports),
    ]


# -- throw-away profiles, for tests and benchmarks --------------------------------------


def isolated_production_environment(
    state: Path,
    model: Path,
    *,
    rasa_instances: int = DEFAULT_RASA_INSTANCES,
    action_instances: int = DEFAULT_ACTIONS_INSTANCES,
) -> dict[str, str]:
    """A production profile of its own: free ports, and names nobody else uses.

    Databases ``northwind_<id>`` (and ``_channels``, ``_actions``,
    ``_handoff``), a RabbitMQ queue and exchange, a Redis lock prefix; state
    and Rasa's endpoints file in ``state``. Creates nothing on the servers:
    :func:`prepare_databases` does, :func:`remove_isolated_resources` removes
    it all (:func:`isolated_production` does both).
    """
    unique = uuid.uuid4().hex[:12]
    env = isolated_environment(state, model)  # tokens, model, ports, no secret reused
    ports = free_ports(rasa_instances + action_instances)
    for name in (*DATABASE_SUFFIXES, "HANDOFF_RABBITMQ_URL", "RASA_ENDPOINTS"):
        env.pop(name, None)
    env.update(
        {
            "DB_NAME": f"{DEFAULT_DATABASE}_{unique}",
            STATE_VARIABLE: str(state),
            "RASA_INSTANCES": str(rasa_instances),
            "ACTIONS_INSTANCES": str(action_instances),
            "RASA_INSTANCE_PORTS": ",".join(map(str, ports[:rasa_instances])),
            "ACTIONS_INSTANCE_PORTS": ",".join(map(str, ports[rasa_instances:])),
            "HANDOFF_RABBITMQ_QUEUE": f"{DEFAULT_DATABASE}_{unique}_events",
            "HANDOFF_RABBITMQ_EXCHANGE": f"{DEFAULT_DATABASE}-{unique}",
            "RASA_LOCK_KEY_PREFIX": f"{DEFAULT_DATABASE}{unique}",
            "ACTION_SERVER_SANIC_WORKERS": "1",
        }
    )
    env = with_production_defaults(env)
    endpoints = state / "endpoints.production.yml"
    endpoints.write_text(isolated_endpoints(env))
    env["RASA_ENDPOINTS"] = str(endpoints)
    return env


def isolated_endpoints(env: dict[str, str]) -> str:
    """endpoints.production.yml with this profile's queue, exchange and lock prefix."""
    endpoints = PRODUCTION_ENDPOINTS.read_text()
    queue, exchange = env["HANDOFF_RABBITMQ_QUEUE"], env["HANDOFF_RABBITMQ_EXCHANGE"]
    for old, new in (
        ("\n    - rasa_production_events\n", f"\n    - {queue}\n"),
        ("\n  exchange_name: rasa-exchange\n", f"\n  exchange_name: {exchange}\n"),
        ("\n  db: 1\n", f"\n  db: 1\n  key_prefix: {env['RASA_LOCK_KEY_PREFIX']}\n"),
    ):
        if endpoints.count(old) != 1:
            raise ValueError(f"{PRODUCTION_ENDPOINTS.name} no longer has {old.strip()!r} once")
        endpoints = endpoints.replace(old, new)
    return endpoints


def remove_isolated_resources(env: dict[str, str]) -> None:
    """Drop the databases, the queue and exchange, and the lock keys of an isolated profile."""
    drop_databases(env)
    asyncio.run(_delete_queue_and_exchange(env))
    _delete_lock_keys(env)


async def _delete_queue_and_exchange(env: dict[str, str]) -> None:
    import aio_pika

    connection = await aio_pika.connect(env["HANDOFF_RABBITMQ_URL"], timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(env["HANDOFF_RABBITMQ_QUEUE"])
        await channel.exchange_delete(env["HANDOFF_RABBITMQ_EXCHANGE"])


def _delete_lock_keys(env: dict[str, str]) -> None:
    import redis

    client = redis.Redis(
        host=env["REDIS_HOST"],
        port=int(env["REDIS_PORT"]),
        password=env["REDIS_PASSWORD"] or None,
        db=1,  # endpoints.production.yml's
        socket_timeout=5,
    )
    try:
        keys = list(client.scan_iter(match=f"{env['RASA_LOCK_KEY_PREFIX']}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextmanager
def isolated_production(
    state: Path,
    model: Path,
    *,
    rasa_instances: int = DEFAULT_RASA_INSTANCES,
    action_instances: int = DEFAULT_ACTIONS_INSTANCES,
) -> Iterator[dict[str, str]]:
    """:func:`isolated_production_environment`, its databases prepared, all removed after."""
    env = isolated_production_environment(
        state, model, rasa_instances=rasa_instances, action_instances=action_instances
    )
    try:
        prepare_databases(env)
        yield env
    finally:
        remove_isolated_resources(env)


# -- make run-prod ----------------------------------------------------------------------


def production_banner(env: dict[str, str], token_generated: bool) -> str:
    rasa_ports = instance_ports(env, "RASA_INSTANCE_PORTS", instance_count(env, "RASA_INSTANCES"))
    action_ports = instance_ports(
        env, "ACTIONS_INSTANCE_PORTS", instance_count(env, "ACTIONS_INSTANCES")
    )
    tracker = make_url(postgres_url(env, env["DB_NAME"]))
    lines = [
        "  Production profile (nginx in front of Rasa and the action servers, as above):",
        f"  Rasa instances        {', '.join(f'127.0.0.1:{p}' for p in rasa_ports)}"
        f"  (RASA_INSTANCES={len(rasa_ports)})",
        f"  action servers        {', '.join(f'127.0.0.1:{p}' for p in action_ports)}"
        f"  (ACTIONS_INSTANCES={len(action_ports)})",
        f"  conversations         PostgreSQL {tracker.host}:{tracker.port}/{tracker.database}"
        " (and _channels, _actions, _handoff)",
        f"  conversation locks    Redis {env['REDIS_HOST']}:{env['REDIS_PORT']}",
        f"  events                RabbitMQ {env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']},"
        f" queue {env.get('HANDOFF_RABBITMQ_QUEUE', 'rasa_production_events')}",
        f"  nginx logs            {env[STATE_VARIABLE]}/nginx-access.log (upstream= per request)",
        "",
    ]
    return banner(env, token_generated) + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.run_prod")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only create the databases and bring them to their schema (a Kubernetes Job)",
    )
    args = parser.parse_args(argv)
    if args.prepare:
        # The Job gets its secrets from the cluster: nothing is generated into var/.
        try:
            prepare_databases(with_production_defaults(dict(os.environ)))
        except (ValueError, ConnectionError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    (ROOT / "var").mkdir(exist_ok=True)
    base, token_generated = environment()
    try:
        env = with_production_defaults(base)
        rasa_instances = instance_count(env, "RASA_INSTANCES")
        action_instances = instance_count(env, "ACTIONS_INSTANCES")
        check_reachable(env)
        print("preparing the databases...", file=sys.stderr, flush=True)
        prepare_databases(env)
        all_services = production_services(env, rasa_instances, action_instances)
    except (ValueError, ConnectionError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return supervise(
        all_services, env, lambda: production_banner(env, token_generated), stop_requested()
    )


if __name__ == "__main__":
    sys.exit(main())

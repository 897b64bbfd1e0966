"""``make run``: start every service on the embedded default, print the URLs, stop on Ctrl-C.

Each service runs in its own process (and process group, so that Ctrl-C
reaches this supervisor only, which then stops them in order). If any of them
dies, the others are stopped too and the exit status says so.

Each process gets only the secrets it uses: the channels' variables go to the
Rasa server alone (it sends agents' replies for the handoff service, which
holds only ``HANDOFF_DELIVERY_TOKEN``, the secret of that route).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import local_auth_token

ROOT = Path(__file__).resolve().parent.parent
# What endpoints.yml's action_endpoint adds to the URL. A plain scalar on
# purpose: Rasa expands ${VAR} only in unquoted values.
ACTION_ENDPOINT_OPTIONS = (
    "  headers:\n    Authorization: Bearer ${ACTIONS_TOKEN}\n  enable_selective_domain: true\n"
)
STARTUP_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0
# The channels' settings (bot/channels/settings.py) and their database: the
# Rasa server's alone.
CHANNEL_VARIABLES = ("TWILIO_", "TELEGRAM_", "MESSENGER_", "META_", "SMS_", "CHANNELS_")
# The secret between the handoff service and the Rasa server's delivery route.
DELIVERY_TOKEN = "HANDOFF_DELIVERY_TOKEN"


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    # Variables the service is not given: names, or prefixes of names.
    withheld: tuple[str, ...] = ()
    # Variables of this service alone, over ``env``'s (one instance's port).
    own: dict[str, str] = field(default_factory=dict)
    # Instances of one kind, listed next to each other, share a group: they
    # are stopped together (see stop_all).
    group: str = ""
    # Started only once every service before it answers: nginx, which would
    # count the connections refused by Rasa instances still loading their
    # model as failures and keep those instances out of service for
    # fail_timeout after they came up.
    after_others: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` without the variables this service must not hold, with its own."""
        shared = {name: value for name, value in env.items() if not name.startswith(self.withheld)}
        return {**shared, **self.own}

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            self.command, env=self.environment(env), cwd=ROOT, start_new_session=True
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        self.terminate()
        self.wait_stopped()

    def terminate(self) -> None:
        """Ask the service to stop (SIGTERM), without waiting."""
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait_stopped(self) -> None:
        """Wait for a terminated service to exit; kill it after STOP_TIMEOUT_S."""
        if self.process is None:
            return
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def stop_all(all_services: list[Service]) -> None:
    """Stop the services in reverse order of start; the instances of one group together."""
    remaining = list(reversed(all_services))
    while remaining:
        batch = [remaining.pop(0)]
        while remaining and batch[0].group and remaining[0].group == batch[0].group:
            batch.append(remaining.pop(0))
        for service in batch:
            service.terminate()
        for service in batch:
            service.wait_stopped()


def local_host(interface: str | None) -> str:
    """Where this machine reaches a server listening on ``interface``.

    Loopback unless the server listens on one specific other address (an
    IPv6 one in brackets, as URLs want it).
    """
    interface = (interface or "").strip()
    if interface in ("", "0.0.0.0", "::", "127.0.0.1", "localhost"):
        return "127.0.0.1"
    return f"[{interface}]" if ":" in interface else interface


def services(env: dict[str, str], *, handoff: bool = False) -> list[Service]:
    rasa_port, actions_port = env["RASA_PORT"], env["ACTIONS_PORT"]
    rasa_host = local_host(env.get("RASA_INTERFACE"))
    python = sys.executable
    handoff_service = Service(
        "handoff service",
        [python, "-m", "handoff.service"],
        f"http://127.0.0.1:{env.get('HANDOFF_PORT', '5080')}/health",
        withheld=(*CHANNEL_VARIABLES, "ACTIONS_TOKEN"),
    )
    return [
        *([handoff_service] if handoff else []),
        Service(
            "action server",
            [python, "-m", "actions.server", "--port", actions_port],
            f"http://127.0.0.1:{actions_port}/health",
            # It calls the handoff service, never Rasa's HTTP API.
            withheld=(*CHANNEL_VARIABLES, DELIVERY_TOKEN, "RASA_AUTH_TOKEN"),
        ),
        Service(
            "Rasa server",
            [python, "-m", "bot.server"],
            f"http://{rasa_host}:{rasa_port}/",
            # The action server, not Rasa, creates handoffs.
            withheld=("HANDOFF_ADMIN_TOKEN",),
        ),
    ]


@contextmanager
def running(all_services: list[Service], env: dict[str, str]) -> Iterator[None]:
    """The services started and answering inside the block, stopped after it."""
    try:
        if not start_all(all_services, env, lambda: False):
            raise RuntimeError("the assistant did not start; see its output above")
        yield
    finally:
        stop_all(all_services)


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on, all different (each is held until all are chosen)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def isolated_environment(state: Path, model: Path) -> dict[str, str]:
    """An environment for a throw-away assistant: free ports, databases in ``state``.

    Used by the tests and the benchmarks, so that they never touch var/ or
    the ports of a `make run` in progress.
    """
    endpoints = state / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: ${{ACTION_ENDPOINT_URL}}\n{ACTION_ENDPOINT_OPTIONS}"
        f"tracker_store:\n  type: bot.stores.tracker.SQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {state / 'tracker.db'}\n"
        "lock_store:\n  type: bot.stores.lock.InMemoryLockStore\n"
        f"event_broker:\n  type: bot.stores.broker.SQLEventBroker\n  dialect: sqlite\n"
        f"  db: {state / 'events.db'}\n"
    )
    rasa_port, actions_port, handoff_port = free_ports(3)
    return {
        **os.environ,
        "RASA_PORT": str(rasa_port),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_AUTH_TOKEN": secrets.token_urlsafe(16),
        "RASA_MODEL": str(model),
        "RASA_ENDPOINTS": str(endpoints),
        "ACTIONS_PORT": str(actions_port),
        "ACTIONS_TOKEN": secrets.token_urlsafe(32),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "ACTIONS_DATABASE_URL": f"sqlite:///{state / 'business.db'}",
        "ACTIONS_HANDOFF_OUTBOX_URL": f"sqlite:///{state / 'handoff_outbox.db'}",
        "HANDOFF_PORT": str(handoff_port),
        "HANDOFF_URL": f"http://127.0.0.1:{handoff_port}",
        "HANDOFF_ACTIONS_URL": f"http://127.0.0.1:{actions_port}",
        "HANDOFF_ADMIN_TOKEN": secrets.token_urlsafe(16),
        DELIVERY_TOKEN: secrets.token_urlsafe(32),
        "HANDOFF_DATABASE_URL": f"sqlite:///{state / 'handoff.db'}",
        "HANDOFF_BROKER_URL": f"sqlite:///{state / 'events.db'}",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def environment() -> tuple[dict[str, str], bool]:
    """The children's environment, and whether the tokens were generated here."""
    env = dict(os.environ)
    env.setdefault("RASA_PORT", "5005")
    env.setdefault("ACTIONS_PORT", "5055")
    env.setdefault("HANDOFF_PORT", "5080")
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{env['ACTIONS_PORT']}/webhook")
    env.setdefault("HANDOFF_URL", f"http://127.0.0.1:{env['HANDOFF_PORT']}")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_PORT']}")
    env.setdefault("HANDOFF_ACTIONS_URL", f"http://127.0.0.1:{env['ACTIONS_PORT']}")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    generated = not env.get("RASA_AUTH_TOKEN")
    if generated:
        env["RASA_AUTH_TOKEN"] = local_auth_token(ROOT / "var" / "rasa_auth_token")
    if not env.get("HANDOFF_ADMIN_TOKEN"):
        env["HANDOFF_ADMIN_TOKEN"] = local_auth_token(ROOT / "var" / "handoff_admin_token")
    # The secret the Rasa server sends the action server (endpoints.yml).
    if not env.get("ACTIONS_TOKEN", "").strip():
        env["ACTIONS_TOKEN"] = local_auth_token(ROOT / "var" / "actions_token")
    # The secret the handoff service sends the Rasa server's delivery route.
    if not env.get(DELIVERY_TOKEN, "").strip():
        env[DELIVERY_TOKEN] = local_auth_token(ROOT / "var" / "handoff_delivery_token")
    return env, generated


def start_all(
    all_services: list[Service], env: dict[str, str], stopping: Callable[[], bool]
) -> bool:
    """Start the services and wait until all answer, those ``after_others`` last."""
    first = [s for s in all_services if not s.after_others]
    last = [s for s in all_services if s.after_others]
    for service in first:
        service.start(env)
    if not wait_until_healthy(first, stopping):
        return False
    for service in last:
        service.start(env)
    return wait_until_healthy(last, stopping)


def wait_until_healthy(all_services: list[Service], stopping: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    pending = list(all_services)
    while pending and time.monotonic() < deadline:
        if stopping():
            return False
        for service in list(pending):
            if not service.running():
                print(f"error: the {service.name} exited during start-up", file=sys.stderr)
                return False
            if service.healthy():
                pending.remove(service)
        time.sleep(0.5)
    for service in pending:
        print(
            f"error: the {service.name} did not start within {STARTUP_TIMEOUT_S:.0f} s",
            file=sys.stderr,
        )
    return not pending


CHANNELS = {"sms": "SMS (Twilio)", "telegram": "Telegram", "messenger": "Messenger"}


def channel_status(rasa_url: str, channel: str) -> str:
    """ "enabled" or "disabled" as the channel's own health route reports it."""
    try:
        with urllib.request.urlopen(f"{rasa_url}/webhooks/{channel}/", timeout=2) as response:
            status = json.loads(response.read()).get("status")
    except (urllib.error.URLError, OSError, ValueError):
        return "not loaded"
    return "enabled" if status == "ok" else "disabled: its settings are missing (see README)"


def banner(env: dict[str, str], token_generated: bool) -> str:
    rasa = f"http://{local_host(env.get('RASA_INTERFACE'))}:{env['RASA_PORT']}"
    # Where the tokens are, never the tokens themselves: terminals are
    # scrolled back, shared and recorded.
    token = (
        "the token in var/rasa_auth_token: `cat var/rasa_auth_token`"
        if token_generated
        else "the token in RASA_AUTH_TOKEN"
    )
    public = env.get("PUBLIC_URL") or rasa
    handoff_token = (
        "`cat var/handoff_admin_token`"
        if not os.environ.get("HANDOFF_ADMIN_TOKEN")
        else "HANDOFF_ADMIN_TOKEN"
    )
    actions_token = (
        "ACTIONS_TOKEN" if os.environ.get("ACTIONS_TOKEN", "").strip() else "var/actions_token"
    )
    channels = [
        f"  {title:21} POST {public}/webhooks/{name}/webhook  ({channel_status(rasa, name)})"
        for name, title in CHANNELS.items()
    ]
    return "\n".join(
        [
            "",
            "Northwind assistant is up:",
            f"  chat (REST channel)   POST {rasa}/webhooks/rest/webhook",
            '                        body: {"sender": "demo-alice", "message": "hi"}',
            *channels,
            f"  Rasa HTTP API         {rasa}/status?token=...  ({token})",
            f"  action server         http://127.0.0.1:{env['ACTIONS_PORT']}/health"
            f"  (answers the Rasa server only: {actions_token})",
            f"  agent desk            http://127.0.0.1:{env['HANDOFF_PORT']}/desk"
            "  (sign in: `make agent NAME=...` creates an account)",
            f"  handoff service       http://127.0.0.1:{env['HANDOFF_PORT']}/api/handoffs"
            f"  (admin token: {handoff_token}; agents: `make agent NAME=...`)",
            "  talk to it in a terminal with `make shell`; Ctrl-C here stops everything.",
            "",
        ]
    )


def main() -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    env, token_generated = environment()
    all_services = services(env, handoff=True)
    return supervise(all_services, env, lambda: banner(env, token_generated), stop_requested())


def stop_requested() -> Callable[[], bool]:
    """From now on Ctrl-C and SIGTERM ask to stop: whether they have, as a function."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return lambda: stopping


def supervise(
    all_services: list[Service],
    env: dict[str, str],
    announce: Callable[[], str],
    stopping: Callable[[], bool],
) -> int:
    """Start the services, print ``announce()`` once all answer, and stop them all together.

    Returns when ``stopping()`` (0) or when one of them dies (1); the
    others are stopped either way, in reverse order.
    """
    try:
        if not start_all(all_services, env, stopping):
            return 1
        print(announce(), flush=True)
        while not stopping():
            for service in all_services:
                if not service.running():
                    print(f"error: the {service.name} stopped unexpectedly", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("stopping...", file=sys.stderr)
        stop_all(all_services)


if __name__ == "__main__":
    sys.exit(main())

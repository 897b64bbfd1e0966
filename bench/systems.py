"""The systems the load benchmark measures: each started on free ports, yielding a Target.

A system is a function that starts it (throw-away state in the folder it
is given, the fake platform APIs for its channels) and yields where it
listens: adding one to the benchmark is adding such a function.

  ours         our assistant (scripts/run.py), every channel, the handoff service
  stock-init   stock Rasa, the `rasa init` bot (bench.baselines)
  stock-ours   stock Rasa's default config trained on our data (bench.baselines)
  prod-N       the production profile (scripts/run_prod.py: PostgreSQL, Redis,
               RabbitMQ, nginx) with N Rasa instances

Also the angry-message-to-handoff timing, read from the handoff service's
event stream with bench.handoff_latency's listener.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import baselines
from bench.handoff_latency import EventListener
from bench.load_channels import CHANNELS, Fakes, RestChannel, channel_variables, client_for
from bench.report import HandoffTiming, Sample
from scripts.run import ROOT, isolated_environment, running, services

MODEL = ROOT / "models" / "retail-bot.tar.gz"


@dataclass
class Measurement:
    """What one closed-loop run saw (bench.load.closed_loop)."""

    samples: list[Sample]
    errors: list[str]
    duration_s: float
    # Each customer's messages: when each was sent (for the handoff latency under load).
    sent: dict[str, list[float]] = field(default_factory=dict)
    # Customers of escalating conversations who sent every message of it.
    escalated: set[str] = field(default_factory=set)


# -- the systems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A running system: where to send, and what it offers."""

    url: str
    channels: tuple[str, ...] = ("rest",)
    events_url: str | None = None  # the handoff service's event stream
    events_token: str | None = None


# Starts a system (with throw-away state in the folder given), yields where it is.
System = Callable[[Path, Fakes], AbstractContextManager[Target]]


@contextmanager
def ours_system(state: Path, fakes: Fakes) -> Iterator[Target]:
    env = isolated_environment(state, MODEL)
    env.update(channel_variables(state, fakes))
    with running(services(env, handoff=True), env):
        yield Target(
            env["RASA_URL"],
            CHANNELS,
            f"{env['HANDOFF_URL']}/api/events",
            env["HANDOFF_ADMIN_TOKEN"],
        )


@contextmanager
def stock_init_system(state: Path, fakes: Fakes) -> Iterator[Target]:
    with baselines.rasa_init_system(state) as url:
        yield Target(url)


@contextmanager
def stock_ours_system(state: Path, fakes: Fakes) -> Iterator[Target]:
    with baselines.stock_ours_system(state) as url:
        yield Target(url)


def production_system(rasa_instances: int) -> System:
    """The production profile (scripts/run_prod.py) with ``rasa_instances`` behind nginx."""

    @contextmanager
    def start(state: Path, fakes: Fakes) -> Iterator[Target]:
        from scripts.run_prod import isolated_production, production_services

        # Two action servers both times: what grows is the Rasa tier.
        with isolated_production(
            state, MODEL, rasa_instances=rasa_instances, action_instances=2
        ) as env:
            with running(production_services(env, rasa_instances, 2), env):
                yield Target(
                    f"http://127.0.0.1:{env['RASA_PORT']}",
                    ("rest",),
                    f"{env['HANDOFF_URL']}/api/events",
                    env["HANDOFF_ADMIN_TOKEN"],
                )

    return start


def production_unavailable() -> str | None:
    """Why the production profile cannot be measured here, or None."""
    try:
        from scripts import run_prod
    except ImportError as error:
        return f"scripts/run_prod.py cannot be imported ({error})"
    for name in ("isolated_production", "production_services"):
        if not hasattr(run_prod, name):
            return f"scripts/run_prod.py has no {name}()"
    try:
        run_prod.nginx_binary()
    except (RuntimeError, FileNotFoundError, SystemExit) as error:
        return f"nginx is not available ({error})"
    return None


# -- handoff latency ---------------------------------------------------------------------------


ANGRY_PROBES = (
    "this is the worst service ever, I'm furious and nobody helps me",
    "absolutely useless!!! I want my money back NOW",
    "i'm really unhappy with how i've been treated, this is a disgrace",
)


@contextmanager
def listening(target: Target) -> Iterator[EventListener | None]:
    if target.events_url is None or target.events_token is None:
        yield None
        return
    listener = EventListener(target.events_url, target.events_token)
    listener.start()
    listener.connected.wait(10)
    # A daemon thread reading a stream that never ends: it goes with the process.
    yield listener


async def quiet_handoffs(
    target: Target, listener: EventListener, count: int, condition: str
) -> HandoffTiming:
    """Angry messages from new customers, one at a time: until each handoff is on the stream."""
    timing = HandoffTiming(condition, [])
    rest = RestChannel()
    async with client_for(target.url, 1) as client:
        for i in range(count):
            customer = rest.new_customer()
            start = time.perf_counter()
            await rest.say(client, customer, ANGRY_PROBES[i % len(ANGRY_PROBES)], 0)
            deadline = start + 15
            while customer.key not in listener.arrived and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            if customer.key in listener.arrived:
                timing.samples_ms.append((listener.arrived[customer.key] - start) * 1000)
            else:
                timing.missing += 1
    return timing


def handoffs_under_load(
    measurement: Measurement, listener: EventListener, condition: str
) -> HandoffTiming:
    """For each escalating conversation played to its end: from its last message sent before
    the handoff arrived on the stream, until then; ``missing`` if it never did."""
    timing = HandoffTiming(condition, [])
    for key in measurement.escalated:
        sends = measurement.sent.get(key, [])
        arrived = listener.arrived.get(key)
        if arrived is None:
            timing.missing += 1
            continue
        before = [s for s in sends if s <= arrived]
        if before:
            timing.samples_ms.append((arrived - before[-1]) * 1000)
    return timing

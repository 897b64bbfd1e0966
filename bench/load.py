"""The load benchmark: ours against stock Rasa, per channel, in one run (`make bench`).

    .venv/bin/python -m bench.load [--quick] [--systems ours,stock-init,stock-ours,prod]
                                   [--concurrency 1,16] [--duration 20]

An asynchronous, bounded, closed-loop load generator over loopback: each of
``concurrency`` virtual customers plays a conversation (bench.conversations)
one message at a time, sending the next when the answer to the previous one
arrived, for ``--duration`` seconds per measurement. It drives the real
webhooks (bench.load_channels): REST, and SMS, Telegram and Messenger with
valid signatures, whose replies go (asynchronously, as on the platforms) to
the suite's fake APIs (tests/fakes/); a channel message's latency runs from
sending the webhook until its last reply reached the fake API.

Systems (bench.systems), each started on free ports with throw-away databases:
  stock-init   stock Rasa, the `rasa init` bot, on its own conversations
  stock-ours   stock Rasa's default config trained on our data (bench.baselines)
  ours         our assistant (scripts/run.py), REST on the routine mix, then
               every channel on the realistic mix (routine and escalating),
               then: angry message -> handoff on the handoff service's event
               stream, quiet and under load
  prod         the production profile (scripts/run_prod.py: PostgreSQL, Redis,
               RabbitMQ, nginx) with 1, then 2 Rasa instances

Before a system is measured, every conversation of the pool is played once
through REST (which also warms it up): how many replies each message gets
is what a channel customer then waits for, and a conversation ends at the
first message the bot does not answer (a handoff). Results go to
bench/results/ (bench.report).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import subprocess
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import baselines, report
from bench.conversations import Conversation, init_mix, mix
from bench.handoff_latency import EventListener
from bench.load_channels import (
    CHANNELS,
    Channel,
    ChannelFailed,
    Fakes,
    RestChannel,
    channel,
    client_for,
    fake_platforms,
)
from bench.report import BenchRun, Row, Sample
from bench.systems import (
    Measurement,
    System,
    Target,
    handoffs_under_load,
    listening,
    ours_system,
    production_system,
    production_unavailable,
    quiet_handoffs,
    stock_init_system,
    stock_ours_system,
)
from scripts.run import ROOT

OURS, STOCK_INIT, STOCK_OURS, PROD = "ours", "stock-init", "stock-ours", "prod"
SYSTEM_TITLES = {
    OURS: "ours",
    STOCK_INIT: "stock Rasa, rasa init bot",
    STOCK_OURS: "stock Rasa config, our data",
}
# Between measurements on one server: lets the last in-flight turns drain.
SETTLE_S = 1.0
ESCALATING_SHARE = 0.2
QUIET_HANDOFFS = "quiet, one angry message at a time (REST)"


# -- the closed loop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scripted:
    """A conversation with the number of replies the system gave each message (calibration)."""

    conversation: Conversation
    replies: tuple[int, ...]

    @property
    def turns(self) -> tuple[str, ...]:
        return self.conversation.turns[: len(self.replies)]


async def closed_loop(
    url: str,
    via: Channel,
    pool: Sequence[Scripted],
    concurrency: int,
    duration_s: float,
) -> Measurement:
    """``concurrency`` customers playing ``pool``'s conversations in turn for ``duration_s``.

    Counts the messages answered within the duration; a message in flight at
    the end is waited for, not counted. A failed message ends its
    conversation: the customer starts the next one.
    """
    conversations = itertools.cycle(pool)
    result = Measurement([], [], duration_s)
    async with client_for(url, concurrency) as client:
        start = time.perf_counter()
        end = start + duration_s

        async def customer() -> None:
            while time.perf_counter() < end:
                scripted = next(conversations)
                who = via.new_customer()
                sends = result.sent[who.key] = []
                for text, expected in zip(scripted.turns, scripted.replies, strict=True):
                    sent = time.perf_counter()
                    if sent >= end:
                        return
                    sends.append(sent)
                    try:
                        answer = await via.say(client, who, text, expected)
                    except (httpx.HTTPError, ChannelFailed, ValueError) as error:
                        result.errors.append(f"{type(error).__name__}: {error}")
                        # Not a tight loop against a failing server.
                        await asyncio.sleep(0.1)
                        break
                    if time.perf_counter() <= end:
                        result.samples.append(
                            Sample(sent, answer.first_ms, answer.last_ms, answer.replies)
                        )
                else:
                    if scripted.conversation.kind == "escalating":
                        result.escalated.add(who.key)

        await asyncio.gather(*(customer() for _ in range(concurrency)))
    return result


async def calibrate(url: str, pool: Sequence[Conversation], concurrency: int = 4) -> list[Scripted]:
    """Each conversation played once through REST: how many replies each message got.

    A conversation is cut after the first message that got none (the bot
    handed over, or did not understand and stayed silent).
    """
    rest = RestChannel()
    bound = asyncio.Semaphore(concurrency)

    async def play(client: httpx.AsyncClient, conversation: Conversation) -> Scripted:
        async with bound:
            customer = rest.new_customer()
            counts: list[int] = []
            for text in conversation.turns:
                answer = await rest.say(client, customer, text, 0)
                counts.append(answer.replies)
                if answer.replies == 0:
                    break
            return Scripted(conversation, tuple(counts))

    async with client_for(url, concurrency) as client:
        return list(await asyncio.gather(*(play(client, c) for c in pool)))


# -- one run -----------------------------------------------------------------------------------


@dataclass
class Options:
    systems: list[str]
    concurrency: list[int]
    duration_s: float
    pool: int
    handoffs: int
    quick: bool


def measure(
    bench: BenchRun,
    system: str,
    target: Target,
    fakes: Fakes,
    pool: list[Conversation],
    mix_name: str,
    channels: Sequence[str],
    options: Options,
    listener: EventListener | None = None,
) -> None:
    print(f"[bench] {system}: calibrating {len(pool)} conversations ({mix_name})", flush=True)
    scripted = asyncio.run(calibrate(target.url, pool))
    cut = sum(1 for s in scripted if len(s.replies) < len(s.conversation.turns))
    silent = sum(1 for s in scripted for r in s.replies if r == 0)
    if cut:
        bench.notes.append(
            f"{SYSTEM_TITLES[system]}, {mix_name}: {cut} of {len(scripted)} conversations end "
            f"early, at a message the bot did not answer ({silent} such messages: handoffs "
            "or silence)."
        )
    scripted = [s for s in scripted if s.replies]
    for name in channels:
        for n in options.concurrency:
            print(
                f"[bench] {system} {mix_name} {name} x{n}: {options.duration_s:.0f} s", flush=True
            )
            via = channel(name, fakes.tracker)
            result = asyncio.run(closed_loop(target.url, via, scripted, n, options.duration_s))
            summary = report.summarize(result.samples, len(result.errors), result.duration_s)
            bench.rows.append(Row(SYSTEM_TITLES[system], mix_name, name, n, summary))
            print(
                f"[bench]   {summary.throughput:.1f} msg/s p50 {summary.p50_ms:.0f} ms "
                f"p99 {summary.p99_ms:.0f} ms errors {summary.errors}",
                flush=True,
            )
            if result.errors:
                bench.notes.append(
                    f"{SYSTEM_TITLES[system]} {mix_name} {name} x{n}: {len(result.errors)} "
                    f"errors, e.g. {result.errors[0]}"
                )
            # Also lets the handoffs of the last escalations reach the stream.
            time.sleep(SETTLE_S)
            if listener is not None and result.escalated and n == max(options.concurrency):
                bench.handoffs.append(
                    handoffs_under_load(
                        result, listener, f"under load: {name}, {n} customers, {mix_name}"
                    )
                )


def run_system(bench: BenchRun, system: str, start: System, fakes: Fakes, options: Options) -> None:
    routine = mix(options.pool)
    realistic = mix(options.pool, escalating_share=ESCALATING_SHARE, seed=31)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"bench-{system}-") as state:
        print(f"[bench] starting {system}", flush=True)
        with start(Path(state), fakes) as target:
            print(f"[bench] {system} up in {time.perf_counter() - started:.0f} s", flush=True)
            if system == STOCK_INIT:
                measure(
                    bench,
                    system,
                    target,
                    fakes,
                    init_mix(options.pool),
                    "init bot",
                    ["rest"],
                    options,
                )
                return
            measure(bench, system, target, fakes, routine, "routine", ["rest"], options)
            if system != OURS:
                return
            with listening(target) as listener:
                measure(
                    bench, system, target, fakes, realistic, "realistic",
                    [c for c in CHANNELS if c in target.channels], options, listener,
                )  # fmt: skip
                if listener is not None:
                    bench.handoffs.insert(
                        0,
                        asyncio.run(
                            quiet_handoffs(
                                target, listener, options.handoffs, QUIET_HANDOFFS + ", SQL broker"
                            )
                        ),
                    )


def run_production(bench: BenchRun, fakes: Fakes, options: Options) -> None:
    why = production_unavailable()
    if why is not None:
        bench.skipped.append(("production profile, 1 -> 2 Rasa instances", why))
        return
    pool = mix(options.pool)
    for instances in (1, 2):
        title = f"ours, production profile, {instances} Rasa instance{'s' if instances > 1 else ''}"
        SYSTEM_TITLES[f"{PROD}-{instances}"] = title
        with tempfile.TemporaryDirectory(prefix="bench-prod-") as state:
            print(f"[bench] starting the production profile, {instances} Rasa", flush=True)
            with production_system(instances)(Path(state), fakes) as target:
                measure(
                    bench, f"{PROD}-{instances}", target, fakes, pool, "routine", ["rest"],
                    options,
                )  # fmt: skip
                if instances == 2:
                    with listening(target) as listener:
                        if listener is not None:
                            condition = f"{QUIET_HANDOFFS}, production profile (RabbitMQ)"
                            bench.handoffs.append(
                                asyncio.run(
                                    quiet_handoffs(target, listener, options.handoffs, condition)
                                )
                            )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=30
    ).stdout.strip()
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s each, small pool")
    parser.add_argument(
        "--systems",
        default=f"{STOCK_INIT},{STOCK_OURS},{OURS},{PROD}",
        help="comma-separated, of: stock-init, stock-ours, ours, prod",
    )
    parser.add_argument("--concurrency", default="1,16", help="customers at once, e.g. 1,4,16")
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement")
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - {STOCK_INIT, STOCK_OURS, OURS, PROD}
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    concurrency = sorted({int(c) for c in args.concurrency.split(",") if c.strip()})
    if not concurrency or min(concurrency) < 1:
        parser.error("--concurrency: numbers of customers, 1 or more")
    duration = args.duration if args.duration is not None else (3.0 if args.quick else 20.0)
    return Options(
        systems=systems,
        concurrency=concurrency,
        duration_s=duration,
        pool=8 if args.quick else 30,
        handoffs=3 if args.quick else 10,
        quick=args.quick,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_args(argv)
    # Trained once and cached (var/bench/): before the clock and the load average start.
    if STOCK_INIT in options.systems:
        baselines.rasa_init_model()
    if STOCK_OURS in options.systems:
        baselines.stock_ours_model()
    started = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    bench = BenchRun(
        date=now.strftime("%Y-%m-%d %H:%M UTC"),
        header={
            "commit": git_commit(),
            "Rasa": baselines.rasa_version(),
            "machine": f"{os.cpu_count()} CPUs, shared with other work while measuring: "
            "compare rows of the same run, not runs",
            "load average before (1, 5, 15 min)": load_average(),
            "options": f"customers {options.concurrency}, {options.duration_s:.0f} s per "
            f"measurement, pool of {options.pool} conversations"
            + (", --quick" if options.quick else ""),
        },
    )
    starters: dict[str, System] = {
        STOCK_INIT: stock_init_system,
        STOCK_OURS: stock_ours_system,
        OURS: ours_system,
    }
    with fake_platforms() as fakes:
        for system in options.systems:
            try:
                if system == PROD:
                    run_production(bench, fakes, options)
                else:
                    run_system(bench, system, starters[system], fakes, options)
            # Deliberately broad: one system that fails to start or run must not lose
            # the others' figures. The failure is printed, and reported with the results.
            except Exception as error:  # noqa: BLE001
                traceback.print_exc()
                bench.skipped.append((system, f"failed: {type(error).__name__}: {error}"))
    bench.header["load average after (1, 5, 15 min)"] = load_average()
    top = max(options.concurrency)
    for what, new, old in (
        ("ours against stock Rasa's config on our data (routine mix)",
         (SYSTEM_TITLES[OURS], "routine"), (SYSTEM_TITLES[STOCK_OURS], "routine")),
        ("production profile, 2 Rasa instances against 1 (routine mix)",
         (SYSTEM_TITLES.get(f"{PROD}-2", ""), "routine"),
         (SYSTEM_TITLES.get(f"{PROD}-1", ""), "routine")),
    ):  # fmt: skip
        line = report.ratio_line(bench, what, new, old, top)
        if line is not None:
            bench.headlines.append(line)
    bench.header["wall time"] = f"{time.perf_counter() - started:.0f} s"
    bench.notes += [
        "Channel latency: webhook sent -> the turn's last reply received by the fake platform "
        "API (tests/fakes/), which answers at once; the number of replies to wait for is what "
        "the same system answered the same message over REST just before.",
        "stock Rasa, rasa init bot: `rasa run` as `rasa init` configures it (conversations in "
        "memory, no event broker), on its own sample conversations. stock Rasa config, our "
        "data: Rasa's default pipeline and policies (the config `rasa init` writes) trained on "
        "our data/ and domain.yml, with our action server and our stores (SQLite tracker "
        "store and SQL event broker, as ours).",
        "Open loop (a fixed arrival rate) is not measured: every figure is closed loop.",
    ]
    page = report.write(bench, ours=SYSTEM_TITLES[OURS], stock=SYSTEM_TITLES[STOCK_INIT])
    print(f"[bench] wrote {page.relative_to(ROOT)} and bench/results/latest.md", flush=True)


if __name__ == "__main__":
    main()

"""Which customer messages make the latency's tail, and where their time goes.

    .venv/bin/python -m bench.tail [--concurrency 16] [--duration 20] [--trace] [--spy FILE]

Starts our assistant (free ports, throw-away databases, as ``make bench``
does), plays ``make bench``'s routine mix through the REST webhook in a
closed loop, and prints the latencies grouped by the kind of message (a
greeting, an order-status question with its number, ...): which kinds the
slowest 5% and 1% are.

``--trace`` runs the Rasa server as ``bench.profiled_server`` and the action
server as ``bench.traced_actions``, which trace every part of a turn, the
garbage collections and the moments the event loop was late, on the
machine's monotonic clock; then prints, for the slowest messages, their
timeline and where the slowest 1% spent their time. The tracing costs some
throughput: compare traced runs with traced runs.

``--spy FILE`` records the Rasa server with py-spy during the measurement
(a speedscope file; py-spy must be installed in the venv).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import conversations as says
from bench.load import Scripted, calibrate
from bench.load_channels import ChannelFailed, RestChannel, client_for
from bench.report import percentile
from scripts.run import ROOT, Service, isolated_environment, running, services

MODEL = ROOT / "models" / "retail-bot.tar.gz"
POOL = 30


def kinds_of_text() -> dict[str, str]:
    """Each text the routine mix can say, and what kind of message it is."""
    kinds: dict[str, str] = {}

    def add(kind: str, texts: Sequence[str]) -> None:
        for text in texts:
            for order in says.ORDER_NUMBERS:
                kinds[text.format(order=order)] = kind

    add("greeting", says.GREETINGS)
    add("order status, with its number", says.ORDER_QUESTIONS)
    add("order status, no number yet", says.ORDER_QUESTIONS_WITHOUT_NUMBER)
    add("order number, answering the form", says.ORDER_NUMBER_ANSWERS)
    add("faq", says.FAQ_QUESTIONS)
    add("thanks", says.THANKS)
    add("goodbye", says.GOODBYES)
    return kinds


@dataclass(frozen=True)
class Message:
    who: str
    text: str
    sent: float  # time.perf_counter(), the machine's monotonic clock on Linux
    ms: float


async def closed_loop(
    url: str, pool: Sequence[Scripted], concurrency: int, duration_s: float
) -> tuple[list[Message], int]:
    """bench.load's closed loop over REST, keeping each message's text and conversation."""
    rest = RestChannel()
    cycle = itertools.cycle(pool)
    messages: list[Message] = []
    errors = 0
    async with client_for(url, concurrency) as client:
        end = time.perf_counter() + duration_s

        async def customer() -> None:
            nonlocal errors
            while time.perf_counter() < end:
                scripted = next(cycle)
                who = rest.new_customer()
                for text in scripted.turns:
                    sent = time.perf_counter()
                    if sent >= end:
                        return
                    try:
                        answer = await rest.say(client, who, text, 0)
                    except (httpx.HTTPError, ChannelFailed) as error:
                        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
                        errors += 1
                        break
                    if time.perf_counter() <= end:
                        messages.append(Message(who.key, text, sent, answer.last_ms))

        await asyncio.gather(*(customer() for _ in range(concurrency)))
    return messages, errors


def by_kind(messages: Sequence[Message], duration_s: float, errors: int) -> str:
    kinds = kinds_of_text()
    latencies = [m.ms for m in messages]
    p95, p99 = percentile(latencies, 95), percentile(latencies, 99)
    lines = [
        f"{len(messages)} messages in {duration_s:.0f} s: {len(messages) / duration_s:.1f} msg/s,"
        f" p50 {percentile(latencies, 50):.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms,"
        f" max {max(latencies):.0f} ms, {errors} errors",
        "",
        f"{'kind of message':36} {'count':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
        f" {'>p95':>5} {'>p99':>5}",
    ]
    groups: dict[str, list[float]] = defaultdict(list)
    for m in messages:
        groups[kinds.get(m.text, "other")].append(m.ms)
    for kind, values in sorted(groups.items(), key=lambda item: -len(item[1])):
        lines.append(
            f"{kind:36} {len(values):6} {percentile(values, 50):6.0f} {percentile(values, 95):6.0f}"
            f" {percentile(values, 99):6.0f} {max(values):6.0f}"
            f" {sum(v > p95 for v in values):5} {sum(v > p99 for v in values):5}"
        )
    return "\n".join(lines)


# -- traces ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    name: str
    who: str | None
    start: float
    end: float

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def read_spans(*paths: Path) -> list[Span]:
    spans = []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            try:
                raw = json.loads(line)
            except ValueError:
                continue  # a line cut by the server's stop
            spans.append(Span(raw["name"], raw["who"], raw["start"], raw["end"]))
    return sorted(spans, key=lambda s: s.start)


def overlapping(spans: Sequence[Span], start: float, end: float) -> Iterator[Span]:
    return (s for s in spans if s.end > start and s.start < end)


def overlap_ms(span: Span, start: float, end: float) -> float:
    return max(0.0, min(span.end, end) - max(span.start, start)) * 1000


# The parts of a turn a slow message's time is split into (the rest is waiting).
PARTS = (
    "nlu",
    "policies",
    "tracker retrieve",
    "tracker save",
    "action server round trip",
)
GLOBAL = ("event loop late", "garbage collection")


def timeline(message: Message, mine: Sequence[Span], everyone: Sequence[Span]) -> str:
    end = message.sent + message.ms / 1000
    lines = [f"{message.ms:7.0f} ms  {message.text!r}"]
    for span in mine:
        lines.append(
            f"          {(span.start - message.sent) * 1000:7.1f} +{span.ms:6.1f} ms  {span.name}"
        )
    for span in overlapping(everyone, message.sent, end):
        if span.name.startswith(GLOBAL) or span.name == "action server request":
            lines.append(
                f"          {(span.start - message.sent) * 1000:7.1f} +{span.ms:6.1f} ms"
                f"  [{span.name}]"
            )
    return "\n".join(lines)


def breakdown(slow: Sequence[Message], spans: Sequence[Span]) -> str:
    """Where the slow messages' time went: their own work, the action server, and waiting."""
    mine: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        if span.who:
            mine[span.who].append(span)
    everyone = [s for s in spans if s.name.startswith(GLOBAL)]
    totals: dict[str, float] = defaultdict(float)
    for message in slow:
        end = message.sent + message.ms / 1000
        own = [s for s in mine[message.who] if s.start >= message.sent and s.end <= end]
        totals["whole answer (client side)"] += message.ms
        turn = [s for s in own if s.name == "message"]
        if turn:
            totals["before Rasa's turn started (HTTP, queue)"] += (
                turn[0].start - message.sent
            ) * 1000
            totals["after it ended (HTTP, queue)"] += (end - turn[0].end) * 1000
        for part in PARTS:
            totals[part] += sum(s.ms for s in own if s.name == part)
        runs = [s for s in own if s.name.startswith("action server runs")]
        totals["... of the round trips: the action itself"] += sum(s.ms for s in runs)
        for span in everyone:
            totals[span.name.split(",")[0] + " (overlapping)"] += overlap_ms(
                span, message.sent, end
            )
    lines = [f"{'where the slowest messages spent their time':52} {'ms/msg':>8}"]
    for name, total in totals.items():
        lines.append(f"{name:52} {total / len(slow):8.1f}")
    return "\n".join(lines)


def report_traces(messages: Sequence[Message], spans: Sequence[Span], shown: int) -> str:
    slowest = sorted(messages, key=lambda m: -m.ms)
    tail = slowest[: max(1, math.ceil(len(messages) / 100))]
    median = slowest[len(slowest) // 2 - 10 : len(slowest) // 2 + 10]
    mine: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        if span.who:
            mine[span.who].append(span)
    everyone = [s for s in spans if not s.who]
    parts = [f"the slowest 1% ({len(tail)} messages):", breakdown(tail, spans), ""]
    parts += ["20 messages around the median, for comparison:", breakdown(median, spans), ""]
    parts.append(f"the {shown} slowest, their spans (ms after sending, duration):")
    for message in tail[:shown]:
        end = message.sent + message.ms / 1000
        own = [s for s in mine[message.who] if s.start >= message.sent and s.end <= end]
        parts.append(timeline(message, own, everyone))
    stats: dict[str, list[float]] = defaultdict(list)
    for span in spans:
        if span.name.startswith(GLOBAL) or span.name.startswith("action server"):
            stats[span.name.split(" <")[0]].append(span.ms)
    parts.append("")
    parts.append(f"{'span, over the whole run':52} {'count':>6} {'p50':>6} {'p99':>6} {'max':>6}")
    for name, values in sorted(stats.items()):
        parts.append(
            f"{name:52} {len(values):6} {percentile(values, 50):6.1f}"
            f" {percentile(values, 99):6.1f} {max(values):6.1f}"
        )
    return "\n".join(parts)


# -- the run -----------------------------------------------------------------------------------


def traced(all_services: list[Service], state: Path) -> list[Service]:
    """The Rasa server and the action server replaced by their traced versions."""
    python = sys.executable
    replaced = []
    for service in all_services:
        if service.name == "Rasa server":
            service.command = [python, "-m", "bench.profiled_server"]
            service.own = {
                "BENCH_PROFILE_OUT": str(state / "profile.json"),
                "BENCH_TRACE_OUT": str(state / "rasa.jsonl"),
            }
        elif service.name == "action server":
            service.command = [python, "-m", "bench.traced_actions", *service.command[3:]]
            service.own = {"BENCH_TRACE_OUT": str(state / "actions.jsonl")}
        replaced.append(service)
    return replaced


def rasa_pid(all_services: list[Service]) -> int | None:
    for service in all_services:
        if service.name == "Rasa server" and service.process is not None:
            return service.process.pid
    return None


def cpu_seconds(all_services: list[Service]) -> dict[str, float]:
    """Each service's CPU time so far (user and system), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for service in all_services:
        if service.process is None:
            continue
        try:
            fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1]
        except OSError:
            continue
        utime, stime = fields.split()[11:13]
        used[service.name] = (int(utime) + int(stime)) / ticks
    return used


def cpu_per_message(before: dict[str, float], after: dict[str, float], messages: int) -> str:
    """CPU time per answered message, per service: what the machine's contention changes least."""
    return ", ".join(
        f"{name} {(after[name] - before.get(name, 0.0)) * 1000 / max(messages, 1):.1f} ms"
        for name in after
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--trace", action="store_true", help="trace every turn (see above)")
    parser.add_argument("--shown", type=int, default=5, help="slow messages' timelines printed")
    parser.add_argument("--spy", type=Path, help="py-spy the Rasa server into this file")
    parser.add_argument("--keep", type=Path, help="copy the samples and traces into this folder")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-tail-") as folder:
        state = Path(folder)
        env = isolated_environment(state, MODEL)
        all_services = services(env, handoff=True)
        if args.trace:
            all_services = traced(all_services, state)
        with running(all_services, env):
            url = env["RASA_URL"]
            pool = [s for s in asyncio.run(calibrate(url, says.mix(POOL))) if s.replies]
            spy = None
            pid = rasa_pid(all_services)
            if args.spy and pid is not None:
                py_spy = Path(sys.executable).with_name("py-spy")
                spy = subprocess.Popen(
                    [str(py_spy), "record", "--pid", str(pid), "--duration",
                     str(int(args.duration)), "--format", "speedscope", "--rate", "200",
                     "--nonblocking", "--output", str(args.spy)],
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
            print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
            used = cpu_seconds(all_services)
            messages, errors = asyncio.run(closed_loop(url, pool, args.concurrency, args.duration))
            cpu = cpu_per_message(used, cpu_seconds(all_services), len(messages))
            print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)
            if spy is not None:
                spy.wait()
            time.sleep(1.0)  # the traces' last lines
        print(by_kind(messages, args.duration, errors))
        print(f"CPU time a message: {cpu}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / "messages.jsonl").write_text(
                "".join(json.dumps(m.__dict__) + "\n" for m in messages)
            )
            for name in ("rasa.jsonl", "actions.jsonl"):
                if (state / name).exists():
                    shutil.copy(state / name, args.keep / name)
        if args.trace:
            spans = read_spans(state / "rasa.jsonl", state / "actions.jsonl")
            print()
            print(report_traces(messages, spans, args.shown))


def load_kept(folder: Path) -> tuple[list[Message], list[Span]]:
    """A kept run's samples and spans, to look at again without running (``--keep``)."""
    messages = [
        Message(**json.loads(line)) for line in (folder / "messages.jsonl").read_text().splitlines()
    ]
    return messages, read_spans(folder / "rasa.jsonl", folder / "actions.jsonl")


if __name__ == "__main__":
    main()

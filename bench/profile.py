"""Where a message's time goes, per component: ``make profile``.

    .venv/bin/python -m bench.profile [--conversations 40] [--concurrency 1]

Starts a throw-away assistant (free ports, its own SQLite files, as
``make run`` would) whose Rasa server is ``bench.profiled_server``: the same
server with timers around each part of a turn. Then it sends routine
conversations through the REST webhook (greeting, order status, an FAQ,
thanks; each a new customer) and prints, per customer message, the mean
wall time of each part and its share of the whole turn.

At concurrency 1 the parts add up to the turn and the table is a profile; at
higher concurrency they include the time spent waiting for the event loop,
which Rasa's NLU and policies hold while they compute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from scripts.run import ROOT, Service, isolated_environment, running, services

# Each customer says each step in one of these wordings (customer i takes the
# i-th, cycling): texts repeat, as they do in real traffic, so the table's
# "nlu" row (calls per message) is the share the parse cache missed.
CONVERSATION = (
    ("hi there", "hello", "hey!", "good morning", "hi, anyone there?", "hiya"),
    (
        "where is my order 12345678",
        "can you check order 12345678 for me",
        "status of my order 12345678?",
        "has order 12345678 shipped yet",
        "i want to track 12345678",
        "where's my package, order number 12345678",
    ),
    (
        "what are your opening hours?",
        "when are you open",
        "do you deliver to canada",
        "how long is the warranty on headphones",
        "what is your return policy",
        "can I pay with paypal",
    ),
    ("thanks!", "thank you", "great, thanks", "cheers", "thx", "perfect, thank you"),
)
# The parts a turn is made of, as bench.profiled_server names them; the rest
# of the table breaks these down.
TOP_LEVEL = ("nlu", "policies", "tracker retrieve", "tracker save", "action server round trip")


async def customer(client: httpx.AsyncClient, latencies: list[float], index: int) -> None:
    sender = f"profile-{uuid.uuid4().hex}"
    for wordings in CONVERSATION:
        text = wordings[index % len(wordings)]
        start = time.perf_counter()
        response = await client.post(
            "/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        response.raise_for_status()
        if not response.json():
            raise RuntimeError(f"no answer to {text!r}")
        latencies.append((time.perf_counter() - start) * 1000)


async def drive(url: str, conversations: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(client: httpx.AsyncClient, index: int) -> None:
        async with gate:
            await customer(client, latencies, index)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(one(client, index) for index in range(conversations)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed


def table(profile: dict[str, dict[str, float]], messages: int) -> str:
    turn = profile["message"]["seconds"]
    rows = sorted(profile.items(), key=lambda item: -item[1]["seconds"])
    lines = [
        f"{'part':58} {'calls/msg':>9} {'ms/call':>8} {'ms/msg':>8} {'share':>6}",
    ]
    for name, entry in rows:
        if not entry["calls"]:
            continue
        per_message = entry["seconds"] * 1000 / messages
        per_call = entry["seconds"] * 1000 / entry["calls"]
        lines.append(
            f"{name:58} {entry['calls'] / messages:9.2f} {per_call:8.2f} {per_message:8.2f}"
            f" {entry['seconds'] / turn:6.0%}"
        )
    parts = sum(profile[name]["seconds"] for name in TOP_LEVEL if name in profile)
    lines.append(
        f"{'rest of the turn (processor, events, sending)':58} {'':9} {'':8}"
        f" {(turn - parts) * 1000 / messages:8.2f} {(turn - parts) / turn:6.0%}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warm-up", type=int, default=5, help="conversations not counted")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as state:
        env = isolated_environment(Path(state), ROOT / "models" / "retail-bot.tar.gz")
        out = Path(state) / "profile.json"
        env["BENCH_PROFILE_OUT"] = str(out)
        handoff, actions, rasa = services(env, handoff=True)
        profiled = Service(
            rasa.name,
            [rasa.command[0], "-m", "bench.profiled_server"],
            rasa.health_url,
            withheld=rasa.withheld,
        )
        with running([handoff, actions, profiled], env):
            url = env["RASA_URL"]
            asyncio.run(drive(url, args.warm_up, 1))
            before = json.loads(out.read_text())
            latencies, elapsed = asyncio.run(drive(url, args.conversations, args.concurrency))
            after = json.loads(out.read_text())

    profile = {
        name: {
            "calls": entry["calls"] - before.get(name, {}).get("calls", 0),
            "seconds": entry["seconds"] - before.get(name, {}).get("seconds", 0.0),
        }
        for name, entry in after.items()
    }
    messages = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"{messages} messages in {elapsed:.1f} s at concurrency {args.concurrency}:"
        f" {messages / elapsed:.1f} msg/s, p50 {statistics.median(latencies):.0f} ms,"
        f" p99 {quantiles[98]:.0f} ms (client side, REST round trip)\n"
    )
    print(table(profile, messages))


if __name__ == "__main__":
    main()

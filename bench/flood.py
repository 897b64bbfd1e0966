"""A greeting's latency while another client floods the REST channel with huge messages.

    .venv/bin/python -m bench.flood [--greetings 30] [--size 100000] [--flooders 1]

Starts its own assistant (free ports, throw-away databases). First times a
customer's "hi" on a quiet server (the baseline), then again while
``--flooders`` clients each send ``--size``-character messages back to back
("where is my order " repeated: the probe's text). Prints the median and
95th percentile of both and their ratio, and how long each flood message
took. Before the channels capped message length and the escalation patterns
were made linear, one 100,000-character message stopped the server for
minutes: every "hi" behind it waited that long.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scripts.run import ROOT, isolated_environment, running, services

PROBE_TEXT = "where is my order "
WARM_UP = 3


@dataclass
class FloodResult:
    quiet_ms: list[float]
    flooded_ms: list[float]
    flood_ms: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.flooded_ms) / statistics.median(self.quiet_ms)

    def report(self) -> str:
        rows = [f"{'case':28} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"]
        for name, samples in (
            ("greeting, quiet server", self.quiet_ms),
            ("greeting, during the flood", self.flooded_ms),
            ("one flood message", self.flood_ms),
        ):
            if samples:
                rows.append(
                    f"{name:28} {len(samples):4} {statistics.median(samples):10.1f} "
                    f"{p95(samples):8.1f} {max(samples):8.1f}"
                )
        rows.append(f"greeting median during the flood / quiet: {self.ratio:.2f}")
        return "\n".join(rows)


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def greet(client: httpx.Client) -> float:
    """One greeting from a new customer; milliseconds until the bot answered."""
    start = time.perf_counter()
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": f"greeter-{uuid.uuid4().hex}", "message": "hi"}
    )
    response.raise_for_status()
    assert response.json(), "the bot did not answer the greeting"
    return (time.perf_counter() - start) * 1000


def measure(rasa_url: str, greetings: int, size: int, flooders: int = 1) -> FloodResult:
    text = (PROBE_TEXT * (size // len(PROBE_TEXT) + 1))[:size]
    with httpx.Client(base_url=rasa_url, timeout=600) as client:
        for _ in range(WARM_UP):
            greet(client)
        quiet = [greet(client) for _ in range(greetings)]

        stop = threading.Event()
        flood_ms: list[float] = []

        def flood() -> None:
            sender = f"flooder-{uuid.uuid4().hex}"
            with httpx.Client(base_url=rasa_url, timeout=600) as own:
                while not stop.is_set():
                    start = time.perf_counter()
                    # The answer may be a refusal or a reply to the cut text:
                    # what matters here is what it costs everybody else.
                    own.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                    flood_ms.append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=flood, daemon=True) for _ in range(flooders)]
        for thread in threads:
            thread.start()
        try:
            # Let the flood get going before timing.
            time.sleep(1.0)
            flooded = [greet(client) for _ in range(greetings)]
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=600)
    return FloodResult(quiet, flooded, flood_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--greetings", type=int, default=30)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--flooders", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        env = isolated_environment(Path(state), ROOT / "models" / "retail-bot.tar.gz")
        with running(services(env), env):
            result = measure(
                f"http://127.0.0.1:{env['RASA_PORT']}", args.greetings, args.size, args.flooders
            )
    print(result.report())


if __name__ == "__main__":
    main()

"""Per-message latency through the REST webhook, against a baseline from the same run.

    .venv/bin/python -m bench.rest_latency [--messages 50]

Starts its own assistant (free ports, throw-away databases), then times:
  baseline   GET / on the Rasa server: the HTTP round trip alone
  rule       a greeting: NLU, dialogue policies, a response from the domain
  action     an order-status question: also a form, the action server and
             the SQL backend
Each customer message is sent as a new conversation, so tracker size does not
grow during the run. Prints median and 95th percentile and their ratio to the
baseline's median.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from scripts.run import ROOT, isolated_environment, running, services

WARM_UP = 5


def timed(call: Callable[[], None], repeat: int) -> list[float]:
    for _ in range(WARM_UP):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as state:
        env = isolated_environment(Path(state), ROOT / "models" / "retail-bot.tar.gz")
        with running(services(env), env):
            url = f"http://127.0.0.1:{env['RASA_PORT']}"
            with httpx.Client(base_url=url, timeout=30) as client:

                def say(text: str) -> Callable[[], None]:
                    def send() -> None:
                        sender = uuid.uuid4().hex
                        r = client.post(
                            "/webhooks/rest/webhook", json={"sender": sender, "message": text}
                        )
                        r.raise_for_status()
                        assert r.json(), "the bot did not answer"

                    return send

                def ping() -> None:
                    client.get("/").raise_for_status()

                results = {
                    "baseline (GET /)": timed(ping, args.messages),
                    "rule (greeting)": timed(say("hi"), args.messages),
                    "action (order status)": timed(
                        say("where is my order 12345678"), args.messages
                    ),
                }

    base = statistics.median(results["baseline (GET /)"])
    print(f"{'case':24} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, samples in results.items():
        median = statistics.median(samples)
        print(f"{name:24} {median:10.1f} {p95(samples):8.1f} {median / base:11.1f}")


if __name__ == "__main__":
    main()

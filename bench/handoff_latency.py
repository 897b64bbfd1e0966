"""Time from a customer's message to its handoff appearing in the event stream.

    .venv/bin/python -m bench.handoff_latency [--conversations 10]

Starts its own assistant and handoff service, listens to GET /api/events,
and sends "get me a human, now" from a new customer each time through the
REST webhook. Prints the median and worst time until `handoff.created`
arrives on the stream, next to the REST round trip of a greeting measured in
the same run (the bot's own turn, as a baseline).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from scripts.run import ROOT, isolated_environment, running, services


class EventListener(threading.Thread):
    """Reads the server-sent events; records when each conversation's handoff arrived."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.arrived: dict[str, float] = {}
        self.connected = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.stream("GET", self.url, headers=headers, timeout=None) as response:
            self.connected.set()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = json.loads(line[len("data:") :])
                handoff = data.get("handoff") or {}
                if handoff.get("conversation_id"):
                    self.arrived.setdefault(handoff["conversation_id"], time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as state:
        env = isolated_environment(Path(state), ROOT / "models" / "retail-bot.tar.gz")
        with running(services(env, handoff=True), env):
            listener = EventListener(f"{env['HANDOFF_URL']}/api/events", env["HANDOFF_ADMIN_TOKEN"])
            listener.start()
            listener.connected.wait(10)
            rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
            with httpx.Client(base_url=rasa, timeout=30) as client:
                greetings, handoffs = [], []
                for _ in range(args.conversations):
                    start = time.perf_counter()
                    client.post(
                        "/webhooks/rest/webhook",
                        json={"sender": uuid.uuid4().hex, "message": "hi"},
                    ).raise_for_status()
                    greetings.append(time.perf_counter() - start)

                    customer = uuid.uuid4().hex
                    start = time.perf_counter()
                    client.post(
                        "/webhooks/rest/webhook",
                        json={"sender": customer, "message": "get me a human, now"},
                    ).raise_for_status()
                    deadline = start + 30
                    while customer not in listener.arrived and time.perf_counter() < deadline:
                        time.sleep(0.002)
                    if customer not in listener.arrived:
                        raise SystemExit("no handoff.created event within 30 s")
                    handoffs.append(listener.arrived[customer] - start)

    greeting_ms = statistics.median(greetings) * 1000
    print(f"{'':34} {'median ms':>10} {'max ms':>8}")
    print(f"{'greeting (REST round trip)':34} {greeting_ms:10.1f} {max(greetings) * 1000:8.1f}")
    median = statistics.median(handoffs) * 1000
    print(f"{'message -> handoff.created event':34} {median:10.1f} {max(handoffs) * 1000:8.1f}")
    print(f"ratio to the greeting: {median / greeting_ms:.1f}")


if __name__ == "__main__":
    main()

"""Per-message overhead of each channel over the plain REST webhook, in one run.

    .venv/bin/python -m bench.channel_overhead [--messages 30]

Starts its own assistant with every channel pointed at local fake APIs, then
sends "hi" from a new customer each time and measures:
  ack         the webhook's answer (what the platform waits for)
  reply       until the bot's answer reached the fake platform API
For REST, ack and reply are the same response. Prints medians, and each
channel's reply time as a ratio to REST's, measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from scripts.run import ROOT, isolated_environment, running, services
from tests.conftest import (
    MESSENGER_APP_SECRET,
    PUBLIC_URL,
    TELEGRAM_SECRET_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
    channel_environment,
)
from tests.fakes.messenger import FakeGraph
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

WARM_UP = 3
POLL_S = 0.002


def wait(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the bot's reply")
        time.sleep(POLL_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=30)
    args = parser.parse_args()

    twilio, telegram, graph = FakeTwilio().start(), FakeTelegram().start(), FakeGraph().start()
    with tempfile.TemporaryDirectory() as state:
        env = isolated_environment(Path(state), ROOT / "models" / "retail-bot.tar.gz")
        env.update(channel_environment(Path(state), twilio.url, telegram.url, graph.url))
        try:
            with running(services(env), env):
                url = f"http://127.0.0.1:{env['RASA_PORT']}"
                with httpx.Client(base_url=url, timeout=30) as client:
                    results = measure(client, args.messages, twilio, telegram, graph)
        finally:
            for fake in (twilio, telegram, graph):
                fake.stop()

    rest = statistics.median(results["rest"][1])
    print(f"{'channel':10} {'ack ms':>8} {'reply ms':>9} {'overhead ms':>12} {'x REST':>7}")
    for name, (acks, replies) in results.items():
        reply = statistics.median(replies)
        print(
            f"{name:10} {statistics.median(acks):8.1f} {reply:9.1f} "
            f"{reply - rest:12.1f} {reply / rest:7.2f}"
        )


def measure(
    client: httpx.Client, n: int, twilio: FakeTwilio, telegram: FakeTelegram, graph: FakeGraph
) -> dict[str, tuple[list[float], list[float]]]:
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    counter = iter(range(10**9))

    def rest() -> tuple[float, float]:
        start = time.perf_counter()
        response = client.post(
            "/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "hi"}
        )
        response.raise_for_status()
        elapsed = time.perf_counter() - start
        return elapsed, elapsed

    def sms() -> tuple[float, float]:
        number = f"+1555{next(counter):07d}"
        params = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": number,
            "To": TWILIO_FROM_NUMBER,
            "Body": "hi",
            "NumMedia": "0",
        }
        signature = validator.compute_signature(f"{PUBLIC_URL}/webhooks/sms/webhook", params)
        start = time.perf_counter()
        client.post(
            "/webhooks/sms/webhook", data=params, headers={"X-Twilio-Signature": signature}
        ).raise_for_status()
        ack = time.perf_counter() - start
        wait(lambda: bool(twilio.messages(number)))
        return ack, time.perf_counter() - start

    def telegram_message() -> tuple[float, float]:
        update_id = next(counter)
        chat_id = 900_000_000 + update_id
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Bench"},
                "text": "hi",
            },
        }
        start = time.perf_counter()
        client.post(
            "/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET_TOKEN},
        ).raise_for_status()
        ack = time.perf_counter() - start
        wait(lambda: bool(telegram.sent_messages(chat_id)))
        return ack, time.perf_counter() - start

    def messenger() -> tuple[float, float]:
        psid = f"bench{next(counter)}"
        body = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": "page",
                        "time": int(time.time() * 1000),
                        "messaging": [
                            {
                                "sender": {"id": psid},
                                "recipient": {"id": "page"},
                                "timestamp": int(time.time() * 1000),
                                "message": {"mid": f"m_{uuid.uuid4().hex}", "text": "hi"},
                            }
                        ],
                    }
                ],
            }
        ).encode()
        digest = hmac.new(MESSENGER_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        start = time.perf_counter()
        client.post(
            "/webhooks/messenger/webhook",
            content=body,
            headers={"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"},
        ).raise_for_status()
        ack = time.perf_counter() - start
        wait(lambda: bool(graph.sent_to(psid)))
        return ack, time.perf_counter() - start

    results: dict[str, tuple[list[float], list[float]]] = {}
    for name, send in [("rest", rest), ("sms", sms), ("telegram", telegram_message),
                       ("messenger", messenger)]:  # fmt: skip
        for _ in range(WARM_UP):
            send()
        samples = [send() for _ in range(n)]
        results[name] = ([a * 1000 for a, _ in samples], [r * 1000 for _, r in samples])
    return results


if __name__ == "__main__":
    main()

"""The load generator's loop, statistics and report, against a tiny fake server (no Rasa)."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bench.conversations import Conversation, init_mix, mix
from bench.load import Scripted, calibrate, closed_loop
from bench.load_channels import ChannelFailed, Customer, ReplyTracker, RestChannel, WebhookChannel
from bench.report import (
    BenchRun,
    HandoffTiming,
    Row,
    Sample,
    markdown,
    percentile,
    ratio_line,
    summarize,
    write,
)
from tests.fakes.server import FakeApi, Recorded, Reply

ANSWER_S = 0.02


class FakeRest(FakeApi):
    """Rasa's REST webhook, answering after ANSWER_S: two replies, none to "agent"."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0
        self.per_sender_in_flight: dict[str, int] = defaultdict(int)
        self.overlapping_senders: set[str] = set()
        self.texts: dict[str, list[str]] = defaultdict(list)
        self._count_lock = threading.Lock()
        # Called (in a thread of its own) when a platform webhook is posted.
        self.on_webhook: Callable[[], None] | None = None

    def handle(self, request: Recorded) -> Reply:
        if request.path == "/webhooks/fake/webhook" and self.on_webhook is not None:
            threading.Thread(target=self.on_webhook, daemon=True).start()
            return Reply(200, {})
        body = request.json()
        sender, text = body["sender"], body["message"]
        with self._count_lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.per_sender_in_flight[sender] += 1
            if self.per_sender_in_flight[sender] > 1:
                self.overlapping_senders.add(sender)
            self.texts[sender].append(text)
        time.sleep(ANSWER_S)
        with self._count_lock:
            self.in_flight -= 1
            self.per_sender_in_flight[sender] -= 1
        return Reply(200, [] if text == "agent" else [{"text": "one"}, {"text": "two"}])


@pytest.fixture
def server() -> Iterator[FakeRest]:
    fake = FakeRest().start()
    yield fake
    fake.stop()


CONVERSATION = Conversation("routine", ("hi", "where is my order 12345678", "thanks"))


def test_percentiles_interpolate_between_ranks_and_are_nan_without_samples() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 99) == pytest.approx(99.01)
    assert percentile([7.0], 95) == 7.0
    assert percentile(list(reversed(samples)), 0) == 1.0
    assert math.isnan(percentile([], 50))


def test_summary_counts_answered_messages_over_the_duration() -> None:
    samples = [Sample(0.0, ms / 2, float(ms), 1) for ms in range(1, 201)]
    summary = summarize(samples, errors=3, duration_s=10.0)
    assert summary.messages == 200
    assert summary.throughput == pytest.approx(20.0)
    assert summary.errors == 3
    assert summary.p50_ms == pytest.approx(100.5)
    assert summary.p99_ms == pytest.approx(198.01)
    assert summary.first_p50_ms == pytest.approx(50.25)


def test_closed_loop_is_bounded_and_each_customer_waits_for_its_answer(server: FakeRest) -> None:
    pool = [Scripted(CONVERSATION, (2, 2, 2))]
    result = asyncio.run(closed_loop(server.url, RestChannel(), pool, 4, duration_s=1.0))

    assert result.errors == []
    assert server.most_in_flight <= 4
    assert server.overlapping_senders == set()
    # Every customer said its conversation's messages in order, from the start.
    for texts in server.texts.values():
        assert texts == list(CONVERSATION.turns[: len(texts)])
    summary = summarize(result.samples, len(result.errors), result.duration_s)
    # 4 customers, each waiting at least ANSWER_S a message: at most 200 a second.
    assert 20 <= summary.throughput <= 4 / ANSWER_S
    assert summary.p50_ms >= ANSWER_S * 1000
    assert all(s.replies == 2 for s in result.samples)


def test_customers_at_once_are_as_many_as_asked_never_more(server: FakeRest) -> None:
    pool = [Scripted(CONVERSATION, (2, 2, 2))]
    asyncio.run(closed_loop(server.url, RestChannel(), pool, 1, duration_s=0.3))
    alone = server.most_in_flight
    server.most_in_flight = 0
    asyncio.run(closed_loop(server.url, RestChannel(), pool, 4, duration_s=0.3))
    assert alone == 1
    # Four at once (fewer only if the machine is too busy to start them together).
    assert 2 <= server.most_in_flight <= 4


def test_calibration_cuts_a_conversation_at_the_first_message_left_unanswered(
    server: FakeRest,
) -> None:
    handed_over = Conversation("escalating", ("hi", "agent", "hello?"))
    scripted = asyncio.run(calibrate(server.url, [CONVERSATION, handed_over]))
    assert [s.replies for s in scripted] == [(2, 2, 2), (2, 0)]
    assert scripted[1].turns == ("hi", "agent")


class AckingWebhook(WebhookChannel):
    """A platform webhook on the fake server's REST route: its replies come from ``deliver``."""

    name = "fake"

    def new_customer(self) -> Customer:
        return Customer("chat-1")

    def request(self, customer: Customer, text: str) -> dict[str, object]:
        return {"json": {"sender": customer.key, "message": text}}


def test_a_webhook_turn_lasts_until_its_last_reply_reached_the_platform(server: FakeRest) -> None:
    tracker = ReplyTracker()
    via = AckingWebhook(tracker)

    def deliver() -> None:
        for _ in range(2):
            time.sleep(0.05)
            tracker.note("chat-1")

    server.on_webhook = deliver

    async def turn() -> tuple[float, float]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            answer = await via.say(client, Customer("chat-1"), "hi", 2)
        return answer.first_ms, answer.last_ms

    first_ms, last_ms = asyncio.run(turn())
    # Each reply 50 ms after the last: the turn lasted until the second one.
    assert first_ms >= 45
    assert last_ms - first_ms >= 45


def test_a_reply_that_never_comes_is_an_error_not_a_latency(
    server: FakeRest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bench.load_channels.REPLY_TIMEOUT_S", 0.2)
    via = AckingWebhook(ReplyTracker())

    async def turn() -> None:
        async with httpx.AsyncClient(base_url=server.url) as client:
            await via.say(client, Customer("chat-1"), "hi", 1)

    with pytest.raises(ChannelFailed, match="0 of 1"):
        asyncio.run(turn())


def test_the_mixes_are_reproducible_and_escalate_in_the_share_asked() -> None:
    assert mix(20, escalating_share=0.2) == mix(20, escalating_share=0.2)
    kinds = [c.kind for c in mix(20, escalating_share=0.2)]
    assert kinds.count("escalating") == 4
    assert all(c.turns for c in mix(50) + init_mix(10))
    assert len({c.turns for c in mix(50)}) > 40


def run_with(rows: list[Row]) -> BenchRun:
    return BenchRun("2026-12-03 09:00 UTC", {"load average before": "1.00"}, rows)


def row(system: str, mix_name: str, n: int, throughput: float, p99: float) -> Row:
    samples = [Sample(0.0, p99, p99, 1)] * int(throughput * 10)
    return Row(system, mix_name, "rest", n, summarize(samples, 0, 10.0))


def test_the_report_gives_the_ratio_to_stock_rasa_and_every_row(tmp_path: Path) -> None:
    run = run_with(
        [
            row("stock", "init bot", 16, 40.0, 800.0),
            row("ours", "routine", 16, 20.0, 3000.0),
        ]
    )
    page = write(run, tmp_path, ours="ours", stock="stock")

    text = page.read_text()
    assert "ratio 0.50x" in text
    assert "| ours | routine | rest | 16 | 20.0 | 3,000 ms |" in text
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (
        "![throughput and latency against concurrency](latest.png)"
        in (tmp_path / "latest.md").read_text()
    )
    assert page.with_suffix(".png").exists()


def test_a_report_without_both_systems_says_so() -> None:
    run = run_with([row("ours", "routine", 1, 10.0, 50.0)])
    text = markdown(run, "x.png", ours="ours", stock="stock")
    assert "not both measured" in text
    assert "| ours | routine | rest | 1 | 10.0 | 50 ms |" in text


def test_a_ratio_line_compares_two_systems_at_one_concurrency() -> None:
    run = run_with([row("two", "routine", 16, 30.0, 400.0), row("one", "routine", 16, 15.0, 900.0)])
    line = ratio_line(run, "2 against 1", ("two", "routine"), ("one", "routine"), 16)
    assert line is not None
    assert "**2.00x**" in line
    assert "p99 400 ms against 900 ms" in line
    assert ratio_line(run, "absent", ("two", "routine"), ("one", "routine"), 1) is None


def test_the_handoff_timings_are_reported_with_the_ones_that_never_arrived() -> None:
    run = run_with([])
    run.handoffs.append(HandoffTiming("quiet", [100.0, 200.0, 300.0], missing=1))
    text = markdown(run, "x.png", ours="ours", stock="stock")
    assert "| quiet | 3 | 200 ms | 290 ms | 300 ms | 1 |" in text

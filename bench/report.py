"""The load benchmark's figures, and how they are written: a Markdown page and a PNG plot.

bench.load measures; this module holds what it measured (one Row per
system, mix, channel and concurrency) and turns a BenchRun into
bench/results/load-<date>.md and .png, plus latest.md and latest.png.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), interpolated between the two nearest ranks.

    NaN when there are no samples, so that an empty row shows as "-" rather
    than as a zero that reads like a fast answer.
    """
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True)
class Sample:
    """One customer message: when it was sent and how long until the bot's answer."""

    sent: float  # time.perf_counter()
    first_ms: float  # until the first reply (REST: the response)
    last_ms: float  # until the turn's last reply: the whole answer
    replies: int


@dataclass(frozen=True)
class Summary:
    messages: int
    errors: int
    duration_s: float
    throughput: float  # answered messages a second
    p50_ms: float
    p95_ms: float
    p99_ms: float
    first_p50_ms: float


def summarize(samples: Sequence[Sample], errors: int, duration_s: float) -> Summary:
    latencies = [s.last_ms for s in samples]
    return Summary(
        messages=len(samples),
        errors=errors,
        duration_s=duration_s,
        throughput=len(samples) / duration_s if duration_s > 0 else math.nan,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        first_p50_ms=percentile([s.first_ms for s in samples], 50),
    )


@dataclass(frozen=True)
class Row:
    system: str
    mix: str
    channel: str
    concurrency: int
    summary: Summary


@dataclass
class HandoffTiming:
    """Angry message sent -> ``handoff.created`` on the handoff service's event stream."""

    condition: str  # "quiet", "under load (...)"
    samples_ms: list[float]
    missing: int = 0  # messages whose handoff never arrived on the stream


@dataclass
class BenchRun:
    date: str
    header: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    handoffs: list[HandoffTiming] = field(default_factory=list)
    # More headline lines, computed by the caller (scaling, other baselines).
    headlines: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    notes: list[str] = field(default_factory=list)

    def find(self, system: str, mix: str, channel: str, concurrency: int) -> Summary | None:
        for row in self.rows:
            if (row.system, row.mix, row.channel, row.concurrency) == (
                system,
                mix,
                channel,
                concurrency,
            ):
                return row.summary
        return None


# -- Markdown ----------------------------------------------------------------------------------


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def rate(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def ratio_line(
    run: BenchRun, what: str, new: tuple[str, str], old: tuple[str, str], concurrency: int
) -> str | None:
    """One headline: ``new`` (system, mix) against ``old`` over REST at ``concurrency``."""
    mine, theirs = run.find(*new, "rest", concurrency), run.find(*old, "rest", concurrency)
    if mine is None or theirs is None or not theirs.throughput:
        return None
    return (
        f"- **{what}, {concurrency} concurrent:** {rate(mine.throughput)} against "
        f"{rate(theirs.throughput)} msg/s, **{mine.throughput / theirs.throughput:.2f}x**; "
        f"p99 {ms(mine.p99_ms)} against {ms(theirs.p99_ms)}"
    )


def headline(run: BenchRun, ours: str, stock: str) -> list[str]:
    """Our routine mix against stock Rasa's `rasa init` bot, at each concurrency measured."""
    lines = []
    concurrencies = sorted({r.concurrency for r in run.rows if r.system == ours})
    for n in concurrencies:
        mine = run.find(ours, "routine", "rest", n)
        theirs = run.find(stock, "init bot", "rest", n)
        if mine is None or theirs is None or not theirs.throughput:
            continue
        ratio = mine.throughput / theirs.throughput
        lines.append(
            f"- **{n} concurrent:** ours (routine mix) {rate(mine.throughput)} msg/s, "
            f"p99 {ms(mine.p99_ms)}; stock `rasa init` bot {rate(theirs.throughput)} msg/s, "
            f"p99 {ms(theirs.p99_ms)}: **ratio {ratio:.2f}x** (goal: 2x or more"
            + (", p99 500 ms or less)" if n >= 16 else ")")
        )
    return lines


def markdown(run: BenchRun, plot_name: str, *, ours: str, stock: str) -> str:
    out = [f"# Load benchmark, {run.date}", ""]
    out += [f"- {name}: {value}" for name, value in run.header.items()]
    out += ["", "## Headline", ""]
    out += headline(run, ours, stock) or ["- (ours and stock Rasa were not both measured)"]
    out += run.headlines
    out += [
        "",
        "## Throughput and latency",
        "",
        "Closed loop: each customer sends its next message when the answer to the previous "
        "one arrived. Latency is until the whole answer (a channel's last reply of the turn "
        "reached the fake platform API); *first reply* is until the first one.",
        "",
        "| system | mix | channel | customers | msg/s | p50 | p95 | p99 | first reply p50 "
        "| messages | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in run.rows:
        s = row.summary
        out.append(
            f"| {row.system} | {row.mix} | {row.channel} | {row.concurrency} "
            f"| {rate(s.throughput)} | {ms(s.p50_ms)} | {ms(s.p95_ms)} | {ms(s.p99_ms)} "
            f"| {ms(s.first_p50_ms)} | {s.messages} | {s.errors} |"
        )
    out += ["", "## Angry message to handoff on the event stream", ""]
    if run.handoffs:
        out += [
            "| condition | handoffs | p50 | p95 | max | never arrived |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for h in run.handoffs:
            out.append(
                f"| {h.condition} | {len(h.samples_ms)} | {ms(percentile(h.samples_ms, 50))} "
                f"| {ms(percentile(h.samples_ms, 95))} "
                f"| {ms(max(h.samples_ms) if h.samples_ms else math.nan)} | {h.missing} |"
            )
    else:
        out.append("- not measured in this run")
    if run.skipped:
        out += ["", "## Skipped", ""]
        out += [f"- **{what}:** {why}" for what, why in run.skipped]
    if run.notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in run.notes]
    out += ["", f"![throughput and latency against concurrency]({plot_name})", ""]
    return "\n".join(out)


# -- the plot ----------------------------------------------------------------------------------


def plot(run: BenchRun, path: Path) -> None:
    """Throughput and p50/p99 latency against concurrency, one line per system, mix and channel."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    series: dict[str, list[Row]] = {}
    for row in run.rows:
        series.setdefault(f"{row.system} / {row.mix} / {row.channel}", []).append(row)
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    for label, rows in series.items():
        rows = sorted(rows, key=lambda r: r.concurrency)
        x = [r.concurrency for r in rows]
        (line,) = left.plot(x, [r.summary.throughput for r in rows], marker="o", label=label)
        color = line.get_color()
        right.plot(x, [r.summary.p50_ms for r in rows], marker="o", color=color)
        right.plot(x, [r.summary.p99_ms for r in rows], marker="^", linestyle="--", color=color)
    left.set_xlabel("concurrent customers")
    left.set_ylabel("messages answered per second")
    left.set_title("Throughput")
    left.set_ylim(bottom=0)
    right.set_xlabel("concurrent customers")
    right.set_ylabel("latency, ms (log)")
    right.set_yscale("log")
    right.set_title("Latency: p50 (solid), p99 (dashed)")
    for axis in (left, right):
        axis.grid(True, alpha=0.3)
        concurrencies = sorted({r.concurrency for r in run.rows})
        if concurrencies:
            axis.set_xscale("log", base=2)
            axis.set_xticks(concurrencies)
            axis.set_xticklabels([str(c) for c in concurrencies])
    if series:
        figure.legend(loc="lower center", ncol=2, fontsize="small", frameon=False)
    figure.suptitle(f"Load benchmark, {run.date}")
    figure.tight_layout(rect=(0, 0.06 + 0.03 * math.ceil(len(series) / 2), 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(run: BenchRun, directory: Path = RESULTS, *, ours: str, stock: str) -> Path:
    """load-<date>.md and .png in ``directory``, copied to latest.md and latest.png."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"load-{run.date.replace(' ', '_').replace(':', '')}"
    image = directory / f"{stem}.png"
    plot(run, image)
    page = directory / f"{stem}.md"
    page.write_text(markdown(run, image.name, ours=ours, stock=stock))
    shutil.copyfile(image, directory / "latest.png")
    (directory / "latest.md").write_text(markdown(run, "latest.png", ours=ours, stock=stock))
    return page

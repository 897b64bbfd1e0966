"""How long the escalation rules take on long and hostile messages, and per turn in the policy.

    .venv/bin/python -m bench.escalation_speed [--sizes 100,1000,4096,10000,100000]
                                               [--shapes order,words,...] [--budget 60]
                                               [--uncapped] [--no-policy]

``decide()`` runs inside Rasa's policy ensemble, on the event loop: while it
works, the server answers nobody. This prints, in one run:

  decide      one call on a single customer message of each size and shape
              ("order": "where is my order " repeated; "words": random words;
              "shout": capitals with "!!!"; "negations": many negations among
              the sensitive phrases' words; "emoji": emoji among words)
  ratio       time at the largest size over the time at a tenth of it, per
              shape: near 10 is linear, near 100 quadratic
  policy      EscalationPolicy.predict_action_probabilities per customer turn
              of a 50-turn conversation (the real policy, domain and Rasa
              tracker), with ordinary messages and with a 10,000-character
              first message (which used to slow every later turn)

``--uncapped`` lifts the rules' cap on the characters read per message
(``MAX_SCANNED_CHARS``), to show that what lies under it is linear too.

Each measurement uses texts no earlier call has seen, so that memoised scores
do not hide the cost of a first scan. A size whose time, extrapolated as if
quadratic from the size before, would exceed ``--budget`` seconds is skipped
and its estimate printed instead (the old rules took minutes on 100,000
characters).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from handoff.escalation import EscalationSettings, Turn, anger, decide, rules, stuck
from handoff.escalation import settings as escalation_settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (100, 1_000, 4_096, 10_000, 100_000)
DEFAULT_BUDGET_S = 60.0
# Best of this many runs for calls short enough to repeat (noise on a shared machine).
REPEATS = 3
REPEAT_BELOW_S = 0.5
CONVERSATION_TURNS = 50
LONG_FIRST_MESSAGE = 10_000
SEED = 20240601

VOCABULARY = (
    "where is my order the parcel still not here again refund please delivery late "
    "package tracking number cancel return broken wrong item email account card payment "
    "charged bank statement angry furious useless terrible good great thanks love hate "
    "never not no nobody fire hurt injured lawyer court chargeback dispute died passed "
    "but and then so very really extremely kind of sort of at least without doubt"
).split()
CONVERSATION_MESSAGES = (
    "hi, where is my order?",
    "it's 12345678, ordered last Tuesday",
    "the tracking page hasn't changed in four days",
    "can you check with the courier please",
    "ok, and when will the refund arrive",
    "I also want to return the blue jumper, it's too small",
    "thanks, that's helpful",
    "one more thing: can I change my delivery address",
)


def repeated(unit: str) -> Callable[[int, random.Random], str]:
    def make(size: int, rng: random.Random) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return make


def random_words(size: int, rng: random.Random) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(VOCABULARY)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size]


SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "order": repeated("where is my order "),
    "words": random_words,
    "shout": repeated("WHERE IS MY ORDER!!! "),
    # Negations with no clause break, among the words of the sensitive
    # phrases: every match is checked for a negation before it.
    "negations": repeated(
        "nobody was hurt not injured no fire never ordered this it wasn't me not my card "
    ),
    "emoji": repeated("😡 where is it 🙈 not happy 😂 "),
}


def unique(text: str, serial: int) -> str:
    """``text`` made new (same length), so that no memoised result answers for it."""
    tag = f"{serial} "
    return (tag + text)[: max(len(text), len(tag))]


def time_decide(text: str, settings: EscalationSettings) -> float:
    conversation = [Turn.customer(text, intent="check_order_status", confidence=0.9)]
    started = time.perf_counter()
    decide(conversation, settings)
    return time.perf_counter() - started


def bench_decide(
    sizes: list[int], shapes: list[str], budget_s: float
) -> dict[str, dict[int, float]]:
    settings = EscalationSettings()
    decide([Turn.customer("warm up: reads VADER's lexicon")], settings)
    serial = itertools.count()
    results: dict[str, dict[int, float]] = {}
    print(f"decide() on one message, seconds (skipped sizes: ~estimate, budget {budget_s:g} s)")
    print(f"{'shape':10}" + "".join(f"{size:>12,}" for size in sizes))
    for shape in shapes:
        rng = random.Random(SEED)
        times: dict[int, float] = {}
        cells: list[str] = []
        previous: tuple[int, float] | None = None
        for size in sizes:
            text = SHAPES[shape](size, rng)
            if previous is not None:
                estimate = previous[1] * (size / previous[0]) ** 2
                if estimate > budget_s:
                    cells.append(f"~{estimate:>10.0f}")
                    previous = (size, estimate)
                    continue
            elapsed = time_decide(unique(text, next(serial)), settings)
            if elapsed < REPEAT_BELOW_S:
                elapsed = min(
                    [elapsed]
                    + [
                        time_decide(unique(text, next(serial)), settings)
                        for _ in range(REPEATS - 1)
                    ]
                )
            times[size] = elapsed
            previous = (size, elapsed)
            cells.append(f"{elapsed:12.4f}")
        results[shape] = times
        print(f"{shape:10}" + "".join(cells), flush=True)
    return results


def print_ratios(results: dict[str, dict[int, float]], sizes: list[int]) -> None:
    largest = max(sizes)
    tenth = largest // 10
    if tenth not in sizes:
        return
    print(f"\nratio {largest:,} / {tenth:,} characters (10 = linear, 100 = quadratic)")
    for shape, times in results.items():
        if largest in times and tenth in times:
            print(f"{shape:10} {times[largest] / times[tenth]:8.1f}")
        else:
            print(f"{shape:10} {'skipped':>8}")


def bench_policy(turns: int) -> None:
    # Rasa is imported here only: the decide() figures need none of it.
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.policies.escalation import EscalationPolicy

    domain = Domain.load(str(ROOT / "domain.yml"))
    if "action_handoff" not in domain.action_names_or_texts:
        domain = domain.merge(Domain.from_dict({"actions": ["action_handoff"]}))

    print(f"\nEscalationPolicy per customer turn, {turns}-turn conversation, milliseconds")
    print(f"{'first message':>22} {'first':>8} {'median':>8} {'mean':>8} {'worst':>8} {'total':>8}")
    with tempfile.TemporaryDirectory() as storage:
        policy = EscalationPolicy.create(
            EscalationPolicy.get_default_config(),
            LocalModelStorage(Path(storage)),
            Resource("bench_EscalationPolicy"),
            ExecutionContext(GraphSchema({}), "bench"),
        )
        rng = random.Random(SEED)
        for label, first_size in (("ordinary", 0), (f"{LONG_FIRST_MESSAGE:,} characters", 10_000)):
            run = rng.randrange(10**9)
            tracker = DialogueStateTracker.from_events(f"bench-{run}", [])
            times: list[float] = []
            for k in range(turns):
                text = f"{CONVERSATION_MESSAGES[k % len(CONVERSATION_MESSAGES)]} ({run}-{k})"
                if k == 0 and first_size:
                    text = unique(random_words(first_size, rng), run)
                tracker.update(ActionExecuted("action_listen"))
                tracker.update(
                    UserUttered(text, intent={"name": "check_order_status", "confidence": 0.9})
                )
                started = time.perf_counter()
                policy.predict_action_probabilities(tracker, domain)
                times.append((time.perf_counter() - started) * 1000)
                tracker.update(ActionExecuted("utter_order_status_shipped"))
                tracker.update(
                    BotUttered(
                        "It's on its way.", metadata={"utter_action": "utter_order_status_shipped"}
                    )
                )
            print(
                f"{label:>22} {times[0]:8.2f} {statistics.median(times[1:]):8.2f} "
                f"{statistics.mean(times[1:]):8.2f} {max(times[1:]):8.2f} {sum(times):8.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="characters, comma-separated",
    )
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds per call")
    parser.add_argument("--turns", type=int, default=CONVERSATION_TURNS)
    parser.add_argument("--no-policy", action="store_true", help="skip the Rasa policy figures")
    parser.add_argument(
        "--uncapped", action="store_true", help="read whole messages (lift MAX_SCANNED_CHARS)"
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    shapes = args.shapes.split(",")
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        parser.error(f"unknown shapes {sorted(unknown)}; known: {', '.join(SHAPES)}")

    if args.uncapped:
        if not hasattr(escalation_settings, "MAX_SCANNED_CHARS"):
            parser.error("these rules have no cap to lift")
        # Read at call time, by each module that cuts messages: the rules see
        # whole messages from here on.
        cap = max(sizes) * 2
        anger.MAX_SCANNED_CHARS = cap
        stuck.MAX_SCANNED_CHARS = cap
        rules.MAX_SCANNED_CHARS = cap
        print("uncapped: whole messages are read\n")

    results = bench_decide(sizes, shapes, args.budget)
    print_ratios(results, sizes)
    if not args.no_policy:
        bench_policy(args.turns)


if __name__ == "__main__":
    main()

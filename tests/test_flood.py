"""Denial of service: one client's maximum-length messages do not hold up other customers.

On the real servers, through the REST channel. The figures are printed (run
with ``-s`` to see them; ``python -m bench.flood`` measures more greetings);
the bounds are loose enough for a loaded 2-core machine and still fail by a
wide margin on the old code, where one 100,000-character message stopped the
server for minutes.
"""

from __future__ import annotations

import statistics

import pytest

from bench.flood import measure
from tests.conftest import Assistant

pytestmark = pytest.mark.slow

# A greeting during the flood may wait for at most one flood message ahead of
# it in the server's single event loop. Measured against that, not against
# the quiet greeting alone: a repeated greeting is answered from the parse
# cache in about 10 ms (bot/rasa_patches.py), a tenth of one flood message, so
# a ratio to the quiet latency measured the cache, not the flood.
FLOOD_MESSAGES_AHEAD = 2.0
MAX_GREETING_MS = 3_000.0


def test_a_greeting_is_answered_promptly_while_someone_floods_the_channel(
    assistant: Assistant,
) -> None:
    result = measure(assistant.rasa_url, greetings=12, size=100_000)
    print("\n" + result.report())
    assert result.flood_ms, "the flood never got an answer"
    bound = statistics.median(result.quiet_ms) + FLOOD_MESSAGES_AHEAD * statistics.median(
        result.flood_ms
    )
    assert statistics.median(result.flooded_ms) <= bound, result.report()
    assert max(result.flooded_ms) <= MAX_GREETING_MS, result.report()
    assert statistics.median(result.flood_ms) <= MAX_GREETING_MS, result.report()

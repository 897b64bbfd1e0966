"""Open handoffs' transcripts completed from Rasa's trackers, every ``HANDOFF_RECONCILE_S``.

The broker consumer adds what a customer writes during a handoff as Rasa's
events arrive. An event Rasa never delivered is missing from the transcript,
and Rasa 3.6's RabbitMQ publisher loses some: after RabbitMQ closes its
connection, publishing fails for seconds and some of those events are never
sent (tests/test_production_faults.py: 6 of 79 lines in one run). The
tracker holds them all. So every ``HANDOFF_RECONCILE_S`` seconds (30; 0
turns it off) each open handoff's conversation is read from Rasa and what
the transcript lacks since the handoff began is appended
(:func:`handoff.catch_up.catch_up`: idempotent on role, text and time, so a
message the consumer added, or adds later, is there once).
"""

from __future__ import annotations

import datetime as dt
import logging

from handoff.catch_up import catch_up
from handoff.models import ASSIGNED, WAITING
from handoff.rasa_client import RasaClient, RasaError
from handoff.store import HandoffStore
from plumbing.clock import to_naive_utc
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

# Open handoffs read per pass, each status: beyond it, the next pass.
MAX_PER_PASS = 500
# Clocks of two machines may differ: messages this long before the handoff
# began are compared too (those already there stay once).
CLOCK_MARGIN = dt.timedelta(seconds=60)


class TranscriptReconciler:
    def __init__(self, store: HandoffStore, rasa: RasaClient, every_s: float) -> None:
        self._store = store
        self._rasa = rasa
        self._worker = Worker(
            "transcript reconciler", self.reconcile, interval_s=every_s, max_retry_s=10 * every_s
        )

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop(cancel=True)

    async def reconcile(self) -> float | None:
        """One pass over the open handoffs; what each lacked is appended."""
        added = 0
        for status in (WAITING, ASSIGNED):
            for handoff in await self._store.list(status=status, limit=MAX_PER_PASS):
                since = to_naive_utc(handoff.created_at) - CLOCK_MARGIN
                try:
                    added += await catch_up(self._store, self._rasa, handoff, since)
                except RasaError as error:
                    # Rasa is down or restarting: the next pass tries again.
                    logger.warning("handoff %d: Rasa's tracker unreadable: %s", handoff.id, error)
                    return None
        if added:
            logger.info("%d message(s) missing from open handoffs' transcripts added", added)
        return None

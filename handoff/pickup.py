"""Handoffs nobody picks up in time: the customer is told, supervisors are alerted.

Every ``check_s`` seconds, each waiting handoff older than
``HANDOFF_PICKUP_TIMEOUT_S`` whose customer has not been told yet gets one
message on their channel: they are still in the queue (with their place),
need not write again, and may ask for a call back instead. The notice joins
the transcript as a bot message, and a ``handoff.overdue`` event is journaled
with ``pickup_notified_at`` (in its transaction), so that the desk can flag
it. The handoff stays queued: nothing is dropped.

Outside business hours nobody is told: the customer heard at escalation
when agents are back. A handoff counts as overdue only when agents have been
there for the whole timeout (open now and ``timeout`` ago).

Each handoff is told at most once: ``pickup_notified_at`` is set before
sending (an atomic update), so two checks, or a restart in the middle, never
send it twice; a notice that fails to send is logged and not retried (the
channel already retried it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from handoff.models import BOT, DEFAULT_LANGUAGE, base_language, utc_now
from handoff.settings import HandoffSettings
from handoff.store import Handoff, HandoffConflict, HandoffStore
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

DEFAULT_CHECK_S = 15.0

# The service's deliver hook (handoff.context.Deliver; not imported: context imports this).
Deliver = Callable[[str, str, str], Awaitable[None]]


async def tell_customer(
    store: HandoffStore, deliver: Deliver, handoff: Handoff, text: str, now: dt.datetime, what: str
) -> None:
    """Send the bot's ``what`` notice (``pickup``, ``skill``) to a waiting customer, and add
    it to the transcript once sent; a failure to send is logged, never raised.

    Any hook failure (a channel down, a REST customer who cannot be pushed
    to) leaves the customer untold: the desk got its alert when the notice was
    marked (handoff.overdue, handoff.awaiting_skill), and the log says why.
    """
    try:
        await deliver(handoff.channel, handoff.customer_id, text)
    except Exception as error:  # noqa: BLE001 - the hook's errors are not one type
        logger.warning("handoff %d: the %s notice was not delivered: %s", handoff.id, what, error)
        return
    try:
        await store.append_message(handoff.id, BOT, text, now, f"{what}-notice-{handoff.id}")
    except HandoffConflict:
        return  # closed in the meantime: the notice went out, the transcript is final


def notice(position: int | None, language: str = DEFAULT_LANGUAGE) -> str:
    """The notice in the customer's language (``es`` or else English)."""
    if base_language(language) == "es":
        place = f" (eres el número {position})" if position else ""
        return (
            f"Gracias por esperar. Nuestro equipo sigue ocupado y sigues en la cola{place}: "
            "no hace falta que vuelvas a escribir, una persona te responderá aquí mismo. "
            "Si prefieres que te llamemos, responde con un buen momento para llamarte."
        )
    place = f" (you're number {position})" if position else ""
    return (
        f"Thanks for waiting. Our team is still busy, and you're still in the queue{place}: "
        "no need to write again, a person will answer right here. "
        "If a call back suits you better, reply with a good time to call."
    )


class PickupWatcher:
    def __init__(
        self,
        store: HandoffStore,
        settings: HandoffSettings,
        deliver: Deliver,
        *,
        check_s: float = DEFAULT_CHECK_S,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._store = store
        self._settings = settings
        self._deliver = deliver
        self._check_s = check_s
        self._clock = clock
        self._worker = Worker(
            "pickup-watcher", self._check, interval_s=check_s, log_error=_log_failure
        )

    def _agents_were_there(self, now: dt.datetime) -> bool:
        hours = self._settings.business_hours
        timeout = dt.timedelta(seconds=self._settings.pickup_timeout_s)
        return hours.is_open(now) and hours.is_open(now - timeout)

    async def check_once(self) -> list[int]:
        """Tell the customers of the overdue handoffs; the ids of those handled."""
        now = self._clock()
        if not self._agents_were_there(now):
            return []
        cutoff = now - dt.timedelta(seconds=self._settings.pickup_timeout_s)
        handled = []
        for handoff in await self._store.unnotified_waiting(cutoff):
            if await self._store.mark_pickup_notified(handoff.id, now):
                await self._tell(handoff, now)
                handled.append(handoff.id)
        return handled

    async def _tell(self, handoff: Handoff, now: dt.datetime) -> None:
        position = await self._store.queue_position(handoff.id)
        text = notice(position, handoff.language)
        await tell_customer(self._store, self._deliver, handoff, text, now, "pickup")

    async def _check(self) -> float | None:
        await self.check_once()
        return None  # again in check_s

    def start(self) -> None:
        """Check every ``check_s`` seconds in a background worker (plumbing.worker)."""
        self._worker.start()

    async def stop(self) -> None:
        """Stop once the check under way is done."""
        await self._worker.stop()


def _log_failure(error: Exception, retry_in_s: float) -> None:
    # A failed check never ends the checks (the worker goes on): a database
    # error is one line, anything else a bug, logged with its traceback.
    if isinstance(error, SQLAlchemyError):
        logger.warning("checking for overdue handoffs failed, retrying: %s", error)
    else:
        logger.error("checking for overdue handoffs failed", exc_info=error)

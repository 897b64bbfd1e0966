"""Handoffs nobody picks up in time: the customer is told, supervisors are alerted.

Every ``check_s`` seconds, each waiting handoff older than
``HANDOFF_PICKUP_TIMEOUT_S`` whose customer has not been told yet gets one
message on their channel: they are still in the queue (with their place),
need not write again, and may ask for a call back instead. The notice joins
the transcript as a bot message, and a ``handoff.overdue`` event goes to the
live stream, so that the desk can flag it. The handoff stays queued:
nothing is dropped.

Outside business hours nobody is told: the customer heard at escalation
when agents are back. A handoff counts as overdue only when agents have been
there for the whole timeout (open now and ``timeout`` ago).

Each handoff is told at most once: ``pickup_notified_at`` is set before
sending (an atomic update), so two checks, or a restart in the middle, never
send it twice; a notice that fails to send is logged and not retried (the
channel already retried it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from handoff import events as ev
from handoff.models import BOT, utc_now
from handoff.settings import HandoffSettings
from handoff.store import Handoff, HandoffConflict, HandoffStore

logger = logging.getLogger(__name__)

DEFAULT_CHECK_S = 15.0

# The service's deliver hook (handoff.service.Deliver; not imported: the service imports this).
Deliver = Callable[[str, str, str], Awaitable[None]]


def notice(position: int | None) -> str:
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
        publish: ev.Publish,
        *,
        check_s: float = DEFAULT_CHECK_S,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._store = store
        self._settings = settings
        self._deliver = deliver
        self._publish = publish
        self._check_s = check_s
        self._clock = clock
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

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
        text = notice(position)
        waited_s = round((now - handoff.created_at).total_seconds())
        self._publish(
            ev.HANDOFF_OVERDUE,
            {"handoff_id": handoff.id, "waited_s": waited_s, "queue_position": position},
        )
        try:
            await self._deliver(handoff.channel, handoff.customer_id, text)
        except Exception as error:  # noqa: BLE001 - the hook's errors are not one type
            # Any hook failure (a channel down, a REST customer who cannot be
            # pushed to): supervisors got the alert above; the log says why.
            logger.warning("handoff %d: the pickup notice was not delivered: %s", handoff.id, error)
            return
        try:
            message, created = await self._store.append_message(
                handoff.id, BOT, text, now, f"pickup-notice-{handoff.id}"
            )
        except HandoffConflict:
            return  # closed in the meantime: the notice went out, the transcript is final
        if created:
            self._publish(
                ev.MESSAGE_CREATED, {"handoff_id": handoff.id, "message": message.to_json()}
            )

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.check_once()
            except SQLAlchemyError as error:
                logger.warning("checking for overdue handoffs failed, retrying: %s", error)
            except Exception:
                # A bug must not end the checks for good: log it loudly, go on.
                logger.exception("checking for overdue handoffs failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), self._check_s)
            except asyncio.TimeoutError:
                continue

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="pickup-watcher")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task

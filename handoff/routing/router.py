"""Auto-assignment: the background worker that offers waiting handoffs to agents.

Runs only with ``HANDOFF_AUTO_ASSIGN=true``. Each pass, after any journaled
change (a new handoff, a close, a declined offer: the store's journal
listeners wake it), after an agent's state changes (the route wakes it),
and every ``check_s`` seconds besides:

1. ends the offers nobody answered within ``HANDOFF_OFFER_TIMEOUT_S``
   (their agent is passed over for that handoff for good) and those held
   by agents who are no longer available;
2. goes through the waiting handoffs without an offer, in queue order
   (priority, then the longest wait), and offers each to the best agent
   who can take it (handoff.store.routing: available, with every skill,
   not passed over, below capacity; the most spare capacity, then idle the
   longest), the store making sure under locks that nobody goes past
   their capacity;
3. a handoff that no *available* agent has the skills for (whatever their
   load: a busy skilled agent is a wait, not a missing skill) stays in its
   skills' queues, and its customer is told so, honestly, once, in their
   language (handoff.routing.notices), while business hours are open
   (outside them the customer heard at escalation when agents are back).
   The notice joins the transcript as a bot message; ``handoff.awaiting_skill``
   is journaled, for the desk.

A handoff every skilled agent has passed over stays in the queue for a
person to claim by hand (or for an agent who becomes available later).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from handoff.models import AVAILABLE, utc_now
from handoff.pickup import tell_customer
from handoff.routing.notices import nobody_with_skill
from handoff.settings import HandoffSettings
from handoff.store import AgentProfile, Handoff, HandoffStore
from plumbing.worker import Worker

logger = logging.getLogger(__name__)

DEFAULT_CHECK_S = 2.0

# The service's deliver hook (handoff.context.Deliver; not imported: context imports this).
Deliver = Callable[[str, str, str], Awaitable[None]]


@dataclass
class RoutingPass:
    """What one pass did: offers made (handoff id -> agent), ended, customers told."""

    offered: dict[int, str] = field(default_factory=dict)
    expired: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)


class Router:
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
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker = Worker("router", self._step, interval_s=check_s, log_error=_log_failure)

    async def route_once(self) -> RoutingPass:
        """One pass (see the module's docstring)."""
        now = self._clock()
        done = RoutingPass()
        done.expired = await self._store.expire_offers(now)
        done.withdrawn = await self._store.withdraw_stale_offers()
        profiles = {p.name: p for p in await self._store.agent_profiles()}
        for handoff in await self._store.routable():
            # A first look without locks: only a handoff someone could take
            # costs an offer's transaction (which looks again, locked).
            if any(p.can_be_offered(handoff) for p in profiles.values()):
                agent = await self._store.offer(handoff.id, self._settings.offer_timeout_s, now)
                if agent is not None:
                    done.offered[handoff.id] = agent
                    held = profiles[agent] if agent in profiles else None
                    if held is not None:
                        profiles[agent] = dataclasses.replace(held, load=held.load + 1)
                    continue
            if handoff.skill_notified_at is None and not _staffed(handoff, profiles.values()):
                if self._settings.business_hours.is_open(now) and (
                    await self._store.mark_skill_notified(handoff.id, now)
                ):
                    await self._tell(handoff, now)
                    done.notified.append(handoff.id)
        return done

    async def _tell(self, handoff: Handoff, now: dt.datetime) -> None:
        text = nobody_with_skill(handoff.language)
        await tell_customer(self._store, self._deliver, handoff, text, now, "skill")

    async def _step(self) -> float | None:
        await self.route_once()
        return None  # again in check_s, or when woken

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Route in a background worker (plumbing.worker), woken by the store's journal."""
        self._loop = asyncio.get_running_loop()
        self._worker.start()

    def wake(self) -> None:
        """Route now (from the event loop: an agent's state changed)."""
        self._worker.wake()

    def journaled(self, _latest_id: int) -> None:
        """A journal listener (handoff.store.JournalListener): called from the thread
        that committed, so the wake-up crosses to the loop."""
        loop = self._loop
        if loop is None:
            return  # not started, or stopped: nothing to wake
        try:
            loop.call_soon_threadsafe(self._worker.wake)
        except RuntimeError:
            return  # the loop closed meanwhile: the worker is gone with it

    async def stop(self) -> None:
        """Stop once the pass under way is done."""
        await self._worker.stop()
        self._loop = None


def _staffed(handoff: Handoff, profiles: Iterable[AgentProfile]) -> bool:
    """Whether an available agent has every skill the handoff needs (load aside)."""
    return any(
        p.state == AVAILABLE and p.has_skills(handoff.language, handoff.skills) for p in profiles
    )


def _log_failure(error: Exception, retry_in_s: float) -> None:
    # A failed pass never ends routing: a database error is one line, anything
    # else a bug, logged with its traceback.
    if isinstance(error, SQLAlchemyError):
        logger.warning("routing waiting handoffs failed, retrying: %s", error)
    else:
        logger.error("routing waiting handoffs failed", exc_info=error)

"""The adapters' running parts, made when the server starts: :class:`Integrations`.

The routes are registered before the server starts, but what they use (the
tables, through the store's engine) exists only once it has: they reach it
through this object, filled in by :meth:`Integrations.start`.
"""

from __future__ import annotations

import logging
from typing import Any

from handoff.integrations.adapters import Adapter
from handoff.integrations.deliveries import DeliveryQueue
from handoff.integrations.dispatcher import Dispatcher
from handoff.integrations.inbound import InboundLog
from handoff.integrations.settings import WEBHOOK, ZENDESK, IntegrationSettings
from handoff.integrations.webhook import WebhookAdapter
from handoff.integrations.zendesk import TicketMap, ZendeskAdapter
from handoff.store import HandoffStore

logger = logging.getLogger(__name__)


class NotStarted(RuntimeError):
    """The server has not started, so neither have the adapters."""


class Integrations:
    def __init__(self, settings: IntegrationSettings) -> None:
        self.settings = settings
        self._queue: DeliveryQueue | None = None
        self._log: InboundLog | None = None
        self._tickets: TicketMap | None = None
        self._dispatcher: Dispatcher | None = None

    @property
    def queue(self) -> DeliveryQueue:
        if self._queue is None:
            raise NotStarted("the integrations have not started")
        return self._queue

    @property
    def log(self) -> InboundLog:
        if self._log is None:
            raise NotStarted("the integrations have not started")
        return self._log

    @property
    def tickets(self) -> TicketMap:
        if self._tickets is None:
            raise NotStarted("the integrations have not started")
        return self._tickets

    @property
    def dispatcher(self) -> Dispatcher | None:
        return self._dispatcher

    async def start(self, app: Any) -> None:
        store: HandoffStore = app.ctx.store
        engine = store.engine
        self._queue = DeliveryQueue(engine)
        self._log = InboundLog(engine)
        self._tickets = TicketMap(engine)
        adapters: list[Adapter] = []
        if WEBHOOK in self.settings.adapters:
            adapters.append(WebhookAdapter.create(self.settings))
        if ZENDESK in self.settings.adapters:
            adapters.append(ZendeskAdapter.create(self.settings, engine))
        self._dispatcher = Dispatcher(self._queue, adapters, self.settings, hub=app.ctx.events)
        await self._dispatcher.start()
        logger.info("contact-center adapters running: %s", ", ".join(self.settings.adapters))

    async def stop(self) -> None:
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is None:
            return
        await dispatcher.stop()
        for adapter in dispatcher.adapters:
            await adapter.aclose()

    def wake(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.wake()

"""Adapters to external contact centers: the handoff's changes go out, agents' replies
and closes come back. Chosen by ``HANDOFF_INTEGRATIONS`` (several may run at
once); the built-in desk keeps working with or without them. And the CRM
webhook, which sends finished conversation records instead, on when
``HANDOFF_RECORDS_WEBHOOK_URL`` is set.

- ``settings``: :class:`IntegrationSettings`, from ``HANDOFF_*`` variables.
- ``deliveries`` / ``dispatcher``: the journal ``handoff_events`` delivered to
  each adapter at least once, in order per conversation, with retries,
  backoff and dead letters, across restarts; ``journals``: which outbox an
  adapter reads (``handoff_events``, or the records' ``record_events``).
- ``adapters``: what an adapter is, and how a failed delivery is judged.
- ``signatures``: signing and checking webhooks (ours and Zendesk's).
- ``inbound``: an external agent's reply or close, carried out once per event id;
  ``bodies``: what the inbound routes read.
- ``redaction``: card numbers and the like out of what the adapters send.
- ``webhook``: the generic signed JSON webhook, both directions.
- ``zendesk``: tickets through the Tickets API; ``zendesk_inbound``: replies
  and solves through a Zendesk webhook.
- ``records``: the CRM webhook (``records_webhook``): each finished
  conversation record (``record.finished``, then ``record.updated``),
  signed like the generic webhook, to its own URL; outbound only.
- ``admin``: the operators' view of the queues (dead letters).

Wiring: ``install(app, IntegrationSettings.from_env())`` after
``handoff.service.create_app``. Each route is given what it needs when its
blueprint is made (its secret, the adapters turned on); what exists only
while the server runs, it reaches through the service's context
(handoff.context): the store's engine, on which it reads and writes its
tables, and the dispatcher, which the listeners below start and stop.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Sanic

from handoff.context import context_of
from handoff.integrations import admin, webhook, zendesk_inbound
from handoff.integrations.adapters import Adapter
from handoff.integrations.deliveries import DeliveryQueue
from handoff.integrations.dispatcher import Dispatcher
from handoff.integrations.records import RecordsWebhookAdapter
from handoff.integrations.settings import WEBHOOK, ZENDESK, IntegrationSettings
from handoff.integrations.webhook import WebhookAdapter
from handoff.integrations.zendesk import ZendeskAdapter

__all__ = ["IntegrationSettings", "install"]

logger = logging.getLogger(__name__)


def install(app: Sanic, settings: IntegrationSettings) -> None:
    """Register the enabled adapters' routes, and run their delivery while the server runs.

    With no adapter enabled this adds nothing: the built-in desk is all there is.
    """
    ctx = context_of(app)
    if ctx.integrations is not None:
        raise RuntimeError("the integrations are already installed on this app")
    ctx.integrations = settings
    if not settings.enabled:
        return
    if WEBHOOK in settings.adapters:
        app.blueprint(webhook.blueprint(settings))
    if ZENDESK in settings.adapters:
        app.blueprint(zendesk_inbound.blueprint(settings))
    app.blueprint(admin.blueprint(settings.running))

    async def start(_app: Sanic, _loop: Any) -> None:
        engine = ctx.store.engine
        adapters: list[Adapter] = []
        if WEBHOOK in settings.adapters:
            adapters.append(WebhookAdapter.create(settings))
        if ZENDESK in settings.adapters:
            adapters.append(ZendeskAdapter.create(settings, engine))
        if settings.records_webhook_url:
            # Records go out as the records' download gives them (HANDOFF_EXPORT_SCRUB).
            scrub = ctx.settings.export_scrub
            adapters.append(RecordsWebhookAdapter.create(settings, scrub=scrub))
        ctx.dispatcher = Dispatcher(DeliveryQueue(engine), adapters, settings, hub=ctx.events)
        await ctx.dispatcher.start()
        logger.info("contact-center adapters running: %s", ", ".join(settings.running))

    async def stop(_app: Sanic, _loop: Any) -> None:
        dispatcher, ctx.dispatcher = ctx.dispatcher, None
        if dispatcher is None:
            return
        await dispatcher.stop()
        for adapter in dispatcher.adapters:
            await adapter.aclose()

    # After start: the store is opened in a before_server_start listener.
    # Before stop: the dispatcher must end before the store is disposed.
    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")

"""Adapters to external contact centers: the handoff's changes go out, agents' replies
and closes come back. Chosen by ``HANDOFF_INTEGRATIONS`` (several may run at
once); the built-in desk keeps working with or without them.

- ``settings``: :class:`IntegrationSettings`, from ``HANDOFF_*`` variables.
- ``deliveries`` / ``dispatcher``: the journal ``handoff_events`` delivered to
  each adapter at least once, in order per conversation, with retries,
  backoff and dead letters, across restarts.
- ``adapters``: what an adapter is, and how a failed delivery is judged.
- ``signatures``: signing and checking webhooks (ours and Zendesk's).
- ``inbound``: an external agent's reply or close, carried out once per event id.
- ``webhook``: the generic signed JSON webhook, both directions.
- ``zendesk``: tickets through the Tickets API, replies and solves through a
  Zendesk webhook.
- ``admin``: the operators' view of the queues (dead letters).
- ``runtime``: what the routes and the dispatcher share while the server runs.

Wiring: ``install(app, IntegrationSettings.from_env())`` after
``handoff.service.create_app``.
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic

from handoff.integrations import admin, webhook, zendesk
from handoff.integrations.runtime import Integrations
from handoff.integrations.settings import WEBHOOK, ZENDESK, IntegrationSettings

__all__ = ["IntegrationSettings", "Integrations", "install"]


def install(app: Sanic, settings: IntegrationSettings) -> None:
    """Register the enabled adapters' routes, and run their delivery while the server runs.

    With no adapter enabled this adds nothing: the built-in desk is all there is.
    """
    integrations = Integrations(settings)
    app.ctx.integrations = integrations
    if not settings.enabled:
        return
    if WEBHOOK in settings.adapters:
        app.blueprint(webhook.blueprint(settings, integrations))
    if ZENDESK in settings.adapters:
        app.blueprint(zendesk.blueprint(settings, integrations))
    app.blueprint(admin.blueprint(integrations, settings.adapters))

    async def start(app: Sanic, _loop: Any) -> None:
        await integrations.start(app)

    async def stop(_app: Sanic, _loop: Any) -> None:
        await integrations.stop()

    # After start: app.ctx.store is made in a before_server_start listener.
    # Before stop: the dispatcher must end before the store is disposed.
    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")

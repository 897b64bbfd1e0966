"""handoff.context: one typed context per app, reached the same way by every route,
listener and installed part; what exists only while the server runs says so."""

from __future__ import annotations

import uuid

import pytest
from sanic import Sanic

from handoff.context import ServiceContext, context_of
from handoff.delivery import RasaDelivery
from handoff.desk import DeskSettings
from handoff.desk import install as install_desk
from handoff.errors import NotRunning
from handoff.integrations import install as install_integrations
from handoff.integrations.settings import IntegrationSettings
from handoff.routes.events import KEEPALIVE_S
from handoff.service import create_app
from handoff.settings import HandoffSettings
from tests.handoff.conftest import CloseRecorder, FakeDelivery, Service


def app_for(
    settings: HandoffSettings,
    deliver: FakeDelivery | None = None,
    on_close: CloseRecorder | None = None,
) -> Sanic:
    return create_app(
        settings, deliver=deliver, on_close=on_close, name=f"context_{uuid.uuid4().hex}"
    )


def test_the_app_s_ctx_is_its_typed_context(settings: HandoffSettings) -> None:
    app = app_for(settings)
    ctx = context_of(app)
    assert isinstance(ctx, ServiceContext) and ctx is app.ctx
    assert ctx.settings is settings
    assert ctx.keepalive_s == KEEPALIVE_S
    assert ctx.openapi_document.startswith(b"{")
    assert ctx.desk is None and ctx.integrations is None and ctx.dispatcher is None


def test_an_app_create_app_did_not_make_has_no_context() -> None:
    with pytest.raises(TypeError, match="create_app"):
        context_of(Sanic(f"plain_{uuid.uuid4().hex}"))


def test_before_the_server_starts_the_store_and_default_hooks_do_not_exist(
    settings: HandoffSettings,
) -> None:
    ctx = context_of(app_for(settings))
    for part in ("store", "deliver", "on_close"):
        with pytest.raises(NotRunning):
            getattr(ctx, part)


async def test_hooks_given_to_create_app_are_the_context_s(
    settings: HandoffSettings, delivery: FakeDelivery, closes: CloseRecorder
) -> None:
    ctx = context_of(app_for(settings, deliver=delivery, on_close=closes))
    assert ctx.on_close is closes
    # The deliver hook is called through a wrapper that counts failures (handoff.metrics).
    await ctx.deliver("sms", "+14155550101", "hello")
    assert delivery.sent == [("sms", "+14155550101", "hello")]


async def test_the_default_hooks_are_rasa_s_while_the_server_runs(
    monkeypatch: pytest.MonkeyPatch, settings: HandoffSettings
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = app_for(settings)
    ctx = context_of(app)
    service = await Service(app).start()
    try:
        assert isinstance(ctx.deliver, RasaDelivery) and ctx.deliver is ctx.delivery
        assert ctx.rasa is not None and ctx.on_close == ctx.rasa.hand_back
        assert ctx.store.engine is not None and ctx.pickup is not None
    finally:
        await service.stop()
    # Closed with the server, and gone from the context.
    assert (ctx.delivery, ctx.rasa, ctx.pickup, ctx.broker) == (None, None, None, None)
    with pytest.raises(NotRunning):
        ctx.deliver  # noqa: B018


def test_the_desk_and_the_adapters_are_installed_on_the_context(
    settings: HandoffSettings,
) -> None:
    app = app_for(settings)
    desk_settings, adapters = DeskSettings(), IntegrationSettings()
    install_desk(app, desk_settings)
    install_integrations(app, adapters)
    ctx = context_of(app)
    assert ctx.desk is not None and ctx.desk.settings is desk_settings
    assert ctx.integrations is adapters
    with pytest.raises(NotRunning):
        ctx.desk.accounts  # noqa: B018  (opened when the server starts)
    with pytest.raises(RuntimeError, match="already installed"):
        install_integrations(app, adapters)

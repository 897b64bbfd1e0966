"""Fixtures shared by the channels' tests."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.channels.inbox import OnNewMessage, WebhookChannel
from bot.channels.telegram import SECRET_TOKEN_HEADER
from bot.stores.lock import InMemoryLockStore
from tests.channels.test_inbox import ChannelServer, ServerFactory
from tests.conftest import (
    DELIVERY_TOKEN,
    PUBLIC_URL,
    ROOT,
    TELEGRAM_SECRET_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
    DeliveryRouteServer,
    ServeDeliveryRoute,
)
from tests.fakes.twilio import FakeTwilio
from tests.live_server import LiveServer


@pytest.fixture
async def serve(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ServerFactory]:
    """Starts channel servers (``await serve(channel, bot)``); stops them after the test."""
    # Sanic 21.12 rewrites its HTTP parser's methods in place when an app
    # starts; only in test mode can several apps start in one process.
    monkeypatch.setattr(Sanic, "test_mode", True)
    started: list[ChannelServer] = []

    async def start(channel: WebhookChannel, on_new_message: OnNewMessage) -> ChannelServer:
        server = await ChannelServer(channel, on_new_message).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


# -- Rasa's agent, as the channels use it outside a turn -----------------------------------


@pytest.fixture(scope="session")
def domain() -> Domain:
    """The assistant's domain (its slots csat_score, csat_comment, sms_opted_out)."""
    return Domain.load(str(ROOT / "domain.yml"))


class RecordingBroker(EventBroker):
    """An event broker keeping what the tracker store publishes."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


class SessionProcessor:
    """What the channels use of Rasa's MessageProcessor: a conversation's tracker,
    with a session started when it is new (as ``fetch_tracker_with_initial_session``)."""

    def __init__(self, tracker_store: InMemoryTrackerStore) -> None:
        self.tracker_store = tracker_store

    async def get_tracker(self, conversation_id: str) -> DialogueStateTracker:
        return await self.tracker_store.get_or_create_tracker(
            conversation_id, append_action_listen=False
        )

    async def fetch_tracker_with_initial_session(
        self, conversation_id: str, output_channel: Any = None, metadata: Any = None
    ) -> DialogueStateTracker:
        tracker = await self.get_tracker(conversation_id)
        if not tracker.events:
            for event in (
                ActionExecuted(ACTION_SESSION_START_NAME),
                SessionStarted(),
                ActionExecuted(ACTION_LISTEN_NAME),
            ):
                tracker.update(event)
        return tracker


BOT_ANSWER = "(the bot's answer)"


class FakeAgent:
    """Rasa's agent on ``app.ctx.agent``: its stores are Rasa's own (in memory, the
    tracker store publishing to a recording broker); a turn is only recorded."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.broker = RecordingBroker()
        self.tracker_store = InMemoryTrackerStore(domain, event_broker=self.broker)
        self.lock_store = InMemoryLockStore()
        self.processor = SessionProcessor(self.tracker_store)
        self.turns: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        """A turn: the message and an answer kept in the conversation (nothing sent)."""
        self.turns.append(message)
        await self.add(message.sender_id or "", [UserUttered(message.text), BotUttered(BOT_ANSWER)])

    def texts_to_rasa(self, sender_id: str) -> list[str | None]:
        return [m.text for m in self.turns if m.sender_id == sender_id]

    async def events(self, conversation_id: str) -> list[Event]:
        tracker = await self.tracker_store.retrieve(conversation_id)
        return list(tracker.events) if tracker is not None else []

    async def add(self, conversation_id: str, events: Sequence[Event]) -> None:
        """These events added to the conversation (a new one starts a session)."""
        tracker = await self.processor.fetch_tracker_with_initial_session(conversation_id)
        for event in events:
            tracker.update(event)
        await self.tracker_store.save(tracker)


_update_ids = itertools.count(500_000)


class SurveyServer:
    """The channels and the internal routes on Rasa's app (tests.conftest's
    DeliveryRouteServer), with a FakeAgent: webhooks in, surveys asked."""

    def __init__(self, route: DeliveryRouteServer | WhatsAppRouteServer, agent: FakeAgent) -> None:
        self.route = route
        self.agent = agent
        self.store = route.store
        self.client = route.client

    async def ask(self, body: Any, *, token: str | None = None) -> httpx.Response:
        """POST /internal/surveys (a dict as JSON)."""
        headers = {"Authorization": f"Bearer {self.route.token if token is None else token}"}
        content = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return await self.client.post("/internal/surveys", content=content, headers=headers)

    async def settle(self) -> None:
        """Wait until every accepted delivery was processed."""
        for channel in self.route.app.ctx.input_channels:
            if isinstance(channel, WebhookChannel):
                await channel._queues.drain()

    async def sms(self, number: str, text: str) -> None:
        """The customer texts ``text`` (Twilio's signed webhook), and it is processed."""
        from tests.channels.test_sms import WEBHOOK, inbound_form, sign

        form = inbound_form(number, text)
        response = await self.client.post(
            WEBHOOK, data=form, headers={"X-Twilio-Signature": sign(form)}
        )
        assert response.status_code == 200, response.text
        await self.settle()

    async def telegram(self, update: dict[str, Any]) -> None:
        response = await self.client.post(
            "/webhooks/telegram/webhook",
            content=json.dumps(update),
            headers={SECRET_TOKEN_HEADER: TELEGRAM_SECRET_TOKEN},
        )
        assert response.status_code == 200, response.text
        await self.settle()

    async def whatsapp(self, sender: str, text: str, **extra: str) -> None:
        """The customer writes on WhatsApp (``ListId=...`` for a list item chosen)."""
        from tests.channels.test_sms import sign
        from tests.channels.test_whatsapp import WEBHOOK, whatsapp_form

        form = whatsapp_form(sender, text, **extra)
        response = await self.client.post(
            WEBHOOK, data=form, headers={"X-Twilio-Signature": sign(form, PUBLIC_URL + WEBHOOK)}
        )
        assert response.status_code == 200, response.text
        await self.settle()

    async def messenger(self, *events: dict[str, Any]) -> None:
        from tests.channels.test_messenger import WEBHOOK, entry, page, signature

        body = page(entry(*events))
        response = await self.client.post(
            WEBHOOK, content=body, headers={"X-Hub-Signature-256": signature(body)}
        )
        assert response.status_code == 200, response.text
        await self.settle()


@pytest.fixture
async def survey_server(serve_delivery_route: ServeDeliveryRoute, domain: Domain) -> SurveyServer:
    """Every channel enabled, sending to the fake APIs, on an app with a FakeAgent."""
    route = await serve_delivery_route()
    agent = FakeAgent(domain)
    route.app.ctx.agent = agent
    return SurveyServer(route, agent)


# -- WhatsApp's surveys -------------------------------------------------------------------------

WHATSAPP_SENDER = f"whatsapp:{TWILIO_FROM_NUMBER}"


class WhatsAppRouteServer(LiveServer):
    """The WhatsApp channel and the internal routes on a Sanic app, mounted by Rasa's
    ``register`` (tests.conftest's DeliveryRouteServer mounts the other channels)."""

    def __init__(self, settings: Any, store: Any) -> None:
        from rasa.core.channels.channel import register

        from bot.channels.internal import DeliveryRoute, DeliveryRouteSettings
        from bot.channels.whatsapp import WhatsAppInput

        app = Sanic(f"rasa_{uuid.uuid4().hex}")
        channels = [
            WhatsAppInput(settings, store),
            DeliveryRoute(DeliveryRouteSettings(token=DELIVERY_TOKEN)),
        ]
        register(channels, app, route="/webhooks/")
        super().__init__(app)
        self.settings = settings
        self.store = store
        self.token = DELIVERY_TOKEN


ServeWhatsAppSurveys = Callable[..., Awaitable[SurveyServer]]


@pytest.fixture
async def serve_whatsapp_surveys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_twilio: FakeTwilio, domain: Domain
) -> AsyncIterator[ServeWhatsAppSurveys]:
    """Starts the WhatsApp channel, sending to the fake Twilio (Messages and Content APIs),
    on an app with a FakeAgent; ``templates`` is TWILIO_WHATSAPP_TEMPLATES (name: SID)."""
    from bot.channels.settings import ChannelSettings, TwilioSettings
    from bot.channels.store import ChannelStore

    monkeypatch.setattr(Sanic, "test_mode", True)
    started: list[WhatsAppRouteServer] = []

    async def start(templates: Mapping[str, str] | None = None) -> SurveyServer:
        settings = ChannelSettings(
            public_url=PUBLIC_URL,
            database_url=f"sqlite:///{tmp_path / f'channels-{len(started)}.db'}",
            timeout_s=5.0,
            twilio=TwilioSettings(
                account_sid=TWILIO_ACCOUNT_SID,
                auth_token=TWILIO_AUTH_TOKEN,
                whatsapp_from=WHATSAPP_SENDER,
                api_base_url=fake_twilio.url,
                content_api_base_url=fake_twilio.url,
                whatsapp_templates=tuple((templates or {}).items()),
            ),
        )
        server = await WhatsAppRouteServer(settings, ChannelStore(settings.database_url)).start()
        started.append(server)
        agent = FakeAgent(domain)
        server.app.ctx.agent = agent
        return SurveyServer(server, agent)

    yield start
    for server in started:
        await server.stop()
        server.store.close()

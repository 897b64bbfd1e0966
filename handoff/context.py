"""What the handoff service's routes share: :class:`ServiceContext`, the app's ``ctx``.

``handoff.service.create_app`` makes one and hands it to Sanic as the app's
``ctx``; every route, listener and installed part (the desk, the adapters)
reaches it through :func:`context_of`, typed, instead of reading untyped
attributes off ``app.ctx``. What it holds:

- made with the app: the settings, the OpenAPI document, the event hub that
  wakes the journal's readers, the hooks given to ``create_app``, the event
  streams' keep-alive and their count per caller;
- made when the server starts, closed when it stops (handoff.service's
  listeners): the store (:attr:`ServiceContext.store`), the default hooks'
  clients (Rasa's API, the delivery route), the broker consumer and the
  pickup watcher, the transcript reconciler, the retention purge;
- what ``handoff.desk.install`` and ``handoff.integrations.install`` add:
  the desk's parts (its settings, page, throttle and sessions), the
  adapters' settings and, while the server runs, their dispatcher.

Asked for while the server is not running, the store and the default hooks
raise :class:`~handoff.errors.NotRunning`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sanic import Sanic
from sanic.request import Request

from handoff.broker import Consumer
from handoff.delivery import RasaDelivery
from handoff.errors import NotRunning
from handoff.events import EventHub
from handoff.insights.keeper import RecordKeeper
from handoff.pickup import PickupWatcher
from handoff.rasa_client import RasaClient
from handoff.reconcile import TranscriptReconciler
from handoff.retention import Retention
from handoff.routing.router import Router
from handoff.settings import HandoffSettings
from handoff.store import Handoff, HandoffStore
from plumbing.privacy.owners import Owner
from plumbing.worker import Worker

if TYPE_CHECKING:
    # For their types only: these packages' routes import this module, and
    # importing a module of theirs runs their package's __init__ (its routes) first.
    from handoff.desk.parts import DeskParts
    from handoff.integrations.dispatcher import Dispatcher
    from handoff.integrations.settings import IntegrationSettings

# Sends an agent's reply to the customer: ``(channel, recipient_id, text)``;
# raises (handoff.delivery.DeliveryError) when it could not.
Deliver = Callable[[str, str, str], Awaitable[None]]
# Gives the conversation back to the bot when a handoff closes. True/False:
# the bot was (not) resumed; None: the hook does not say.
OnClose = Callable[[Handoff], Awaitable[bool | None]]


@dataclass(eq=False)
class ServiceContext:
    settings: HandoffSettings
    # GET /api/openapi.json, read once when the app is made.
    openapi_document: bytes
    # Seconds between an event stream's keep-alives (and its checks of the caller).
    keepalive_s: float
    # The hooks given to create_app; None: Rasa's (handoff.delivery.RasaDelivery,
    # handoff.rasa_client.RasaClient.hand_back), made when the server starts.
    deliver_hook: Deliver | None = None
    on_close_hook: OnClose | None = None
    # Whose stores a customer's export or erasure reads (handoff.routes.privacy); None:
    # this database and the Rasa and action servers' privacy routes. Tests replace it.
    privacy_owners: Callable[[], Sequence[Owner]] | None = None
    events: EventHub = field(default_factory=EventHub)
    # Open event streams per caller ("<role>:<name>").
    streams: Counter[str] = field(default_factory=Counter)

    # -- while the server runs (handoff.service's listeners) -----------------------------
    opened_store: HandoffStore | None = None
    delivery: RasaDelivery | None = None
    rasa: RasaClient | None = None
    broker: Consumer | None = None
    pickup: PickupWatcher | None = None
    reconciler: TranscriptReconciler | None = None
    records: RecordKeeper | None = None
    settler: Worker | None = None
    surveys: Worker | None = None  # handoff.surveys, with the broker and Rasa's delivery
    retention: Retention | None = None  # only with HANDOFF_RETENTION_DAYS set
    router: Router | None = None  # only with HANDOFF_AUTO_ASSIGN (handoff.routing)

    # -- what the desk and the adapters add (their install functions) --------------------
    desk: DeskParts | None = None
    integrations: IntegrationSettings | None = None
    dispatcher: Dispatcher | None = None  # while the server runs, with adapters on

    @property
    def store(self) -> HandoffStore:
        if self.opened_store is None:
            raise NotRunning("the handoff store is opened when the server starts")
        return self.opened_store

    @property
    def deliver(self) -> Deliver:
        if self.deliver_hook is not None:
            return self.deliver_hook
        if self.delivery is None:
            raise NotRunning("replies are delivered only while the server runs")
        return self.delivery

    @property
    def on_close(self) -> OnClose:
        if self.on_close_hook is not None:
            return self.on_close_hook
        if self.rasa is None:
            raise NotRunning("the bot is resumed only while the server runs")
        return self.rasa.hand_back


def context_of(source: Request | Sanic) -> ServiceContext:
    """The context of the app that serves ``source`` (a request, or the app itself)."""
    app = source.app if isinstance(source, Request) else source
    context = app.ctx
    if not isinstance(context, ServiceContext):
        raise TypeError(f"{app.name} was not made by handoff.service.create_app")
    return context

"""The handoff service against its OpenAPI document (handoff/openapi.yaml, served at
GET /api/openapi.json), fuzzed with schemathesis.

The fuzzing test starts the whole service (the desk, both adapters talking to
local fakes) on a free port in a thread of its own, with its own event loop:
schemathesis sends its requests synchronously (requests), which would block
a server running in the test's loop. Every operation is called with the data
schemathesis generates from the document (valid and invalid), as each kind
of caller: the admin token, an agent's token, a supervisor's desk session
(cookie and CSRF header) and no credentials at all; the two inbound webhooks
signed correctly and as generated. Every answer must be no 5xx, and must be
what the document says: a documented status, content type, headers and body.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from sanic import Sanic
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import make_url

from handoff.auth import CSRF_HEADER, SESSION_COOKIE, csrf_token_for
from handoff.context import context_of
from handoff.desk import DeskSettings
from handoff.desk import install as install_desk
from handoff.desk.accounts import AccountStore
from handoff.integrations import install as install_integrations
from handoff.integrations.settings import IntegrationSettings
from handoff.integrations.signatures import signed_headers, zendesk_sign
from handoff.openapi import OPENAPI_PATH, openapi_document
from handoff.privacy.stores import local_stores
from handoff.service import create_app
from handoff.settings import HandoffSettings
from plumbing.privacy.locations import HANDOFF, STORES, Location
from plumbing.privacy.owners import LocalOwner, LocalStores, Owner
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.zendesk import FakeZendesk
from tests.handoff.conftest import ADMIN_TOKEN, CloseRecorder, FakeDelivery, Service
from tests.handoff.desk.conftest import FAST_HASH, PASSWORD, handoff_body

T = TypeVar("T")

WEBHOOK_SECRET = "openapi-webhook-secret-" + "w" * 20
ZENDESK_SECRET = "openapi-zendesk-secret-" + "z" * 20
# Per operation and kind of caller; about a minute in all on two cores.
MAX_EXAMPLES = 30
CALLERS = ("admin", "agent", "supervisor-session", "none")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SIGNED = {"/api/integrations/webhook", "/api/integrations/zendesk"}
# Event streams never end: schemathesis reads one for this long, then cuts it short.
STREAM_READ_S = 0.1
SLOW_STREAM_READ_S = 3.0

SCHEMA = schemathesis.openapi.from_dict(
    openapi_document(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "mode": "all",  # valid data and invalid data
                "max-examples": MAX_EXAMPLES,
                # Credentials are the test's: each caller in turn, not random ones.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


# -- the service, in a thread ----------------------------------------------------------------


class ThreadedService:
    """The handoff service with the desk and both adapters, served from its own thread."""

    def __init__(self, database_url: str, webhook_url: str, zendesk_url: str) -> None:
        settings_ = HandoffSettings(
            database_url=database_url, admin_token=ADMIN_TOKEN, broker="none"
        )
        self.app = create_app(
            settings_,
            deliver=FakeDelivery(),
            on_close=CloseRecorder(),
            name=f"openapi_{uuid.uuid4().hex}",
        )
        install_desk(self.app, DeskSettings())
        context_of(self.app).privacy_owners = lambda: privacy_owners(database_url)
        install_integrations(
            self.app,
            IntegrationSettings(
                adapters=("webhook", "zendesk"),
                webhook_url=webhook_url,
                webhook_secret=WEBHOOK_SECRET,
                zendesk_url=zendesk_url,
                zendesk_email="api@example.com",
                zendesk_api_token="zendesk-api-token-" + "z" * 20,
                zendesk_webhook_secret=ZENDESK_SECRET,
                retry_base_s=0.05,
                retry_max_s=0.2,
                poll_s=0.05,
                timeout_s=2.0,
            ),
        )
        # Keep-alives often, so a stream schemathesis cut short is noticed soon.
        self.app.ctx.keepalive_s = 0.05
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Service | None = None
        self.url = ""

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` in the server's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    def start(self) -> ThreadedService:
        self._thread.start()
        self._server = self.run(Service(self.app).start())
        self.url = str(self._server.client.base_url).rstrip("/")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.run(self._server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def accounts(self) -> AccountStore:
        desk = context_of(self.app).desk
        assert desk is not None
        return desk.accounts


class Live:
    """The running service, and the credentials of each kind of caller."""

    def __init__(self, service: ThreadedService) -> None:
        self.service = service
        self.url = service.url
        self.agent_token = self._post("/api/agents", {"name": "ann"})["token"]
        self._post("/api/agents", {"name": "sue", "role": "supervisor"})
        service.run(service.accounts.set_password("sue", PASSWORD, FAST_HASH))
        # Some handoffs for the ids in the document's examples to name.
        for name in ("ann", "bob", "cid"):
            self._post("/api/handoffs", handoff_body(name))

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    def credentials(self, caller: str) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and cookies of one kind of caller."""
        if caller == "admin":
            return {"Authorization": f"Bearer {ADMIN_TOKEN}"}, {}
        if caller == "agent":
            return {"Authorization": f"Bearer {self.agent_token}"}, {}
        if caller == "supervisor-session":
            # A new session each time: a generated DELETE /api/session ends the one used.
            service = self.service
            token = service.run(service.accounts.start_session(_agent(service, "sue")))
            return {CSRF_HEADER: csrf_token_for(token)}, {SESSION_COOKIE: token}
        return {}, {}


def privacy_owners(database_url: str) -> list[Owner]:
    """The handoff database, and the other processes' stores as absent files: the
    privacy routes answer without a Rasa server or an action server to ask."""
    folder = Path(make_url(database_url).database or ".").parent
    others = {
        store: Location(store, f"sqlite:///{folder / f'{store}-absent.db'}")
        for store in STORES
        if store != HANDOFF
    }
    return [LocalOwner(LocalStores(others, {})), LocalOwner(local_stores(database_url))]


def _agent(service: ThreadedService, name: str) -> Any:
    for agent in service.run(service.accounts.enabled_agents()):
        if agent.name == name:
            return agent
    raise AssertionError(f"no agent {name}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    # Several Sanic apps in one process need test mode (see tests.live_server).
    test_mode = Sanic.test_mode
    Sanic.test_mode = True
    database = tmp_path_factory.mktemp("openapi") / "handoff.db"
    receiver = FakeWebhookReceiver(WEBHOOK_SECRET).start()
    zendesk = FakeZendesk("api@example.com", "zendesk-api-token-" + "z" * 20).start()
    service = ThreadedService(f"sqlite:///{database}", receiver.endpoint, zendesk.url).start()
    try:
        yield Live(service)
    finally:
        service.stop()
        receiver.stop()
        zendesk.stop()
        Sanic.test_mode = test_mode


# -- sending a case ------------------------------------------------------------------------------


def _signed_call(case: schemathesis.Case, live: Live) -> requests.Response:
    """The webhook request schemathesis generated, signed as its sender would sign it."""
    kwargs = case.as_transport_kwargs(base_url=live.url)
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
    else:
        data = kwargs.pop("data", b"")
        body = data.encode() if isinstance(data, str) else bytes(data or b"")
    headers = dict(kwargs.pop("headers") or {})
    if case.operation.path == "/api/integrations/webhook":
        headers.update(signed_headers(WEBHOOK_SECRET, body))
    else:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        headers["X-Zendesk-Webhook-Signature-Timestamp"] = stamp
        headers["X-Zendesk-Webhook-Signature"] = zendesk_sign(ZENDESK_SECRET, stamp, body)
    return requests.request(data=body, headers=headers, timeout=10, **kwargs)


def send(case: schemathesis.Case, live: Live, caller: str) -> None:
    if case.operation.path in SIGNED and caller != "none":
        case.validate_response(_signed_call(case, live), checks=CHECKS)
        return
    headers, cookies = live.credentials(caller)
    if case.operation.path != "/api/events":
        response = case.call(base_url=live.url, headers=headers, cookies=cookies, timeout=10)
    else:
        try:
            response = case.call(
                base_url=live.url, headers=headers, cookies=cookies, timeout=STREAM_READ_S
            )
        except requests.exceptions.ReadTimeout:
            # On a busy machine the stream's first bytes can take longer than
            # the cut-off: once more, with time to answer.
            response = case.call(
                base_url=live.url, headers=headers, cookies=cookies, timeout=SLOW_STREAM_READ_S
            )
    case.validate_response(response, checks=CHECKS)


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_for_every_caller(
    case: schemathesis.Case, live: Live
) -> None:
    for caller in CALLERS:
        send(case, live, caller)


async def test_the_document_is_served_without_credentials(service: Service) -> None:
    response = await service.client.get(OPENAPI_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == openapi_document()
    assert response.json()["openapi"].startswith("3.")


def test_the_document_describes_every_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    settings_ = HandoffSettings(database_url=f"sqlite:///{tmp_path / 'h.db'}", admin_token="x")
    app = create_app(settings_, name=f"routes_{uuid.uuid4().hex}")
    install_desk(app, DeskSettings())
    install_integrations(
        app,
        IntegrationSettings(
            adapters=("webhook", "zendesk"),
            webhook_url="http://127.0.0.1:9/hook",
            webhook_secret=WEBHOOK_SECRET,
            zendesk_url="https://example.zendesk.com",
            zendesk_email="api@example.com",
            zendesk_api_token="t" * 20,
            zendesk_webhook_secret=ZENDESK_SECRET,
        ),
    )
    served = set()
    for route in app.router.routes:
        # Sanic writes <name:type>; OpenAPI writes {name}.
        path = "/" + "/".join(
            "{" + part[1:-1].split(":")[0] + "}" if part.startswith("<") else part
            for part in route.path.split("/")
        )
        served |= {(method.lower(), path.replace("//", "/")) for method in route.methods}
    served = {(method, path) for method, path in served if method not in ("head", "options")}
    document = openapi_document()
    described = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert served == described

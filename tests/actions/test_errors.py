"""actions.errors: every error of the action server answers as JSON, and says only what it may.

Served for real (tests/live_server.py) by actions.server's app, whose one
error handler renders them; test_server.py covers the documented answers of
/webhook (401, 403, 413, 415, rasa-sdk's 400 and 404) route by route.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.types import DomainDict
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.api.handoff import HandoffApiError, HandoffRejected, HandoffUnavailable
from actions.backend import BackendUnavailable
from actions.errors import (
    ACTION_FAILED,
    INTERNAL_ERROR,
    ActionServerError,
    CallRefused,
    MissingToken,
)
from actions.handoff_outbox import OutboxUnavailable
from actions.server import create_app
from actions.settings import ActionSettings
from tests.actions.test_server import AUTH, TOKEN, FakeSender, action_call
from tests.live_server import LiveServer

# What an error's own text may carry, and no answer may.
CUSTOMER_DATA = "alice.martin@example.com, 12 Harbour Street"


class LeakyBackendAction(Action):
    """An action that lets the backend's error escape, its message quoting a customer."""

    def name(self) -> str:
        return "action_leaky"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        raise BackendUnavailable(f"lookup of {CUSTOMER_DATA} failed")


@pytest.fixture(autouse=True)
def _several_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The action server, with one leaky action and an open route per error to raise."""
    executor = ActionExecutor()
    executor.register_action(LeakyBackendAction())
    app = create_app(
        ActionSettings(token=TOKEN),
        executor=executor,
        sender=FakeSender(),  # type: ignore[arg-type]
    )
    raisers: dict[str, Callable[[], Exception]] = {
        "backend": lambda: BackendUnavailable(f"customer {CUSTOMER_DATA} vanished"),
        "handoff": lambda: HandoffRejected(401, f"bad token for {CUSTOMER_DATA}"),
        "outbox": lambda: OutboxUnavailable(f"disk full writing {CUSTOMER_DATA}"),
        "refused": lambda: CallRefused("the body says nothing"),
        "unexpected": lambda: KeyError(CUSTOMER_DATA),
    }

    @app.get("/raise/<kind>", ctx_open=True)
    async def raise_one(_request: Request, kind: str) -> HTTPResponse:
        raise raisers[kind]()

    server = await LiveServer(app).start()
    yield server.client
    await server.stop()


async def test_an_error_escaping_an_action_is_a_500_that_echoes_nothing(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Even one of our own errors, with a 503 of its own: the action failed.
    call = action_call("action_leaky", "secret-sender")

    with caplog.at_level(logging.ERROR, logger="actions.server"):
        response = await client.post("/webhook", json=call, headers=AUTH)

    assert (response.status_code, response.json()) == (500, {"error": ACTION_FAILED})
    assert "secret-sender" not in response.text and "alice" not in response.text
    # The log has what an operator needs: which action, and why.
    assert "action_leaky failed" in caplog.text and "BackendUnavailable" in caplog.text
    assert "secret-sender" not in caplog.text


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("backend", 503, {"error": "the company's systems are unavailable; try again later"}),
        ("handoff", 502, {"error": "the handoff service did not take the handoff"}),
        ("outbox", 500, {"error": INTERNAL_ERROR}),
        ("refused", 400, {"error": "the body says nothing"}),
        ("unexpected", 500, {"error": INTERNAL_ERROR}),
    ],
)
async def test_an_error_raised_by_a_route_answers_its_status_and_only_its_public_message(
    client: httpx.AsyncClient, kind: str, status: int, body: dict[str, str]
) -> None:
    response = await client.get(f"/raise/{kind}")

    assert (response.status_code, response.json()) == (status, body)
    assert "alice" not in response.text


async def test_sanics_own_errors_answer_in_the_same_shape(client: httpx.AsyncClient) -> None:
    unknown_route = await client.get("/nowhere", headers=AUTH)
    wrong_method = await client.get("/webhook", headers=AUTH)

    assert unknown_route.status_code == 404 and set(unknown_route.json()) == {"error"}
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"error"}


def test_every_error_of_the_service_has_the_one_root() -> None:
    for error in (BackendUnavailable, HandoffUnavailable, HandoffRejected, OutboxUnavailable):
        assert issubclass(error, ActionServerError)
    assert issubclass(HandoffRejected, HandoffApiError)
    # The service's answer and ours are two attributes, not one reused.
    rejected = HandoffRejected(401, "wrong token")
    assert (rejected.service_status, rejected.http_status) == (401, 502)
    assert MissingToken("no token").headers == {"WWW-Authenticate": "Bearer"}

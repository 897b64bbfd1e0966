"""actions.server: only the Rasa server gets actions run, within size limits, without CORS.

The app is served for real on a free port (tests/live_server.py). Most tests
run a recording action of their own; the probe's cancellation runs the real
``actions`` package against the fake backend.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict
from sanic import Sanic

import actions.common
import actions.server
from actions.backend import OrderStatus
from actions.server import (
    PARSE_ON_LOOP_BYTES,
    create_app,
    decode_action_call,
    main,
    start_training_escalation_models,
    train_escalation_models,
)
from actions.settings import ActionSettings
from handoff.escalation import EscalationSettings
from tests.actions.conftest import FakeBackend, Make
from tests.fakes.handoff import FakeHandoffService
from tests.live_server import LiveServer

TOKEN = "actions-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MIB = 1024 * 1024


class RecordingAction(Action):
    """Says hello and sets a slot; remembers every sender it ran for."""

    def __init__(self) -> None:
        self.ran_for: list[str] = []

    def name(self) -> str:
        return "action_record"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        self.ran_for.append(tracker.sender_id)
        dispatcher.utter_message(text="hello")
        return [SlotSet("seen", True)]


class RejectingAction(Action):
    def name(self) -> str:
        return "action_reject"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        raise ActionExecutionRejection("action_reject", "not now")


class CrashingAction(Action):
    def name(self) -> str:
        return "action_crash"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        raise RuntimeError("the backend client broke")


def action_call(action: str = "action_record", sender: str = "demo-alice", **slots: Any) -> dict:
    """An action call as Rasa posts it (the parts rasa-sdk reads)."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "hi", "intent": {}, "entities": []},
            "events": [{"event": "user", "text": "hi", "input_channel": "rest"}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {"slots": {}, "responses": {}},
    }


class FakeSender:
    """A HandoffSender stand-in: these tests are not about the outbox."""

    def kick(self) -> None:
        pass

    async def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _several_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sanic 21.12 refuses a second app of the same name outside test mode.
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def recorder() -> RecordingAction:
    return RecordingAction()


@pytest.fixture
def executor(recorder: RecordingAction) -> ActionExecutor:
    executor = ActionExecutor()
    for action in (recorder, RejectingAction(), CrashingAction()):
        executor.register_action(action)
    return executor


Serve = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def serve(executor: ActionExecutor) -> AsyncIterator[Serve]:
    """Starts the action server with the test token (and ``settings`` overrides)."""
    servers: list[LiveServer] = []

    async def start(executor: ActionExecutor = executor, **settings: Any) -> httpx.AsyncClient:
        app = create_app(
            ActionSettings(token=TOKEN, **settings),
            executor=executor,
            sender=FakeSender(),  # type: ignore[arg-type]
        )
        server = await LiveServer(app).start()
        servers.append(server)
        return server.client

    yield start
    for server in servers:
        await server.stop()


# --- finding 1: the shared secret ------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Bearer wrong-token-0123456789"}, 403),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403),
        # Not ASCII: refused like any wrong token, not a 500.
        ({"Authorization": "Bearer t\u00f6ken-0123456789".encode()}, 403),
    ],
)
async def test_a_call_without_the_right_token_is_refused_and_runs_nothing(
    serve: Serve, recorder: RecordingAction, headers: dict[str, Any], status: int
) -> None:
    client = await serve()

    response = await client.post("/webhook", json=action_call(), headers=headers)

    assert response.status_code == status
    assert "error" in response.json()
    assert recorder.ran_for == []
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_right_token_runs_the_action_with_rasa_sdks_answer(
    serve: Serve, recorder: RecordingAction
) -> None:
    client = await serve()

    response = await client.post(
        "/webhook", json=action_call(), headers={"Authorization": f"bearer {TOKEN}"}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "events": [{"event": "slot", "timestamp": None, "name": "seen", "value": True}],
        "responses": [
            {
                "text": "hello",
                "buttons": [],
                "elements": [],
                "custom": {},
                "template": None,
                "response": None,
                "image": None,
                "attachment": None,
            }
        ],
    }
    assert recorder.ran_for == ["demo-alice"]


async def test_the_probes_forged_cancellation_is_refused(
    serve: Serve, fake_backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe's exploit, with the real actions: a hand-built tracker cancelling Alice's order."""
    monkeypatch.setattr(actions.common, "_shared_backend", fake_backend)
    executor = ActionExecutor()
    executor.register_package("actions")
    client = await serve(executor)
    forged = action_call(
        "action_cancel_order", "demo-alice", order_id="34567890", cancel_confirmed=True
    )

    refused = await client.post("/webhook", json=forged)

    assert refused.status_code == 401
    assert fake_backend.cancellations == []
    assert fake_backend.orders["34567890"].status is OrderStatus.PROCESSING
    # The same call from the Rasa server (with the token) does what it says.
    done = await client.post("/webhook", json=forged, headers=AUTH)
    assert done.status_code == 200, done.text
    assert fake_backend.cancellations == ["34567890"]


async def test_the_action_list_needs_the_token_and_health_does_not(
    serve: Serve, recorder: RecordingAction
) -> None:
    client = await serve()

    assert (await client.get("/actions")).status_code == 401
    listed = await client.get("/actions", headers=AUTH)
    assert listed.status_code == 200
    assert {"name": "action_record"} in listed.json()
    health = await client.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


async def test_every_route_but_health_ready_metrics_and_privacy_needs_the_token(
    serve: Serve, executor: ActionExecutor
) -> None:
    app = create_app(ActionSettings(token=TOKEN), executor=executor)
    client = await serve()

    open_routes = {route.path for route in app.router.routes if getattr(route.ctx, "open", False)}

    # /metrics has its own token, ACTIONS_METRICS_TOKEN (tests/actions/test_metrics.py);
    # /privacy too, HANDOFF_ADMIN_TOKEN (tests/test_privacy.py).
    assert open_routes == {"health", "ready", "metrics", "privacy"}
    # Sanic also routes the path with a trailing slash: closed all the same.
    assert (await client.post("/webhook/", json=action_call())).status_code == 401
    # Without HANDOFF_ADMIN_TOKEN here, /privacy takes no token, not even ACTIONS_TOKEN.
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert (await client.post("/privacy", json={}, headers=headers)).status_code == 401


def test_the_server_refuses_to_start_without_the_token(executor: ActionExecutor) -> None:
    with pytest.raises(ValueError, match="ACTIONS_TOKEN is not set"):
        create_app(ActionSettings(), executor=executor)


def test_main_names_the_missing_token_and_exits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ACTIONS_TOKEN", raising=False)
    started: list[Any] = []
    monkeypatch.setattr(Sanic, "run", lambda *args, **kwargs: started.append(args))

    assert main(["--port", "5999"]) == 2

    assert "ACTIONS_TOKEN is not set" in capsys.readouterr().err
    assert started == []


def test_main_trains_the_escalation_models_as_the_server_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTIONS_TOKEN", TOKEN)
    monkeypatch.setattr(Sanic, "run", lambda *args, **kwargs: None)
    registered: list[tuple[Any, str]] = []
    register = Sanic.register_listener

    def recording(app: Sanic, listener: Any, event: str) -> Any:
        registered.append((listener, event))
        return register(app, listener, event)

    monkeypatch.setattr(Sanic, "register_listener", recording)

    assert main(["--port", "5999"]) == 0

    assert (train_escalation_models, "after_server_start") in registered


def test_the_models_train_in_a_thread_with_the_handoff_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What action_handoff decides with: the HANDOFF_* variables.
    monkeypatch.setenv("HANDOFF_CONVERSATION_MODEL_THRESHOLD_ES", "1")
    trained: list[tuple[str, EscalationSettings]] = []
    monkeypatch.setattr(
        actions.server,
        "train_models",
        lambda settings: trained.append((threading.current_thread().name, settings)),
    )

    thread = start_training_escalation_models()
    thread.join(timeout=10)

    assert [name for name, _ in trained] == ["escalation-models"]
    assert trained[0][1].conversation_model_threshold_es == 1.0
    assert thread.daemon  # a stop does not wait for it


def test_models_that_fail_to_train_are_logged_and_the_server_stays_up(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing(_settings: EscalationSettings) -> None:
        raise FileNotFoundError("no labelled conversations")

    monkeypatch.setattr(actions.server, "train_models", missing)

    with caplog.at_level(logging.ERROR, logger="actions.server"):
        start_training_escalation_models().join(timeout=10)

    assert "could not train the escalation models" in caplog.text


# --- finding 2: no CORS -------------------------------------------------------------


async def test_no_cors_headers_for_any_origin(serve: Serve) -> None:
    client = await serve()
    origin = {"Origin": "https://evil.example"}

    preflight = await client.options(
        "/webhook",
        headers={**origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"},
    )  # fmt: skip
    responses = [
        preflight,
        await client.get("/health", headers=origin),
        await client.get("/actions", headers={**origin, **AUTH}),
        await client.post("/webhook", json=action_call(), headers={**origin, **AUTH}),
        await client.post("/webhook", json=action_call(), headers=origin),
    ]

    assert [r.status_code for r in responses][1:] == [200, 200, 200, 401]
    for response in responses:
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]


# --- finding 3: sizes and malformed bodies -----------------------------------------


async def test_a_deflate_bomb_is_refused_before_it_is_inflated(
    serve: Serve, recorder: RecordingAction, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve()
    # The probe's bomb: about 20 KB that inflate to 20 MiB (the limit is 8 MiB).
    bomb = zlib.compress(b"[" + b" " * (20 * MIB) + b"]", 9)
    assert len(bomb) < 30_000

    with caplog.at_level(logging.WARNING, logger="actions.server"):
        response = await client.post(
            "/webhook",
            content=bomb,
            headers={**AUTH, "Content-Encoding": "deflate", "Content-Type": "application/json"},
        )

    assert response.status_code == 413
    assert "error" in response.json()
    assert recorder.ran_for == []
    assert "ACTIONS_MAX_BODY_BYTES" in caplog.text


async def test_a_deflated_call_within_the_limit_runs(
    serve: Serve, recorder: RecordingAction
) -> None:
    client = await serve(max_body_bytes=64 * 1024)
    call = action_call()
    # A long conversation, as Rasa compresses it (COMPRESS_ACTION_SERVER_REQUEST).
    call["tracker"]["events"] *= 1000
    raw = json.dumps(call).encode()
    assert 32 * 1024 < len(raw) < 64 * 1024

    response = await client.post(
        "/webhook",
        content=zlib.compress(raw),
        headers={**AUTH, "Content-Encoding": "deflate", "Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert recorder.ran_for == ["demo-alice"]


async def test_a_large_call_is_parsed_off_the_event_loop_and_runs(
    serve: Serve, recorder: RecordingAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await serve()
    threads: list[Any] = []
    to_thread = asyncio.to_thread

    async def recording_to_thread(function: Any, *args: Any) -> Any:
        threads.append(function)
        return await to_thread(function, *args)

    monkeypatch.setattr(asyncio, "to_thread", recording_to_thread)
    small = action_call()
    large = action_call(sender="demo-bob")
    # A long conversation: over what is parsed on the event loop.
    large["tracker"]["events"] *= 10_000
    assert len(json.dumps(large)) > PARSE_ON_LOOP_BYTES

    for call in (small, large):
        response = await client.post("/webhook", json=call, headers=AUTH)
        assert response.status_code == 200, response.text

    assert recorder.ran_for == ["demo-alice", "demo-bob"]
    assert threads == [decode_action_call]


async def test_a_body_over_the_limit_is_refused_as_sent(
    serve: Serve, recorder: RecordingAction
) -> None:
    client = await serve(max_body_bytes=64 * 1024)
    call = action_call()
    call["tracker"]["events"] *= 2000
    raw = json.dumps(call).encode()
    assert len(raw) > 64 * 1024

    declared = await status_or_reset(client.post("/webhook", content=raw, headers=AUTH))

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 8192):
            yield raw[start : start + 8192]

    # Chunked: no Content-Length to refuse up front, so the count stops it.
    streamed = await status_or_reset(client.post("/webhook", content=chunks(), headers=AUTH))

    assert declared in (413, "reset") and streamed in (413, "reset")
    assert recorder.ran_for == []


async def status_or_reset(request: Awaitable[httpx.Response]) -> int | str:
    """The status; or "reset" when the server closed before the client sent it all.

    Sanic answers 413 and closes the connection without reading the rest of
    the body; whether the client reads the 413 before the reset depends on
    socket buffers.
    """
    try:
        return (await request).status_code
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        return "reset"


async def test_a_deflated_body_inflating_past_the_limit_is_refused(
    serve: Serve, recorder: RecordingAction
) -> None:
    client = await serve(max_body_bytes=64 * 1024)
    call = action_call()
    call["tracker"]["events"] *= 2000
    compressed = zlib.compress(json.dumps(call).encode())
    assert len(compressed) < 64 * 1024

    response = await client.post(
        "/webhook", content=compressed, headers={**AUTH, "Content-Encoding": "deflate"}
    )

    assert response.status_code == 413
    assert recorder.ran_for == []


def test_the_request_size_is_capped_on_the_app(executor: ActionExecutor) -> None:
    app = create_app(ActionSettings(token=TOKEN), executor=executor)
    assert app.config.REQUEST_MAX_SIZE == 8 * MIB
    app = create_app(ActionSettings(token=TOKEN, max_body_bytes=1234), executor=executor)
    assert app.config.REQUEST_MAX_SIZE == 1234


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"{not json", None, 400),
        (b"\xff\xfe", None, 400),
        (b"[" * 100_000 + b"]" * 100_000, None, 400),
        (b'{"a": ' + b"[" * 33 + b"1" + b"]" * 33 + b"}", None, 400),
        (b"[]", None, 400),
        (b'{"next_action": "action_record"}', None, 400),
        (b'{"next_action": "action_record", "tracker": {"slots": {}}}', None, 400),
        (json.dumps({**action_call(), "domain": []}).encode(), None, 400),
        (json.dumps({**action_call(), "version": 3.6}).encode(), None, 400),
        (json.dumps({**action_call(), "next_action": ""}).encode(), None, 400),
        (b"", None, 400),
        (b"not deflate at all", "deflate", 400),
        (zlib.compress(json.dumps(action_call()).encode()) + b"trailing", "deflate", 400),
        (zlib.compress(json.dumps(action_call()).encode())[:-3], "deflate", 400),
        (zlib.compress(json.dumps(action_call()).encode()), "gzip", 415),
    ],
    ids=["malformed", "not-utf8", "deep", "deeper-than-32", "not-an-object", "no-tracker",
         "no-sender", "domain-not-object", "version-not-text", "no-action", "empty",
         "bad-deflate", "trailing-data", "truncated", "gzip"],
)  # fmt: skip
async def test_a_body_that_is_no_action_call_is_a_400_and_runs_nothing(
    serve: Serve, recorder: RecordingAction, body: bytes, encoding: str | None, status: int
) -> None:
    client = await serve()
    headers = {**AUTH, **({"Content-Encoding": encoding} if encoding else {})}

    response = await client.post("/webhook", content=body, headers=headers)

    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}
    assert recorder.ran_for == []


# --- rasa-sdk's answers, kept -------------------------------------------------------


async def test_a_rejection_and_an_unknown_action_keep_rasa_sdks_shape(serve: Serve) -> None:
    client = await serve()

    rejected = await client.post("/webhook", json=action_call("action_reject"), headers=AUTH)
    unknown = await client.post("/webhook", json=action_call("action_nope"), headers=AUTH)

    assert rejected.status_code == 400
    assert rejected.json() == {"error": "not now", "action_name": "action_reject"}
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": "No registered action found for name 'action_nope'.",
        "action_name": "action_nope",
    }


async def test_a_crashing_action_is_logged_and_echoes_nothing(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve()
    call = action_call("action_crash", "secret-sender")

    with caplog.at_level(logging.ERROR, logger="actions.server"):
        response = await client.post("/webhook", json=call, headers=AUTH)

    assert response.status_code == 500
    assert "secret-sender" not in response.text and "the backend client" not in response.text
    assert "action_crash failed" in caplog.text and "secret-sender" not in caplog.text


# --- finding 4: where it listens ------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "argv", "host", "port"),
    [
        ({}, [], "127.0.0.1", 5055),
        ({"ACTIONS_HOST": " "}, ["--port", "6001"], "127.0.0.1", 6001),
        ({"ACTIONS_HOST": "0.0.0.0", "ACTIONS_PORT": "6002"}, [], "0.0.0.0", 6002),
    ],
)
def test_main_listens_on_loopback_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    argv: list[str],
    host: str,
    port: int,
) -> None:
    for name in ("ACTIONS_HOST", "ACTIONS_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"ACTIONS_TOKEN": TOKEN, **environ}.items():
        monkeypatch.setenv(name, value)
    started: list[tuple[Any, ...]] = []
    monkeypatch.setattr(Sanic, "run", lambda self, *args, **kwargs: started.append(args))

    assert main(argv) == 0

    assert started == [(host, port)]


# --- the outbox's forwarder -------------------------------------------------------


async def test_pending_handoffs_are_delivered_at_start_up_without_an_escalation(
    make_sender: Make, service: FakeHandoffService, executor: ActionExecutor
) -> None:
    sender = await make_sender(service.url)
    # Written before a crash: due now, and no escalation will come to kick the forwarder.
    await sender.outbox.add("e-1", {"escalation_id": "e-1"}, first_attempt_in_s=0)
    service.down = True

    app = create_app(ActionSettings(token=TOKEN), executor=executor, sender=sender, every_s=0.05)
    server = await LiveServer(app).start()
    try:
        health = await server.client.get("/health")
        assert health.status_code == 200
        await asyncio.sleep(0.2)
        assert service.handoffs == {}
        # Retried with backoff: the handoff arrives once the service is back.
        service.down = False
        for _ in range(100):
            if await sender.outbox.pending_count() == 0:
                break
            await asyncio.sleep(0.05)
        assert list(service.handoffs) == ["e-1"]
        assert await sender.outbox.pending_count() == 0
    finally:
        await server.stop()

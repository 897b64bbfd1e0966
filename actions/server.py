"""The action server: rasa-sdk's actions behind our own HTTP front, plus the outbox's forwarder.

    python -m actions.server [--port 5055]   (ACTIONS_HOST, ACTIONS_PORT, ACTIONS_TOKEN, ...:
                                              see actions/settings.py)

Routes, and what each answers (every body is JSON)::

    GET  /health    {"status": "ok"}; open, for the launcher and health probes
    GET  /ready     {"status": "ready"}, or 503 {"status": "not ready", "reason"}: whether
                    the outbox's database answers (actions.metrics); open
    GET  /metrics   Prometheus metrics (actions.metrics); open, or with
                    ACTIONS_METRICS_TOKEN set, that bearer token (not ACTIONS_TOKEN)
    GET  /actions   [{"name": ...}, ...]: the registered actions
    POST /privacy   this server's share of a customer's export or erasure (the outbox, the
                    business database: actions.privacy), for the handoff service's admin
                    route; with HANDOFF_ADMIN_TOKEN, not ACTIONS_TOKEN (plumbing.privacy.owners)
    POST /webhook   an action call from the Rasa server (rasa-sdk's protocol):
        200  {"events": [...], "responses": [...]}
        400  {"error", "action_name"}: the action rejected the call (rasa-sdk's
             shape, which Rasa turns into "predict something else");
             {"error"}: not JSON, nested too deep, not an action call
        401  {"error"}: no bearer token        403  {"error"}: the wrong one
        404  {"error", "action_name"}: no such action (rasa-sdk's shape)
        413  {"error"}: over ACTIONS_MAX_BODY_BYTES, as sent or once inflated
        415  {"error"}: a Content-Encoding other than deflate
        500  {"error"}: the action crashed (logged here; nothing of the call is echoed)

Errors are raised as the classes of :mod:`actions.errors` (each knows its
status and what the caller may read) and answered by one error handler,
:func:`error_response`, which also gives Sanic's own errors (an unknown
route, a wrong method) the same ``{"error"}`` shape, and anything unexpected
a 500 that echoes nothing.

Every route but /health, /ready, /metrics and /privacy needs
``Authorization: Bearer $ACTIONS_TOKEN`` (compared in constant time, before
the body is read): the only caller is the
Rasa server, which sends it from ``endpoints.yml``. Without it, anyone who
reached the port could post a hand-made tracker and cancel any customer's
order as them.

Why not ``rasa_sdk.endpoint.create_app``: it trusts every caller and offers no
hook to check one before the body is read, answers every cross-origin request
with that origin allowed (sanic_cors), inflates ``deflate`` bodies without a
limit (20 KB became 20 MiB), and echoes the whole tracker in its 500s. We keep
its :class:`~rasa_sdk.executor.ActionExecutor`, which is the protocol, and
its response shapes, which Rasa parses. No CORS headers at all: no browser
has any business here.

rasa-sdk's own ``python -m rasa_sdk`` offers no start-up hook for our code
either, so the listeners are added here: the forwarder delivers what the
outbox holds as soon as the server is up (escalations written before a crash
or while the handoff service was down), and is kicked again every
``KICK_EVERY_S`` seconds, so one that stopped on an error resumes without
waiting for the next escalation. The escalation models ``action_handoff``
recomputes its decision with are trained in a thread as the server starts
(:func:`train_escalation_models`), not on the first Spanish handoff.

What the server loaded at start-up (rasa-sdk, Sanic, SQLAlchemy, the
actions) is moved out of the garbage collector's sight with
:func:`gc.freeze` before it serves (as the Rasa server does with its model,
bot/rasa_patches.py): its full collections then walk only what calls
allocate. A call's body is parsed on the event loop when it is small (every
call Rasa makes here: tens of KB), in a worker thread when it is large:
the hop to a thread and back costs two turns of the event loop, which under
load are longer than parsing a small body.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hmac
import logging
import sys
import threading
import zlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rasa_sdk import utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, json

from actions.errors import (
    INTERNAL_ERROR,
    ActionFailed,
    ActionNotFound,
    ActionRejected,
    ActionServerError,
    CallTooLarge,
    MalformedCall,
    MissingToken,
    UnsupportedEncoding,
    WrongToken,
)
from actions.handoff import shared_sender
from actions.handoff_outbox import HandoffSender, Outbox
from actions.metrics import ENV_PREFIX as METRICS_ENV_PREFIX
from actions.metrics import ActionMetrics, not_ready_because
from actions.privacy import local_stores
from actions.settings import ActionSettings
from handoff.escalation import EscalationSettings, train_models
from plumbing.log_masking import install_log_masking
from plumbing.logs import configure_logging
from plumbing.metrics import METRICS_PATH, MetricsSettings, measure_requests, metrics_handler
from plumbing.privacy.owners import answer as privacy_answer
from plumbing.untrusted import UntrustedInput, header_bytes, parse_json

logger = logging.getLogger(__name__)

KICK_EVERY_S = 30.0
ACTIONS_PACKAGE = "actions"
BEARER = b"bearer "  # the scheme is case-insensitive (RFC 7235)
# Bodies up to this size (as sent, not deflated) are parsed on the event loop.
PARSE_ON_LOOP_BYTES = 256 * 1024


async def keep_forwarding(sender: HandoffSender, every_s: float = KICK_EVERY_S) -> None:
    """Kick the forwarder now and every ``every_s`` seconds: it starts, or looks for due rows."""
    while True:
        sender.kick()
        await asyncio.sleep(every_s)


def check_token(request: Request, expected: bytes) -> None:
    """Raise 401 without a bearer token, 403 with the wrong one."""
    header = header_bytes(request.headers.get("authorization"))
    if header is None or header[: len(BEARER)].lower() != BEARER:
        # Logged (never the header): a Rasa server without ACTIONS_TOKEN, or a probe.
        logger.warning("refused a call without a bearer token from %s", request.ip)
        raise MissingToken("this server answers the Rasa server only")
    if not hmac.compare_digest(header[len(BEARER) :].strip(), expected):
        logger.warning("refused a call with the wrong token from %s", request.ip)
        raise WrongToken("wrong token")


async def read_body(request: Request, limit: int) -> bytes:
    """The body of a streamed request; CallTooLarge once it passes ``limit`` bytes.

    Sanic lifts its own REQUEST_MAX_SIZE for streamed routes, so the count is ours.
    """
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise CallTooLarge(f"the body is over {limit} bytes")
    if request.stream is None:
        return b""
    body = bytearray()
    while (chunk := await request.stream.read()) is not None:
        body += chunk
        if len(body) > limit:
            raise CallTooLarge(f"the body is over {limit} bytes")
    return bytes(body)


def inflate(body: bytes, limit: int) -> bytes:
    """A ``Content-Encoding: deflate`` body (zlib format, as aiohttp sends it), at most ``limit``.

    ``max_length`` stops the inflating one byte past the limit: a bomb costs
    ``limit`` bytes of memory, never what it would grow to.
    """
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise MalformedCall("the body is not valid deflate data") from None
    if len(data) > limit:
        raise CallTooLarge(f"the body is over {limit} bytes once inflated")
    if not inflater.eof or inflater.unused_data:
        raise MalformedCall("the body is not valid deflate data")
    return data


def decode_action_call(body: bytes, encoding: str, limit: int) -> dict[str, Any]:
    """The action call in a body as received; CallRefused errors for what is wrong with it."""
    if encoding == "deflate":
        body = inflate(body, limit)
    elif encoding not in ("", "identity"):
        raise UnsupportedEncoding("only Content-Encoding: deflate is supported")
    try:
        call = parse_json(body)
    except UntrustedInput as error:
        raise MalformedCall(str(error)) from None
    if not is_action_call(call):
        raise MalformedCall("the body is not an action call (next_action, tracker, domain)")
    return dict(call)


def is_action_call(call: Any) -> bool:
    """Whether ``call`` has the parts rasa-sdk reads without checking (a 500 otherwise)."""
    if not isinstance(call, dict):
        return False
    tracker = call.get("tracker")
    return (
        isinstance(call.get("next_action"), str)
        and bool(call["next_action"])
        and isinstance(tracker, dict)
        and isinstance(tracker.get("sender_id"), str)
        and isinstance(call.get("domain", {}), dict)
        and isinstance(call.get("version", ""), str)
    )


async def run_action(executor: ActionExecutor, call: dict[str, Any]) -> dict[str, Any] | None:
    """rasa-sdk's answer to ``call``: the events and responses; an ActionServerError if none.

    Whatever the action raises, even one of our own errors, is an
    ActionFailed: its message may quote the tracker, so it is logged (by
    :func:`error_response`, with the traceback) and never answered.
    """
    action_name = call["next_action"]
    try:
        return await executor.run(call)
    except ActionExecutionRejection as error:
        logger.debug("%s rejected the call: %s", action_name, error.message)
        raise ActionRejected(error.message, error.action_name) from error
    except ActionNotFoundException as error:
        logger.error("Rasa called an action this server does not have: %s", action_name)
        raise ActionNotFound(error.message, error.action_name) from error
    except Exception as error:
        raise ActionFailed(action_name) from error


def error_response(error: Exception, path: str) -> HTTPResponse:
    """The answer to any error on any route: JSON, and never the call's content.

    Ours as :mod:`actions.errors` says (the 5xx logged with their cause);
    Sanic's own (404 for an unknown route, 405, 413 over REQUEST_MAX_SIZE)
    with their status and message; anything else a 500, logged.
    """
    if isinstance(error, ActionServerError):
        if error.http_status >= 500:
            # Not the call, only the traceback: the tracker holds the
            # customer's messages.
            logger.error("%s (%s)", error, path, exc_info=error)
        return json(error.response_body(), status=error.http_status, headers=dict(error.headers))
    if isinstance(error, SanicException):
        status = error.status_code or 500
        headers = getattr(error, "headers", None)
        return json({"error": str(error)}, status=status, headers=headers)
    logger.error("unexpected error on %s", path, exc_info=error)
    return json({"error": INTERNAL_ERROR}, status=500)


def actions_executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package(ACTIONS_PACKAGE)
    return executor


def create_app(
    settings: ActionSettings,
    *,
    executor: ActionExecutor | None = None,
    sender: HandoffSender | None = None,
    every_s: float = KICK_EVERY_S,
    metrics: MetricsSettings | None = None,
) -> Sanic:
    """The action server for ``settings``; ValueError naming the variable if one is missing.

    ``metrics`` protects ``GET /metrics`` with a token (actions.metrics).
    """
    if not settings.token:
        raise ValueError(
            "ACTIONS_TOKEN is not set: the action server will not run actions for whoever "
            "asks. Set the same secret for the Rasa server (endpoints.yml) and for this server; "
            "`make run` generates one into var/actions_token."
        )
    expected = settings.token.encode()
    limit = settings.max_body_bytes
    executor = executor or actions_executor()
    app = Sanic("actions", configure_logging=False)
    # Applies to every route as Sanic reads the body; /webhook streams and
    # counts on its own (read_body), so that it authenticates first.
    app.config.REQUEST_MAX_SIZE = limit

    def outbox() -> Outbox | None:
        running = getattr(app.ctx, "sender", None)
        return running.outbox if isinstance(running, HandoffSender) else None

    observed = ActionMetrics(outbox)
    # Before authenticate: refused requests are timed too.
    measure_requests(app, observed.requests)

    @app.on_request
    async def authenticate(request: Request) -> None:
        # Every route is closed unless it says otherwise (ctx_open=True).
        route = request.route
        if route is None or not getattr(route.ctx, "open", False):
            check_token(request, expected)

    @app.get("/health", ctx_open=True)
    async def health(_request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/ready", ctx_open=True)
    async def ready(_request: Request) -> HTTPResponse:
        reason = await not_ready_because(outbox())
        if reason is not None:
            return json({"status": "not ready", "reason": reason}, status=503)
        return json({"status": "ready"})

    app.add_route(
        metrics_handler(
            observed.registry, (metrics or MetricsSettings()).token, refresh=observed.refresh
        ),
        METRICS_PATH,
        methods=["GET"],
        ctx_open=True,  # its own token, if any: checked by the handler
    )

    privacy_stores = local_stores(settings)
    admin_token = settings.handoff_token.encode()

    # Its own token, HANDOFF_ADMIN_TOKEN: the handoff service asks, not the Rasa server.
    @app.post("/privacy", ctx_open=True)
    async def privacy(request: Request) -> HTTPResponse:
        if not admin_token:
            raise MissingToken("HANDOFF_ADMIN_TOKEN is not set on this server")
        check_token(request, admin_token)
        status, answer = await privacy_answer(privacy_stores, request.body)
        return json(answer, status=status)

    @app.get("/actions")
    async def actions(_request: Request) -> HTTPResponse:
        return json([{"name": name} for name in executor.actions])

    @app.post("/webhook", stream=True)
    async def webhook(request: Request) -> HTTPResponse:
        try:
            body = await read_body(request, limit)
            encoding = request.headers.get("content-encoding", "").strip().lower()
            if len(body) <= PARSE_ON_LOOP_BYTES and encoding in ("", "identity"):
                call = decode_action_call(body, encoding, limit)
            else:
                # Inflating and parsing up to `limit` bytes is CPU work: off the event loop.
                call = await asyncio.to_thread(decode_action_call, body, encoding, limit)
        except CallTooLarge:
            # From the Rasa server (the token was right): a conversation
            # outgrew the limit, and its customer is getting errors.
            logger.warning("refused an action call over ACTIONS_MAX_BODY_BYTES (%d)", limit)
            raise
        utils.check_version_compatibility(call.get("version"))
        name = call["next_action"]
        with observed.running(name, known=name in executor.actions):
            answer = await run_action(executor, call)
        return json(answer)

    @app.exception(Exception)
    async def json_error(request: Request | None, error: Exception) -> HTTPResponse:
        return error_response(error, request.path if request is not None else "?")

    @app.after_server_start
    async def start_forwarding(app: Sanic, _loop: Any) -> None:
        app.ctx.sender = sender or shared_sender()
        app.ctx.forwarding = asyncio.create_task(
            keep_forwarding(app.ctx.sender, every_s), name="handoff-outbox-keeper"
        )

    @app.before_server_stop
    async def stop_forwarding(app: Sanic, _loop: Any) -> None:
        app.ctx.forwarding.cancel()
        try:
            await app.ctx.forwarding
        except asyncio.CancelledError:
            pass  # the cancellation asked for just above
        await app.ctx.sender.close()

    return app


async def train_escalation_models(_app: Sanic, _loop: Any) -> None:
    """Train the escalation models ``action_handoff`` uses, in a thread, as the server starts.

    Otherwise the first Spanish handoff after a start would wait about five
    seconds for them (handoff.escalation.train_models). In a thread, not
    before serving: the server answers at once, and a handoff that comes
    first waits only for what is left (each model trains once, behind a lock).
    """
    start_training_escalation_models()


def start_training_escalation_models() -> threading.Thread:
    # Daemonic: a stop does not wait for it.
    thread = threading.Thread(
        target=_train_escalation_models, name="escalation-models", daemon=True
    )
    thread.start()
    return thread


def _train_escalation_models() -> None:
    try:
        train_models(EscalationSettings.from_env())
    except Exception:
        # Not fatal: the first handoff trains them again, and fails the same way if it must.
        logger.exception("could not train the escalation models at start-up")


async def freeze_start_up(_app: Sanic, _loop: Any) -> None:
    """What start-up loaded, out of the full collections' walk (see the module).

    Its garbage is collected first: frozen, it would never be.
    """
    gc.collect()
    gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, help="overrides ACTIONS_PORT (5055)")
    args = parser.parse_args(argv)
    try:
        configure_logging(logging.INFO)  # LOG_FORMAT (plumbing.logs)
        install_log_masking()  # phone numbers and secrets (plumbing.log_masking)
        settings = ActionSettings.from_env()
        if args.port is not None:
            settings = replace(settings, port=args.port)
        app = create_app(settings, metrics=MetricsSettings.from_env(METRICS_ENV_PREFIX))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    app.register_listener(freeze_start_up, "after_server_start")
    app.register_listener(train_escalation_models, "after_server_start")
    app.run(
        settings.host,
        settings.port,
        workers=utils.number_of_sanic_workers(),
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

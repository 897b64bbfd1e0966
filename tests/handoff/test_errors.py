"""handoff.errors: each error carries its answer, and the service gives exactly that
answer, in its one shape, whichever route raised it and however deep."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from handoff.auth import CsrfRejected
from handoff.desk.passwords import HashingBusy
from handoff.desk.throttle import Throttled
from handoff.errors import (
    AgentExists,
    Busy,
    CredentialsRequired,
    Forbidden,
    HandoffConflict,
    HandoffNotFound,
    HandoffServiceError,
    InvalidRequest,
    NotFound,
    NotRunning,
    TooManyStreams,
    Unauthorized,
    UnsupportedMediaType,
)
from plumbing.untrusted import UntrustedInput
from tests.handoff.conftest import Service

# (the error, its status, the answer's body, headers it must carry)
ANSWERS: list[tuple[BaseException, int, dict[str, str], dict[str, str]]] = [
    (
        InvalidRequest("priority must be an integer from 1 to 2147483647"),
        400,
        {
            "error": "invalid request",
            "detail": "priority must be an integer from 1 to 2147483647",
        },
        {},
    ),
    (
        UntrustedInput("limit must be an integer from 1 to 500"),
        400,
        {"error": "invalid request", "detail": "limit must be an integer from 1 to 500"},
        {},
    ),
    (CredentialsRequired(), 401, {"error": "unauthorized"}, {"www-authenticate": "Bearer"}),
    (
        Unauthorized("wrong name or password"),
        401,
        {"error": "unauthorized", "detail": "wrong name or password"},
        {},
    ),
    (Forbidden(), 403, {"error": "forbidden"}, {}),
    (
        CsrfRejected("missing or wrong X-CSRF-Token header"),
        403,
        {"error": "forbidden", "detail": "missing or wrong X-CSRF-Token header"},
        {},
    ),
    (HandoffNotFound(7), 404, {"error": "not found"}, {}),
    (
        NotFound("ticket 9 is not a handoff's"),
        404,
        {"error": "not found", "detail": "ticket 9 is not a handoff's"},
        {},
    ),
    (
        HandoffConflict("the handoff is closed"),
        409,
        {"error": "conflict", "detail": "the handoff is closed"},
        {},
    ),
    (AgentExists("kim"), 409, {"error": "conflict", "detail": "that name is taken"}, {}),
    (
        UnsupportedMediaType("send the name and password as JSON"),
        415,
        {"error": "unsupported media type", "detail": "send the name and password as JSON"},
        {},
    ),
    (
        Throttled(2.2),
        429,
        {
            "error": "too many attempts",
            "detail": "too many failed sign-ins; try again in 3 seconds",
        },
        {"retry-after": "3"},
    ),
    (
        TooManyStreams("at most 10 open event streams per caller", 5),
        429,
        {"error": "too many streams", "detail": "at most 10 open event streams per caller"},
        {"retry-after": "5"},
    ),
    (
        Busy("too many open event streams; try again later", 0.2),
        503,
        {"error": "busy", "detail": "too many open event streams; try again later"},
        {"retry-after": "1"},
    ),
    (
        HashingBusy(),
        503,
        {"error": "busy", "detail": "too many sign-ins at once; try again in a moment"},
        {"retry-after": "1"},
    ),
    # Ours, not the caller's: nothing of the cause is shown.
    (NotRunning("the store is closed"), 500, {"error": "internal server error"}, {}),
    (HandoffServiceError("the password is hunter2"), 500, {"error": "internal server error"}, {}),
]
IDS = [type(error).__name__ for error, *_ in ANSWERS]


@pytest.mark.parametrize(("error", "status", "body", "headers"), ANSWERS, ids=IDS)
def test_each_error_says_its_answer(
    error: BaseException, status: int, body: dict[str, str], headers: dict[str, str]
) -> None:
    if not isinstance(error, HandoffServiceError):
        return  # UntrustedInput is plumbing's: the service's handler maps it
    assert (error.status, error.error, error.detail) == (status, body["error"], body.get("detail"))
    assert {name.lower(): value for name, value in error.headers.items()} == headers


@pytest.mark.parametrize(("error", "status", "body", "headers"), ANSWERS, ids=IDS)
async def test_an_error_raised_deep_in_a_route_is_its_documented_answer(
    service: Service,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: BaseException,
    status: int,
    body: dict[str, str],
    headers: dict[str, str],
) -> None:
    async def failing(*_args: Any, **_kwargs: Any) -> None:
        raise error

    # Raised by the store, three calls below the route's handler.
    monkeypatch.setattr(service.context.store, "list", failing)
    with caplog.at_level(logging.ERROR):
        response = await service.admin("GET", "/api/handoffs", params={"conversation_id": "+1555"})

    assert response.status_code == status
    assert response.json() == body
    for name, value in headers.items():
        assert response.headers[name] == value
    if "www-authenticate" not in headers:
        assert "www-authenticate" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    # A client's error is not ours to log; ours is, without the query string.
    assert ("GET /api/handoffs failed" in caplog.text) == (status == 500)
    assert "1555" not in caplog.text


def test_a_5xx_shows_its_message_only_when_it_is_a_limit_not_a_fault() -> None:
    assert HandoffServiceError("database password is hunter2").detail is None
    assert NotRunning("the store is closed").detail is None
    assert Busy("too many open event streams", 1).detail == "too many open event streams"


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert TooManyStreams("x", 0).headers == {"Retry-After": "1"}
    assert TooManyStreams("x", 4.01).headers == {"Retry-After": "5"}
    assert Throttled(900).headers == {"Retry-After": "900"}
    assert Throttled(0.3).retry_after_s == 0.3  # the throttle's own figure is kept

"""handoff.integrations.adapters: how a failed delivery ends, and what is an echo."""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx
import pytest

from handoff.integrations.adapters import (
    MAX_RETRY_AFTER_S,
    authored_by,
    failure_for_error,
    failure_for_status,
    retry_after,
)
from handoff.store import JournalEvent


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize("status", [400, 404, 410, 413, 422])
def test_other_client_errors_are_permanent(status: int) -> None:
    failure = failure_for_status(response(status))
    assert failure.permanent
    assert failure.reason == f"HTTP {status}"


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_timeouts_rate_limits_and_server_errors_are_retried(status: int) -> None:
    assert not failure_for_status(response(status)).permanent


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_retried_and_flagged(status: int) -> None:
    failure = failure_for_status(response(status))
    assert not failure.permanent
    assert failure.credentials
    assert "credentials" in failure.reason


def test_an_adapter_can_retry_more_statuses() -> None:
    assert not failure_for_status(response(409), frozenset({409})).permanent
    assert failure_for_status(response(409)).permanent


def test_no_answer_is_retried() -> None:
    failure = failure_for_error(httpx.ConnectError("refused"))
    assert not failure.permanent
    assert failure.reason == "ConnectError"


def test_retry_after_in_seconds_or_as_a_date_and_capped() -> None:
    assert retry_after(response(429, **{"Retry-After": "7"})) == 7.0
    assert retry_after(response(429)) is None
    assert retry_after(response(429, **{"Retry-After": "soon"})) is None
    assert retry_after(response(503, **{"Retry-After": "999999"})) == MAX_RETRY_AFTER_S
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=120)
    header = email.utils.format_datetime(later, usegmt=True)
    delay = retry_after(response(503, **{"Retry-After": header}))
    assert delay is not None and 110 < delay <= 120
    assert failure_for_status(response(429, **{"Retry-After": "3"})).retry_after_s == 3.0


@pytest.mark.parametrize(
    "header",
    ["²", "\uff13", "Mon, 01 Jan 99999 00:00:00 GMT", "Mon, 32 Foo 2027 25:61:61 GMT", "-5"],
)
def test_a_retry_after_that_is_no_number_nor_date_is_ignored(header: str) -> None:
    # As the receiver's bytes arrive: UTF-8 ("²" passed isdigit() and failed float()).
    hostile = httpx.Response(503, headers=[(b"Retry-After", header.encode())])
    assert retry_after(hostile) is None
    assert not failure_for_status(hostile).permanent


def _message(author: str | None) -> JournalEvent:
    payload = {"handoff_id": 1, "message": {"id": 1, "author": author, "text": "hi"}}
    return JournalEvent(1, "message.created", 1, "c", payload, dt.datetime(2027, 1, 1))


def test_messages_from_an_adapter_are_recognised_by_their_author() -> None:
    assert authored_by(_message("zendesk:Jane"), "zendesk")
    assert not authored_by(_message("zendesk:Jane"), "webhook")
    assert not authored_by(_message("bob"), "zendesk")
    assert not authored_by(_message(None), "zendesk")
    closed = JournalEvent(2, "handoff.closed", 1, "c", {"handoff": {}}, dt.datetime(2027, 1, 1))
    assert not authored_by(closed, "zendesk")

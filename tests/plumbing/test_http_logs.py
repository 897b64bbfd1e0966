"""plumbing.http_logs: secrets replaced in httpx's log lines, the rest of the line kept."""

from __future__ import annotations

import logging

import httpx
import pytest

from plumbing.http_logs import REDACTED, hide_in_http_logs, redact

SECRET = "plumbing-test-secret-0123456789"


def test_redact_replaces_every_occurrence_and_ignores_an_empty_secret() -> None:
    assert redact(f"/bot{SECRET}/sendMessage?again={SECRET}", SECRET) == (
        f"/bot{REDACTED}/sendMessage?again={REDACTED}"
    )
    assert redact("nothing to hide", "") == "nothing to hide"


async def test_httpx_request_lines_keep_everything_but_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hide_in_http_logs(SECRET)
    hide_in_http_logs(SECRET)  # idempotent: one filter
    hide_in_http_logs("")  # nothing to hide: nothing added
    assert len(logging.getLogger("httpx").filters) == len(set(logging.getLogger("httpx").filters))

    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as client:
        with caplog.at_level(logging.INFO, logger="httpx"):
            await client.get("http://api.test/messages", params={"access_token": SECRET})
    [line] = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert SECRET not in line
    assert f"http://api.test/messages?access_token={REDACTED}" in line
    assert "200 OK" in line

"""handoff.privacy.remote: another process's answers, read with care."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from handoff.privacy import remote
from handoff.privacy.remote import RemoteOwner
from plumbing.privacy.orchestrate import OwnerUnavailable
from plumbing.privacy.owners import Refused
from plumbing.privacy.subject import Subject


def owner(handler: Any, token: str = "secret") -> RemoteOwner:
    return RemoteOwner(
        "the action server",
        "http://actions.test/privacy",
        token,
        ("outbox", "business"),
        discovers=True,
        transport=httpx.MockTransport(handler),
    )


async def test_it_asks_with_its_token_and_reads_the_answer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        subject = Subject.from_json(json.loads(request.content)["subject"])
        subject.add_conversation("tg-7", "business customer 7's telegram identity")
        return httpx.Response(200, json={"subject": subject.to_json()})

    found = await owner(handler).discover(Subject.of("alice@example.com"), first=True)
    assert found.conversations == {"tg-7": "business customer 7's telegram identity"}
    assert seen[0].headers["authorization"] == "Bearer secret"
    assert json.loads(seen[0].content)["first"] is True


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(500, json={"error": "internal_error"}), "HTTP 500"),
        (httpx.Response(200, text="<html>"), "without a JSON object"),
        (httpx.Response(200, json={"stores": {"outbox": {"store": "outbox"}}}), "unreadable"),
        (httpx.Response(200, json={"subject": []}), "unreadable subject"),
        (httpx.Response(401, json={"error": "unauthorized"}), "HTTP 401"),
    ],
)
async def test_an_answer_it_cannot_use_makes_the_owner_unavailable(
    answer: httpx.Response, says: str
) -> None:
    ask = owner(lambda _request: answer)
    with pytest.raises(OwnerUnavailable, match=says):
        if "subject" in says:
            await ask.discover(Subject.of("x"), first=False)
        else:
            await ask.survey(Subject.of("x"), ["outbox"], include_opt_out=False, with_rows=False)


async def test_a_refusal_carries_the_owner_s_reasons() -> None:
    answer = httpx.Response(409, json={"error": "refused", "reasons": ["an open handoff"]})
    with pytest.raises(Refused) as refused:
        await owner(lambda _r: answer).erase(Subject.of("x"), "outbox", include_opt_out=False)
    assert refused.value.reasons == ["an open handoff"]


async def test_no_token_or_no_server_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OwnerUnavailable, match="no token"):
        await owner(lambda _r: httpx.Response(200), token="").discover(Subject.of("x"), first=True)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(OwnerUnavailable, match="did not answer"):
        await owner(down).discover(Subject.of("x"), first=True)


async def test_an_answer_over_the_cap_is_not_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "MAX_ANSWER_BYTES", 1024)
    big = httpx.Response(200, json={"stores": {}, "padding": "x" * 4096})
    with pytest.raises(OwnerUnavailable, match="make privacy-export"):
        await owner(lambda _r: big).survey(
            Subject.of("x"), ["outbox"], include_opt_out=False, with_rows=True
        )

"""handoff.agents: the command that creates an agent and prints their token once."""

from __future__ import annotations

import asyncio

import pytest

from handoff.agents import main
from handoff.store import HandoffStore


def test_create_prints_a_working_token(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", sqlite_url)

    assert main(["create", "sue", "--role", "supervisor"]) == 0
    token = capsys.readouterr().out.strip()

    store = HandoffStore(sqlite_url)
    try:
        agent = asyncio.run(store.agent_for_token(token))
    finally:
        store.dispose()
    assert agent is not None and (agent.name, agent.role) == ("sue", "supervisor")

    assert main(["create", "sue"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "already exists" in captured.err

"""handoff.agents: the command that creates agents (token printed once) and sets desk passwords."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handoff.agents import main
from handoff.desk.accounts import AccountStore
from handoff.store import Agent, HandoffStore

ROOT = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def check(database_url: str, name: str, password: str) -> Agent | None:
    store = HandoffStore(database_url)
    try:
        accounts = AccountStore(store.engine, session_idle_s=60, session_max_s=60)
        return asyncio.run(accounts.check_password(name, password))
    finally:
        store.dispose()


def agent_for_token(database_url: str, token: str) -> Agent | None:
    store = HandoffStore(database_url)
    try:
        return asyncio.run(store.agent_for_token(token))
    finally:
        store.dispose()


@pytest.fixture(autouse=True)
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", sqlite_url)
    return sqlite_url


def test_create_prints_a_working_token(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # No terminal and no --password-stdin: the agent gets no desk password, and is told so.
    assert main(["create", "sue", "--role", "supervisor"], stdin=io.StringIO()) == 0
    captured = capsys.readouterr()
    token = captured.out.strip()
    agent = agent_for_token(sqlite_url, token)
    assert agent is not None and (agent.name, agent.role) == ("sue", "supervisor")
    assert "no desk password set" in captured.err

    assert main(["create", "sue", "--no-password"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "already exists" in captured.err


def test_create_with_a_password_from_stdin(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.StringIO("a long desk password\nignored second line\n")
    assert main(["create", "sam", "--password-stdin"], stdin=stdin) == 0
    token = capsys.readouterr().out.strip()
    assert agent_for_token(sqlite_url, token) is not None  # the token still works
    signed_in = check(sqlite_url, "sam", "a long desk password")
    assert signed_in is not None and signed_in.role == "agent"


def test_create_prompts_in_a_terminal(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["typed twice, no echo", "typed twice, no echo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["create", "kim"], stdin=Terminal()) == 0
    assert check(sqlite_url, "kim", "typed twice, no echo") is not None

    answers = iter(["first try here", "second try here"])
    assert main(["create", "lee"], stdin=Terminal()) == 2
    captured = capsys.readouterr()
    assert "the two passwords differ" in captured.err
    # Nothing was created: the password is asked before the agent is made.
    assert main(["create", "lee", "--no-password"]) == 0


def test_weak_passwords_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create", "sam", "--password-stdin"], stdin=io.StringIO("short\n")) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    # Refused before anything was created: the name is still free.
    assert main(["create", "sam", "--no-password"]) == 0


def test_password_resets_and_signs_out_everywhere(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create", "sam", "--password-stdin"], stdin=io.StringIO("first password\n")) == 0
    store = HandoffStore(sqlite_url)
    accounts = AccountStore(store.engine, session_idle_s=60, session_max_s=60)
    agent = asyncio.run(accounts.check_password("sam", "first password"))
    assert agent is not None
    session = asyncio.run(accounts.start_session(agent))

    assert (
        main(["password", "sam", "--password-stdin"], stdin=io.StringIO("second password\n")) == 0
    )
    assert "desk password set for sam" in capsys.readouterr().err
    assert asyncio.run(accounts.agent_for_session(session)) is None
    store.dispose()
    assert check(sqlite_url, "sam", "first password") is None
    assert check(sqlite_url, "sam", "second password") is not None

    assert (
        main(["password", "nobody", "--password-stdin"], stdin=io.StringIO("whatever it is\n")) == 1
    )
    assert "no agent is named 'nobody'" in capsys.readouterr().err


def test_the_command_line_as_make_agent_runs_it(sqlite_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "handoff.agents", "create", "ana", "--password-stdin"],
        input="a password from a pipe\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "HANDOFF_DATABASE_URL": sqlite_url},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert agent_for_token(sqlite_url, result.stdout.strip()) is not None
    assert check(sqlite_url, "ana", "a password from a pipe") is not None

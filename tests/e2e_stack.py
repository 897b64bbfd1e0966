"""A module's own running assistant, for the end-to-end tests that need one.

Its own Rasa server, action server and handoff service (not the session's
shared ones), on free ports with databases in a temporary folder, talking to
the session's fake Twilio, Telegram and Graph APIs. A test module names the
environment it differs by and wraps the servers in what its tests use::

    stack = stack_fixture("surveys", SurveyStack, HANDOFF_CSAT_DELAY_S="2")

(a fixture named ``stack``, started once for the module). Its tests wait on
the servers, which answer in their own time, with :func:`eventually`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from scripts.run import Service, isolated_environment, running, services
from tests.conftest import channel_environment
from tests.fakes.messenger import FakeGraph
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

S = TypeVar("S")

WAIT_S = 30.0


@dataclass
class Servers:
    """The environment the servers run with, and the servers, to stop and start them."""

    env: dict[str, str]
    handoff: Service
    actions: Service
    rasa: Service


def stack_fixture(
    state_name: str, build: Callable[[Servers], S], **overrides: str
) -> Callable[..., Any]:
    """A module-scoped fixture: the servers running with ``overrides``, as ``build`` wraps them.

    ``state_name`` names the temporary folder (its databases and endpoints).
    """

    @pytest.fixture(scope="module")
    def stack(
        model_path: Path,
        tmp_path_factory: pytest.TempPathFactory,
        fake_twilio: FakeTwilio,
        fake_telegram: FakeTelegram,
        fake_graph: FakeGraph,
    ) -> Iterator[S]:
        state = tmp_path_factory.mktemp(state_name)
        env = isolated_environment(state, model_path)
        env.update(channel_environment(state, fake_twilio.url, fake_telegram.url, fake_graph.url))
        env.update(overrides)
        handoff, actions, rasa = services(env, handoff=True)
        with running([handoff, actions, rasa], env):
            yield build(Servers(env, handoff, actions, rasa))

    return stack


def eventually(check: Callable[[], Any], what: str = "", timeout: float = WAIT_S) -> Any:
    """``check()``'s first true result; fails after ``timeout`` seconds, naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what or check}")
        time.sleep(0.2)

"""bot/server.py and bot/settings.py: how the Rasa server is started.

Unit tests of the arguments handed to Rasa's CLI and of the environment set
for Sanic; then (``slow``) the running assistant, started by ``bot.server`` as
``make run`` starts it: it answers on the loopback interface only, and refuses
a body over 1 MiB while the API routes the other services use still work.
"""

from __future__ import annotations

import json
import socket
import sys
import uuid
from typing import Any

import httpx
import pytest

from bot import server
from bot.server import (
    DEFAULT_REQUEST_MAX_SIZE,
    REQUEST_MAX_SIZE_VARIABLE,
    rasa_arguments,
    set_sanic_defaults,
)
from bot.settings import DEFAULT_INTERFACE, BotSettings
from tests.conftest import Assistant


def argument(arguments: list[str], option: str) -> str:
    return arguments[arguments.index(option) + 1]


def test_rasa_listens_on_the_loopback_interface_by_default() -> None:
    # Rasa's own default is 0.0.0.0: every interface of the machine.
    settings = BotSettings.from_env({"RASA_AUTH_TOKEN": "t"})
    assert settings.interface == DEFAULT_INTERFACE == "127.0.0.1"
    assert argument(rasa_arguments(settings), "--interface") == "127.0.0.1"


@pytest.mark.parametrize(("value", "interface"), [("0.0.0.0", "0.0.0.0"), (" ::1 ", "::1")])
def test_rasa_interface_sets_where_it_listens(value: str, interface: str) -> None:
    settings = BotSettings.from_env({"RASA_AUTH_TOKEN": "t", "RASA_INTERFACE": value})
    assert argument(rasa_arguments(settings), "--interface") == interface


def test_a_blank_rasa_interface_is_the_default() -> None:
    settings = BotSettings.from_env({"RASA_AUTH_TOKEN": "t", "RASA_INTERFACE": "  "})
    assert settings.interface == DEFAULT_INTERFACE


@pytest.mark.parametrize("token", ["-starts-with-a-dash", "--enable-api", "plain"])
def test_rasas_command_line_reads_any_token_as_the_token(token: str) -> None:
    from rasa.__main__ import create_argument_parser

    settings = BotSettings.from_env({"RASA_AUTH_TOKEN": token})
    # Before: "-starts-with-a-dash" made Rasa exit with "expected one argument",
    # one start in 64 with a generated token.
    parsed = create_argument_parser().parse_args(rasa_arguments(settings)[1:])
    assert parsed.auth_token == token


def test_the_token_is_still_required() -> None:
    with pytest.raises(SystemExit, match="RASA_AUTH_TOKEN"):
        rasa_arguments(BotSettings.from_env({}))


@pytest.mark.parametrize("value", [None, "", "  "])
def test_sanic_reads_bodies_of_at_most_1_mib_unless_told(value: str | None) -> None:
    environ = {} if value is None else {REQUEST_MAX_SIZE_VARIABLE: value}
    set_sanic_defaults(environ)
    assert environ[REQUEST_MAX_SIZE_VARIABLE] == str(DEFAULT_REQUEST_MAX_SIZE) == "1048576"


def test_a_request_size_set_in_the_environment_is_kept() -> None:
    environ = {REQUEST_MAX_SIZE_VARIABLE: "5000000"}
    set_sanic_defaults(environ)
    assert environ[REQUEST_MAX_SIZE_VARIABLE] == "5000000"


def test_main_sets_the_limit_before_rasa_creates_its_app(
    monkeypatch: pytest.MonkeyPatch, rasa_as_it_was: None
) -> None:
    seen: dict[str, Any] = {}

    def rasa_main() -> None:
        import os

        seen["argv"] = list(sys.argv)
        seen["max_size"] = os.environ.get(REQUEST_MAX_SIZE_VARIABLE)

    monkeypatch.setattr("rasa.__main__.main", rasa_main)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.delenv(REQUEST_MAX_SIZE_VARIABLE, raising=False)
    monkeypatch.delenv("RASA_INTERFACE", raising=False)
    monkeypatch.setenv("RASA_AUTH_TOKEN", "test-token")
    server.main()
    assert seen["max_size"] == str(DEFAULT_REQUEST_MAX_SIZE)
    assert argument(seen["argv"], "--interface") == "127.0.0.1"


# -- the running server ------------------------------------------------------------------


def non_loopback_address() -> str | None:
    """This machine's address on its default route, if it has one besides loopback."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("198.51.100.1", 9))  # TEST-NET-2: nothing is sent (UDP, no data)
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def rasa_port(assistant: Assistant) -> int:
    return int(assistant.rasa_url.rsplit(":", 1)[1])


@pytest.mark.slow
def test_e2e_the_server_answers_on_loopback_only(assistant: Assistant) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    assert httpx.get(f"{assistant.rasa_url}/", timeout=10).status_code == 200
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, rasa_port(assistant)), timeout=5).close()


@pytest.mark.slow
def test_e2e_a_body_over_1_mib_is_refused_by_the_server(assistant: Assistant) -> None:
    # Sanic refuses it from Content-Length, before any route reads it (its default is 100 MB).
    oversized = json.dumps({"sender": "test-big", "message": "a" * DEFAULT_REQUEST_MAX_SIZE})
    for method, path in [("POST", "/webhooks/rest/webhook"), ("PUT", "/model")]:
        response = httpx.request(
            method,
            f"{assistant.rasa_url}{path}",
            params={"token": assistant.auth_token},
            content=oversized,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 413, f"{method} {path}: {response.status_code}"


@pytest.mark.slow
def test_e2e_the_api_routes_the_services_use_still_work(assistant: Assistant) -> None:
    # The handoff service appends events and runs actions; training.reload puts
    # {"model_file": path} to /model (tests/training/test_reload.py loads one).
    sender = f"test-{uuid.uuid4().hex[:12]}"
    api = httpx.Client(
        base_url=assistant.rasa_url, params={"token": assistant.auth_token}, timeout=60
    )
    with api:
        assert api.get("/status").status_code == 200
        events = [{"event": "slot", "name": "email", "value": "x" * 100_000}]
        response = api.post(f"/conversations/{sender}/tracker/events", json=events)
        assert response.status_code == 200, response.text
        # A path that does not exist: read and refused (400) by Rasa, and the live
        # model kept; a real reload is tests/training/test_reload.py's.
        response = api.put("/model", json={"model_file": f"/nonexistent/{uuid.uuid4().hex}.tar.gz"})
        assert response.status_code == 400, response.text
        assert api.get("/status").json()["model_file"]

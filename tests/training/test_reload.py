"""``make reload``: the running server takes the new model; conversations carry on."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from scripts.run import free_ports
from tests.conftest import Assistant
from training.reload import LiveModel, ReloadError, reload

TOKEN = "test-token"


def fake_rasa(statuses: list[str], put_status: int = 204) -> tuple[httpx.MockTransport, list]:
    """Rasa's /status and /model, answering with each model id of ``statuses`` in turn."""
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.params.get("token") != TOKEN:
            return httpx.Response(401, json={"message": "not authorized"})
        if request.method == "GET" and request.url.path == "/status":
            model_id = statuses.pop(0)
            return httpx.Response(
                200, json={"model_file": "retail-bot.tar.gz", "model_id": model_id}
            )
        if request.method == "PUT" and request.url.path == "/model":
            if put_status != 204:
                return httpx.Response(put_status, json={"message": "Agent could not be loaded"})
            return httpx.Response(204)
        return httpx.Response(404)

    return httpx.MockTransport(handle), requests


async def test_the_model_is_loaded_by_path_and_the_live_model_reported(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"model")
    transport, requests = fake_rasa(["old-id", "new-id"])
    before, after = await reload("http://rasa", TOKEN, model, transport)
    assert (before.model_id, after.model_id) == ("old-id", "new-id")
    put = next(r for r in requests if r.method == "PUT")
    assert json.loads(put.content) == {"model_file": str(model.resolve())}


async def test_a_refused_token_is_said_plainly(tmp_path: Path) -> None:
    transport, _ = fake_rasa(["old-id"])
    with pytest.raises(ReloadError, match="token was refused"):
        await reload("http://rasa", "wrong", tmp_path / "m.tar.gz", transport)


async def test_a_model_the_server_cannot_load_is_an_error_with_its_reason(tmp_path: Path) -> None:
    transport, _ = fake_rasa(["old-id"], put_status=400)
    with pytest.raises(ReloadError, match=r"400 .*could not be loaded"):
        await reload("http://rasa", TOKEN, tmp_path / "m.tar.gz", transport)


async def test_no_server_is_an_error_that_names_the_address(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    with pytest.raises(ReloadError, match=f"no Rasa server answers at http://127.0.0.1:{port}"):
        await reload(f"http://127.0.0.1:{port}", TOKEN, tmp_path / "m.tar.gz")


async def test_no_token_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReloadError, match="RASA_AUTH_TOKEN"):
        await reload("http://rasa", "", tmp_path / "m.tar.gz")


@pytest.mark.slow
def test_reloading_the_running_server_keeps_conversations_going(
    assistant: Assistant, model_path: Path
) -> None:
    customer = f"reload-{uuid.uuid4().hex[:8]}"
    # A conversation in the middle of a form: the bot has asked for the order number.
    assert "8 digits" in assistant.say_text(customer, "hey where is my package")

    models: list[tuple[LiveModel, LiveModel]] = []
    failures: list[ReloadError] = []

    def reload_in_background() -> None:
        try:
            models.append(asyncio.run(reload(assistant.rasa_url, assistant.auth_token, model_path)))
        except ReloadError as error:
            failures.append(error)

    loading = threading.Thread(target=reload_in_background)
    loading.start()
    # Other customers keep being answered while the new model loads.
    replies: list[str] = []
    while loading.is_alive() and len(replies) < 20:
        replies.append(assistant.say_text(f"{customer}-other-{len(replies)}", "hi"))
    loading.join(timeout=300)
    assert not loading.is_alive() and not failures, failures
    assert replies and all("automated assistant" in r for r in replies)

    ((before, after),) = models
    assert after.model_file == model_path.name and after.model_id == before.model_id != ""
    status = httpx.get(
        f"{assistant.rasa_url}/status", params={"token": assistant.auth_token}, timeout=10
    ).json()
    assert status["model_id"] == after.model_id
    # The form carries on where it was: the number answers the question asked before.
    assert "on its way" in assistant.say_text(customer, "12345678")

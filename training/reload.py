"""``make reload``: the running Rasa server loads the newly trained model.

Rasa's HTTP API does it: ``PUT /model`` builds a new agent from the file
and swaps it in once loaded. Messages arriving meanwhile are answered by the
old model; conversations are not dropped, because their state lives in the
tracker store, not in the agent (the new agent opens the same store, and
keeps the server's lock store, so one conversation's messages stay in
order). ``GET /status`` then names the live model: ``model_id`` is unique to
each training, so it tells a retrained model from the one before even under
the same file name.

The file must be readable by the server at the path given (this is for the
server ``make run`` starts on this machine). Needs the API token:
``RASA_AUTH_TOKEN``, or the one ``make run`` generated in
``var/rasa_auth_token``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from training.settings import TrainingSettings

STATUS_TIMEOUT_S = 10.0
# Loading a model unpacks it and builds the whole graph: tens of seconds.
LOAD_TIMEOUT_S = 300.0


class ReloadError(Exception):
    """The server could not be reached, refused the token, or could not load the model."""


@dataclass(frozen=True)
class LiveModel:
    model_file: str
    model_id: str


async def live_model(client: httpx.AsyncClient, token: str) -> LiveModel:
    response = await client.get("/status", params={"token": token}, timeout=STATUS_TIMEOUT_S)
    check(response, "GET /status")
    body: dict[str, Any] = response.json()
    return LiveModel(str(body.get("model_file", "")), str(body.get("model_id", "")))


def check(response: httpx.Response, what: str) -> None:
    if response.status_code in (401, 403):
        raise ReloadError(f"{what}: the token was refused; set RASA_AUTH_TOKEN")
    if response.is_error:
        raise ReloadError(f"{what}: {response.status_code} {response.text[:500]}")


async def reload(
    rasa_url: str, token: str, model: Path, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[LiveModel, LiveModel]:
    """(the model live before, the model live after) loading ``model``."""
    if not token:
        raise ReloadError("no API token: set RASA_AUTH_TOKEN (or run the server with `make run`)")
    async with httpx.AsyncClient(base_url=rasa_url, transport=transport) as client:
        try:
            before = await live_model(client, token)
            response = await client.put(
                "/model",
                params={"token": token},
                json={"model_file": str(model.resolve())},
                timeout=httpx.Timeout(STATUS_TIMEOUT_S, read=LOAD_TIMEOUT_S),
            )
            check(response, f"PUT /model {model}")
            after = await live_model(client, token)
        except httpx.TransportError as error:
            raise ReloadError(f"no Rasa server answers at {rasa_url} ({error!r})") from error
    return before, after


def main(argv: list[str] | None = None) -> int:
    settings = TrainingSettings.from_env()
    parser = argparse.ArgumentParser(prog="make reload", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=settings.model)
    parser.add_argument("--url", default=settings.rasa_url)
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"{args.model} does not exist: run `make train`", file=sys.stderr)
        return 1
    try:
        before, after = asyncio.run(reload(args.url, settings.auth_token, args.model))
    except ReloadError as error:
        print(f"reload: {error}", file=sys.stderr)
        return 1
    print(f"reload: live model {after.model_file} (id {after.model_id}), was id {before.model_id}")
    if after.model_id == before.model_id:
        print("reload: the same model as before (nothing was retrained since)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

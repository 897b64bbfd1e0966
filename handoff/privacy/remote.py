"""The Rasa server's and the action server's shares of a customer's export and erasure,
asked over HTTP: :class:`RemoteOwner`.

Each reads and erases its own stores with its own settings and secrets
(bot.privacy, actions.privacy), behind its own authentication: the Rasa
server's ``POST /internal/privacy`` takes ``HANDOFF_DELIVERY_TOKEN``, the
action server's ``POST /privacy`` takes ``HANDOFF_ADMIN_TOKEN``; both speak
plumbing.privacy.owners' request and answers.

Timeouts: 2 s to connect, 120 s for the answer (an export reads every
message of the customer's conversations). Answers are read up to
:data:`MAX_ANSWER_BYTES`: an export larger than that is for the operators'
command, which writes to a file. Nothing is retried: a survey is asked again
by asking the route again, and an erase that failed half-way is finished by
running it again (plumbing.privacy.orchestrate).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

import httpx

from plumbing.privacy.locations import BROKER, BUSINESS, CHANNELS, OUTBOX, TRACKER
from plumbing.privacy.orchestrate import OwnerUnavailable
from plumbing.privacy.owners import Refused, StoreResult
from plumbing.privacy.subject import InvalidSubject, Subject
from plumbing.untrusted import UntrustedInput, parse_json

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(120.0, connect=2.0)
MAX_ANSWER_BYTES = 64 * 1024 * 1024
RASA_STORES = (CHANNELS, TRACKER, BROKER)
ACTIONS_STORES = (OUTBOX, BUSINESS)


class RemoteOwner:
    """Another process's stores (plumbing.privacy.owners.Owner), through its privacy route."""

    def __init__(
        self,
        name: str,
        url: str,
        token: str,
        stores: tuple[str, ...],
        *,
        discovers: bool,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self.stores = stores
        self.discovers = discovers
        self._token = token
        self._transport = transport

    async def discover(self, subject: Subject, *, first: bool) -> Subject:
        answer = await self._ask({"step": "discover", "subject": subject.to_json(), "first": first})
        try:
            return Subject.from_json(answer.get("subject"))
        except InvalidSubject as error:
            raise OwnerUnavailable(f"{self.name} answered an unreadable subject: {error}") from None

    async def survey(
        self, subject: Subject, stores: Collection[str], *, include_opt_out: bool, with_rows: bool
    ) -> dict[str, StoreResult]:
        answer = await self._ask(
            {
                "step": "survey",
                "subject": subject.to_json(),
                "stores": [store for store in self.stores if store in stores],
                "include_opt_out": include_opt_out,
                "with_rows": with_rows,
            }
        )
        return self._results(answer)

    async def erase(self, subject: Subject, store: str, *, include_opt_out: bool) -> StoreResult:
        answer = await self._ask(
            {
                "step": "erase",
                "subject": subject.to_json(),
                "stores": [store],
                "include_opt_out": include_opt_out,
            }
        )
        results = self._results(answer)
        if store not in results:
            raise OwnerUnavailable(f"{self.name} did not answer for {store}")
        return results[store]

    def _results(self, answer: dict[str, Any]) -> dict[str, StoreResult]:
        stores = answer.get("stores")
        if not isinstance(stores, dict):
            raise OwnerUnavailable(f"{self.name} answered without its stores")
        try:
            return {name: StoreResult.from_json(result) for name, result in stores.items()}
        except (ValueError, TypeError) as error:
            raise OwnerUnavailable(f"{self.name} answered an unreadable result: {error}") from None

    async def _ask(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body``; its JSON answer. Refused for a 409, OwnerUnavailable otherwise."""
        if not self._token:
            raise OwnerUnavailable(
                f"{self.name}: no token to ask it with (see handoff.privacy.remote)"
            )
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, transport=self._transport) as client:
                async with client.stream("POST", self.url, json=body, headers=headers) as response:
                    raw = await _read(response)
                    status = response.status_code
        except httpx.HTTPError as error:
            raise OwnerUnavailable(
                f"{self.name} did not answer ({type(error).__name__}): is it running?"
            ) from None
        try:
            # Up to MAX_ANSWER_BYTES of JSON: parsed off the event loop.
            answer = await asyncio.to_thread(parse_json, raw)
        except UntrustedInput:
            answer = None
        if not isinstance(answer, dict):
            raise OwnerUnavailable(f"{self.name} answered HTTP {status} without a JSON object")
        if status == 409 and isinstance(answer.get("reasons"), list):
            raise Refused([str(reason) for reason in answer["reasons"]])
        if status != 200:
            # The owner's message names the request's fault, never the customer.
            raise OwnerUnavailable(
                f"{self.name} answered HTTP {status}: {str(answer.get('detail', ''))[:300]}"
            )
        return answer


async def _read(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise OwnerUnavailable(
                f"the answer is over {MAX_ANSWER_BYTES // (1024 * 1024)} MiB: use the "
                "operators' command (make privacy-export), which writes to a file"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def remote_owners(
    rasa_url: str,
    delivery_token: str,
    actions_url: str,
    admin_token: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[RemoteOwner]:
    """The action server (first: its business database tells the most about who the
    customer is) and the Rasa server."""
    return [
        RemoteOwner(
            "the action server",
            f"{actions_url.rstrip('/')}/privacy",
            admin_token,
            ACTIONS_STORES,
            discovers=True,
            transport=transport,
        ),
        RemoteOwner(
            "the Rasa server",
            f"{rasa_url.rstrip('/')}/internal/privacy",
            delivery_token,
            RASA_STORES,
            discovers=False,
            transport=transport,
        ),
    ]

"""Agent replies to the customer, through the Rasa server: :class:`RasaDelivery`.

The handoff service holds none of the channels' secrets and never opens the
channels' database: the Rasa server owns both, and sends for it on its
internal route (bot.channels.internal, not imported: this package imports
nothing of ``bot``)::

    POST $RASA_URL/internal/deliveries
    Authorization: Bearer $HANDOFF_DELIVERY_TOKEN
    {"channel", "recipient_id", "text", "human_agent": true}

The same route's sibling ``POST /internal/surveys`` asks a customer's
satisfaction (:meth:`RasaDelivery.ask_survey`, for handoff.surveys).

An instance is the service's default ``deliver`` hook (handoff.service):
``await deliver(channel, recipient_id, text)`` returns once the channel took
the message, and raises :class:`DeliveryError` otherwise, with a message fit
for the log and, when the channel refused the message for good and said why
(the route's 409 ``refused`` and its ``code``), that reason: ``window_closed``
for a WhatsApp reply after the 24-hour window with no template to carry it.

Exceptions::

    DeliveryError        the message did not reach the customer's channel

Retries: only what certainly did not send, and may go through on a second
try. A connection that could not be opened (Rasa restarting) and a 5xx
answer that is not the route's own (a proxy's 502/503/504, Sanic's 500/503)
are retried with backoff (0.5 s, then 1 s). The route's own answers are
final: a 4xx will not change, and its 502 ``channel_failed`` comes after the
Rasa server's own retries of the platform, where another round would only
multiply the wait and resend the parts of a long message that did arrive. A
read timeout is not retried either: the Rasa server may be sending.

Timeouts: 2 s to connect; 30 s for the answer, which covers the channels'
retries with backoff (bot.channels.delivery) and keeps an agent's request
within the handoff service's own 60 s response timeout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from plumbing.backoff import retry
from plumbing.http_logs import hide_in_http_logs
from plumbing.untrusted import UntrustedInput, parse_json

logger = logging.getLogger(__name__)

DELIVERIES_PATH = "/internal/deliveries"
SURVEYS_PATH = "/internal/surveys"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=2.0)
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_S = 0.5
# What the route answers with itself, and must not be retried (see above).
ROUTE_ERRORS = frozenset(
    {
        "unauthorized",
        "too_large",
        "invalid_request",
        "unknown_channel",
        "channel_disabled",
        "refused",
        "channel_failed",
        "internal_error",
    }
)
# Failures before the request left: it cannot have been sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The route's code for a WhatsApp message refused after the 24-hour window
# (bot.channels.whatsapp_send.WINDOW_CLOSED).
WINDOW_CLOSED = "window_closed"


class DeliveryError(Exception):
    """A reply could not be delivered to the customer (raised by ``deliver`` hooks).

    ``reason``: the channel's code when it refused the message for good
    (:data:`WINDOW_CLOSED`, a platform's error code), None when unknown.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class _NotSent(Exception):
    """An attempt that certainly did not send, and is worth another (module-private)."""


class RasaDelivery:
    """The default ``deliver`` hook: the Rasa server's channels, on its internal route."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff_s: float = DEFAULT_BACKOFF_S,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        # Headers are not logged by httpx; in case a proxy's error echoes it.
        hide_in_http_logs(token)
        self._attempts = max(1, attempts)
        self._backoff_s = backoff_s
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        if not token:
            logger.warning(
                "HANDOFF_DELIVERY_TOKEN is not set: agents' replies cannot reach customers "
                "(give the handoff service and the Rasa server the same value)"
            )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __call__(self, channel: str, recipient_id: str, text: str) -> None:
        if not self._token:
            raise DeliveryError("HANDOFF_DELIVERY_TOKEN is not set: nothing can be delivered")
        body = {"channel": channel, "recipient_id": recipient_id, "text": text, "human_agent": True}
        headers = {"Authorization": f"Bearer {self._token}"}

        async def attempt() -> None:
            try:
                response = await self._client.post(DELIVERIES_PATH, json=body, headers=headers)
            except NOT_SENT as error:
                raise _NotSent(
                    f"the Rasa server cannot be reached ({type(error).__name__})"
                ) from error
            except httpx.TransportError as error:
                # The request may have reached the Rasa server, which may be sending.
                raise DeliveryError(
                    f"{channel}: no answer from the Rasa server ({type(error).__name__}); "
                    "the message may or may not have arrived"
                ) from error
            if response.is_success:
                return
            answer = _answer(response)
            code, detail = _route_error(response, answer)
            if code in ROUTE_ERRORS or response.status_code < 500:
                raise DeliveryError(
                    _explain(channel, response.status_code, code, detail),
                    _refusal_code(answer) if code == "refused" else None,
                )
            raise _NotSent(f"HTTP {response.status_code}")

        def log(error: _NotSent, attempt: int, delay: float) -> None:
            logger.warning(
                "delivery on %s: %s, attempt %d of %d; retrying in %.1f s",
                channel, error, attempt, self._attempts, delay,
            )  # fmt: skip

        try:
            await retry(
                attempt,
                retry_on=_NotSent,
                attempts=self._attempts,
                base_s=self._backoff_s,
                on_retry=log,
            )
        except _NotSent as last:
            raise DeliveryError(f"{channel}: {last}, {self._attempts} times") from None

    async def ask_survey(self, request: SurveyRequest) -> SurveyAnswer:
        """Have the Rasa server ask a satisfaction survey (``POST /internal/surveys``).

        One attempt: the survey runner (handoff.surveys) tries again on its
        own schedule. The route is idempotent on the survey's id, so a try
        after a timeout never asks twice.
        """
        if not self._token:
            return SurveyAnswer("failed", "HANDOFF_DELIVERY_TOKEN is not set")
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            response = await self._client.post(
                SURVEYS_PATH, json=request.to_json(), headers=headers
            )
        except httpx.TransportError as error:
            return SurveyAnswer("retry", f"no answer from the Rasa server ({type(error).__name__})")
        if response.is_success:
            return SurveyAnswer("asked")
        answer = _answer(response)
        code, detail = _route_error(response, answer)
        if response.status_code == 409:
            return SurveyAnswer("refused", _refusal_reason(answer))
        if response.status_code >= 500:
            # The platform kept failing (502 channel_failed) or the server did:
            # a survey can wait for a later try.
            return SurveyAnswer("retry", f"HTTP {response.status_code} {code or ''}".strip())
        # 400/401/413/422: a set-up problem that another try will not mend.
        return SurveyAnswer("failed", _explain(request.channel, response.status_code, code, detail))


@dataclass(frozen=True)
class SurveyRequest:
    """What the Rasa server's survey route takes (bot.channels.internal)."""

    survey_id: str
    channel: str
    recipient_id: str
    conversation_id: str
    kind: str  # "handoff" or "bot"

    def to_json(self) -> dict[str, str]:
        return {
            "survey_id": self.survey_id,
            "channel": self.channel,
            "recipient_id": self.recipient_id,
            "conversation_id": self.conversation_id,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class SurveyAnswer:
    """``asked``; ``refused`` (``detail``: opted_out, window_closed, refused); ``retry``
    (try again later); ``failed`` (for good: a set-up problem)."""

    status: str
    detail: str = ""


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, read once; empty when it is none (a proxy's page)."""
    try:
        data = parse_json(response.content)
    except UntrustedInput:
        return {}
    return data if isinstance(data, dict) else {}


def _refusal_reason(answer: dict[str, Any]) -> str:
    reason = answer.get("reason")
    return reason[:64] if isinstance(reason, str) and reason else "refused"


def _refusal_code(answer: dict[str, Any]) -> str | None:
    """The ``code`` of the route's 409 ``refused``: why the channel refused, if it said."""
    code = answer.get("code")
    if isinstance(code, (str, int)) and not isinstance(code, bool):
        return str(code)[:64]
    return None


def _route_error(response: httpx.Response, answer: dict[str, Any]) -> tuple[str | None, str]:
    """The route's ``{"error", "detail"}``, or (None, the first bytes) from anyone else."""
    if isinstance(answer.get("error"), str):
        return answer["error"], str(answer.get("detail") or "")
    return None, response.text[:200]


def _explain(channel: str, status: int, code: str | None, detail: str) -> str:
    if code == "unauthorized":
        return (
            f"{channel}: the Rasa server refused the delivery token (HTTP 401): "
            "HANDOFF_DELIVERY_TOKEN must be set, to the same value, in both processes"
        )
    if status == 404 and code is None:
        return (
            f"{channel}: the Rasa server has no delivery route (HTTP 404): is "
            "bot.channels.internal.DeliveryRoute in its credentials.yml?"
        )
    what = f"HTTP {status} {code}" if code else f"HTTP {status}"
    return f"{channel}: {what}: {detail}" if detail else f"{channel}: {what}"

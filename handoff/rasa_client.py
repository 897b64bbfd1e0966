"""The Rasa server's HTTP API, for giving a conversation back to the bot: :class:`RasaClient`.

Closing a handoff resumes the bot (``POST /conversations/<id>/tracker/events``
with a ``resume`` event), then has it tell the customer it is back
(``POST /conversations/<id>/execute?output_channel=latest`` with the
response's name: Rasa sends it through the channel the customer last wrote
on). Both need ``rasa run --enable-api``; the token, when Rasa was started
with ``--auth-token``, goes in the ``token`` query parameter.

Rasa being briefly down (a restart) must not lose the hand-back: transport
errors and 5xx answers are retried with backoff. Other answers (401: wrong
token, 404: unknown conversation) will not improve and are not retried. A
hand-back that finally fails is logged at ERROR and reported to the caller,
never pretended: the handoff stays closed, and an operator must resume the
conversation (the same request by hand).

Note: Rasa 3.6 marks ``/execute`` deprecated (a warning in its log) but still
serves it; its replacement, ``/trigger_intent``, would need an intent whose
only job is to say the response.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

import httpx

from handoff.models import WITHDRAWN
from handoff.store import Handoff
from plumbing.backoff import retry
from plumbing.http_logs import hide_in_http_logs
from plumbing.untrusted import UntrustedInput, parse_json

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_S = 0.5  # then 1 s, 2 s: about 3.5 s of Rasa restarting covered
RESUMED_RESPONSE = "utter_handoff_resumed"
# What the bot says instead when the customer took the request back (handoff.withdrawal).
WITHDRAWN_RESPONSE = "utter_handoff_withdrawn"
# Characters a URL path segment may carry unencoded, besides letters, digits and -._~
PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"
SHOWN_CONVERSATION = re.compile(r"/conversations/[^/]+")
# In httpx's log lines the path is followed by a query, a space or a quote.
LOGGED_CONVERSATION = re.compile(r"/conversations/[^/?#\s\"']+")
HIDDEN_CONVERSATION = "/conversations/…"


class _ConversationIdFilter(logging.Filter):
    """Rewrites log lines that name a conversation in a Rasa URL (see hide_conversation_ids)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = LOGGED_CONVERSATION.sub(HIDDEN_CONVERSATION, message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


_conversation_filter = _ConversationIdFilter()


def hide_conversation_ids() -> None:
    """Keep conversation ids (phone numbers on SMS) out of httpx's INFO request lines.

    httpx logs ``HTTP Request: POST http://rasa:5005/conversations/+4915.../tracker/events``
    for every call; the line stays, with the id replaced. Idempotent; the
    client installs it, and so does the service's logging set-up.
    """
    http_logger = logging.getLogger("httpx")
    if _conversation_filter not in http_logger.filters:
        http_logger.addFilter(_conversation_filter)


class RasaError(Exception):
    """A request to Rasa failed for good (after retries, or with an answer that will not change)."""


class _TryAgain(Exception):
    """An attempt that failed in a way another may mend (module-private)."""


class RasaClient:
    def __init__(
        self,
        base_url: str,
        token: str = "",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff_s: float = DEFAULT_BACKOFF_S,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        # The token travels as a query parameter, which httpx logs at INFO;
        # the conversation id, a phone number on SMS, is in the path.
        hide_in_http_logs(token)
        hide_conversation_ids()
        self._attempts = max(1, attempts)
        self._backoff_s = backoff_s
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @staticmethod
    def _conversation(conversation_id: str) -> str:
        # Rasa's routes do not percent-decode path parameters: "%2B4915..."
        # would name another conversation than "+4915...". So every character
        # a path segment may hold as it is stays as it is (RFC 3986 pchar),
        # and only the rest (spaces, "/", "?"...) is encoded.
        return f"/conversations/{quote(conversation_id, safe=PATH_SEGMENT_SAFE)}"

    async def _request(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        # Conversation ids are phone numbers on SMS: logs and errors name the route only.
        shown = SHOWN_CONVERSATION.sub("/conversations/…", path)
        query = dict(params or {})
        if self._token:
            query["token"] = self._token

        async def attempt() -> httpx.Response:
            try:
                response = await self._client.request(method, path, json=body, params=query)
            except httpx.TransportError as error:
                raise _TryAgain(f"{type(error).__name__}: {error}") from error
            if response.is_success:
                return response
            problem = f"HTTP {response.status_code}: {response.text[:200]}"
            if response.status_code < 500:
                raise RasaError(f"{method} {shown} failed with {problem}")
            raise _TryAgain(problem)

        def log(error: _TryAgain, attempt: int, delay: float) -> None:
            logger.warning(
                "%s %s to Rasa failed (%s), attempt %d of %d; retrying in %.1f s",
                method, shown, error, attempt, self._attempts, delay,
            )  # fmt: skip

        try:
            return await retry(
                attempt,
                retry_on=_TryAgain,
                attempts=self._attempts,
                base_s=self._backoff_s,
                on_retry=log,
            )
        except _TryAgain as last:
            raise RasaError(
                f"{method} {shown} failed {self._attempts} times; last: {last}"
            ) from None

    async def _post(self, path: str, body: Any, params: dict[str, str] | None = None) -> None:
        await self._request("POST", path, body, params)

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The events of the conversation's current session, oldest first."""
        response = await self._request(
            "GET",
            f"{self._conversation(conversation_id)}/tracker",
            params={"include_events": "AFTER_RESTART"},
        )
        try:
            # parse_json: a tracker nested too deep raises RecursionError in
            # json.loads, which is no ValueError.
            events = parse_json(response.content).get("events") or []
        except (UntrustedInput, AttributeError):
            raise RasaError("the tracker Rasa sent is not a JSON object") from None
        if not isinstance(events, list):
            raise RasaError("the tracker Rasa sent has no list of events")
        return [event for event in events if isinstance(event, dict)]

    async def resume(self, conversation_id: str) -> None:
        """Let the bot answer this conversation again."""
        await self._post(
            f"{self._conversation(conversation_id)}/tracker/events", [{"event": "resume"}]
        )

    async def pause(self, conversation_id: str) -> None:
        """Stop the bot answering this conversation: a person has it again (handoff.surveys)."""
        await self._post(
            f"{self._conversation(conversation_id)}/tracker/events", [{"event": "pause"}]
        )

    async def say(self, conversation_id: str, response_name: str) -> None:
        """Have the bot send a response, through the customer's latest channel."""
        await self._post(
            f"{self._conversation(conversation_id)}/execute",
            {"name": response_name},
            {"output_channel": "latest"},
        )

    async def listen(self, conversation_id: str) -> None:
        """Record that the bot now waits for the customer, as after any turn of its own.

        Rasa's rules expect a customer message to follow ``action_listen``;
        after the handoff and the notice sent through /execute it would not,
        and the bot would not recognise its own flows on the next message.
        """
        await self._post(
            f"{self._conversation(conversation_id)}/tracker/events",
            [{"event": "action", "name": "action_listen"}],
        )

    async def hand_back(self, handoff: Handoff) -> bool:
        """The service's ``on_close`` hook: resume the bot, which says it is back
        (or, when the customer took the request back, that it is cancelled).

        True once the bot is resumed (even if the notice did not go out: the
        bot answers the customer's next message either way); False if not.
        """
        # Logged by handoff id only: conversation ids are phone numbers too.
        conversation_id = handoff.conversation_id
        try:
            await self.resume(conversation_id)
        except RasaError as error:
            logger.error("handoff %d closed but the bot was NOT resumed: %s", handoff.id, error)
            return False
        back = WITHDRAWN_RESPONSE if handoff.resolution == WITHDRAWN else RESUMED_RESPONSE
        try:
            await self.say(conversation_id, back)
        except RasaError as error:
            logger.error(
                "handoff %d: bot resumed but the customer was not told: %s", handoff.id, error
            )
        try:
            await self.listen(conversation_id)
        except RasaError as error:
            logger.error("handoff %d: bot resumed but not set to listen: %s", handoff.id, error)
        return True

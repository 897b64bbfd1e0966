"""Messenger's Send API, for sending: POST {api_base_url}/{api_version}/me/messages.

With the page access token. Texts split at 2000 characters on sentence
boundaries, buttons as quick replies under the last part, images as image
attachments; every call retried on 429, 5xx, network errors and Graph's
rate-limit codes (:func:`graph_error` says which errors are worth a retry).

Meta's 24-hour window: a page may answer freely for 24 hours after the
customer's last message (``messaging_type`` RESPONSE). After that only a human
agent may write, for 7 days, with the HUMAN_AGENT tag; the bot is refused here,
before Meta would refuse it. The webhook (bot.channels.messenger) records
when each customer last wrote, in the channels' store.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import Any

import httpx
from rasa.core.channels.channel import OutputChannel

from bot.channels.delivery import (
    PermanentSendError,
    RetryableSendError,
    SendError,
    retry_after_seconds,
    with_retries,
)
from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore, utc_now
from bot.channels.text import MESSENGER_LIMIT, split_text
from plumbing.http_logs import hide_in_http_logs

logger = logging.getLogger(__name__)

CHANNEL = "messenger"

# The Send API's limits on quick replies.
QUICK_REPLIES_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
QUICK_REPLY_PAYLOAD_LIMIT = 1000

# Meta's messaging windows, counted from the customer's last message.
STANDARD_WINDOW = dt.timedelta(hours=24)
HUMAN_AGENT_WINDOW = dt.timedelta(days=7)

# Graph error codes worth retrying: 1 unknown and 2 service errors (transient),
# 4, 17, 32 and 613 rate limits (application, user, page, custom).
RETRYABLE_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 613})


# -- rendering: Rasa's messages as Send API message objects ---------------------------


def quick_replies(buttons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa's buttons as Messenger quick replies, within the Send API's limits."""
    if len(buttons) > QUICK_REPLIES_LIMIT:
        logger.warning(
            "messenger: %d buttons, only the first %d are shown",
            len(buttons),
            QUICK_REPLIES_LIMIT,
        )
    replies = []
    for button in buttons[:QUICK_REPLIES_LIMIT]:
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title)
        if not title:
            continue
        if len(title) > QUICK_REPLY_TITLE_LIMIT:
            title = title[: QUICK_REPLY_TITLE_LIMIT - 1].rstrip() + "…"
        replies.append(
            {
                "content_type": "text",
                "title": title,
                "payload": payload[:QUICK_REPLY_PAYLOAD_LIMIT],
            }
        )
    return replies


def text_messages(text: str, buttons: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The Send API ``message`` objects for a text: split, quick replies on the last part."""
    messages: list[dict[str, Any]] = [{"text": part} for part in split_text(text, MESSENGER_LIMIT)]
    replies = quick_replies(buttons)
    if replies and messages:
        messages[-1]["quick_replies"] = replies
    return messages


def image_message(url: str) -> dict[str, Any]:
    return {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}}


# -- the Send API ----------------------------------------------------------------------


def graph_error(response: httpx.Response) -> SendError:
    """A refused Send API call as ours: worth retrying, or not.

    Graph answers errors as {"error": {"message", "type", "code",
    "error_subcode", "is_transient", "fbtrace_id"}}; a proxy in between may
    answer anything, so nothing of it is taken for granted.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    description = (
        f"HTTP {response.status_code}, {error.get('type', 'no Graph error')}"
        f" subcode {error.get('error_subcode')}: {error.get('message', response.reason_phrase)}"
        f" (fbtrace_id {error.get('fbtrace_id')})"
    )
    if (
        response.status_code == 429
        or response.status_code >= 500
        or code in RETRYABLE_GRAPH_CODES
        or error.get("is_transient") is True
    ):
        return RetryableSendError(
            CHANNEL,
            description,
            code,
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After")),
        )
    return PermanentSendError(CHANNEL, description, code)


class MessengerOutput(OutputChannel):
    """Sends the bot's (or an agent's) messages to a customer's PSID.

    ``raise_errors``: raise SendError when a message cannot be delivered
    (outbound.send_to_customer's contract), or log it and carry on (in a Rasa
    turn, where an exception would lose the turn and leave the delivery to be
    processed again at the next start). ``one_off``: close the HTTP client
    after each send, for an output that nobody closes. Failures are logged in
    both cases, once, with Graph's error code and subcode.
    """

    def __init__(
        self,
        settings: ChannelSettings,
        store: ChannelStore,
        *,
        raise_errors: bool = False,
        one_off: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.raise_errors = raise_errors
        self.one_off = one_off
        self._transport = transport  # tests pass httpx.MockTransport
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @property
    def url(self) -> str:
        messenger = self.settings.messenger
        return f"{messenger.api_base_url}/{messenger.api_version}/me/messages"

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running event loop it is bound to.
        if self._client is None:
            hide_in_http_logs(self.settings.messenger.page_access_token)
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout_s), transport=self._transport
            )
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # -- what Rasa (and the handoff service) call ------------------------------------

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # kwargs: the rest of Rasa's message, or human_agent from the handoff service.
        await self._send(recipient_id, text_messages(text), kwargs.get("human_agent") is True)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(
            recipient_id, text_messages(text, buttons), kwargs.get("human_agent") is True
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, [image_message(image)], kwargs.get("human_agent") is True)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        human_agent = kwargs.get("human_agent") is True
        if isinstance(attachment, dict) and "type" in attachment and "payload" in attachment:
            # Already a Send API attachment (a template, a file by URL...).
            await self._send(recipient_id, [{"attachment": attachment}], human_agent)
        else:
            await self._send(recipient_id, text_messages(str(attachment)), human_agent)

    async def send_elements(self, recipient_id: str, elements: Any, **kwargs: Any) -> None:
        template = {"template_type": "generic", "elements": list(elements)}
        await self._send(
            recipient_id,
            [{"attachment": {"type": "template", "payload": template}}],
            kwargs.get("human_agent") is True,
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # A custom response is taken to be a Send API message object; Rasa's
        # default would show the customer raw JSON.
        await self._send(recipient_id, [json_message], kwargs.get("human_agent") is True)

    # -- sending -------------------------------------------------------------------------

    async def _send(
        self, recipient_id: str, messages: list[dict[str, Any]], human_agent: bool
    ) -> None:
        try:
            if messages:
                window = await self._messaging_type(recipient_id, human_agent)
                # Stops at the first part that fails: the rest would arrive out
                # of context, or fail the same way.
                for message in messages:
                    body = {"recipient": {"id": recipient_id}, **window, "message": message}
                    await with_retries(functools.partial(self._post, body))
        except SendError as error:
            logger.error("messenger: message to %s not delivered: %s", recipient_id, error)
            if self.raise_errors:
                raise
        finally:
            if self.one_off:
                await self.close()

    async def _messaging_type(self, recipient_id: str, human_agent: bool) -> dict[str, str]:
        """RESPONSE inside the 24-hour window; the HUMAN_AGENT tag after it, for people only."""
        last = await self.store.last_inbound_at(CHANNEL, recipient_id)
        elapsed = utc_now() - last if last is not None else None
        if elapsed is not None and elapsed < STANDARD_WINDOW:
            return {"messaging_type": "RESPONSE"}
        if not human_agent:
            raise PermanentSendError(
                CHANNEL, "outside the 24-hour window, only a human agent may write"
            )
        if elapsed is not None and elapsed >= HUMAN_AGENT_WINDOW:
            raise PermanentSendError(
                CHANNEL, "the customer last wrote more than 7 days ago (HUMAN_AGENT window)"
            )
        # With no record of the customer's last message, Meta decides.
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}

    async def _post(self, body: dict[str, Any]) -> None:
        try:
            response = await self._http().post(
                self.url,
                params={"access_token": self.settings.messenger.page_access_token},
                json=body,
            )
        except httpx.TransportError as error:
            # Connection failures and timeouts alike. A timeout after Meta got
            # the message makes a retry send it twice: rarer and better than losing it.
            raise RetryableSendError(CHANNEL, f"{type(error).__name__}: {error}") from error
        if response.is_success:
            logger.debug("messenger: sent to %s", body["recipient"]["id"])
            return
        raise graph_error(response)

"""WhatsApp's native buttons, made with Twilio's Content API: POST {base}/v1/Content.

WhatsApp has no buttons in a plain message: Twilio sends them as a *content
template* made beforehand, then named in the Messages API's ``ContentSid``
with the text in ``ContentVariables``. What Twilio documents, and we rely on
(twilio.com/docs/content):

- ``twilio/quick-reply``: a ``body`` (at most 1,024 characters, variables
  allowed) and ``actions`` of ``{"title", "id"}``; sent in a session without
  WhatsApp's approval, at most **3** buttons;
- ``twilio/list-picker``: a ``body``, a ``button`` (the label that opens the
  list) and 1 to **10** ``items`` of ``{"item"`` (24 characters), ``"id"``
  (200), ``"description"`` (72)``}``; only inside the 24-hour session, and
  never approvable as a template;
- a Content resource is created with ``friendly_name``, ``language``,
  ``variables`` (sample values) and ``types``; its SID is ``HX`` and 32 hex
  digits.

Each shape (the buttons' kind, titles and ids) is created once and its SID
cached, the message's text being the variable ``{{1}}``: the same buttons
under another text reuse it. The cache lives as long as the input channel;
a restart creates the shapes again (Twilio keeps the old ones, unused).

A button's ``id`` is its Rasa payload, which Twilio hands back as
``ButtonPayload`` when the customer taps it (bot.channels.whatsapp). Buttons
that do not fit (more than 10, a payload longer than an id may be, titles
that collide once cut) are not rendered here: the caller sends a numbered
list instead, as SMS does, and does the same when the Content API fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import httpx

from bot.channels.settings import CONTENT_SID, ChannelSettings
from plumbing.http_logs import hide_in_http_logs

logger = logging.getLogger(__name__)

QUICK_REPLY = "twilio/quick-reply"
LIST_PICKER = "twilio/list-picker"
# Twilio's limits (above); WhatsApp's own on a reply button's title is 20.
QUICK_REPLY_LIMIT = 3
LIST_PICKER_LIMIT = 10
BODY_LIMIT = 1024
QUICK_REPLY_TITLE_LIMIT = 20
LIST_ITEM_LIMIT = 24
LIST_DESCRIPTION_LIMIT = 72
ID_LIMIT = 200
LIST_BUTTON_LABEL = "Choose an option"
# WhatsApp's limit on the label of the button that opens a list.
LIST_BUTTON_LIMIT = 20
# The one variable of every content we make: the message's text.
BODY_VARIABLE = "1"
# Shapes remembered per channel; a bot has a few dozen button sets.
CACHE_SIZE = 256
CONTENT_LANGUAGE = "en"


class ContentUnavailable(Exception):
    """The Content API did not make the content: the caller falls back to text."""


def _cut(title: str, limit: int) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def content_types(
    buttons: Sequence[dict[str, Any]], *, list_button: str = LIST_BUTTON_LABEL
) -> dict[str, Any] | None:
    """Rasa's buttons as a Content resource's ``types``, or None when they cannot be.

    The body is the variable ``{{1}}``, filled in when the message is sent;
    ``list_button`` labels the button that opens a list picker.
    """
    if not 1 <= len(buttons) <= LIST_PICKER_LIMIT:
        return None
    titles, ids = [], []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if not title or len(payload) > ID_LIMIT:
            return None
        titles.append(title)
        ids.append(payload)
    body = "{{" + BODY_VARIABLE + "}}"
    if len(buttons) <= QUICK_REPLY_LIMIT:
        shown = [_cut(title, QUICK_REPLY_TITLE_LIMIT) for title in titles]
        types = {
            QUICK_REPLY: {
                "body": body,
                "actions": [{"title": t, "id": i} for t, i in zip(shown, ids, strict=True)],
            }
        }
    else:
        shown = [_cut(title, LIST_ITEM_LIMIT) for title in titles]
        items = [
            {"item": t, "id": i, "description": _cut(full, LIST_DESCRIPTION_LIMIT)}
            for t, i, full in zip(shown, ids, titles, strict=True)
        ]
        label = _cut(list_button, LIST_BUTTON_LIMIT)
        types = {LIST_PICKER: {"body": body, "button": label, "items": items}}
    # WhatsApp needs each title once, and each id tells the taps apart.
    if len(set(shown)) != len(shown) or len(set(ids)) != len(ids):
        return None
    return types


def shape_key(types: dict[str, Any]) -> str:
    """The cache key of a content: a digest of its canonical JSON."""
    canonical = json.dumps(types, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ContentTemplates:
    """Content SIDs by shape, created on first use (one at a time) and cached."""

    def __init__(
        self, settings: ChannelSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._transport = transport  # tests pass httpx.MockTransport
        self._sids: OrderedDict[str, str] = OrderedDict()
        self._lock: asyncio.Lock | None = None

    @property
    def url(self) -> str:
        return f"{self._settings.twilio.content_api_base_url}/v1/Content"

    async def sid_for(self, types: dict[str, Any], language: str = CONTENT_LANGUAGE) -> str:
        """The SID of a content of this shape, in ``language``; raises ContentUnavailable."""
        key = shape_key(types)
        if language != CONTENT_LANGUAGE:
            key = f"{language}:{key}"
        if key in self._sids:
            self._sids.move_to_end(key)
            return self._sids[key]
        # Created in the server's loop, on first use. One creation at a time:
        # two messages with new buttons at once would otherwise make two.
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if key not in self._sids:
                self._sids[key] = await self._create(key, types, language)
                while len(self._sids) > CACHE_SIZE:
                    self._sids.popitem(last=False)
            return self._sids[key]

    async def _create(self, key: str, types: dict[str, Any], language: str) -> str:
        # One attempt, no retries: the customer is waiting, and a numbered
        # list is a good answer too. A client per creation: they are rare.
        twilio = self._settings.twilio
        hide_in_http_logs(twilio.auth_token)
        kind = next(iter(types)).split("/")[-1]
        digest = key.rpartition(":")[2]
        name = f"northwind_{kind.replace('-', '_')}_{digest[:16]}"
        body = {
            "friendly_name": name if language == CONTENT_LANGUAGE else f"{name}_{language}",
            "language": language,
            "variables": {BODY_VARIABLE: "How can I help?"},
            "types": types,
        }
        try:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(self._settings.timeout_s),
                auth=(twilio.account_sid, twilio.auth_token),
                transport=self._transport,
            ) as client:
                response = await client.post(self.url, json=body)
        except httpx.HTTPError as error:
            raise ContentUnavailable(
                f"cannot reach the Content API: {type(error).__name__}"
            ) from error
        if not response.is_success:
            raise ContentUnavailable(f"the Content API answered HTTP {response.status_code}")
        try:
            sid = response.json().get("sid")
        except (ValueError, AttributeError):
            sid = None
        if not isinstance(sid, str) or not CONTENT_SID.fullmatch(sid):
            raise ContentUnavailable("the Content API answered without a Content SID")
        logger.info("whatsapp: created content %s (%s)", sid, kind)
        return sid

"""Meta's Graph API Send API: POST /{version}/me/messages.

Checks what the real Send API checks, answering errors in Graph's shape
(https://developers.facebook.com/docs/graph-api/guides/error-handling):
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``.

    access_token query parameter is not the page token   400, code 190
    unknown path or method                               400, code 2500
    no recipient.id, no message, bad messaging_type      400, code 100
    text over 2000 characters, more than 13 quick
    replies, a quick reply title over 20 characters      400, code 100

A message it accepts is answered ``{"recipient_id": ..., "message_id": "m_..."}``
and kept, in order, for ``sent_to(psid)``. Failures can be scripted for one
recipient (``fail_next_for``), so that a test's 429 is not consumed by a
reply to another test's customer still in flight.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections import defaultdict
from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply

MESSAGES_PATH = re.compile(r"/v\d+\.\d+/me/messages")
TEXT_LIMIT = 2000
QUICK_REPLIES_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
MESSAGE_TAGS = {"HUMAN_AGENT", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}
ATTACHMENT_TYPES = {"image", "audio", "video", "file", "template"}


def graph_error(
    status: int,
    code: int,
    message: str,
    *,
    type_: str = "OAuthException",
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    error: dict[str, Any] = {
        "message": message,
        "type": type_,
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(8),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(status, {"error": error}, headers or {})


def rate_limited(retry_after: int | None = None) -> Reply:
    """HTTP 429, as a proxy or Graph's edge answers it (Retry-After if given)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return graph_error(429, 4, "(#4) Application request limit reached", headers=headers)


def message_problem(message: Any) -> str | None:
    """What Graph would refuse in a ``message`` object, or None."""
    if not isinstance(message, dict):
        return "(#100) The parameter message is required"
    text, attachment = message.get("text"), message.get("attachment")
    if (text is None) == (attachment is None):
        return "(#100) Exactly one of message[text] or message[attachment] must be set"
    if text is not None:
        if not isinstance(text, str) or not text:
            return "(#100) message[text] must be a non-empty UTF-8 string"
        if len(text) > TEXT_LIMIT:
            return f"(#100) Length of param message[text] must be at most {TEXT_LIMIT}"
    if attachment is not None:
        if not isinstance(attachment, dict) or attachment.get("type") not in ATTACHMENT_TYPES:
            return "(#100) message[attachment][type] must be one of " + ", ".join(
                sorted(ATTACHMENT_TYPES)
            )
        if not isinstance(attachment.get("payload"), dict):
            return "(#100) message[attachment][payload] is required"
    replies = message.get("quick_replies")
    if replies is not None:
        if not isinstance(replies, list) or not 1 <= len(replies) <= QUICK_REPLIES_LIMIT:
            return f"(#100) message[quick_replies] must have 1 to {QUICK_REPLIES_LIMIT} elements"
        for reply in replies:
            if not isinstance(reply, dict) or reply.get("content_type") != "text":
                return "(#100) quick_replies[content_type] must be text"
            title = reply.get("title")
            if not isinstance(title, str) or not 0 < len(title) <= QUICK_REPLY_TITLE_LIMIT:
                return f"(#100) quick_replies[title] must be 1 to {QUICK_REPLY_TITLE_LIMIT} chars"
            if not reply.get("payload"):
                return "(#100) quick_replies[payload] is required"
    return None


class FakeGraph(FakeApi):
    def __init__(self, page_access_token: str | None = None) -> None:
        super().__init__()
        if page_access_token is None:
            # The suite's test token; imported here, not at the top, because
            # conftest imports this module.
            from tests.conftest import MESSENGER_PAGE_ACCESS_TOKEN

            page_access_token = MESSENGER_PAGE_ACCESS_TOKEN
        self.page_access_token = page_access_token
        self._ids = itertools.count(1)
        self._graph_lock = threading.Lock()
        # Request bodies accepted, in the order they arrived.
        self.accepted: list[dict[str, Any]] = []
        # Refused request bodies with Graph's error message, for failing tests' messages.
        self.refused: list[tuple[Any, str]] = []
        self._scripted_for: dict[str, list[Reply]] = defaultdict(list)

    def reset(self) -> None:
        super().reset()
        with self._graph_lock:
            self.accepted.clear()
            self.refused.clear()
            self._scripted_for.clear()

    def fail_next_for(self, psid: str, *replies: Reply) -> None:
        """Answer the next requests to ``psid`` with these replies, then normally again."""
        with self._graph_lock:
            self._scripted_for[psid].extend(replies)

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or not MESSAGES_PATH.fullmatch(request.path):
            return graph_error(400, 2500, f"Unknown path components: {request.path}")
        if request.query.get("access_token", [""])[0] != self.page_access_token:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        try:
            body = request.json()
        except ValueError:
            return self._refuse(None, "(#100) The request body is not JSON")
        if not isinstance(body, dict):
            return self._refuse(body, "(#100) The request body is not a JSON object")
        recipient = body.get("recipient")
        psid = recipient.get("id") if isinstance(recipient, dict) else None
        if not isinstance(psid, str) or not psid:
            return self._refuse(body, "(#100) The parameter recipient is required")
        with self._graph_lock:
            scripted = self._scripted_for.get(psid)
            if scripted:
                return scripted.pop(0)
        messaging_type = body.get("messaging_type")
        if messaging_type not in MESSAGING_TYPES:
            return self._refuse(body, "(#100) Param messaging_type is not valid")
        if messaging_type == "MESSAGE_TAG" and body.get("tag") not in MESSAGE_TAGS:
            return self._refuse(body, "(#100) Param tag must be a valid message tag")
        problem = message_problem(body.get("message"))
        if problem is not None:
            return self._refuse(body, problem)
        with self._graph_lock:
            self.accepted.append(body)
            message_id = f"m_{next(self._ids):08d}"
        return Reply(200, {"recipient_id": psid, "message_id": message_id})

    def _refuse(self, body: Any, message: str) -> Reply:
        with self._graph_lock:
            self.refused.append((body, message))
        return graph_error(400, 100, message)

    # -- what tests read ---------------------------------------------------------------

    def sent_to(self, psid: str) -> list[dict[str, Any]]:
        """The request bodies accepted for ``psid``, in order."""
        with self._graph_lock:
            return [body for body in self.accepted if body["recipient"]["id"] == psid]

    def texts_to(self, psid: str) -> list[str]:
        return [b["message"]["text"] for b in self.sent_to(psid) if "text" in b["message"]]

    def refused_for(self, psid: str) -> list[str]:
        with self._graph_lock:
            return [
                message
                for body, message in self.refused
                if isinstance(body, dict) and (body.get("recipient") or {}).get("id") == psid
            ]

    def requests_to(self, psid: str) -> list[Recorded]:
        """Every request for ``psid``, failed ones included (the base class records them)."""
        return [r for r in list(self.requests) if _recipient(r) == psid]

    def wait_for_sent(
        self, psid: str, count: int = 1, timeout_s: float = 60.0
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages to ``psid`` were accepted (replies are asynchronous)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            sent = self.sent_to(psid)
            if len(sent) >= count:
                return sent
            time.sleep(0.05)
        raise AssertionError(
            f"timed out waiting for {count} message(s) to {psid}; accepted: "
            f"{self.sent_to(psid)}; refused: {self.refused_for(psid)}"
        )


def _recipient(request: Recorded) -> str | None:
    try:
        body = request.json()
    except ValueError:
        return None
    recipient = body.get("recipient") if isinstance(body, dict) else None
    return recipient.get("id") if isinstance(recipient, dict) else None

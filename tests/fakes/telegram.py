"""Telegram's Bot API: POST /bot{token}/{method} (sendMessage, sendPhoto, answerCallbackQuery...).

Answers the way https://core.telegram.org/bots/api documents: a wrong token
is 401, every answer is ``{"ok": ..., "result" | "error_code", "description"}``,
and send methods return the sent Message, which python-telegram-bot parses.
It also enforces the limits our channel must respect (4096 characters of
text, 64 bytes of callback_data), so that a bug there fails a test.

PTB sends parameters form-encoded, with objects such as ``reply_markup`` as
JSON strings, or multipart when it uploads a file; other clients send JSON.
All three are read.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply

BOT_ID = 7000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Northwind",
    "username": "northwind_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# Parameters that carry JSON-serialized objects in a form-encoded request.
JSON_PARAMETERS = {"reply_markup", "entities", "caption_entities", "link_preview_options"}
SEND_METHODS = {"sendMessage", "sendPhoto"}


def error(code: int, description: str, retry_after: int | None = None) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Reply(code, body)


def too_many_requests(retry_after: int = 1) -> Reply:
    return error(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def parameters(request: Recorded) -> dict[str, Any]:
    """The method's parameters, however they were encoded."""
    content_type = request.headers.get("content-type", "")
    if not request.body:
        params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    elif content_type.startswith("application/json"):
        params = dict(request.json())
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
        )
        params = {
            str(part.get_param("name", header="content-disposition")): (
                part.get_content() if part.get_filename() is None else part.get_payload(decode=True)
            )
            for part in message.iter_parts()
        }
    else:
        params = request.form()
    for name in JSON_PARAMETERS & params.keys():
        if isinstance(params[name], str):
            params[name] = json.loads(params[name])
    return params


class FakeTelegram(FakeApi):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        # Defaults to the token the assistant fixture gives the channel;
        # imported here because tests/conftest.py imports this module.
        if token is None:
            from tests.conftest import TELEGRAM_BOT_TOKEN

            token = TELEGRAM_BOT_TOKEN
        self.token = token
        self._message_ids = itertools.count(1)
        self._per_chat_failures: dict[str, list[Reply]] = defaultdict(list)
        # (method, parameters) of every call answered with success, in order.
        self._succeeded: list[tuple[str, dict[str, Any]]] = []
        self._state_lock = threading.Lock()

    # -- scripting and reading what was sent ------------------------------------------

    def fail_next_for(self, chat_id: int | str, *replies: Reply) -> None:
        """Answer the next send methods to this chat with these replies.

        Unlike ``fail_next``, unaffected by calls for other chats that the
        shared assistant may be making at the same time.
        """
        with self._state_lock:
            self._per_chat_failures[str(chat_id)].extend(replies)

    def calls(self, method: str, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Parameters of the successful calls of ``method`` (to ``chat_id``), in order."""
        with self._state_lock:
            succeeded = list(self._succeeded)
        return [
            params
            for name, params in succeeded
            if name == method and (chat_id is None or str(params.get("chat_id")) == str(chat_id))
        ]

    def sent_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The sendMessage parameters delivered to this chat, in order."""
        return self.calls("sendMessage", chat_id)

    def sent_texts(self, chat_id: int | str) -> list[str]:
        return [str(params["text"]) for params in self.sent_messages(chat_id)]

    def attempts(self, method: str, chat_id: int | str) -> int:
        """Every request for ``method`` to this chat, failed ones included."""
        return sum(
            1
            for request in list(self.requests)
            if request.path.endswith(f"/{method}")
            and str(parameters(request).get("chat_id")) == str(chat_id)
        )

    def wait_for_messages(
        self, chat_id: int | str, count: int = 1, timeout_s: float = 60.0
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages reached the chat (replies are sent asynchronously)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            sent = self.sent_messages(chat_id)
            if len(sent) >= count:
                return sent
            time.sleep(0.05)
        raise AssertionError(
            f"timed out waiting for {count} messages to chat {chat_id}; got "
            f"{self.sent_texts(chat_id)}"
        )

    def wait_for_call(
        self, method: str, chat_id: int | str | None = None, timeout_s: float = 60.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.calls(method, chat_id)
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {method} to chat {chat_id}")

    # -- the API ------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        prefix, _, method = request.path.lstrip("/").partition("/")
        if prefix != f"bot{self.token}":
            return error(401, "Unauthorized")
        params = parameters(request)
        if method in SEND_METHODS:
            with self._state_lock:
                scripted = self._per_chat_failures.get(str(params.get("chat_id")))
                if scripted:
                    return scripted.pop(0)
        answer = self._answer(method, params)
        if answer.status == 200:
            with self._state_lock:
                self._succeeded.append((method, params))
        return answer

    def _answer(self, method: str, params: dict[str, Any]) -> Reply:
        if method == "getMe":
            return ok(BOT_USER)
        if method in {"setWebhook", "deleteWebhook"}:
            return ok(True)
        if method == "answerCallbackQuery":
            if not params.get("callback_query_id"):
                return error(400, "Bad Request: query is too old or query ID is invalid")
            return ok(True)
        if method == "sendMessage":
            text = str(params.get("text") or "")
            if not params.get("chat_id"):
                return error(400, "Bad Request: chat not found")
            if not text.strip():
                return error(400, "Bad Request: message text is empty")
            if len(text) > TEXT_LIMIT:
                return error(400, "Bad Request: message is too long")
            if not callback_data_valid(params.get("reply_markup")):
                return error(400, "Bad Request: BUTTON_DATA_INVALID")
            return ok(self._message(params, {"text": text}))
        if method == "sendPhoto":
            if not params.get("chat_id"):
                return error(400, "Bad Request: chat not found")
            if not params.get("photo"):
                return error(400, "Bad Request: there is no photo in the request")
            photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 320, "height": 240}]
            return ok(self._message(params, {"photo": photo}))
        return error(404, "Not Found")

    def _message(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = str(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"},
            "from": BOT_USER,
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message


def ok(result: Any) -> Reply:
    return Reply(200, {"ok": True, "result": result})


def callback_data_valid(markup: Any) -> bool:
    if not isinstance(markup, dict):
        return True
    return all(
        0 < len(str(button.get("callback_data", "x")).encode()) <= CALLBACK_DATA_LIMIT
        for row in markup.get("inline_keyboard", [])
        for button in row
    )

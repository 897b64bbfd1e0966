"""Twilio's Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
and its Content API: POST /v1/Content (WhatsApp's buttons and templates).

Checks what the real API checks, with its error codes and JSON shape
(https://www.twilio.com/docs/api/errors): HTTP basic auth with the account
SID and auth token (20003), a To (21604), a From or MessagingServiceSid
(21603), a Body, MediaUrl or ContentSid (21602), a Body of at most 1600
characters (21617). WhatsApp's: From and To both ``whatsapp:`` or neither
(21910), ContentVariables only with a ContentSid (21654) and as a JSON
object (21656), a ContentSid the account has (20404). A message it accepts
is answered 201 with a message resource.

The Content API takes what twilio.com/docs/content documents for the two
types WhatsApp's buttons use: ``twilio/quick-reply`` (a body of at most
1,024 characters, 1 to 10 actions of a title and an id) and
``twilio/list-picker`` (a body, a button label, 1 to 10 items of an item of
at most 24 characters, an id of at most 200 and a description of at most
72). It answers 201 with a Content resource (its ``sid``, HX...). Approved
templates, which are made in Twilio's console, are added with ``add_content``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import itertools
import json
import math
import re
import uuid
from typing import Any
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.credentials import (
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
)
from tests.fakes.server import FakeApi, Recorded, Reply

MESSAGES_PATH = re.compile(
    r"/2010-04-01/Accounts/(?P<account_sid>AC[0-9a-fA-F]{32})/Messages\.json"
)
CONTENT_PATH = "/v1/Content"
BODY_LIMIT = 1600
CONTENT_BODY_LIMIT = 1024
WHATSAPP = "whatsapp:"
ERRORS_URL = "https://www.twilio.com/docs/errors"


def twilio_error(status: int, code: int, message: str) -> Reply:
    return Reply(
        status,
        {"code": code, "message": message, "more_info": f"{ERRORS_URL}/{code}", "status": status},
    )


def form_fields(request: Recorded) -> dict[str, list[str]]:
    """Every value of every field: MediaUrl may repeat."""
    return parse_qs(request.body.decode(), keep_blank_values=True)


class FakeTwilio(FakeApi):
    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        super().__init__()
        if account_sid is None or auth_token is None:
            # The suite's test credentials; imported here, not at the top,
            # because conftest imports this module.
            from tests.conftest import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN

            account_sid, auth_token = TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._sids = itertools.count(1)
        # Content resources by SID: those created, and templates added by tests.
        self.contents: dict[str, dict[str, Any]] = {}
        # Each request with the status it got: the base class records only
        # requests, and messages() leaves out the 429s and errors.
        self._answered: list[tuple[Recorded, int]] = []

    def handle(self, request: Recorded) -> Reply:
        if request.path == CONTENT_PATH:
            return self._content(request)
        match = MESSAGES_PATH.fullmatch(request.path)
        if request.method != "POST" or match is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        if not self._authorized(request, match.group("account_sid")):
            return twilio_error(401, 20003, "Authenticate")
        fields = form_fields(request)
        to = fields.get("To", [""])[0]
        sender = fields.get("From", [""])[0]
        service = fields.get("MessagingServiceSid", [""])[0]
        body = fields.get("Body", [""])[0]
        media = fields.get("MediaUrl", [])
        if not to:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        content_sid = fields.get("ContentSid", [""])[0]
        variables = fields.get("ContentVariables", [""])[0]
        if (to.startswith(WHATSAPP)) != (sender or to).startswith(WHATSAPP):
            return twilio_error(400, 21910, "Invalid From and To pair.")
        if variables and not content_sid:
            return twilio_error(400, 21654, "ContentSid Required")
        if content_sid and content_sid not in self.contents:
            return twilio_error(404, 20404, "The requested resource was not found")
        if variables and not _json_object(variables):
            return twilio_error(400, 21656, "The ContentVariables Parameter is invalid.")
        if not body and not media and not content_sid:
            return twilio_error(400, 21602, "Message body is required.")
        if len(body) > BODY_LIMIT:
            return twilio_error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        return Reply(201, self._message_resource(match.group("account_sid"), fields))

    def _content(self, request: Recorded) -> Reply:
        if request.method != "POST":
            return twilio_error(405, 20004, "Method not allowed")
        if not self._authorized(request, self.account_sid):
            return twilio_error(401, 20003, "Authenticate")
        try:
            data = request.json()
        except ValueError:
            return twilio_error(400, 20001, "Invalid JSON")
        problem = _content_problem(data)
        if problem:
            return twilio_error(400, 20001, problem)
        sid = f"HX{uuid.uuid4().hex}"
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "friendly_name": data.get("friendly_name"),
            "language": data.get("language"),
            "variables": data.get("variables", {}),
            "types": data["types"],
            "url": f"https://content.twilio.com/v1/Content/{sid}",
        }
        with self._lock:
            self.contents[sid] = resource
        return Reply(201, resource)

    def add_content(self, sid: str, types: dict[str, Any]) -> None:
        """A content made elsewhere (an approved template, made in Twilio's console)."""
        with self._lock:
            self.contents[sid] = {"sid": sid, "types": types}

    def created_contents(self) -> list[dict[str, Any]]:
        """The Content resources created through the API, oldest first."""
        with self._lock:
            return [c for c in self.contents.values() if "account_sid" in c]

    def _authorized(self, request: Recorded, account_sid: str) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            credentials = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = f"{self.account_sid}:{self.auth_token}"
        return account_sid == self.account_sid and hmac.compare_digest(credentials, expected)

    def _message_resource(self, account_sid: str, fields: dict[str, list[str]]) -> dict[str, Any]:
        sid = f"SM{next(self._sids):032x}"
        body = fields.get("Body", [""])[0]
        now = dt.datetime.now(dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
        return {
            "sid": sid,
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": fields.get("From", [None])[0],
            "messaging_service_sid": fields.get("MessagingServiceSid", [None])[0],
            "num_media": str(len(fields.get("MediaUrl", []))),
            "num_segments": str(1 if len(body) <= 160 else math.ceil(len(body) / 153)),
            "price": None,
            "price_unit": "USD",
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": fields["To"][0],
            "uri": f"{uri}.json",
        }

    # -- what tests read ---------------------------------------------------------

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """The messages Twilio accepted (201), oldest first, as form fields.

        ``MediaUrl`` is a list (it may repeat); every other field a string.
        Requests answered with a scripted failure or an error are left out.
        """
        with self._lock:
            answered = list(self._answered)
        accepted = []
        for request, status in answered:
            if status != 201:
                continue
            fields: dict[str, Any] = {
                name: values if name == "MediaUrl" else values[0]
                for name, values in form_fields(request).items()
            }
            if to is None or fields.get("To") == to:
                accepted.append(fields)
        return accepted

    def content_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == CONTENT_PATH]

    def bodies(self, to: str) -> list[str]:
        return [str(m.get("Body", "")) for m in self.messages(to)]

    def wait_for_messages(
        self, to: str, count: int, timeout_s: float = 30.0
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages to ``to`` were accepted; all of them."""
        self.wait_for(lambda _: len(self.messages(to)) >= count, timeout_s)
        return self.messages(to)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._answered.clear()

    def _reply_for(self, recorded: Recorded) -> Reply:
        reply = super()._reply_for(recorded)
        with self._lock:
            self._answered.append((recorded, reply.status))
        return reply


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _content_problem(data: Any) -> str | None:
    """What Twilio would refuse in a Content resource of the two button types, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        return "types is required"
    for kind, content in data["types"].items():
        if not isinstance(content, dict):
            return f"{kind} must be an object"
        body = content.get("body")
        if not isinstance(body, str) or not body or len(body) > CONTENT_BODY_LIMIT:
            return f"{kind}: body is required, at most {CONTENT_BODY_LIMIT} characters"
        if kind == "twilio/quick-reply":
            actions = content.get("actions")
            if not isinstance(actions, list) or not 1 <= len(actions) <= 10:
                return "twilio/quick-reply: 1 to 10 actions"
            if any(not a.get("title") or not a.get("id") for a in actions):
                return "twilio/quick-reply: each action needs a title and an id"
        elif kind == "twilio/list-picker":
            items = content.get("items")
            if not content.get("button"):
                return "twilio/list-picker: button is required"
            if not isinstance(items, list) or not 1 <= len(items) <= 10:
                return "twilio/list-picker: 1 to 10 items"
            for item in items:
                if (
                    not 0 < len(item.get("item", "")) <= 24
                    or not 0 < len(item.get("id", "")) <= 200
                ):
                    return "twilio/list-picker: item (24) and id (200) are required"
                if not 0 < len(item.get("description", "")) <= 72:
                    return "twilio/list-picker: description (72) is required"
        else:
            return f"the fake knows no {kind}"
    return None


def post_inbound_sms(
    rasa_url: str, sender: str, body: str, *, message_sid: str | None = None
) -> httpx.Response:
    """What Twilio posts to our webhook for a customer's SMS, signed as Twilio signs it."""
    params = {
        "MessageSid": message_sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": sender,
        "To": TWILIO_FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    url = f"{PUBLIC_URL}/webhooks/sms/webhook"
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return httpx.post(
        f"{rasa_url}/webhooks/sms/webhook",
        data=params,
        headers={"X-Twilio-Signature": signature},
        timeout=30,
    )


_numbers = itertools.count(1)


def new_number() -> str:
    """A customer's phone number no other test of this session uses.

    The fake Twilio lives for the whole session: two tests sharing a number
    would see each other's messages.
    """
    return f"+1555070{next(_numbers):04d}"

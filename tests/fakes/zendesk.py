"""Zendesk Support's Tickets API and its webhooks, as documented.

Endpoints (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/):

- ``POST /api/v2/tickets.json`` ``{"ticket": {...}}``: 201 with the ticket. A
  comment with a body is required, ``priority`` is urgent/high/normal/low, a
  new ``requester`` needs a name (it becomes an end user). An
  ``Idempotency-Key`` seen before with the same body answers the first
  answer again (``x-idempotency-lookup: hit``), with another body 400.
- ``GET /api/v2/tickets.json?external_id=...``: the tickets with that external id.
- ``PUT /api/v2/tickets/{id}.json`` ``{"ticket": {"comment": {...}, "status": ...}}``:
  200; 404 for an unknown ticket; 422 for a closed ticket.

Every call needs basic auth ``{email}/token:{api_token}`` (else 401). Errors
have Zendesk's shape: ``{"error": "RecordInvalid", "description": ...,
"details": {...}}``. Tests script 429s (with ``Retry-After``) and 5xx with
``fail_next``; ``lose_answers`` carries out the next N writes (POST, PUT) but
answers 502 (a proxy lost the answer), so the caller must not repeat them
blindly.

Webhooks: :func:`webhook_headers` signs a body the way Zendesk does, and
:meth:`FakeZendesk.agent_comment` / :meth:`FakeZendesk.solve` change a ticket
as an agent would in Zendesk's UI and return the body our documented trigger
would send.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import threading
from typing import Any

from tests.fakes.server import FakeApi, Recorded, Reply

TICKET = re.compile(r"/api/v2/tickets/(?P<id>\d+)\.json")
PRIORITIES = ("urgent", "high", "normal", "low")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
API_USER_ID = 1000
AGENT_ID = 2000
AGENT_NAME = "Jane Agent"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def invalid(field: str, description: str) -> Reply:
    return Reply(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field: [{"description": description}]},
        },
    )


def webhook_headers(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """The headers of a Zendesk webhook request carrying ``body``."""
    stamp = timestamp or _now()
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Id": "01F1KRFQ6BG29CNWFR60NK5FNY",
        "X-Zendesk-Webhook-Invocation-Id": "8350205582",
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


class FakeZendesk(FakeApi):
    def __init__(self, email: str, api_token: str) -> None:
        super().__init__()
        # Checked for shutdown every 50 ms rather than 500: each test stops one.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        # The base server answers GET, POST and DELETE; the Tickets API updates with PUT.
        handler = self._server.RequestHandlerClass
        handler.do_PUT = handler._serve  # type: ignore[attr-defined]
        self.email = email
        self.api_token = api_token
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {
            API_USER_ID: {"id": API_USER_ID, "name": "API user", "role": "agent"},
            AGENT_ID: {"id": AGENT_ID, "name": AGENT_NAME, "role": "agent"},
        }
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(5000)
        self._comment_ids = itertools.count(9000)
        self._idempotent: dict[str, tuple[bytes, Reply]] = {}
        self.lose_answers = 0
        self._data = threading.Lock()

    # -- the API ---------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        reply = self._answer(request)
        with self._data:
            if self.lose_answers and reply.status < 400 and request.method != "GET":
                self.lose_answers -= 1
                return Reply(502, {"error": "Bad Gateway"})
        return reply

    def _answer(self, request: Recorded) -> Reply:
        if not self._authorized(request):
            return Reply(401, {"error": "Couldn't authenticate you"})
        with self._data:
            if request.path == "/api/v2/tickets.json" and request.method == "POST":
                return self._create(request)
            if request.path == "/api/v2/tickets.json" and request.method == "GET":
                wanted = request.query.get("external_id", [None])[0]
                found = [t for t in self.tickets.values() if t["external_id"] == wanted]
                return Reply(
                    200,
                    {
                        "tickets": found,
                        "count": len(found),
                        "next_page": None,
                        "previous_page": None,
                    },
                )
            match = TICKET.fullmatch(request.path)
            if match and request.method == "PUT":
                return self._update(int(match["id"]), request)
        return Reply(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _authorized(self, request: Recorded) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            credentials = base64.b64decode(encoded).decode()
        except ValueError:
            return False
        return hmac.compare_digest(credentials, f"{self.email}/token:{self.api_token}")

    def _create(self, request: Recorded) -> Reply:
        key = request.headers.get("idempotency-key")
        if key is not None and key in self._idempotent:
            body, reply = self._idempotent[key]
            if body != request.body:
                return Reply(
                    400,
                    {
                        "error": "IdempotentRequestError",
                        "description": "Request parameters do not match the original request",
                    },
                )
            return Reply(reply.status, reply.body, {"x-idempotency-lookup": "hit"})
        ticket = request.json().get("ticket")
        if not isinstance(ticket, dict):
            return Reply(400, {"error": "InvalidParameter", "description": "ticket is required"})
        comment = ticket.get("comment") or {}
        if not isinstance(comment.get("body"), str) or not comment["body"].strip():
            return invalid("description", "Description: cannot be blank")
        priority = ticket.get("priority")
        if priority is not None and priority not in PRIORITIES:
            return invalid("priority", f"Priority: {priority} is not valid")
        tags = ticket.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and " " not in t for t in tags):
            return invalid("tags", "Tags: must be a list of words")
        requester = ticket.get("requester")
        if not isinstance(requester, dict) or not requester.get("name"):
            return invalid("requester", "Requester: Name is too short (minimum one character)")
        requester_id = next(self._user_ids)
        self.users[requester_id] = {
            "id": requester_id,
            "name": requester["name"],
            "role": "end-user",
        }
        ticket_id = next(self._ids)
        now = _now()
        created = {
            "id": ticket_id,
            "url": f"{self.url}/api/v2/tickets/{ticket_id}.json",
            "external_id": ticket.get("external_id"),
            "subject": ticket.get("subject"),
            "description": comment["body"],
            "priority": priority,
            "status": "new",
            "requester_id": requester_id,
            "submitter_id": API_USER_ID,
            "assignee_id": None,
            "tags": tags,
            "created_at": now,
            "updated_at": now,
        }
        self.tickets[ticket_id] = created
        self.comments[ticket_id] = [
            self._comment_record(
                comment["body"], bool(comment.get("public", True)), requester_id, now
            )
        ]
        reply = Reply(201, {"ticket": created, "audit": {"ticket_id": ticket_id, "events": []}})
        if key is not None:
            self._idempotent[key] = (request.body, reply)
            reply = Reply(201, reply.body, {"x-idempotency-lookup": "miss"})
        return reply

    def _update(self, ticket_id: int, request: Recorded) -> Reply:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return Reply(404, {"error": "RecordNotFound", "description": "Not found"})
        if ticket["status"] == "closed":
            return invalid("status", "Status: closed prevents ticket update")
        change = request.json().get("ticket")
        if not isinstance(change, dict):
            return Reply(400, {"error": "InvalidParameter", "description": "ticket is required"})
        status = change.get("status")
        if status is not None and status not in STATUSES:
            return invalid("status", f"Status: {status} is not valid")
        comment = change.get("comment")
        now = _now()
        if comment is not None:
            if not isinstance(comment.get("body"), str) or not comment["body"].strip():
                return invalid("comment", "Comment: cannot be blank")
            author = comment.get("author_id", API_USER_ID)
            if author not in self.users:
                return invalid("author_id", "Author: is invalid")
            public = comment.get("public", True)
            if not isinstance(public, bool):
                return invalid("public", "Public: must be true or false")
            self.comments[ticket_id].append(
                self._comment_record(comment["body"], public, author, now)
            )
        if status is not None:
            ticket["status"] = status
        ticket["updated_at"] = now
        return Reply(200, {"ticket": ticket, "audit": {"ticket_id": ticket_id, "events": []}})

    def _comment_record(self, body: str, public: bool, author_id: int, at: str) -> dict[str, Any]:
        return {
            "id": next(self._comment_ids),
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "public": public,
            "created_at": at,
        }

    # -- an agent in Zendesk's UI, and the trigger that calls us -------------------

    def agent_comment(
        self, ticket_id: int, body: str, *, public: bool = True, with_id: bool = True
    ) -> bytes:
        """An agent comments; the body our trigger then sends (``with_id=False``: a
        trigger that cannot render the comment's id)."""
        with self._data:
            comment = self._comment_record(body, public, AGENT_ID, _now())
            self.comments[ticket_id].append(comment)
            return self._trigger_body(ticket_id, comment, with_id=with_id)

    def solve(self, ticket_id: int) -> bytes:
        """An agent solves the ticket without a comment."""
        with self._data:
            self.tickets[ticket_id]["status"] = "solved"
            public = [c for c in self.comments[ticket_id] if c["public"]]
            return self._trigger_body(ticket_id, public[-1] if public else None)

    def _trigger_body(
        self, ticket_id: int, comment: dict[str, Any] | None, *, with_id: bool = True
    ) -> bytes:
        # Placeholders render as strings: ids and flags arrive quoted.
        payload: dict[str, Any] = {
            "ticket_id": str(ticket_id),
            "external_id": self.tickets[ticket_id]["external_id"],
            # {{ticket.status}} renders the status's display name.
            "status": self.tickets[ticket_id]["status"].title(),
        }
        if comment is not None:
            author = self.users[comment["author_id"]]
            payload["comment"] = {
                "public": "true" if comment["public"] else "false",
                "body": comment["body"],
                "created_at": comment["created_at"],
                "author": {"id": str(author["id"]), "name": author["name"]},
            }
            if with_id:
                payload["comment"]["id"] = str(comment["id"])
        return json.dumps(payload).encode()

    # -- what tests read --------------------------------------------------------

    def ticket_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        with self._data:
            for ticket in self.tickets.values():
                if ticket["external_id"] == external_id:
                    return dict(ticket)
        return None

    def comments_of(self, ticket_id: int) -> list[dict[str, Any]]:
        with self._data:
            return [dict(c) for c in self.comments.get(ticket_id, [])]

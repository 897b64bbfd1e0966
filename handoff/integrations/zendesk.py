"""Zendesk Support: a handoff becomes a ticket; agents answer and solve it in Zendesk.

Outbound (:class:`ZendeskAdapter`, the Tickets API at ``HANDOFF_ZENDESK_URL``,
basic auth ``{email}/token:{api_token}``):

- ``handoff.created`` -> ``POST /api/v2/tickets.json``: subject, the
  transcript as the first comment (private: it holds bot messages and
  context for agents), priority from ours (1 urgent, 2 high, 3 normal, 4+
  low), tags ``handoff``, ``handoff_channel_<channel>`` and our reasons,
  ``external_id`` ``handoff-<escalation id>`` and the customer as requester
  (by name only: with an email address Zendesk would also mail them the
  replies the bot's channel delivers). It carries an ``Idempotency-Key``
  (the external id, or its digest when that is not plain ASCII),
  and a retry first looks the ticket up by ``external_id``, so an answer
  lost on the way does not make a second ticket. The ticket is recorded in
  ``zendesk_tickets``.
- ``message.created`` -> ``PUT /api/v2/tickets/{id}.json`` with a comment:
  the customer's messages as public comments by the requester; bot messages,
  replies written in another desk and internal notes as private notes, which
  Zendesk never shows the requester. Messages that came from Zendesk are
  not sent back.
- ``handoff.closed`` -> the ticket is set to ``solved``, with a private note,
  unless Zendesk itself solved it.

A 429 pauses the adapter for its ``Retry-After``; 409 (a concurrent update
in Zendesk) is retried like a 5xx.

Inbound (:func:`blueprint`): ``POST /api/integrations/zendesk``, from a
Zendesk webhook (signing secret ``HANDOFF_ZENDESK_WEBHOOK_SECRET``) that a
trigger calls with this JSON body (see the README for the trigger)::

    {"ticket_id": "123", "status": "solved",
     "comment": {"id": "456", "public": true, "body": "...",
                 "created_at": "2027-01-15T08:00:00Z",
                 "author": {"id": "789", "name": "Jane Doe"}}}

Ids may be numbers or strings of digits (placeholders render strings);
``comment`` is optional, and so are its ``id``, ``created_at``, ``public``
(default true) and ``author.id``. A public comment by anyone but the
requester is an agent reply, delivered to the customer once (per comment id,
or without one per ticket, author, time and text); a private one is ignored. Status
``solved`` or ``closed`` closes the handoff and resumes the bot (once per
ticket). Both may come in one request: the comment is handled first.
Answers: 200 with what was done; 401 bad signature; 400 malformed; 404 a
ticket that is not a handoff's; 409 a comment on a closed handoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from handoff.integrations import inbound
from handoff.integrations.adapters import (
    TRANSIENT_STATUSES,
    DeliveryFailed,
    authored_by,
    failure_for_error,
    failure_for_status,
)
from handoff.integrations.inbound import Answer, InboundError, InboundLog, invalid
from handoff.integrations.settings import ZENDESK, IntegrationSettings
from handoff.integrations.signatures import (
    ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
    SignatureError,
    zendesk_verify,
)
from handoff.models import AGENT, BOT, CUSTOMER, utc_now, zendesk_tickets
from handoff.store import Handoff, HandoffStore, JournalEvent, write_transaction

if TYPE_CHECKING:
    from handoff.integrations.runtime import Integrations

logger = logging.getLogger(__name__)

INBOUND_PATH = "/api/integrations/zendesk"
TICKETS_PATH = "/api/v2/tickets.json"
MAX_SUBJECT_LENGTH = 150
SOLVED_STATUSES = ("solved", "closed")
# Zendesk answers 409 to concurrent updates of a ticket and asks for a retry.
ZENDESK_TRANSIENT = TRANSIENT_STATUSES | {409}
USER_AGENT = "handoff-service-zendesk/1"

_t = zendesk_tickets.c


def zendesk_priority(priority: int) -> str:
    """Ours (1 the most urgent) as Zendesk's urgent/high/normal/low."""
    return {1: "urgent", 2: "high", 3: "normal"}.get(priority, "urgent" if priority < 1 else "low")


def tag(text: str) -> str:
    """A Zendesk tag: lower case, no spaces (a space would split it into two tags)."""
    return re.sub(r"[^a-z0-9_:-]+", "_", text.strip().lower()).strip("_")


def _clock(value: Any) -> str:
    if not isinstance(value, str):
        return "?"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def transcript_comment(handoff: dict[str, Any]) -> str:
    """The first comment: who, why, what the bot learnt, then the conversation so far."""
    customer = handoff.get("customer") or {}
    lines = [
        f"Conversation handed over by the bot on {handoff.get('channel')}.",
        f"Reasons: {', '.join(handoff.get('reasons') or []) or 'none given'}; "
        f"priority {handoff.get('priority')}.",
    ]
    details = {**customer, "customer_id": handoff.get("customer_id")}
    lines.append(
        "Customer: " + ", ".join(f"{key}: {value}" for key, value in details.items() if value)
    )
    for key, value in (handoff.get("summary") or {}).items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        lines.append(f"{key}: {shown}")
    lines.append("")
    labels = {CUSTOMER: "Customer", BOT: "Bot", AGENT: "Agent"}
    for message in handoff.get("transcript") or []:
        if message.get("internal"):
            continue
        label = labels.get(message.get("role"), str(message.get("role")))
        if message.get("role") == AGENT and message.get("author"):
            label = f"Agent {message['author']}"
        lines.append(f"[{_clock(message.get('timestamp'))}] {label}: {message.get('text')}")
    return "\n".join(lines)


# What an HTTP header value may carry as it is: visible ASCII.
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotency_key(external_id: str) -> str:
    """The ``Idempotency-Key`` header for creating the ticket with ``external_id``.

    The external id itself when a header can carry it; else (an escalation id
    with non-ASCII characters, spaces or control characters, which httpx
    refuses to send, so every retry failed the same way) a digest of it:
    as stable across retries, and as unique.
    """
    if _HEADER_SAFE.match(external_id):
        return external_id
    return "handoff-sha256-" + hashlib.sha256(external_id.encode("utf-8")).hexdigest()


def ticket_for(handoff: dict[str, Any]) -> dict[str, Any]:
    """The Tickets API's ticket object for a new handoff."""
    customer = handoff.get("customer") or {}
    channel = str(handoff.get("channel") or "unknown")
    name = customer.get("name") if isinstance(customer.get("name"), str) else None
    requester = (name or f"{channel} customer {handoff.get('customer_id')}").strip()
    reasons = [str(reason) for reason in handoff.get("reasons") or []]
    subject = f"{requester} ({channel}): {', '.join(reasons) or 'handed over by the bot'}"
    tags = ["handoff", tag(f"handoff_channel_{channel}"), *(tag(r) for r in reasons)]
    return {
        "subject": subject[:MAX_SUBJECT_LENGTH],
        "comment": {"body": transcript_comment(handoff), "public": False},
        "priority": zendesk_priority(int(handoff.get("priority") or 3)),
        "tags": list(dict.fromkeys(t for t in tags if t)),
        "external_id": f"handoff-{handoff.get('escalation_id')}",
        "requester": {"name": requester[:255]},
    }


# -- the handoff <-> ticket map ----------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    handoff_id: int
    ticket_id: int
    requester_id: int | None
    solved_at: dt.datetime | None


class TicketMap:
    """``zendesk_tickets``: the ticket of each handoff sent to Zendesk."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def for_handoff(self, handoff_id: int) -> Ticket | None:
        return await asyncio.to_thread(self._find, _t.handoff_id == handoff_id)

    async def for_ticket(self, ticket_id: int) -> Ticket | None:
        return await asyncio.to_thread(self._find, _t.ticket_id == ticket_id)

    def _find(self, condition: Any) -> Ticket | None:
        with self._engine.connect() as db:
            row = db.execute(select(zendesk_tickets).where(condition)).first()
        if row is None:
            return None
        return Ticket(row.handoff_id, row.ticket_id, row.requester_id, row.solved_at)

    async def record(self, handoff_id: int, ticket_id: int, requester_id: int | None) -> None:
        await asyncio.to_thread(self._record, handoff_id, ticket_id, requester_id)

    def _record(self, handoff_id: int, ticket_id: int, requester_id: int | None) -> None:
        try:
            with write_transaction(self._engine) as db:
                db.execute(
                    insert(zendesk_tickets).values(
                        handoff_id=handoff_id,
                        ticket_id=ticket_id,
                        requester_id=requester_id,
                        created_at=utc_now(),
                    )
                )
        except IntegrityError:
            pass  # recorded by an earlier attempt whose answer was lost

    async def mark_solved(self, ticket_id: int) -> None:
        await asyncio.to_thread(self._mark_solved, ticket_id)

    def _mark_solved(self, ticket_id: int) -> None:
        with write_transaction(self._engine) as db:
            db.execute(
                update(zendesk_tickets)
                .where(_t.ticket_id == ticket_id, _t.solved_at.is_(None))
                .values(solved_at=utc_now())
            )


# -- outbound ----------------------------------------------------------------------------


class ZendeskClient:
    """The few Tickets API calls the adapter makes; failures as DeliveryFailed."""

    def __init__(self, settings: IntegrationSettings) -> None:
        self._client = httpx.AsyncClient(
            base_url=settings.zendesk_url.rstrip("/"),
            auth=httpx.BasicAuth(f"{settings.zendesk_email}/token", settings.zendesk_api_token),
            timeout=httpx.Timeout(settings.timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise failure_for_error(error) from error
        if not response.is_success:
            failure = failure_for_status(response, ZENDESK_TRANSIENT)
            # Zendesk's error body names the invalid field ("RecordInvalid", details):
            # an operator needs it to fix a permanent failure. It holds no message text.
            if failure.permanent:
                failure.reason = f"{failure.reason}: {_error_summary(response)}"
            raise failure
        try:
            body = response.json()
        except ValueError:
            raise DeliveryFailed("Zendesk answered with something that is not JSON") from None
        if not isinstance(body, dict):
            raise DeliveryFailed("Zendesk answered with something that is not a JSON object")
        return body

    async def create_ticket(self, ticket: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        body = await self._call(
            "POST",
            TICKETS_PATH,
            json={"ticket": ticket},
            headers={"Idempotency-Key": idempotency_key},
        )
        return _ticket(body)

    async def find_ticket(self, external_id: str) -> dict[str, Any] | None:
        body = await self._call("GET", TICKETS_PATH, params={"external_id": external_id})
        tickets = body.get("tickets")
        if not isinstance(tickets, list) or not tickets or not isinstance(tickets[0], dict):
            return None
        return tickets[0]

    async def update_ticket(self, ticket_id: int, ticket: dict[str, Any]) -> dict[str, Any]:
        body = await self._call("PUT", f"/api/v2/tickets/{ticket_id}.json", json={"ticket": ticket})
        return _ticket(body)

    async def aclose(self) -> None:
        await self._client.aclose()


def _ticket(body: dict[str, Any]) -> dict[str, Any]:
    ticket = body.get("ticket")
    if not isinstance(ticket, dict) or not isinstance(ticket.get("id"), int):
        raise DeliveryFailed("Zendesk's answer has no ticket id")
    return ticket


def _error_summary(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no JSON error body"
    if not isinstance(body, dict):
        return "no JSON error body"
    parts = [str(body.get(key)) for key in ("error", "description") if body.get(key)]
    details = body.get("details")
    if isinstance(details, dict):
        parts.append("fields: " + ", ".join(sorted(details)))
    return "; ".join(parts) or "no error given"


class ZendeskAdapter:
    name = ZENDESK

    def __init__(self, client: ZendeskClient, tickets: TicketMap) -> None:
        self._client = client
        self._tickets = tickets

    @classmethod
    def create(cls, settings: IntegrationSettings, engine: Engine) -> ZendeskAdapter:
        return cls(ZendeskClient(settings), TicketMap(engine))

    def wants(self, event: JournalEvent) -> bool:
        if event.type not in ("handoff.created", "message.created", "handoff.closed"):
            return False  # assignment is Zendesk's own business
        return not authored_by(event, self.name)

    async def deliver(self, event: JournalEvent, attempt: int) -> None:
        if event.type == "handoff.created":
            await self._create(event.payload["handoff"], attempt)
            return
        ticket = await self._tickets.for_handoff(event.handoff_id)
        if ticket is None:
            raise DeliveryFailed(
                f"no Zendesk ticket for handoff {event.handoff_id} "
                "(its handoff.created was not delivered)",
                permanent=True,
            )
        if event.type == "message.created":
            await self._client.update_ticket(
                ticket.ticket_id, {"comment": self._comment(event.payload["message"], ticket)}
            )
        elif ticket.solved_at is None:
            solve = self._solve(event.payload["handoff"])
            await self._client.update_ticket(ticket.ticket_id, solve)

    async def _create(self, handoff: dict[str, Any], attempt: int) -> None:
        handoff_id = int(handoff["id"])
        if await self._tickets.for_handoff(handoff_id) is not None:
            return  # an earlier attempt created and recorded it
        ticket = ticket_for(handoff)
        created = None
        if attempt > 1:
            # The answer to an earlier attempt may have been lost after Zendesk
            # created the ticket; its idempotency key may have expired since.
            created = await self._client.find_ticket(ticket["external_id"])
        if created is None:
            created = await self._client.create_ticket(
                ticket, idempotency_key(ticket["external_id"])
            )
        requester = created.get("requester_id")
        await self._tickets.record(
            handoff_id, int(created["id"]), requester if isinstance(requester, int) else None
        )
        logger.info("handoff %d is Zendesk ticket %s", handoff_id, created["id"])

    @staticmethod
    def _comment(message: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
        text = str(message.get("text") or "")
        role = message.get("role")
        if role == CUSTOMER and ticket.requester_id is not None:
            return {"body": text, "public": True, "author_id": ticket.requester_id}
        if role == CUSTOMER:
            return {"body": f"Customer: {text}", "public": False}
        if role == BOT:
            return {"body": f"Bot: {text}", "public": False}
        author = message.get("author") or "an agent"
        if message.get("internal"):
            return {"body": f"Internal note by {author}: {text}", "public": False}
        return {"body": f"{author} replied to the customer: {text}", "public": False}

    @staticmethod
    def _solve(handoff: dict[str, Any]) -> dict[str, Any]:
        note = f"Closed in the handoff service by {handoff.get('assigned_to') or 'an operator'}"
        if handoff.get("resolution"):
            note += f": {handoff['resolution']}"
        return {"status": "solved", "comment": {"body": note, "public": False}}

    async def aclose(self) -> None:
        await self._client.aclose()


# -- inbound -----------------------------------------------------------------------------


def _zendesk_id(value: Any, name: str) -> int:
    """Ids arrive as numbers or, from placeholders, as strings of digits.

    Zendesk's ids are 64-bit: a larger one, or Unicode digits ("²" passes
    ``isdigit``), is no Zendesk id (400), not a 500.
    """
    try:
        return inbound.row_id(value, name, digits=True)
    except InboundError:
        raise invalid(f"{name} must be a Zendesk id") from None


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid(f"{name} must be true or false")


@dataclass(frozen=True)
class ZendeskComment:
    # Zendesk's comment id when the trigger renders it; else a digest of
    # ticket, author, time and text (see :func:`_comment`).
    key: str
    public: bool
    body: str
    author_id: int | None
    author_name: str


def _comment(ticket_id: int, payload: dict[str, Any]) -> ZendeskComment | None:
    comment = payload.get("comment")
    if comment is None:
        return None
    if not isinstance(comment, dict):
        raise invalid("comment must be an object")
    body = comment.get("body")
    if not isinstance(body, str):
        raise invalid("comment.body must be a string")
    if not body.strip():
        return None  # a trigger fired for a ticket with no public comment yet
    if len(body) > inbound.MAX_TEXT_LENGTH:
        raise invalid(f"comment.body must be at most {inbound.MAX_TEXT_LENGTH} characters")
    author = comment.get("author") or {}
    if not isinstance(author, dict):
        raise invalid("comment.author must be an object")
    raw_author_id = author.get("id")
    author_id = (
        None if raw_author_id in (None, "") else _zendesk_id(raw_author_id, "comment.author.id")
    )
    name = author.get("name")
    created_at = comment.get("created_at")
    if created_at is not None and not isinstance(created_at, str):
        raise invalid("comment.created_at must be a string")
    if comment.get("id") not in (None, ""):
        key = f"comment:{_zendesk_id(comment.get('id'), 'comment.id')}"
    else:
        # Without an id, the same comment resent has the same digest; two
        # comments differ in time (or text) unless an agent sends the same
        # words twice within the same second.
        digest = hashlib.sha256(
            json.dumps([ticket_id, author_id, created_at, body]).encode("utf-8")
        ).hexdigest()
        key = f"comment-digest:{digest}"
    return ZendeskComment(
        key=key,
        public=_flag(comment.get("public", True), "comment.public"),
        body=body,
        author_id=author_id,
        author_name=name.strip() if isinstance(name, str) and name.strip() else "Zendesk agent",
    )


def blueprint(settings: IntegrationSettings, integrations: Integrations) -> Blueprint:
    bp = Blueprint(f"integrations_{ZENDESK}")

    async def handle(request: Request, payload: dict[str, Any]) -> dict[str, Any]:
        ticket_id = _zendesk_id(payload.get("ticket_id"), "ticket_id")
        status = payload.get("status", "")
        if not isinstance(status, str):
            raise invalid("status must be a string")
        status = status.strip().lower()
        comment = _comment(ticket_id, payload)
        log, tickets = integrations.log, integrations.tickets
        ticket = await tickets.for_ticket(ticket_id)
        if ticket is None:
            raise InboundError(404, "not found", f"ticket {ticket_id} is not a handoff's")
        store: HandoffStore = request.app.ctx.store
        handoff = await store.get(ticket.handoff_id, with_transcript=False)
        assert handoff is not None  # zendesk_tickets cascades with handoffs
        result: dict[str, Any] = {"handoff_id": handoff.id, "ticket_id": ticket_id}
        name = inbound.agent_name(ZENDESK, comment.author_name if comment else "Zendesk")
        if comment is not None:
            result["comment"] = await _agent_comment(request, log, handoff, ticket, comment)
        if status in SOLVED_STATUSES:
            # Recorded first: the handoff.closed this close journals is then not
            # sent back to solve the ticket again.
            await tickets.mark_solved(ticket_id)
            current = await store.get(handoff.id, with_transcript=False)
            assert current is not None
            closed = await log.once(
                ZENDESK,
                f"ticket:{ticket_id}:solved",
                lambda: inbound.close(
                    request.app, current, name, f"solved in Zendesk ticket #{ticket_id}"
                ),
            )
            result["close"] = closed.body
        return result

    @bp.post(INBOUND_PATH)
    async def receive(request: Request) -> HTTPResponse:
        body = request.body or b""
        try:
            zendesk_verify(
                settings.zendesk_webhook_secret,
                body,
                request.headers.get(ZENDESK_TIMESTAMP_HEADER),
                request.headers.get(ZENDESK_SIGNATURE_HEADER),
            )
        except SignatureError as error:
            return json_response({"error": "unauthorized", "detail": str(error)}, 401)
        try:
            result = await handle(request, inbound.json_object(body))
        except InboundError as error:
            return error.response()
        return json_response(result, 200)

    return bp


async def _agent_comment(
    request: Request, log: InboundLog, handoff: Handoff, ticket: Ticket, comment: ZendeskComment
) -> dict[str, Any]:
    if not comment.public:
        return {"ignored": "a private note stays in Zendesk"}
    if ticket.requester_id is not None and comment.author_id == ticket.requester_id:
        return {"ignored": "the customer's own message, posted by this service"}
    name = inbound.agent_name(ZENDESK, comment.author_name)

    async def reply() -> Answer:
        return await inbound.agent_reply(request.app, handoff, name, comment.body)

    answer = await log.once(ZENDESK, comment.key, reply)
    return answer.body

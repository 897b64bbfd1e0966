"""Zendesk Support: a handoff becomes a ticket; agents answer and solve it in Zendesk.

Outbound (:class:`ZendeskAdapter`, the Tickets API at ``HANDOFF_ZENDESK_URL``,
basic auth ``{email}/token:{api_token}``):

- ``handoff.created`` -> ``POST /api/v2/tickets.json``: subject, the
  transcript as the first comment (private: it holds bot messages and
  context for agents), priority from ours (1 urgent, 2 high, 3 normal, 4+
  low), tags ``handoff``, ``handoff_channel_<channel>``, our reasons, the
  skills routing reads (``lang_<language>``, ``skill_<topic>``: handoff.routing)
  and,
  from the conversation's record (handoff.insights.keeper), ``contact_<reason>``
  for each contact reason and ``mood_<negative|neutral|positive>``, whose
  other fields (order numbers, turns, fallbacks, sentiment) end the comment;
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

Card numbers, IBANs, SSNs and CVVs in the text are replaced before it is
sent (``HANDOFF_REDACT``, handoff.integrations.redaction).

A 429 pauses the adapter for its ``Retry-After``; 409 (a concurrent update
in Zendesk) is retried like a 5xx.

Inbound: handoff.integrations.zendesk_inbound, on the ticket map kept here
(:class:`TicketMap`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from handoff.insights.keeper import RecordKeeper
from handoff.insights.record import ConversationRecord
from handoff.integrations.adapters import (
    TRANSIENT_STATUSES,
    DeliveryFailed,
    authored_by,
    failure_for_error,
    failure_for_status,
)
from handoff.integrations.redaction import redacted
from handoff.integrations.settings import ZENDESK, IntegrationSettings
from handoff.models import AGENT, BOT, CUSTOMER, utc_now, zendesk_tickets
from handoff.store import JournalEvent, write_transaction
from plumbing.redaction import KINDS

logger = logging.getLogger(__name__)

TICKETS_PATH = "/api/v2/tickets.json"
MAX_SUBJECT_LENGTH = 150
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


def mood(record: ConversationRecord) -> str:
    """The customer's mean sentiment as VADER's usual bands: negative, neutral, positive."""
    if not record.sentiment:
        return "neutral"
    mean = sum(f.compound for f in record.sentiment) / len(record.sentiment)
    return "negative" if mean <= -0.05 else "positive" if mean >= 0.05 else "neutral"


def record_tags(record: ConversationRecord | None) -> list[str]:
    """Tags from the conversation's record: what the customer came for, how they felt."""
    if record is None:
        return []
    contacts = [tag(f"contact_{reason}") for reason in record.contact_reasons]
    return [*contacts, f"mood_{mood(record)}"]


def record_lines(record: ConversationRecord | None) -> list[str]:
    """The conversation's record, for the first comment (handoff.insights)."""
    if record is None:
        return []
    lines = [
        "",
        f"Before the handoff ({record.channel}, since {_clock(record.started_at.isoformat())}):",
        f"Contact reasons: {', '.join(record.contact_reasons) or 'none recognised'}",
        f"Order numbers: {', '.join(record.order_ids) or 'none'}",
        f"Turns: {record.customer_turns} by the customer, {record.bot_turns} by the bot; "
        f"{record.fallbacks} not understood, {record.rephrasings} rephrased",
    ]
    if record.sentiment:
        lines.append(
            f"Mood: {mood(record)} (last message {record.sentiment[-1].compound:+.2f}, "
            f"strongest anger {record.max_anger:.2f})"
        )
    return lines


def skill_tags(handoff: dict[str, Any]) -> list[str]:
    """``lang_<language>`` and ``skill_<topic>``: what Zendesk's routing can match."""
    language = handoff.get("language")
    tags = [tag(f"lang_{language}")] if isinstance(language, str) and language else []
    return tags + [tag(f"skill_{s}") for s in handoff.get("skills") or [] if isinstance(s, str)]


def ticket_for(handoff: dict[str, Any], record: ConversationRecord | None = None) -> dict[str, Any]:
    """The Tickets API's ticket object for a new handoff, with its conversation's record."""
    customer = handoff.get("customer") or {}
    channel = str(handoff.get("channel") or "unknown")
    name = customer.get("name") if isinstance(customer.get("name"), str) else None
    requester = (name or f"{channel} customer {handoff.get('customer_id')}").strip()
    reasons = [str(reason) for reason in handoff.get("reasons") or []]
    subject = f"{requester} ({channel}): {', '.join(reasons) or 'handed over by the bot'}"
    tags = [
        "handoff",
        tag(f"handoff_channel_{channel}"),
        *(tag(r) for r in reasons),
        *skill_tags(handoff),
        *record_tags(record),
    ]
    body = "\n".join([transcript_comment(handoff), *record_lines(record)])
    return {
        "subject": subject[:MAX_SUBJECT_LENGTH],
        "comment": {"body": body, "public": False},
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

    def __init__(
        self,
        client: ZendeskClient,
        tickets: TicketMap,
        redact: Collection[str] = KINDS,
        records: RecordKeeper | None = None,
    ) -> None:
        self._client = client
        self._tickets = tickets
        self._redact = redact
        self._records = records

    @classmethod
    def create(cls, settings: IntegrationSettings, engine: Engine) -> ZendeskAdapter:
        records = RecordKeeper(engine)
        return cls(ZendeskClient(settings), TicketMap(engine), settings.redact, records)

    def wants(self, event: JournalEvent) -> bool:
        if event.type not in ("handoff.created", "message.created", "handoff.closed"):
            return False  # assignment is Zendesk's own business
        return not authored_by(event, self.name)

    async def deliver(self, event: JournalEvent, attempt: int) -> None:
        event = redacted(event, self._redact)
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
        ticket = ticket_for(handoff, await self._record_of(handoff))
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

    async def _record_of(self, handoff: dict[str, Any]) -> ConversationRecord | None:
        """The record of the session handed off (handoff.insights.keeper), if kept yet."""
        if self._records is None:
            return None
        created = handoff.get("created_at")
        started_by = dt.datetime.fromisoformat(created) if isinstance(created, str) else None
        conversation_id = str(handoff.get("conversation_id"))
        return await asyncio.to_thread(self._records.latest, conversation_id, started_by)

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

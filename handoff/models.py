"""The handoff tables (SQLAlchemy Core); the schema itself is made by the migrations.

- ``handoffs``: one row per conversation handed to a person. ``escalation_id``
  is the bot's idempotency key (its outbox retries a POST until it gets an
  answer), and at most one handoff per conversation is open (waiting or
  assigned) at a time: a partial unique index, so two escalations of the same
  conversation can never put it in the queue twice.
- ``transcript_messages``: every customer, bot and agent message, with the
  time it was written. ``source_event_id`` (the Rasa event's id, or the
  channel's message id) is unique, so a retried append is a no-op;
  ``internal`` marks agents' notes, which the customer never sees.
- ``agents``: people who use the desk, with the SHA-256 hash of their bearer
  token (never the token itself), and the slow hash of their desk password;
  and what routing (handoff.routing) needs: their skills (languages, topics),
  capacity and state (available, away, offline).
- ``desk_sessions``: signed-in desk sessions, by the SHA-256 hash of the
  session cookie (never the cookie itself), with when they expire.
- ``broker_cursors``: how far each consumer of an event broker has read
  (handoff.broker), so that a restart resumes where it stopped.
- ``handoff_events``: a journal of every change, written in the same
  transaction as the change itself (a transactional outbox): whatever reads
  it (the live event stream, the contact-center adapters) sees each
  committed change once it is committed, in order, even across a crash
  between the commit and the read, or a restart of the service.

Every timestamp is naive UTC: SQLite has no time zones.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Naive UTC, the form every DateTime column here stores (plumbing.clock says
# why). Re-exported: the handoff service's modules import it from here.
from plumbing.clock import utc_now as utc_now

WAITING = "waiting"
ASSIGNED = "assigned"
CLOSED = "closed"
STATUSES = (WAITING, ASSIGNED, CLOSED)
# The resolution of a handoff its customer took back while it waited (handoff.withdrawal):
# no agent spoke to them, so no survey follows.
WITHDRAWN = "withdrawn by the customer"

CUSTOMER = "customer"
BOT = "bot"
AGENT = "agent"
ROLES = (CUSTOMER, BOT, AGENT)

# Agents' roles; supervisors may also act on handoffs other agents hold.
AGENT_ROLE = "agent"
SUPERVISOR_ROLE = "supervisor"
AGENT_ROLES = (AGENT_ROLE, SUPERVISOR_ROLE)

# Agents' states (handoff.routing): only an available agent is offered handoffs.
AVAILABLE = "available"
AWAY = "away"
OFFLINE = "offline"
AGENT_STATES = (AVAILABLE, AWAY, OFFLINE)
DEFAULT_CAPACITY = 3
DEFAULT_LANGUAGE = "en"


def base_language(language: str) -> str:
    """``pt-br`` -> ``pt``: what the customer's notices are chosen by."""
    return language.split("-", 1)[0].lower()

# Delivery of an agent's reply to the customer (None for every other message).
DELIVERY_PENDING = "pending"
DELIVERY_SENT = "sent"
DELIVERY_FAILED = "failed"

metadata = MetaData()

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", String(128), nullable=False),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("customer_id", String(255), nullable=False),
    Column("customer", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("anger", Float, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("assigned_to", String(128), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("assigned_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    Column("resolution", Text, nullable=True),
    Column("last_customer_message_at", DateTime, nullable=True),
    # When the customer was told nobody has picked the handoff up yet (handoff.pickup).
    Column("pickup_notified_at", DateTime, nullable=True),
    # Routing (handoff.routing): the skills the handoff needs (the customer's
    # language, ISO 639-1, and topics), its pending offer (to one agent at a
    # time, until it expires), who declined it or let it expire (never offered
    # it again), and when the customer was told nobody with the skills is there.
    Column("language", String(16), nullable=False, server_default=DEFAULT_LANGUAGE),
    Column("skills", JSON, nullable=False, server_default="[]"),
    Column("offered_to", String(128), nullable=True),
    Column("offered_at", DateTime, nullable=True),
    Column("offer_expires_at", DateTime, nullable=True),
    Column("passed_over", JSON, nullable=False, server_default="[]"),
    Column("skill_notified_at", DateTime, nullable=True),
    UniqueConstraint("escalation_id", name="uq_handoffs_escalation_id"),
    # The queue: waiting handoffs by priority, then longest wait (escalation.queue_key).
    Index("ix_handoffs_queue", "status", "priority", "created_at", "id"),
    Index("ix_handoffs_conversation", "conversation_id"),
    # An agent's load: what they hold, and what they are offered.
    Index("ix_handoffs_assigned_to", "assigned_to", "status"),
    Index("ix_handoffs_offered_to", "offered_to"),
    Index(
        "uq_handoffs_open_conversation",
        "conversation_id",
        unique=True,
        sqlite_where=text("status != 'closed'"),
        postgresql_where=text("status != 'closed'"),
    ),
)

transcript_messages = Table(
    "transcript_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "handoff_id",
        Integer,
        ForeignKey("handoffs.id", ondelete="CASCADE", name="fk_transcript_handoff"),
        nullable=False,
    ),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("timestamp", DateTime, nullable=False),
    Column("source_event_id", String(255), nullable=True),
    Column("internal", Boolean, nullable=False, default=False),
    # Which agent wrote it (None for customer and bot messages).
    Column("author", String(128), nullable=True),
    Column("delivery", String(16), nullable=True),
    UniqueConstraint("source_event_id", name="uq_transcript_messages_source_event_id"),
    Index("ix_transcript_messages_order", "handoff_id", "timestamp", "id"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    # sha256 hex of the bearer token: a token is 256 random bits, so a fast
    # hash is enough (a slow password hash protects guessable secrets, and
    # would cost every request tens of milliseconds), and the hash can be
    # looked up directly instead of checked row by row.
    Column("token_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    # A slow, salted hash (handoff.desk): passwords are guessable, unlike tokens.
    Column("password_hash", String(255), nullable=True),
    # Routing (handoff.routing): what they can take, how much at once, whether
    # they take work now; idle_since: their last offer, assignment or close.
    Column("languages", JSON, nullable=False, server_default='["en"]'),
    Column("topics", JSON, nullable=False, server_default="[]"),
    Column("capacity", Integer, nullable=False, server_default=str(DEFAULT_CAPACITY)),
    Column("state", String(16), nullable=False, server_default=OFFLINE),
    Column("state_since", DateTime, nullable=True),
    Column("idle_since", DateTime, nullable=True),
    UniqueConstraint("name", name="uq_agents_name"),
    UniqueConstraint("token_hash", name="uq_agents_token_hash"),
)

desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "agent_id",
        Integer,
        ForeignKey("agents.id", ondelete="CASCADE", name="fk_desk_sessions_agent"),
        nullable=False,
    ),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Index("ix_desk_sessions_agent", "agent_id"),
)

broker_cursors = Table(
    "broker_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    # The id of the last broker row whose messages are stored.
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Types of handoff_events, which the live stream sends as they are (handoff.events).
EVENT_TYPES = (
    "handoff.created",
    "handoff.assigned",
    "handoff.closed",
    "handoff.overdue",
    "handoff.offered",
    "handoff.offer_ended",
    "handoff.awaiting_skill",
    "message.created",
    "message.updated",
)

handoff_events = Table(
    "handoff_events",
    metadata,
    # Commit order on one writer; readers keep their own cursor on it. Also
    # the live stream's event ids (Last-Event-ID), so never reused.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("handoff_id", Integer, nullable=False),
    Column("conversation_id", String(255), nullable=False),
    # The event's data as the stream sends it, as it was at the change:
    # {"handoff": ...}, {"handoff_id": ..., "message": ...} or handoff.overdue's
    # {"handoff_id", "waited_s", "queue_position"}; handoff.created carries the
    # transcript (which the stream leaves out).
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_handoff_events_handoff", "handoff_id", "id"),
)


# -- contact-center adapters (handoff.integrations) ----------------------------------------
#
# - ``integration_cursors``: per adapter, the id of the last ``handoff_events``
#   row queued for it (events after it are still to be read).
# - ``integration_deliveries``: the events queued for an adapter and not yet
#   delivered: ``pending`` (due at ``next_attempt_at``) or ``dead`` (given up:
#   refused for good, or retried for too long), kept for operators. A
#   delivered event's row is deleted.
# - ``integration_inbound_events``: the events contact centers sent us, by
#   their own id, with the answer given (NULL while being processed), so a
#   resent event is answered again rather than carried out twice.
# - ``zendesk_tickets``: the Zendesk ticket of each handoff sent there.

INTEGRATION_PENDING = "pending"
INTEGRATION_DEAD = "dead"

integration_cursors = Table(
    "integration_cursors",
    metadata,
    Column("adapter", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

integration_deliveries = Table(
    "integration_deliveries",
    metadata,
    Column("adapter", String(64), primary_key=True),
    Column("event_id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("handoff_id", Integer, nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("queued_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_attempt_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    # The head of each conversation's queue, and what is due.
    Index("ix_integration_deliveries_conversation", "adapter", "conversation_id", "event_id"),
    Index("ix_integration_deliveries_due", "adapter", "status", "next_attempt_at"),
)

integration_inbound_events = Table(
    "integration_inbound_events",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("event_id", String(255), primary_key=True),
    Column("received_at", DateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response", JSON, nullable=True),
)

zendesk_tickets = Table(
    "zendesk_tickets",
    metadata,
    Column(
        "handoff_id",
        Integer,
        ForeignKey("handoffs.id", ondelete="CASCADE", name="fk_zendesk_tickets_handoff"),
        primary_key=True,
    ),
    Column("ticket_id", BigInteger, nullable=False),
    # The customer's Zendesk user: their later messages are comments by them.
    Column("requester_id", BigInteger, nullable=True),
    Column("created_at", DateTime, nullable=False),
    # Set when Zendesk solved the ticket (the close came from there).
    Column("solved_at", DateTime, nullable=True),
    UniqueConstraint("ticket_id", name="uq_zendesk_tickets_ticket_id"),
)

# The events of Rasa's broker that conversation records are folded from
# (handoff.insights.keeper): the handoff service's own copy, so that a
# record can be folded again without reading Rasa's stores.
insight_events = Table(
    "insight_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False),
    # A hash of the conversation and the event (handoff.insights.keeper.fingerprint):
    # the same event again, redelivered or read from another source, is skipped.
    Column("fingerprint", String(64), nullable=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("fingerprint", name="uq_insight_events_fingerprint"),
    Index("ix_insight_events_conversation", "conversation_id", "id"),
)

# One row per session (handoff.insights.record.ConversationRecord), kept up
# to date as its events arrive; the supervisors' figures are read from here.
conversation_records = Table(
    "conversation_records",
    metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("started_at", DateTime, primary_key=True),
    Column("ended_at", DateTime, nullable=False),
    Column("channel", String(32), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("record", JSON, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_conversation_records_started", "started_at"),
    Index("ix_conversation_records_outcome", "outcome", "ended_at"),
)

# One customer across channels (handoff.customers): which customer each
# conversation (a channel's sender id) belongs to. The conversation is the
# key, so a conversation belongs to at most one customer; ``customer_key``
# is ``<kind>:<value>`` (``phone:+14155550101``, ``email:jane@example.com``,
# ``backend:C-1001``, ``manual:...``); ``source`` says how it was linked
# (``phone``, ``email``, ``backend`` automatically, ``manual`` by a
# supervisor, named in ``linked_by``).
customer_links = Table(
    "customer_links",
    metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("customer_key", String(255), nullable=False),
    Column("source", String(16), nullable=False),
    Column("linked_by", String(128), nullable=True),
    Column("linked_at", DateTime, nullable=False),
    Index("ix_customer_links_customer", "customer_key"),
)

# The records' outbox (handoff.insights.outbox): a journal of finished
# conversation records, written in the transaction that upserts the record,
# and read by the adapters of :data:`RECORD_EVENT_READERS` (the CRM webhook,
# handoff.integrations.records) with the same cursors and queue as
# ``handoff_events``. Its own table, not ``handoff_events``: the desk's live
# stream and the contact centers read that one, and none of them may see a
# record. ``payload`` is ``{"record_id", "record"}``, the record as the table
# above holds it (scrubbed when sent). Like ``handoff_events``, its newest row
# is never deleted (retention, the privacy erase): SQLite would hand its id
# out again, and the readers' cursors would skip the new row.
RECORD_FINISHED = "record.finished"
RECORD_UPDATED = "record.updated"
RECORD_EVENT_TYPES = (RECORD_FINISHED, RECORD_UPDATED)
# The adapter that sends them; every other adapter's cursor is a position in
# ``handoff_events``, this one's in ``record_events``.
RECORDS_WEBHOOK = "records_webhook"
RECORD_EVENT_READERS = (RECORDS_WEBHOOK,)

record_events = Table(
    "record_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("conversation_id", String(255), nullable=False),
    # The record's key in conversation_records, and its end (retention).
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_record_events_record", "conversation_id", "started_at", "id"),
    Index("ix_record_events_ended", "ended_at"),
)

# Customer-satisfaction surveys (handoff.surveys): one row per survey the
# service decided to ask, from ``due`` to ``asked`` (the Rasa server sent the
# question) to ``answered``, or ``refused`` (an SMS opt-out, Messenger's
# window closed: ``detail`` says which), ``failed`` (gave up sending) or
# ``unanswered`` (expired). ``origin`` is unique: what the survey is about
# (a closed handoff, or a session the bot resolved), so planning twice asks
# once. ``score`` and ``comment`` are read back from the conversation's
# record, which the answers' events update.
surveys = Table(
    "surveys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("origin", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("recipient_id", String(255), nullable=False),
    Column("handoff_id", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("detail", String(64), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("asked_at", DateTime, nullable=True),
    Column("answered_at", DateTime, nullable=True),
    Column("score", Integer, nullable=True),
    Column("comment", Text, nullable=True),
    # The handoff a low score opened again (HANDOFF_CSAT_REOPEN_AT_OR_BELOW).
    Column("reopened_handoff_id", Integer, nullable=True),
    UniqueConstraint("origin", name="uq_surveys_origin"),
    Index("ix_surveys_status", "status", "due_at"),
    Index("ix_surveys_conversation", "conversation_id", "created_at"),
)

"""Storage of handoffs, their transcripts and the agents: :class:`HandoffStore`.

The rules that make two agents, a retried outbox and a resent webhook safe
live here, in the database, not in the service:

- creating a handoff is idempotent on ``escalation_id`` (and a conversation
  has at most one open handoff);
- appending a message is idempotent on ``source_event_id``;
- claiming is one ``UPDATE ... WHERE status = 'waiting'``: whichever agent's
  statement runs first changes the row, the other's changes nothing (its
  rowcount is 0) and gets :class:`HandoffConflict`;
- closing and replying check the assignee in the same statement or
  transaction as the write;
- every change also writes its event to ``handoff_events`` in the same
  transaction (a transactional outbox), so a reader of that journal (the
  live event stream, the contact-center adapters) can neither miss a
  committed change nor see one that was rolled back. Once such a transaction
  has committed, the store tells its journal listeners (the service's
  handoff.events.EventHub, which wakes the readers) the latest id it wrote.

SQLAlchemy's synchronous engine runs in worker threads (``asyncio.to_thread``),
as in bot.channels.store: Rasa pins SQLAlchemy 1.4, and its asyncio extension
would need another driver. The schema is made by :func:`handoff.migrate.migrate`.

The modules, each named for what it holds (imports go down this list only)::

    __init__     HandoffStore, made of the parts below; the names importers use
    handoffs     create, get, list, the queue, pickup notices      (Handoffs)
    assignment   claim, transfer, close                            (Assignment)
    messages     append, agents' replies and notes, delivery       (Messages)
    agents       create, find by token, count                      (Agents)
    routing      agents' skills, capacity, state; offers            (Routing)
    journal      the event types, writing the journal, reading it  (JournalReads)
    rows         reads inside a transaction: a handoff, locked or not, a message;
                 an agent locked, agents' loads
    engine       the engine and the write transaction that tells the listeners
                 (StoreBase, which every part above extends)
    records      Handoff, Message, NewMessage, JournalEvent, Agent, AgentProfile
    tokens       agents' bearer tokens and their hash

The store's errors are the service's (handoff.errors), re-exported here:
:class:`HandoffNotFound`, :class:`HandoffConflict`, :class:`AgentExists`;
a bad argument the service should have refused (an unknown role or status)
is a ``ValueError``, and so is a transfer to an agent who does not exist.
"""

from __future__ import annotations

from handoff.errors import AgentExists, HandoffConflict, HandoffNotFound
from handoff.store.agents import Agents
from handoff.store.assignment import Assignment
from handoff.store.engine import JournalListener, build_engine, write_transaction
from handoff.store.handoffs import DEFAULT_LIST_LIMIT, Handoffs
from handoff.store.journal import (
    GAP_GRACE_S,
    HANDOFF_ASSIGNED,
    HANDOFF_AWAITING_SKILL,
    HANDOFF_CLOSED,
    HANDOFF_CREATED,
    HANDOFF_OFFER_ENDED,
    HANDOFF_OFFERED,
    HANDOFF_OVERDUE,
    MESSAGE_CREATED,
    MESSAGE_UPDATED,
    JournalReads,
    settled,
)
from handoff.store.messages import Messages
from handoff.store.records import (
    Agent,
    AgentProfile,
    Handoff,
    JournalEvent,
    Message,
    NewMessage,
    iso,
)
from handoff.store.routing import DECLINED, EXPIRED, WITHDRAWN, Routing, UnknownAgent, ranked
from handoff.store.tokens import hash_token

__all__ = [
    "DECLINED",
    "DEFAULT_LIST_LIMIT",
    "EXPIRED",
    "GAP_GRACE_S",
    "HANDOFF_ASSIGNED",
    "HANDOFF_AWAITING_SKILL",
    "HANDOFF_CLOSED",
    "HANDOFF_CREATED",
    "HANDOFF_OFFERED",
    "HANDOFF_OFFER_ENDED",
    "HANDOFF_OVERDUE",
    "MESSAGE_CREATED",
    "MESSAGE_UPDATED",
    "WITHDRAWN",
    "Agent",
    "AgentExists",
    "AgentProfile",
    "Handoff",
    "HandoffConflict",
    "HandoffNotFound",
    "HandoffStore",
    "JournalEvent",
    "JournalListener",
    "Message",
    "NewMessage",
    "UnknownAgent",
    "build_engine",
    "hash_token",
    "iso",
    "ranked",
    "settled",
    "write_transaction",
]


class HandoffStore(Handoffs, Assignment, Messages, Agents, Routing, JournalReads):
    """The handoff database: ``HandoffStore(database_url)``; every method is async.

    Its parts share :class:`~handoff.store.engine.StoreBase` (the engine, the
    write transaction) and nothing else: each lives in the module that
    names it, and calls the others' SQL only through the functions of
    handoff.store.rows, handoff.store.journal and
    :func:`handoff.store.messages.insert_message`.
    """

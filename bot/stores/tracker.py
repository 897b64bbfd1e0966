"""Rasa's SQL tracker store, saving a turn with one read and one transaction.

Rasa's ``SQLTrackerStore.save`` does, for every customer message:

1. ``stream_events``: retrieve the whole conversation session from the
   database again and rebuild a tracker from it, only to find which events
   are new, then publish each new event to the broker on its own;
2. count the session's stored events, to find the new events a second time;
3. insert them.

``make profile`` measured that as 32 ms of an 80 ms turn, 23 ms of it the
broker's commits. This store finds the new events once, by the count, and
gives them to the broker in one call when it can take them so
(:meth:`bot.stores.broker.SQLEventBroker.publish_many`). Same tables, same
rows, same order: publish first, then store, as Rasa does.

Reading a conversation (and counting its stored events) runs Rasa's query,
written once as SQL text. Rasa builds it with the ORM on every call, and
SQLAlchemy then computes the query's cache key, walking the whole
expression: py-spy on the Rasa server at 16 customers found a fifth of its
CPU time in the two queries, mostly there, and the Rasa server's CPU is what
limits it (``bench/tail.py``).

A read or a save whose connection the server closed midway (a restart, a
failover, an administrator ending sessions) is made once more on a new
connection. Rasa wraps every store in a ``FailSafeTrackerStore``, which
answers a failed read with "no conversation": the turn then ran on a new,
empty conversation and its save stored nothing, while the customer got an
answer (tests/test_production_faults.py saw a message lost so). In this
server a store's error fails the turn instead (:mod:`bot.stores.no_fallback`).

The database work stays on the event loop, as Rasa's does: in a worker
thread, the save would finish after the channel had sent the bot's reply,
and a client reading the conversation (``GET /conversations/<id>/tracker``)
as soon as the reply arrived could miss the turn.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import TextClause

from bot.stores.engines import use_own_engine

logger = logging.getLogger(__name__)

# A read or a save whose connection the server closed is tried once more.
ATTEMPTS = 2


def intent_of(event: dict[str, Any]) -> Any:
    """The intent's name of a user event (None for the others), as Rasa's store keeps it."""
    return event.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)


def conversation_queries(table: str) -> tuple[TextClause, TextClause, TextClause]:
    """Rasa's ``_event_query`` as SQL: the latest session's events, their count, all events.

    The latest session starts at the latest ``session_started`` event's
    timestamp; a conversation without one is one session. Ordered by id, as
    Rasa's (timestamps are not unique).
    """
    latest_session = (
        f"FROM {table}, (SELECT max(timestamp) AS session_start FROM {table}"
        " WHERE sender_id = :sender_id AND type_name = :session_started) AS latest_session"
        f" WHERE {table}.sender_id = :sender_id"
        f" AND ({table}.timestamp >= latest_session.session_start"
        " OR latest_session.session_start IS NULL)"
    )
    session_started = {"session_started": SessionStarted.type_name}
    return (
        text(f"SELECT {table}.data {latest_session} ORDER BY {table}.id").bindparams(
            **session_started
        ),
        text(f"SELECT count(*) {latest_session}").bindparams(**session_started),
        text(f"SELECT data FROM {table} WHERE sender_id = :sender_id ORDER BY id"),
    )


def lost_connection(error: DBAPIError, attempt: int) -> bool:
    """Whether to try again: the server closed the connection, and tries are left."""
    if not error.connection_invalidated or attempt == ATTEMPTS:
        return False
    logger.warning("the tracker store's database connection was lost; trying again")
    return True


class SQLTrackerStore(RasaSQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_own_engine(self)
        table = self.engine.dialect.identifier_preparer.format_table(self.SQLEvent.__table__)
        queries = conversation_queries(table)
        self._latest_session, self._latest_session_count, self._all_sessions = queries

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's ``_retrieve``, its query written once (see the module)."""
        query = self._all_sessions if fetch_events_from_all_sessions else self._latest_session
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.session_scope() as session:
                    rows = session.execute(query, {"sender_id": sender_id}).all()
                break
            except DBAPIError as error:
                if not lost_connection(error, attempt):
                    raise
        events = [json.loads(data) for (data,) in rows]
        if self.domain and len(events) > 0:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        published = False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.session_scope() as session:
                    new_events = self._unsaved(session, tracker)
                    if not published:
                        self._publish(tracker.sender_id, new_events)
                        published = True
                    self._insert(session, tracker.sender_id, new_events)
                    session.commit()
                return
            except DBAPIError as error:
                # Rasa would keep the turn in memory only, and the customer's
                # message would be lost to the tracker. The events were
                # published already: not twice.
                if not lost_connection(error, attempt):
                    raise

    def _unsaved(self, session: Any, tracker: DialogueStateTracker) -> list[dict[str, Any]]:
        """The tracker's events the database does not hold yet, as Rasa serialises them."""
        stored = session.execute(
            self._latest_session_count, {"sender_id": tracker.sender_id}
        ).scalar_one()
        return [event.as_dict() for event in itertools.islice(tracker.events, stored, None)]

    def _insert(self, session: Any, sender_id: str, new_events: list[dict[str, Any]]) -> None:
        if not new_events:
            return
        # One executemany, not the ORM's INSERT a row (it fetches each id).
        session.execute(
            self.SQLEvent.__table__.insert(),
            [
                {
                    "sender_id": sender_id,
                    "type_name": data.get("event"),
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {})
                    .get("intent", {})
                    .get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
                for data in new_events
            ],
        )

    def _publish(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        broker = self.event_broker
        if broker is None or not events:
            return
        bodies = [{"sender_id": sender_id, **event} for event in events]
        publish_many = getattr(broker, "publish_many", None)
        if publish_many is not None:
            publish_many(bodies)
            return
        # Rasa's other brokers (RabbitMQ, Kafka) queue each event without a
        # round trip of its own.
        for body in bodies:
            broker.publish(body)

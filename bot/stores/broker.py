"""Rasa's SQL event broker, able to publish a turn's events in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rasa.core.brokers.sql import SQLEventBroker as RasaSQLEventBroker

from bot.stores.engines import use_own_engine


class SQLEventBroker(RasaSQLEventBroker):
    """Rasa's broker (same table, same rows) plus :meth:`publish_many`.

    Rasa's publishes each event in a transaction of its own: about eight
    commits a customer message. The tracker store (bot.stores.tracker) hands
    it a turn's events at once instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_own_engine(self)

    def publish_many(self, events: Sequence[dict[str, Any]]) -> None:
        """Publish ``events`` in order, all or none."""
        if not events:
            return
        with self.session_scope() as session:
            # One executemany, not the ORM's INSERT a row (it fetches each id).
            session.execute(
                self.SQLBrokerEvent.__table__.insert(),
                [
                    {"sender_id": event.get("sender_id"), "data": json.dumps(event)}
                    for event in events
                ],
            )
            session.commit()

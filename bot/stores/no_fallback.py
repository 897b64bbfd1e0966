"""A tracker store's error fails the turn, instead of Rasa's silent fallback.

Rasa wraps the configured tracker store in a ``FailSafeTrackerStore``
(``Agent._create_tracker_store``): a failed read is taken for "no such
conversation", and a failed save keeps the turn in the process's memory.
Either way the customer gets an answer while the conversation in the
database loses the message: the turn runs on a new, empty conversation,
and its save then writes nothing, or writes events into the middle of the
stored session. Nothing tells the channel that the turn was not kept.

Installed by :mod:`bot.server`, the configured store is used as it is: its
error reaches the channel, which keeps the message for another try (the
inbox of bot.channels.inbox processes it again; the REST channel answers
503 so that the client sends it again). Rasa offers no setting for this,
hence a patch of the one static method.
"""

from __future__ import annotations

from rasa.core.agent import Agent
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain


def use_store_as_configured(store: TrackerStore | None, domain: Domain) -> TrackerStore:
    """``Agent._create_tracker_store`` without the ``FailSafeTrackerStore`` around it."""
    if store is None:
        return InMemoryTrackerStore(domain)
    store.domain = domain
    return store


def install() -> None:
    Agent._create_tracker_store = staticmethod(use_store_as_configured)

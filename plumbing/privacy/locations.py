"""Where a store of customer data is (:class:`Location`), and the names of the stores.

Each process that owns stores says where its own are, from its own settings
(``locations`` in bot.privacy, actions.privacy and handoff.privacy), because
an export that read another database than the one the owner writes would say
"nothing held" while everything is still there:

    store     owner            from
    tracker   Rasa server      RASA_ENDPOINTS' tracker_store (endpoints.yml: var/tracker.db)
    broker    Rasa server      RASA_ENDPOINTS' event_broker (endpoints.yml: var/events.db)
    channels  Rasa server      CHANNELS_DATABASE_URL (bot.channels.settings)
    outbox    action server    ACTIONS_HANDOFF_OUTBOX_URL (actions.settings)
    handoff   handoff service  HANDOFF_DATABASE_URL (handoff.settings)
    business  action server    ACTIONS_DATABASE_URL, only for the default ACTIONS_BACKEND

A store that keeps nothing to read (an in-memory tracker store, RabbitMQ as
the broker, a business backend of the company's own) is *skipped*, with the
reason; one whose SQLite file does not exist is *absent*. Neither is an
error, and no SQLite file is created by looking (SQLite would create an
empty one on connecting). Relative SQLite paths are taken from the
project's root, where `make run` starts every process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, Engine, make_url

import plumbing.db

ROOT = Path(__file__).resolve().parents[2]

TRACKER = "tracker"
BROKER = "broker"
CHANNELS = "channels"
OUTBOX = "outbox"
HANDOFF = "handoff"
BUSINESS = "business"
# The order stores are erased in: what could bring a conversation back
# goes first. An inbox item not yet processed would be run through the bot
# (tracker, broker); an escalation pending in the outbox would create the
# handoff again once delivered; the broker feeds the handoff database.
STORES = (CHANNELS, OUTBOX, TRACKER, BROKER, HANDOFF, BUSINESS)


class LocationError(ValueError):
    """A store's configuration cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Location:
    """One store: its URL and the engine profile of its owner, or why it is not read."""

    store: str
    url: str = ""
    profile: plumbing.db.Profile = plumbing.db.RASA_EVENTS
    # Why nothing is read here (empty when url is set).
    skipped: str = ""
    server_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def absent_file(self) -> str:
        """The path of a SQLite file that does not exist, or "" (the store may be read)."""
        url = make_url(self.url)
        if plumbing.db.is_sqlite_memory(url):
            return ":memory:"
        if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
            return str(url.database)
        return ""

    def engine(self) -> Engine:
        """An engine on the store, with its owner's SQLite settings and two more.

        It takes SQLite's write lock at BEGIN: an erase reads the rows it then
        deletes, and no writer may come between. And SQLite overwrites what it
        deletes with zeros (``secure_delete``): otherwise a deleted row stays
        in the file's free space, readable by anyone with the file.
        """
        profile = dataclasses.replace(
            self.profile,
            name=f"privacy-{self.profile.name}",
            sqlite_pragmas=(*self.profile.sqlite_pragmas, "secure_delete=ON"),
            immediate_writes=True,
        )
        return plumbing.db.build_engine(
            self.url, profile, server_options=dict(self.server_options) or None
        )


def from_root(url: str, root: Path = ROOT) -> str:
    """``url`` with a relative SQLite path made absolute from ``root``."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or plumbing.db.is_sqlite_memory(parsed):
        return url
    if Path(str(parsed.database)).is_absolute():
        return url
    return render(parsed.set(database=str(root / str(parsed.database))))


def render(url: URL) -> str:
    return str(url.render_as_string(hide_password=False))

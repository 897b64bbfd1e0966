"""Where each store of customer data is: read as the process that owns it reads it.

An export that read another database than the one the bot writes would say
"nothing held" while everything is still there, so each URL comes from the
owner's own settings and defaults:

    store     owner            from
    tracker   Rasa server      RASA_ENDPOINTS' tracker_store (endpoints.yml: var/tracker.db)
    broker    Rasa server      RASA_ENDPOINTS' event_broker (endpoints.yml: var/events.db)
    channels  Rasa server      CHANNELS_DATABASE_URL (bot.channels.settings)
    outbox    action server    ACTIONS_HANDOFF_OUTBOX_URL (actions.settings)
    handoff   handoff service  HANDOFF_DATABASE_URL (handoff.settings)
    business  action server    ACTIONS_DATABASE_URL, only for the default ACTIONS_BACKEND

Rasa's two stores are read from the endpoints file with Rasa's own URL
builder, as training.settings does for the tracker store, but also when
their ``type`` is a class of ours derived from Rasa's SQL store
(``bot.stores.tracker.SQLTrackerStore``). A store that keeps nothing to read
(an in-memory tracker store, RabbitMQ as the broker, a business backend of
the company's own) is *skipped*, with the reason; one whose SQLite file does
not exist is *absent*. Neither is an error, and no SQLite file is created by
looking (SQLite would create an empty one on connecting).

Relative SQLite paths are taken from the project's root, where `make run`
starts every process, so that the command works from any folder.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, Engine, make_url

import plumbing.db
from actions.settings import DEFAULT_BACKEND, ActionSettings
from bot.channels.settings import ChannelSettings
from bot.settings import BotSettings
from handoff.settings import HandoffSettings

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

# Rasa reads this variable for the PostgreSQL schema of its SQL stores.
POSTGRESQL_SCHEMA = "POSTGRESQL_SCHEMA"
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


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


def locate(environ: Mapping[str, str], root: Path = ROOT) -> dict[str, Location]:
    """Every store's location, by the settings ``environ`` gives their owners.

    Raises :class:`LocationError` (or plumbing.settings' SettingsError, a
    ValueError) for a configuration its owner would refuse too.
    """
    actions = ActionSettings.from_env(environ)
    endpoints = Path(BotSettings.from_env(environ).endpoints)
    if not endpoints.is_absolute():
        endpoints = root / endpoints
    sections = _endpoint_sections(endpoints)
    business = Location(BUSINESS, _from_root(actions.database_url, root), plumbing.db.BUSINESS)
    if actions.backend != DEFAULT_BACKEND:
        business = Location(
            BUSINESS,
            skipped=f"ACTIONS_BACKEND is {actions.backend}: the company's own system, "
            "whose data its owners export and erase",
        )
    return {
        CHANNELS: Location(
            CHANNELS,
            _from_root(ChannelSettings.from_env(environ).database_url, root),
            plumbing.db.CHANNELS,
        ),
        OUTBOX: Location(OUTBOX, _from_root(actions.handoff_outbox_url, root), plumbing.db.OUTBOX),
        TRACKER: _rasa_store(TRACKER, sections, "tracker_store", environ, root),
        BROKER: _rasa_store(BROKER, sections, "event_broker", environ, root),
        HANDOFF: Location(
            HANDOFF,
            _from_root(HandoffSettings.from_env(environ).database_url, root),
            plumbing.db.HANDOFF,
        ),
        BUSINESS: business,
    }


def _from_root(url: str, root: Path) -> str:
    """``url`` with a relative SQLite path made absolute from ``root``."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or plumbing.db.is_sqlite_memory(parsed):
        return url
    if Path(str(parsed.database)).is_absolute():
        return url
    return _render(parsed.set(database=str(root / str(parsed.database))))


def _render(url: URL) -> str:
    return str(url.render_as_string(hide_password=False))


# -- Rasa's stores, from the endpoints file -------------------------------------------------


def _endpoint_sections(endpoints: Path) -> dict[str, Any]:
    if not endpoints.exists():
        # Rasa without an endpoints file keeps conversations in memory.
        return {}
    from ruamel.yaml import YAML

    # "base": no implicit tags, since rasa registers one that expands ${VARS}.
    loaded = YAML(typ="base").load(endpoints.read_text())
    return dict(loaded) if isinstance(loaded, Mapping) else {}


def _rasa_store(
    store: str,
    sections: Mapping[str, Any],
    section_name: str,
    environ: Mapping[str, str],
    root: Path,
) -> Location:
    section = sections.get(section_name) or {}
    kind = str(section.get("type") or "").strip() if isinstance(section, Mapping) else ""
    if not kind:
        return Location(store, skipped=f"no {section_name} in the endpoints: Rasa keeps none")
    if not _is_sql(kind, section_name):
        return Location(
            store,
            skipped=f"{section_name} is {kind!r}, not SQL: nothing kept there to read "
            "(a message broker passes events on)",
        )
    config = {key: _expand(value, environ, section_name) for key, value in section.items()}
    url = _rasa_url(config, root, "rasa.db" if store == TRACKER else "events.db")
    options: dict[str, Any] = {}
    schema = environ.get(POSTGRESQL_SCHEMA)
    if schema and make_url(url).get_backend_name() == "postgresql":
        options["connect_args"] = {"options": f"-csearch_path={schema}"}
    return Location(store, url, plumbing.db.RASA_EVENTS, server_options=options)


def _is_sql(kind: str, section_name: str) -> bool:
    """Whether Rasa's ``type`` is its SQL store, or a class derived from it."""
    if kind.lower() == "sql":
        return True
    if "." not in kind:
        return False  # one of Rasa's other built-in names: pika, kafka, redis, mongod...
    with _rasa_deprecations_hidden():
        from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path

    base: type = SQLTrackerStore if section_name == "tracker_store" else SQLEventBroker
    try:
        found = class_from_module_path(kind)
    except (ImportError, AttributeError):
        raise LocationError(
            f"the endpoints' {section_name} names {kind}, which cannot be imported"
        ) from None
    return isinstance(found, type) and issubclass(found, base)


def _rasa_url(config: Mapping[str, Any], root: Path, default_db: str) -> str:
    from rasa.core.tracker_store import SQLTrackerStore

    dialect = str(config.get("dialect") or "sqlite")
    db = str(config.get("db") or default_db)
    if dialect == "sqlite" and not Path(db).is_absolute():
        # The Rasa server runs from the project root.
        db = str(root / db)
    port = config.get("port")
    with _rasa_deprecations_hidden():
        url = SQLTrackerStore.get_db_url(
            dialect,
            config.get("url") or config.get("host"),
            int(port) if isinstance(port, str) and port.isdigit() else port,
            db,
            config.get("username"),
            config.get("password"),
            None,
            config.get("query"),
        )
    return url if isinstance(url, str) else _render(url)


@contextmanager
def _rasa_deprecations_hidden() -> Iterator[None]:
    """Rasa's use of SQLAlchemy 1.x APIs warns on import and on building a URL: nothing an
    operator can act on, printed above every answer of the command otherwise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _expand(value: object, environ: Mapping[str, str], section_name: str) -> object:
    """``${VAR}`` replaced as Rasa does: a variable that is not set is an error."""
    if not isinstance(value, str):
        return value

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise LocationError(f"the endpoints' {section_name} needs the variable {name}")
        return environ[name]

    return _VARIABLE.sub(variable, value)

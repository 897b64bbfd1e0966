"""The Rasa server's share of a customer's export and erasure: its tracker store, event
broker and channels' store (plumbing.privacy).

Per store, the customer's rows are::

    tracker   events                    sender_id is one of their conversations
    broker    events                    the same (Rasa's SQL event broker)
    channels  channel_inbox, last_inbound  sender_id is one of their conversations
              channel_surveys,          conversation_id is theirs, or recipient_id
              pending_surveys           names them
              sms_opt_outs              phone_number is one of their numbers (kept: below)

**SMS opt-outs are kept by default.** The row is the record that the number
texted STOP; the SMS channel reads it before every message it sends, by the
bot or by an agent, and the rules on text messages (the CTIA's, the TCPA's)
make honouring it an obligation, which outlasts an erasure (GDPR article
17(3)(b)). It holds the number and the time of the STOP, nothing else. A
salted hash would erase the number but not be honoured: the channel looks
numbers up as they are (bot/channels/store.py), so the customer could be
texted again. ``include_opt_out`` deletes it too, when the operator has
decided that the obligation does not apply.

Rasa's two stores are found from the endpoints file with Rasa's own URL
builder, as training.settings does for the tracker store, but also when
their ``type`` is a class of ours derived from Rasa's SQL store
(``bot.stores.tracker.SQLTrackerStore``). RabbitMQ as the broker keeps
nothing to read: skipped. The broker's ``events`` ids are remembered by the
handoff service's consumer (its position in the table): refused on SQLite
when the customer's are the newest (plumbing.privacy.stores).

The handoff service asks for this share on ``POST /internal/privacy``
(bot.channels.internal), with ``HANDOFF_DELIVERY_TOKEN``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.engine import Connection, make_url

import bot.channels.store as channel_tables
import plumbing.db
from bot.channels.settings import ChannelSettings
from bot.settings import BotSettings
from plumbing.privacy.locations import (
    BROKER,
    CHANNELS,
    ROOT,
    TRACKER,
    Location,
    LocationError,
    from_root,
    render,
)
from plumbing.privacy.owners import LocalStores
from plumbing.privacy.stores import Rows, Rules, select_rows
from plumbing.privacy.subject import Subject

RASA_EVENTS = "events"
# Rasa reads this variable for the PostgreSQL schema of its SQL stores.
POSTGRESQL_SCHEMA = "POSTGRESQL_SCHEMA"
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def local_stores(environ: Mapping[str, str], root: Path = ROOT) -> LocalStores:
    """The Rasa server's stores, where ``environ`` puts them, with their rules."""
    return LocalStores(locations(environ, root), RULES)


def locations(environ: Mapping[str, str], root: Path = ROOT) -> dict[str, Location]:
    """Where the channels' store and Rasa's two stores are, by the Rasa server's settings.

    Raises :class:`LocationError` (or plumbing.settings' SettingsError, a
    ValueError) for a configuration the Rasa server would refuse too.
    """
    endpoints = Path(BotSettings.from_env(environ).endpoints)
    if not endpoints.is_absolute():
        endpoints = root / endpoints
    sections = _endpoint_sections(endpoints)
    return {
        CHANNELS: Location(
            CHANNELS,
            from_root(ChannelSettings.from_env(environ).database_url, root),
            plumbing.db.CHANNELS,
        ),
        TRACKER: _rasa_store(TRACKER, sections, "tracker_store", environ, root),
        BROKER: _rasa_store(BROKER, sections, "event_broker", environ, root),
    }


# -- which rows ------------------------------------------------------------------------------


def _rasa_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    events = tables[RASA_EVENTS]
    return {
        RASA_EVENTS: select_rows(db, events, events.c.sender_id.in_(list(subject.conversations)))
    }


def _channel_rows(db: Connection, tables: Mapping[str, Table], subject: Subject) -> dict[str, Rows]:
    conversations = list(subject.conversations)
    found: dict[str, Rows] = {}
    for name in (channel_tables.inbox.name, channel_tables.last_inbound.name):
        if name in tables:
            found[name] = select_rows(db, tables[name], tables[name].c.sender_id.in_(conversations))
    # Satisfaction surveys asked and waiting for an answer (bot.channels.surveys).
    identifiers = list(subject.identifiers)
    for name in (channel_tables.surveys_asked.name, channel_tables.pending_surveys.name):
        if name in tables:
            table = tables[name]
            found[name] = select_rows(
                db,
                table,
                or_(
                    table.c.conversation_id.in_(conversations),
                    table.c.recipient_id.in_(identifiers),
                ),
            )
    opt_outs = channel_tables.sms_opt_outs.name
    if opt_outs in tables:
        column = tables[opt_outs].c.phone_number
        found[opt_outs] = select_rows(db, tables[opt_outs], column.in_(list(subject.phones)))
    return found


RULES: dict[str, Rules] = {
    TRACKER: Rules((RASA_EVENTS,), _rasa_rows, json_text=frozenset({(RASA_EVENTS, "data")})),
    BROKER: Rules(
        (RASA_EVENTS,),
        _rasa_rows,
        json_text=frozenset({(RASA_EVENTS, "data")}),
        remembered_ids=(RASA_EVENTS,),
    ),
    CHANNELS: Rules(
        (
            channel_tables.inbox.name,
            channel_tables.sms_opt_outs.name,
            channel_tables.last_inbound.name,
        ),
        _channel_rows,
        (channel_tables.surveys_asked.name, channel_tables.pending_surveys.name),
        declared=channel_tables.metadata,
        kept_by_default=frozenset({channel_tables.sms_opt_outs.name}),
    ),
}


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
    return url if isinstance(url, str) else render(url)


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

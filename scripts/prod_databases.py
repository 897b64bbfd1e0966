"""The production profile's PostgreSQL databases, and whether Redis and RabbitMQ answer.

Rasa's conversations go to the database ``DB_NAME`` (Rasa's tracker store,
configured by ``DB_*`` variables); ours are named after it, with a suffix
(:data:`DATABASE_SUFFIXES`), unless their URLs are set. Before anything
starts, :func:`prepare_databases` creates each database that is missing and
brings it to its schema; :func:`drop_databases` removes a throw-away
profile's (scripts.run_prod's ``isolated_production``).
"""

from __future__ import annotations

import re
import socket
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

# What each of our databases is called after the tracker store's (DB_NAME).
DATABASE_SUFFIXES = {
    "CHANNELS_DATABASE_URL": "_channels",
    "ACTIONS_DATABASE_URL": "_actions",
    "ACTIONS_HANDOFF_OUTBOX_URL": "_actions",
    "HANDOFF_DATABASE_URL": "_handoff",
}
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def postgres_url(env: dict[str, str], database: str) -> str:
    """The PostgreSQL database ``database`` on the server of ``DB_HOST`` and the rest."""
    url = URL.create(
        "postgresql+psycopg2",
        username=env["DB_USER"] or None,
        password=env["DB_PASSWORD"] or None,
        host=env["DB_HOST"],
        port=int(env["DB_PORT"]),
        database=database,
    )
    return url.render_as_string(hide_password=False)


def database_urls(env: dict[str, str]) -> list[str]:
    """Every database of the profile: Rasa's conversations, then ours (each once)."""
    urls = [postgres_url(env, env["DB_NAME"]), *(env[name] for name in DATABASE_SUFFIXES)]
    return list(dict.fromkeys(urls))


def _maintenance_url(url: str) -> URL:
    return make_url(url).set(database="postgres")


def _database_exists(db: Connection, name: str) -> bool:
    found = db.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
    return found.first() is not None


def ensure_databases(env: dict[str, str]) -> None:
    """Create each PostgreSQL database of the profile that does not exist yet."""
    for raw in database_urls(env):
        url = make_url(raw)
        if url.get_backend_name() != "postgresql":
            continue
        name = str(url.database)
        if not _DATABASE_NAME.fullmatch(name):
            raise ValueError(f"database names are letters, digits and _ here, not {name!r}")
        engine = create_engine(_maintenance_url(raw), future=True, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as db:
                if not _database_exists(db, name):
                    try:
                        db.execute(text(f'CREATE DATABASE "{name}"'))
                    except ProgrammingError as error:
                        # Fine if another launcher created it meanwhile; not
                        # if this user may not create databases.
                        if not _database_exists(db, name):
                            raise ConnectionError(
                                f"PostgreSQL: cannot create database {name}: {error.orig}"
                            ) from None
        except OperationalError as error:
            # The driver's message names host and port, never the password.
            raise ConnectionError(f"PostgreSQL: {error.orig}".strip()) from None
        finally:
            engine.dispose()


def prepare_databases(env: dict[str, str]) -> None:
    """Create the databases and bring each to its schema, once, before any instance starts.

    Two instances starting together would otherwise both create the same
    tables (CREATE TABLE races on PostgreSQL); the handoff service's Alembic
    migrations run here first, and again (a no-op) when it starts.
    """
    # Imported here: these load the services' code, which the other
    # functions of this module (and the tests' imports of them) do not need.
    from rasa.core.tracker_store import SQLTrackerStore

    import actions.backend.sql
    import actions.handoff_outbox
    from actions.backend.seed import seed_sample_data
    from actions.backend.tables import Base
    from actions.settings import DEFAULT_BACKEND, ActionSettings
    from bot.channels.store import ChannelStore
    from handoff.migrate import migrate
    from plumbing.clock import utc_now_aware

    ensure_databases(env)
    tracker = create_engine(postgres_url(env, env["DB_NAME"]), future=True)
    try:
        SQLTrackerStore.Base.metadata.create_all(tracker)
    finally:
        tracker.dispose()
    ChannelStore(env["CHANNELS_DATABASE_URL"]).close()
    settings = ActionSettings.from_env(env)
    if settings.backend == DEFAULT_BACKEND:
        business = actions.backend.sql.build_engine(settings.database_url)
        try:
            Base.metadata.create_all(business)
            if settings.seed_sample_data:
                seed_sample_data(business, utc_now_aware())
        finally:
            business.dispose()
    outbox = actions.handoff_outbox.build_engine(settings.handoff_outbox_url)
    try:
        actions.handoff_outbox.metadata.create_all(outbox)
    finally:
        outbox.dispose()
    migrate(env["HANDOFF_DATABASE_URL"])


def drop_databases(env: dict[str, str]) -> None:
    """Drop every PostgreSQL database of the profile, connections to them and all."""
    urls = [url for url in database_urls(env) if make_url(url).get_backend_name() == "postgresql"]
    # Each DROP DATABASE waits for a checkpoint (a second or more): all at once.
    with ThreadPoolExecutor(max_workers=len(urls) or 1) as pool:
        list(pool.map(_drop_database, urls))


def _drop_database(raw: str) -> None:
    engine = create_engine(_maintenance_url(raw), future=True, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{make_url(raw).database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def check_reachable(env: dict[str, str]) -> None:
    """ConnectionError naming the server when Redis or RabbitMQ does not answer.

    Rasa would start without either and fail on the first message instead.
    """
    for what, host, port in (
        ("Redis", env["REDIS_HOST"], env["REDIS_PORT"]),
        ("RabbitMQ", env["RABBITMQ_HOST"], env["RABBITMQ_PORT"]),
    ):
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
        except OSError as error:
            raise ConnectionError(
                f"{what} at {host}:{port} does not answer ({error.strerror or error})"
            ) from None

"""SQLAlchemy engines for every database we open: :func:`build_engine` and its profiles.

Each store names the :class:`Profile` of its use; the profile says what its
SQLite connections are set to::

    profile      SQLite pragmas                          writers BEGIN  used by
    CHANNELS     WAL, synchronous=FULL, foreign_keys=ON  deferred       bot.channels.store
    OUTBOX       WAL, synchronous=FULL, foreign_keys=ON  deferred       actions.handoff_outbox
    HANDOFF      WAL, synchronous=FULL, foreign_keys=ON  IMMEDIATE      handoff.store (also the
                                                                        desk's, adapters' writes)
    BUSINESS     foreign_keys=ON (rollback journal)      deferred       actions.backend.sql
    RASA_EVENTS  none: the database is Rasa's            deferred       handoff.broker (its event
                                                                        broker), training.review
                                                                        (its tracker store)
    RASA_STORES  WAL, synchronous=NORMAL, 4 pooled       deferred       bot.stores (Rasa's tracker
                 connections                                            store and event broker, in
                                                                        the Rasa server)

What every profile gets:

- SQLite: a busy timeout of :data:`SQLITE_BUSY_TIMEOUT_S` (a writer waits
  that long for another's lock before "database is locked"); connections
  usable from any thread (``check_same_thread=False``: every store runs the
  synchronous engine in ``asyncio.to_thread``); an in-memory database shared
  by all threads (``StaticPool``; otherwise each thread would get its own,
  empty one).
- PostgreSQL and the rest: ``pool_pre_ping`` (connections the server dropped
  are replaced instead of failing a request), and for psycopg2 a
  ``connect_timeout`` of :data:`POSTGRES_CONNECT_TIMEOUT_S` unless the URL
  sets one (libpq would wait for the system's TCP timeout, minutes).
- ``hide_parameters``: SQLAlchemy's error messages would otherwise list the
  statement's parameters (a customer's text, a phone number, an e-mail), and
  those messages reach the logs.

The differences between profiles are deliberate:

- WAL (readers do not wait for the writer) where several processes or
  threads read a file while another writes: the inbox (Rasa server, handoff
  service), the outbox (action server, operators' flush), the handoff
  database (service, desk, adapters, broker consumer). The business database
  keeps SQLite's rollback journal: one process uses it, and the README has
  operators delete the file to re-seed it, which a ``-wal`` file left by a
  crashed server would make unsafe.
- ``synchronous=FULL`` (SQLite's default, written down so nobody trades it
  for NORMAL): an acknowledged delivery, a promised handoff, must survive a
  power cut.
- ``BEGIN IMMEDIATE`` for the handoff database's writers (see
  :func:`write_transaction`): its transactions read, then write (a reply
  checks the assignee first), from several writers at once, and pysqlite's
  lazy BEGIN would make the second writer fail at once instead of queueing
  on the busy timeout. The other stores' transactions are single statements.
- Rasa's event broker gets nothing set here, where it is read: its writer,
  the Rasa server, sets the file's journal mode (RASA_STORES).
- ``synchronous=NORMAL`` and a pool for Rasa's own stores (RASA_STORES):
  Rasa commits several times a turn, on its event loop, while every other
  conversation waits. With the rollback journal each commit waits for three
  fsyncs (2.1 ms on this machine's idle disk, 40 ms and more on a busy one);
  WAL with NORMAL commits without waiting for the disk (0.01 ms). And SQLite
  files otherwise get a connection per use, whose closing checkpoints the
  log and deletes it (0.8 ms twice a turn, and the pragmas again on each
  new one). What NORMAL gives up: a commit survives the process being
  killed (tests/test_resilience.py), but the last moments of commits may be
  lost if the machine itself loses power; the file is never corrupted.
  These are Rasa's working copies of the conversation: the customer's
  message itself is already in the inbox (CHANNELS, FULL), and the
  production profile keeps conversations in PostgreSQL.

What used to differ by accident and is now the same everywhere:
``hide_parameters`` and psycopg2's ``connect_timeout`` (only some stores
had them), ``foreign_keys=ON`` (the inbox and the outbox have no foreign
keys yet), ``StaticPool`` for ``:memory:`` (only the business database had
it).

SQLAlchemy is 1.4 (Rasa pins it), used with the 2.0-style API (``future=True``);
only the engines handed to Rasa's own stores are 1.x engines (``future=False``),
for Rasa's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import QueuePool, StaticPool

# How long a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 15.0
# How long psycopg2 waits for PostgreSQL to accept a connection.
POSTGRES_CONNECT_TIMEOUT_S = 5
# The execution option write_transaction sets; the begin hook reads it.
IMMEDIATE_OPTION = "sqlite_immediate"

_OWN_SHARED_FILE = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON")


@dataclass(frozen=True)
class Profile:
    """What a store needs of its SQLite connections (see the module's table)."""

    name: str
    # Run on every new SQLite connection, in order ("PRAGMA " + each).
    sqlite_pragmas: tuple[str, ...] = ()
    # Transactions begin explicitly; write_transaction's take the write lock at BEGIN.
    immediate_writes: bool = False
    # SQLite files: connections kept open (0: SQLAlchemy's default, one per use).
    sqlite_pool_size: int = 0


CHANNELS = Profile("channels", _OWN_SHARED_FILE)
OUTBOX = Profile("outbox", _OWN_SHARED_FILE)
HANDOFF = Profile("handoff", _OWN_SHARED_FILE, immediate_writes=True)
BUSINESS = Profile("business", ("foreign_keys=ON",))
RASA_EVENTS = Profile("rasa-events")
RASA_STORES = Profile("rasa-stores", ("journal_mode=WAL", "synchronous=NORMAL"), sqlite_pool_size=4)


def build_engine(
    database_url: str | URL,
    profile: Profile,
    *,
    future: bool = True,
    server_options: dict[str, Any] | None = None,
) -> Engine:
    """An engine for ``database_url`` set up as ``profile`` says; connects to nothing yet.

    Nor does it create the SQLite file's folder: see :func:`ensure_sqlite_directory`.
    ``server_options`` go to ``create_engine`` for databases other than
    SQLite (Rasa's pool size and schema settings, for Rasa's stores).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        options: dict[str, Any] = dict(server_options or {})
        if url.get_driver_name() == "psycopg2" and "connect_timeout" not in url.query:
            connect_args = dict(options.get("connect_args") or {})
            connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
            options["connect_args"] = connect_args
        return create_engine(
            url, future=future, pool_pre_ping=True, hide_parameters=True, **options
        )
    sqlite_options: dict[str, Any] = {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    }
    if is_sqlite_memory(url):
        sqlite_options["poolclass"] = StaticPool
    elif profile.sqlite_pool_size:
        sqlite_options["poolclass"] = QueuePool
        sqlite_options["pool_size"] = profile.sqlite_pool_size
    engine = create_engine(url, future=future, hide_parameters=True, **sqlite_options)
    event.listen(engine, "connect", _on_connect(profile))
    if profile.immediate_writes:
        event.listen(engine, "begin", _begin)
    return engine


def is_sqlite_memory(url: URL) -> bool:
    """Whether ``url`` is a SQLite database in memory (no file)."""
    return url.get_backend_name() == "sqlite" and (
        not url.database or url.database == ":memory:"
    )


def ensure_sqlite_directory(url: str | URL) -> None:
    """Create the folder of a SQLite file (nothing for other databases); raises OSError.

    Separate from :func:`build_engine` so that a store can choose the moment:
    at start-up, or at first use (the outbox and the business database, whose
    construction must not fail).
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite" and not is_sqlite_memory(url):
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction; with the HANDOFF profile, it takes SQLite's write lock at BEGIN.

    Elsewhere (other profiles, PostgreSQL) it is an ordinary transaction.
    """
    with engine.connect() as db:
        db = db.execution_options(**{IMMEDIATE_OPTION: True})
        with db.begin():
            yield db


def _on_connect(profile: Profile) -> Any:
    def set_up(dbapi_connection: Any, _record: Any) -> None:
        if profile.immediate_writes:
            # pysqlite starts transactions lazily, at the first write: a
            # transaction that reads, then writes, can then fail at once with
            # "database is locked" when another connection wrote in between,
            # whatever the busy timeout. Beginning them ourselves (_begin)
            # makes writers queue on the busy timeout instead.
            dbapi_connection.isolation_level = None
        if profile.sqlite_pragmas:
            cursor = dbapi_connection.cursor()
            for pragma in profile.sqlite_pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

    return set_up


def _begin(connection: Connection) -> None:
    if connection.get_execution_options().get(IMMEDIATE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")

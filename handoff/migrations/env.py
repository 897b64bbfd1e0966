"""Alembic environment of the handoff database.

There is no alembic.ini: :func:`handoff.migrate.migrate` builds the Config in
code and hands over an open connection (``config.attributes["connection"]``),
so the service, the tests and the command line all migrate the same way.
"""

from __future__ import annotations

from alembic import context

import plumbing.db
from handoff.models import metadata

config = context.config


def run() -> None:
    if context.is_offline_mode():
        # `alembic upgrade --sql`: print the DDL for a DBA instead of running it.
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection or set sqlalchemy.url")
    # As the service opens it (handoff.store.build_engine), so that a migration
    # run from alembic's command line sees the same foreign keys and journal.
    engine = plumbing.db.build_engine(url, plumbing.db.HANDOFF)
    try:
        with engine.begin() as own_connection:
            context.configure(
                connection=own_connection, target_metadata=metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()

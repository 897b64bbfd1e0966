"""handoff.migrate: upgrade head creates the schema the models describe; downgrade removes it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from handoff.migrate import downgrade, migrate
from handoff.models import metadata
from handoff.store import build_engine

TABLES = {
    "handoffs",
    "transcript_messages",
    "agents",
    "broker_cursors",
    "handoff_events",
    "desk_sessions",
    "integration_cursors",
    "integration_deliveries",
    "integration_inbound_events",
    "zendesk_tickets",
    "insight_events",
    "conversation_records",
    "customer_links",
    "record_events",
    "surveys",
}


def table_names(database_url: str) -> set[str]:
    engine = build_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_creates_the_tables_and_downgrade_removes_them(database_url: str) -> None:
    assert table_names(database_url) == set()

    migrate(database_url)
    assert table_names(database_url) == TABLES | {"alembic_version"}

    downgrade(database_url)
    assert table_names(database_url) == {"alembic_version"}


def test_upgrade_is_idempotent(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    assert TABLES <= table_names(database_url)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    # Catches a model change without its migration (or a migration typo).
    migrate(database_url)
    engine = build_engine(database_url)
    try:
        with engine.connect() as db:
            differences = compare_metadata(MigrationContext.configure(db), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_queue_index_exists(database_url: str) -> None:
    migrate(database_url)
    engine = build_engine(database_url)
    try:
        indexes = {index["name"] for index in inspect(engine).get_indexes("handoffs")}
    finally:
        engine.dispose()
    assert {"ix_handoffs_queue", "uq_handoffs_open_conversation"} <= indexes

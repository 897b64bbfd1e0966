"""The records' outbox: finished conversation records, journaled for the CRM webhook.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_record_events_record", "record_events", ["conversation_id", "started_at", "id"]
    )
    op.create_index("ix_record_events_ended", "record_events", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_record_events_ended", "record_events")
    op.drop_index("ix_record_events_record", "record_events")
    op.drop_table("record_events")

"""Conversation records kept from the event stream, and the events they are folded from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_insight_events_fingerprint"),
    )
    op.create_index(
        "ix_insight_events_conversation", "insight_events", ["conversation_id", "id"]
    )
    op.create_table(
        "conversation_records",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("started_at", sa.DateTime(), primary_key=True),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_conversation_records_started", "conversation_records", ["started_at"])
    op.create_index(
        "ix_conversation_records_outcome", "conversation_records", ["outcome", "ended_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_records_outcome", "conversation_records")
    op.drop_index("ix_conversation_records_started", "conversation_records")
    op.drop_table("conversation_records")
    op.drop_index("ix_insight_events_conversation", "insight_events")
    op.drop_table("insight_events")

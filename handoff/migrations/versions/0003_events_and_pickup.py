"""The change journal ``handoff_events``, and ``handoffs.pickup_notified_at``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("pickup_notified_at", sa.DateTime(), nullable=True))
    op.create_table(
        "handoff_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_handoff_events_handoff", "handoff_events", ["handoff_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_events_handoff", "handoff_events")
    op.drop_table("handoff_events")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("pickup_notified_at")

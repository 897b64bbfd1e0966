"""Customer-satisfaction surveys: who was asked, and what they answered.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("recipient_id", sa.String(255), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reopened_handoff_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint("origin", name="uq_surveys_origin"),
    )
    op.create_index("ix_surveys_status", "surveys", ["status", "due_at"])
    op.create_index("ix_surveys_conversation", "surveys", ["conversation_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_surveys_conversation", "surveys")
    op.drop_index("ix_surveys_status", "surveys")
    op.drop_table("surveys")

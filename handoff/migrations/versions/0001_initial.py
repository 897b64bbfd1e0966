"""Handoffs, their transcripts, and the agents.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

The tables are spelled out here rather than taken from handoff.models, so
that this revision keeps creating the same schema when the models change
(later changes get their own revisions).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("escalation_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(255), nullable=False),
        sa.Column("customer", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("anger", sa.Float(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("last_customer_message_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("escalation_id", name="uq_handoffs_escalation_id"),
    )
    op.create_index("ix_handoffs_queue", "handoffs", ["status", "priority", "created_at", "id"])
    op.create_index("ix_handoffs_conversation", "handoffs", ["conversation_id"])
    op.create_index(
        "uq_handoffs_open_conversation",
        "handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text("status != 'closed'"),
        postgresql_where=sa.text("status != 'closed'"),
    )
    op.create_table(
        "transcript_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "handoff_id",
            sa.Integer(),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE", name="fk_transcript_handoff"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("source_event_id", sa.String(255), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(128), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=True),
        sa.UniqueConstraint("source_event_id", name="uq_transcript_messages_source_event_id"),
    )
    op.create_index(
        "ix_transcript_messages_order", "transcript_messages", ["handoff_id", "timestamp", "id"]
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("name", name="uq_agents_name"),
        sa.UniqueConstraint("token_hash", name="uq_agents_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("agents")
    op.drop_index("ix_transcript_messages_order", table_name="transcript_messages")
    op.drop_table("transcript_messages")
    op.drop_index("uq_handoffs_open_conversation", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation", table_name="handoffs")
    op.drop_index("ix_handoffs_queue", table_name="handoffs")
    op.drop_table("handoffs")

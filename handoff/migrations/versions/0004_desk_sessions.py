"""The desk's sign-in: ``agents.password_hash`` and ``desk_sessions``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
    op.create_table(
        "desk_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "agent_id",
            sa.Integer(),
            sa.ForeignKey("agents.id", ondelete="CASCADE", name="fk_desk_sessions_agent"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_desk_sessions_agent", "desk_sessions", ["agent_id"])


def downgrade() -> None:
    op.drop_index("ix_desk_sessions_agent", "desk_sessions")
    op.drop_table("desk_sessions")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("password_hash")

"""Routing: agents' skills, capacity and state; a handoff's skills and its offer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Spelled out rather than taken from handoff.models, like 0001. Every new
NOT NULL column has a server default, so rows already there get one: agents
speak English, take 3 at once and are offline until they say otherwise;
handoffs are in English and need no topic.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("languages", sa.JSON(), nullable=False, server_default='["en"]'))
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=False, server_default="3"))
        batch.add_column(
            sa.Column("state", sa.String(16), nullable=False, server_default="offline")
        )
        batch.add_column(sa.Column("state_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("idle_since", sa.DateTime(), nullable=True))
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=False, server_default="en"))
        batch.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("offered_to", sa.String(128), nullable=True))
        batch.add_column(sa.Column("offered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("offer_expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("passed_over", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("skill_notified_at", sa.DateTime(), nullable=True))
    op.create_index("ix_handoffs_assigned_to", "handoffs", ["assigned_to", "status"])
    op.create_index("ix_handoffs_offered_to", "handoffs", ["offered_to"])


def downgrade() -> None:
    op.drop_index("ix_handoffs_offered_to", "handoffs")
    op.drop_index("ix_handoffs_assigned_to", "handoffs")
    with op.batch_alter_table("handoffs") as batch:
        for column in (
            "skill_notified_at",
            "passed_over",
            "offer_expires_at",
            "offered_at",
            "offered_to",
            "skills",
            "language",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("agents") as batch:
        for column in ("idle_since", "state_since", "state", "capacity", "topics", "languages"):
            batch.drop_column(column)

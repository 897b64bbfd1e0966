"""Customer links: which customer each conversation belongs to, across channels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_links",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("customer_key", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("linked_by", sa.String(128), nullable=True),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_customer_links_customer", "customer_links", ["customer_key"])


def downgrade() -> None:
    op.drop_index("ix_customer_links_customer", "customer_links")
    op.drop_table("customer_links")

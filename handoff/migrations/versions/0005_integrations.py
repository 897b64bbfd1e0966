"""Contact-center adapters: delivery cursors and queue, inbound event ids, Zendesk tickets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Spelled out rather than taken from handoff.models, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integration_cursors",
        sa.Column("adapter", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "integration_deliveries",
        sa.Column("adapter", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_integration_deliveries_conversation",
        "integration_deliveries",
        ["adapter", "conversation_id", "event_id"],
    )
    op.create_index(
        "ix_integration_deliveries_due",
        "integration_deliveries",
        ["adapter", "status", "next_attempt_at"],
    )
    op.create_table(
        "integration_inbound_events",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
    )
    op.create_table(
        "zendesk_tickets",
        sa.Column(
            "handoff_id",
            sa.Integer(),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE", name="fk_zendesk_tickets_handoff"),
            primary_key=True,
        ),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("solved_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("ticket_id", name="uq_zendesk_tickets_ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("zendesk_tickets")
    op.drop_table("integration_inbound_events")
    op.drop_index("ix_integration_deliveries_due", "integration_deliveries")
    op.drop_index("ix_integration_deliveries_conversation", "integration_deliveries")
    op.drop_table("integration_deliveries")
    op.drop_table("integration_cursors")

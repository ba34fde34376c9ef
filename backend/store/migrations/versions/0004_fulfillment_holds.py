"""Fulfilment holds: one row per fulfilment order we hold until self-cancel closes (issue 12).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_holds",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("fulfillment_order_id", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("hold_id", sa.Text),
        sa.Column("release_at", UTCDateTime),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("shop", "fulfillment_order_id", name="fulfillment_holds_pkey"),
    )
    op.create_index("fulfillment_holds_by_order", "fulfillment_holds", ["shop", "order_id"])
    op.create_index("fulfillment_holds_by_state", "fulfillment_holds", ["shop", "state"])


def downgrade() -> None:
    op.drop_table("fulfillment_holds")

"""Requests to cancel, for shops that approve cancellations first (issue 14).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cancel_requests",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("order_name", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("reason_code", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("total", sa.Text),
        sa.Column("currency", sa.Text),
        sa.Column("line_items", sa.Text),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("block", sa.Text),
        sa.Column("deadline", UTCDateTime),
        sa.PrimaryKeyConstraint("shop", "order_id", "kind", name="cancel_requests_pkey"),
    )
    op.create_index("cancel_requests_by_state", "cancel_requests", ["shop", "state"])
    op.create_index("cancel_requests_by_customer", "cancel_requests", ["shop", "customer_id"])


def downgrade() -> None:
    op.drop_table("cancel_requests")

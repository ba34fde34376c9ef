"""Order edits: one row per edit a customer tried instead of cancelling (issue 13).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import RowId, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edits",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("reason_code", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("block", sa.Text),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("amount", sa.Text),
        sa.Column("currency", sa.Text),
        sa.Column("refund_state", sa.Text),
        sa.Column("refund_plan", sa.Text),
    )
    op.create_index("edits_by_shop_at", "edits", ["shop", "at", "id"])
    op.create_index("edits_by_customer", "edits", ["shop", "customer_id"])
    op.create_index("edits_by_at", "edits", ["at"])


def downgrade() -> None:
    op.drop_table("edits")

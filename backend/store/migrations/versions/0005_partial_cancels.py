"""Refunds we make (issue 11): partial cancels and the refund after a cancel with a fee; orders
placed from our Buy again link after a cancel.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_refunds",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("fee", sa.Text, nullable=False),
        sa.Column("fee_shop", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("refund_id", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("shop", "order_id", "seq", name="order_refunds_pkey"),
    )
    op.create_index("order_refunds_by_state", "order_refunds", ["shop", "state"])
    op.create_table(
        "buy_again_orders",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("source_order_id", sa.Text, nullable=False),
        sa.Column("total", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("shop", "order_id", name="buy_again_orders_pkey"),
    )


def downgrade() -> None:
    op.drop_table("buy_again_orders")
    op.drop_table("order_refunds")

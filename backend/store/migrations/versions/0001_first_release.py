"""The first release's schema, as its SQLite store created it.

A file that release made has these tables and no `alembic_version`: `backend.store.migrate`
stamps it with this revision before upgrading, so its rows carry over untouched.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import RowId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("shop", sa.Text, primary_key=True),
        sa.Column("policy", sa.Text, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("shop", sa.Text, primary_key=True),
        sa.Column("token", sa.Text, nullable=False),
    )
    op.create_table(
        "cancellations",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("reason_code", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("job_id", sa.Text),
        sa.Column("message", sa.Text),
        sa.PrimaryKeyConstraint("shop", "order_id", name="cancellations_pkey"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("reason_code", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("block", sa.Text),
    )
    op.create_index("attempts_by_shop_at", "attempts", ["shop", "at"])
    op.create_table(
        "claims",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("shop", "kind", "key", name="claims_pkey"),
    )
    op.create_index("claims_by_expiry", "claims", ["expires_at"])


def downgrade() -> None:
    for table in ("claims", "attempts", "cancellations", "tokens", "policies"):
        op.drop_table(table)

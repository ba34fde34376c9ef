"""The EU withdrawal function (issue 15): the merchant's rule, confirmed withdrawals, mail.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import RowId, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withdrawal_rules",
        sa.Column("shop", sa.Text, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("countries", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "withdrawals",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("order_name", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=False),
        sa.Column("effect", sa.Text, nullable=False),
        sa.Column("effect_state", sa.Text, nullable=False),
        sa.Column("effect_ref", sa.Text),
        sa.Column("effect_error", sa.Text),
        sa.Column("acknowledgement", sa.Text, nullable=False),
        sa.Column("mail_id", sa.BigInteger),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("shop", "order_id", name="withdrawals_once_per_order"),
    )
    op.create_index("withdrawals_by_shop", "withdrawals", ["shop", "submitted_at"])
    op.create_table(
        "withdrawal_links",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime),
    )
    op.create_index("withdrawal_links_by_expiry", "withdrawal_links", ["expires_at"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("mail_outbox_by_shop", "mail_outbox", ["shop", "state"])


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_table("withdrawal_links")
    op.drop_table("withdrawals")
    op.drop_table("withdrawal_rules")

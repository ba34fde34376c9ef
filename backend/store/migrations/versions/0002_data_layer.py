"""Wave 2's data layer: tokens encrypted at rest, our staff note kept, indexes for SQL insights,
erasure by customer or order, and retention by age.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_tokens = sa.table("tokens", sa.column("shop", sa.Text), sa.column("token", sa.Text))


def upgrade() -> None:
    op.add_column("cancellations", sa.Column("staff_note", sa.Text))
    op.create_index("cancellations_by_customer", "cancellations", ["shop", "customer_id"])
    op.create_index("cancellations_by_updated_at", "cancellations", ["updated_at"])
    op.drop_index("attempts_by_shop_at", table_name="attempts")
    op.create_index("attempts_by_shop_at", "attempts", ["shop", "at", "id"])
    op.create_index("attempts_by_customer", "attempts", ["shop", "customer_id"])
    op.create_index("attempts_by_order", "attempts", ["shop", "order_id"])
    op.create_index("attempts_by_at", "attempts", ["at"])
    _encrypt_tokens()


def _encrypt_tokens() -> None:
    """The first release kept tokens as plain JSON; seal each with the first key."""
    connection = op.get_bind()
    plain = connection.execute(
        sa.select(_tokens.c.shop, _tokens.c.token).where(_tokens.c.token.like("{%"))
    ).all()
    if not plain:
        return
    cipher = context.config.attributes.get("token_cipher")
    if cipher is None:
        raise RuntimeError("encrypting stored tokens needs TOKEN_ENCRYPTION_KEYS")
    for shop, token in plain:
        connection.execute(
            _tokens.update().where(_tokens.c.shop == shop).values(token=cipher.encrypt(token))
        )


def downgrade() -> None:
    # Tokens stay encrypted: a downgrade must not write secrets back in plain text.
    op.drop_index("attempts_by_at", table_name="attempts")
    op.drop_index("attempts_by_order", table_name="attempts")
    op.drop_index("attempts_by_customer", table_name="attempts")
    op.drop_index("attempts_by_shop_at", table_name="attempts")
    op.create_index("attempts_by_shop_at", "attempts", ["shop", "at"])
    op.drop_index("cancellations_by_updated_at", table_name="cancellations")
    op.drop_index("cancellations_by_customer", table_name="cancellations")
    op.drop_column("cancellations", "staff_note")

"""The tables, as SQLAlchemy Core sees them at the newest migration.

Alembic's migrations (`backend/store/migrations/versions/`) are the history; this module is the
present, and a test compares the two on SQLite and PostgreSQL so they cannot drift apart.

Instants are `UTCDateTime`: `timestamptz` on PostgreSQL, and on SQLite the fixed-width UTC text
the first release wrote (`2026-05-01T09:30:00.000000+00:00`), which sorts like the instants it
names. Keeping that text means a first-release file needs no rewrite of its rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.types import TypeEngine

from backend.store.codec import decode_datetime, encode_datetime


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out; a naive one is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        text = encode_datetime(value)  # refuses naive datetimes
        return text if dialect.name == "sqlite" else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return decode_datetime(value)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


# SQLite's rowid alias must be spelled INTEGER; PostgreSQL's wants 64 bits.
RowId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

policies = Table(
    "policies",
    metadata,
    Column("shop", Text, primary_key=True),
    Column("policy", Text, nullable=False),  # the codec's JSON
)

# `token` is the codec's JSON encrypted with MultiFernet (backend/store/crypto.py): never plain.
tokens = Table(
    "tokens",
    metadata,
    Column("shop", Text, primary_key=True),
    Column("token", Text, nullable=False),
)

cancellations = Table(
    "cancellations",
    metadata,
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("customer_id", Text),
    Column("state", Text, nullable=False),
    Column("reason_code", Text, nullable=False),
    Column("note", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("job_id", Text),
    Column("message", Text),
    # What we sent Shopify as orderCancel's staffNote: how a later read recognises our cancel.
    Column("staff_note", Text),
    PrimaryKeyConstraint("shop", "order_id", name="cancellations_pkey"),
)
Index("cancellations_by_customer", cancellations.c.shop, cancellations.c.customer_id)
Index("cancellations_by_updated_at", cancellations.c.updated_at)

attempts = Table(
    "attempts",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("customer_id", Text),
    Column("reason_code", Text, nullable=False),
    Column("note", Text),
    Column("outcome", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("block", Text),
)
# Insights and the CSV read one shop's period: (shop, at) serves the range, id breaks ties.
Index("attempts_by_shop_at", attempts.c.shop, attempts.c.at, attempts.c.id)
Index("attempts_by_customer", attempts.c.shop, attempts.c.customer_id)
Index("attempts_by_order", attempts.c.shop, attempts.c.order_id)
Index("attempts_by_at", attempts.c.at)  # retention deletes by age across every shop

# First-seen marks: webhook deliveries, spent refresh tokens, daily chores. `key` is no secret.
claims = Table(
    "claims",
    metadata,
    Column("shop", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("shop", "kind", "key", name="claims_pkey"),
)
Index("claims_by_expiry", claims.c.expires_at)

# Every table that holds a shop's data; erase_shop empties each of them for the shop.
SHOP_TABLES = (policies, tokens, cancellations, attempts, claims)

"""Order events: the order mirror, shops' time zones, webhook deliveries, durable jobs.

Jobs live in procrastinate's own schema on PostgreSQL (applied here, from the installed
procrastinate's `schema.sql`, so its tables come and go with ours) and in `jobs` on SQLite.
Upgrading procrastinate later means a revision of ours that runs its migration scripts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.store.schema import RowId, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_snapshots",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("confirmed_at", UTCDateTime, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
        sa.PrimaryKeyConstraint("shop", "order_id", name="order_snapshots_pkey"),
    )
    op.create_index("order_snapshots_by_customer", "order_snapshots", ["shop", "customer_id"])
    op.create_index("order_snapshots_by_created_at", "order_snapshots", ["created_at"])
    op.create_table(
        "shops",
        sa.Column("shop", sa.Text, primary_key=True),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("webhook_id", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("triggered_at", UTCDateTime),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("handled_at", UTCDateTime),
        sa.Column("payload", sa.Text),
        sa.UniqueConstraint("shop", "webhook_id", name="webhook_deliveries_once"),
    )
    op.create_index("webhook_deliveries_by_shop", "webhook_deliveries", ["shop", "received_at"])
    op.create_index("webhook_deliveries_by_received_at", "webhook_deliveries", ["received_at"])
    if op.get_bind().dialect.name == "postgresql":
        _procrastinate_schema()
    else:
        _local_jobs()


def _procrastinate_schema() -> None:
    from procrastinate.schema import SchemaManager

    # Driver-level, so SQLAlchemy parses nothing; psycopg reads `%` as a placeholder even
    # without parameters, hence the doubling.
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def _local_jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("task", sa.Text, nullable=False),
        sa.Column("args", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("queueing_lock", sa.Text),
        sa.Column("scheduled_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("leased_until", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("error", sa.Text),
    )
    op.create_index("jobs_due", "jobs", ["status", "scheduled_at", "id"])
    op.create_index(
        "jobs_queueing_lock",
        "jobs",
        ["queueing_lock"],
        unique=True,
        sqlite_where=sa.text("status = 'todo'"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        raise NotImplementedError("procrastinate's schema has no downgrade; restore a backup")
    op.drop_table("jobs")
    for table in ("webhook_deliveries", "shops", "order_snapshots"):
        op.drop_table(table)

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
    Boolean,
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
    UniqueConstraint,
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


# The order mirror: per order, the snapshot the policy reads, kept current by webhooks.
# `updated_at` is Shopify's (an older delivery never overwrites a newer snapshot); `complete`
# says whether the snapshot holds what only an Admin read tells (product tags, fulfilment
# orders, risk); `confirmed_at` is our clock's last word from Shopify about it, which bounds how
# stale a snapshot may be before a read goes to Shopify again.
order_snapshots = Table(
    "order_snapshots",
    metadata,
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("customer_id", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("snapshot", Text, nullable=False),  # JSON (codec.encode_snapshot)
    # The carrier's "delivered" event (fulfillment_events/create): when the EU withdrawal
    # period starts to run.
    Column("delivered_at", UTCDateTime),
    PrimaryKeyConstraint("shop", "order_id", name="order_snapshots_pkey"),
)
Index("order_snapshots_by_customer", order_snapshots.c.shop, order_snapshots.c.customer_id)
Index("order_snapshots_by_created_at", order_snapshots.c.created_at)

# What only an Admin read tells about a shop that every decision needs: its time zone.
shops = Table(
    "shops",
    metadata,
    Column("shop", Text, primary_key=True),
    Column("timezone", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Webhook deliveries: the first-seen mark (shop, webhook_id), when Shopify sent it and when we
# heard it (the mirror's lag), and its payload until its job has handled it.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("shop", Text, nullable=False),
    Column("webhook_id", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("triggered_at", UTCDateTime),
    Column("received_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime),
    Column("payload", Text),  # dropped once handled: it carries customers' details
    UniqueConstraint("shop", "webhook_id", name="webhook_deliveries_once"),
)
Index("webhook_deliveries_by_shop", webhook_deliveries.c.shop, webhook_deliveries.c.received_at)
Index("webhook_deliveries_by_received_at", webhook_deliveries.c.received_at)

# Durable jobs on SQLite (backend/jobs/local.py); PostgreSQL's are procrastinate's own tables.
jobs = Table(
    "jobs",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("task", Text, nullable=False),
    Column("args", Text, nullable=False),  # JSON
    Column("status", Text, nullable=False),  # todo | doing | succeeded | failed
    Column("queueing_lock", Text),
    Column("scheduled_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("leased_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("error", Text),
    info={"dialects": ("sqlite",)},
)
Index("jobs_due", jobs.c.status, jobs.c.scheduled_at, jobs.c.id)
Index(
    "jobs_queueing_lock",
    jobs.c.queueing_lock,
    unique=True,
    sqlite_where=jobs.c.status == "todo",
)

# Our fulfilment holds (issue 12), one row per fulfilment order we hold or chose not to: never
# forgotten until it is released, ended by a cancel, or skipped with the reason why.
fulfillment_holds = Table(
    "fulfillment_holds",
    metadata,
    Column("shop", Text, nullable=False),
    Column("fulfillment_order_id", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("state", Text, nullable=False),  # HoldState
    Column("hold_id", Text),  # Shopify's FulfillmentHold GID, once placed
    Column("release_at", UTCDateTime),  # when self-cancel closes
    Column("reason", Text),  # why skipped, released, or why a release failed
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("shop", "fulfillment_order_id", name="fulfillment_holds_pkey"),
)
Index("fulfillment_holds_by_order", fulfillment_holds.c.shop, fulfillment_holds.c.order_id)
Index("fulfillment_holds_by_state", fulfillment_holds.c.shop, fulfillment_holds.c.state)

# Refunds we make (issue 11): one row per refundCreate, numbered per order (`seq`). The row is
# written before Shopify is asked, so it is also the single flight (the unique key lets one
# claim a number) and the source of the idempotency key every retry of that refund reuses.
order_refunds = Table(
    "order_refunds",
    metadata,
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", Text, nullable=False),  # RefundKind
    Column("state", Text, nullable=False),  # RefundState
    Column("customer_id", Text),
    Column("lines", Text, nullable=False),  # JSON [[line item GID, quantity], ...]
    Column("amount", Text, nullable=False),  # refunded, presentment money
    Column("fee", Text, nullable=False),  # kept, presentment money
    Column("fee_shop", Text, nullable=False),  # kept, shop money (insights)
    Column("currency", Text, nullable=False),  # presentment currency
    Column("idempotency_key", Text, nullable=False),
    # The refundCreate input, exactly as sent: a retry sends it again under the same key.
    Column("request", Text, nullable=False),
    Column("refund_id", Text),  # Shopify's Refund GID, once made
    Column("message", Text),  # why Shopify refused
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("shop", "order_id", "seq", name="order_refunds_pkey"),
)
Index("order_refunds_by_state", order_refunds.c.shop, order_refunds.c.state)
# Edits customers made instead of cancelling (issue 13), one row per attempt: what kind, the
# cancel reason that led there (if any), how it ended. No address or item is kept, only counts.
edits = Table(
    "edits",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("customer_id", Text),
    Column("kind", Text, nullable=False),  # EditType
    Column("reason_code", Text),  # the cancel reason the customer chose first, if any
    Column("outcome", Text, nullable=False),  # EditOutcome
    Column("block", Text),  # why refused
    Column("at", UTCDateTime, nullable=False),
    # A quantity edit: "LINE_ITEM_NUMBER:FROM->TO", to recognise its retry after a lost answer.
    Column("detail", Text),
    # What the edit left to settle, in the shop's currency: negative, refunded to the customer;
    # positive, the balance they owe (Shopify's payment link collects it).
    Column("amount", Text),
    Column("currency", Text),
    Column("refund_state", Text),  # PENDING | REFUNDED | FAILED; null: nothing to refund
    Column("refund_plan", Text),  # JSON: where the refund goes and its idempotency key
)
Index("edits_by_shop_at", edits.c.shop, edits.c.at, edits.c.id)
Index("edits_by_customer", edits.c.shop, edits.c.customer_id)
Index("edits_by_at", edits.c.at)
cancel_requests = Table(
    "cancel_requests",
    metadata,
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("kind", Text, nullable=False),  # RequestKind
    Column("order_name", Text, nullable=False),
    Column("customer_id", Text),
    Column("state", Text, nullable=False),  # RequestState
    Column("reason_code", Text, nullable=False),
    Column("note", Text),
    Column("total", Text),  # a decimal string in `currency`
    Column("currency", Text),
    Column("line_items", Text),  # JSON, for partial cancels; NULL: the whole order
    Column("requested_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("decided_by", Text),
    Column("message", Text),  # the decline's words for the customer
    Column("block", Text),  # the CancelBlock an approval ran into
    Column("deadline", UTCDateTime),  # when self-cancel closed for the order
    PrimaryKeyConstraint("shop", "order_id", "kind", name="cancel_requests_pkey"),
)
Index("cancel_requests_by_state", cancel_requests.c.shop, cancel_requests.c.state)
Index("cancel_requests_by_customer", cancel_requests.c.shop, cancel_requests.c.customer_id)

# Orders placed from our Buy again link after a cancel of ours (issue 11's insights).
buy_again_orders = Table(
    "buy_again_orders",
    metadata,
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),  # the new order
    Column("source_order_id", Text, nullable=False),  # the order our button cancelled
    Column("total", Text, nullable=False),  # shop money
    Column("currency", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("shop", "order_id", name="buy_again_orders_pkey"),
)

# The EU withdrawal function (issue 15). The merchant's rule: on or off, and the countries of
# the shipping address where it is offered (EU and EEA by default).
withdrawal_rules = Table(
    "withdrawal_rules",
    metadata,
    Column("shop", Text, primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("countries", Text, nullable=False),  # space-separated ISO 3166 alpha-2 codes
    Column("updated_at", UTCDateTime, nullable=False),
)

# One confirmed withdrawal per order: the consumer's statement as submitted, when, what it did
# and whether its acknowledgement reached them. Legal evidence: kept for its own period
# (backend/withdrawal/evidence.py), never cut short by RETENTION_DAYS.
withdrawals = Table(
    "withdrawals",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("order_name", Text, nullable=False),
    Column("customer_id", Text),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("items", Text, nullable=False),  # JSON: [{"lineItemId", "title", "quantity"}], [] = all
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("effect", Text, nullable=False),  # CANCEL | RETURN
    Column("effect_state", Text, nullable=False),  # PENDING | IN_FLIGHT | DONE | FAILED
    Column("effect_ref", Text),  # the cancel job's or the return's GID
    Column("effect_error", Text),
    Column("acknowledgement", Text, nullable=False),  # the text sent, as the consumer sees it
    Column("mail_id", BigInteger),  # its mail_outbox row
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("shop", "order_id", name="withdrawals_once_per_order"),
)
Index("withdrawals_by_shop", withdrawals.c.shop, withdrawals.c.submitted_at)

# A guest's one-time link to the withdrawal page (issue 15): only the token's hash is kept;
# bound to the order and the e-mail it was sent to, until it expires or is used once.
withdrawal_links = Table(
    "withdrawal_links",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)
Index("withdrawal_links_by_expiry", withdrawal_links.c.expires_at)

# Mail to send (backend/mail/): rendered once, sent by the `send_mail` job with retries. The
# row is the proof of what was sent and when, or why not.
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("shop", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", Text, nullable=False),  # QUEUED | SENT | FAILED
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("mail_outbox_by_shop", mail_outbox.c.shop, mail_outbox.c.state)

# Every table that holds a shop's data; erase_shop empties each of them for the shop.
SHOP_TABLES = (
    policies,
    tokens,
    cancellations,
    attempts,
    claims,
    order_snapshots,
    shops,
    webhook_deliveries,
    fulfillment_holds,
    order_refunds,
    edits,
    cancel_requests,
    buy_again_orders,
    withdrawal_rules,
    withdrawals,
    withdrawal_links,
    mail_outbox,
)

"""What the backend keeps, behind one protocol.

One implementation, `SQLStore` (backend/store/sql.py), on SQLite (one file, the embedded default)
or PostgreSQL (several backends). The contract tests in `tests/store/` run on both.

The cancellation record is the single-flight lock: `claim` creates it atomically, so of any
number of concurrent cancels of one order, across processes, exactly one gets `None` back and
goes on to call Shopify; every other caller gets the winner's record and waits for it to settle.

A store that cannot answer (the database down, slow past its timeout, or locked) raises
`StoreUnavailable`; the endpoints turn it into 503 with Retry-After, and nothing goes to Shopify.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from backend.orders import OrderSnapshot
from backend.policy import CancelBlock, ShopPolicy
from backend.withdrawal.period import WithdrawalRule


class StoreUnavailable(Exception):
    """The database did not answer in time, or refused; nothing was written."""


class FlightState(enum.StrEnum):
    IN_FLIGHT = "IN_FLIGHT"  # claimed; orderCancel is being sent
    PENDING = "PENDING"  # Shopify accepted it; its job has not finished
    CANCELLED = "CANCELLED"  # Shopify's job finished, or the webhook said so
    REJECTED = "REJECTED"  # Shopify refused it (orderCancelUserErrors); final


class Outcome(enum.StrEnum):
    """How one attempt ended, for the merchant's insights."""

    REFUSED = "REFUSED"  # our rules said no
    PENDING = "PENDING"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"  # Shopify said no
    FAILED = "FAILED"  # Shopify unreachable or throttled; nothing happened, retry allowed
    DUPLICATE = "DUPLICATE"  # a repeat of a cancel already under way or done
    # Cancelled without our button (the merchant in the admin, another app, Shopify), as the
    # orders/cancelled webhook told us: counts toward the cancellation rate, not the button's.
    CANCELLED_ELSEWHERE = "CANCELLED_ELSEWHERE"
    REQUESTED = "REQUESTED"  # the shop approves first: a request was filed (issue 14)


@dataclass(frozen=True, slots=True)
class CancellationRecord:
    shop: str
    order_id: str
    customer_id: str | None
    state: FlightState
    reason_code: str
    note: str | None
    created_at: datetime
    updated_at: datetime
    job_id: str | None = None
    message: str | None = None
    # The staffNote we sent with orderCancel: a later read showing it proves the cancel ours.
    staff_note: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    shop: str
    order_id: str
    customer_id: str | None
    reason_code: str
    note: str | None
    outcome: Outcome
    at: datetime
    block: CancelBlock | None = None


class EditOutcome(enum.StrEnum):
    """How one edit attempt ended (issue 13)."""

    IN_FLIGHT = "IN_FLIGHT"  # Shopify is being asked; a lost answer leaves it here
    EDITED = "EDITED"  # Shopify made the change
    REFUSED = "REFUSED"  # our rules or the input said no
    REJECTED = "REJECTED"  # Shopify said no
    FAILED = "FAILED"  # Shopify unreachable; nothing happened, retry allowed


@dataclass(frozen=True, slots=True)
class EditAttempt:
    shop: str
    order_id: str
    customer_id: str | None
    kind: str  # EditType
    reason_code: str | None  # the cancel reason that led to the edit, if the customer gave one
    outcome: EditOutcome
    at: datetime
    block: str | None = None
    id: int | None = None  # the store's, once recorded
    detail: str | None = None
    amount: Decimal | None = None  # left to settle: negative refunded, positive owed
    currency: str | None = None
    refund_state: str | None = None
    refund_plan: dict[str, Any] | None = None


class HoldState(enum.StrEnum):
    """Where our hold on one fulfilment order stands (issue 12)."""

    HELD = "HELD"  # placed; to be released at `release_at`, or sooner
    RELEASED = "RELEASED"  # released by us (`reason` says why)
    ENDED_WITH_CANCEL = "ENDED_WITH_CANCEL"  # the order was cancelled: nothing to release
    SKIPPED = "SKIPPED"  # not held (`reason`: in progress, at a fulfilment service, limit...)
    RELEASE_FAILED = "RELEASE_FAILED"  # Shopify kept refusing: an alert until released


OPEN_HOLD_STATES = frozenset({HoldState.HELD, HoldState.RELEASE_FAILED})


@dataclass(frozen=True, slots=True)
class HoldRecord:
    shop: str
    order_id: str
    fulfillment_order_id: str
    state: HoldState
    created_at: datetime
    updated_at: datetime
    hold_id: str | None = None
    release_at: datetime | None = None
    reason: str | None = None


class RefundKind(enum.StrEnum):
    PARTIAL_CANCEL = "PARTIAL_CANCEL"  # items taken off the order and refunded (issue 11)
    CANCEL_FEE = "CANCEL_FEE"  # after a full cancel without refund: everything but the fee


class RefundState(enum.StrEnum):
    IN_FLIGHT = "IN_FLIGHT"  # claimed; refundCreate sent or about to be
    DONE = "DONE"
    REFUSED = "REFUSED"  # Shopify said no with user errors: nothing moved


@dataclass(frozen=True, slots=True)
class RefundRecord:
    """One refund of ours, numbered per order; its idempotency key never changes."""

    shop: str
    order_id: str
    seq: int
    kind: RefundKind
    state: RefundState
    lines: tuple[tuple[str, int], ...]  # (line item GID, quantity)
    amount: Decimal  # presentment money
    fee: Decimal  # presentment money
    fee_shop: Decimal  # shop money
    currency: str  # presentment currency
    idempotency_key: str
    request: str  # the refundCreate input as JSON, sent again as it is on every retry
    created_at: datetime
    updated_at: datetime
    customer_id: str | None = None
    refund_id: str | None = None
    message: str | None = None


class RequestState(enum.StrEnum):
    """Where a customer's request to cancel stands (issue 14: the shop approves first)."""

    REQUESTED = "REQUESTED"  # waiting for the shop
    APPROVING = "APPROVING"  # approved; the cancel is under way (the customer can't withdraw)
    APPROVED = "APPROVED"  # the cancel went to Shopify
    DECLINED = "DECLINED"  # the shop (or a rule: fulfilment started) said no; final
    WITHDRAWN = "WITHDRAWN"  # the customer took it back; they may ask again


OPEN_REQUEST_STATES = frozenset({RequestState.REQUESTED, RequestState.APPROVING})


class RequestKind(enum.StrEnum):
    """What the customer asks for. Partial cancels and edits will ask the same way."""

    CANCEL = "CANCEL"


@dataclass(frozen=True, slots=True)
class CancelRequest:
    shop: str
    order_id: str
    order_name: str
    customer_id: str | None
    kind: RequestKind
    state: RequestState
    reason_code: str
    note: str | None
    requested_at: datetime
    updated_at: datetime
    total: str | None = None  # a decimal string, in `currency`
    currency: str | None = None
    # [{"line_item_id": …, "quantity": …}] for a partial cancel; None: the whole order.
    line_items: list[dict[str, Any]] | None = None
    decided_by: str | None = None  # MERCHANT, AUTO (a rule or the timer), CUSTOMER (withdrew)
    message: str | None = None  # the decline's words for the customer
    block: str | None = None  # the CancelBlock an approval ran into, when it declined
    # When self-cancel would have closed for the order, as of the request (window or cutoff).
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class ShopToken:
    """An Admin API access token. Expiring offline tokens carry their refresh token."""

    access_token: str
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_token_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerData:
    """Everything the store holds about one customer of one shop (customers/data_request)."""

    shop: str
    customer_id: str
    cancellations: list[CancellationRecord] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    edits: list[EditAttempt] = field(default_factory=list)
    withdrawals: list[WithdrawalRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    """One shop's attempts in a period, counted by the database (see `summarize_attempts`)."""

    # (index of the day in `day_starts`, reason code) -> orders first cancelled that day for it
    cancellations: dict[tuple[int, str], int]
    refusals: dict[CancelBlock, int]  # refused attempts by cause, repeats of a cancel excluded
    notes: list[Attempt]  # the latest attempts with a note, newest first


@dataclass(frozen=True, slots=True)
class MirroredOrder:
    order: OrderSnapshot
    complete: bool  # holds what only an Admin read tells (product tags, fulfilment orders, risk)
    confirmed_at: datetime  # when Shopify last told us about it (a webhook or a read)


@dataclass(frozen=True, slots=True)
class Mirror:
    """What the mirror holds of some of a shop's orders, and the shop's time zone if known."""

    orders: dict[str, MirroredOrder]
    timezone: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    shop: str
    topic: str
    payload: str  # the raw JSON body
    triggered_at: datetime | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryHealth:
    last_received_at: datetime | None
    received: int  # in the period asked about
    unhandled: int  # received, not yet handled by their job
    stuck: int  # unhandled an hour after they came: their job keeps failing
    lag_p50: timedelta | None  # Shopify's trigger to our receipt
    lag_p99: timedelta | None


@dataclass(frozen=True, slots=True)
class Job:
    """Work for later: a task's name and its JSON arguments.

    `queueing_lock`: while a job with this lock waits, deferring another one is a no-op (a
    burst of webhooks about one order makes one refresh). `run_at`: not before then.
    """

    task: str
    args: dict[str, Any]
    run_at: datetime | None = None
    queueing_lock: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedJob:
    id: int
    task: str
    args: dict[str, Any]
    attempts: int  # runs started before this one


@dataclass(frozen=True, slots=True)
class JobStats:
    queued: int  # waiting, due or not
    due: int  # waiting and due now
    running: int
    failed: int  # gave up after their last retry
    oldest_due: timedelta | None  # how long the oldest due job has waited


# The EU withdrawal function (issue 15) ----------------------------------------------------


class WithdrawalEffect(enum.StrEnum):
    CANCEL = "CANCEL"  # nothing shipped yet: the whole order cancelled and refunded
    RETURN = "RETURN"  # shipped: a return request for the items
    # Some items of an order not shipped yet: no partial cancel exists (issue 11 adds one), so
    # the merchant edits the order; App Home lists it as theirs to do.
    MANUAL = "MANUAL"


class EffectState(enum.StrEnum):
    PENDING = "PENDING"  # recorded; the job has not run it yet
    IN_FLIGHT = "IN_FLIGHT"  # the job is calling Shopify
    DONE = "DONE"
    FAILED = "FAILED"  # Shopify refused: the merchant must act (App Home says so)


@dataclass(frozen=True, slots=True)
class WithdrawnItem:
    line_item_id: str
    title: str
    quantity: int


@dataclass(frozen=True, slots=True)
class WithdrawalRecord:
    """One confirmed withdrawal: the statement as submitted, when, and what came of it."""

    shop: str
    order_id: str
    order_name: str
    customer_id: str | None
    name: str
    email: str
    items: tuple[WithdrawnItem, ...]  # empty: the whole order
    submitted_at: datetime
    effect: WithdrawalEffect
    effect_state: EffectState
    acknowledgement: str
    updated_at: datetime
    id: int | None = None
    effect_ref: str | None = None
    effect_error: str | None = None
    mail_id: int | None = None


@dataclass(frozen=True, slots=True)
class WithdrawalLink:
    """A guest's one-time link: the token's hash, the order and e-mail it was sent for."""

    token_hash: str
    shop: str
    order_id: str
    email: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class MailState(enum.StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"  # every retry refused; waits for the merchant's "send again"


@dataclass(frozen=True, slots=True)
class Mail:
    shop: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    id: int | None = None
    state: MailState = MailState.QUEUED
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    async def schema_is_current(self) -> bool:
        """Whether the database is at the newest migration (readiness)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Store]:
        """A store whose every call runs in one transaction, committed when the block ends.

        An exception rolls back everything done through it. Call nothing but the yielded store
        inside the block: on SQLite the transaction holds the process's one connection.
        """
        ...

    # Merchant rules; None when the shop never saved any (the caller uses the defaults).
    async def get_policy(self, shop: str) -> ShopPolicy | None: ...

    async def save_policy(self, shop: str, policy: ShopPolicy) -> None: ...

    async def get_token(self, shop: str) -> ShopToken | None: ...

    async def save_token(self, shop: str, token: ShopToken) -> None: ...

    async def delete_token(self, shop: str) -> None: ...

    # Single flight.
    async def claim(
        self, record: CancellationRecord, *, stale_before: datetime
    ) -> CancellationRecord | None:
        """Store `record` (state IN_FLIGHT) unless the order already has one.

        Returns None when this caller now holds the flight, else the record that is there.
        An IN_FLIGHT record last updated strictly before `stale_before` belongs to a process
        that died mid-flight: it is replaced, and the caller holds the flight. `record.state`
        must be IN_FLIGHT (else ValueError).
        """
        ...

    async def settle(
        self,
        shop: str,
        order_id: str,
        state: FlightState,
        *,
        at: datetime,
        job_id: str | None = None,
        message: str | None = None,
        only_from: FlightState | None = None,
    ) -> bool:
        """Move the record to `state`, stamped `at`. A None job_id/message keeps the stored value.

        No record: nothing happens. A CANCELLED record stays CANCELLED (Shopify cannot undo it).
        With `only_from`, only a record in that state moves. True when the record moved.
        """
        ...

    async def release(self, shop: str, order_id: str) -> None:
        """Drop an IN_FLIGHT record whose cancel certainly did not happen, so a retry may run."""
        ...

    async def get_cancellation(self, shop: str, order_id: str) -> CancellationRecord | None: ...

    async def get_cancellations(
        self, shop: str, order_ids: Sequence[str]
    ) -> dict[str, CancellationRecord]: ...

    async def record_attempt(self, attempt: Attempt) -> None: ...

    async def attempts(self, shop: str, *, since: datetime | None = None) -> list[Attempt]:
        """The shop's attempts, oldest first (`since` inclusive; ties in recording order)."""
        ...

    def attempt_pages(
        self, shop: str, *, since: datetime, page_size: int = 1000
    ) -> AsyncIterator[list[Attempt]]:
        """`attempts`, a page at a time, each page one short query (no cursor held open)."""
        ...

    async def summarize_attempts(
        self,
        shop: str,
        *,
        since: datetime,
        until: datetime,
        day_starts: Sequence[datetime],
        notes: int,
    ) -> AttemptSummary:
        """Counts of the attempts with `since <= at <= until`, computed by the database.

        A cancellation is an order's first attempt that Shopify accepted (outcome PENDING or
        CANCELLED), counted on the day whose start (from the ascending `day_starts`, the first
        at or before `since`) is the last at or before its time.
        """
        ...

    # Webhooks, tokens and chores: first-seen claims that expire.
    async def claim_once(
        self, shop: str, kind: str, key: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        """True for the one caller, in any process, that is first to claim (shop, kind, key)
        until the claim expires `ttl` after `at`."""
        ...

    async def seen_webhook(
        self, shop: str, webhook_id: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        """Whether this delivery was seen before; marks it seen either way, atomically.

        Of any number of concurrent calls with one id, exactly one gets False (and handles the
        webhook). The mark lasts `ttl` from `at`; Shopify retries for 4 hours, so a day is ample.
        """
        ...

    async def claim_refresh(
        self, shop: str, refresh_token: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        """True for the one caller, in any process, that may spend this refresh token.

        Shopify rotates refresh tokens: the first refresh invalidates the token it used, so two
        processes refreshing at once would leave one of them with a dead token. The claim is
        keyed by a digest of the token, never released (a refresh token is used once), and
        expires after `ttl` so a claimant that died does not block refreshing for long.
        """
        ...

    # The order mirror.
    async def mirrored_orders(self, shop: str, order_ids: Sequence[str]) -> Mirror: ...

    async def mirror_order(
        self, shop: str, order: OrderSnapshot, *, complete: bool, at: datetime, read: bool = False
    ) -> bool:
        """Keep `order` unless the mirror holds a newer one (by Shopify's `updated_at`; on a
        tie, an Admin read (`read`) wins, and anything wins over a partial snapshot). True when
        it was kept."""
        ...

    async def save_timezone(self, shop: str, timezone: str, *, at: datetime) -> None: ...

    async def order_delivered(self, shop: str, order_id: str, *, at: datetime) -> None: ...

    async def mirrored_shops(self) -> list[str]: ...

    async def forget_orders(self, shop: str, order_ids: Sequence[str]) -> None: ...

    async def prune_mirror(
        self, shop: str, *, created_before: datetime, settled_before: datetime
    ) -> int:
        """Drop the shop's snapshots of orders placed before `created_before`, and of cancelled
        or fulfilled orders not heard of since `settled_before`; how many went."""
        ...

    # Fulfilment holds (issue 12).
    async def save_hold(self, record: HoldRecord) -> None:
        """Keep `record`, replacing the fulfilment order's previous one (keeps `created_at`)."""
        ...

    async def holds_of_order(self, shop: str, order_id: str) -> list[HoldRecord]: ...

    async def holds(
        self, shop: str, states: Sequence[HoldState], *, limit: int = 100
    ) -> list[HoldRecord]:
        """The shop's holds in `states`, most recently changed first."""
        ...

    async def shops_with_holds(self) -> list[str]: ...

    # Refunds we make (issue 11).
    async def claim_refund(
        self, record: RefundRecord, *, stale_before: datetime
    ) -> tuple[RefundRecord, bool]:
        """Claim the order's next refund number for `record` (its `seq` is ignored).

        Answers (the claimed record, True); or, while another refund of the order is in flight
        and not stale, (that one, False). A stale one is taken over: (it, True), unchanged but
        for `updated_at`, to be completed with its own lines and key.
        """
        ...

    async def settle_refund(
        self,
        shop: str,
        order_id: str,
        seq: int,
        state: RefundState,
        *,
        at: datetime,
        refund_id: str | None = None,
        message: str | None = None,
    ) -> bool:
        """IN_FLIGHT -> `state`; False if it was settled already."""
        ...

    async def refunds_of_order(self, shop: str, order_id: str) -> list[RefundRecord]: ...

    async def refunds(
        self, shop: str, *, since: datetime | None = None, limit: int = 1000
    ) -> list[RefundRecord]:
        """The shop's refunds, newest first (insights)."""

    # Edits (issue 13).
    async def record_edit(self, attempt: EditAttempt) -> int:
        """Keep the attempt; its id."""
        ...

    async def update_edit(self, attempt: EditAttempt) -> None:
        """Overwrite the recorded attempt `attempt.id` (its outcome, amounts, refund)."""
        ...

    async def get_edit(self, edit_id: int) -> EditAttempt | None: ...

    async def unsettled_edit(self, shop: str, order_id: str, detail: str) -> EditAttempt | None:
        """The latest IN_FLIGHT or FAILED attempt of this exact change, if any."""
        ...

    async def close_unsettled(self, shop: str, order_id: str, detail: str) -> None:
        """Earlier IN_FLIGHT or FAILED attempts of this change are known not to have happened
        (the order does not show it): they are no longer `unsettled_edit`s."""
        ...

    async def edits(
        self, shop: str, *, since: datetime, until: datetime | None = None
    ) -> list[EditAttempt]:
        """The shop's edit attempts with `since <= at <= until`, oldest first."""
        ...

    async def drop_claim(self, shop: str, kind: str, key: str) -> None:
        """Forget a `claim_once` mark before it expires (a flight that has ended)."""
        ...

    async def claimed(self, shop: str, kind: str, key: str, *, at: datetime) -> bool:
        """Whether (shop, kind, key) holds a mark that has not expired by `at`."""

    # Requests to cancel (issue 14).
    async def open_request(self, request: CancelRequest) -> CancelRequest | None:
        """Store `request` (REQUESTED) unless the order has a request that is not WITHDRAWN.

        None when stored; else the request that is there. One row per order and kind.
        """
        ...

    async def move_request(
        self,
        shop: str,
        order_id: str,
        to: RequestState,
        *,
        only_from: RequestState,
        at: datetime,
        decided_by: str | None = None,
        message: str | None = None,
        block: str | None = None,
        requested_at: datetime | None = None,
        stale_before: datetime | None = None,
    ) -> bool:
        """Move the order's request from `only_from` to `to` (a conditional UPDATE): of two
        racing moves from one state, exactly one wins. With `requested_at`, only that request
        (not a later one of the same order); with `stale_before`, only if it last moved before
        then. True when it moved."""
        ...

    async def get_request(self, shop: str, order_id: str) -> CancelRequest | None: ...

    async def get_requests(
        self, shop: str, order_ids: Sequence[str]
    ) -> dict[str, CancelRequest]: ...

    async def requests(
        self, shop: str, states: Sequence[RequestState], *, limit: int = 200
    ) -> list[CancelRequest]:
        """The shop's requests in `states`, oldest request first."""
        ...

    async def record_buy_again(
        self,
        shop: str,
        order_id: str,
        source_order_id: str,
        total: Decimal,
        currency: str,
        *,
        at: datetime,
    ) -> bool: ...

    async def buy_again_orders(
        self, shop: str, *, since: datetime
    ) -> list[tuple[str, str, Decimal, str]]: ...

    # Webhook deliveries.
    async def record_delivery(
        self,
        shop: str,
        webhook_id: str,
        topic: str,
        payload: str,
        *,
        triggered_at: datetime | None,
        received_at: datetime,
    ) -> int | None:
        """The new delivery's id; None when (shop, webhook_id) was received before."""
        ...

    async def take_delivery(self, delivery_id: int) -> Delivery | None:
        """The delivery if it still waits to be handled."""
        ...

    async def delivery_handled(self, delivery_id: int, *, at: datetime) -> None:
        """Mark it handled and drop its payload (it carries customers' details)."""
        ...

    async def delivery_health(
        self, shop: str, *, since: datetime, stuck_before: datetime
    ) -> DeliveryHealth: ...

    # The EU withdrawal function (issue 15): the merchant's rule, withdrawals, their mail.
    async def get_withdrawal_rule(self, shop: str) -> WithdrawalRule | None: ...

    async def save_withdrawal_rule(
        self, shop: str, rule: WithdrawalRule, *, at: datetime
    ) -> None: ...

    async def record_withdrawal(self, record: WithdrawalRecord) -> tuple[WithdrawalRecord, bool]:
        """Insert it unless the order has one; the row there, and whether this call made it."""
        ...

    async def get_withdrawal(self, shop: str, order_id: str) -> WithdrawalRecord | None: ...

    async def move_withdrawal(
        self,
        withdrawal_id: int,
        state: EffectState,
        *,
        only_from: Sequence[EffectState],
        at: datetime,
        ref: str | None = None,
        error: str | None = None,
    ) -> bool:
        """Set its effect's state if it is in one of `only_from` (the effect's single flight)."""
        ...

    async def attach_mail(self, withdrawal_id: int, mail_id: int) -> None: ...

    async def withdrawals(
        self, shop: str, *, limit: int = 200
    ) -> list[tuple[WithdrawalRecord, Mail | None]]:
        """The shop's withdrawals, newest first, each with its acknowledgement's mail row."""
        ...

    async def delete_withdrawals_before(self, before: datetime) -> int:
        """Evidence retention: withdrawals submitted before `before`, and their mail."""
        ...

    async def save_withdrawal_link(self, link: WithdrawalLink) -> None: ...

    async def get_withdrawal_link(self, token_hash: str) -> WithdrawalLink | None: ...

    async def use_withdrawal_link(self, token_hash: str, *, at: datetime) -> bool:
        """Mark the link used, if it is unused and unexpired at `at`: once, atomically."""
        ...

    async def queue_mail(self, mail: Mail) -> int: ...

    async def get_mail(self, mail_id: int) -> Mail | None: ...

    async def mail_attempted(
        self, mail_id: int, *, error: str, at: datetime, failed: bool
    ) -> None: ...

    async def mail_sent(self, mail_id: int, *, at: datetime) -> bool: ...

    async def requeue_mail(self, shop: str, mail_id: int, *, at: datetime) -> bool:
        """A FAILED message of the shop back to QUEUED, its attempts counted afresh."""
        ...

    # Jobs: deferred in the caller's transaction; run by backend/jobs/.
    async def defer_job(self, job: Job, *, at: datetime) -> bool:
        """Queue `job` (due at `job.run_at`, else `at`, now); False when a job with its
        queueing lock already waits."""
        ...

    async def job_stats(self, *, now: datetime) -> JobStats: ...

    # Erasure (shop/redact, customers/redact) and export (customers/data_request).
    async def erase_shop(self, shop: str) -> None:
        """Delete everything kept for the shop: policy, token, records, attempts, claims."""
        ...

    async def erase_customer(
        self, shop: str, customer_id: str | None, order_ids: Sequence[str] = ()
    ) -> None:
        """Delete the customer's cancellation records, attempts (and with them their notes) and
        mirrored orders, and those of `order_ids` whoever placed them (a guest's orders carry no
        customer)."""
        ...

    async def delete_older_than(self, before: datetime, *, now: datetime) -> int:
        """Retention: delete every shop's attempts and settled records older than `before`, and
        the first-seen marks expired by `now`; how many rows went."""
        ...

    async def rotate_tokens(self) -> int:
        """Re-encrypt every stored token with the first key; how many there were."""
        ...

    async def customer_data(self, shop: str, customer_id: str) -> CustomerData:
        """The customer's records and attempts, oldest first."""
        ...

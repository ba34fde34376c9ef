"""The merchant's rules, and the one pure function that applies them.

`decide(order, policy, now, tz)` reads nothing and writes nothing: the order is a snapshot the
gateway just loaded, the clock and the shop's time zone are passed in. Every reason to refuse has
a `CancelBlock` code; the storefront shows the code's words, the merchant's insights count them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend.edit.rules import EditRules
from backend.orders import OrderSnapshot, tag_set


class CancelBlock(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    WINDOW_CLOSED = "WINDOW_CLOSED"
    CUTOFF_PASSED = "CUTOFF_PASSED"
    FULFILLMENT_STARTED = "FULFILLMENT_STARTED"
    EXCLUDED_PRODUCT = "EXCLUDED_PRODUCT"
    EXCLUDED_ORDER = "EXCLUDED_ORDER"
    PAYMENT_STATE = "PAYMENT_STATE"
    RISK_REVIEW = "RISK_REVIEW"
    INVALID_REASON = "INVALID_REASON"
    INVALID_NOTE = "INVALID_NOTE"
    DISABLED = "DISABLED"
    # Partial cancels (issue 11): the shop does not offer them; the items asked for are not on
    # the order, or more than is left of them.
    PARTIAL_NOT_OFFERED = "PARTIAL_NOT_OFFERED"
    INVALID_LINE_ITEMS = "INVALID_LINE_ITEMS"
    # Not the merchant's rules but Shopify's answer to the cancel itself.
    REJECTED_BY_SHOPIFY = "REJECTED_BY_SHOPIFY"
    # Issue 14: the shop approves cancellations first. A request is waiting for the shop...
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    # ...or the shop declined it (its message says why).
    DECLINED_BY_SHOP = "DECLINED_BY_SHOP"
    # Withdrawing: there is no request waiting (none, or the shop already answered it).
    NO_REQUEST = "NO_REQUEST"
    # Shopify could not be reached in time: nothing happened, the customer may try again.
    TRY_AGAIN = "TRY_AGAIN"


class ApprovalMode(enum.StrEnum):
    """Whether a customer's cancel happens at once or becomes a request the shop approves."""

    OFF = "OFF"  # instant, as always
    ALL = "ALL"  # every cancellation is a request
    ABOVE_TOTAL = "ABOVE_TOTAL"  # orders whose total is above `approval_above` are requests


class RefundMethod(enum.StrEnum):
    ORIGINAL_PAYMENT_METHODS = "ORIGINAL_PAYMENT_METHODS"
    STORE_CREDIT = "STORE_CREDIT"


@dataclass(frozen=True, slots=True)
class CancelReason:
    code: str
    label: str  # in the shop's default language
    # (locale, label) pairs for other languages, e.g. (("nl", "Verkeerde maat"),).
    translations: tuple[tuple[str, str], ...] = ()

    def label_for(self, locale: str | None) -> str:
        """The label in `locale` ("nl-BE" falls back to "nl"), else the default one."""
        if locale:
            wanted = locale.lower()
            labels = {code.lower(): label for code, label in self.translations}
            found = labels.get(wanted) or labels.get(wanted.split("-")[0])
            if found:
                return found
        return self.label


DEFAULT_REASONS: tuple[CancelReason, ...] = (
    CancelReason("ORDERED_BY_MISTAKE", "I ordered by mistake"),
    CancelReason("WRONG_SIZE_OR_COLOUR", "Wrong size or colour"),
    CancelReason("WRONG_ADDRESS", "Wrong delivery address"),
    CancelReason("FOUND_BETTER_PRICE", "I found a better price"),
    CancelReason("DELIVERY_TOO_SLOW", "Delivery would take too long"),
    CancelReason("OTHER", "Other reason"),
)

# Display statuses before any work on the parcel has begun. Anything else (in progress, on hold,
# pending with a fulfilment service, partly or wholly fulfilled) means the warehouse has it.
NOT_STARTED_FULFILLMENT = frozenset({"UNFULFILLED", "OPEN", "SCHEDULED"})
NOT_STARTED_FULFILLMENT_ORDER = frozenset({"OPEN", "SCHEDULED", "CANCELLED"})
UNSUBMITTED_REQUEST = frozenset({"UNSUBMITTED"})
RISKY_RECOMMENDATIONS = frozenset({"CANCEL", "INVESTIGATE"})

# What the merchant reads on a cancelled order: `{reason}` is the reason's label, `{code}` its
# code, `{note}` the customer's note in quotes (empty without one).
DEFAULT_STAFF_NOTE_FORMAT = "Cancelled by the customer: {reason}. {note}"


@dataclass(frozen=True, slots=True)
class ShopPolicy:
    """One shop's rules. The defaults are what a new install gets."""

    enabled: bool = True
    window_minutes: int | None = 60
    cutoff: time | None = None
    excluded_product_tags: frozenset[str] = frozenset({"non-cancellable"})
    excluded_order_tags: frozenset[str] = frozenset({"non-cancellable"})
    allowed_financial_statuses: frozenset[str] = frozenset(
        {"AUTHORIZED", "PAID", "PARTIALLY_PAID", "PENDING"}
    )
    hold_risky_orders: bool = True
    refund_method: RefundMethod = RefundMethod.ORIGINAL_PAYMENT_METHODS
    restock: bool = True
    notify_customer: bool = True
    reasons: tuple[CancelReason, ...] = field(default=DEFAULT_REASONS)
    staff_note_format: str = DEFAULT_STAFF_NOTE_FORMAT
    # Issue 12: hold the order's fulfilment orders until self-cancel closes, so the warehouse
    # cannot start on an order the customer may still cancel.
    hold_fulfillment: bool = False
    # ...only fulfilment orders at the merchant's own locations, not at a fulfilment service.
    hold_own_locations_only: bool = False
    # Issue 11: customers may cancel some items (each item under the same rules) ...
    partial_cancel: bool = False
    # ... and the merchant keeps a fee: percent of the refund plus a fixed amount, capped, in
    # the shop's currency (see backend.fees; never for EU/EEA addresses or uncaptured orders).
    fee_percent: Decimal = Decimal("0")
    fee_fixed: Decimal = Decimal("0")
    fee_cap: Decimal | None = None
    # Issue 13: which edits the customer may make instead of cancelling.
    edits: EditRules = field(default_factory=EditRules)
    # Issue 14: approve cancellations first. `approval_above` is in the shop's currency;
    # `auto_approve_minutes` approves a request nobody answered (None: never).
    approval: ApprovalMode = ApprovalMode.OFF
    approval_above: Decimal | None = None
    auto_approve_minutes: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "excluded_product_tags", tag_set(self.excluded_product_tags))
        object.__setattr__(self, "excluded_order_tags", tag_set(self.excluded_order_tags))

    def reason(self, code: str) -> CancelReason | None:
        return next((reason for reason in self.reasons if reason.code == code), None)


@dataclass(frozen=True, slots=True)
class Decision:
    blocked_by: CancelBlock | None
    deadline: datetime | None

    @property
    def cancellable(self) -> bool:
        return self.blocked_by is None


def cutoff_after(moment: datetime, cutoff: time, tz: ZoneInfo) -> datetime:
    """The first daily cutoff strictly after `moment`, in the shop's zone.

    A cutoff that falls in a spring-forward gap happens when the clock would have shown it
    (02:30 becomes 03:30); one in a fall-back overlap happens the first time the clock shows it.
    """
    utc = ZoneInfo("UTC")
    instant = moment.astimezone(utc)
    day = moment.astimezone(tz).date()
    while True:
        # Through UTC, a gap time lands on the wall clock that really exists. Compare in UTC too:
        # two datetimes in the same zone compare by wall clock, so in a fall-back overlap the
        # first 02:30 would look later than the second 02:15.
        candidate = datetime.combine(day, cutoff, tzinfo=tz).astimezone(utc)
        if candidate > instant:
            return candidate.astimezone(tz)
        day += timedelta(days=1)


def deadlines(
    order: OrderSnapshot, policy: ShopPolicy, tz: ZoneInfo
) -> list[tuple[datetime, CancelBlock]]:
    """When self-cancel closes for this order, by each rule that closes it, earliest first.

    On a tie the cutoff is named: "today's dispatch has started" is the more useful reason.
    """
    closing: list[tuple[datetime, CancelBlock]] = []
    if policy.cutoff is not None:
        closing.append(
            (cutoff_after(order.created_at, policy.cutoff, tz), CancelBlock.CUTOFF_PASSED)
        )
    if policy.window_minutes is not None:
        closing.append(
            (order.created_at + timedelta(minutes=policy.window_minutes), CancelBlock.WINDOW_CLOSED)
        )
    return sorted(closing, key=lambda item: item[0])  # stable: ties keep the order above


def fulfillment_started(order: OrderSnapshot) -> bool:
    """Whether the warehouse (or anyone but us) has the parcel.

    Our own fulfilment hold (issue 12) stops the warehouse so that the customer may still cancel:
    an order held only by us counts as not started. Any other hold still blocks.
    """
    ours = [fo for fo in order.fulfillment_orders if fo.held_only_by_us]
    if order.fulfillment_status not in NOT_STARTED_FULFILLMENT and not (
        order.fulfillment_status == "ON_HOLD" and ours
    ):
        return True
    return any(
        (fo.status not in NOT_STARTED_FULFILLMENT_ORDER and not fo.held_only_by_us)
        or (fo.status != "CANCELLED" and fo.request_status not in UNSUBMITTED_REQUEST)
        for fo in order.fulfillment_orders
    )


def allowed_financial_statuses(policy: ShopPolicy) -> frozenset[str]:
    """The merchant's payment states; with partial cancels on, a paid order that a partial
    cancel refunded in part (PARTIALLY_REFUNDED) stays open to the next one and to the rest."""
    allowed = policy.allowed_financial_statuses
    if policy.partial_cancel and "PAID" in allowed:
        return allowed | {"PARTIALLY_REFUNDED"}
    return allowed


def needs_approval(order: OrderSnapshot, policy: ShopPolicy) -> bool:
    """Whether a customer's cancel of `order` is a request for the shop to approve.

    Above a total: an order whose total is unknown is treated as above it (the merchant asked
    to look at large orders first; not knowing is no reason to skip the look).
    """
    if policy.approval is ApprovalMode.ALL:
        return True
    if policy.approval is ApprovalMode.ABOVE_TOTAL:
        if policy.approval_above is None or order.total is None:
            return True
        return order.total > policy.approval_above
    return False


def decide(order: OrderSnapshot, policy: ShopPolicy, now: datetime, tz: ZoneInfo) -> Decision:
    """Whether the customer may cancel `order` at `now`, and until when."""
    closing = deadlines(order, policy, tz)
    deadline = closing[0][0] if closing else None

    def blocked(code: CancelBlock) -> Decision:
        return Decision(blocked_by=code, deadline=deadline)

    if order.cancelled_at is not None:
        return blocked(CancelBlock.ALREADY_CANCELLED)
    if not policy.enabled:
        return blocked(CancelBlock.DISABLED)
    if fulfillment_started(order):
        return blocked(CancelBlock.FULFILLMENT_STARTED)
    if order.closed or order.tags & policy.excluded_order_tags:
        return blocked(CancelBlock.EXCLUDED_ORDER)
    if order.product_tags & policy.excluded_product_tags:
        return blocked(CancelBlock.EXCLUDED_PRODUCT)
    # Time rules come before payment and risk: an order whose window has closed says so,
    # rather than telling a possible fraudster that it was flagged.
    for moment, code in closing:
        if now >= moment:
            return blocked(code)
    if order.financial_status not in allowed_financial_statuses(policy):
        return blocked(CancelBlock.PAYMENT_STATE)
    if policy.hold_risky_orders and order.risk_recommendation in RISKY_RECOMMENDATIONS:
        return blocked(CancelBlock.RISK_REVIEW)
    return Decision(blocked_by=None, deadline=deadline)

"""What devshop's Shopify holds: shops, customers, products, orders and their parts, jobs, events.

Plain records in the shapes of Shopify's objects; `devshop.world` keeps them and changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

DEFAULT_SHOP = "demo-shop.myshopify.com"

RefundMethod = Literal["ORIGINAL_PAYMENT_METHODS", "STORE_CREDIT"]


@dataclass
class Shop:
    domain: str  # "demo-shop.myshopify.com"
    name: str
    iana_timezone: str
    access_token: str
    currency_code: str = "EUR"
    id: int = 1


@dataclass
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str
    shop: str = DEFAULT_SHOP


@dataclass
class Variant:
    """One of a product's variants (a size, a colour), with its own price and stock."""

    id: int
    title: str  # "M", "Blue / L"
    price: Decimal
    inventory: int | None = None  # units in stock; None: not tracked (always for sale)
    available: bool = True


@dataclass
class Product:
    id: int
    title: str
    tags: list[str]
    shop: str = DEFAULT_SHOP
    # One variant each (`LineItem.variant_id`): its price, and whether it is still for sale.
    price: Decimal = Decimal("24.95")
    available: bool = True
    # Units in stock at the shop's locations; None: not tracked (always for sale).
    inventory: int | None = None
    # Its variants (sizes, colours); none: the one default variant, numbered after the product,
    # with the product's price, availability and stock.
    variants: list[Variant] = field(default_factory=list)

    def all_variants(self) -> list[Variant]:
        if self.variants:
            return self.variants
        default = Variant(self.id * 10 + 1, "Default Title", self.price, None, self.available)
        default.inventory = self.inventory
        return [default]

    def take(self, variant_id: int, units: int) -> None:
        """Units leave (or, negative, come back to) the variant's tracked stock."""
        for variant in self.variants:
            if variant.id == variant_id and variant.inventory is not None:
                variant.inventory -= units
        if not self.variants and self.inventory is not None:
            self.inventory -= units


@dataclass
class ShippingZone:
    """A zone of the shop's default delivery profile: the countries one set of rates covers.

    `rest_of_world`: Shopify's "Rest of world" zone, covering every country no other zone names.
    """

    id: int
    shop: str
    name: str
    countries: list[str]
    rest_of_world: bool = False


@dataclass
class LineItem:
    id: int
    title: str
    quantity: int  # as ordered; edits change current_quantity, as in Shopify
    product: Product | None  # None for custom line items, as in Shopify
    current_quantity: int = -1  # -1: the ordered quantity
    fulfilled_quantity: int = 0
    unit_price: Decimal = Decimal("0")  # in the shop's currency, after line discounts
    # Taken off the order by a refund (any restock type) rather than by an edit.
    refunded_quantity: int = 0
    variant: Variant | None = None  # None: the product's default variant

    def __post_init__(self) -> None:
        if self.current_quantity < 0:
            self.current_quantity = self.quantity

    @property
    def variant_id(self) -> int | None:
        """The variant's id; a product without variants has one, numbered after the product."""
        if self.product is None:
            return None
        return self.variant.id if self.variant is not None else self.product.id * 10 + 1


@dataclass
class FulfillmentHold:
    id: int
    reason: str  # FulfillmentHoldReason
    reason_notes: str | None = None
    handle: str = ""
    # Placed through the Admin API by the app (devshop serves one app), not by the merchant in
    # the admin or another app: what `heldByRequestingApp` answers.
    by_app: bool = False


@dataclass
class FulfillmentOrder:
    id: int
    status: str  # FulfillmentOrderStatus
    request_status: str = "UNSUBMITTED"  # FulfillmentOrderRequestStatus
    order_id: int = 0
    holds: list[FulfillmentHold] = field(default_factory=list)
    status_before_hold: str = "OPEN"
    # Assigned to a fulfilment service's location (a 3PL), not one of the merchant's own.
    at_fulfillment_service: bool = False


@dataclass
class FulfillmentEvent:
    id: int
    fulfillment_id: int
    order_id: int
    status: str  # FulfillmentEventStatus: IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, ...
    happened_at: datetime
    created_at: datetime
    message: str | None = None


@dataclass
class Fulfillment:
    id: int
    order_id: int
    created_at: datetime
    line_items: dict[int, int]  # line item id -> quantity fulfilled here
    status: str = "SUCCESS"  # FulfillmentStatus
    events: list[FulfillmentEvent] = field(default_factory=list)
    # line item id -> its FulfillmentLineItem's id, given on first read (devshop.admin_returns)
    line_item_ids: dict[int, int] = field(default_factory=dict)

    @property
    def delivered_at(self) -> datetime | None:
        """When the carrier reported it delivered (Fulfillment.deliveredAt)."""
        delivered = [e.happened_at for e in self.events if e.status == "DELIVERED"]
        return max(delivered) if delivered else None


@dataclass
class Return:
    """A return (`returnRequest`): REQUESTED until the merchant approves or declines it."""

    id: int
    order_id: int
    created_at: datetime
    lines: list[tuple[int, int, int]]  # (fulfillment line item id, line item id, quantity)
    status: str = "REQUESTED"  # ReturnStatus
    note: str | None = None


@dataclass
class Order:
    id: int
    shop: str
    name: str  # "#1001"
    customer_id: int | None
    created_at: datetime  # aware, UTC
    processed_at: datetime
    display_financial_status: str  # OrderDisplayFinancialStatus
    display_fulfillment_status: str  # OrderDisplayFulfillmentStatus
    line_items: list[LineItem]
    fulfillment_orders: list[FulfillmentOrder]  # empty until routing, as in Shopify
    tags: list[str] = field(default_factory=list)
    updated_at: datetime | None = None  # set by add_order; moved on by every change
    fulfillments: list[Fulfillment] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    email: str | None = None  # a guest's; a customer's order reads the customer's
    shipping_country_code: str | None = "NL"
    # The rest of the shipping address, as MailingAddress names its fields ("address1", "zip").
    shipping_address: dict[str, str] = field(default_factory=dict)
    routed: bool = True  # False between orders/create and order routing
    risk_recommendation: str = "ACCEPT"  # OrderRiskRecommendationResult
    confirmation_number: str | None = None
    total_price: Decimal = Decimal("49.95")
    currency_code: str = "EUR"
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None  # OrderCancelReason
    closed: bool = False
    closed_at: datetime | None = None
    staff_note: str | None = None
    # States Shopify refuses to cancel in, which the display statuses do not show.
    pending_authorization: bool = False
    active_return: bool = False
    shipping_price: Decimal = Decimal("0")
    # What the customer paid in (`presentmentCurrencyCode`) and the rate from the shop's currency.
    presentment_currency_code: str | None = None
    presentment_rate: Decimal = Decimal(1)
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    # The cart's attributes, carried onto the order (`customAttributes`, `note_attributes`).
    note_attributes: dict[str, str] = field(default_factory=dict)
    # What the cancel did, for tests to check.
    refund_method: RefundMethod | None = None
    restocked: bool = False
    customer_notified: bool = False


@dataclass
class Transaction:
    """A payment transaction on an order (OrderTransaction), amounts in the shop's currency."""

    id: int
    kind: str  # OrderTransactionKind: AUTHORIZATION, SALE, CAPTURE, REFUND, VOID
    amount: Decimal
    created_at: datetime
    gateway: str = "shopify_payments"
    status: str = "SUCCESS"  # OrderTransactionStatus
    parent_id: int | None = None


@dataclass(frozen=True)
class RefundedLineItem:
    line_item_id: int
    quantity: int
    restock_type: str  # RefundLineItemRestockType: CANCEL, RETURN, NO_RESTOCK
    subtotal: Decimal


@dataclass
class Refund:
    """One `refundCreate`: what it took off the order and the money it moved."""

    id: int
    order_id: int
    created_at: datetime
    note: str | None
    line_items: list[RefundedLineItem]
    shipping: Decimal
    transactions: list[Transaction]
    store_credit: Decimal = Decimal("0")
    notify: bool = False

    @property
    def total(self) -> Decimal:
        return sum((t.amount for t in self.transactions), Decimal("0")) + self.store_credit


@dataclass(frozen=True)
class CancelRequest:
    reason: str
    restock: bool
    notify_customer: bool
    staff_note: str | None
    refund_method: RefundMethod | None


@dataclass
class Job:
    id: str  # a UUID, as Shopify's job ids are
    order_id: int
    done_at: datetime
    request: CancelRequest
    done: bool = False


@dataclass
class Timer:
    """Delayed work of the world's own (order routing), run by `settle_jobs` once due."""

    due: datetime
    run: Callable[[], None]


@dataclass(frozen=True)
class WorldEvent:
    """One thing Shopify would send a webhook about, told after the change is applied."""

    topic: str  # the webhook topic, "orders/updated"
    order: Order
    at: datetime
    action_id: str  # shared by every event of one change (Shopify's X-Shopify-Event-Id)
    subject: object | None = None  # the fulfillment order, fulfillment, event, hold or edit
    extra: dict[str, object] = field(default_factory=dict)  # e.g. a request's message


@dataclass
class Metafield:
    """An app-data metafield on the app's installation in one shop (`metafieldsSet`)."""

    id: int
    shop: str
    namespace: str
    key: str
    type: str  # "json", "boolean", "single_line_text_field", ...
    value: str  # as Shopify keeps it: the serialized value
    created_at: datetime
    updated_at: datetime


@dataclass
class AdminCall:
    """One request to the Admin API, as the call log keeps it."""

    at: datetime
    shop: str
    status: int = 200
    operation: str | None = None  # "query" | "mutation"
    operation_name: str | None = None
    root_fields: tuple[str, ...] = ()  # one entry per root selection, aliases included
    variables: dict[str, object] = field(default_factory=dict)
    requested_cost: int | None = None
    actual_cost: int | None = None
    executed: bool = False
    throttled: bool = False
    fault: str | None = None  # e.g. "status:503", "throttle", "after_execute:502"
    error_codes: list[str] = field(default_factory=list)
    deprecated_arguments: list[str] = field(default_factory=list)  # e.g. "orderCancel.refund"

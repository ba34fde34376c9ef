"""The in-memory Shopify that devshop serves: shops, customers, orders, cancel jobs, call log
(the records themselves are `devshop.records`).

Time comes from an injected clock plus an offset (`advance`), so tests and demos can move time
without sleeping. Cancel jobs complete `job_delay` seconds after they start, and other delayed
work (order routing) runs from `schedule`: `settle_jobs()` applies whatever is due whenever the
world is read or advanced, and devshop's server calls it on a short tick.

Every change to an order is told to `on_event` listeners as `WorldEvent`s named by the webhook
topic Shopify would send (`orders/updated`, `fulfillment_orders/placed_on_hold`, ...), after
the change is applied; the events of one change share an `action_id` (Shopify's event id).
`add_order` only puts an order in place (seed data, test arrangements) and tells nobody; the
changes that happen to orders live in `devshop.order_actions`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from devshop.records import (
    DEFAULT_SHOP,
    AdminCall,
    CancelRequest,
    Customer,
    Fulfillment,
    FulfillmentEvent,
    FulfillmentHold,
    FulfillmentOrder,
    Job,
    LineItem,
    Metafield,
    Order,
    Product,
    Refund,
    RefundedLineItem,
    RefundMethod,
    ShippingZone,
    Shop,
    Timer,
    Transaction,
    Variant,
    WorldEvent,
)

# The records are importable from here too, as they were before they moved to their own module.
__all__ = [
    "AdminCall",
    "CancelRequest",
    "Customer",
    "DEFAULT_SHOP",
    "Fulfillment",
    "FulfillmentEvent",
    "FulfillmentHold",
    "FulfillmentOrder",
    "Job",
    "LineItem",
    "Metafield",
    "Order",
    "Product",
    "Refund",
    "RefundedLineItem",
    "RefundMethod",
    "ShippingZone",
    "Shop",
    "Timer",
    "Transaction",
    "Variant",
    "World",
    "WorldEvent",
    "confirmation_number",
    "utc_now",
]

_FIRST_ID = 900_000  # ids the world hands out, well clear of the seeded ones


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FlowTrigger:
    shop: str
    handle: str
    payload: dict[str, Any]
    at: datetime


class World:
    def __init__(
        self,
        clock: Callable[[], datetime] = utc_now,
        *,
        job_delay: float = 0.2,
        routing_delay: float = 0.5,
    ) -> None:
        self._clock = clock
        self._offset = timedelta()
        self.job_delay = job_delay
        self.on_cancelled: list[Callable[[Order], None]] = []
        self.on_event: list[Callable[[WorldEvent], None]] = []
        # How long Shopify takes to route a new order to a location and create its
        # fulfillment orders; the app hears fulfillment_orders/order_routing_complete then.
        self.routing_delay = routing_delay
        self.timers: list[Timer] = []
        # Things outside the world holding state about it (rate limit buckets) reset with it.
        self.on_reset: list[Callable[[], None]] = []
        self.shops: dict[str, Shop] = {}
        self.customers: dict[int, Customer] = {}
        self.products: dict[int, Product] = {}
        self.orders: dict[int, Order] = {}
        self.jobs: dict[str, Job] = {}
        self._running: list[Job] = []  # the jobs not done yet: what every tick looks at
        self.calls: list[AdminCall] = []
        self.metafields: dict[tuple[str, str, str], Metafield] = {}  # (shop, namespace, key)
        self.shipping_zones: list[ShippingZone] = []
        # Store credit balances by customer id, in the shop's currency (refunds as store credit).
        self.store_credit: dict[int, Decimal] = {}
        # Parts owned by their Admin modules (order edit sessions, idempotency keys), keyed by
        # name, so that a reset clears them too.
        self.extras: dict[str, dict[object, object]] = {}
        self.flow_triggers: list[FlowTrigger] = []  # what flowTriggerReceive accepted
        self._next_id = _FIRST_ID

    def now(self) -> datetime:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move the world's time forward (for demos and tests) and settle what became due."""
        self._offset += timedelta(seconds=seconds)
        self.settle_jobs()
        return self.now()

    def reset(self) -> None:
        self._offset = timedelta()
        self.shops.clear()
        self.customers.clear()
        self.products.clear()
        self.orders.clear()
        self.jobs.clear()
        self._running.clear()
        self.timers.clear()
        self.calls.clear()
        self.metafields.clear()
        self.shipping_zones.clear()
        self.store_credit.clear()
        self.extras.clear()
        self.flow_triggers.clear()
        self._next_id = _FIRST_ID
        for hook in self.on_reset:
            hook()

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_shop(self, shop: Shop) -> Shop:
        self.shops[shop.domain] = shop
        return shop

    def add_customer(self, customer: Customer) -> Customer:
        self.customers[customer.id] = customer
        return customer

    def add_shipping_zone(
        self, shop: str, name: str, countries: Sequence[str], *, rest_of_world: bool = False
    ) -> ShippingZone:
        zone = ShippingZone(self.new_id(), shop, name, list(countries), rest_of_world)
        self.shipping_zones.append(zone)
        return zone

    def zones_of(self, shop: str) -> list[ShippingZone]:
        return [zone for zone in self.shipping_zones if zone.shop == shop]

    def add_product(self, product: Product) -> Product:
        self.products[product.id] = product
        return product

    def add_order(
        self,
        *,
        id: int | None = None,
        shop: str = DEFAULT_SHOP,
        name: str | None = None,
        customer_id: int | None = None,
        age: timedelta = timedelta(minutes=5),
        created_at: datetime | None = None,
        financial_status: str = "PAID",
        fulfillment_status: str = "UNFULFILLED",
        products: Sequence[Product] = (),
        fulfillment_orders: list[FulfillmentOrder] | None = None,
        tags: Sequence[str] = (),
        risk: str = "ACCEPT",
        cancelled_at: datetime | None = None,
        cancel_reason: str | None = None,
        total_price: str | None = None,
        shipping_country_code: str | None = "NL",
        shipping_address: Mapping[str, str] | None = None,
        quantities: Sequence[int] | None = None,
        shipping_price: str = "0",
        presentment_currency: str | None = None,
        presentment_rate: str = "1",
        note_attributes: dict[str, str] | None = None,
    ) -> Order:
        """An order with sensible defaults: paid, unfulfilled, five minutes old, one open
        fulfillment order; a cancelled one is also closed with its fulfillment orders cancelled.

        With `quantities`, the items cost their products' prices times those plus
        `shipping_price`; otherwise `total_price` (49.95 by default, as it always was) is spread
        over the items, one each."""
        order_id = self.new_id() if id is None else id
        created = created_at if created_at is not None else self.now() - age
        counts = list(quantities) if quantities is not None else [1] * len(products)
        # A product with variants is ordered in its first one, at that variant's price.
        items = [
            LineItem(
                self.new_id(),
                p.title,
                n,
                p,
                unit_price=p.variants[0].price if p.variants else p.price,
                variant=p.variants[0] if p.variants else None,
            )
            for p, n in zip(products, counts, strict=True)
        ] or [LineItem(self.new_id(), "Custom item", 1, None, unit_price=Decimal("49.95"))]
        shipping = Decimal(shipping_price)
        if quantities is None:
            total_price = total_price or "49.95"
        if total_price is not None:
            _spread(items, Decimal(total_price) - shipping)
        total = sum((i.unit_price * i.quantity for i in items), shipping)
        if fulfillment_orders is None:
            status = _FULFILLMENT_ORDER_STATUS.get(fulfillment_status, "OPEN")
            if cancelled_at is not None:
                status = "CANCELLED"
            fulfillment_orders = [FulfillmentOrder(self.new_id(), status)]
        for fulfillment_order in fulfillment_orders:
            fulfillment_order.order_id = order_id
        fulfillments = []
        if fulfillment_status == "FULFILLED":
            for item in items:
                item.fulfilled_quantity = item.quantity
            shipped = {item.id: item.quantity for item in items}
            fulfillments.append(Fulfillment(self.new_id(), order_id, created, shipped))
        order = Order(
            id=order_id,
            shop=shop,
            name=name if name is not None else f"#{order_id}",
            customer_id=customer_id,
            created_at=created,
            processed_at=created,
            display_financial_status=financial_status,
            display_fulfillment_status=fulfillment_status,
            line_items=items,
            fulfillment_orders=fulfillment_orders,
            tags=list(tags),
            risk_recommendation=risk,
            confirmation_number=confirmation_number(order_id),
            total_price=total,
            currency_code=self.shops[shop].currency_code if shop in self.shops else "EUR",
            shipping_price=shipping,
            presentment_currency_code=presentment_currency,
            presentment_rate=Decimal(presentment_rate),
            note_attributes=dict(note_attributes or {}),
            cancelled_at=cancelled_at,
            cancel_reason=cancel_reason or ("CUSTOMER" if cancelled_at else None),
            closed=cancelled_at is not None,
            closed_at=cancelled_at,
            updated_at=max(created, cancelled_at or created).replace(microsecond=0),
            fulfillments=fulfillments,
            shipping_country_code=shipping_country_code,
            shipping_address=dict(
                shipping_address
                if shipping_address is not None
                else _SAMPLE_ADDRESSES.get(shipping_country_code or "", {})
            ),
        )
        kind = {"AUTHORIZED": "AUTHORIZATION", "PENDING": None}.get(financial_status, "SALE")
        if kind is not None:
            order.transactions.append(Transaction(self.new_id(), kind, total, created))
        self.orders[order_id] = order
        return order

    def order(self, order_id: int) -> Order | None:
        self.settle_jobs()
        return self.orders.get(order_id)

    def pending_cancel(self, order_id: int) -> Job | None:
        return next((j for j in self._running if j.order_id == order_id and not j.done), None)

    def start_cancel(self, order: Order, request: CancelRequest) -> Job:
        """Queue the cancel; its effects land when the job completes, as Shopify's do."""
        job = Job(
            id=str(uuid.uuid4()),
            order_id=order.id,
            done_at=self.now() + timedelta(seconds=self.job_delay),
            request=request,
        )
        self.jobs[job.id] = job
        self._running.append(job)
        return job

    def schedule(self, seconds: float, run: Callable[[], None]) -> Timer:
        timer = Timer(self.now() + timedelta(seconds=seconds), run)
        self.timers.append(timer)
        return timer

    def settle_jobs(self) -> None:
        """Apply every cancel job and timer that is due, in the order they fell due."""
        now = self.now()
        jobs = [j for j in self._running if not j.done and j.done_at <= now]
        self._running = [j for j in self._running if not j.done and j.done_at > now]
        timers = [t for t in self.timers if t.due <= now]
        self.timers = [t for t in self.timers if t.due > now]
        due: list[tuple[datetime, Callable[[], None]]] = [(t.due, t.run) for t in timers]
        due += [(j.done_at, partial(self._complete, j)) for j in jobs]
        for _, run in sorted(due, key=lambda pair: pair[0]):
            run()

    def _complete(self, job: Job) -> None:
        job.done = True
        order = self.orders.get(job.order_id)
        if order is None or order.cancelled_at is not None:
            return
        still_open = [
            fo for fo in order.fulfillment_orders if fo.status not in {"CLOSED", "CANCELLED"}
        ]
        _apply_cancel(order, job.request, job.done_at)
        self.touch(order, job.done_at)
        for hook in self.on_cancelled:
            hook(order)
        self.publish(
            order,
            [("fulfillment_orders/cancelled", fo) for fo in still_open]
            + [("orders/cancelled", None), ("orders/updated", None)],
        )

    def touch(self, order: Order, at: datetime | None = None) -> None:
        """Move `updated_at` on: whole seconds as Shopify keeps it, and always later than the
        last change (a second on when two changes fall in one second), so that every change
        carries a distinct, increasing stamp. Shopify's own can repeat within a second."""
        moment = (at or self.now()).replace(microsecond=0)
        last = order.updated_at or order.created_at
        order.updated_at = max(moment, last.replace(microsecond=0) + timedelta(seconds=1))

    def publish(
        self, order: Order, events: Sequence[tuple[str, object | None]], **extra: object
    ) -> None:
        """Tell listeners about one change to `order`: `(topic, subject)` pairs, one event id."""
        action_id = str(uuid.uuid4())
        at = self.now()
        for topic, subject in events:
            event = WorldEvent(topic, order, at, action_id, subject, dict(extra))
            for hook in self.on_event:
                hook(event)

    def app_metafields(self, shop: str) -> dict[str, dict[str, Metafield]]:
        """The app's metafields in `shop`, `{namespace: {key: metafield}}`."""
        found: dict[str, dict[str, Metafield]] = {}
        for (owner, namespace, key), metafield in sorted(self.metafields.items()):
            if owner == shop:
                found.setdefault(namespace, {})[key] = metafield
        return found

    def calls_for(self, root_field: str) -> list[AdminCall]:
        """Admin API calls that selected `root_field`; filter on `.executed` for those that ran."""
        return [c for c in self.calls if root_field in c.root_fields]


# Where a seeded order ships when the test or demo names only a country.
_SAMPLE_ADDRESSES: dict[str, dict[str, str]] = {
    "NL": {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "Keizersgracht 123",
        "city": "Amsterdam",
        "zip": "1015 CJ",
    },
    "US": {
        "firstName": "Grace",
        "lastName": "Hopper",
        "address1": "1 Main Street",
        "city": "Arlington",
        "provinceCode": "VA",
        "zip": "22201",
    },
}

_FULFILLMENT_ORDER_STATUS = {
    "UNFULFILLED": "OPEN",
    "SCHEDULED": "SCHEDULED",
    "ON_HOLD": "ON_HOLD",
    "IN_PROGRESS": "IN_PROGRESS",
    "PARTIALLY_FULFILLED": "IN_PROGRESS",
    "FULFILLED": "CLOSED",
}


def _apply_cancel(order: Order, request: CancelRequest, at: datetime) -> None:
    order.cancelled_at = at
    order.cancel_reason = request.reason
    order.staff_note = request.staff_note
    order.closed = True  # Shopify closes (archives) a cancelled order
    order.closed_at = at
    order.restocked = request.restock
    order.customer_notified = request.notify_customer
    order.refund_method = request.refund_method
    status = order.display_financial_status
    # An authorization is released on cancel whether or not a refund was asked for.
    if status == "AUTHORIZED" or (request.refund_method and status == "PENDING"):
        order.display_financial_status = "VOIDED"
    elif request.refund_method and status in {"PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"}:
        order.display_financial_status = "REFUNDED"
    for fulfillment_order in order.fulfillment_orders:
        if fulfillment_order.status not in {"CLOSED", "CANCELLED"}:
            fulfillment_order.status = "CANCELLED"


def _spread(items: list[LineItem], amount: Decimal) -> None:
    """Set unit prices so the items (one each) add up to `amount`, the last taking the cents."""
    share = (amount / len(items)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    for item in items:
        item.unit_price = share
    items[-1].unit_price += amount - share * len(items)


def confirmation_number(order_id: int) -> str:
    """A stable 9-character code in the shape of Shopify's confirmation numbers."""
    digest = hashlib.sha256(str(order_id).encode()).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:9])

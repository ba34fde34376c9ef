"""What happens to orders after checkout, each change told as Shopify tells it.

Every function here changes the world first and then publishes the events Shopify would send
webhooks for, so a listener always sees the state after the change:

- `create_order`: `orders/create` with no fulfillment orders; `routing_delay` seconds later
  (on the world's clock) the order is routed, its fulfillment order appears and
  `fulfillment_orders/order_routing_complete` follows, as in Shopify, where fulfillment orders
  are created only once routing has picked a location.
- `set_tags`, `start_fulfillment`, `fulfill`, `place_hold`, `release_hold`,
  `submit_fulfillment_request`, `accept_fulfillment_request`, `add_fulfillment_event`,
  `commit_order_edit`, `update_shipping_address`: each moves the order's `updated_at` on and
  sends `orders/updated` besides its own topic (`orders/fulfilled` or `orders/partially_fulfilled`,
  `fulfillment_orders/placed_on_hold`, `.../hold_released`, `.../fulfillment_request_submitted`,
  `.../fulfillment_request_accepted`, `fulfillment_events/create`, `orders/edited`).
  Cancelling stays `orderCancel`'s (`World.start_cancel`); its job sends `orders/cancelled`,
  `orders/updated` and `fulfillment_orders/cancelled` for each fulfillment order it cancels.

Simplified: one fulfillment order per order, holding every line item; holds and fulfillment
requests apply to it whole. A change Shopify would refuse raises `OrderActionError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from devshop.world import (
    DEFAULT_SHOP,
    Fulfillment,
    FulfillmentEvent,
    FulfillmentHold,
    FulfillmentOrder,
    Order,
    Product,
    World,
)


class OrderActionError(ValueError):
    """A change Shopify would refuse in the order's present state."""


@dataclass
class OrderEdit:
    """A committed order edit, as `orders/edited` describes it: quantity deltas per line item."""

    id: int
    order_id: int
    created_at: datetime
    staff_note: str
    additions: list[tuple[int, int]] = field(default_factory=list)  # (line item id, delta)
    removals: list[tuple[int, int]] = field(default_factory=list)


def create_order(
    world: World,
    *,
    shop: str = DEFAULT_SHOP,
    customer_id: int | None = None,
    products: Sequence[Product] = (),
    tags: Sequence[str] = (),
    financial_status: str = "PAID",
    age: timedelta = timedelta(),
    quantities: Sequence[int] | None = None,
    note_attributes: dict[str, str] | None = None,
    shipping_country: str | None = "NL",
) -> Order:
    """A customer checks out now (`age` backdates `created_at`): `orders/create`, then routing.

    With `quantities`, the order costs its products' prices (a cart's checkout)."""
    order = world.add_order(
        shop=shop,
        customer_id=customer_id,
        products=products,
        tags=tags,
        financial_status=financial_status,
        age=age,
        fulfillment_orders=[],
        quantities=quantities,
        note_attributes=note_attributes,
        shipping_country_code=shipping_country,
    )
    order.routed = False
    world.publish(order, [("orders/create", None)])
    world.schedule(world.routing_delay, lambda: route(world, order))
    return order


def route(world: World, order: Order) -> None:
    """Routing completes: the fulfillment order appears. A cancelled order is not routed."""
    if order.routed:
        return
    order.routed = True
    if order.cancelled_at is not None:
        return
    fulfillment_order = FulfillmentOrder(world.new_id(), "OPEN", order_id=order.id)
    order.fulfillment_orders.append(fulfillment_order)
    world.publish(order, [("fulfillment_orders/order_routing_complete", fulfillment_order)])


def set_tags(world: World, order: Order, tags: Sequence[str]) -> None:
    order.tags = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    _changed(world, order, [])


def start_fulfillment(world: World, order: Order) -> FulfillmentOrder:
    """The warehouse starts work: the fulfillment order goes IN_PROGRESS."""
    fulfillment_order = _open_fulfillment_order(order, {"OPEN"})
    fulfillment_order.status = "IN_PROGRESS"
    _changed(world, order, [])
    return fulfillment_order


def fulfill(world: World, order: Order, quantities: Mapping[int, int] | None = None) -> Fulfillment:
    """Ship `quantities` (line item id -> quantity; None: everything left)."""
    fulfillment_order = _open_fulfillment_order(order, {"OPEN", "IN_PROGRESS"})
    items = {item.id: item for item in order.line_items}
    left = {i.id: i.current_quantity - i.fulfilled_quantity for i in order.line_items}
    wanted = dict(quantities) if quantities is not None else {k: v for k, v in left.items() if v}
    for item_id, quantity in wanted.items():
        if item_id not in items or not 0 < quantity <= left[item_id]:
            raise OrderActionError(f"line item {item_id} cannot be fulfilled {quantity} times")
    if not wanted:
        raise OrderActionError("nothing left to fulfill")
    for item_id, quantity in wanted.items():
        items[item_id].fulfilled_quantity += quantity
    fulfillment = Fulfillment(world.new_id(), order.id, world.now(), wanted)
    order.fulfillments.append(fulfillment)
    done = all(i.fulfilled_quantity >= i.current_quantity for i in order.line_items)
    fulfillment_order.status = "CLOSED" if done else "IN_PROGRESS"
    topic = "orders/fulfilled" if done else "orders/partially_fulfilled"
    _changed(world, order, [(topic, fulfillment)])
    return fulfillment


def place_hold(
    world: World,
    order: Order,
    reason: str = "OTHER",
    notes: str | None = None,
    handle: str = "",
    *,
    by_app: bool = False,
    fulfillment_order: FulfillmentOrder | None = None,
) -> FulfillmentHold:
    """Hold the fulfillment order; only the first hold sends `placed_on_hold`, as in Shopify."""
    if fulfillment_order is None:
        fulfillment_order = _open_fulfillment_order(order, {"OPEN", "SCHEDULED", "ON_HOLD"})
    hold = FulfillmentHold(world.new_id(), reason, notes, handle, by_app)
    fulfillment_order.holds.append(hold)
    if fulfillment_order.status == "ON_HOLD":
        return hold
    fulfillment_order.status_before_hold = fulfillment_order.status
    fulfillment_order.status = "ON_HOLD"
    _changed(world, order, [("fulfillment_orders/placed_on_hold", fulfillment_order)], hold=hold)
    return hold


def release_hold(
    world: World,
    order: Order,
    hold_id: int | None = None,
    *,
    fulfillment_order: FulfillmentOrder | None = None,
    hold_ids: Sequence[int] | None = None,
) -> None:
    """Release one hold, or `hold_ids` (None and None: all); `hold_released` once the last one
    is gone."""
    if fulfillment_order is None:
        fulfillment_order = _open_fulfillment_order(order, {"ON_HOLD"})
    chosen = set(hold_ids or ()) | ({hold_id} if hold_id is not None else set())
    everything = hold_id is None and hold_ids is None
    kept = [h for h in fulfillment_order.holds if not everything and h.id not in chosen]
    if len(kept) == len(fulfillment_order.holds):
        raise OrderActionError(f"no hold {sorted(chosen)} on this order")
    fulfillment_order.holds = kept
    if kept:
        return
    fulfillment_order.status = fulfillment_order.status_before_hold
    _changed(world, order, [("fulfillment_orders/hold_released", fulfillment_order)])


def submit_fulfillment_request(world: World, order: Order, message: str | None = None) -> None:
    """The merchant asks the fulfillment service to fulfil the order."""
    fulfillment_order = _open_fulfillment_order(order, {"OPEN"})
    if fulfillment_order.request_status not in {"UNSUBMITTED", "REJECTED"}:
        raise OrderActionError("a fulfillment request was already submitted")
    before = (fulfillment_order.status, fulfillment_order.request_status)
    fulfillment_order.request_status = "SUBMITTED"
    topic = "fulfillment_orders/fulfillment_request_submitted"
    request_id = world.new_id()
    _changed(
        world, order, [(topic, fulfillment_order)], message=message, before=before, id=request_id
    )


def accept_fulfillment_request(world: World, order: Order, message: str | None = None) -> None:
    """The fulfillment service accepts: the fulfillment order is IN_PROGRESS there."""
    fulfillment_order = _open_fulfillment_order(order, {"OPEN"})
    if fulfillment_order.request_status != "SUBMITTED":
        raise OrderActionError("no submitted fulfillment request to accept")
    fulfillment_order.request_status = "ACCEPTED"
    fulfillment_order.status = "IN_PROGRESS"
    topic = "fulfillment_orders/fulfillment_request_accepted"
    _changed(world, order, [(topic, fulfillment_order)], message=message)


def add_fulfillment_event(
    world: World, order: Order, status: str = "DELIVERED", message: str | None = None
) -> FulfillmentEvent:
    """A carrier's tracking event on the order's latest fulfillment (default: delivered)."""
    if not order.fulfillments:
        raise OrderActionError("the order has no fulfillment to track")
    fulfillment = order.fulfillments[-1]
    now = world.now()
    event = FulfillmentEvent(world.new_id(), fulfillment.id, order.id, status, now, now, message)
    fulfillment.events.append(event)
    _changed(world, order, [("fulfillment_events/create", event)])
    return event


def commit_order_edit(
    world: World, order: Order, quantities: Mapping[int, int], staff_note: str = ""
) -> OrderEdit:
    """Commit an edit setting line items' quantities (line item id -> new quantity).

    devshop has no Admin `orderEditBegin`/`orderEditCommit`: this is the commit they end in."""
    if order.cancelled_at is not None:
        raise OrderActionError("a cancelled order cannot be edited")
    items = {item.id: item for item in order.line_items}
    edit = OrderEdit(world.new_id(), order.id, world.now(), staff_note)
    for item_id, quantity in quantities.items():
        item = items.get(item_id)
        if item is None or quantity < item.fulfilled_quantity:
            raise OrderActionError(f"line item {item_id} cannot have quantity {quantity}")
        delta = quantity - item.current_quantity
        if delta:
            (edit.additions if delta > 0 else edit.removals).append((item_id, abs(delta)))
    for item_id, quantity in quantities.items():
        items[item_id].current_quantity = quantity
    _changed(world, order, [("orders/edited", edit)])
    return edit


def update_shipping_address(
    world: World, order: Order, country_code: str | None, address: Mapping[str, str]
) -> None:
    """Overwrite the order's shipping address, as `orderUpdate(input: {shippingAddress})` does."""
    order.shipping_country_code = country_code
    order.shipping_address = dict(address)
    _changed(world, order, [])


def _open_fulfillment_order(order: Order, statuses: set[str]) -> FulfillmentOrder:
    if order.cancelled_at is not None:
        raise OrderActionError("the order is cancelled")
    if not order.routed or not order.fulfillment_orders:
        raise OrderActionError("the order has not been routed yet: no fulfillment order")
    for fulfillment_order in order.fulfillment_orders:
        if fulfillment_order.status in statuses:
            return fulfillment_order
    found = ", ".join(fo.status for fo in order.fulfillment_orders)
    raise OrderActionError(f"no fulfillment order in {sorted(statuses)} (found {found})")


def _changed(
    world: World, order: Order, events: list[tuple[str, object | None]], **extra: object
) -> None:
    order.display_fulfillment_status = _display_fulfillment_status(order)
    world.touch(order)
    world.publish(order, [*events, ("orders/updated", None)], **extra)


def _display_fulfillment_status(order: Order) -> str:
    """Shopify's OrderDisplayFulfillmentStatus, from the line items and fulfillment orders."""
    items = order.line_items
    if any(i.fulfilled_quantity for i in items):
        done = all(i.fulfilled_quantity >= i.current_quantity for i in items)
        return "FULFILLED" if done else "PARTIALLY_FULFILLED"
    statuses = {fo.status for fo in order.fulfillment_orders}
    for status in ("ON_HOLD", "IN_PROGRESS", "SCHEDULED"):
        if status in statuses:
            return status
    return "UNFULFILLED"

"""The bodies of the webhooks devshop sends, in the shapes of Shopify's reference.

Source: shopify.dev/docs/api/webhooks (2026-07, "Sample Payload" of each topic).

- `orders/create`, `orders/updated`, `orders/cancelled`, `orders/fulfilled`,
  `orders/partially_fulfilled`: the REST order (`order_payload`). Times are ISO 8601 in the
  shop's UTC offset with whole seconds, as Shopify writes them; enums are lower case
  (`financial_status: "paid"`, `cancel_reason: "customer"`); `tags` is one comma-separated
  string; `fulfillment_status` is null, `"partial"` or `"fulfilled"`.
- `orders/edited`: not the order but `{"order_edit": {...}}` with line item deltas.
- `fulfillment_orders/*`: `{"fulfillment_order": {"id": <GID>, "status": "open"}}` and, per
  topic, the hold, the merchant request or the message. Shopify's carry neither the order's
  id nor its line items: an app maps a fulfillment order to its order itself (the Admin API's
  `FulfillmentOrder.orderId`).
- `fulfillment_events/create`: the event, with `fulfillment_id`, `order_id`, `status`
  (`"delivered"`), `happened_at`.

Simplified: devshop leaves out what it does not model (prices per line, taxes, discounts,
addresses beyond the country, shipping lines, the held fulfillment order line items) rather
than invent it; `remaining_fulfillment_order` and `replacement_fulfillment_order` are null
because devshop never splits fulfillment orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from devshop.admin_returns import return_payload
from devshop.gids import gid
from devshop.records import Return
from devshop.world import (
    Fulfillment,
    FulfillmentEvent,
    FulfillmentHold,
    FulfillmentOrder,
    LineItem,
    Order,
    World,
    WorldEvent,
)

Payload = dict[str, Any]
ORDER_TOPICS = {
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
}


def payload_for(world: World, event: WorldEvent) -> Payload | None:
    """The body Shopify sends for `event`; None for a topic devshop has no shape for."""
    topic, subject, extra = event.topic, event.subject, event.extra
    if topic in ORDER_TOPICS:
        return order_payload(world, event.order)
    if isinstance(subject, FulfillmentEvent):
        return _fulfillment_event(world, event.order, subject)
    if topic == "orders/edited":
        return {"order_edit": _order_edit(world, event.order, subject)}
    if not isinstance(subject, FulfillmentOrder):
        return None
    if topic == "fulfillment_orders/placed_on_hold":
        hold = extra.get("hold")
        return {
            "fulfillment_order": {
                **_brief(subject),
                "fulfillment_holds": [_hold(h) for h in subject.holds],
            },
            "remaining_fulfillment_order": None,
            "held_fulfillment_order_line_items": [],
            "created_fulfillment_hold": _hold(hold) if isinstance(hold, FulfillmentHold) else None,
        }
    if topic == "fulfillment_orders/fulfillment_request_submitted":
        before = extra.get("before")
        status, request_status = before if isinstance(before, tuple) else ("OPEN", "UNSUBMITTED")
        return {
            "original_fulfillment_order": {
                "id": gid("FulfillmentOrder", subject.id),
                "status": str(status).lower(),
                "request_status": str(request_status).lower(),
            },
            "submitted_fulfillment_order": _brief(subject, request_status=True),
            "fulfillment_order_merchant_request": {
                "id": gid("FulfillmentOrderMerchantRequest", str(extra.get("id"))),
                "message": extra.get("message"),
            },
        }
    if topic == "fulfillment_orders/fulfillment_request_accepted":
        return {
            "fulfillment_order": _brief(subject, request_status=True),
            "message": extra.get("message"),
        }
    if isinstance(subject, Return):
        return return_payload(event.order, subject)
    if topic == "fulfillment_orders/cancelled":
        return {"fulfillment_order": _brief(subject), "replacement_fulfillment_order": None}
    if topic.startswith("fulfillment_orders/"):  # order_routing_complete, hold_released
        return {"fulfillment_order": _brief(subject)}
    return None


def order_payload(world: World, order: Order) -> Payload:
    """The order as the REST-format `orders/*` webhooks carry it."""
    at = _clock(world, order.shop)
    customer = world.customers.get(order.customer_id) if order.customer_id else None
    number = int(order.name.lstrip("#")) if order.name.lstrip("#").isdigit() else order.id
    cancelled = order.cancelled_at is not None
    return {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": order.name,
        "number": max(number - 1000, 1),
        "order_number": number,
        "confirmation_number": order.confirmation_number,
        "email": customer.email if customer else None,
        "contact_email": customer.email if customer else None,
        "created_at": at(order.created_at),
        "processed_at": at(order.processed_at),
        "updated_at": at(order.updated_at),
        "cancelled_at": at(order.cancelled_at),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "closed_at": at(order.closed_at),
        "financial_status": order.display_financial_status.lower(),
        "fulfillment_status": _fulfillment_status(order.line_items),
        "currency": order.currency_code,
        "presentment_currency": order.currency_code,
        "total_price": str(order.total_price),
        "tags": ", ".join(order.tags),
        "note_attributes": [{"name": k, "value": v} for k, v in order.note_attributes.items()],
        "test": False,
        "source_name": "web",
        "customer": None
        if customer is None
        else {
            "id": customer.id,
            "admin_graphql_api_id": gid("Customer", customer.id),
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
        },
        "shipping_address": None
        if order.shipping_country_code is None
        else {
            **{_snake(name): value for name, value in order.shipping_address.items()},
            "country_code": order.shipping_country_code,
        },
        "line_items": [_line_item(item, cancelled=cancelled) for item in order.line_items],
        "fulfillments": [_fulfillment(world, order, f) for f in order.fulfillments],
    }


def _snake(name: str) -> str:
    """MailingAddress's `firstName` as the REST payload's `first_name`."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _line_item(item: LineItem, *, cancelled: bool) -> Payload:
    unfulfilled = max(item.current_quantity - item.fulfilled_quantity, 0)
    return {
        "id": item.id,
        "admin_graphql_api_id": gid("LineItem", item.id),
        "product_id": item.product.id if item.product else None,
        "variant_id": item.variant_id,
        "product_exists": item.product is not None,
        "title": item.title,
        "name": item.title,
        "quantity": item.quantity,
        "current_quantity": item.current_quantity,
        "fulfillable_quantity": 0 if cancelled else unfulfilled,
        "fulfillment_status": _fulfillment_status([item]),
        "requires_shipping": True,
        "gift_card": False,
    }


def _fulfillment_status(items: list[LineItem]) -> str | None:
    if not any(item.fulfilled_quantity for item in items):
        return None
    done = all(item.fulfilled_quantity >= item.current_quantity for item in items)
    return "fulfilled" if done else "partial"


def _fulfillment(world: World, order: Order, fulfillment: Fulfillment) -> Payload:
    at = _clock(world, order.shop)
    last = fulfillment.events[-1] if fulfillment.events else None
    position = order.fulfillments.index(fulfillment) + 1
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": gid("Fulfillment", fulfillment.id),
        "order_id": order.id,
        "name": f"{order.name}.{position}",
        "status": fulfillment.status.lower(),
        "shipment_status": last.status.lower() if last else None,
        "created_at": at(fulfillment.created_at),
        "updated_at": at(last.created_at if last else fulfillment.created_at),
        "line_items": [
            {"id": item_id, "admin_graphql_api_id": gid("LineItem", item_id), "quantity": n}
            for item_id, n in fulfillment.line_items.items()
        ],
    }


def _fulfillment_event(world: World, order: Order, event: FulfillmentEvent) -> Payload:
    at = _clock(world, order.shop)
    shop = world.shops.get(order.shop)
    return {
        "id": event.id,
        "admin_graphql_api_id": gid("FulfillmentEvent", event.id),
        "fulfillment_id": event.fulfillment_id,
        "order_id": event.order_id,
        "shop_id": shop.id if shop else None,
        "status": event.status.lower(),
        "message": event.message,
        "happened_at": at(event.happened_at),
        "created_at": at(event.created_at),
        "updated_at": at(event.created_at),
        "estimated_delivery_at": None,
        "city": None,
        "province": None,
        "country": None,
        "zip": None,
        "address1": None,
        "latitude": None,
        "longitude": None,
    }


def _order_edit(world: World, order: Order, edit: Any) -> Payload:
    at = _clock(world, order.shop)

    def deltas(pairs: list[tuple[int, int]]) -> list[Payload]:
        return [{"id": item_id, "delta": delta} for item_id, delta in pairs]

    return {
        "id": edit.id,
        "app_id": None,
        "created_at": at(edit.created_at),
        "committed_at": at(edit.created_at),
        "notify_customer": False,
        "order_id": order.id,
        "staff_note": edit.staff_note,
        "user_id": None,
        "line_items": {"additions": deltas(edit.additions), "removals": deltas(edit.removals)},
        "discounts": {"line_item": {"additions": [], "removals": []}},
        "shipping_lines": {"additions": [], "removals": []},
    }


def _brief(fulfillment_order: FulfillmentOrder, *, request_status: bool = False) -> Payload:
    brief: Payload = {
        "id": gid("FulfillmentOrder", fulfillment_order.id),
        "status": fulfillment_order.status.lower(),
    }
    if request_status:
        brief["request_status"] = fulfillment_order.request_status.lower()
    return brief


def _hold(hold: FulfillmentHold) -> Payload:
    return {
        "id": gid("FulfillmentHold", hold.id),
        "reason": hold.reason.lower(),
        "reason_notes": hold.reason_notes,
        "held_by_requesting_app": False,  # devshop's holds are the merchant's
        "handle": hold.handle,
        "held_by_app": None,
    }


def _clock(world: World, shop_domain: str) -> Callable[[datetime | None], str | None]:
    shop = world.shops.get(shop_domain)
    zone = ZoneInfo(shop.iana_timezone if shop else "UTC")

    def at(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(zone).isoformat(timespec="seconds")

    return at

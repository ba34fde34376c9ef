"""The Liquid objects of the classic customer pages (`shop`, `customer`, `order`), built from the
world as Shopify builds them from its database: lower-case statuses, times in the shop's zone,
`customer.orders` newest first, `order.customer_url` under `/account/orders/`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from devshop.world import Customer, Order, Shop, World

# Liquid's `order.fulfillment_status` only knows these; in-progress work reads "unfulfilled".
_FULFILLMENT = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
}


def order_token(order: Order) -> str:
    """The opaque part of an order's storefront URL (Shopify uses a secret token, not the id)."""
    return hashlib.sha256(f"{order.shop}/{order.id}".encode()).hexdigest()[:32]


def order_url(order: Order) -> str:
    return f"/account/orders/{order_token(order)}"


def customer_orders(world: World, shop: str, customer_id: int) -> list[Order]:
    world.settle_jobs()
    mine = [o for o in world.orders.values() if o.shop == shop and o.customer_id == customer_id]
    return sorted(mine, key=lambda o: (o.created_at, o.id), reverse=True)


def find_order(world: World, shop: str, customer_id: int, token: str) -> Order | None:
    """The signed-in customer's order behind `token` (or its id, a devshop shortcut for demos
    and tests); None for anyone else's, as if it did not exist."""
    orders = customer_orders(world, shop, customer_id)
    return next((o for o in orders if token in (order_token(o), str(o.id))), None)


def shop_drop(shop: Shop) -> dict[str, Any]:
    return {
        "id": shop.id,
        "name": shop.name,
        "permanent_domain": shop.domain,
        "domain": shop.domain,
        "url": f"https://{shop.domain}",
        "currency": shop.currency_code,
    }


def customer_drop(customer: Customer, orders: list[Order], tz: ZoneInfo) -> dict[str, Any]:
    name = f"{customer.first_name} {customer.last_name}".strip()
    return {
        "id": customer.id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": name,
        "email": customer.email,
        "orders": [order_drop(o, tz) for o in orders],
        "orders_count": len(orders),
        "has_account": True,
    }


def order_drop(order: Order, tz: ZoneInfo) -> dict[str, Any]:
    financial = order.display_financial_status.lower()
    fulfillment = _FULFILLMENT.get(order.display_fulfillment_status, "unfulfilled")
    return {
        "id": order.id,
        "name": order.name,
        "order_number": int(order.name.lstrip("#")) if order.name.lstrip("#").isdigit() else None,
        "confirmation_number": order.confirmation_number,
        "created_at": _local(order.created_at, tz),
        "cancelled": order.cancelled_at is not None,
        "cancelled_at": _local(order.cancelled_at, tz),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "financial_status": financial,
        "financial_status_label": financial.replace("_", " ").capitalize(),
        "fulfillment_status": fulfillment,
        "fulfillment_status_label": fulfillment.capitalize(),
        "tags": sorted(order.tags),
        # As the order stands after any edit: what was taken off is gone, a size shows.
        "line_items": [
            {
                "title": i.title,
                "quantity": i.current_quantity,
                "variant_title": i.variant.title if i.variant is not None else None,
            }
            for i in order.line_items
            if i.current_quantity > 0
        ],
        "customer_url": order_url(order),
        "shipping_address": None
        if order.shipping_country_code is None
        else {
            **{_snake(k): v for k, v in order.shipping_address.items()},
            "country_code": order.shipping_country_code,
        },
        "total_price": int(order.total_price * 100),
        "total_price_formatted": _money(order.total_price, order.currency_code),
    }


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return moment.astimezone(tz) if moment is not None else None


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"

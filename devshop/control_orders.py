"""`/_devshop/orders*`: new orders and the changes that happen to them, over HTTP.

Each endpoint calls the `devshop.order_actions` function of the same name, so it sends the
webhooks that change sends; it answers the order as `GET /_devshop/orders/{id}` does, 404 for an
unknown order, 409 for a change Shopify would refuse in the order's state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop import order_actions as actions
from devshop.control import bad_request, json_body, order_json
from devshop.seed import DemoCustomers, DemoProducts
from devshop.world import DEFAULT_SHOP, CancelRequest, Order, World

MAX_ORDERS = 10_000

Action = Callable[[World, Order, dict[str, Any]], object]

ACTIONS: dict[str, Action] = {
    "tags": lambda w, o, b: actions.set_tags(w, o, [str(t) for t in b["tags"]]),
    "start_fulfillment": lambda w, o, b: actions.start_fulfillment(w, o),
    "fulfill": lambda w, o, b: actions.fulfill(w, o, _quantities(b.get("line_items"))),
    "hold": lambda w, o, b: actions.place_hold(
        w, o, str(b.get("reason", "OTHER")), b.get("notes"), str(b.get("handle", ""))
    ),
    "release_hold": lambda w, o, b: actions.release_hold(w, o, b.get("hold_id")),
    "submit_fulfillment_request": lambda w, o, b: actions.submit_fulfillment_request(
        w, o, b.get("message")
    ),
    "accept_fulfillment_request": lambda w, o, b: actions.accept_fulfillment_request(
        w, o, b.get("message")
    ),
    "fulfillment_event": lambda w, o, b: actions.add_fulfillment_event(
        w, o, str(b.get("status", "DELIVERED")), b.get("message")
    ),
    "edit": lambda w, o, b: actions.commit_order_edit(
        w, o, _quantities(b["line_items"]) or {}, str(b.get("staff_note", ""))
    ),
    # The merchant cancels in the admin: orderCancel's job, as the backend's cancel runs it.
    "cancel": lambda w, o, b: w.start_cancel(
        o, CancelRequest(str(b.get("reason", "STAFF")), True, False, b.get("staff_note"), None)
    ),
}


def order_routes(world: World) -> list[Route]:
    async def create(request: Request) -> JSONResponse:
        body = await json_body(request)
        try:
            created = _create(world, body or {})
        except (KeyError, TypeError, ValueError) as error:
            return bad_request(f"invalid orders: {error}")
        return JSONResponse({"ids": [order.id for order in created]})

    async def change(request: Request) -> JSONResponse:
        action = ACTIONS.get(request.path_params["action"])
        if action is None:
            return JSONResponse({"error": f"no action; one of {sorted(ACTIONS)}"}, 404)
        try:
            order = world.order(int(request.path_params["order_id"]))
        except ValueError:
            order = None
        if order is None:
            return JSONResponse({"error": "order not found"}, status_code=404)
        body = await json_body(request)
        if body is None:
            return bad_request("expected a JSON object")
        try:
            action(world, order, body)
        except actions.OrderActionError as error:
            return JSONResponse({"error": str(error)}, status_code=409)
        except (KeyError, TypeError, ValueError) as error:
            return bad_request(f"invalid {request.path_params['action']}: {error}")
        return JSONResponse(order_json(order))

    return [
        Route("/_devshop/orders", create, methods=["POST"]),
        Route("/_devshop/orders/{order_id}/{action}", change, methods=["POST"]),
    ]


def _create(world: World, body: dict[str, Any]) -> list[Order]:
    """`{"count", "customer_id", "age_seconds", "shop", "product_ids", "quantities", "tags",
    "shipping_country"}`, all optional: by default one paid, unfulfilled order of a linen shirt
    for Ada, placed now, shipping to the Netherlands. With `quantities` (one per product), the
    order costs the products' prices."""
    count = int(body.get("count", 1))
    if not 0 < count <= MAX_ORDERS:
        raise ValueError(f"count must be between 1 and {MAX_ORDERS}")
    shop = str(body.get("shop", DEFAULT_SHOP))
    customer_id = body.get("customer_id", DemoCustomers.ADA)
    if customer_id is not None and int(customer_id) not in world.customers:
        raise ValueError(f"no customer {customer_id}")
    product_ids = body.get("product_ids", [DemoProducts.LINEN_SHIRT])
    products = [world.products[int(p)] for p in product_ids]
    age = timedelta(seconds=float(body.get("age_seconds", 0)))
    tags = [str(t) for t in body.get("tags", [])]
    quantities = body.get("quantities")
    if quantities is not None:
        quantities = [int(n) for n in quantities]
        if len(quantities) != len(products) or min(quantities, default=1) < 1:
            raise ValueError("quantities: one positive quantity per product")
    country = body.get("shipping_country", "NL")
    return [
        actions.create_order(
            world,
            shop=shop,
            customer_id=None if customer_id is None else int(customer_id),
            products=products,
            tags=tags,
            age=age,
            quantities=quantities,
            shipping_country=None if country is None else str(country),
        )
        for _ in range(count)
    ]


def _quantities(value: Any) -> dict[int, int] | None:
    """`{"<line item id>": quantity}` from JSON; None for absent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("line_items must be an object of line item id to quantity")
    return {int(k): int(v) for k, v in value.items()}

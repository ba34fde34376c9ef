"""`/_devshop/orders*`: new orders and their changes over HTTP, each sending its webhooks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devshop.seed import DemoCustomers, DemoOrders
from tests.conftest import ADA, Stack, cancel
from tests.devshop.conftest import Shopify


async def post(shopify: Shopify, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return await shopify.client.post(path, json=body or {})


async def created(shopify: Shopify, **body: Any) -> list[int]:
    response = await post(shopify, "/_devshop/orders", body)
    assert response.status_code == 200, response.text
    ids: list[int] = response.json()["ids"]
    return ids


async def test_post_orders_creates_them_and_each_one_is_told(shopify: Shopify) -> None:
    ids = await created(shopify, count=3, customer_id=DemoCustomers.BOB, tags=["flash"])
    received = await shopify.settled()

    assert len(set(ids)) == 3
    assert [r.payload["id"] for r in received.of("orders/create")] == ids
    for order_id in ids:
        order = shopify.world.orders[order_id]
        assert (order.customer_id, order.tags, order.created_at) == (
            DemoCustomers.BOB,
            ["flash"],
            shopify.world.now(),
        )


async def test_an_order_through_its_life_over_http(shopify: Shopify) -> None:
    (order_id,) = await created(shopify)
    shopify.world.advance(shopify.world.routing_delay)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("tags", {"tags": ["vip"]}),
        ("hold", {"reason": "INCORRECT_ADDRESS", "notes": "check the street"}),
        ("release_hold", {}),
        ("start_fulfillment", {}),
        ("fulfill", {}),
        ("fulfillment_event", {"status": "DELIVERED"}),
    ]
    for action, body in steps:
        response = await post(shopify, f"/_devshop/orders/{order_id}/{action}", body)
        assert response.status_code == 200, (action, response.text)
    received = await shopify.settled()

    assert [t for t in received.topics() if t != "orders/updated"] == [
        "orders/create",
        "fulfillment_orders/order_routing_complete",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/hold_released",
        "orders/fulfilled",
        "fulfillment_events/create",
    ]
    assert received.topics().count("orders/updated") == len(steps)
    final = response.json()
    assert final["display_fulfillment_status"] == "FULFILLED"
    assert final["tags"] == ["vip"]


async def test_a_merchants_cancel_over_http(shopify: Shopify) -> None:
    response = await post(shopify, f"/_devshop/orders/{DemoOrders.CANCELLABLE}/cancel")
    shopify.world.advance(1)
    received = await shopify.settled()

    assert response.status_code == 200
    (cancelled,) = received.of("orders/cancelled")
    assert cancelled.payload["cancel_reason"] == "staff"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (f"/_devshop/orders/{DemoOrders.ALREADY_CANCELLED}/fulfill", {}, 409),
        (f"/_devshop/orders/{DemoOrders.FULFILLED}/hold", {}, 409),
        (f"/_devshop/orders/{DemoOrders.CANCELLABLE}/release_hold", {}, 409),
        (f"/_devshop/orders/{DemoOrders.CANCELLABLE}/fulfill", {"line_items": {"1": 1}}, 409),
        (f"/_devshop/orders/{DemoOrders.CANCELLABLE}/tags", {}, 400),
        (f"/_devshop/orders/{DemoOrders.CANCELLABLE}/explode", {}, 404),
        ("/_devshop/orders/1/tags", {"tags": []}, 404),
        ("/_devshop/orders", {"count": 0}, 400),
        ("/_devshop/orders", {"customer_id": 999}, 400),
    ],
)
async def test_a_change_that_cannot_happen_is_refused(
    shopify: Shopify, path: str, body: dict[str, Any], status: int
) -> None:
    response = await post(shopify, path, body)

    assert response.status_code == status, response.text
    assert (await shopify.settled()).received == []


async def test_created_orders_reach_the_real_backend_and_can_be_cancelled(stack: Stack) -> None:
    """The whole product: devshop's webhooks to the backend's /webhooks, then a cancel."""
    devshop = httpx.ASGITransport(app=stack.served_devshop)
    async with httpx.AsyncClient(transport=devshop, base_url="http://devshop.test") as control:
        response = await control.post("/_devshop/orders", json={"count": 2, "customer_id": ADA})
    ids = response.json()["ids"]
    stack.world.advance(1)
    async with stack.shopper(ADA) as ada:
        result = await cancel(ada, ids[0])
    stack.world.advance(1)
    sender = stack.devshop.state.webhooks
    await sender.drain()

    assert result["__typename"] == "CancelOrderSuccess"
    topics = {d.topic for d in sender.deliveries}
    assert {"orders/create", "fulfillment_orders/order_routing_complete"} <= topics
    assert {"orders/cancelled", "orders/updated", "fulfillment_orders/cancelled"} <= topics
    assert sender.deliveries and all(d.status == 200 for d in sender.deliveries)

"""Buy again: on cancelled and fulfilled orders, a cart permalink with the ordered variants still
for sale, the others named; following it fills devshop's cart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from devshop.seed import DemoCustomers, DemoOrders, DemoProducts
from devshop.world import Order, Product
from tests.conftest import Stack, graphql

QUERY = "query($id: ID!) { order(id: $id) { buyAgainUrl buyAgainUnavailable } }"
TOTE = 7003


def cancelled_order(stack: Stack) -> Order:
    world = stack.world
    world.add_product(Product(TOTE, "Canvas tote", [], price=Decimal("15.00")))
    products = [world.products[DemoProducts.LINEN_SHIRT], world.products[TOTE]]
    return world.add_order(
        customer_id=DemoCustomers.ADA,
        products=products,
        quantities=[2, 1],
        cancelled_at=world.now(),
    )


async def buy_again(client: httpx.AsyncClient, order_id: int) -> dict[str, Any]:
    response = await graphql(client, QUERY, {"id": str(order_id)})
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["order"]
    return found


async def test_a_cancelled_order_offers_its_items_again(stack: Stack) -> None:
    order = cancelled_order(stack)

    async with stack.shopper() as ada:
        found = await buy_again(ada, order.id)
        cart = await ada.get(found["buyAgainUrl"], follow_redirects=True)

    assert found == {
        "buyAgainUrl": f"/cart/70011:2,70031:1?storefront=true"
        f"&attributes[cancel_button_buy_again]={order.id}",
        "buyAgainUnavailable": [],
    }
    assert cart.url.path == "/cart"
    assert "Linen shirt</td><td>2</td>" in cart.text and "Canvas tote</td><td>1</td>" in cart.text


async def test_items_no_longer_for_sale_are_named_and_left_out(stack: Stack) -> None:
    order = cancelled_order(stack)
    stack.world.products[TOTE].available = False

    async with stack.shopper() as ada:
        found = await buy_again(ada, order.id)

    assert found["buyAgainUrl"].startswith("/cart/70011:2?")
    assert found["buyAgainUnavailable"] == ["Canvas tote"]


async def test_an_open_order_offers_no_buy_again(stack: Stack) -> None:
    async with stack.shopper() as ada:
        found = await buy_again(ada, DemoOrders.CANCELLABLE)

    assert found == {"buyAgainUrl": None, "buyAgainUnavailable": []}


async def test_someone_elses_order_offers_nothing(stack: Stack) -> None:
    order = cancelled_order(stack)

    async with stack.shopper(DemoCustomers.BOB) as bob:
        found = await graphql(bob, QUERY, {"id": str(order.id)})

    assert found.json()["data"]["order"] is None

"""devshop's cart permalinks: `/cart/{variant}:{quantity},...` fills a new cart with the variants
still for sale, keeps `attributes[...]`, and checking out places an order carrying them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from devshop.seed import DemoCustomers, DemoProducts
from devshop.session import CUSTOMER_COOKIE, cookie_value
from devshop.settings import DEMO_SHOP, DevshopSettings
from devshop.storefront import storefront_routes
from devshop.world import World

SHIRT_VARIANT = DemoProducts.LINEN_SHIRT * 10 + 1
PRINT_VARIANT = DemoProducts.MADE_TO_ORDER_PRINT * 10 + 1


@pytest.fixture
async def ada(devshop_world: World) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=storefront_routes(devshop_world, DevshopSettings()))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"https://{DEMO_SHOP}",
        cookies={CUSTOMER_COOKIE: cookie_value(DEMO_SHOP, DemoCustomers.ADA)},
        follow_redirects=True,
    ) as client:
        yield client


async def test_a_permalink_fills_the_cart_and_leaves_out_what_is_sold_out(
    ada: httpx.AsyncClient, devshop_world: World
) -> None:
    devshop_world.products[DemoProducts.MADE_TO_ORDER_PRINT].available = False

    response = await ada.get(f"/cart/{SHIRT_VARIANT}:2,{PRINT_VARIANT}:1,999991:1?storefront=true")

    assert response.url.path == "/cart"
    assert f'data-variant="{SHIRT_VARIANT}"><td>Linen shirt</td><td>2</td>' in response.text
    assert "Made to order print" not in response.text


async def test_checkout_places_an_order_with_the_carts_attributes(
    ada: httpx.AsyncClient, devshop_world: World
) -> None:
    await ada.get(f"/cart/{SHIRT_VARIANT}:2?attributes[cancel_button_buy_again]=5001")

    placed = await ada.post("/cart/checkout")

    order = max(devshop_world.orders.values(), key=lambda o: o.id)
    assert placed.status_code == 200 and placed.url.path == f"/account/orders/{order.id}"
    assert order.note_attributes == {"cancel_button_buy_again": "5001"}
    assert [(i.title, i.quantity) for i in order.line_items] == [("Linen shirt", 2)]
    assert str(order.total_price) == "49.90"


async def test_a_new_permalink_replaces_the_cart(ada: httpx.AsyncClient) -> None:
    await ada.get(f"/cart/{SHIRT_VARIANT}:2")

    response = await ada.get(f"/cart/{PRINT_VARIANT}:1")

    assert "Linen shirt" not in response.text and "Made to order print" in response.text

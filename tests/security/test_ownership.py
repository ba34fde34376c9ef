"""Other people's orders look exactly like orders that do not exist, and stay untouched.

These go through devshop's App Proxy, as a shopper's browser does.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devshop.seed import DemoOrders
from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, Stack
from tests.security.conftest import BOB, CANCELLABLE, Witness

NOT_FOUND = {
    "data": {
        "cancelOrder": {
            "__typename": "CancelOrderRefused",
            "code": "NOT_FOUND",
            "message": "We couldn't find that order.",
        }
    }
}
NO_ORDER = {"data": {"order": None}}
ADAS_ORDERS = {
    DemoOrders.CANCELLABLE,
    DemoOrders.FULFILLED,
    DemoOrders.WINDOW_CLOSED,
    DemoOrders.EXCLUDED_PRODUCT,
    DemoOrders.EXCLUDED_ORDER,
    DemoOrders.ALREADY_CANCELLED,
    DemoOrders.PARTIALLY_REFUNDED,
    DemoOrders.FULFILLMENT_IN_PROGRESS,
    DemoOrders.RISK_CANCEL,
    DemoOrders.CANCELLABLE_10_MIN,
    DemoOrders.SUBMITTED_TO_SERVICE,
    DemoOrders.SPARE_2_MIN,
    DemoOrders.SPARE_15_MIN,
    DemoOrders.SPARE_30_MIN,
}

NOT_ADAS = {
    "Bob's order by number": str(DemoOrders.BOBS_ORDER),
    "Bob's order by GID": f"gid://shopify/Order/{DemoOrders.BOBS_ORDER}",
    "another shop's order by number": str(DemoOrders.OTHER_SHOP_ORDER),
    "another shop's order by GID": f"gid://shopify/Order/{DemoOrders.OTHER_SHOP_ORDER}",
    "a customer's GID": "gid://shopify/Customer/1001",
    "a product's GID": "gid://shopify/Product/7001",
    "an order GID of another app": f"gid://other/Order/{CANCELLABLE}",
    "an order that does not exist": "4999",
}


async def ask(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> httpx.Response:
    response = await client.post(
        "/apps/cancel/graphql", json={"query": query, "variables": variables}
    )
    assert response.status_code == 200, response.text
    return response


async def cancel_as(client: httpx.AsyncClient, order_id: str) -> httpx.Response:
    variables = {"input": {"orderId": order_id, "reason": "ORDERED_BY_MISTAKE"}}
    return await ask(client, CANCEL_MUTATION, variables)


@pytest.mark.parametrize("case", NOT_ADAS)
async def test_an_order_not_adas_reads_as_null(prod: Stack, witness: Witness, case: str) -> None:
    async with prod.shopper() as ada:
        response = await ask(ada, ORDER_QUERY, {"id": NOT_ADAS[case]})
    assert response.json() == NO_ORDER
    await witness.nothing_changed()


@pytest.mark.parametrize("case", NOT_ADAS)
async def test_an_order_not_adas_cannot_be_cancelled(
    prod: Stack, witness: Witness, case: str
) -> None:
    async with prod.shopper() as ada:
        response = await cancel_as(ada, NOT_ADAS[case])
    assert response.json() == NOT_FOUND
    await witness.nothing_changed()


async def test_a_signed_out_visitor_sees_and_cancels_nothing(prod: Stack, witness: Witness) -> None:
    async with prod.shopper(customer=None) as visitor:
        read = await ask(visitor, ORDER_QUERY, {"id": str(CANCELLABLE)})
        cancel = await cancel_as(visitor, str(CANCELLABLE))
    assert read.json() == NO_ORDER
    assert cancel.json() == NOT_FOUND
    await witness.nothing_changed()


async def test_bob_cannot_cancel_adas_order(prod: Stack, witness: Witness) -> None:
    async with prod.shopper(customer=BOB) as bob:
        response = await cancel_as(bob, f"gid://shopify/Order/{CANCELLABLE}")
    assert response.json() == NOT_FOUND
    await witness.nothing_changed()


async def test_shopify_parameters_in_the_storefront_url_do_not_change_the_viewer(
    prod: Stack, witness: Witness
) -> None:
    # Shopify sets these itself; whatever the browser put in the URL is not what is signed.
    async with prod.shopper() as ada:
        response = await ada.post(
            "/apps/cancel/graphql",
            params={"logged_in_customer_id": str(BOB), "shop": "other-shop.myshopify.com"},
            json={"query": ORDER_QUERY, "variables": {"id": str(DemoOrders.BOBS_ORDER)}},
        )
    assert (response.status_code, response.json()) == (200, NO_ORDER)
    await witness.nothing_changed()


async def test_walking_order_numbers_finds_only_adas_and_nothing_else_tells(
    prod: Stack, witness: Witness
) -> None:
    reads: dict[int, bytes] = {}
    async with prod.shopper() as ada:
        for order_id in range(5000, 5021):
            reads[order_id] = (await ask(ada, ORDER_QUERY, {"id": str(order_id)})).content
    found = {order_id for order_id, content in reads.items() if b'"order":null' not in content}
    assert found == ADAS_ORDERS
    others = {reads[order_id] for order_id in reads.keys() - ADAS_ORDERS}
    assert others == {b'{"data":{"order":null}}'}
    await witness.nothing_changed()


async def test_refusals_for_bobs_and_missing_orders_are_byte_identical(
    prod: Stack, witness: Witness
) -> None:
    async with prod.shopper() as ada:
        answers = {
            (await cancel_as(ada, order_id)).content
            for order_id in ("5000", str(DemoOrders.BOBS_ORDER), "5020", "999999999")
        }
    assert len(answers) == 1
    await witness.nothing_changed()

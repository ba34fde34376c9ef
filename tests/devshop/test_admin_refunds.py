"""devshop's refundCreate on the real Admin schema: `@idempotent` keys (a retry refunds once,
another input under one key is refused), CANCEL restocking of unfulfilled items, transactions
capped at the net payment, store credit, and suggestedRefund's amounts."""

from __future__ import annotations

from typing import Any

import httpx

from backend.shopify import documents
from devshop.admin_refunds import IDEMPOTENCY_MISMATCH
from devshop.seed import DemoCustomers, DemoProducts
from devshop.world import Order, World
from tests.devshop.conftest import admin_data, admin_post


def order_of_two_shirts(world: World, *, financial_status: str = "PAID") -> Order:
    shirt = world.products[DemoProducts.LINEN_SHIRT]
    return world.add_order(
        customer_id=DemoCustomers.ADA,
        products=[shirt],
        quantities=[2],
        shipping_price="4.95",
        financial_status=financial_status,
    )


def cancel_one(order: Order, amount: str = "24.95") -> dict[str, Any]:
    order_gid = f"gid://shopify/Order/{order.id}"
    return {
        "orderId": order_gid,
        "note": "Cancelled by the customer",
        "refundLineItems": [
            {
                "lineItemId": f"gid://shopify/LineItem/{order.line_items[0].id}",
                "quantity": 1,
                "restockType": "CANCEL",
            }
        ],
        "transactions": [
            {
                "orderId": order_gid,
                "amount": amount,
                "gateway": "shopify_payments",
                "kind": "REFUND",
            }
        ],
    }


async def refund(
    client: httpx.AsyncClient, refund_input: dict[str, Any], key: str
) -> dict[str, Any]:
    response = await admin_post(
        client,
        documents.load(documents.REFUND_CREATE),
        {"input": refund_input, "idempotencyKey": key},
    )
    body: dict[str, Any] = response.json()
    return body


async def test_a_cancel_refund_takes_the_unit_off_and_gives_its_price_back(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)

    body = await refund(admin_client, cancel_one(order), "cancel-1")

    result = body["data"]["refundCreate"]
    assert result["userErrors"] == []
    assert result["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "24.95"
    assert order.line_items[0].current_quantity == 1
    assert order.display_financial_status == "PARTIALLY_REFUNDED"
    assert len(order.refunds) == 1


async def test_a_retry_with_the_same_key_refunds_once(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)

    first = await refund(admin_client, cancel_one(order), "cancel-1")
    again = await refund(admin_client, cancel_one(order), "cancel-1")

    assert (
        again["data"]["refundCreate"]["refund"]["id"]
        == (first["data"]["refundCreate"]["refund"]["id"])
    )
    assert len(order.refunds) == 1 and order.line_items[0].current_quantity == 1


async def test_the_same_key_with_other_input_is_refused_and_moves_nothing(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)
    await refund(admin_client, cancel_one(order), "cancel-1")

    other = await refund(admin_client, cancel_one(order, "20.00"), "cancel-1")

    assert other["data"]["refundCreate"] is None
    assert [e["extensions"]["code"] for e in other["errors"]] == [IDEMPOTENCY_MISMATCH]
    assert len(order.refunds) == 1


async def test_a_refund_without_a_key_is_refused(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)
    text = (
        documents.load(documents.REFUND_CREATE)
        .replace(" @idempotent(key: $idempotencyKey)", "")
        .replace(", $idempotencyKey: String!", "")
    )

    body = (await admin_post(admin_client, text, {"input": cancel_one(order)})).json()

    assert body["data"]["refundCreate"] is None and order.refunds == []


async def test_more_than_was_paid_is_refused(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)

    body = await refund(admin_client, cancel_one(order, "100.00"), "too-much")

    assert body["data"]["refundCreate"]["userErrors"][0]["field"] == ["transactions"]
    assert order.refunds == [] and order.line_items[0].current_quantity == 2


async def test_an_authorised_only_order_has_nothing_to_refund(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world, financial_status="AUTHORIZED")

    body = await refund(admin_client, cancel_one(order), "authorised")

    assert body["data"]["refundCreate"]["userErrors"]
    assert order.refunds == []


async def test_cancel_restock_covers_only_unfulfilled_units(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)
    order.line_items[0].fulfilled_quantity = 2

    body = await refund(admin_client, cancel_one(order), "fulfilled")

    errors = body["data"]["refundCreate"]["userErrors"]
    assert errors[0]["field"] == ["refundLineItems", "0", "restockType"]


async def test_store_credit_goes_to_the_customer(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)
    refund_input = cancel_one(order)
    del refund_input["transactions"]
    refund_input["refundMethods"] = [
        {"storeCreditRefund": {"amount": {"amount": "24.95", "currencyCode": "EUR"}}}
    ]

    body = await refund(admin_client, refund_input, "credit")

    assert body["data"]["refundCreate"]["userErrors"] == []
    assert str(devshop_world.store_credit[DemoCustomers.ADA]) == "24.95"


async def test_suggested_refund_prices_the_items_and_shipping_only_when_asked(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = order_of_two_shirts(devshop_world)
    lines = [
        {
            "lineItemId": f"gid://shopify/LineItem/{order.line_items[0].id}",
            "quantity": 2,
            "restockType": "CANCEL",
        }
    ]
    query = documents.load(documents.ORDER_REFUNDS)
    order_gid = f"gid://shopify/Order/{order.id}"

    items = await admin_data(admin_client, query, {"id": order_gid, "refundLineItems": lines})
    everything = await admin_data(
        admin_client, query, {"id": order_gid, "refundLineItems": lines, "refundShipping": True}
    )

    suggested = items["order"]["suggestedRefund"]
    assert suggested["amountSet"]["shopMoney"]["amount"] == "49.90"
    assert suggested["suggestedTransactions"][0]["parentTransaction"]["id"].startswith(
        "gid://shopify/OrderTransaction/"
    )
    assert everything["order"]["suggestedRefund"]["amountSet"]["shopMoney"]["amount"] == "54.85"

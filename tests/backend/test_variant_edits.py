"""The size or colour change (issue 13), end to end on devshop: another variant of the same
product added, the old line taken to 0 (restocked), committed with our staff note; the price
difference refunded or owed, none when equal; stock checked, and each Shopify step failing once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from backend.edit.rules import EditRules
from backend.policy import ShopPolicy
from devshop.records import Order, Product, Variant
from devshop.seed import DemoCustomers, DemoProducts, DemoVariants
from tests.backend.test_extensions_graphql import post, session_token
from tests.conftest import Stack, graphql, running_stack

SHOP = "demo-shop"
EDIT = """
mutation Edit($input: EditOrderInput!) {
  editOrder(input: $input) {
    __typename
    ... on EditOrderSuccess { type difference { amount currencyCode paymentUrl } }
    ... on EditOrderRefused { code fieldErrors { field problem } }
  }
}
"""
ITEMS = """
query($id: ID!) { order(id: $id) { editOptions { types
  items { id variantId variantTitle unitPrice variants { id title price inStock } } } } }
"""


def vgid(number: int) -> str:
    return f"gid://shopify/ProductVariant/{number}"


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, admin_timeout=0.5, admin_retry_budget=0.0) as running:
        await running.store.save_policy(SHOP, ShopPolicy(edits=EditRules(variant=True)))
        yield running


def shirt(stack: Stack) -> Product:
    return stack.world.products[DemoProducts.LINEN_SHIRT]


def size(stack: Stack, number: int) -> Variant:
    return next(v for v in shirt(stack).variants if v.id == number)


def two_shirts(stack: Stack, in_size: int = DemoVariants.SHIRT_S) -> Order:
    """Ada's paid order of two linen shirts in one size."""
    order = stack.world.add_order(
        customer_id=DemoCustomers.ADA, products=[shirt(stack)], quantities=[2]
    )
    chosen = size(stack, in_size)
    if chosen.id != DemoVariants.SHIRT_S:
        # As if checked out in that size: its price, paid.
        item = order.line_items[0]
        item.variant, item.unit_price = chosen, chosen.price
        order.total_price = chosen.price * 2
        order.transactions[0].amount = order.total_price
    return order


async def swap(stack: Stack, order: Order, variant: str, line: str | None = None) -> dict[str, Any]:
    line_item = line or f"gid://shopify/LineItem/{order.line_items[0].id}"
    given = {"orderId": str(order.id), "variant": {"lineItemId": line_item, "variantId": variant}}
    async with stack.shopper() as ada:
        response = await graphql(ada, EDIT, {"input": {**given, "reason": "WRONG_SIZE_OR_COLOUR"}})
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["editOrder"]
    return result


def sizes_on(order: Order) -> list[tuple[str, int]]:
    return [
        (item.variant.title if item.variant else "-", item.current_quantity)
        for item in order.line_items
    ]


def refunds(order: Order) -> list[Decimal]:
    return [refund.total for refund in order.refunds]


async def test_a_size_at_the_same_price_moves_no_money(stack: Stack) -> None:
    order = two_shirts(stack)
    s_before, m_before = size(stack, DemoVariants.SHIRT_S).inventory, size(stack, 70012).inventory

    result = await swap(stack, order, vgid(DemoVariants.SHIRT_M))
    await stack.settle()

    assert result == {"__typename": "EditOrderSuccess", "type": "VARIANT", "difference": None}
    assert sizes_on(order) == [("S", 0), ("M", 2)]
    assert size(stack, DemoVariants.SHIRT_S).inventory == (s_before or 0) + 2  # restocked
    assert size(stack, DemoVariants.SHIRT_M).inventory == (m_before or 0) - 2
    assert order.staff_note == "Changed by the customer instead of cancelling: Linen shirt, S → M."
    assert refunds(order) == [] and stack.admin_calls("refundCreate") == 0
    [attempt] = await stack.store.edits(SHOP, since=order.created_at)
    assert (attempt.kind, attempt.reason_code) == ("VARIANT", "WRONG_SIZE_OR_COLOUR")


async def test_a_dearer_size_is_owed_through_the_payment_link(stack: Stack) -> None:
    order = two_shirts(stack)

    result = await swap(stack, order, vgid(DemoVariants.SHIRT_L))
    await stack.settle()

    assert result["difference"] == {
        "amount": "10.00",
        "currencyCode": "EUR",
        "paymentUrl": f"https://{order.shop}/1/orders/{order.id}/pay",
    }
    assert sizes_on(order) == [("S", 0), ("L", 2)]
    assert refunds(order) == []
    [flow] = [t.payload for t in stack.world.flow_triggers if t.handle == "cancel-edited"]
    assert (flow["Change"], flow["Refund"], flow["Owed"]) == ("VARIANT", 0, 10.0)


async def test_a_cheaper_size_is_refunded_once(stack: Stack) -> None:
    order = two_shirts(stack, DemoVariants.SHIRT_L)

    result = await swap(stack, order, vgid(DemoVariants.SHIRT_M))
    await stack.settle()

    assert result["difference"]["amount"] == "-10.00"
    assert sizes_on(order) == [("L", 0), ("M", 2)]
    assert refunds(order) == [Decimal("10.00")]


async def test_the_sizes_come_with_their_price_and_stock(stack: Stack) -> None:
    order = two_shirts(stack)
    async with stack.shopper() as ada:
        response = await graphql(ada, ITEMS, {"id": str(order.id)})

    [item] = response.json()["data"]["order"]["editOptions"]["items"]
    assert (item["variantId"], item["variantTitle"], item["unitPrice"]) == (
        vgid(DemoVariants.SHIRT_S),
        "S",
        "24.95",
    )
    assert item["variants"] == [
        {"id": vgid(DemoVariants.SHIRT_M), "title": "M", "price": "24.95", "inStock": True},
        {"id": vgid(DemoVariants.SHIRT_L), "title": "L", "price": "29.95", "inStock": True},
        {"id": vgid(DemoVariants.SHIRT_XL), "title": "XL", "price": "29.95", "inStock": False},
    ]


async def test_the_size_change_through_the_extensions_endpoint(stack: Stack) -> None:
    order = two_shirts(stack)
    line = f"gid://shopify/LineItem/{order.line_items[0].id}"
    change = {"lineItemId": line, "variantId": vgid(DemoVariants.SHIRT_M)}

    response = await post(
        stack, EDIT, {"input": {"orderId": str(order.id), "variant": change}}, session_token()
    )

    assert response.json()["data"]["editOrder"]["type"] == "VARIANT"
    assert sizes_on(order) == [("S", 0), ("M", 2)]


@pytest.mark.parametrize(
    ("variant", "code"),
    [
        pytest.param(vgid(DemoVariants.SHIRT_XL), "OUT_OF_STOCK", id="sold-out"),
        pytest.param(vgid(99_999), "UNKNOWN_VARIANT", id="unknown"),
        pytest.param(
            vgid(DemoProducts.MADE_TO_ORDER_PRINT * 10 + 1), "UNKNOWN_VARIANT", id="other"
        ),
        pytest.param(vgid(DemoVariants.SHIRT_S), "UNKNOWN_VARIANT", id="same"),
        pytest.param("small please", "UNKNOWN_VARIANT", id="garbage"),
    ],
)
async def test_a_bad_variant_is_refused_and_nothing_changes(
    stack: Stack, variant: str, code: str
) -> None:
    order = two_shirts(stack)

    result = await swap(stack, order, variant)

    assert result["code"] == code
    assert result["fieldErrors"] == [{"field": "variantId", "problem": "INVALID"}]
    assert sizes_on(order) == [("S", 2)]
    assert stack.admin_calls("orderEditBegin") == 0


async def test_size_changes_follow_the_merchants_switch(stack: Stack) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(edits=EditRules(quantity=True)))
    order = two_shirts(stack)

    result = await swap(stack, order, vgid(DemoVariants.SHIRT_M))

    assert result["code"] == "DISABLED"
    assert sizes_on(order) == [("S", 2)]


@pytest.mark.parametrize(
    "field",
    ["order", "orderEditBegin", "orderEditAddVariant", "orderEditSetQuantity", "orderEditCommit"],
)
async def test_a_step_failing_once_changes_nothing_and_the_retry_swaps_once(
    stack: Stack, field: str
) -> None:
    order = two_shirts(stack, DemoVariants.SHIRT_L)
    stack.faults.fail(503, field=field, times=1)

    first = await swap(stack, order, vgid(DemoVariants.SHIRT_M))
    assert sizes_on(order) == [("L", 2)]
    second = await swap(stack, order, vgid(DemoVariants.SHIRT_M))
    await stack.settle()

    assert first["code"] == "TRY_AGAIN"
    assert second["type"] == "VARIANT"
    assert sizes_on(order) == [("L", 0), ("M", 2)]
    assert refunds(order) == [Decimal("10.00")]


async def test_a_swap_whose_commit_answer_is_lost_is_settled_by_the_retry(stack: Stack) -> None:
    order = two_shirts(stack, DemoVariants.SHIRT_L)
    stack.faults.fail_after_execute(502, field="orderEditCommit", times=1)

    first = await swap(stack, order, vgid(DemoVariants.SHIRT_M))
    committed = sizes_on(order)
    second = await swap(stack, order, vgid(DemoVariants.SHIRT_M))
    await stack.settle()

    assert first["code"] == "TRY_AGAIN"
    assert committed == [("L", 0), ("M", 2)]
    assert second["difference"]["amount"] == "-10.00"
    assert stack.admin_calls("orderEditCommit") == 1
    assert refunds(order) == [Decimal("10.00")]

"""The quantity edit (issue 13), end to end on devshop: Shopify's order editing (begin, set the
quantity, commit with our staff note), the lower total refunded once with `@idempotent`, the
higher one owed through Shopify's payment link, stock checked, and each Shopify step failing once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from backend.edit.rules import EditRules
from backend.policy import RefundMethod, ShopPolicy
from backend.store.base import EditOutcome
from devshop.records import Order
from devshop.seed import DemoCustomers, DemoOrders, DemoProducts
from tests.backend.test_extensions_graphql import post, session_token
from tests.conftest import Stack, graphql, running_stack

SHOP = "demo-shop"
EDIT = """
mutation Edit($input: EditOrderInput!) {
  editOrder(input: $input) {
    __typename
    ... on EditOrderSuccess { type difference { amount currencyCode paymentUrl } }
    ... on EditOrderRefused { code message fieldErrors { field problem } }
  }
}
"""


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """A stack whose backend does not retry Shopify itself: one failure is one TRY_AGAIN."""
    async with running_stack(tmp_path, admin_timeout=0.5, admin_retry_budget=0.0) as running:
        await running.store.save_policy(SHOP, ShopPolicy(edits=EditRules(quantity=True)))
        yield running


def three_shirts(stack: Stack) -> Order:
    """Ada's order of three linen shirts at 24.95, paid."""
    shirt = stack.world.products[DemoProducts.LINEN_SHIRT]
    return stack.world.add_order(customer_id=DemoCustomers.ADA, products=[shirt], quantities=[3])


async def edit(
    stack: Stack, order: Order | int, quantity: Any, line: Any = None, **extra: Any
) -> dict[str, Any]:
    found = stack.world.orders[order if isinstance(order, int) else order.id]
    line_item = line if line is not None else f"gid://shopify/LineItem/{found.line_items[0].id}"
    given = {"orderId": str(found.id), "quantity": {"lineItemId": line_item, "quantity": quantity}}
    async with stack.shopper() as ada:
        response = await graphql(ada, EDIT, {"input": {**given, **extra}})
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["editOrder"]
    return result


def quantity_of(order: Order) -> int:
    return order.line_items[0].current_quantity


def refunds(stack: Stack) -> list[Decimal]:
    return [refund.total for order in stack.world.orders.values() for refund in order.refunds]


def stock(stack: Stack) -> int | None:
    """Size S's, the size every seeded shirt order holds."""
    return stack.world.products[DemoProducts.LINEN_SHIRT].variants[0].inventory


async def edits(stack: Stack) -> list[Any]:
    return await stack.store.edits(SHOP, since=datetime(2000, 1, 1, tzinfo=UTC))


# Down, up ------------------------------------------------------------------------------------


async def test_fewer_items_are_refunded_once_and_go_back_in_stock(stack: Stack) -> None:
    order = three_shirts(stack)
    before = stock(stack)

    result = await edit(stack, order, 1, reason="ORDERED_BY_MISTAKE")
    await stack.settle()
    await stack.settle()

    assert result == {
        "__typename": "EditOrderSuccess",
        "type": "QUANTITY",
        "difference": {"amount": "-49.90", "currencyCode": "EUR", "paymentUrl": None},
    }
    assert quantity_of(order) == 1
    assert stock(stack) == (before or 0) + 2
    assert refunds(stack) == [Decimal("49.90")]
    assert order.refunds[0].transactions[0].parent_id == order.transactions[0].id
    assert order.staff_note == (
        "Changed by the customer instead of cancelling: Linen shirt, quantity 3 → 1."
    )
    [call] = [c for c in stack.world.calls_for("refundCreate") if c.executed]
    [attempt] = [a for a in await edits(stack) if a.order_id.endswith(str(order.id))]
    assert (attempt.outcome, attempt.refund_state, attempt.amount) == (
        EditOutcome.EDITED,
        "REFUNDED",
        Decimal("-49.90"),
    )
    assert attempt.reason_code == "ORDERED_BY_MISTAKE"
    assert call.variables["idempotencyKey"] == f"cancel-button-edit-{SHOP}-{attempt.id}"


async def test_more_items_are_owed_through_shopifys_payment_link(stack: Stack) -> None:
    order = stack.world.orders[DemoOrders.CANCELLABLE]  # one shirt at 49.95
    before = stock(stack)

    result = await edit(stack, order, 2)
    await stack.settle()

    difference = result["difference"]
    assert (difference["amount"], difference["currencyCode"]) == ("49.95", "EUR")
    assert difference["paymentUrl"] == (f"https://{order.shop}/1/orders/{order.id}/pay")
    assert quantity_of(order) == 2
    assert stock(stack) == (before or 0) - 1
    assert refunds(stack) == []


async def test_store_credit_shops_refund_the_difference_as_store_credit(stack: Stack) -> None:
    rules = ShopPolicy(edits=EditRules(quantity=True), refund_method=RefundMethod.STORE_CREDIT)
    await stack.store.save_policy(SHOP, rules)
    order = three_shirts(stack)

    await edit(stack, order, 2)
    await stack.settle()

    assert order.refunds[0].store_credit == Decimal("24.95")
    assert order.refunds[0].transactions == []
    assert stack.world.store_credit[DemoCustomers.ADA] == Decimal("24.95")


async def test_the_quantity_edit_through_the_extensions_endpoint(stack: Stack) -> None:
    order = three_shirts(stack)
    line = f"gid://shopify/LineItem/{order.line_items[0].id}"
    variables = {
        "input": {"orderId": str(order.id), "quantity": {"lineItemId": line, "quantity": 2}}
    }

    response = await post(stack, EDIT, variables, session_token())

    assert response.json()["data"]["editOrder"]["type"] == "QUANTITY"
    assert quantity_of(order) == 2


# Refusals: nothing changes -------------------------------------------------------------------


async def test_more_than_is_in_stock_is_refused(stack: Stack) -> None:
    stack.world.products[DemoProducts.LINEN_SHIRT].variants[0].inventory = 1
    order = stack.world.orders[DemoOrders.CANCELLABLE]

    result = await edit(stack, order, 3)

    assert result["code"] == "OUT_OF_STOCK"
    assert result["fieldErrors"] == [{"field": "quantity", "problem": "INVALID"}]
    assert quantity_of(order) == 1
    assert stack.admin_calls("orderEditBegin") == 0


@pytest.mark.parametrize(
    ("quantity", "line", "code"),
    [
        pytest.param(-1, None, "INVALID_QUANTITY", id="negative"),
        pytest.param(0, None, "INVALID_QUANTITY", id="zero"),
        pytest.param(51, None, "INVALID_QUANTITY", id="huge"),
        pytest.param(3, None, "INVALID_QUANTITY", id="unchanged"),
        pytest.param(2, "gid://shopify/LineItem/1", "UNKNOWN_LINE_ITEM", id="another-orders"),
        pytest.param(2, "gid://shopify/Product/7001", "UNKNOWN_LINE_ITEM", id="not-a-line"),
        pytest.param(2, "'; DROP TABLE", "UNKNOWN_LINE_ITEM", id="garbage"),
    ],
)
async def test_bad_quantity_input_is_refused_and_nothing_changes(
    stack: Stack, quantity: int, line: str | None, code: str
) -> None:
    order = three_shirts(stack)

    result = await edit(stack, order, quantity, line)

    assert result["code"] == code
    assert quantity_of(order) == 3
    assert stack.admin_calls("orderEditBegin") == 0 and refunds(stack) == []


async def test_a_quantity_beyond_graphqls_int_is_refused_before_anything_runs(
    stack: Stack,
) -> None:
    order = three_shirts(stack)
    line = f"gid://shopify/LineItem/{order.line_items[0].id}"
    given = {"orderId": str(order.id), "quantity": {"lineItemId": line, "quantity": 2**31}}
    async with stack.shopper() as ada:
        response = await graphql(ada, EDIT, {"input": given})

    assert response.json()["errors"]
    assert quantity_of(order) == 3 and stack.admin_calls("orderEditBegin") == 0


async def test_quantity_edits_follow_the_rules(stack: Stack) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(edits=EditRules(address=True)))
    order = three_shirts(stack)

    off = await edit(stack, order, 2)
    fulfilled = await edit(stack, DemoOrders.FULFILLED, 2)

    assert off["code"] == "DISABLED"
    assert fulfilled["code"] == "DISABLED"
    await stack.store.save_policy(SHOP, ShopPolicy(edits=EditRules(quantity=True)))
    assert (await edit(stack, DemoOrders.FULFILLED, 2))["code"] == "FULFILLMENT_STARTED"
    assert (await edit(stack, DemoOrders.BOBS_ORDER, 2))["code"] == "NOT_FOUND"
    assert stack.admin_calls("orderEditBegin") == 0


# Each Shopify step failing once ---------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["order", "orderEditBegin", "orderEditSetQuantity", "orderEditCommit"]
)
async def test_a_step_failing_once_changes_nothing_and_the_retry_edits_once(
    stack: Stack, field: str
) -> None:
    order = three_shirts(stack)
    stack.faults.fail(503, field=field, times=1)

    first = await edit(stack, order, 1)
    assert quantity_of(order) == 3
    second = await edit(stack, order, 1)
    await stack.settle()

    assert first["code"] == "TRY_AGAIN"
    assert second["__typename"] == "EditOrderSuccess"
    assert quantity_of(order) == 1
    assert refunds(stack) == [Decimal("49.90")]


async def test_a_commit_whose_answer_is_lost_is_settled_by_the_retry(stack: Stack) -> None:
    order = three_shirts(stack)
    stack.faults.fail_after_execute(502, field="orderEditCommit", times=1)

    first = await edit(stack, order, 1)
    committed = quantity_of(order)
    second = await edit(stack, order, 1)
    await stack.settle()

    assert first["code"] == "TRY_AGAIN"
    assert committed == 1  # Shopify had committed it
    assert second["difference"]["amount"] == "-49.90"
    assert stack.admin_calls("orderEditCommit") == 1
    assert refunds(stack) == [Decimal("49.90")]
    [trigger] = [t.payload for t in stack.world.flow_triggers if t.handle == "cancel-edited"]
    assert (trigger["Change"], trigger["Refund"], trigger["Owed"]) == ("QUANTITY", 49.9, 0)


@pytest.mark.parametrize("after_execute", [False, True], ids=["before", "answer-lost"])
async def test_a_refund_failing_once_is_retried_and_refunds_once(
    stack: Stack, after_execute: bool
) -> None:
    order = three_shirts(stack)
    if after_execute:
        stack.faults.fail_after_execute(502, field="refundCreate", times=1)
    else:
        stack.faults.fail(503, field="refundCreate", times=1)

    await edit(stack, order, 1)
    await stack.jobs.drain(within=timedelta(0))  # the refund fails; its retry is due in 30 s
    assert refunds(stack) == ([Decimal("49.90")] if after_execute else [])
    stack.clock.advance(seconds=31)
    await stack.settle()

    assert refunds(stack) == [Decimal("49.90")]
    keys = {c.variables["idempotencyKey"] for c in stack.world.calls_for("refundCreate")}
    assert len(keys) == 1 and len(stack.world.calls_for("refundCreate")) == 2


async def test_a_second_settle_of_a_refunded_edit_moves_nothing(stack: Stack) -> None:
    order = three_shirts(stack)
    await edit(stack, order, 1)
    await stack.settle()
    [attempt] = [a for a in await edits(stack) if a.order_id.endswith(str(order.id))]

    await stack.backend.state.services.edits.settle({"edit": attempt.id})

    assert refunds(stack) == [Decimal("49.90")]


# The preview -------------------------------------------------------------------------------

PREVIEW = """
query($id: ID!) { order(id: $id) { editOptions { types
  items { id title quantity unitPrice currencyCode maxQuantity } } } }
"""


async def test_the_items_come_with_their_price_and_what_stock_allows(stack: Stack) -> None:
    order = three_shirts(stack)
    stack.world.products[DemoProducts.LINEN_SHIRT].variants[0].inventory = 4
    async with stack.shopper() as ada:
        response = await graphql(ada, PREVIEW, {"id": str(order.id)})

    options = response.json()["data"]["order"]["editOptions"]
    assert options["types"] == ["QUANTITY"]
    assert options["items"] == [
        {
            "id": f"gid://shopify/LineItem/{order.line_items[0].id}",
            "title": "Linen shirt",
            "quantity": 3,
            "unitPrice": "24.95",
            "currencyCode": "EUR",
            "maxQuantity": 7,
        }
    ]
    assert [c.operation_name for c in stack.world.calls].count("OrderForItemEdit") == 1


async def test_no_items_are_read_where_quantities_may_not_change(stack: Stack) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(edits=EditRules(address=True)))
    order = three_shirts(stack)
    async with stack.shopper() as ada:
        response = await graphql(ada, PREVIEW, {"id": str(order.id)})

    assert response.json()["data"]["order"]["editOptions"]["items"] == []
    assert [c for c in stack.world.calls if c.operation_name == "OrderForItemEdit"] == []


async def test_a_failed_try_is_not_taken_for_a_lost_commit_once_a_retry_succeeded(
    stack: Stack,
) -> None:
    order = three_shirts(stack)
    stack.faults.fail(503, field="orderEditBegin", times=1)

    failed = await edit(stack, order, 1)
    done = await edit(stack, order, 1)
    again = await edit(stack, order, 1)  # the same request once more: nothing left to change
    await stack.settle()

    assert (failed["code"], done["type"], again["code"]) == (
        "TRY_AGAIN",
        "QUANTITY",
        "INVALID_QUANTITY",
    )
    assert refunds(stack) == [Decimal("49.90")]
    made = [a for a in await edits(stack) if a.outcome is EditOutcome.EDITED]
    assert len(made) == 1

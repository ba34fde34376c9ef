"""Partial cancels end to end: storefront (devshop's App Proxy) -> backend -> devshop's Admin API.

Money is counted where it moves: devshop's refunds. Every refundCreate carries the key of our
record, so failures, lost answers and concurrent requests move the money once.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

from backend.partial.cancelling import APPROVAL_FIRST
from backend.policy import ApprovalMode, CancelBlock, ShopPolicy
from backend.store.base import RefundKind, RefundRecord, RefundState
from devshop.seed import DemoCustomers, DemoProducts
from devshop.world import Order, Product
from tests.conftest import Stack, graphql

SHOP = "demo-shop"
GID = "gid://shopify/Order/{}"
TOTE = 7003

PARTIAL_CANCEL = """
mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on CancelOrderSuccess {
      order { id status }
      refunded { amount currencyCode }
      fee { amount currencyCode }
    }
    ... on CancelOrderRefused { code message }
  }
}
"""

ITEMS_QUERY = """
query Items($id: ID!, $chosen: [LineItemQuantityInput!]!) {
  order(id: $id) {
    partialCancel
    lineItems { id title quantity cancellableQuantity blockedBy unitPrice { amount currencyCode } }
    refund { refund { amount } fee { amount } total { amount } feeWaived }
    preview(lineItems: $chosen) { refund { amount } fee { amount } total { amount } feeWaived }
  }
}
"""


def shirts_and_a_tote(stack: Stack, *, shirts: int = 3, country: str = "NL") -> Order:
    world = stack.world
    if TOTE not in world.products:
        world.add_product(Product(TOTE, "Canvas tote", [], price=Decimal("15.00")))
    return world.add_order(
        customer_id=DemoCustomers.ADA,
        products=[world.products[DemoProducts.LINEN_SHIRT], world.products[TOTE]],
        quantities=[shirts, 1],
        shipping_price="4.95",
        shipping_country_code=country,
    )


async def offer_partial(stack: Stack, **rules: Any) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(partial_cancel=True, **rules))


async def cancel_items(
    client: httpx.AsyncClient, order: Order, items: dict[int, int]
) -> dict[str, Any]:
    line_items = [{"lineItemId": str(line), "quantity": n} for line, n in items.items()]
    response = await graphql(
        client,
        PARTIAL_CANCEL,
        {
            "input": {
                "orderId": str(order.id),
                "reason": "ORDERED_BY_MISTAKE",
                "lineItems": line_items,
            }
        },
    )
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["cancelOrder"]
    return result


def refunded(order: Order) -> list[str]:
    return [str(refund.total) for refund in order.refunds]


async def test_partial_then_partial_again_then_the_rest(stack: Stack) -> None:
    await offer_partial(stack)
    order = shirts_and_a_tote(stack)
    shirt, tote = order.line_items

    async with stack.shopper() as ada:
        first = await cancel_items(ada, order, {shirt.id: 1})
        second = await cancel_items(ada, order, {shirt.id: 1})
        rest = await cancel_items(ada, order, {shirt.id: 1, tote.id: 1})
    await stack.jobs.drain()

    assert (first["__typename"], second["__typename"]) == ("CancelOrderSuccess",) * 2, (
        first,
        second,
    )
    assert first["refunded"] == {"amount": "24.95", "currencyCode": "EUR"}
    assert first["fee"] == {"amount": "0.00", "currencyCode": "EUR"}
    assert refunded(order) == ["24.95", "24.95"]
    assert [r.line_items[0].restock_type for r in order.refunds] == ["CANCEL", "CANCEL"]
    # Everything left is the whole cancel: orderCancel refunds the rest, shipping included.
    assert rest["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 1
    assert order.cancelled_at is not None
    records = await stack.store.refunds_of_order(SHOP, GID.format(order.id))
    assert [(r.seq, r.state, r.lines) for r in records] == [
        (1, RefundState.DONE, ((f"gid://shopify/LineItem/{shirt.id}", 1),)),
        (2, RefundState.DONE, ((f"gid://shopify/LineItem/{shirt.id}", 1),)),
    ]
    assert records[0].idempotency_key != records[1].idempotency_key


async def test_the_customer_sees_items_and_the_refund_before_confirming(stack: Stack) -> None:
    await offer_partial(stack, fee_percent=Decimal("5"))
    order = shirts_and_a_tote(stack, country="US")
    shirt, tote = order.line_items

    async with stack.shopper() as ada:
        response = await graphql(
            ada,
            ITEMS_QUERY,
            {"id": str(order.id), "chosen": [{"lineItemId": str(shirt.id), "quantity": 2}]},
        )

    shown = response.json()["data"]["order"]
    assert shown["partialCancel"] is True
    assert [(i["title"], i["quantity"], i["cancellableQuantity"]) for i in shown["lineItems"]] == [
        ("Linen shirt", 3, 3),
        ("Canvas tote", 1, 1),
    ]
    assert shown["lineItems"][0]["unitPrice"] == {"amount": "24.95", "currencyCode": "EUR"}
    # The whole order: 3 x 24.95 + 15.00 + 4.95 shipping = 94.80; 5% fee = 4.74.
    assert shown["refund"] == {
        "refund": {"amount": "90.06"},
        "fee": {"amount": "4.74"},
        "total": {"amount": "94.80"},
        "feeWaived": None,
    }
    assert shown["preview"] == {
        "refund": {"amount": "47.40"},
        "fee": {"amount": "2.50"},
        "total": {"amount": "49.90"},
        "feeWaived": None,
    }
    assert order.refunds == []


async def test_the_fee_is_kept_from_the_refund_outside_the_eu(stack: Stack) -> None:
    await offer_partial(stack, fee_percent=Decimal("5"))
    order = shirts_and_a_tote(stack, country="US")

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {order.line_items[0].id: 2})

    assert result["refunded"]["amount"] == "47.40" and result["fee"]["amount"] == "2.50"
    assert refunded(order) == ["47.40"]
    assert order.line_items[0].current_quantity == 1


async def test_orders_shipping_to_the_eu_pay_no_fee(stack: Stack) -> None:
    await offer_partial(stack, fee_percent=Decimal("5"), fee_fixed=Decimal("1.00"))
    order = shirts_and_a_tote(stack, country="DE")

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {order.line_items[0].id: 2})

    assert result["fee"]["amount"] == "0.00"
    assert refunded(order) == ["49.90"]


@pytest.mark.parametrize(
    ("arrange", "code"),
    [
        ("excluded", CancelBlock.EXCLUDED_PRODUCT),
        ("fulfilled", CancelBlock.FULFILLMENT_STARTED),
        ("too_many", CancelBlock.INVALID_LINE_ITEMS),
        ("not_on_order", CancelBlock.INVALID_LINE_ITEMS),
    ],
)
async def test_lines_the_rules_refuse_are_left_alone(
    stack: Stack, arrange: str, code: CancelBlock
) -> None:
    await offer_partial(stack)
    world = stack.world
    products = [
        world.products[DemoProducts.LINEN_SHIRT],
        world.products[DemoProducts.MADE_TO_ORDER_PRINT],
    ]
    order = world.add_order(customer_id=DemoCustomers.ADA, products=products, quantities=[2, 1])
    shirt, print_ = order.line_items
    wanted = {
        "excluded": {print_.id: 1},
        "fulfilled": {shirt.id: 2},
        "too_many": {shirt.id: 3},
        "not_on_order": {123456: 1},
    }[arrange]
    if arrange == "fulfilled":
        shirt.fulfilled_quantity = 1
        order.display_fulfillment_status = "PARTIALLY_FULFILLED"
    before = repr(order)

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, wanted)

    assert result == {
        "__typename": "CancelOrderRefused",
        "code": code.value,
        "message": result["message"],
    }
    assert stack.admin_calls("refundCreate") == 0
    assert repr(order) == before


async def test_the_unfulfilled_rest_of_a_partly_shipped_order_may_be_cancelled(
    stack: Stack,
) -> None:
    await offer_partial(stack)
    order = shirts_and_a_tote(stack)
    shirt, tote = order.line_items
    shirt.fulfilled_quantity = 1
    order.display_fulfillment_status = "PARTIALLY_FULFILLED"

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {shirt.id: 2})

    assert result["__typename"] == "CancelOrderSuccess"
    assert shirt.current_quantity == 1 and refunded(order) == ["49.90"]


async def test_a_shop_without_partial_cancels_refuses_them(stack: Stack) -> None:
    order = shirts_and_a_tote(stack)

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {order.line_items[0].id: 1})

    assert result["code"] == CancelBlock.PARTIAL_NOT_OFFERED.value
    assert stack.admin_calls("refundCreate") == 0


@pytest.mark.parametrize(
    ("field", "after_execute"),
    [("order", False), ("refundCreate", False), ("refundCreate", True)],
    ids=["read fails", "refund fails", "refund made, answer lost"],
)
async def test_each_step_failing_once_moves_the_money_once(
    stack: Stack, field: str, after_execute: bool
) -> None:
    await offer_partial(stack)
    order = shirts_and_a_tote(stack)
    if after_execute:
        stack.faults.fail_after_execute(502, field=field)
    else:
        stack.faults.fail(503, field=field)

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {order.line_items[0].id: 1})

    assert result["__typename"] == "CancelOrderSuccess"
    assert refunded(order) == ["24.95"]
    keys = {c.variables["idempotencyKey"] for c in stack.world.calls_for("refundCreate")}
    assert len(keys) == 1  # every send of this refund carried the same key


async def test_a_refund_whose_answers_were_lost_is_completed_by_its_job(stack: Stack) -> None:
    await offer_partial(stack)
    order = shirts_and_a_tote(stack)
    stack.faults.fail_after_execute(502, field="refundCreate", times=2)

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {order.line_items[0].id: 1})
    [record] = await stack.store.refunds_of_order(SHOP, GID.format(order.id))
    stack.clock.advance(seconds=stack.settings.stale_flight_seconds + 1)
    await stack.jobs.drain()
    [settled] = await stack.store.refunds_of_order(SHOP, GID.format(order.id))

    assert result["__typename"] == "CancelOrderRefused" and result["code"] == "TRY_AGAIN"
    assert record.state is RefundState.IN_FLIGHT
    assert settled.state is RefundState.DONE and settled.refund_id is not None
    assert refunded(order) == ["24.95"]  # Shopify made it on the first send; never again
    assert stack.admin_calls("refundCreate") == 3


async def test_a_repeat_after_a_lost_answer_completes_the_first_refund_only(
    stack: Stack,
) -> None:
    await offer_partial(stack)
    order = shirts_and_a_tote(stack, shirts=2)
    shirt = order.line_items[0]
    stack.faults.fail_after_execute(502, field="refundCreate", times=2)

    async with stack.shopper() as ada:
        lost = await cancel_items(ada, order, {shirt.id: 2})
        again = await cancel_items(ada, order, {shirt.id: 2})

    assert lost["code"] == "TRY_AGAIN"
    # The repeat found the first in flight, completed it (same key), read the order again:
    # no shirts are left, so there is nothing more to cancel.
    assert again["code"] == CancelBlock.INVALID_LINE_ITEMS.value
    assert refunded(order) == ["49.90"] and shirt.current_quantity == 0


async def test_concurrent_partial_cancels_of_one_order_each_refund_once(stack: Stack) -> None:
    await offer_partial(stack)
    order = shirts_and_a_tote(stack, shirts=3)
    shirt = order.line_items[0]

    async with stack.shopper() as one, stack.shopper() as two, stack.shopper() as three:
        results = await asyncio.gather(
            cancel_items(one, order, {shirt.id: 1}),
            cancel_items(two, order, {shirt.id: 1}),
            cancel_items(three, order, {shirt.id: 2}),
        )

    succeeded = [r for r in results if r["__typename"] == "CancelOrderSuccess"]
    refused = [r["code"] for r in results if r["__typename"] == "CancelOrderRefused"]
    # The late ones waited for the refund in flight, read the order again, and were refused
    # only if what they asked for was gone by then.
    assert succeeded and set(refused) <= {CancelBlock.INVALID_LINE_ITEMS.value}
    # A request finding a refund in flight sends it again under its key: Shopify refunds once.
    sent = [c.variables["idempotencyKey"] for c in stack.world.calls_for("refundCreate")]
    assert len(set(sent)) == len(order.refunds) <= len(sent)
    taken = sum(len(r.line_items) and r.line_items[0].quantity for r in order.refunds)
    assert taken == 3 - shirt.current_quantity  # what came off is what was refunded
    assert Decimal(sum(r.total for r in order.refunds)) == Decimal("24.95") * taken
    assert len(order.refunds) == len(succeeded)
    records = await stack.store.refunds_of_order(SHOP, GID.format(order.id))
    assert [r.state for r in records] == [RefundState.DONE] * len(succeeded)


async def test_a_customer_paying_in_yen_sees_and_gets_yen_and_the_shop_keeps_euros(
    stack: Stack,
) -> None:
    await offer_partial(stack, fee_percent=Decimal("5"))
    world = stack.world
    order = world.add_order(
        customer_id=DemoCustomers.ADA,
        products=[world.products[DemoProducts.LINEN_SHIRT]],
        quantities=[3],
        shipping_country_code="US",
        presentment_currency="JPY",
        presentment_rate="160",
    )

    async with stack.shopper() as ada:
        result = await cancel_items(ada, order, {order.line_items[0].id: 1})

    # 24.95 EUR is 3992 JPY at the order's rate; the fee is 1.25 EUR, 200 JPY (0 decimals).
    assert result["refunded"] == {"amount": "3792", "currencyCode": "JPY"}
    assert result["fee"] == {"amount": "200", "currencyCode": "JPY"}
    [call] = [c for c in world.calls_for("refundCreate") if c.executed]
    refund_input: Any = call.variables["input"]
    assert refund_input["currency"] == "JPY"
    assert refund_input["transactions"][0]["amount"] == "3792"
    assert refunded(order) == ["23.70"]  # in the shop's euros


async def test_a_refund_recorded_by_a_process_that_died_is_sent_by_its_job(stack: Stack) -> None:
    order = shirts_and_a_tote(stack)
    line = f"gid://shopify/LineItem/{order.line_items[0].id}"
    refunds = stack.backend.state.services.refunds
    # The process claimed the refund (row, key and job in one transaction), then died.
    claimed = await refunds.claim(
        shop=SHOP,
        order_id=GID.format(order.id),
        kind=RefundKind.PARTIAL_CANCEL,
        customer_id=None,
        lines=[(line, 1)],
        amount=Decimal("24.95"),
        fee=Decimal("0"),
        fee_shop=Decimal("0"),
        currency="EUR",
        refund_input={
            "orderId": GID.format(order.id),
            "refundLineItems": [{"lineItemId": line, "quantity": 1, "restockType": "CANCEL"}],
        },
    )
    assert isinstance(claimed, RefundRecord) and stack.admin_calls("refundCreate") == 0

    stack.clock.advance(seconds=stack.settings.stale_flight_seconds + 1)
    await stack.jobs.drain()

    [record] = await stack.store.refunds_of_order(SHOP, GID.format(order.id))
    assert record.seq == claimed.seq and record.state is RefundState.DONE
    assert order.line_items[0].current_quantity == 2
    assert stack.admin_calls("refundCreate") == 1


async def test_where_the_shop_approves_first_only_the_whole_order_may_be_asked_for(
    stack: Stack,
) -> None:
    await offer_partial(stack, approval=ApprovalMode.ABOVE_TOTAL, approval_above=Decimal("50"))
    large = shirts_and_a_tote(stack, shirts=3)  # 3 × 24.95 + 15.00 + 4.95: above 50
    small = shirts_and_a_tote(stack, shirts=1)  # 24.95 + 15.00 + 4.95: not above 50

    async with stack.shopper() as ada:
        shown = {
            order.id: (await graphql(ada, ITEMS_QUERY, {"id": str(order.id), "chosen": []})).json()[
                "data"
            ]["order"]["partialCancel"]
            for order in (large, small)
        }
        refused = await cancel_items(ada, large, {large.line_items[0].id: 1})

    assert shown == {large.id: False, small.id: True}
    assert refused == {
        "__typename": "CancelOrderRefused",
        "code": CancelBlock.PARTIAL_NOT_OFFERED.value,
        "message": APPROVAL_FIRST,
    }
    assert stack.admin_calls("refundCreate") == 0
    assert large.cancelled_at is None and not large.refunds

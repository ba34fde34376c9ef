"""A whole cancel with a cancellation fee: orderCancel without a refund, then one refundCreate
for everything but the fee; no fee for EU/EEA addresses or orders only authorised."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.policy import ShopPolicy
from backend.store.base import RefundKind, RefundState
from devshop.seed import DemoCustomers, DemoProducts
from devshop.world import Order
from tests.conftest import Stack, cancel

SHOP = "demo-shop"


def order_to(stack: Stack, country: str, financial_status: str = "PAID") -> Order:
    return stack.world.add_order(
        customer_id=DemoCustomers.ADA,
        products=[stack.world.products[DemoProducts.LINEN_SHIRT]],
        total_price="49.95",
        shipping_country_code=country,
        financial_status=financial_status,
    )


async def with_fee(stack: Stack) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(fee_percent=Decimal("5")))


async def test_the_cancel_keeps_the_fee_and_refunds_the_rest_once(stack: Stack) -> None:
    await with_fee(stack)
    order = order_to(stack, "US")

    async with stack.shopper() as ada:
        result = await cancel(ada, order.id)
    await stack.jobs.drain()

    assert result["__typename"] == "CancelOrderSuccess"
    [call] = [c for c in stack.world.calls_for("orderCancel") if c.executed]
    assert call.variables["refundMethod"] is None
    assert [str(r.total) for r in order.refunds] == ["47.45"]
    assert order.cancelled_at is not None and order.refund_method is None
    [record] = await stack.store.refunds_of_order(SHOP, f"gid://shopify/Order/{order.id}")
    assert (record.kind, record.state, record.fee) == (
        RefundKind.CANCEL_FEE,
        RefundState.DONE,
        Decimal("2.50"),
    )
    # Shopify Flow hears of it with the refund and the fee kept (issue 14's trigger).
    [trigger] = [t for t in stack.world.flow_triggers if t.handle == "cancel-cancelled"]
    assert (trigger.payload["Refund"], trigger.payload["Fee"]) == (47.45, 2.5)


async def test_a_lost_answer_to_the_fee_refund_still_refunds_once(stack: Stack) -> None:
    await with_fee(stack)
    order = order_to(stack, "US")
    stack.faults.fail_after_execute(502, field="refundCreate")

    async with stack.shopper() as ada:
        await cancel(ada, order.id)
    await stack.jobs.drain()

    assert [str(r.total) for r in order.refunds] == ["47.45"]
    assert stack.admin_calls("refundCreate") == 2


async def test_an_order_shipping_to_the_eu_is_refunded_in_full_by_the_cancel(
    stack: Stack,
) -> None:
    await with_fee(stack)
    order = order_to(stack, "FR")

    async with stack.shopper() as ada:
        await cancel(ada, order.id)
    await stack.jobs.drain()

    [call] = [c for c in stack.world.calls_for("orderCancel") if c.executed]
    assert call.variables["refundMethod"] == {"originalPaymentMethodsRefund": True}
    assert stack.admin_calls("refundCreate") == 0
    assert order.display_financial_status == "REFUNDED"


async def test_an_order_only_authorised_keeps_no_fee_and_its_authorisation_is_voided(
    stack: Stack,
) -> None:
    await with_fee(stack)
    order = order_to(stack, "US", financial_status="AUTHORIZED")

    async with stack.shopper() as ada:
        result = await cancel(ada, order.id)
    await stack.jobs.drain()

    assert result["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("refundCreate") == 0
    assert order.display_financial_status == "VOIDED"
    assert await stack.store.refunds_of_order(SHOP, f"gid://shopify/Order/{order.id}") == []


@pytest.mark.parametrize(
    ("field", "after_execute"),
    [
        ("order", False),
        ("orderCancel", False),
        ("orderCancel", True),
        ("refundCreate", False),
        ("refundCreate", True),
    ],
    ids=["read fails", "cancel fails", "cancel ran, answer lost", "refund fails", "refund lost"],
)
async def test_each_step_of_a_cancel_with_a_fee_failing_once_refunds_once(
    stack: Stack, field: str, after_execute: bool
) -> None:
    await with_fee(stack)
    order = order_to(stack, "US")
    if after_execute:
        stack.faults.fail_after_execute(502, field=field)
    else:
        stack.faults.fail(503, field=field)

    async with stack.shopper() as ada:
        first = await cancel(ada, order.id)
        if first["__typename"] != "CancelOrderSuccess":  # the customer tries again
            assert first["code"] == "TRY_AGAIN"
            await cancel(ada, order.id)
    stack.clock.advance(seconds=stack.settings.stale_flight_seconds + 1)
    await stack.jobs.drain()

    assert order.cancelled_at is not None
    assert [str(r.total) for r in order.refunds] == ["47.45"]
    keys = {c.variables["idempotencyKey"] for c in stack.world.calls_for("refundCreate")}
    assert len(keys) == 1

"""Many shoppers cancelling different orders at once while Shopify throttles and fails:
every answer is a success or TRY_AGAIN (never a 5xx), every attempt is recorded, and each
success is exactly one `orderCancel`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from devshop.seed import DemoCustomers, DemoProducts
from tests.conftest import CANCEL_MUTATION, Stack, graphql

ORDERS = range(90001, 90041)


async def test_concurrent_cancels_of_different_orders_under_throttling(stack: Stack) -> None:
    shirt = stack.world.products[DemoProducts.LINEN_SHIRT]
    for order_id in ORDERS:
        stack.world.add_order(
            id=order_id, customer_id=DemoCustomers.ADA, age=timedelta(minutes=1), products=[shirt]
        )
    stack.faults.throttle(times=25, currently_available=0)
    stack.faults.fail(503, times=10)
    stack.faults.throttle(times=15, field="orderCancel", currently_available=0)

    async def cancel(order_id: int) -> tuple[int, str]:
        async with stack.shopper() as ada:
            response = await graphql(
                ada,
                CANCEL_MUTATION,
                {"input": {"orderId": str(order_id), "reason": "OTHER"}},
            )
        if response.status_code != 200:
            return response.status_code, response.text
        result = response.json()["data"]["cancelOrder"]
        return 200, result.get("code") or result["__typename"]

    first = dict(zip(ORDERS, await asyncio.gather(*map(cancel, ORDERS)), strict=True))
    answers = Counter(answer for _, answer in first.values())
    assert {status for status, _ in first.values()} == {200}
    assert set(answers) <= {"CancelOrderSuccess", "TRY_AGAIN"}
    assert len(await stack.store.attempts("demo-shop")) == len(ORDERS)

    # Shopify recovers; every order that was told to try again cancels on its retry.
    stack.faults.active.clear()
    retried = [order_id for order_id, (_, answer) in first.items() if answer == "TRY_AGAIN"]
    again = await asyncio.gather(*map(cancel, retried))
    assert all(answer == (200, "CancelOrderSuccess") for answer in again)

    executed = Counter(
        str(call.variables.get("orderId"))
        for call in stack.world.calls_for("orderCancel")
        if call.executed
    )
    assert sorted(executed) == sorted(f"gid://shopify/Order/{n}" for n in ORDERS)
    assert set(executed.values()) == {1}
    print(
        f"\n{len(ORDERS)} concurrent cancels under throttling: {dict(answers)};"
        f" {len(retried)} retried and cancelled; {len(stack.world.calls)} Admin API calls"
    )

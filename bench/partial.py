"""Part 10: partial cancels and the cancellation fee (issue 11): Admin requests and points of a
partial cancel and of a whole cancel with a fee, next to a whole cancel without one.

What is done, exactly: the whole product in this process, as `tests/conftest.py` builds it
(backend and devshop wired by ASGI transports, a SQLite store, the in-process job runner), the
rate-limit bucket lifted as for the other parts. For each kind, `n` new orders of three linen
shirts shipping to the United States (outside the EU, so the fee applies) are cancelled through
the App Proxy by their customer, one after another, and every webhook and job the cancel causes
is handled (the confirmation job polling Shopify's cancel job included); the Admin requests
devshop executed meanwhile, and their actual query cost, are divided by `n`. Kinds: a whole
cancel with no fee (`orderCancel` refunding); a partial cancel of one shirt (the fresh read with
Shopify's suggested refund, then one `refundCreate` with `restockType: CANCEL`); a whole cancel
with a 5% fee (the fee read, `orderCancel` without refund, then one `refundCreate`).
"""

from __future__ import annotations

import asyncio
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from backend.policy import ShopPolicy
from bench.devshop_server import admin_endpoint
from devshop.world import AdminCall

SHOP = "demo-shop"
SIZE = 50
QUICK_SIZE = 5
UNLIMITED = 1e12
SHIRT = 7001

HOW = " ".join(__doc__.split("What is done, exactly:", 1)[1].split())

CANCEL = """
mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on CancelOrderRefused { code }
  }
}
"""


def _spent(calls: list[AdminCall]) -> tuple[int, int, dict[str, int]]:
    executed = [c for c in calls if c.executed]
    fields: dict[str, int] = {}
    for call in executed:
        for field in call.root_fields:
            fields[field] = fields.get(field, 0) + 1
    return len(executed), sum(c.actual_cost or 0 for c in executed), fields


async def _kind(stack: Any, n: int, policy: ShopPolicy, partial: bool) -> dict[str, Any]:
    from tests.conftest import graphql

    await stack.store.save_policy(SHOP, policy)
    world = stack.world
    orders = [
        world.add_order(
            customer_id=1001,
            products=[world.products[SHIRT]],
            quantities=[3],
            shipping_country_code="US",
        )
        for _ in range(n)
    ]
    before = len(world.calls)
    refused = 0
    async with stack.shopper() as customer:
        for order in orders:
            cancel: dict[str, Any] = {"orderId": str(order.id), "reason": "ORDERED_BY_MISTAKE"}
            if partial:
                line = f"gid://shopify/LineItem/{order.line_items[0].id}"
                cancel["lineItems"] = [{"lineItemId": line, "quantity": 1}]
            response = await graphql(customer, CANCEL, {"input": cancel})
            result = response.json()["data"]["cancelOrder"]
            refused += result["__typename"] != "CancelOrderSuccess"
            stack.clock.advance(seconds=1)
            await stack.settle()
    requests, points, fields = _spent(world.calls[before:])
    return {
        "orders": n,
        "refused": refused,
        "requests_per_cancel": requests / n,
        "points_per_cancel": points / n,
        "calls_by_root_field": {k: v / n for k, v in sorted(fields.items())},
        "refunds": sum(len(o.refunds) for o in orders),
    }


async def measure(n: int) -> dict[str, Any]:
    from tests.conftest import running_stack  # the in-process product, as the tests build it

    with tempfile.TemporaryDirectory(prefix="bench-partial-") as workdir:
        async with running_stack(Path(workdir)) as stack:
            config = admin_endpoint(stack.devshop).limits.config
            config.maximum_available = config.restore_rate = UNLIMITED
            whole = await _kind(stack, n, ShopPolicy(), partial=False)
            partial = await _kind(stack, n, ShopPolicy(partial_cancel=True), partial=True)
            fee = await _kind(stack, n, ShopPolicy(fee_percent=Decimal("5")), partial=False)
    return {"how": HOW, "whole_cancel": whole, "partial_cancel": partial, "cancel_with_fee": fee}


def measure_sync(n: int) -> dict[str, Any]:
    return asyncio.run(measure(n))


def report(part: dict[str, Any]) -> str:
    lines = [f"10. Partial cancels and the fee: {part['whole_cancel']['orders']} orders each"]
    for key, label in (
        ("whole_cancel", "whole cancel   "),
        ("partial_cancel", "partial cancel "),
        ("cancel_with_fee", "cancel with fee"),
    ):
        kind = part[key]
        fields = ", ".join(f"{k} {v:g}" for k, v in kind["calls_by_root_field"].items())
        lines.append(
            f"  {label}: {kind['requests_per_cancel']:.2f} Admin requests, "
            f"{kind['points_per_cancel']:.1f} points per cancel ({fields}); "
            f"{kind['refunds']} refunds, {kind['refused']} refused"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    result = measure_sync(QUICK_SIZE if "--quick" in sys.argv else SIZE)
    print(report(result))

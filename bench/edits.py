"""Part 11: edits instead of cancels (issue 13): what each kind of edit costs in Shopify's Admin
API, from the customer's request until every job it causes has run.

What is done, exactly: the whole product in this process, as `tests/conftest.py` builds it
(backend and devshop wired by ASGI transports, the backend's store a SQLite file, its in-process
job runner), with the merchant's edit rules on (address, with a country change; quantity).
devshop's rate-limit bucket is lifted, as for the other parts. For each kind, `n` fresh paid
orders of three shirts are edited once each through the App Proxy (`editOrder`): the address
moved within the order's shipping zone, the quantity down to one (a refund by the `settle_edit`
job) and up to four (a balance owed, its payment link read), and size S swapped for L (dearer:
a balance owed). The Admin calls devshop executed
between the first request and the last job are that kind's; requests and points are per edit,
the "edited" Shopify Flow trigger included (one `flowTriggerReceive` each, since issue 14).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from backend.edit.rules import EditRules
from backend.policy import ShopPolicy
from bench.devshop_server import admin_endpoint
from devshop.seed import DemoCustomers, DemoProducts, DemoVariants
from devshop.world import AdminCall

SHOP = "demo-shop"
VARIANT = "gid://shopify/ProductVariant/"
SIZE = 100
QUICK_SIZE = 5
UNLIMITED = 1e12
EDIT = (
    "mutation($input:EditOrderInput!){editOrder(input:$input){__typename "
    "...on EditOrderRefused{code}}}"
)
BRUSSELS = {
    "lastName": "Lovelace",
    "address1": "Grote Markt 1",
    "city": "Brussel",
    "zip": "1000",
    "countryCode": "BE",
}

HOW = " ".join((__doc__ or "").split("What is done, exactly:", 1)[1].split())


def _spent(calls: list[AdminCall]) -> tuple[int, int]:
    executed = [c for c in calls if c.executed]
    return len(executed), sum(c.actual_cost or 0 for c in executed)


async def measure(count: int) -> dict[str, Any]:
    from tests.conftest import graphql, running_stack  # the in-process product, as tests build it

    kinds: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-edits-") as workdir:
        async with running_stack(Path(workdir)) as stack:
            config = admin_endpoint(stack.devshop).limits.config
            config.maximum_available = config.restore_rate = UNLIMITED
            rules = EditRules(address=True, variant=True, quantity=True, country_change=True)
            await stack.store.save_policy(SHOP, ShopPolicy(edits=rules))
            shirt = stack.world.products[DemoProducts.LINEN_SHIRT]
            for size in shirt.variants:
                size.inventory = None  # untracked: the up edits never run out
            changes: dict[str, Any] = {
                "address": lambda line: {"address": BRUSSELS},
                "quantity_down": lambda line: {"quantity": {"lineItemId": line, "quantity": 1}},
                "quantity_up": lambda line: {"quantity": {"lineItemId": line, "quantity": 4}},
                "variant": lambda line: {
                    "variant": {"lineItemId": line, "variantId": f"{VARIANT}{DemoVariants.SHIRT_L}"}
                },
            }
            for kind, change in changes.items():
                orders = [
                    stack.world.add_order(
                        customer_id=DemoCustomers.ADA, products=[shirt], quantities=[3]
                    )
                    for _ in range(count)
                ]
                await stack.settle()
                before = len(stack.world.calls)
                started = time.perf_counter()
                answers = []
                async with stack.shopper() as ada:
                    for order in orders:
                        line = f"gid://shopify/LineItem/{order.line_items[0].id}"
                        variables = {"input": {"orderId": str(order.id), **change(line)}}
                        response = await graphql(ada, EDIT, variables)
                        answers.append(response.json()["data"]["editOrder"]["__typename"])
                await stack.settle()
                seconds = time.perf_counter() - started
                requests, points = _spent(stack.world.calls[before:])
                kinds[kind] = {
                    "edits": count,
                    "succeeded": answers.count("EditOrderSuccess"),
                    "requests_per_edit": requests / count,
                    "points_per_edit": points / count,
                    "wall_seconds": round(seconds, 2),
                }
    return {"how": HOW, "kinds": kinds}


def measure_sync(count: int) -> dict[str, Any]:
    return asyncio.run(measure(count))


def report(part: dict[str, Any]) -> str:
    lines = ["11. Edits instead of cancels: Admin cost per edit, jobs included"]
    for kind, numbers in part["kinds"].items():
        lines.append(
            f"  {kind:<14} {numbers['requests_per_edit']:.2f} Admin requests, "
            f"{numbers['points_per_edit']:.1f} points per edit "
            f"({numbers['succeeded']}/{numbers['edits']} succeeded, "
            f"{numbers['wall_seconds']:.2f} s)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    result = measure_sync(QUICK_SIZE if "--quick" in sys.argv else SIZE)
    print(report(result))

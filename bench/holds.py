"""Part 9: fulfilment holds (issue 12): what holding and releasing costs in Shopify's Admin API,
and how late releases come when many orders' windows close together.

What is done, exactly: the whole product in this process, as `tests/conftest.py` builds it
(backend and devshop wired by ASGI transports, the backend's store a SQLite file, its in-process
job runner), with the merchant's rule on (60-minute window, hold fulfilment). devshop's rate-limit
bucket is lifted, as for the other parts: with Shopify's 100 points/s, 1,000 releases due at once
would measure the refill rate (about 33 s of points per 100 orders), not our code; the points per
order are reported so that rate can be applied. `n` orders are checked out in the same second
(so their windows close together), routed, and every webhook and job they cause is handled; the
Admin calls made meanwhile are the hold's (reads by the mirror's refresh and the hold job,
`fulfillmentOrderHold`), less the refreshes the same orders would cause without the rule
(measured first, on as many orders with the rule off). Then the clock moves to the deadline and
the jobs run: the calls made are the release's; each release's delay is the world's clock when
devshop executed that order's `fulfillmentOrderReleaseHold` minus the order's deadline (p50, p99,
max, nearest rank).
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from backend.policy import ShopPolicy
from bench.devshop_server import admin_endpoint
from devshop import order_actions
from devshop.world import AdminCall, Order

SHOP = "demo-shop"
WINDOW = timedelta(minutes=60)
SIZE = 1_000
QUICK_SIZE = 20
UNLIMITED = 1e12

HOW = " ".join(__doc__.split("What is done, exactly:", 1)[1].split())


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def _spent(calls: Sequence[AdminCall]) -> tuple[int, int]:
    executed = [c for c in calls if c.executed]
    return len(executed), sum(c.actual_cost or 0 for c in executed)


async def _place(stack: Any, count: int) -> list[Order]:
    orders = [order_actions.create_order(stack.world, customer_id=1001) for _ in range(count)]
    await stack.settle()
    stack.clock.advance(seconds=1)  # routing
    stack.world.settle_jobs()
    await stack.settle()
    return orders


async def measure(orders: int) -> dict[str, Any]:
    from tests.conftest import running_stack  # the in-process product, as the tests build it

    with tempfile.TemporaryDirectory(prefix="bench-holds-") as workdir:
        async with running_stack(Path(workdir)) as stack:
            config = admin_endpoint(stack.devshop).limits.config
            config.maximum_available = config.restore_rate = UNLIMITED
            await stack.store.save_policy(SHOP, ShopPolicy(window_minutes=60))
            before = len(stack.world.calls)
            await _place(stack, orders)
            plain_requests, plain_points = _spent(stack.world.calls[before:])

            await stack.store.save_policy(
                SHOP, ShopPolicy(window_minutes=60, hold_fulfillment=True)
            )
            before = len(stack.world.calls)
            started = time.perf_counter()
            held = await _place(stack, orders)
            hold_seconds = time.perf_counter() - started
            hold_requests, hold_points = _spent(stack.world.calls[before:])
            on_hold = sum(1 for o in held if o.fulfillment_orders[0].status == "ON_HOLD")

            deadline = max(o.created_at for o in held) + WINDOW
            stack.clock.advance(seconds=(deadline - stack.clock()).total_seconds())
            before = len(stack.world.calls)
            started = time.perf_counter()
            await stack.settle()
            release_seconds = time.perf_counter() - started
            calls = stack.world.calls[before:]
            release_requests, release_points = _spent(calls)
            deadlines = {f"gid://shopify/Order/{o.id}": o.created_at + WINDOW for o in held}
            owner = {
                f"gid://shopify/FulfillmentOrder/{o.fulfillment_orders[0].id}": f"gid://shopify/Order/{o.id}"
                for o in held
            }
            delays = [
                (c.at - deadlines[owner[str(c.variables["id"])]]).total_seconds()
                for c in calls
                if c.executed and "fulfillmentOrderReleaseHold" in c.root_fields
            ]
            released = sum(1 for o in held if o.fulfillment_orders[0].status == "OPEN")
    return {
        "how": HOW,
        "orders": orders,
        "held": on_hold,
        "released": released,
        "hold": {
            "requests_per_order": (hold_requests - plain_requests) / orders,
            "points_per_order": (hold_points - plain_points) / orders,
            "wall_seconds": round(hold_seconds, 2),
        },
        "release": {
            "requests_per_order": release_requests / orders,
            "points_per_order": release_points / orders,
            "wall_seconds": round(release_seconds, 2),
        },
        "release_delay_s": {
            "p50": _quantile(delays, 0.50),
            "p99": _quantile(delays, 0.99),
            "max": max(delays) if delays else None,
        },
    }


def measure_sync(orders: int) -> dict[str, Any]:
    return asyncio.run(measure(orders))


def report(part: dict[str, Any]) -> str:
    hold, release, delay = part["hold"], part["release"], part["release_delay_s"]

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f} s"

    return "\n".join(
        [
            f"9. Fulfilment holds: {part['orders']} orders whose windows close together "
            f"({part['held']} held, {part['released']} released)",
            f"  hold:    {hold['requests_per_order']:.2f} Admin requests, "
            f"{hold['points_per_order']:.1f} points per order (beyond the rule off)",
            f"  release: {release['requests_per_order']:.2f} Admin requests, "
            f"{release['points_per_order']:.1f} points per order",
            f"  release delay after the deadline: p50 {seconds(delay['p50'])}, "
            f"p99 {seconds(delay['p99'])}, max {seconds(delay['max'])}",
        ]
    )


if __name__ == "__main__":
    import sys

    result = measure_sync(QUICK_SIZE if "--quick" in sys.argv else SIZE)
    print(report(result))

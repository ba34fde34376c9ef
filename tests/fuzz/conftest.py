"""Fuzzing's shared parts: one running stack per test, driven from hypothesis' synchronous loop,
and a count of the requests sent, printed in the terminal summary for the closing note.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from backend.ratelimit import RateLimits
from devshop.seed import DemoOrders
from devshop.world import Order
from tests.conftest import Stack, running_stack

T = TypeVar("T")

# Ada's orders that a well-formed cancel may really cancel; any other change is a finding.
CANCELLABLE = frozenset(
    {
        DemoOrders.CANCELLABLE,
        DemoOrders.CANCELLABLE_10_MIN,
        DemoOrders.SPARE_2_MIN,
        DemoOrders.SPARE_15_MIN,
        DemoOrders.SPARE_30_MIN,
    }
)

REQUESTS: dict[str, int] = {}


class Fuzzed:
    """A production stack on its own event loop, so hypothesis' sync tests can drive it."""

    def __init__(self, runner: asyncio.Runner, stack: Stack, name: str) -> None:
        self.runner = runner
        self.stack = stack
        self.name = name
        self.orders: dict[int, Order] = copy.deepcopy(stack.world.orders)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        REQUESTS[self.name] = REQUESTS.get(self.name, 0) + 1
        return self.runner.run(coroutine)

    def assert_only_adas_cancellable_orders_changed(self) -> None:
        world = self.stack.world
        world.settle_jobs()
        changed = {oid for oid, order in world.orders.items() if self.orders.get(oid) != order}
        assert changed <= CANCELLABLE, changed
        for call in world.calls_for("orderCancel"):
            if call.executed:
                assert call.shop == "demo-shop.myshopify.com"
                order_id = str(call.variables.get("orderId", ""))
                assert int(order_id.rsplit("/", 1)[-1]) in CANCELLABLE, call


@pytest.fixture
def fuzzed(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Fuzzed]:
    with asyncio.Runner() as runner:
        # Production answers, and limits out of the way so every example reaches the schema.
        context = running_stack(
            tmp_path, app_env="production", rate_limits=RateLimits.everywhere("off")
        )
        stack = runner.run(context.__aenter__())
        try:
            yield Fuzzed(runner, stack, request.node.name)
        finally:
            runner.run(context.__aexit__(None, None, None))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REQUESTS:
        return
    terminalreporter.section("fuzzing")
    for name, count in sorted(REQUESTS.items()):
        terminalreporter.write_line(f"{name}: {count} requests")
    terminalreporter.write_line(f"fuzzed requests in all: {sum(REQUESTS.values())}")

"""Part 3: what one customer action costs the shop at Shopify, read from devshop's call log.

For each action, one signed request goes to the backend; devshop's `/_devshop/calls` is read
before, right after the answer (the calls the request itself made), and again after
`settle` seconds (calls the backend makes in the background, such as polling a cancel's job).
Points are devshop's cost model, which follows Shopify's published rules: the requested cost
is reserved from the shop's bucket before a query runs, the actual cost is what stays spent.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import load
from bench.servers import Stack
from bench.throughput import FreshOrders

# Shopify's standard Admin API bucket refills 100 points per second (devshop's default too);
# Advanced and Plus shops get more.
STANDARD_RESTORE_RATE = 100.0


def admin_calls(stack: Stack) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{stack.devshop.url}/_devshop/calls", timeout=30) as response:
        calls: list[dict[str, Any]] = json.load(response)["calls"]
        return calls


@dataclass
class ActionCost:
    action: str
    in_request: list[dict[str, Any]]
    background: list[dict[str, Any]]
    answer_ok: bool

    def _sum(self, calls: list[dict[str, Any]], key: str) -> int:
        return sum(call.get(key) or 0 for call in calls)

    def as_json(self) -> dict[str, Any]:
        actual = self._sum(self.in_request + self.background, "actual_cost")
        return {
            "action": self.action,
            "answer_ok": self.answer_ok,
            "admin_requests": len(self.in_request),
            "admin_requests_background": len(self.background),
            "operations": [c["operation_name"] for c in self.in_request],
            "operations_background": [c["operation_name"] for c in self.background],
            "requested_points": self._sum(self.in_request, "requested_cost"),
            "actual_points": self._sum(self.in_request, "actual_cost"),
            "requested_points_background": self._sum(self.background, "requested_cost"),
            "actual_points_background": self._sum(self.background, "actual_cost"),
            "max_requested_single_query": max(
                (c.get("requested_cost") or 0 for c in self.in_request), default=0
            ),
            "actions_per_s_at_standard_rate": (
                round(STANDARD_RESTORE_RATE / actual, 1) if actual else None
            ),
        }


def measure_action(
    stack: Stack, action: str, body: bytes, check: Callable[[dict[str, Any]], bool], settle: float
) -> ActionCost:
    before = len(admin_calls(stack))
    url = f"{stack.backend.url}/proxy/graphql"
    result = asyncio.run(
        load.run(load.Workload(url, iter([body]), check), concurrency=1, requests=1, time_cap=30)
    )
    after_answer = admin_calls(stack)
    time.sleep(settle)
    after_settle = admin_calls(stack)
    return ActionCost(
        action=action,
        in_request=after_answer[before:],
        background=after_settle[len(after_answer) :],
        answer_ok=result.errors == 0,
    )


def run(stack: Stack, fresh: FreshOrders, settle: float = 1.5) -> list[ActionCost]:
    page_10 = [fresh.take() for _ in range(10)]
    page_50 = [fresh.take() for _ in range(50)]
    return [
        measure_action(
            stack, "eligibility check (order)", load.order_body(5001), load.order_found, settle
        ),
        measure_action(
            stack,
            "account page, 10 orders (orders)",
            load.orders_body(page_10),
            load.orders_listed(10),
            settle,
        ),
        measure_action(
            stack,
            "account page, 50 orders (orders)",
            load.orders_body(page_50),
            load.orders_listed(50),
            settle,
        ),
        measure_action(
            stack,
            "cancel (cancelOrder)",
            load.cancel_body(fresh.take()),
            load.cancel_succeeded,
            settle,
        ),
    ]

"""The attacker's toolbox: a production backend, hand-signed proxy requests, and a witness.

Every case asserts two things: the exact answer, and that nothing changed. `Witness` holds a
copy of devshop's orders and the backend's attempt log taken before the attack, so a case can
say "no order changed, no orderCancel ran" and, for requests refused before the schema runs,
"no Admin API call, no attempt recorded".
"""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from backend.ratelimit import RateLimits
from devshop.app_proxy import signature
from devshop.seed import DemoCustomers, DemoOrders
from devshop.settings import DEMO_API_SECRET
from devshop.world import Order
from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, Stack, running_stack

SHOP = "demo-shop.myshopify.com"
PREFIX = "/apps/cancel"
ADA = DemoCustomers.ADA
BOB = DemoCustomers.BOB

Pairs = list[tuple[str, str]]


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


UNAUTHORIZED = error_body("Unauthorized", "UNAUTHENTICATED")


def proxy_params(
    customer: int | str | None = ADA,
    *,
    shop: str = SHOP,
    path_prefix: str = PREFIX,
    timestamp: int | None = None,
) -> Pairs:
    """The parameters Shopify adds to a proxied request, before it signs them."""
    return [
        ("shop", shop),
        ("logged_in_customer_id", "" if customer is None else str(customer)),
        ("path_prefix", path_prefix),
        ("timestamp", str(int(time.time()) if timestamp is None else timestamp)),
    ]


def signed(pairs: Pairs, secret: str = DEMO_API_SECRET) -> Pairs:
    return [*pairs, ("signature", signature(pairs, secret))]


def proxy_url(pairs: Iterable[tuple[str, str]]) -> str:
    return f"/proxy/graphql?{urlencode(list(pairs))}"


def body(query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"query": query, "variables": dict(variables or {})}


def cancel_body(order_id: str | int, reason: str = "ORDERED_BY_MISTAKE", **extra: Any) -> Any:
    return body(CANCEL_MUTATION, {"input": {"orderId": str(order_id), "reason": reason, **extra}})


def order_body(order_id: str | int) -> dict[str, Any]:
    return body(ORDER_QUERY, {"id": str(order_id)})


async def post_signed(
    stack: Stack,
    *,
    json: Any = None,
    content: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    pairs: Pairs | None = None,
    **request: Any,
) -> httpx.Response:
    """POST straight to the backend with a valid signature for Ada (or `pairs`)."""
    url = proxy_url(pairs if pairs is not None else signed(proxy_params()))
    async with stack.direct() as client:
        return await client.post(url, json=json, content=content, headers=headers, **request)


class Witness:
    """What the world looked like before the attack."""

    def __init__(self, stack: Stack, orders: dict[int, Order], attempts: int) -> None:
        self.stack = stack
        self.orders = orders
        self.attempts = attempts

    @classmethod
    async def of(cls, stack: Stack) -> Witness:
        stack.world.settle_jobs()
        attempts = len(await stack.store.attempts("demo-shop"))
        return cls(stack, copy.deepcopy(stack.world.orders), attempts)

    async def nothing_changed(self) -> None:
        """No order changed and no orderCancel ran (reads and refusals may have happened)."""
        self.stack.world.settle_jobs()
        assert self.stack.world.orders == self.orders
        assert [call for call in self.stack.world.calls_for("orderCancel") if call.executed] == []

    async def nothing_ran(self) -> None:
        """Refused before the schema: not one Admin API call, not one attempt recorded."""
        await self.nothing_changed()
        assert self.stack.world.calls == []
        assert len(await self.stack.store.attempts("demo-shop")) == self.attempts

    async def only_cancelled(self, order_id: int) -> None:
        """Exactly one orderCancel ran, for `order_id`, and no other order changed."""
        self.stack.world.advance(60)  # let devshop's cancel job finish
        self.stack.world.settle_jobs()
        cancels = [call for call in self.stack.world.calls_for("orderCancel") if call.executed]
        assert len(cancels) == 1
        changed = {
            order_id
            for order_id, order in self.stack.world.orders.items()
            if self.orders.get(order_id) != order
        }
        assert changed == {order_id}
        assert self.stack.world.orders[order_id].cancelled_at is not None


@pytest.fixture
async def prod(tmp_path: Path) -> AsyncIterator[Stack]:
    """The backend as it runs for real shops: APP_ENV=production, the default rate limits."""
    async with running_stack(tmp_path, app_env="production", rate_limits=RateLimits()) as running:
        yield running


@pytest.fixture
async def witness(prod: Stack) -> Witness:
    return await Witness.of(prod)


CANCELLABLE = DemoOrders.CANCELLABLE

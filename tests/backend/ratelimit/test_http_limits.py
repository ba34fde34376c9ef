"""Rate limits at the endpoint, with the default rules: 429, Retry-After, nothing sent on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend.ratelimit import RateLimits
from tests.conftest import CANCEL_MUTATION, Stack, graphql, running_stack
from tests.signed_proxy import post_signed

RATE_LIMITED = {
    "errors": [
        {
            "message": "Too many requests; please wait a moment and try again.",
            "extensions": {"code": "RATE_LIMITED"},
        }
    ]
}


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, rate_limits=RateLimits()) as running:
        yield running


def cancel_input(order_id: int | str) -> dict[str, Any]:
    return {"input": {"orderId": str(order_id), "reason": "OTHER"}}


def cancel_body(order_id: int | str) -> dict[str, Any]:
    return {"query": CANCEL_MUTATION, "variables": cancel_input(order_id)}


async def test_a_customers_sixth_cancel_in_a_minute_is_429_and_reaches_nobody(
    limited: Stack,
) -> None:
    async with limited.shopper() as ada:
        for order_id in range(5001, 5006):
            response = await graphql(ada, CANCEL_MUTATION, cancel_input(order_id))
            assert response.status_code == 200
        calls, attempts = len(limited.world.calls), len(await limited.store.attempts("demo-shop"))

        response = await graphql(ada, CANCEL_MUTATION, cancel_input(5011))

    assert response.status_code == 429
    assert response.json() == RATE_LIMITED
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert len(limited.world.calls) == calls
    assert len(await limited.store.attempts("demo-shop")) == attempts


async def test_a_fourth_try_at_one_order_in_an_hour_is_429(limited: Stack) -> None:
    async with limited.direct() as client:
        statuses = [(await post_signed(client, cancel_body(5001))).status_code for _ in range(4)]
        # Order ids in either form are one order.
        again = await post_signed(client, cancel_body("gid://shopify/Order/5001"))
    assert statuses == [200, 200, 200, 429]
    assert again.status_code == 429
    assert limited.admin_calls("orderCancel") == 1


async def test_a_sixty_first_read_from_one_ip_is_429_and_other_ips_go_on(limited: Stack) -> None:
    read = {"query": "{ __typename }"}
    async with limited.direct() as client:
        for _ in range(60):
            response = await post_signed(client, read, customer=None, ip="203.0.113.9")
            assert response.status_code == 200
        refused = await post_signed(client, read, customer=None, ip="203.0.113.9")
        other = await post_signed(client, read, customer=None, ip="203.0.113.10")
    assert refused.status_code == 429
    assert refused.json() == RATE_LIMITED
    assert other.status_code == 200


async def test_a_forged_forwarded_for_does_not_escape_the_ip_limit(limited: Stack) -> None:
    read = {"query": "{ __typename }"}
    async with limited.direct() as client:
        for n in range(60):
            # The shopper sends their own X-Forwarded-For; Shopify appends what it saw.
            forged = f"198.51.100.{n}, 203.0.113.9"
            assert (await post_signed(client, read, customer=None, ip=forged)).status_code == 200
        refused = await post_signed(client, read, customer=None, ip="10.0.0.1, 203.0.113.9")
    assert refused.status_code == 429


async def test_the_block_reads_on_through_shopifys_proxy(limited: Stack) -> None:
    async with limited.shopper() as ada:
        statuses = [(await graphql(ada, "{ __typename }")).status_code for _ in range(61)]
    assert statuses == [200] * 60 + [429]

"""Shopify failing: a clear, retryable answer, no record lost, and a retry that cancels once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.store.base import Outcome
from devshop.seed import DemoOrders
from tests.conftest import ORDER_QUERY, Stack, cancel, graphql, running_stack

GID = f"gid://shopify/Order/{DemoOrders.CANCELLABLE}"
TRY_AGAIN = {
    "__typename": "CancelOrderRefused",
    "code": "TRY_AGAIN",
    "message": "We couldn't reach the shop just now. Nothing was changed; please try again.",
}


@pytest.fixture
async def impatient(tmp_path: Path) -> AsyncIterator[Stack]:
    """A stack whose backend gives Shopify half a second per call and one second in all."""
    async with running_stack(tmp_path, admin_timeout=0.5, admin_retry_budget=1.0) as running:
        yield running


async def outcomes(stack: Stack) -> list[Outcome]:
    return [attempt.outcome for attempt in await stack.store.attempts("demo-shop")]


def cancelled(stack: Stack) -> bool:
    stack.world.settle_jobs()
    order = stack.world.order(DemoOrders.CANCELLABLE)
    return order is not None and order.cancelled_at is not None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_shopify_down_on_cancel_then_retry_cancels_once(stack: Stack, status: int) -> None:
    stack.faults.fail(status, field="orderCancel", times=1)
    async with stack.shopper() as ada:
        first = await cancel(ada, DemoOrders.CANCELLABLE)
        assert first == TRY_AGAIN
        assert not cancelled(stack)
        assert await stack.store.get_cancellation("demo-shop", GID) is None
        second = await cancel(ada, DemoOrders.CANCELLABLE)
    assert second["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 1
    assert await outcomes(stack) == [Outcome.FAILED, Outcome.PENDING]


async def test_shopify_down_on_the_read_retries_within_budget(stack: Stack) -> None:
    stack.faults.fail(503, field="order", times=2)
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
    assert result["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 1


async def test_shopify_down_for_longer_than_the_budget(impatient: Stack) -> None:
    impatient.faults.fail(503, times=None)
    async with impatient.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
        read = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
    assert result == TRY_AGAIN
    assert read.json()["errors"][0]["extensions"]["code"] == "SHOPIFY_UNAVAILABLE"
    assert impatient.admin_calls("orderCancel") == 0
    assert await outcomes(impatient) == [Outcome.FAILED]


async def test_throttled_requests_wait_for_the_bucket_and_go_through(stack: Stack) -> None:
    stack.faults.throttle(times=2, currently_available=200)
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
    assert result["__typename"] == "CancelOrderSuccess"
    throttled = [call for call in stack.world.calls if call.throttled]
    assert len(throttled) == 2
    assert stack.admin_calls("orderCancel") == 1


async def test_throttled_past_the_budget_answers_try_again(impatient: Stack) -> None:
    impatient.faults.throttle(times=None, field="orderCancel", currently_available=0)
    async with impatient.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
    assert result == TRY_AGAIN
    assert impatient.admin_calls("orderCancel") == 0
    assert not cancelled(impatient)


async def test_slow_shopify_times_out_and_nothing_is_lost(impatient: Stack) -> None:
    impatient.faults.delay(2.0, field="orderCancel", times=1)
    async with impatient.shopper() as ada:
        first = await cancel(ada, DemoOrders.CANCELLABLE)
        assert first == TRY_AGAIN
        second = await cancel(ada, DemoOrders.CANCELLABLE)
    assert second["__typename"] == "CancelOrderSuccess"
    assert impatient.admin_calls("orderCancel") == 1
    assert await outcomes(impatient) == [Outcome.FAILED, Outcome.PENDING]


async def test_cancel_that_ran_but_answered_502_is_not_cancelled_twice(stack: Stack) -> None:
    # The nasty case: Shopify ran the mutation, then the answer was lost.
    stack.faults.fail_after_execute(502, field="orderCancel", times=1)
    async with stack.shopper() as ada:
        first = await cancel(ada, DemoOrders.CANCELLABLE)
        assert first == TRY_AGAIN
        second = await cancel(ada, DemoOrders.CANCELLABLE)
        stack.clock.advance(seconds=5)
        third = await cancel(ada, DemoOrders.CANCELLABLE)
    assert second["__typename"] == "CancelOrderSuccess"
    assert second["order"]["status"] in ("PENDING", "CANCELLED")
    assert third["__typename"] in ("CancelOrderSuccess", "CancelOrderRefused")
    assert cancelled(stack)
    order = stack.world.order(DemoOrders.CANCELLABLE)
    assert order is not None and order.cancel_reason == "CUSTOMER"
    executed = [c for c in stack.world.calls_for("orderCancel") if c.executed]
    assert len(executed) == 2  # the lost one, and the retry Shopify refused
    assert len([job for job in stack.world.jobs.values()]) == 1  # one cancellation happened

"""Redis down or silent: cancels fail closed (503, Retry-After, nothing sent to Shopify), reads
answer the same, and service resumes when Redis is back. Never a 500, never an unlimited cancel.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.base import ShopToken
from backend.store.redis import RedisStore
from devshop.seed import DemoOrders
from devshop.settings import DEMO_ACCESS_TOKEN
from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, graphql, running_stack
from tests.redis_server import RedisServer

UNAVAILABLE = {
    "errors": [
        {
            "message": "The service is briefly unavailable; please try again in a moment.",
            "extensions": {"code": "TEMPORARILY_UNAVAILABLE"},
        }
    ]
}


def cancel_input(order_id: int) -> dict[str, Any]:
    return {"input": {"orderId": str(order_id), "reason": "OTHER"}}


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


def redis_store(url: str) -> RedisStore:
    return RedisStore(url, prefix=f"test-{uuid.uuid4().hex}", timeout=0.5)


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "5"


async def test_redis_stopped_mid_test_refuses_cancels_and_reads_then_recovers(
    tmp_path: Path, own_server: RedisServer
) -> None:
    store = redis_store(own_server.url)
    async with (
        running_stack(tmp_path, store=store, redis_url=own_server.url, redis_timeout=0.5) as stack,
        stack.shopper() as ada,
    ):
        first = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
        assert first.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"

        await asyncio.to_thread(own_server.stop)
        calls = len(stack.world.calls)
        refused = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE_10_MIN))
        read = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE_10_MIN)})
        assert_unavailable(refused)
        assert_unavailable(read)
        assert len(stack.world.calls) == calls  # nothing reached Shopify

        await asyncio.to_thread(own_server.start)  # empty: the demo shop's token is gone too
        await store.save_token("demo-shop", ShopToken(access_token=DEMO_ACCESS_TOKEN))
        again = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE_10_MIN))
        assert again.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 2


async def test_a_store_failing_after_the_limit_check_still_answers_503(
    tmp_path: Path, own_server: RedisServer
) -> None:
    # Limits in memory, the store in Redis: the failure surfaces inside the resolver.
    async with (
        running_stack(tmp_path, store=redis_store(own_server.url)) as stack,
        stack.shopper() as ada,
    ):
        await asyncio.to_thread(own_server.stop)
        refused = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
        read = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
    assert_unavailable(refused)
    assert_unavailable(read)
    assert stack.admin_calls("orderCancel") == 0


async def test_a_limiter_redis_that_never_answers_refuses_cancels(tmp_path: Path) -> None:
    # A listening socket nobody reads: the kernel completes the TCP handshake, then silence.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        async with (
            running_stack(tmp_path, redis_url=url, redis_timeout=0.2) as stack,
            stack.shopper() as ada,
        ):
            refused = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
            read = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
            assert await stack.store.attempts("demo-shop") == []
    assert_unavailable(refused)
    assert_unavailable(read)
    assert stack.world.calls == []

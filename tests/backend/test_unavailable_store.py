"""PostgreSQL or the limiter's Redis down, stuck or silent: storefront requests fail closed (503,
Retry-After, nothing sent to Shopify), service resumes by itself, and no record is lost.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devshop.seed import DemoOrders
from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, graphql, running_stack
from tests.postgres_server import APP_ROLE, PostgresServer
from tests.redis_server import RedisServer
from tests.stores import postgres_store

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


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "5"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


async def test_postgres_restarted_mid_run_answers_503_then_recovers_losing_nothing(
    tmp_path: Path, own_postgres: PostgresServer
) -> None:
    store = postgres_store(own_postgres.create_database("shop"), timeout=1.0)
    async with running_stack(tmp_path, store=store) as stack, stack.shopper() as ada:
        first = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
        assert first.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
        before = await store.attempts("demo-shop")

        await asyncio.to_thread(own_postgres.stop)
        calls = len(stack.world.calls)
        for _ in range(3):
            assert_unavailable(
                await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE_10_MIN))
            )
            assert_unavailable(
                await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE_10_MIN)})
            )
        assert len(stack.world.calls) == calls  # nothing reached Shopify

        await asyncio.to_thread(own_postgres.start)  # the same cluster: everything kept
        again = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE_10_MIN))
        assert again.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
        after = await store.attempts("demo-shop")
        records = await store.get_cancellations(
            "demo-shop",
            [
                f"gid://shopify/Order/{n}"
                for n in (DemoOrders.CANCELLABLE, DemoOrders.CANCELLABLE_10_MIN)
            ],
        )
    assert len(before) == 1
    assert after[:1] == before and len(after) == 2  # the first kept, the 503s never recorded
    assert len(records) == 2
    assert stack.admin_calls("orderCancel") == 2


async def test_a_locked_table_times_out_into_503_and_frees_itself(
    tmp_path: Path, own_postgres: PostgresServer
) -> None:
    """PostgreSQL answering, but a table held by someone else: the statement timeout ends the
    wait, the customer hears 503, and the lock's end restores service."""
    store = postgres_store(own_postgres.create_database("locked"), timeout=1.0)
    async with running_stack(tmp_path, store=store) as stack, stack.shopper() as ada:
        holder = subprocess.Popen(
            own_postgres.psql_command(
                "locked", "BEGIN; LOCK TABLE policies IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4);"
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await asyncio.sleep(0.5)  # the lock is taken
            refused = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
            assert_unavailable(refused)
            assert stack.admin_calls("orderCancel") == 0
        finally:
            await asyncio.to_thread(holder.wait)
        again = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
    assert again.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 1
    assert APP_ROLE in own_postgres.sql(
        "locked", "SELECT tableowner FROM pg_tables WHERE tablename = 'policies'"
    )


async def test_limiter_redis_stopped_mid_test_refuses_cancels_and_reads_then_recovers(
    tmp_path: Path, own_redis: RedisServer
) -> None:
    async with (
        running_stack(tmp_path, redis_url=own_redis.url, redis_timeout=0.5) as stack,
        stack.shopper() as ada,
    ):
        first = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE))
        assert first.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"

        await asyncio.to_thread(own_redis.stop)
        calls = len(stack.world.calls)
        refused = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE_10_MIN))
        read = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE_10_MIN)})
        assert_unavailable(refused)
        assert_unavailable(read)
        assert len(stack.world.calls) == calls  # nothing reached Shopify

        await asyncio.to_thread(own_redis.start)
        again = await graphql(ada, CANCEL_MUTATION, cancel_input(DemoOrders.CANCELLABLE_10_MIN))
        assert again.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 2


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

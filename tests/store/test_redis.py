"""What only the Redis store has to show: processes, a server that goes away, and its keys."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import redis.asyncio
from redis.exceptions import ConnectionError, TimeoutError

from backend.policy import ShopPolicy
from backend.store.base import Attempt, CancellationRecord, FlightState, Outcome, ShopToken
from backend.store.redis import RedisStore
from tests.redis_server import RedisServer
from tests.store.racers import ORDERS, race

ROOT = Path(__file__).resolve().parents[2]
SHOP = "alpha.myshopify.com"
OTHER_SHOP = "beta.myshopify.com"
ORDER = "gid://shopify/Order/1001"
T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def flight(shop: str = SHOP, customer: str = "1") -> CancellationRecord:
    return CancellationRecord(
        shop=shop,
        order_id=ORDER,
        customer_id=customer,
        state=FlightState.IN_FLIGHT,
        reason_code="OTHER",
        note=None,
        created_at=T0,
        updated_at=T0,
    )


def attempt(shop: str = SHOP) -> Attempt:
    return Attempt(
        shop=shop,
        order_id=ORDER,
        customer_id="1",
        reason_code="OTHER",
        note=None,
        outcome=Outcome.PENDING,
        at=T0,
    )


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
async def store(redis_server: str, prefix: str) -> AsyncIterator[RedisStore]:
    store = RedisStore(redis_server, prefix=prefix)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def raw(redis_server: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain client on the same server, to look at the keys themselves."""
    client = redis.asyncio.Redis.from_url(redis_server)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A server for this test alone, which it may stop and start."""
    with RedisServer(tmp_path / "redis") as server:
        yield server


async def snapshot(client: redis.asyncio.Redis, pattern: str) -> dict[bytes, bytes | None]:
    # DUMP is the value serialized whole: equal dumps, untouched keys.
    keys = sorted([key async for key in client.scan_iter(match=pattern)])
    return {key: await client.dump(key) for key in keys}


# Keys


async def test_keys_are_namespaced_by_prefix_and_shop(
    store: RedisStore, raw: redis.asyncio.Redis, prefix: str
) -> None:
    await store.save_policy(SHOP, ShopPolicy())
    await store.save_token(SHOP, ShopToken("shpat_alpha"))
    await store.claim(flight(), stale_before=T0)
    await store.record_attempt(attempt())

    keys = {key.decode() async for key in raw.scan_iter(match=f"{prefix}:*")}

    shop = f"{prefix}:{{{SHOP}}}"
    assert keys == {
        f"{shop}:policy",
        f"{shop}:token",
        f"{shop}:cancel:{ORDER}",
        f"{shop}:attempts",
        f"{shop}:attempts:seq",
    }


async def test_one_shops_operations_never_touch_another_shops_keys(
    store: RedisStore, raw: redis.asyncio.Redis, prefix: str
) -> None:
    await store.save_policy(SHOP, ShopPolicy(window_minutes=15))
    await store.save_token(SHOP, ShopToken("shpat_alpha"))
    await store.claim(flight(), stale_before=T0)
    await store.record_attempt(attempt())
    alpha = f"{prefix}:{{{SHOP}}}:*"
    before = await snapshot(raw, alpha)

    later = T0 + timedelta(hours=1)
    await store.save_policy(OTHER_SHOP, ShopPolicy())
    await store.save_token(OTHER_SHOP, ShopToken("shpat_beta"))
    await store.delete_token(OTHER_SHOP)
    await store.claim(flight(OTHER_SHOP), stale_before=later)
    await store.settle(OTHER_SHOP, ORDER, FlightState.REJECTED, at=later, message="no")
    await store.release(OTHER_SHOP, ORDER)
    await store.claim(flight(OTHER_SHOP, customer="2"), stale_before=later)
    await store.release(OTHER_SHOP, ORDER)
    await store.record_attempt(attempt(OTHER_SHOP))
    await store.get_cancellations(OTHER_SHOP, [ORDER])
    await store.attempts(OTHER_SHOP)

    assert await snapshot(raw, alpha) == before
    beta_keys = {key async for key in raw.scan_iter(match=f"{prefix}:{{{OTHER_SHOP}}}:*")}
    all_keys = {key async for key in raw.scan_iter(match=f"{prefix}:*")}
    assert all_keys == set(before) | beta_keys


async def test_a_shop_that_could_escape_its_hash_tag_is_refused(store: RedisStore) -> None:
    with pytest.raises(ValueError, match="not a shop domain"):
        await store.get_policy("alpha}:evil")


# Processes


def test_two_processes_racing_for_the_same_orders_have_one_winner_each(
    redis_server: str, prefix: str
) -> None:
    won = race("redis", [redis_server, prefix])

    assert sorted(won["process-a"] + won["process-b"]) == sorted(ORDERS)
    with redis.Redis.from_url(redis_server, decode_responses=True) as client:
        holders = {
            order_id: client.hget(f"{prefix}:{{{SHOP}}}:cancel:{order_id}", "customer_id")
            for order_id in ORDERS
        }
    assert holders == {order_id: name for name in won for order_id in won[name]}


# A server that goes away


async def test_closed_store_fails_its_ping_and_refuses_calls(redis_server: str) -> None:
    store = RedisStore(redis_server)
    await store.open()
    await store.close()
    await store.close()  # a second close is harmless

    assert await store.ping() is False
    with pytest.raises(RuntimeError, match="not open"):
        await store.get_policy(SHOP)


async def test_stopped_server_fails_the_ping_and_every_call_raises_connection_error(
    own_server: RedisServer,
) -> None:
    store = RedisStore(own_server.url)
    await store.open()
    try:
        await store.claim(flight(), stale_before=T0)
        own_server.stop()

        started = time.monotonic()
        assert await store.ping() is False
        with pytest.raises(ConnectionError):
            await store.get_cancellation(SHOP, ORDER)
        with pytest.raises(ConnectionError):
            await store.claim(flight(customer="2"), stale_before=T0)
        with pytest.raises(ConnectionError):
            await store.record_attempt(attempt())
        # Refused connections fail at once: no retries with backoff in between.
        assert time.monotonic() - started < 1.0
    finally:
        await store.close()


async def test_restarted_server_is_used_again_without_a_failed_call(
    own_server: RedisServer,
) -> None:
    store = RedisStore(own_server.url)
    await store.open()
    try:
        # Several pooled connections, all of which the restart closes.
        await asyncio.gather(*(store.get_policy(SHOP) for _ in range(10)))
        # In a thread, so the loop keeps running and sees the server close its connections,
        # as it would in production.
        await asyncio.to_thread(own_server.stop)
        await asyncio.to_thread(own_server.start)

        await store.save_token(SHOP, ShopToken("shpat_after"))
        assert await store.get_token(SHOP) == ShopToken("shpat_after")
        assert await store.ping() is True
    finally:
        await store.close()


async def test_a_server_that_never_answers_times_out_quickly() -> None:
    # A listening socket nobody reads: the kernel completes the TCP handshake, then silence.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        store = RedisStore(f"redis://127.0.0.1:{port}/0", timeout=0.2)
        await store.open()
        try:
            started = time.monotonic()
            assert await store.ping() is False
            with pytest.raises(TimeoutError):
                await store.get_policy(SHOP)
            assert time.monotonic() - started < 2.0
        finally:
            await store.close()

"""Counting: in memory for one process, in Redis for many; closed when Redis fails."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.ratelimit import Kind, Limiter, LimiterUnavailable, RateLimits, Scope, Subject
from tests.redis_server import RedisServer

ADA = Subject(shop="demo-shop", customer="gid://shopify/Customer/1001", ip="203.0.113.7")
BOB = Subject(shop="demo-shop", customer="gid://shopify/Customer/1002", ip="203.0.113.8")


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[Limiter]:
    url = request.getfixturevalue("redis_server") if request.param == "redis" else None
    limiter = Limiter(RateLimits(), url, prefix=f"test-{uuid.uuid4().hex}")
    await limiter.open()
    try:
        yield limiter
    finally:
        await limiter.close()


async def test_the_sixth_cancel_in_a_minute_is_refused_for_a_minute(limiter: Limiter) -> None:
    orders = [f"gid://shopify/Order/{n}" for n in range(1, 7)]
    verdicts = [
        await limiter.hit(Kind.CANCEL, Subject(ADA.shop, ADA.customer, ADA.ip, order))
        for order in orders
    ]
    assert verdicts[:5] == [None] * 5
    refusal = verdicts[5]
    assert refusal is not None and refusal.scope is Scope.CUSTOMER
    assert 1 <= refusal.retry_after <= 60


async def test_concurrent_cancels_never_pass_more_than_the_limit(limiter: Limiter) -> None:
    subjects = [
        Subject(ADA.shop, ADA.customer, ADA.ip, f"gid://shopify/Order/{n}") for n in range(40)
    ]
    verdicts = await asyncio.gather(*(limiter.hit(Kind.CANCEL, s) for s in subjects))
    assert sum(verdict is None for verdict in verdicts) == 5


async def test_a_fourth_cancel_of_one_order_in_an_hour_is_refused(limiter: Limiter) -> None:
    order = "gid://shopify/Order/5001"
    for subject in (ADA, BOB, ADA):
        assert (
            await limiter.hit(
                Kind.CANCEL, Subject(subject.shop, subject.customer, subject.ip, order)
            )
            is None
        )
    refusal = await limiter.hit(Kind.CANCEL, Subject(BOB.shop, BOB.customer, BOB.ip, order))
    assert refusal is not None and refusal.scope is Scope.ORDER
    assert refusal.retry_after > 60 * 59


async def test_reads_and_cancels_are_counted_apart(limiter: Limiter) -> None:
    for _ in range(5):
        assert await limiter.hit(Kind.CANCEL, ADA) is None
    assert await limiter.hit(Kind.CANCEL, ADA) is not None
    assert await limiter.hit(Kind.READ, ADA) is None


async def test_one_customer_at_the_limit_leaves_others_alone(limiter: Limiter) -> None:
    for _ in range(5):
        await limiter.hit(Kind.CANCEL, ADA)
    assert await limiter.hit(Kind.CANCEL, ADA) is not None
    assert await limiter.hit(Kind.CANCEL, BOB) is None


async def test_many_customers_behind_one_ip_share_its_read_limit(limiter: Limiter) -> None:
    customers = [
        Subject("demo-shop", f"gid://shopify/Customer/{n}", "198.51.100.1") for n in range(61)
    ]
    verdicts = [await limiter.hit(Kind.READ, subject) for subject in customers]
    assert verdicts[:60] == [None] * 60
    assert verdicts[60] is not None and verdicts[60].scope is Scope.IP


async def test_a_rule_switched_off_counts_nothing() -> None:
    limiter = Limiter(RateLimits(cancel_customer="off", cancel_ip="off"))
    await limiter.open()
    try:
        verdicts = [await limiter.hit(Kind.CANCEL, ADA) for _ in range(30)]
    finally:
        await limiter.close()
    assert all(verdict is None for verdict in verdicts)


async def test_a_stopped_redis_refuses_instead_of_allowing(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        limiter = Limiter(RateLimits(), server.url, timeout=0.5)
        await limiter.open()
        try:
            assert await limiter.hit(Kind.CANCEL, ADA) is None
            await asyncio.to_thread(server.stop)
            with pytest.raises(LimiterUnavailable):
                await limiter.hit(Kind.CANCEL, ADA)
            await asyncio.to_thread(server.start)
            assert await limiter.hit(Kind.CANCEL, ADA) is None  # and counts again once it is back
        finally:
            await limiter.close()


async def test_a_redis_that_never_answers_refuses_after_the_timeout() -> None:
    # A listening socket nobody reads: the kernel completes the TCP handshake, then silence.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        limiter = Limiter(RateLimits(), f"redis://127.0.0.1:{port}/0", timeout=0.2)
        await limiter.open()
        try:
            with pytest.raises(LimiterUnavailable):
                await limiter.hit(Kind.CANCEL, ADA)
        finally:
            await limiter.close()

"""slowapi at the door: per client IP and route, before any signature or token is checked."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from backend.ratelimit import RateLimits
from devshop.settings import DEMO_SHOP
from tests.backend.test_webhooks import sender
from tests.conftest import CANCEL_MUTATION, Stack, running_stack
from tests.signed_proxy import post_signed

DOOR = "5/minute"
BODY = {"query": CANCEL_MUTATION, "variables": {"input": {"orderId": "5001", "reason": "OTHER"}}}


def door_rules(door: str = DOOR) -> RateLimits:
    return dataclasses.replace(RateLimits.everywhere("10000/minute"), door=door)


@pytest.fixture
async def door(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, rate_limits=door_rules()) as running:
        yield running


def client_at(stack: Stack, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=stack.served_backend, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://backend")


async def test_forged_requests_are_throttled_by_ip_before_verification(door: Stack) -> None:
    async with client_at(door, "203.0.113.7") as forger:
        forged = [
            await forger.post("/proxy/graphql?shop=demo-shop.myshopify.com&signature=00", json=BODY)
            for _ in range(5)
        ]
        assert [r.status_code for r in forged] == [401] * 5
        assert [r.headers["x-ratelimit-remaining"] for r in forged] == ["4", "3", "2", "1", "0"]
        assert all(r.headers["x-ratelimit-limit"] == "5" for r in forged)
        reset = int(forged[0].headers["x-ratelimit-reset"])  # an epoch, in whole seconds
        assert time.time() < reset <= time.time() + 62  # slowapi adds a second

        sixth = await forger.post("/proxy/graphql?signature=00", json=BODY)
        # Even a correctly signed request, and another "shopper" named in X-Forwarded-For: the
        # door counts the address it can trust, before the signature says who sent it.
        signed = await post_signed(forger, BODY, ip="198.51.100.1")

    for refused in (sixth, signed):
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-ratelimit-remaining"] == "0"
    assert door.world.calls == []

    async with client_at(door, "203.0.113.8") as neighbour:
        assert (await post_signed(neighbour, BODY)).status_code == 200


async def test_every_route_has_the_door_each_counted_apart(door: Stack) -> None:
    async with client_at(door, "203.0.113.9") as client:
        for path, method in [("/admin/graphql", "POST"), ("/extensions/graphql", "POST")]:
            statuses = [(await client.request(method, path, json={})).status_code for _ in range(6)]
            assert statuses == [401] * 5 + [429], path
        statuses = [(await client.get("/metrics")).status_code for _ in range(6)]
        assert statuses == [404] * 5 + [429]


async def test_probes_are_never_at_the_door(tmp_path: Path) -> None:
    # Even with the door's Redis away: liveness must not fail with it.
    unreachable = "redis://127.0.0.1:9/0"
    async with running_stack(
        tmp_path, rate_limits=door_rules(), redis_url=unreachable, redis_timeout=0.5
    ) as stack:
        async with client_at(stack, "203.0.113.12") as client:
            health = [(await client.get("/healthz")).status_code for _ in range(10)]
            ready = await client.get("/readyz")
            door_down = await client.post("/proxy/graphql", json=BODY)
    assert health == [200] * 10
    assert ready.status_code == 503
    assert ready.json()["problems"] == ["rate limit storage (Redis) unavailable"]
    assert door_down.status_code == 503
    assert door_down.headers["retry-after"] == "5"
    assert door_down.json()["errors"][0]["extensions"]["code"] == "TEMPORARILY_UNAVAILABLE"


async def test_a_burst_of_200_valid_webhooks_is_never_throttled(door: Stack) -> None:
    deliveries = [
        await sender(door).send("app/uninstalled", {"id": n}, shop=DEMO_SHOP) for n in range(200)
    ]
    assert [d.status for d in deliveries] == [200] * 200


async def test_forged_webhooks_are_refused_by_their_hmac_not_throttled(door: Stack) -> None:
    deliveries = [
        await sender(door).send("app/uninstalled", {"id": n}, shop=DEMO_SHOP, secret="forged")
        for n in range(10)
    ]
    assert [d.status for d in deliveries] == [401] * 10


async def test_the_door_counts_in_redis_with_redis_url(tmp_path: Path, redis_server: str) -> None:
    async with running_stack(tmp_path, rate_limits=door_rules(), redis_url=redis_server) as stack:
        async with client_at(stack, "203.0.113.10") as client:
            statuses = [
                (await client.post("/proxy/graphql", json=BODY)).status_code for _ in range(6)
            ]
    assert statuses == [401] * 5 + [429]
    redis = Redis.from_url(redis_server)
    try:
        keys = [key.decode() async for key in redis.scan_iter("cancel-button:door*")]
    finally:
        await redis.aclose()
    assert any("/203.0.113.10//proxy/graphql/" in key for key in keys), keys


async def test_the_door_is_off_with_off(tmp_path: Path) -> None:
    async with running_stack(tmp_path, rate_limits=door_rules("off")) as stack:
        async with client_at(stack, "203.0.113.11") as client:
            responses = [await client.get("/metrics") for _ in range(10)]
    assert [r.status_code for r in responses] == [404] * 10
    assert "x-ratelimit-limit" not in responses[0].headers

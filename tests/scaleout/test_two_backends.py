"""Scale-out: two backend processes behind one Redis behave as one backend.

A real redis-server, devshop and two `python -m backend` processes with the same REDIS_URL,
each on its own port. Requests are signed as Shopify's App Proxy signs them and sent straight to
either backend, as a load balancer would spread them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from backend.store.redis import RedisStore
from devshop.processes import Server, demo_env, free_port, running, spawn
from devshop.seed import DemoOrders
from tests.conftest import CANCEL_MUTATION
from tests.redis_server import RedisServer
from tests.signed_proxy import signed_url

RAISED = {
    f"RATE_LIMIT_{name}": "100000/minute"
    for name in ("READ_IP", "READ_CUSTOMER", "READ_SHOP", "CANCEL_IP", "CANCEL_CUSTOMER")
} | {"RATE_LIMIT_CANCEL_ORDER": "100000/minute", "RATE_LIMIT_CANCEL_SHOP": "100000/minute"}


@contextlib.contextmanager
def two_backends(workdir: Path, **extra_env: str) -> Iterator[tuple[Server, list[Server], str]]:
    """devshop and two backends sharing one fresh redis-server (its URL); all stopped at the end."""
    with RedisServer(workdir / "redis") as redis:
        devshop_port = free_port()
        ports = [free_port(), free_port()]
        servers = []
        for name, port in [
            ("devshop", devshop_port),
            ("backend-a", ports[0]),
            ("backend-b", ports[1]),
        ]:
            env = demo_env(
                backend_port=port,
                devshop_port=devshop_port,
                sqlite_path=workdir / "unused.sqlite3",
                REDIS_URL=redis.url,
                **extra_env,
            )
            module = "devshop" if name == "devshop" else "backend"
            servers.append(spawn(name, module, env, port, log=workdir / f"{name}.log", cwd=workdir))
        with running(servers):
            yield servers[0], servers[1:], redis.url


def cancel_payload(order_id: int) -> dict[str, Any]:
    return {
        "query": CANCEL_MUTATION,
        "variables": {"input": {"orderId": str(order_id), "reason": "OTHER"}},
    }


async def send_cancel(client: httpx.AsyncClient, backend: Server, order_id: int) -> httpx.Response:
    return await client.post(backend.url + signed_url(), json=cancel_payload(order_id))


def executed_order_cancels(devshop: Server) -> int:
    calls = httpx.get(f"{devshop.url}/_devshop/calls?field=orderCancel", timeout=10).json()
    return sum(1 for call in calls["calls"] if call["executed"])


async def test_the_per_customer_limit_holds_across_both_backends(tmp_path: Path) -> None:
    orders = [
        DemoOrders.CANCELLABLE,
        DemoOrders.CANCELLABLE_10_MIN,
        DemoOrders.SPARE_2_MIN,
        DemoOrders.SPARE_15_MIN,
        DemoOrders.SPARE_30_MIN,
    ]
    with two_backends(tmp_path) as (_, backends, _):
        async with httpx.AsyncClient(timeout=30) as client:
            allowed = [
                await send_cancel(client, backends[i % 2], order_id)
                for i, order_id in enumerate(orders)
            ]
            sixth = [
                await send_cancel(client, backend, DemoOrders.WINDOW_CLOSED) for backend in backends
            ]
    assert [r.status_code for r in allowed] == [200] * 5
    assert all(
        r.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess" for r in allowed
    )
    assert [r.status_code for r in sixth] == [429, 429]
    assert all(r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED" for r in sixth)
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in sixth)


async def test_a_hundred_identical_cancels_over_both_backends_make_one_order_cancel(
    tmp_path: Path,
) -> None:
    with two_backends(tmp_path, **RAISED) as (devshop, backends, redis_url):
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            started = time.monotonic()
            responses = await asyncio.gather(
                *(send_cancel(client, backends[i % 2], DemoOrders.CANCELLABLE) for i in range(100))
            )
            elapsed = time.monotonic() - started
        order_cancels = executed_order_cancels(devshop)
        store = RedisStore(redis_url)
        await store.open()
        try:
            attempts = await store.attempts("demo-shop")
        finally:
            await store.close()

    assert Counter(r.status_code for r in responses) == {200: 100}
    answers = Counter(
        r.json()["data"]["cancelOrder"].get("code") or r.json()["data"]["cancelOrder"]["__typename"]
        for r in responses
    )
    assert set(answers) <= {"CancelOrderSuccess", "TRY_AGAIN"}
    assert order_cancels == 1
    assert len(attempts) == 100  # every one recorded, in the one shared store
    figures = {
        "requests": 100,
        "backends": 2,
        "answers": dict(answers),
        "order_cancel_calls": order_cancels,
        "attempts_recorded": len(attempts),
        "seconds": round(elapsed, 2),
    }
    print("\nscale-out:", json.dumps(figures))

"""Scale-out: two backend processes on one PostgreSQL and one Redis behave as one backend.

A real PostgreSQL (the records, the single flight), a real redis-server (the rate limits),
devshop and two `python -m backend` processes with the same DATABASE_URL and REDIS_URL, each on
its own port, started at once (so both try to migrate the new database: the lock lets one).
Requests are signed as Shopify's App Proxy signs them and sent straight to either backend, as a
load balancer would spread them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from devshop.processes import Server, demo_env, free_port, running, spawn
from devshop.seed import DemoOrders
from tests.conftest import CANCEL_MUTATION
from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer
from tests.signed_proxy import signed_url
from tests.stores import postgres_store

RAISED = {
    f"RATE_LIMIT_{name}": "100000/minute"
    for name in ("READ_IP", "READ_CUSTOMER", "READ_SHOP", "CANCEL_IP", "CANCEL_CUSTOMER")
} | {"RATE_LIMIT_CANCEL_ORDER": "100000/minute", "RATE_LIMIT_CANCEL_SHOP": "100000/minute"}


@contextlib.contextmanager
def two_backends(
    workdir: Path, database_url: str, **extra_env: str
) -> Iterator[tuple[Server, list[Server]]]:
    """devshop and two backends sharing one database and one fresh redis-server."""
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
                DATABASE_URL=database_url,
                **extra_env,
            )
            module = "devshop" if name == "devshop" else "backend"
            servers.append(spawn(name, module, env, port, log=workdir / f"{name}.log", cwd=workdir))
        with running(servers):
            yield servers[0], servers[1:]


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


async def test_the_per_customer_limit_holds_across_both_backends(
    tmp_path: Path, postgres_url: str
) -> None:
    orders = [
        DemoOrders.CANCELLABLE,
        DemoOrders.CANCELLABLE_10_MIN,
        DemoOrders.SPARE_2_MIN,
        DemoOrders.SPARE_15_MIN,
        DemoOrders.SPARE_30_MIN,
    ]
    with two_backends(tmp_path, postgres_url) as (_, backends):
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
    tmp_path: Path, postgres_url: str
) -> None:
    with two_backends(tmp_path, postgres_url, **RAISED) as (devshop, backends):
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            started = time.monotonic()
            responses = await asyncio.gather(
                *(send_cancel(client, backends[i % 2], DemoOrders.CANCELLABLE) for i in range(100))
            )
            elapsed = time.monotonic() - started
        order_cancels = executed_order_cancels(devshop)
        store = postgres_store(postgres_url)
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


async def test_a_backend_killed_mid_cancel_is_taken_over_without_a_second_order_cancel(
    tmp_path: Path, postgres_url: str, postgres_server: PostgresServer
) -> None:
    """Backend A sends orderCancel, Shopify runs it, and A is SIGKILLed before the answer
    comes. Its record stays IN_FLIGHT. After the stale window the customer's retry on backend B
    takes the flight over, reads the order cancelled with A's staff note, and answers with the
    cancel: one orderCancel in all, the record CANCELLED."""
    database = postgres_url.rsplit("/", 1)[1]
    with two_backends(tmp_path, postgres_url, STALE_FLIGHT_SECONDS="2") as (devshop, backends):
        a, b = backends
        httpx.post(
            f"{devshop.url}/_devshop/faults",
            json={"kind": "delay", "seconds": 8, "field": "orderCancel", "after_execute": True},
            timeout=10,
        ).raise_for_status()
        async with httpx.AsyncClient(timeout=30) as client:
            doomed = asyncio.create_task(send_cancel(client, a, DemoOrders.CANCELLABLE))
            for _ in range(200):  # until devshop has run A's orderCancel
                if executed_order_cancels(devshop) == 1:
                    break
                await asyncio.sleep(0.05)
            in_flight = postgres_server.sql(database, "SELECT state FROM cancellations")
            a.process.send_signal(signal.SIGKILL)
            a.process.wait(10)
            with contextlib.suppress(httpx.HTTPError):
                await doomed
            too_soon = await send_cancel(client, b, DemoOrders.CANCELLABLE)
            await asyncio.sleep(2.5)  # past the stale window
            retry = await send_cancel(client, b, DemoOrders.CANCELLABLE)
        state = postgres_server.sql(database, "SELECT state FROM cancellations")
        outcomes = postgres_server.sql(database, "SELECT outcome FROM attempts ORDER BY id")
        order_cancels = executed_order_cancels(devshop)

    assert in_flight == "IN_FLIGHT"
    # Inside the window the live-looking flight is waited for, never doubled.
    assert too_soon.json()["data"]["cancelOrder"]["__typename"] in (
        "CancelOrderSuccess",
        "CancelOrderRefused",
    )
    assert retry.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
    assert retry.json()["data"]["cancelOrder"]["order"]["status"] == "CANCELLED"
    assert order_cancels == 1
    assert state == "CANCELLED"
    assert "CANCELLED" in outcomes.split()  # counted as the button's, not as "elsewhere"

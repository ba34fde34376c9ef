"""The whole product in one process: backend and devshop wired to each other by ASGI transports.

A shopper's request goes where it goes in production: to devshop's storefront domain, through
its App Proxy (signed as Shopify signs), to the backend, which calls devshop's Admin API.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.app import create_app
from backend.ratelimit import RateLimits
from backend.services import Runner
from backend.settings import Settings
from backend.store.base import ShopToken, Store
from backend.store.sql import SQLStore
from devshop.app import create_app as create_devshop
from devshop.faults import Faults
from devshop.session import CUSTOMER_COOKIE, cookie_value
from devshop.settings import (
    DEMO_ACCESS_TOKEN,
    DEMO_API_KEY,
    DEMO_API_SECRET,
    DEMO_SHOP,
    DevshopSettings,
)
from devshop.world import World
from tests.postgres_server import PostgresServer, PostgresServerError
from tests.redis_server import RedisServer, RedisServerError
from tests.stores import TEST_KEY, make_store, sqlite_store

ADA = 1001
BOB = 1002
OTHER_SHOP = "other-shop.myshopify.com"
OTHER_SHOP_TOKEN = "shpat_devshop_other_token"


class Clock:
    """Real time, moved forward by tests that need the future."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


class Served:
    """An ASGI app with its lifespan state in every scope, as uvicorn passes it."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.state: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "the app is not running"
        if scope["type"] == "http":
            scope = {**scope, "state": dict(self.state)}
        await self.app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def running(self, app: Starlette) -> AsyncIterator[None]:
        async with app.router.lifespan_context(app) as state:
            self.app, self.state = app, dict(state or {})
            try:
                yield
            finally:
                self.app = None


@dataclass
class Stack:
    backend: Starlette
    devshop: Starlette
    world: World
    faults: Faults
    store: Store
    clock: Clock
    settings: Settings
    served_backend: Served
    served_devshop: Served

    @property
    def jobs(self) -> Runner:
        runner: Runner = self.backend.state.services.runner
        return runner

    async def settle(self) -> None:
        """Let everything under way finish: devshop's webhooks, then the jobs they and the
        requests deferred (which may make devshop send more), until nothing is left."""
        for _ in range(3):  # a job may make devshop send a webhook, whose job runs next round
            await self.devshop.state.webhooks.drain()
            await self.jobs.drain()

    def shopper(self, customer: int | None = ADA, shop: str = DEMO_SHOP) -> httpx.AsyncClient:
        """A browser on the shop's storefront, signed in as `customer` (None: signed out)."""
        cookies = {} if customer is None else {CUSTOMER_COOKIE: cookie_value(shop, customer)}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.served_devshop),
            base_url=f"http://{shop}",
            cookies=cookies,
        )

    def direct(self) -> httpx.AsyncClient:
        """A client that talks to the backend itself, skipping Shopify's proxy."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.served_backend), base_url="http://backend"
        )

    def admin_calls(self, field: str) -> int:
        """How many Admin API requests with root field `field` devshop executed."""
        return sum(1 for call in self.world.calls_for(field) if call.executed)


def backend_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": DEMO_API_KEY,
        "api_secret": DEMO_API_SECRET,
        "admin_base_url": "http://devshop.test",
        "app_env": "development",
        "admin_retry_budget": 2.0,
        "flight_wait": 10.0,
        # The flows send many requests as one shopper; tests/backend/ratelimit use the defaults.
        "rate_limits": RateLimits.everywhere("10000/minute"),
        "token_encryption_keys": (TEST_KEY,),
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running_stack(
    tmp_path: Path, *, store: Store | None = None, **overrides: Any
) -> AsyncIterator[Stack]:
    clock = Clock()
    settings = backend_settings(**overrides)
    store = store or sqlite_store(tmp_path / "backend.sqlite3")
    served_backend, served_devshop = Served(), Served()
    devshop = create_devshop(
        DevshopSettings(backend_url="http://backend.test"),
        backend_transport=httpx.ASGITransport(app=served_backend),
        clock=clock,
    )
    backend = create_app(
        settings,
        admin_transport=httpx.ASGITransport(app=served_devshop),
        store=store,
        clock=clock,
    )
    async with served_devshop.running(devshop), served_backend.running(backend):
        await store.save_token("demo-shop", ShopToken(access_token=DEMO_ACCESS_TOKEN))
        await store.save_token("other-shop", ShopToken(access_token=OTHER_SHOP_TOKEN))
        yield Stack(
            backend=backend,
            devshop=devshop,
            world=devshop.state.world,
            faults=devshop.state.faults,
            store=store,
            clock=clock,
            settings=settings,
            served_backend=served_backend,
            served_devshop=served_devshop,
        )


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real redis-server, started once for the session."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    problem = None
    try:
        server.start()
    except RedisServerError as error:
        problem = str(error)
    if problem is not None:
        # Failed, not skipped: CI must run the Redis store against a real server.
        pytest.fail(problem, pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL cluster, started once for the session; tests take databases of it."""
    problem = None
    try:
        server = PostgresServer()
        server.start()
    except PostgresServerError as error:
        problem = str(error)
    if problem is not None:
        # Failed, not skipped: CI must run the store against a real PostgreSQL.
        pytest.fail(problem, pytrace=False)
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database of the session's server, owned by the app's (non-super) role."""
    return postgres_server.create_database()


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SQLStore]:
    """The store, migrated, on a SQLite file and on a database of the session's PostgreSQL."""
    # Looked up only for PostgreSQL, so a run that selects only SQLite starts no server.
    if request.param == "postgres":
        target = request.getfixturevalue("postgres_url")
    else:
        target = str(tmp_path / "store.sqlite3")
    store = make_store(request.param, target)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


async def graphql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    path: str = "/apps/cancel/graphql",
) -> httpx.Response:
    return await client.post(path, json={"query": query, "variables": variables or {}})


ORDER_QUERY = """
query Order($id: ID!) {
  order(id: $id) {
    id name cancellable blockedBy deadline status
    reasons { code label }
  }
}
"""

ORDERS_QUERY = """
query Orders($ids: [ID!]!) {
  orders(ids: $ids) { id name cancellable blockedBy status }
}
"""

CANCEL_MUTATION = """
mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on CancelOrderSuccess { order { id name cancellable blockedBy status } }
    ... on CancelOrderRefused { code message }
  }
}
"""


async def cancel(
    client: httpx.AsyncClient, order_id: str | int, reason: str = "ORDERED_BY_MISTAKE", **extra: Any
) -> dict[str, Any]:
    response = await graphql(
        client,
        CANCEL_MUTATION,
        {"input": {"orderId": str(order_id), "reason": reason, **extra}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["cancelOrder"]
    return result

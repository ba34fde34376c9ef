"""devshop's Admin API on its own: a seeded world at a fixed time, faults, and a client for it.

Fixtures are prefixed (`devshop_`, `admin_`) so they never shadow the suite-wide ones.
Time stands still unless a test moves it with `devshop_world.advance(seconds)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from devshop.admin_api import admin_routes
from devshop.admin_throttle import BucketConfig
from devshop.control import control_routes
from devshop.faults import Faults
from devshop.seed import DEMO_ACCESS_TOKEN, DEMO_SHOP, seed
from devshop.world import World

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ADMIN_PATH = "/admin/api/2026-10/graphql.json"


@pytest.fixture
def devshop_world() -> World:
    world = World(clock=lambda: T0)
    seed(world, T0)
    return world


@pytest.fixture
def devshop_sleeps() -> list[float]:
    """Seconds devshop was asked to sleep by delay faults; nothing really sleeps."""
    return []


@pytest.fixture
def devshop_faults(devshop_sleeps: list[float]) -> Faults:
    async def sleep(seconds: float) -> None:
        devshop_sleeps.append(seconds)
        await asyncio.sleep(0)

    return Faults(sleep=sleep)


@pytest.fixture
def devshop_buckets() -> BucketConfig:
    return BucketConfig()


@pytest.fixture
def devshop_app(
    devshop_world: World, devshop_faults: Faults, devshop_buckets: BucketConfig
) -> Starlette:
    routes = admin_routes(devshop_world, devshop_faults, devshop_buckets)
    return Starlette(routes=[*routes, *control_routes(devshop_world, devshop_faults)])


@pytest.fixture
async def admin_client(devshop_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of demo-shop's Admin API with the right token (and of `/_devshop/*`)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=devshop_app),
        base_url=f"https://{DEMO_SHOP}",
        headers={"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN},
    ) as client:
        yield client


async def admin_post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    return await client.post(ADMIN_PATH, json={"query": query, "variables": variables}, **kwargs)


async def admin_data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The `data` of a request that must succeed without errors."""
    response = await admin_post(client, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data

"""devshop's Admin API on its own: a seeded world at a fixed time, faults, and a client for it;
and devshop serving whole (`shopify`), its webhooks going to a recording app.

Fixtures are prefixed (`devshop_`, `admin_`) so they never shadow the suite-wide ones.
Time stands still unless a test moves it with `devshop_world.advance(seconds)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devshop.admin_api import admin_routes
from devshop.admin_throttle import BucketConfig
from devshop.app import create_app
from devshop.control import control_routes
from devshop.faults import Faults
from devshop.seed import DEMO_ACCESS_TOKEN, DEMO_SHOP, seed
from devshop.settings import DEMO_API_SECRET, DevshopSettings
from devshop.webhook_subscriptions import APP_CONFIG
from devshop.webhooks import WebhookSender, sign
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


@dataclass
class Received:
    """One webhook as the app received it."""

    topic: str
    webhook_id: str
    event_id: str
    shop: str
    verified: bool  # the HMAC matches the body under the app's secret
    payload: dict[str, Any]
    triggered_at: str
    api_version: str


class Receiver:
    """The app's `/webhooks`, recording every delivery; answers `statuses` in turn, then 200."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        self.app = Starlette(routes=[Route("/webhooks", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        headers = request.headers
        self.received.append(
            Received(
                headers["x-shopify-topic"],
                headers["x-shopify-webhook-id"],
                headers["x-shopify-event-id"],
                headers["x-shopify-shop-domain"],
                hmac.compare_digest(headers["x-shopify-hmac-sha256"], sign(body, DEMO_API_SECRET)),
                json.loads(body),
                headers["x-shopify-triggered-at"],
                headers["x-shopify-api-version"],
            )
        )
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)

    def topics(self) -> list[str]:
        return [r.topic for r in self.received]

    def of(self, topic: str) -> list[Received]:
        return [r for r in self.received if r.topic == topic]


@dataclass
class Shopify:
    """devshop serving (lifespan and tick running) at T0, its webhooks going to `receiver`."""

    world: World
    sender: WebhookSender
    receiver: Receiver
    client: httpx.AsyncClient  # devshop's Admin API (demo-shop's token) and /_devshop/*

    async def settled(self) -> Receiver:
        """Every delivery done; what the app received."""
        await self.sender.drain()
        return self.receiver


@contextlib.asynccontextmanager
async def serving_devshop(app_config: Path = APP_CONFIG) -> AsyncIterator[Shopify]:
    receiver = Receiver()
    app = create_app(
        DevshopSettings(backend_url="http://app.test", app_config=app_config),
        backend_transport=httpx.ASGITransport(app=receiver.app),
        clock=lambda: T0,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=f"https://{DEMO_SHOP}",
            headers={"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN},
        ) as client,
    ):
        sender: WebhookSender = app.state.webhooks
        sender.configure(retry_delays=(0.01, 0.01))
        yield Shopify(app.state.world, sender, receiver, client)


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with serving_devshop() as running:
        yield running

"""`create_app(settings)`: devshop, a local Shopify for development, demos and tests.

One Starlette app plays every part of Shopify the product meets: the Admin GraphQL API (on the
real schema), the App Proxy that signs storefront requests for the backend, and the storefront
that renders our theme block, and it sends the app the webhooks it subscribed to in
`shopify.app.toml`. `/_devshop/*` lets tests and demos reset data, inject faults, change orders
and steer webhook delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.admin_api import admin_routes
from devshop.admin_frame import admin_frame_routes
from devshop.app_proxy import AppProxy
from devshop.control import control_routes
from devshop.control_orders import order_routes
from devshop.extension_host import extension_host_routes
from devshop.faults import Faults
from devshop.mailbox import Mailbox, mailbox_routes
from devshop.oauth import TokenIssuer, oauth_routes
from devshop.seed import seed
from devshop.settings import DevshopSettings
from devshop.storefront.routes import StorefrontConfig, storefront_routes
from devshop.webhook_control import webhook_routes
from devshop.webhook_subscriptions import read_subscriptions
from devshop.webhooks import WebhookSender
from devshop.world import World

# How often the server settles what fell due (cancel jobs, order routing) without a request.
TICK = 0.05


def utc_now() -> datetime:
    return datetime.now(UTC)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: DevshopSettings,
    *,
    backend_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """devshop. Tests pass the backend's ASGI transport and a clock."""
    world = World(clock=clock)
    seed(world, clock(), access_token=settings.access_token)
    faults = Faults()
    storefront = StorefrontConfig()
    http: list[httpx.AsyncClient] = []
    issuer = TokenIssuer(now=world.now)
    world.on_reset.append(issuer.clear)
    webhooks = WebhookSender(
        world,
        backend_url=settings.backend_url,
        secret=settings.api_secret,
        http=lambda: http[0] if http else None,
        subscriptions=read_subscriptions(settings.app_config, settings.backend_url),
    )

    async def tick() -> None:
        # Shopify completes jobs and routes orders whether or not anyone asks: so does devshop.
        while True:
            world.settle_jobs()
            await asyncio.sleep(TICK)

    mailbox = Mailbox(settings.smtp_port) if settings.smtp_port else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(transport=backend_transport, timeout=30.0) as client:
            http.append(client)
            ticking = asyncio.create_task(tick())
            if mailbox is not None:
                mailbox.start()
            try:
                yield
            finally:
                if mailbox is not None:
                    mailbox.stop()
                ticking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticking
                http.clear()

    def storefront_shop(request: Request) -> str | None:
        # A request for another shop's domain says so in Host; everything else is the demo shop.
        host = request.headers.get("host", "").split(":")[0]
        if host.endswith(".myshopify.com"):
            return host if host in world.shops else None
        return settings.shop

    proxy = AppProxy(
        backend_url=settings.backend_url,
        prefix=settings.proxy_prefix,
        secret=settings.api_secret,
        shop_for=storefront_shop,
        http=lambda: http[0],
    )
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route(f"{settings.proxy_prefix}/{{path:path}}", proxy.handle, methods=["GET", "POST"]),
        *admin_routes(world, faults, issued=issuer.accepts),
        *oauth_routes(world, issuer, api_key=settings.api_key, secret=settings.api_secret),
        *control_routes(world, faults),
        *order_routes(world),
        *webhook_routes(webhooks, default_shop=settings.shop),
        *storefront_routes(world, settings, shop_for=storefront_shop, config=storefront),
        *extension_host_routes(world, settings),
        *admin_frame_routes(world, settings),
        *(mailbox_routes(mailbox) if mailbox is not None else []),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.world = world
    app.state.faults = faults
    app.state.tokens = issuer
    app.state.webhooks = webhooks
    app.state.storefront = storefront
    return app

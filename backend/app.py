"""`create_app(settings)`: the backend as one Starlette application.

The lifespan owns everything shared: one `httpx.AsyncClient` for all Admin API calls, the store,
Shopify's verifier, and the background tasks that confirm cancellations.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from shopify_app import ShopifyApp
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.admin.gateway import MerchantGateway
from backend.admin.routes import admin_routes
from backend.auth.app_proxy import verify_app_proxy
from backend.auth.session_token import ExtensionCORS, verify_session_token
from backend.auth.tokens import ShopTokens
from backend.background import Background
from backend.cancellation import Cancellations
from backend.graphql.endpoint import StorefrontGraphQL, VerifiedGraphQL
from backend.graphql.schema import build_schema
from backend.observability.metrics import metrics
from backend.observability.middleware import Observe
from backend.ratelimit import Limiter
from backend.ratelimit.door import Door, DoorGuard
from backend.readiness import readyz_endpoint
from backend.retention import Retention
from backend.settings import Settings
from backend.shopify.client import AdminClient
from backend.shopify.gateway import AdminGateway
from backend.shopify.transport import AdminOriginTransport
from backend.store.base import Store
from backend.store.engine import create_engine, database_url
from backend.store.sql import SQLStore
from backend.webhooks import Webhooks, receive_webhook


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_store(settings: Settings) -> SQLStore:
    """PostgreSQL when DATABASE_URL is set, else the SQLite file; `open()` migrates it."""
    engine = create_engine(
        database_url(settings.database_url, settings.sqlite_path),
        timeout=settings.database_timeout,
    )
    return SQLStore(engine, settings.token_cipher)


def admin_http_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    if settings.admin_base_url:
        transport = AdminOriginTransport(
            settings.admin_base_url, transport or httpx.AsyncHTTPTransport()
        )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.admin_timeout, connect=5.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )


async def healthz(request: Request) -> JSONResponse:
    store: Store = request.state.store
    if not await store.ping():
        return JSONResponse({"status": "store unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    admin_transport: httpx.AsyncBaseTransport | None = None,
    store: Store | None = None,
    limiter: Limiter | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """The backend. Tests pass devshop's ASGI transport, a store, a limiter and a clock."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        shop_store = store or open_store(settings)
        await shop_store.open()
        # Rate limits live in Redis when several backends share them, else in this process.
        rate_limiter = limiter or Limiter(
            settings.rate_limits, settings.redis_url, timeout=settings.redis_timeout
        )
        await rate_limiter.open()
        door = Door(
            settings.rate_limits.door,
            settings.redis_url,
            timeout=settings.redis_timeout,
            trusted_proxy_hops=settings.trusted_proxy_hops,
        )
        background = Background()
        retention = Retention(shop_store, timedelta(days=settings.retention_days), clock)
        async with retention.running(), admin_http_client(settings, admin_transport) as http:
            shopify = ShopifyApp(settings.api_key, settings.api_secret, settings.old_api_secret)
            shop_tokens = ShopTokens(shopify, shop_store, http, clock)

            async def token_for(shop: str) -> str | None:
                if shop == settings.single_shop:
                    return settings.single_shop_token
                return await shop_tokens.access_token(shop)

            client = AdminClient(
                http,
                token_for,
                api_version=settings.api_version,
                timeout=settings.admin_timeout,
                retry_budget=settings.admin_retry_budget,
            )
            cancellations = Cancellations(
                AdminGateway(client),
                shop_store,
                clock=clock,
                spawn=background.spawn,
                flight_wait=settings.flight_wait,
                stale_flight=timedelta(seconds=settings.stale_flight_seconds),
                guest_window=timedelta(minutes=settings.guest_cancel_minutes),
            )
            app.state.background = background
            try:
                yield {
                    "settings": settings,
                    "store": shop_store,
                    "shopify": shopify,
                    "shop_tokens": shop_tokens,
                    "webhooks": Webhooks(
                        shopify,
                        shop_store,
                        clock=clock,
                        spawn=background.spawn,
                        reconcile=cancellations.reconcile,
                    ),
                    "cancellations": cancellations,
                    "limiter": rate_limiter,
                    "door": door,
                    "merchant_gateway": MerchantGateway(client),
                }
            finally:
                await background.aclose()
                door.close()
                await rate_limiter.close()
                await shop_store.close()

    schema = build_schema(production=not settings.development)
    storefront = StorefrontGraphQL(
        schema,
        graphql_ide="graphiql" if settings.development else None,
        allow_queries_via_get=False,
    )
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz_endpoint(), methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/webhooks", receive_webhook, methods=["POST"]),
        # Every method reaches the endpoint, which answers all but POST with the contract's 405.
        Route(
            "/proxy/graphql",
            VerifiedGraphQL(
                storefront,
                verify_app_proxy,
                development=settings.development,
                trusted_documents=settings.trusted_documents,
                trusted_proxy_hops=settings.trusted_proxy_hops,
                via_shopify=True,
            ),
        ),
        Route(
            "/extensions/graphql",
            ExtensionCORS(
                VerifiedGraphQL(
                    storefront,
                    verify_session_token,
                    development=settings.development,
                    trusted_documents=settings.trusted_documents,
                    trusted_proxy_hops=settings.trusted_proxy_hops,
                )
            ),
        ),
        *admin_routes(settings, clock),
    ]
    # Outermost first: every answer is logged and counted, the door's refusals included.
    middleware = [Middleware(Observe, routes=routes), Middleware(DoorGuard)]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)

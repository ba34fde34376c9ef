"""`create_app(settings)`: the backend as one Starlette application.

The lifespan owns everything shared (backend/services.py): the store, one `httpx.AsyncClient`
for all Admin API calls, Shopify's verifier, the use cases, the job worker (unless
`IN_PROCESS_WORKER=off`), and the rate limiter.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.admin.routes import admin_routes
from backend.auth.app_proxy import verify_app_proxy
from backend.auth.session_token import ExtensionCORS, verify_session_token
from backend.graphql.endpoint import StorefrontGraphQL, VerifiedGraphQL
from backend.graphql.schema import build_schema
from backend.observability.metrics import metrics
from backend.observability.middleware import Observe
from backend.ratelimit import Limiter
from backend.ratelimit.door import Door, DoorGuard
from backend.readiness import readyz_endpoint
from backend.services import running_services
from backend.settings import Settings
from backend.store.base import Store
from backend.store.sql import SQLStore
from backend.webhooks import receive_webhook
from backend.withdrawal.pages import withdraw_link, withdraw_page


def utc_now() -> datetime:
    return datetime.now(UTC)


async def healthz(request: Request) -> JSONResponse:
    store: Store = request.state.store
    if not await store.ping():
        return JSONResponse({"status": "store unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    admin_transport: httpx.AsyncBaseTransport | None = None,
    store: SQLStore | None = None,
    limiter: Limiter | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """The backend. Tests pass devshop's ASGI transport, a store, a limiter and a clock."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
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
        try:
            async with running_services(
                settings,
                clock=clock,
                admin_transport=admin_transport,
                store=store,
                worker=settings.in_process_worker,
            ) as services:
                app.state.services = services
                yield {
                    "settings": settings,
                    "store": services.store,
                    "shopify": services.shopify,
                    "shop_tokens": services.shop_tokens,
                    "webhooks": services.webhooks,
                    "cancellations": services.cancellations,
                    "partial": services.partial,
                    "edits": services.edits,
                    "withdrawals": services.withdrawals,
                    "guest_links": services.guest_links,
                    "outbox": services.outbox,
                    "services_clock": clock,
                    "limiter": rate_limiter,
                    "door": door,
                    "merchant_gateway": services.merchant_gateway,
                    "holds": services.holds,
                    "approvals": services.approvals,
                }
        finally:
            door.close()
            await rate_limiter.close()

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
        # The EU withdrawal function's guest page and its one-time links (issue 15).
        Route("/proxy/withdraw", withdraw_page, methods=["GET", "POST"]),
        Route("/proxy/withdraw/{token}", withdraw_link, methods=["GET", "POST"]),
        *admin_routes(settings, clock),
    ]
    # Outermost first: every answer is logged and counted, the door's refusals included.
    middleware = [Middleware(Observe, routes=routes), Middleware(DoorGuard)]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)

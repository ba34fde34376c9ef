"""The baseline: the least a backend can do for the same request, as a bare Starlette app.

`POST /baseline/order` verifies the App Proxy signature with `shopifyapp` exactly as the backend
does, sends the backend's own `OrderForCancel` document to the Admin API once, through an httpx
client built by the backend's own `admin_http_client` (same transport, limits and timeouts), and
answers the order as JSON. `POST /baseline/cancel` does the same and then sends the backend's
`OrderCancel` mutation: the two Admin requests a cancel needs. No GraphQL server, no policy, no
store, no ownership check, no retries: what remains between this and the backend is the cost
of those layers.

`python -m bench.baseline` serves it with the backend's uvicorn arguments (one worker, access
log at `info`), settings from the same environment (`HOST`, `PORT`, `SHOPIFY_*`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from shopify_app import ShopifyApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.__main__ import serve, settings_or_exit
from backend.auth.app_proxy import verify_app_proxy
from backend.services import admin_http_client
from backend.settings import Settings
from backend.shopify import documents

ORDER_DOCUMENT = documents.load(documents.ORDER_FOR_CANCEL)
CANCEL_DOCUMENT = documents.load(documents.ORDER_CANCEL)


def create_baseline(
    settings: Settings, *, admin_transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The baseline app. The profiler passes devshop's ASGI transport, as tests do."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with admin_http_client(settings, admin_transport) as http:
            yield {"http": http, "shopify": ShopifyApp(settings.api_key, settings.api_secret)}

    async def admin(request: Request, shop: str, query: str, variables: dict[str, Any]) -> Any:
        http: httpx.AsyncClient = request.state.http
        response = await http.post(
            f"https://{shop}.myshopify.com/admin/api/{settings.api_version}/graphql.json",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": settings.single_shop_token or ""},
        )
        return response.json()["data"]

    async def verified(request: Request) -> tuple[str, dict[str, Any]] | None:
        body = await request.body()
        viewer = verify_app_proxy(request.state.shopify, request, body)
        if viewer is None:
            return None
        return viewer.shop, json.loads(body).get("variables") or {}

    async def order(request: Request) -> JSONResponse:
        checked = await verified(request)
        if checked is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        shop, variables = checked
        gid = f"gid://shopify/Order/{variables['id']}"
        data = await admin(request, shop, ORDER_DOCUMENT, {"id": gid})
        return JSONResponse({"data": {"order": data["order"]}})

    async def cancel(request: Request) -> JSONResponse:
        checked = await verified(request)
        if checked is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        shop, variables = checked
        gid = f"gid://shopify/Order/{variables['input']['orderId']}"
        loaded = await admin(request, shop, ORDER_DOCUMENT, {"id": gid})
        cancelled = await admin(
            request,
            shop,
            CANCEL_DOCUMENT,
            {
                "orderId": gid,
                "restock": True,
                "refundMethod": {"originalPaymentMethodsRefund": True},
                "notifyCustomer": True,
                "staffNote": "Cancelled by the customer.",
            },
        )
        return JSONResponse({"data": {"order": loaded["order"], **cancelled}})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/baseline/order", order, methods=["POST"]),
            Route("/baseline/cancel", cancel, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    settings = settings_or_exit()
    serve(create_baseline(settings), settings)


if __name__ == "__main__":
    main()

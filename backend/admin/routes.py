"""App Home's routes.

GET  /                      the overview (rules form and insights), opened by Shopify's admin with
                            `?shop=&host=&embedded=1&id_token=&locale=`
GET  /rules, /insights      one screen each (`screens.py`), opened the same way
GET  /auth/patch-id-token   Shopify's bounce page: App Bridge fetches a fresh ID token, reloads
POST /admin/graphql         rules: `rules`, `saveRules` (Authorization: Bearer <ID token>)
GET  /admin/insights.csv    every attempt of the period as CSV (Bearer, or `?id_token=`)
GET  /admin/assets/*        the page's script and stylesheet
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from shopify_app import ShopifyApp
from shopify_app.types import Res
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from backend.admin.auth import (
    PATCH_ID_TOKEN_PATH,
    Merchant,
    merchant_of,
    request_input,
    verify_fetch,
    verify_page,
)
from backend.admin.csp import content_security_policy
from backend.admin.export import stream_attempts_csv
from backend.admin.gateway import MerchantGateway, OrdersCount
from backend.admin.i18n import N_, Speaker, load_catalogs
from backend.admin.insights import Insights, period_start, summarize
from backend.admin.requests import requests_view
from backend.admin.screens import Screen, every_screen
from backend.admin.templating import templates
from backend.admin.views import (
    EVENTS_PERIOD,
    STUCK_AFTER,
    events_view,
    holds_view,
    insights_view,
    page_context,
    rules_form,
)
from backend.admin.withdrawals import withdrawals_view
from backend.auth.tokens import ShopTokens, TokenExchangeFailed
from backend.graphql.admin.endpoint import AdminGraphQL, VerifiedAdminGraphQL
from backend.graphql.admin.schema import build_admin_schema
from backend.orders import legacy_id
from backend.policy import ShopPolicy
from backend.settings import Settings
from backend.shopify.client import AdminError
from backend.store.base import HoldState, RequestState, Store
from backend.withdrawal.period import WithdrawalRule

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("assets")
# devshop's admin frames App Home from a local origin; Shopify's CSP names only its own.
DEVELOPMENT_FRAME_ANCESTORS = "http://127.0.0.1:* http://localhost:*"


def _respond(res: Res, *, development: bool = False) -> Response:
    headers = dict(res.headers)
    csp = headers.get("Content-Security-Policy")
    if development and csp and "frame-ancestors" in csp:
        headers["Content-Security-Policy"] = csp.rstrip(";") + f" {DEVELOPMENT_FRAME_ANCESTORS};"
    return Response(res.body, status_code=res.status, headers=headers)


async def ensure_token(request: Request, merchant: Merchant) -> str | None:
    """Exchange the ID token for an expiring offline token when the shop has no working one.

    Returns a warning for the page (a msgid) when that fails: the page still opens (its rules
    live in our store), but what calls Shopify waits for a later visit's exchange.
    """
    settings: Settings = request.state.settings
    if merchant.shop == settings.single_shop:
        return None  # a custom app's token comes from the environment
    tokens: ShopTokens = request.state.shop_tokens
    try:
        if await tokens.access_token(merchant.shop):
            return None
        await tokens.exchange(merchant.shop, merchant.details)
    except (TokenExchangeFailed, AdminError, httpx.HTTPError) as error:
        logger.warning("token exchange failed for %s: %s", merchant.shop, error)
        return N_("We couldn't connect to your shop just now. Reload the page to try again.")
    return None


async def insights_for(
    store: Store, gateway: MerchantGateway, shop: str, policy: ShopPolicy, now: datetime
) -> Insights:
    """The period's insights; the rate is left unknown when Shopify cannot count the orders."""
    since = period_start(now)
    counted: OrdersCount | None
    try:
        counted = await gateway.orders_count(shop, since)
    except AdminError as error:
        logger.warning("ordersCount failed for %s: %s", shop, error)
        counted = None
    return await summarize(
        store,
        shop,
        policy=policy,
        now=now,
        tz=counted.tz if counted else ZoneInfo("UTC"),
        orders=counted.count if counted else None,
        orders_exact=counted.exact if counted else True,
    )


class AppHome:
    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.clock = clock

    def _respond(self, res: Res) -> Response:
        return _respond(res, development=self.settings.development)

    def screen(self, screen: Screen) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self.page(request, screen)

        return endpoint

    async def page(self, request: Request, screen: Screen) -> Response:
        shopify: ShopifyApp = request.state.shopify
        result = verify_page(shopify, request)
        merchant = merchant_of(result)
        if merchant is None:
            return self._respond(result.response)
        query_shop = request.query_params.get("shop", "").removesuffix(".myshopify.com")
        if query_shop and query_shop != merchant.shop:
            return Response("Unauthorized", status_code=401)  # one shop's token, another's URL
        warning = await ensure_token(request, merchant)
        speaker = Speaker.for_locale(request.query_params.get("locale"))
        store: Store = request.state.store
        policy = await store.get_policy(merchant.shop) or ShopPolicy()
        form = rules_form(policy) if "rules" in screen.needs else None
        insights = None
        if "insights" in screen.needs:
            summary = await insights_for(
                store, request.state.merchant_gateway, merchant.shop, policy, self.clock()
            )
            csv_href = "/admin/insights.csv?" + urlencode(
                {"shop": f"{merchant.shop}.myshopify.com", "id_token": merchant.id_token}
            )
            insights = insights_view(summary, speaker, csv_href, policy)
        events = None
        if "events" in screen.needs:
            now = self.clock()
            health = await store.delivery_health(
                merchant.shop, since=now - EVENTS_PERIOD, stuck_before=now - STUCK_AFTER
            )
            events = events_view(health, await store.job_stats(now=now), speaker)
        holds = None
        if "holds" in screen.needs:
            holds = holds_view(
                await store.holds(merchant.shop, [HoldState.HELD]),
                await store.holds(
                    merchant.shop, [HoldState.RELEASED, HoldState.ENDED_WITH_CANCEL], limit=200
                ),
                await store.holds(merchant.shop, [HoldState.RELEASE_FAILED]),
                speaker,
            )
        requests = None
        if "requests" in screen.needs:
            waiting = await store.requests(
                merchant.shop, [RequestState.REQUESTED, RequestState.APPROVING]
            )
            requests = requests_view(waiting, policy, speaker, self.clock())
        withdrawals = None
        if "withdrawals" in screen.needs:
            withdrawals = withdrawals_view(
                await store.get_withdrawal_rule(merchant.shop) or WithdrawalRule(),
                await store.withdrawals(merchant.shop),
                speaker,
                shop=merchant.shop,
                id_token=merchant.id_token,
            )
        # Shopify's headers for the page: frame-ancestors, and preloading its scripts.
        headers = dict(self._respond(result.response).headers)
        headers.pop("content-length", None)
        headers["Content-Security-Policy"] = content_security_policy(
            headers.pop("content-security-policy", None)
        )
        return templates.TemplateResponse(
            request,
            screen.template,
            page_context(
                screen=screen,
                speaker=speaker,
                api_key=self.settings.api_key,
                shop=merchant.shop,
                id_token=merchant.id_token,
                query=request.url.query,
                warning=warning,
                form=form,
                insights=insights,
                events=events,
                holds=holds,
                requests=requests,
                withdrawals=withdrawals,
            ),
            headers={
                **headers,
                "Cache-Control": "no-store",
                "Content-Language": speaker.language,
            },
        )

    async def patch_id_token(self, request: Request) -> Response:
        shopify: ShopifyApp = request.state.shopify
        return self._respond(shopify.app_home_patch_id_token(request_input(request)).response)

    async def insights_csv(self, request: Request) -> Response:
        merchant = verify_fetch(request.state.shopify, request, allow_query=True)
        if merchant is None:
            return Response(
                "Unauthorized",
                status_code=401,
                headers={"X-Shopify-Retry-Invalid-Session-Request": "1"},
            )
        store: Store = request.state.store
        policy = await store.get_policy(merchant.shop) or ShopPolicy()
        pages = store.attempt_pages(merchant.shop, since=period_start(self.clock()))
        return StreamingResponse(
            stream_attempts_csv(pages, policy),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="cancellations.csv"',
                "Cache-Control": "no-store",
                # A download, never a page: no browser may guess it is HTML.
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def acknowledgement(self, request: Request) -> Response:
        """The acknowledgement a customer received (or should have), as a text file."""
        merchant = verify_fetch(request.state.shopify, request, allow_query=True)
        if merchant is None:
            return Response(
                "Unauthorized",
                status_code=401,
                headers={"X-Shopify-Retry-Invalid-Session-Request": "1"},
            )
        store: Store = request.state.store
        order_id = request.query_params.get("order_id", "")
        record = await store.get_withdrawal(merchant.shop, order_id)
        if record is None:
            return Response("Not found", status_code=404)
        filename = f"withdrawal-{legacy_id(record.order_id)}.txt"
        return Response(
            record.acknowledgement,
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )


def admin_routes(settings: Settings, clock: Callable[[], datetime]) -> list[BaseRoute]:
    load_catalogs()  # at start-up: a broken catalog stops the backend, not a merchant's page
    home = AppHome(settings, clock)
    graphql = AdminGraphQL(
        build_admin_schema(production=not settings.development),
        graphql_ide=None,
        allow_queries_via_get=False,
    )
    return [
        *(Route(s.path, home.screen(s), methods=["GET"]) for s in every_screen()),
        Route(PATCH_ID_TOKEN_PATH, home.patch_id_token, methods=["GET"]),
        Route("/admin/graphql", VerifiedAdminGraphQL(graphql), methods=["POST"]),
        Route("/admin/insights.csv", home.insights_csv, methods=["GET"]),
        Route("/admin/withdrawals/acknowledgement.txt", home.acknowledgement, methods=["GET"]),
        Mount("/admin/assets", StaticFiles(directory=ASSETS), name="admin-assets"),
    ]

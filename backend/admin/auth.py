"""App Home requests: Shopify's admin opens the page with an ID token in the query string, and
the page's own requests carry one as `Authorization: Bearer`. `shopifyapp` checks both.

An ID token is a one-minute HS256 JWT signed with the app's secret, `aud` our API key, `dest`
the shop. A document request without one is bounced to the patch-ID-token page, where App Bridge
fetches a fresh token and reloads; a fetch without one is simply 401.
"""

from __future__ import annotations

from dataclasses import dataclass

from shopify_app import ShopifyApp
from shopify_app.types import IdTokenDetails, RequestInput, ResultWithExchangeableIdToken
from starlette.requests import Request

PATCH_ID_TOKEN_PATH = "/auth/patch-id-token"


@dataclass(frozen=True, slots=True)
class Merchant:
    """Staff of `shop` ("demo-shop"), verified by an ID token."""

    shop: str
    user_id: str | None
    id_token: str
    details: IdTokenDetails  # what token exchange takes


def request_input(request: Request, body: bytes = b"") -> RequestInput:
    return {
        "method": request.method,
        "headers": dict(request.headers),
        "url": str(request.url),
        "body": body.decode("utf-8", errors="replace"),
    }


def verify_page(shopify: ShopifyApp, request: Request) -> ResultWithExchangeableIdToken:
    """Shopify's verdict on a document request (the answer to send when not ok included)."""
    return shopify.verify_app_home_req(request_input(request), PATCH_ID_TOKEN_PATH)


def merchant_of(result: ResultWithExchangeableIdToken) -> Merchant | None:
    if not result.ok or not result.shop or result.id_token is None:
        return None
    return Merchant(
        shop=result.shop,
        user_id=None if result.user_id is None else str(result.user_id),
        id_token=result.id_token.token,
        details=result.id_token,
    )


def verify_fetch(
    shopify: ShopifyApp, request: Request, *, allow_query: bool = False
) -> Merchant | None:
    """The merchant behind a fetch from App Home, or None (answer 401).

    The token comes from `Authorization: Bearer`; `allow_query` also takes `?id_token=` (a
    plain download link), which without this check would earn the bounce page, not a 401.
    """
    if not request.headers.get("authorization"):
        if not (allow_query and request.query_params.get("id_token")):
            return None
    return merchant_of(verify_page(shopify, request))
